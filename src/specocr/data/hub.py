"""Benchmarks that specocr did not generate: the paper's on the Hugging Face Hub, a user's parquet, or a
user's folder of images with a JSONL of ground truths per split.

``Dharma-AI/DharmaOCR-Benchmark`` has one split, ``test``, with the columns ``id``, ``image``,
``image_base64``, ``assistant`` and ``assistant_without_json`` and no per-row subset column. Both sources are
brought into specocr's schema (:data:`specocr.data.schema.FEATURES`): ``category`` becomes ``"unknown"``
unless the data has one, ``strength`` and ``font`` are null. Every row is checked (the image decodes, the
ground truth is a JSON object) and a bad row is either an error or a counted, logged drop: never silent.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import datasets
from PIL import Image, UnidentifiedImageError

from specocr.data.schema import FEATURES, REQUIRED_SOURCE_COLUMNS, UNKNOWN_CATEGORY

log = logging.getLogger(__name__)

DHARMA_BENCHMARK = "Dharma-AI/DharmaOCR-Benchmark"
OnInvalid = Literal["error", "drop"]


@dataclass
class ValidationReport:
    """Rows that could not be used, by reason, with their ids."""

    undecodable_image: list[str] = field(default_factory=list)
    invalid_assistant: list[str] = field(default_factory=list)
    missing_file: list[str] = field(default_factory=list)

    @property
    def bad_ids(self) -> set[str]:
        return set(self.undecodable_image) | set(self.invalid_assistant) | set(self.missing_file)

    def describe(self) -> str:
        parts = []
        for reason, ids in (("image file is missing", self.missing_file),
                            ("image does not decode", self.undecodable_image),
                            ("assistant is not a JSON object", self.invalid_assistant)):
            if ids:
                parts.append(f"{len(ids)} rows where the {reason} (ids {ids[:10]}{' ...' if len(ids) > 10 else ''})")
        return "; ".join(parts)


def _image_bytes(row: dict) -> bytes | None:
    image = row.get("image")
    if isinstance(image, dict) and image.get("bytes"):
        return image["bytes"]
    if isinstance(image, dict) and image.get("path"):
        try:
            return Path(image["path"]).read_bytes()
        except OSError:
            return None
    encoded = row.get("image_base64")
    if encoded:
        try:
            return base64.b64decode(encoded, validate=False)
        except (binascii.Error, ValueError):
            return None
    return None


def _decodes(data: bytes | None) -> bool:
    if not data:
        return False
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
        return True
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return False


def _is_json_object(text: object) -> bool:
    try:
        return isinstance(json.loads(text), dict)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def to_common_schema(dataset: datasets.Dataset, origin: str, on_invalid: OnInvalid = "error") -> datasets.Dataset:
    """Check a dataset in the released benchmark's format and convert it to specocr's schema."""
    columns = dataset.column_names
    missing = [c for c in REQUIRED_SOURCE_COLUMNS if c not in columns]
    if "image" not in columns and "image_base64" not in columns:
        missing.append("image (or image_base64)")
    if missing:
        raise ValueError(f"{origin}: missing required columns {missing}; it has {columns}")
    if "image" in columns:
        dataset = dataset.cast_column("image", datasets.Image(decode=False))

    report = ValidationReport()
    rows = []
    for row in dataset:
        row_id = str(row["id"])
        data = _image_bytes(row)
        if not _decodes(data):
            report.undecodable_image.append(row_id)
        if not _is_json_object(row["assistant"]):
            report.invalid_assistant.append(row_id)
        rows.append(
            {
                "id": int(row["id"]),
                "image": {"bytes": data, "path": None},
                "assistant": row["assistant"],
                "assistant_without_json": row["assistant_without_json"],
                "category": row.get("category") or UNKNOWN_CATEGORY,
                "strength": row.get("strength"),
                "font": row.get("font"),
            }
        )
    if report.bad_ids:
        if on_invalid == "error":
            raise ValueError(f"{origin}: {report.describe()}; pass on_invalid='drop' to skip them (logged)")
        log.warning("%s: dropping %d of %d rows: %s", origin, len(report.bad_ids), len(rows), report.describe())
        rows = [r for r in rows if str(r["id"]) not in report.bad_ids]
    return datasets.Dataset.from_list(rows, features=FEATURES)


def _convert(loaded: datasets.DatasetDict, origin: str, on_invalid: OnInvalid) -> datasets.DatasetDict:
    return datasets.DatasetDict(
        {split: to_common_schema(ds, f"{origin} [{split}]", on_invalid) for split, ds in loaded.items()}
    )


def load_hub(dataset_id: str = DHARMA_BENCHMARK, revision: str | None = None,
             on_invalid: OnInvalid = "error") -> datasets.DatasetDict:
    """The benchmark from the Hub (or any dataset id or folder ``datasets.load_dataset`` accepts),
    pinned to ``revision``, in specocr's schema."""
    loaded = datasets.load_dataset(dataset_id, revision=revision)
    return _convert(loaded, f"{dataset_id}@{revision or 'latest'}", on_invalid)


def load_parquet(location: str | Path, on_invalid: OnInvalid = "error") -> datasets.DatasetDict:
    """A parquet file, or a folder of them, in the benchmark's schema; one split named ``test``."""
    location = Path(location)
    files = sorted(location.rglob("*.parquet")) if location.is_dir() else [location]
    if not files or not all(f.is_file() for f in files):
        raise FileNotFoundError(f"no parquet files at {location}")
    loaded = datasets.load_dataset("parquet", data_files={"test": [str(f) for f in files]})
    return _convert(loaded, str(location), on_invalid)


def _structured(value: object) -> dict[str, str] | None:
    """A ground truth as the structured parts, or None when it is not a JSON object of the paper's keys
    with string values (given as an object or as a JSON string)."""
    from specocr.data.schema import STRUCTURE_KEYS

    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    if not isinstance(value, dict) or not value or set(value) - set(STRUCTURE_KEYS):
        return None
    if not all(isinstance(v, str) for v in value.values()):
        return None
    return value


def load_folder(location: str | Path, on_invalid: OnInvalid = "error") -> datasets.DatasetDict:
    """Your own documents: a folder with ``train.jsonl``, ``val.jsonl`` and/or ``test.jsonl`` (one line per
    document: ``image``, a path relative to the folder; ``assistant``, the ground truth as a JSON object (or
    string) with the keys ``header``, ``margin``, ``text``, ``footer``; optional ``id`` and ``category``) and
    the images. Missing image files, images that do not decode and ground truths that are not such an
    object are errors naming the lines (or, with ``on_invalid="drop"``, logged drops)."""
    from specocr.data.schema import to_assistant, to_plain_text

    location = Path(location)
    files = {split: location / f"{split}.jsonl" for split in ("train", "val", "test")}
    files = {split: path for split, path in files.items() if path.is_file()}
    if not files:
        raise FileNotFoundError(f"{location}: no train.jsonl, val.jsonl or test.jsonl")
    splits = {}
    for split, path in files.items():
        report, rows = ValidationReport(), []
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
            except ValueError as error:
                raise ValueError(f"{path}:{number}: not valid JSON ({error})") from None
            if not isinstance(entry, dict) or "image" not in entry or "assistant" not in entry:
                raise ValueError(f"{path}:{number}: needs 'image' and 'assistant' keys")
            row_id = str(entry.get("id", number))
            image_path = location / entry["image"]
            data = image_path.read_bytes() if image_path.is_file() else None
            if data is None:
                report.missing_file.append(row_id)
            elif not _decodes(data):
                report.undecodable_image.append(row_id)
            parts = _structured(entry["assistant"])
            if parts is None:
                report.invalid_assistant.append(row_id)
            rows.append({"id": int(entry.get("id", number)), "image": {"bytes": data, "path": None},
                         "assistant": to_assistant(parts) if parts else "",
                         "assistant_without_json": to_plain_text(parts) if parts else "",
                         "category": entry.get("category") or UNKNOWN_CATEGORY, "strength": None, "font": None,
                         "_key": row_id})
        bad = report.bad_ids
        if bad:
            if on_invalid == "error":
                raise ValueError(f"{path}: {report.describe()}; pass on_invalid='drop' to skip them (logged)")
            log.warning("%s: dropping %d of %d rows: %s", path, len(bad), len(rows), report.describe())
        rows = [{k: v for k, v in row.items() if k != "_key"} for row in rows if row["_key"] not in bad]
        splits[split] = datasets.Dataset.from_list(rows, features=FEATURES)
    return datasets.DatasetDict(splits)


#: The released benchmark's columns, in its order.
HUB_COLUMNS = ("id", "image", "image_base64", "assistant", "assistant_without_json")


def to_hub_schema(dataset: datasets.Dataset) -> datasets.Dataset:
    """Documents in specocr's schema as the released benchmark stores them: its five columns (the image both as
    an image and as base64 PNG bytes), no category, strength or font."""
    def hub_rows(batch: dict) -> dict:
        images = [_image_bytes({"image": image}) for image in batch["image"]]
        return {"image_base64": [base64.b64encode(data).decode("ascii") for data in images]}

    plain = dataset.cast_column("image", datasets.Image(decode=False))
    plain = plain.map(hub_rows, batched=True, batch_size=16)
    return plain.select_columns(list(HUB_COLUMNS))


def write_hub_parquet(dataset: datasets.Dataset, path: str | Path) -> Path:
    """``dataset`` as one parquet file in the released benchmark's schema (what ``load_parquet`` reads)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    to_hub_schema(dataset).to_parquet(str(path))
    return path
