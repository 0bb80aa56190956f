"""Benchmarks that specocr did not generate: the paper's on the Hugging Face Hub, or a user's parquet.

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

    @property
    def bad_ids(self) -> set[str]:
        return set(self.undecodable_image) | set(self.invalid_assistant)

    def describe(self) -> str:
        parts = []
        for reason, ids in (("image does not decode", self.undecodable_image),
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
