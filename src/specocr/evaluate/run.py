"""Running a system over a benchmark split: resumable predictions, then the metrics every stage writes.

``predictions.jsonl`` gets one line per document as soon as it is read (``id``, ``prediction``,
``hit_token_limit``, ``seconds``), so a run that is killed continues where it stopped: documents already
in the file are skipped, a half-written last line is dropped, nothing is duplicated.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import datasets
from tqdm import tqdm

from specocr.evaluate.io import PREDICTIONS, completed_ids, read_predictions, references_from_dataset
from specocr.evaluate.metrics import CorpusMetrics, corpus_metrics, headline
from specocr.evaluate.timing import read_timing

METRICS = "metrics.json"
SCORES = "scores.json"


def predict_with_engine(read: Callable, dataset: datasets.Dataset, out_dir: str | Path, description: str) -> Path:
    """Run ``read(image) -> text`` on every document not yet in ``out_dir/predictions.jsonl``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / PREDICTIONS
    done = completed_ids(path)
    todo = [i for i, row_id in enumerate(dataset["id"]) if str(row_id) not in done]
    with path.open("a", encoding="utf-8") as handle:
        for index in tqdm(todo, desc=description, unit="page", mininterval=2.0):
            row = dataset[index]
            started = time.perf_counter()
            text = read(row["image"])
            seconds = time.perf_counter() - started
            handle.write(json.dumps({"id": str(row["id"]), "prediction": text, "hit_token_limit": False,
                                     "seconds": seconds}, ensure_ascii=False) + "\n")
            handle.flush()
    return path


def write_metrics(out_dir: str | Path, dataset: datasets.Dataset, tail_chars: int, min_repeats: int,
                  bootstrap_resamples: int, confidence: float, seed: int) -> CorpusMetrics:
    """Score ``out_dir/predictions.jsonl`` against ``dataset`` and write ``out_dir/metrics.json`` (the whole
    record) and ``out_dir/scores.json`` (its headline numbers, :func:`headline`); pages per second come from ``out_dir/timing.json`` when a timing pass wrote one (:mod:`specocr.evaluate.timing`)."""
    out_dir = Path(out_dir)
    metrics = corpus_metrics(read_predictions(out_dir / PREDICTIONS), references_from_dataset(dataset), tail_chars,
                             min_repeats, bootstrap_resamples, confidence, seed)
    timing = read_timing(out_dir)
    if timing is not None:  # the dedicated timing pass, not the evaluation's own wall time
        metrics = metrics.model_copy(update={"pages_per_second": timing.pages_per_second})
    (out_dir / METRICS).write_text(metrics.model_dump_json(indent=2) + "\n", encoding="utf-8")
    (out_dir / SCORES).write_text(json.dumps(headline(metrics), indent=2) + "\n", encoding="utf-8")
    return metrics
