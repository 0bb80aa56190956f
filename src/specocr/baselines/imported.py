"""Predictions made elsewhere, scored here: how a commercial API or a model run on another machine enters a
reproduced table (the paper's API rows, for example, re-run by a user with keys).

The file is a JSONL with ``id`` and ``prediction`` (optionally ``hit_token_limit`` and ``seconds``); it must
cover exactly the documents of the split. ``pages_per_second``, when given in params, stands for the
throughput measured where the predictions were made.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import datasets

from specocr.evaluate.io import read_predictions
from specocr.evaluate.metrics import CorpusMetrics
from specocr.evaluate.io import PREDICTIONS
from specocr.evaluate.run import write_metrics
from specocr.params import ImportedSystem


def slug(name: str) -> str:
    """A folder name for a system name: "Claude Opus 4.6" -> "claude-opus-4.6"."""
    return re.sub(r"[^a-z0-9.]+", "-", name.lower()).strip("-")


def import_predictions(system: ImportedSystem, dataset: datasets.Dataset, out_dir: str | Path, tail_chars: int,
                       min_repeats: int, bootstrap_resamples: int, confidence: float, seed: int) -> CorpusMetrics:
    """Copy ``system.predictions`` into ``out_dir/predictions.jsonl`` (ids as strings, ``seconds`` from
    ``pages_per_second`` when the file has none) and score it like every other system."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    per_page = None if system.pages_per_second is None else 1.0 / system.pages_per_second
    lines = []
    for prediction in read_predictions(system.predictions):
        seconds = prediction.seconds if prediction.seconds is not None else per_page
        lines.append(json.dumps({"id": prediction.id, "prediction": prediction.prediction,
                                 "hit_token_limit": prediction.hit_token_limit, "seconds": seconds},
                                ensure_ascii=False))
    (out_dir / PREDICTIONS).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return write_metrics(out_dir, dataset, tail_chars, min_repeats, bootstrap_resamples, confidence, seed)
