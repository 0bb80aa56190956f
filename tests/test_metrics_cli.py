from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from specocr.cli import app
from specocr.evaluate.io import read_predictions, read_references
from specocr.evaluate.metrics import Prediction, Reference, corpus_metrics, headline, is_structured_output
from specocr.evaluate.score import document_score

REFERENCES = [
    {"id": 1, "assistant": '{"header": "CERTIDÃO", "text": "Certifico que João da Silva nasceu em Recife."}',
     "category": "legal", "strength": 0.0},
    {"id": 2, "assistant": '{"text": "Recebi de Maria a quantia de cem reais."}', "category": "handwritten",
     "strength": 1.0},
    {"id": 3, "assistant": '{"text": "Formulário de inscrição: nome, endereço, telefone."}', "category": "printed",
     "strength": 0.0},
]
PREDICTIONS = [
    {"id": 1, "prediction": '{"header": "CERTIDÃO", "text": "Certifico que João da Silva nasceu em Recife."}'},
    {"id": "2", "prediction": "Recebi de Maria a quantia de cem reals.", "hit_token_limit": False},
    {"id": 3, "prediction": "Formulário " + "de inscrição " * 20, "hit_token_limit": True},
]


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def test_structured_output_rule() -> None:
    assert is_structured_output('{"header": "a", "text": "b"}')
    assert is_structured_output("{}")
    assert not is_structured_output('{"body": "b"}')
    assert not is_structured_output('{"text": 3}')
    assert not is_structured_output("texto")
    assert not is_structured_output('["text"]')


def test_corpus_metrics_by_hand(tmp_path: Path) -> None:
    predictions = read_predictions(write_jsonl(tmp_path / "p.jsonl", PREDICTIONS))
    references = read_references(write_jsonl(tmp_path / "r.jsonl", REFERENCES))
    metrics = corpus_metrics(predictions, references, bootstrap_resamples=200)
    expected = [document_score(p["prediction"], r["assistant"]) for p, r in zip(PREDICTIONS, REFERENCES)]
    assert metrics.n_documents == 3
    assert metrics.score.mean == pytest.approx(sum(expected) / 3, abs=1e-12)
    assert metrics.per_category["legal"].score == pytest.approx(1.0)
    assert metrics.per_strength["0"].n == 2 and metrics.per_strength["1"].n == 1
    assert metrics.degenerate_documents == 1 and metrics.degeneration_rate == pytest.approx(100 / 3)
    assert metrics.json_validity_rate == pytest.approx(100 / 3)


def test_headline_is_flat_short_and_from_the_record(tmp_path: Path) -> None:
    predictions = read_predictions(write_jsonl(tmp_path / "p.jsonl", PREDICTIONS))
    references = read_references(write_jsonl(tmp_path / "r.jsonl", REFERENCES))
    metrics = corpus_metrics(predictions, references, bootstrap_resamples=200)
    row = headline(metrics)
    assert all(isinstance(value, (int, float)) or value is None for value in row.values())  # one column each
    assert row["score"] == round(metrics.score.mean, 4) and row["ci_low"] <= row["score"] <= row["ci_high"]
    assert row["legal"] == 1.0 and set(metrics.per_category) <= set(row)
    assert row["degenerate_pct"] == round(100 / 3, 2) and row["documents"] == 3
    assert max(len(key) for key in row) <= 14  # dvc metrics show prints a column per key


def test_mismatched_ids_are_an_error() -> None:
    references = [Reference(id="1", assistant="a"), Reference(id="2", assistant="b")]
    with pytest.raises(ValueError, match="1 references without a prediction"):
        corpus_metrics([Prediction(id="1", prediction="a")], references)
    with pytest.raises(ValueError, match="more than once"):
        corpus_metrics([Prediction(id="1", prediction="a")] * 2, references)


def test_references_from_parquet_and_saved_dataset(tmp_path: Path) -> None:
    import datasets

    rows = [dict(r, image_base64="", assistant_without_json="") for r in REFERENCES]
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "bench.parquet")
    from_parquet = read_references(tmp_path / "bench.parquet")
    datasets.DatasetDict({"test": datasets.Dataset.from_list(rows)}).save_to_disk(str(tmp_path / "saved"))
    from_saved = read_references(tmp_path / "saved", split="test")
    assert from_parquet == from_saved and [r.id for r in from_saved] == ["1", "2", "3"]
    with pytest.raises(ValueError, match="no split 'train'"):
        read_references(tmp_path / "saved", split="train")
    pq.write_table(pa.Table.from_pylist([{"id": 1, "text": "x"}]), tmp_path / "wrong.parquet")
    with pytest.raises(ValueError, match=r"missing required columns \['assistant'\]"):
        read_references(tmp_path / "wrong.parquet")


def test_cli_score_writes_metrics(tmp_path: Path) -> None:
    (tmp_path / "run").mkdir()
    predictions = write_jsonl(tmp_path / "run" / "predictions.jsonl", PREDICTIONS)
    references = write_jsonl(tmp_path / "refs.jsonl", REFERENCES)
    result = CliRunner().invoke(app, ["score", "--predictions", str(predictions), "--references", str(references)])
    assert result.exit_code == 0, result.output
    written = json.loads((tmp_path / "run" / "metrics.json").read_text(encoding="utf-8"))
    direct = corpus_metrics(read_predictions(predictions), read_references(references))
    assert written == json.loads(direct.model_dump_json())
    assert "degeneration" in result.output


def test_cli_reports_bad_inputs(tmp_path: Path) -> None:
    predictions = write_jsonl(tmp_path / "p.jsonl", [{"id": 1, "text": "no prediction key"}])
    references = write_jsonl(tmp_path / "r.jsonl", REFERENCES)
    result = CliRunner().invoke(app, ["score", "-p", str(predictions), "-r", str(references)])
    assert result.exit_code == 2 and "lacks 'id' or 'prediction'" in result.output


def test_cli_check_params(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[1]
    assert CliRunner().invoke(app, ["check-params", str(root / "params.yaml")]).exit_code == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text((root / "params.yaml").read_text(encoding="utf-8") + "\nextra_section: 1\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["check-params", str(bad)])
    assert result.exit_code == 2 and "extra_section: unknown key" in result.output
