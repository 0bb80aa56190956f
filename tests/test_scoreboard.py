"""The scoreboard: reproduced rows from results/ only, the paper's rows apart, labels like the paper's."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from conftest import ROOT
from specocr.evaluate.metrics import CorpusMetrics, GroupScore
from specocr.evaluate.stats import Interval
from specocr.report.scoreboard import (
    reported_rows,
    reproduced_rows,
    technique_label,
    write_scoreboard,
)


def metrics(score: float, pages_per_second: float | None = 2.0, degeneration: float = 0.0) -> CorpusMetrics:
    return CorpusMetrics(
        n_documents=10, score=Interval(mean=score, ci_low=score - 0.05, ci_high=score + 0.05, confidence=0.95, n=10),
        levenshtein=score, bleu=score, per_category={"printed": GroupScore(n=4, score=score + 0.1),
                                                     "handwritten": GroupScore(n=6, score=score - 0.1)},
        per_strength={}, degeneration_rate=degeneration, degenerate_documents=int(degeneration / 10),
        hit_token_limit_rate=degeneration, json_validity_rate=90.0, pages_per_second=pages_per_second,
        degenerate_time_share=None)


@pytest.fixture
def results(tmp_path: Path) -> Path:
    for (system, stage), value in {("ocr-S", "vanilla"): 0.2, ("ocr-S", "dpo"): 0.8, ("ocr-S", "sft"): 0.7,
                                   ("generalist-S", "dpo"): 0.6, ("tesseract", "vanilla"): 0.73}.items():
        folder = tmp_path / "results" / system / stage
        folder.mkdir(parents=True)
        (folder / "metrics.json").write_text(metrics(value).model_dump_json(), encoding="utf-8")
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
