"""Benchmark documents: synthetic ones made here (a domain of ``specocr.domains``), the paper's from the Hub,
or a user's (a parquet file, or a folder of images with JSONL ground truths).

``load_benchmark`` is the one entry point; every source comes back in the same schema
(:mod:`specocr.data.schema`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import datasets

from specocr.data.hub import OnInvalid, load_folder, load_hub, load_parquet

Source = Literal["synthetic", "hub", "local", "folder"]


def load_benchmark(
    source: Source,
    location: str | Path,
    revision: str | None = None,
    split: str | None = None,
    on_invalid: OnInvalid = "error",
) -> datasets.Dataset | datasets.DatasetDict:
    """Load a benchmark in specocr's schema.

    - ``synthetic``: ``location`` is the folder the ``data`` stage saved (``data/benchmark``).
    - ``hub``: ``location`` is a Hub dataset id (``Dharma-AI/DharmaOCR-Benchmark``), ``revision`` pins it.
    - ``local``: ``location`` is a parquet file or folder in the benchmark's columns.
    - ``folder``: ``location`` holds images and ``train.jsonl`` / ``val.jsonl`` / ``test.jsonl``
      (:func:`specocr.data.hub.load_folder`).

    Returns the DatasetDict, or one split of it when ``split`` is given.
    """
    if source == "synthetic":
        # In memory: a transform of a disk-backed split (trl's maps, add_column) writes its cache file into the
        # split's folder, a DVC-tracked output of the data stage, which then reads as changed and runs again.
        loaded = datasets.load_from_disk(str(location), keep_in_memory=True)
    elif source == "hub":
        loaded = load_hub(str(location), revision=revision, on_invalid=on_invalid)
    elif source == "local":
        loaded = load_parquet(location, on_invalid=on_invalid)
    elif source == "folder":
        loaded = load_folder(location, on_invalid=on_invalid)
    else:
        raise ValueError(f"unknown source {source!r}: expected 'synthetic', 'hub', 'local' or 'folder'")
    if split is None:
        return loaded
    if split not in loaded:
        raise ValueError(f"{location}: no split {split!r} (splits: {sorted(loaded)})")
    return loaded[split]
