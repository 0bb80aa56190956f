"""Other sources in the benchmark's exact columns: a local parquet and the Hub loader's code path."""

from __future__ import annotations

import base64
import io
import json
import logging
from pathlib import Path

import datasets
import pytest
from PIL import Image

from specocr.data import load_benchmark
from specocr.data.schema import COLUMNS, UNKNOWN_CATEGORY


def png(colour: int = 200) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 16), (colour, colour, colour)).save(buffer, format="PNG")
    return buffer.getvalue()


def released_rows(n: int = 4) -> list[dict]:
    """Rows shaped like Dharma-AI/DharmaOCR-Benchmark: id, image, image_base64, assistant, assistant_without_json."""
    rows = []
    for i in range(n):
        data = png(100 + i)
        text = f"Documento número {i} — São Paulo"
        rows.append({"id": i, "image": {"bytes": data, "path": None},
                     "image_base64": base64.b64encode(data).decode(),
                     "assistant": json.dumps({"text": text}, ensure_ascii=False),
                     "assistant_without_json": text})
    return rows


RELEASED_FEATURES = datasets.Features({
    "id": datasets.Value("int64"), "image": datasets.Image(), "image_base64": datasets.Value("string"),
    "assistant": datasets.Value("string"), "assistant_without_json": datasets.Value("string"),
})


def write_parquet(rows: list[dict], path: Path, features: datasets.Features = RELEASED_FEATURES) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    datasets.Dataset.from_list(rows, features=features).to_parquet(str(path))
    return path


def test_local_parquet_loads_into_the_common_schema(tmp_path: Path) -> None:
    path = write_parquet(released_rows(), tmp_path / "bench.parquet")
    test = load_benchmark("local", path, split="test")
    assert tuple(test.column_names) == COLUMNS and len(test) == 4
    assert set(test["category"]) == {UNKNOWN_CATEGORY} and test[0]["strength"] is None
    assert test[2]["image"].size == (32, 16)


def test_hub_code_path_on_a_local_copy_of_the_repository(tmp_path: Path) -> None:
    # The same datasets.load_dataset call as for Dharma-AI/DharmaOCR-Benchmark, on a folder laid out like
    # the Hub repository (data/test-*.parquet shards): this is what runs at paper scale, minus the network.
    rows = released_rows(6)
    write_parquet(rows[:3], tmp_path / "repo" / "data" / "test-00000-of-00002.parquet")
    write_parquet(rows[3:], tmp_path / "repo" / "data" / "test-00001-of-00002.parquet")
    benchmark = load_benchmark("hub", str(tmp_path / "repo"))
    assert list(benchmark) == ["test"] and sorted(benchmark["test"]["id"]) == list(range(6))


def test_image_base64_stands_in_for_a_missing_image_column(tmp_path: Path) -> None:
    rows = [{k: v for k, v in row.items() if k != "image"} for row in released_rows(2)]
    features = datasets.Features({k: v for k, v in RELEASED_FEATURES.items() if k != "image"})
    test = load_benchmark("local", write_parquet(rows, tmp_path / "b64.parquet", features), split="test")
    assert test[1]["image"].size == (32, 16)


def test_missing_column_is_a_clear_error(tmp_path: Path) -> None:
    rows = [{k: v for k, v in row.items() if k != "assistant_without_json"} for row in released_rows(2)]
    features = datasets.Features({k: v for k, v in RELEASED_FEATURES.items() if k != "assistant_without_json"})
    with pytest.raises(ValueError, match=r"missing required columns \['assistant_without_json'\]"):
        load_benchmark("local", write_parquet(rows, tmp_path / "x.parquet", features))


def test_bad_rows_are_an_error_or_a_counted_logged_drop(tmp_path: Path, caplog) -> None:
    rows = released_rows(4)
    rows[1]["image"] = {"bytes": b"not an image", "path": None}
    rows[1]["image_base64"] = ""
    rows[3]["assistant"] = "plain text, not JSON"
    features = datasets.Features({**RELEASED_FEATURES, "image": datasets.Image(decode=False)})
    path = write_parquet(rows, tmp_path / "bad.parquet", features)
    with pytest.raises(ValueError, match=r"1 rows where the image does not decode \(ids \['1'\]\).*1 rows where the assistant"):
        load_benchmark("local", path)
    with caplog.at_level(logging.WARNING):
        kept = load_benchmark("local", path, split="test", on_invalid="drop")
    assert sorted(kept["id"]) == [0, 2] and "dropping 2 of 4 rows" in caplog.text


def test_unknown_source_and_split(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown source"):
        load_benchmark("ftp", tmp_path)  # type: ignore[arg-type]
    path = write_parquet(released_rows(1), tmp_path / "one.parquet")
    with pytest.raises(ValueError, match="no split 'train'"):
        load_benchmark("local", path, split="train")
