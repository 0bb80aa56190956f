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

from conftest import small_data
from specocr.data import load_benchmark
from specocr.data.generate import build_benchmark
from specocr.data.schema import COLUMNS, UNKNOWN_CATEGORY
from specocr.train.dpo import PreferencePair, dpo_dataset


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


def write_folder(folder: Path, entries: list[dict], image_ok: bool = True) -> None:
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (40, 16), "white").save(folder / "a.png")
    (folder / "broken.png").write_bytes(b"not an image")
    (folder / "test.jsonl").write_text("\n".join(json.dumps(e, ensure_ascii=False) for e in entries) + "\n",
                                      encoding="utf-8")


def test_a_folder_of_images_with_jsonl_ground_truths_is_a_benchmark(tmp_path: Path) -> None:
    write_folder(tmp_path, [{"image": "a.png", "assistant": {"header": "FACTURA", "text": "Total: 3 EUR"}},
                            {"image": "a.png", "assistant": '{"text": "¿Qué?"}', "id": 7, "category": "nota"}])
    test = load_benchmark("folder", tmp_path, split="test")
    assert test["id"] == [1, 7] and test["category"] == ["unknown", "nota"]
    assert test[0]["assistant"] == '{"header": "FACTURA", "text": "Total: 3 EUR"}'
    assert test[0]["assistant_without_json"] == "FACTURA\nTotal: 3 EUR"
    assert test[0]["image"].size == (40, 16)


def test_a_folder_names_missing_broken_and_malformed_rows(tmp_path: Path) -> None:
    write_folder(tmp_path, [{"image": "a.png", "assistant": {"text": "ok"}},
                            {"image": "gone.png", "assistant": {"text": "x"}},
                            {"image": "broken.png", "assistant": {"text": "x"}},
                            {"image": "a.png", "assistant": {"body": "not a key of the paper's JSON"}},
                            {"image": "a.png", "assistant": "plain text"}])
    with pytest.raises(ValueError) as error:
        load_benchmark("folder", tmp_path)
    message = str(error.value)
    assert "1 rows where the image file is missing (ids ['2'])" in message
    assert "1 rows where the image does not decode (ids ['3'])" in message
    assert "2 rows where the assistant is not a JSON object (ids ['4', '5'])" in message
    kept = load_benchmark("folder", tmp_path, split="test", on_invalid="drop")
    assert kept["id"] == [1]
    with pytest.raises(FileNotFoundError, match="test.jsonl"):
        load_benchmark("folder", tmp_path / "nowhere")


def test_train_here_test_on_the_benchmark_s_rows(default_params, tmp_path: Path) -> None:
    """data.source makes train and val, data.test_source gives the test split: the paper-scale arrangement."""
    from conftest import small_data
    from specocr.data.generate import assemble_benchmark, dataset_card, require_split, save_benchmark, summarize
    from specocr.params import TestSource

    path = write_parquet(released_rows(3), tmp_path / "released.parquet")
    data = small_data(default_params.data, train=4, val=2, test=5, workers=1).model_copy(
        update={"test_source": TestSource(source="local", location=str(path))})
    benchmark = assemble_benchmark(data)
    assert {split: len(d) for split, d in benchmark.items()} == {"train": 4, "val": 2, "test": 3}
    assert set(benchmark["train"]["category"]) <= set(data.categories)
    assert set(benchmark["test"]["category"]) == {UNKNOWN_CATEGORY} and benchmark["test"][0]["strength"] is None
    summary = summarize(benchmark, data.domain)
    assert summary["test"]["per_strength"] == {"unknown": 3}
    card = dataset_card(data, summary)
    assert f"train and val generated here; test from local `{path}`" in card
    save_benchmark(benchmark, tmp_path / "benchmark", card)
    assert require_split(load_benchmark("synthetic", tmp_path / "benchmark"), "test").num_rows == 3

    only_test = load_benchmark("local", path)  # the released benchmark alone: an evaluation set
    with pytest.raises(ValueError, match="no 'train' split .* data.source .* set data.test_source"):
        require_split(only_test, "train")


def test_transforms_of_a_saved_benchmark_write_nothing_into_its_folder(default_params, tmp_path: Path) -> None:
    """The data stage's output stays as saved, so a later `dvc repro` does not see it changed and run it again
    (a cache file in data/benchmark/train made every no-op repro re-run the data stage)."""
    folder = tmp_path / "benchmark"
    build_benchmark(small_data(default_params.data, train=3, val=0, test=0, workers=1)).save_to_disk(str(folder))
    saved = sorted(p.relative_to(folder) for p in folder.rglob("*"))
    train = load_benchmark("synthetic", folder, split="train")
    ids = train["id"]
    pairs = [PreferencePair(id=str(ids[2]), chosen="a", rejected="b", chosen_score=1.0, rejected_score=0.0,
                            chosen_kind="ground_truth", rejected_kind="lowest_score"),
             PreferencePair(id=str(ids[0]), chosen="c", rejected="d", chosen_score=1.0, rejected_score=0.0,
                            chosen_kind="ground_truth", rejected_kind="lowest_score")]
    dpo_dataset(train, pairs).map(lambda row: {"n": len(row["chosen"])})
    train.map(lambda row: {"n": len(row["assistant"])})
    assert sorted(p.relative_to(folder) for p in folder.rglob("*")) == saved
