"""The report stage end to end on a small results folder: every table, figure and number, reproducibly."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from conftest import ROOT
from specocr.evaluate.metrics import Reference
from specocr.evaluate.run import write_metrics
from specocr.report.build import build_report, macro_name

TRUTH = ['{"text": "Certifico que João reside na Rua das Flores, 12."}',
         '{"header": "PROCURAÇÃO", "text": "Outorgante: Maria da Silva."}',
         '{"text": "Recebi a quantia de R$ 150,00."}']


def write_run(root: Path, system: str, stage: str, outputs: list[str], seconds: float = 0.5) -> None:
    folder = root / "results" / system / stage
    folder.mkdir(parents=True)
    with (folder / "predictions.jsonl").open("w", encoding="utf-8") as handle:
        for i, text in enumerate(outputs):
            handle.write(json.dumps({"id": str(i), "prediction": text, "hit_token_limit": False, "seconds": seconds}) + "\n")


def test_macro_names_are_letters_only() -> None:
    assert macro_name("ocr-S", "dpo", "score") == "ocrSDpoScore"
    assert macro_name("claim", "C1", "verdict") == "claimCOneVerdict"


def test_report_writes_every_artifact_and_is_reproducible(default_params, tmp_path: Path, monkeypatch) -> None:
    import datasets

    (tmp_path / "paper").mkdir()
    shutil.copy2(ROOT / "paper" / "reported.yaml", tmp_path / "paper" / "reported.yaml")
    references = [Reference(id=str(i), assistant=t, category="printed", strength=0.0) for i, t in enumerate(TRUTH)]
    dataset = datasets.Dataset.from_dict({"id": [0, 1, 2], "assistant": TRUTH, "category": ["printed"] * 3,
                                          "strength": [0.0] * 3})
    write_run(tmp_path, "tesseract", "vanilla", ["Certifico que Joao reside", "PROCURACAO", "Recebi a quantia"], 0.1)
    write_run(tmp_path, "ocr-S", "vanilla", ["", "", ""], 2.0)
    write_run(tmp_path, "ocr-S", "dpo", TRUTH, 1.0)
    for system, stage in [("tesseract", "vanilla"), ("ocr-S", "vanilla"), ("ocr-S", "dpo")]:
        write_metrics(tmp_path / "results" / system / stage, dataset, 15, 4, 100, 0.95, 0)

    report = build_report(default_params, tmp_path, references)
    names = {p.relative_to(tmp_path).as_posix() for p in report["written"]}
    assert {"paper/tables/scoreboard.md", "paper/tables/claims.tex", "paper/numbers.tex", "paper/claims.json",
            "paper/figures/pareto.pdf", "paper/figures/ladder.png", "paper/figures/degeneration_by_stage.png"} <= names
    claims = json.loads((tmp_path / "paper" / "claims.json").read_text(encoding="utf-8"))
    assert claims["C1"]["verdict"] == "not testable in this run"  # no generalist was trained here
    assert claims["C1"]["caveat"] is None  # ocr-S reads these documents better than Tesseract
    assert claims["C5"]["verdict"] in ("holds", "does not hold") and claims["C5"]["evidence"]
    numbers = (tmp_path / "paper" / "numbers.tex").read_text(encoding="utf-8")
    assert "\\newcommand{\\ocrSDpoScore}{1.000}" in numbers and "\\claimCOneVerdict" in numbers

    tables = {p: p.read_bytes() for p in (tmp_path / "paper" / "tables").iterdir()}
    shutil.rmtree(tmp_path / "paper" / "tables")
    build_report(default_params, tmp_path, references)
    assert {p: p.read_bytes() for p in (tmp_path / "paper" / "tables").iterdir()} == tables


def test_claims_carry_a_caveat_while_a_base_reads_too_little() -> None:
    from specocr.report.build import reading_caveat

    reading = {"generalist-S": {"level": 1, "cer_printed_lines": 0.6}, "ocr-S": {"level": 2, "cer_printed_lines": 0.08}}
    assert reading_caveat(reading) is None
    reading["generalist-M"] = {"level": 1, "cer_printed_lines": 0.91}  # a larger generalist that does not read
    caveat = reading_caveat(reading)
    assert caveat.startswith("The level-1 bases generalist-M 0.91 ") and "generalist-S" not in caveat
    assert "favours any base that reads" in caveat
    del reading["generalist-M"]
    reading["ocr-M"] = {"level": 2, "cer_printed_lines": 1.69}
    caveat = reading_caveat(reading)
    assert "ocr-M 1.69" in caveat and "ocr-S" not in caveat and "not the paper's claim" in caveat
    del reading["ocr-M"]
    reading["ocr-S"]["cer_printed_lines"] = 0.21  # reads, with errors
    caveat = reading_caveat(reading)
    assert "ocr-S 0.21" in caveat and "below the zoo's target" in caveat and "weaker reader" in caveat


def test_claims_carry_a_caveat_while_every_model_scores_below_an_engine() -> None:
    from specocr.report.build import engine_caveat
    from specocr.report.scoreboard import Row

    engines = [Row("tesseract", "vanilla", "Tesseract 5 (por)", "engine", 0.761),
               Row("rapidocr", "vanilla", "RapidOCR 3", "engine", 0.70)]
    models = [Row("ocr-S", "dpo", "ocr-S (SFT+DPO)", "model", 0.068), Row("ocr-S", "sft", "ocr-S (SFT)", "model", 0.067)]
    caveat = engine_caveat(engines + models)
    assert caveat.startswith("Every model of this run scores below Tesseract 5 (por) (0.761)")
    assert "the best is ocr-S (SFT+DPO) at 0.068" in caveat and "not the paper's claim" in caveat
    assert engine_caveat(engines + [Row("ocr-S", "dpo", "ocr-S (SFT+DPO)", "model", 0.80)]) is None  # one reads
    assert engine_caveat(models) is None and engine_caveat(engines) is None  # nothing to compare with


def test_no_verdict_is_read_off_a_run_whose_models_score_below_an_engine() -> None:
    from specocr.report.build import apply_caveats
    from specocr.report.claims import FAILS, HOLDS, UNTESTABLE, Claim

    claims = [Claim("C1", "s", HOLDS), Claim("C2", "s", FAILS), Claim("C3", "s", UNTESTABLE)]
    assert apply_caveats(claims, "A reading caveat.", None) == "A reading caveat."
    assert [c.verdict for c in claims] == [HOLDS, FAILS, UNTESTABLE]  # a reading caveat alone keeps them
    caveat = apply_caveats(claims, None, "Every model of this run scores below Tesseract.")
    assert [c.verdict for c in claims] == [UNTESTABLE] * 3 and all(c.caveat == caveat for c in claims)
    assert "below an OCR engine" in claims[0].reason and claims[2].reason is None
