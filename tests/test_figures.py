"""The report's figures: the Pareto frontier is right, and every figure is written in every format."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from specocr.report.figures import degeneration_by_stage, ladder, pareto, pareto_frontier, per_category, save
from specocr.report.scoreboard import Row, scoreboard_frame


def test_pareto_frontier_keeps_only_undominated_systems() -> None:
    frame = pd.DataFrame({"label": list("abcde"), "usd_per_million_pages": [1, 2, 3, 4, None],
                          "score": [0.5, 0.4, 0.7, 0.9, 0.99]})
    assert pareto_frontier(frame)["label"].tolist() == ["a", "c", "d"]  # b is dominated by a; e has no price


def test_every_figure_is_saved_in_each_format(tmp_path: Path) -> None:
    rows = []
    for system, level, size in [("generalist-S", 1, "S"), ("ocr-S", 2, "S"), ("generalist-M", 1, "M"), ("ocr-M", 2, "M")]:
        for i, stage in enumerate(["vanilla", "sft", "dpo", "quant"]):
            score = 0.2 + 0.15 * i + 0.1 * level
            rows.append(Row(system, stage, f"{system} {stage}", "model", score, score - 0.05, score + 0.05,
                            {"printed": score, "handwritten": score - 0.1}, degeneration=10.0 / (i + 1),
                            json_validity=90.0, pages_per_second=1.0 + i, usd_per_million_pages=25.0 / (1 + i),
                            level=level, size=size))
    rows.append(Row("tesseract", "vanilla", "Tesseract", "engine", 0.73, 0.7, 0.76, {"printed": 0.88},
                    degeneration=0.0, pages_per_second=13.5, usd_per_million_pages=1.8))
    reproduced = scoreboard_frame(rows)
    reported = scoreboard_frame([Row("Claude Opus 4.6", "reported", "Claude Opus 4.6", "reported", 0.833,
                                     usd_per_million_pages=24_750.0),
                                 Row("DharmaOCR Lite 3B", "reported", "DharmaOCR Lite 3B", "reported (cost derived)",
                                     0.911, usd_per_million_pages=476.0)])
    figures = {"degeneration_by_stage": degeneration_by_stage(reproduced), "pareto": pareto(reproduced, reported, "x"),
               "per_category": per_category(reproduced), "ladder": ladder(reproduced)}
    for name, figure in figures.items():
        paths = save(figure, tmp_path, name, ["png", "pdf"])
        assert [p.suffix for p in paths] == [".png", ".pdf"] and all(p.stat().st_size > 5_000 for p in paths)


def test_the_pareto_panels_label_what_a_reader_must_tell_apart() -> None:
    rows = [Row(base, stage, f"{base} {stage}", "model", 0.3 + 0.1 * i, usd_per_million_pages=8.0 + i)
            for base in ("ocr-S", "generalist-S") for i, stage in enumerate(["vanilla", "sft", "dpo"])]
    rows.append(Row("tesseract", "vanilla", "Tesseract 5", "engine", 0.76, usd_per_million_pages=1.1))
    reported = [Row("Claude Opus 4.6", "reported", "Claude Opus 4.6", "reported", 0.833, usd_per_million_pages=24_750.0),
                Row("Gemini 3.1 Pro", "reported", "Gemini 3.1 Pro", "reported", 0.82, usd_per_million_pages=10_000.0)]
    figure = pareto(scoreboard_frame(rows), scoreboard_frame(reported), "x")
    ours, theirs = figure.axes
    legend = [text.get_text() for text in ours.get_legend().get_texts()]
    assert {"ocr-S", "generalist-S", "vanilla", "SFT", "SFT+DPO", "OCR engine"} <= set(legend)
    assert [text.get_text() for text in ours.texts] == ["Tesseract 5"]  # models by colour and marker, not text
    figure.canvas.draw()
    for ax in (ours, theirs):  # dollar labels at a few major ticks only: none drawn over another
        low, high = ax.get_xlim()
        labels = [t for t, at in zip(ax.get_xticklabels(), ax.get_xticks()) if low <= at <= high and t.get_text()]
        assert all(label.get_text().startswith("$") for label in labels)
        boxes = sorted((t.get_window_extent() for t in labels), key=lambda box: box.x0)
        assert all(a.x1 <= b.x0 for a, b in zip(boxes, boxes[1:]))
        assert not any(t.get_text() for t in ax.get_xminorticklabels())


def test_the_ladder_legend_names_only_the_levels_a_size_has() -> None:
    rows = [Row(base, stage, f"{base} {stage}", "model", 0.3, 0.25, 0.35, level=level, size=size)
            for base, level, size in [("generalist-S", 1, "S"), ("ocr-S", 2, "S"), ("generalist-M", 1, "M")]
            for stage in ("vanilla", "sft")]
    small, medium = ladder(scoreboard_frame(rows)).axes
    assert [t.get_text() for t in small.get_legend().get_texts()] == ["level 1 (generalist)", "level 2 (general-OCR)"]
    assert [t.get_text() for t in medium.get_legend().get_texts()] == ["level 1 (generalist)"]
