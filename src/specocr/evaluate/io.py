"""Reading predictions and references from the plain files stages hand over.

Predictions: JSONL, one object per document with ``id``, ``prediction`` and optionally
``hit_token_limit`` and ``seconds`` (wall time; other keys are ignored here).
References: a ``datasets`` folder saved with ``save_to_disk`` (a split of a DatasetDict, or a Dataset), a
parquet file or folder in the DharmaOCR schema, or a JSONL with ``id``, ``assistant`` and optionally
``category`` and ``strength``. Images are never decoded: only the text columns are read.
Ids are compared as strings, so an ``int64`` benchmark id matches ``"17"`` in a JSONL.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from specocr.evaluate.metrics import Prediction, Reference

#: The file a stage appends one JSON line per document to, in out_dir (resumable).
PREDICTIONS = "predictions.jsonl"


def completed_ids(path: Path) -> set[str]:
    """Ids already in a predictions file; a truncated last line (a killed write) is removed first."""
    if not path.is_file():
        return set()
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    kept, ids = [], set()
    for line in lines:
        try:
            row = json.loads(line)
        except ValueError:
            break  # only the last line can be partial: everything after it is dropped too
        if not line.endswith("\n"):
            break
        kept.append(line)
        ids.add(str(row["id"]))
    if len(kept) != len(lines):
        path.write_text("".join(kept), encoding="utf-8")
    return ids

_REFERENCE_COLUMNS = ("id", "assistant")
_OPTIONAL_COLUMNS = ("category", "strength")


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    rows = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError as error:
                raise ValueError(f"{path}:{number}: not valid JSON ({error})") from None
            if not isinstance(row, dict):
                raise ValueError(f"{path}:{number}: expected a JSON object, got {type(row).__name__}")
            rows.append(row)
    return rows


def read_predictions(path: str | Path) -> list[Prediction]:
    """Predictions from a JSONL file; a row without ``id`` or ``prediction`` is an error naming its line."""
    path = Path(path)
    predictions = []
    for number, row in enumerate(_read_jsonl(path), start=1):
        if "id" not in row or "prediction" not in row:
            raise ValueError(f"{path}: prediction {number} lacks 'id' or 'prediction' (keys: {sorted(row)})")
        text = row["prediction"]
        predictions.append(
            Prediction(
                id=str(row["id"]),
                prediction="" if text is None else str(text),
                hit_token_limit=bool(row.get("hit_token_limit", False)),
                seconds=None if row.get("seconds") is None else float(row["seconds"]),
            )
        )
    return predictions


def _references_from_rows(rows: list[dict[str, Any]], origin: str) -> list[Reference]:
    references = []
    for number, row in enumerate(rows, start=1):
        absent = [column for column in _REFERENCE_COLUMNS if column not in row]
        if absent:
            raise ValueError(f"{origin}: reference {number} lacks {absent} (keys: {sorted(row)})")
        strength = row.get("strength")
        references.append(
            Reference(
                id=str(row["id"]),
                assistant=str(row["assistant"]),
                category=row.get("category"),
                strength=None if strength is None else float(strength),
            )
        )
    return references


def _rows_from_parquet(path: Path) -> list[dict[str, Any]]:
    files = sorted(path.rglob("*.parquet")) if path.is_dir() else [path]
    if not files:
        raise ValueError(f"{path}: no parquet files")
    rows: list[dict[str, Any]] = []
    for file in files:
        names = pq.read_schema(file).names
        missing = [c for c in _REFERENCE_COLUMNS if c not in names]
        if missing:
            raise ValueError(f"{file}: missing required columns {missing} (has {names})")
        columns = [c for c in (*_REFERENCE_COLUMNS, *_OPTIONAL_COLUMNS) if c in names]
        rows.extend(pq.read_table(file, columns=columns).to_pylist())
    return rows


def references_from_dataset(dataset, origin: str = "dataset") -> list[Reference]:
    """References from a ``datasets.Dataset`` in the benchmark schema (text columns only, images untouched)."""
    missing = [c for c in _REFERENCE_COLUMNS if c not in dataset.column_names]
    if missing:
        raise ValueError(f"{origin}: missing required columns {missing} (has {dataset.column_names})")
    columns = [c for c in (*_REFERENCE_COLUMNS, *_OPTIONAL_COLUMNS) if c in dataset.column_names]
    return _references_from_rows(dataset.select_columns(columns).to_list(), origin)


def _saved_dataset_references(path: Path, split: str) -> list[Reference]:
    import datasets  # imported here: it is slow to import and only this reader needs it

    loaded = datasets.load_from_disk(str(path))
    if isinstance(loaded, datasets.DatasetDict):
        if split not in loaded:
            raise ValueError(f"{path}: no split {split!r} (splits: {sorted(loaded)})")
        loaded = loaded[split]
    return references_from_dataset(loaded, str(path))


def read_references(path: str | Path, split: str = "test") -> list[Reference]:
    """References from a saved dataset folder, a parquet file or folder, or a JSONL file."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"references not found: {path}")
    if path.is_dir() and ((path / "dataset_dict.json").exists() or (path / "dataset_info.json").exists()):
        return _saved_dataset_references(path, split)
    if path.suffix == ".parquet" or path.is_dir():
        rows = _rows_from_parquet(path)
    elif path.suffix in (".jsonl", ".json"):
        rows = _read_jsonl(path)
    else:
        raise ValueError(f"{path}: references must be a saved dataset folder, parquet, or JSONL")
    return _references_from_rows(rows, str(path))
