"""The scoreboard: reproduced rows from results/ only, the paper's rows apart, labels like the paper's."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import yaml

from conftest import ROOT
from specocr.evaluate.metrics import CorpusMetrics, GroupScore
from specocr.evaluate.stats import Interval
from specocr.report.scoreboard import (
    Row,
    reported_rows,
    reproduced_rows,
    scoreboard_frame,
    technique_label,
    write_scoreboard,
)


def metrics(score: float, pages_per_second: float | None = 2.0, degeneration: float = 0.0,
            hit_token_limit: float | None = None) -> CorpusMetrics:
    return CorpusMetrics(
        n_documents=10, score=Interval(mean=score, ci_low=score - 0.05, ci_high=score + 0.05, confidence=0.95, n=10),
        levenshtein=score, bleu=score, per_category={"printed": GroupScore(n=4, score=score + 0.1),
                                                     "handwritten": GroupScore(n=6, score=score - 0.1)},
        per_strength={}, degeneration_rate=degeneration, degenerate_documents=int(degeneration / 10),
        hit_token_limit_rate=degeneration if hit_token_limit is None else hit_token_limit, json_validity_rate=90.0, pages_per_second=pages_per_second,
        degenerate_time_share=None)


@pytest.fixture
def results(tmp_path: Path) -> Path:
    for (system, stage), value in {("ocr-S", "vanilla"): 0.2, ("ocr-S", "dpo"): 0.8, ("ocr-S", "sft"): 0.7,
                                   ("generalist-S", "dpo"): 0.6, ("tesseract", "vanilla"): 0.73}.items():
        folder = tmp_path / "results" / system / stage
        folder.mkdir(parents=True)
        capped = 100.0 if (system, stage) == ("ocr-S", "sft") else None  # letter soup to the cap, no loop
        (folder / "metrics.json").write_text(metrics(value, hit_token_limit=capped).model_dump_json(), encoding="utf-8")
    return tmp_path / "results"


def test_labels_follow_the_paper() -> None:
    assert technique_label("vanilla") == ""
    assert technique_label("dpo") == "(SFT+DPO)" and technique_label("quant") == "(SFT+DPO, Quant)"
    assert technique_label("sft", lora=True) == "(SFT, LoRA)"


def test_reproduced_rows_are_ordered_by_ladder_and_stage_and_priced(results: Path, default_params) -> None:
    rows = reproduced_rows(results, default_params)
    assert [r.label for r in rows] == ["generalist-S (SFT+DPO)", "ocr-S", "ocr-S (SFT)", "ocr-S (SFT+DPO)",
                                       "Tesseract 5 (por)"]
    price = default_params.cost.hardware[default_params.cost.measured_on].usd_per_hour
    assert rows[0].usd_per_million_pages == pytest.approx(price / (2.0 * 3600) * 1e6)
    assert rows[1].level == 2 and rows[1].per_category["printed"] == pytest.approx(0.3)


def test_scoreboard_files_keep_reported_rows_apart(results: Path, default_params, tmp_path: Path) -> None:
    ours = reproduced_rows(results, default_params)
    theirs = reported_rows(ROOT / default_params.report.reported, default_params)
    assert any(r.label == "Claude Opus 4.6" and r.usd_per_million_pages > 10_000 for r in theirs)
    paths = write_scoreboard(ours, theirs, tmp_path / "tables", default_params.cost.measured_on)
    assert [p.name for p in paths] == ["scoreboard.csv", "scoreboard.md", "scoreboard.tex"]
    rows = list(csv.DictReader(paths[0].open(encoding="utf-8")))
    assert [r["block"] for r in rows].count("reproduced") == 5 and rows[-1]["block"] == "reported"
    markdown = paths[1].read_text(encoding="utf-8")
    assert markdown.index("Reproduced in this run") < markdown.index("ocr-S (SFT+DPO)") < markdown.index("Reported by")
    assert "0.800 [0.750, 0.850]" in markdown
    cells = lambda line: [cell.strip() for cell in line.split("|")]  # noqa: E731
    header = cells(next(line for line in markdown.splitlines() if "degeneration %" in line))
    sft = cells(next(line for line in markdown.splitlines() if line.startswith("| ocr-S (SFT) ")))
    # the cap share beside the degeneration rate: letter soup to the cap is no loop, yet it shows
    assert header.index("hit token cap %") == header.index("degeneration %") + 1
    assert float(sft[header.index("degeneration %")]) == 0 and float(sft[header.index("hit token cap %")]) == 100
    assert "\\begin{tabular}" in paths[2].read_text(encoding="utf-8")
    # the same inputs give the same files, byte for byte
    again = write_scoreboard(ours, theirs, tmp_path / "again", default_params.cost.measured_on)
    assert [p.read_bytes() for p in paths] == [p.read_bytes() for p in again]


def test_only_this_runs_systems_are_rows(default_params) -> None:
    """Outputs another params file left in results/ (DVC keeps them) are not rows of this run."""
    from specocr.report.scoreboard import is_configured

    assert is_configured("ocr-S", "dpo", default_params) and is_configured("tesseract", "vanilla", default_params)
    assert not is_configured("ocr-M", "dpo", default_params)  # shipped, but not in the default's bases
    smoke = default_params.model_copy(update={"bases": {"ocr-S": default_params.bases["ocr-S"]}})
    assert not is_configured("generalist-S", "sft", smoke) and not is_configured("tesseract", "sft", smoke)


def test_documents_without_a_category_or_strength_go_through_the_tables_and_summaries(tmp_path: Path,
                                                                                     default_params) -> None:
    """Hub rows have no category (they are all "unknown"), strength or font: nothing assumes the synthetic ones."""
    import datasets
    from PIL import Image

    from specocr.data.generate import summarize
    from specocr.report.figures import per_category
    from specocr.report.scoreboard import categories_of

    measured = {"degeneration": 0.0, "hit_token_limit": 0.0, "json_validity": 100.0}
    unknown = Row("ocr-S", "dpo", "ocr-S (SFT+DPO)", "model", 0.5, 0.4, 0.6, per_category={"unknown": 0.5}, **measured)
    mixed = Row("tesseract", "vanilla", "Tesseract", "engine", 0.7, 0.6, 0.8,
                per_category={"legal": 0.7, "unknown": 0.6}, **measured)
    assert categories_of([unknown, mixed]) == ["legal", "unknown"]
    theirs = reported_rows(ROOT / default_params.report.reported, default_params)
    paths = write_scoreboard([unknown, mixed], theirs, tmp_path, default_params.cost.measured_on)
    header = next(line for line in paths[1].read_text().splitlines() if "score [95% CI]" in line)
    assert "unknown |" in header and "legal |" in header and "printed" not in header
    per_category(scoreboard_frame([unknown, mixed]))
    image = Image.new("RGB", (8, 8), "white")
    test = datasets.Dataset.from_dict({"id": [1, 2], "image": [image, image], "assistant": ['{"text": "a"}'] * 2,
                                       "assistant_without_json": ["a", "b"], "category": ["unknown"] * 2,
                                       "strength": [None, None], "font": [None, None]})
    summary = summarize(datasets.DatasetDict({"test": test}))["test"]
    assert summary["per_strength"] == {"unknown": 2} and summary["per_font"] == {"unknown": 2}


def test_example_grids_take_one_document_per_group_and_label_what_a_row_has() -> None:
    import datasets

    from specocr.evaluate.display import document_label, one_per_group

    synthetic = datasets.Dataset.from_dict({"category": ["legal", "printed", "legal", "printed"],
                                            "strength": [0.5, 0.0, 0.5, 1.0], "font": ["DejaVuSans.ttf"] * 4})
    assert one_per_group(synthetic) == [0, 1, 3]
    assert document_label(synthetic[0]) == "legal · strength 0.5 · DejaVuSans.ttf"
    hub = datasets.Dataset.from_dict({"category": ["unknown"] * 3, "strength": [None] * 3, "font": [None] * 3},
                                     features=datasets.Features({"category": datasets.Value("string"),
                                                                 "strength": datasets.Value("float32"),
                                                                 "font": datasets.Value("string")}))
    assert one_per_group(hub) == [0] and document_label(hub[0]) == "unknown"


def test_a_cost_the_paper_gives_as_a_ratio_is_derived_and_marked(default_params, tmp_path: Path) -> None:
    theirs = {row.system: row for row in reported_rows(ROOT / default_params.report.reported, default_params)}
    lite, opus = theirs["DharmaOCR Lite 3B"], theirs["Claude Opus 4.6"]
    assert lite.usd_per_million_pages == pytest.approx(opus.usd_per_million_pages / 52)
    assert lite.kind == "reported (cost derived)" and "1/52 of Claude Opus 4.6" in lite.cost_basis
    assert theirs["DharmaOCR Full 7B"].usd_per_million_pages is None  # the paper gives no ratio for the 7B
    reported = yaml.safe_load((ROOT / default_params.report.reported).read_text(encoding="utf-8"))
    reported["systems"] = [{**row, "cheaper_than": {"system": "Nobody", "factor": 2, "source": "x"}}
                           if row["name"] == "DharmaOCR Lite 3B" else row for row in reported["systems"]]
    (tmp_path / "reported.yaml").write_text(yaml.safe_dump(reported), encoding="utf-8")
    with pytest.raises(ValueError, match="'Nobody', which has no API price"):
        reported_rows(tmp_path / "reported.yaml", default_params)
