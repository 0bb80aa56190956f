"""Pages per second for the cost model, from a timing pass of its own.

The evaluation's own wall times follow whatever else the machine was doing while it ran, and one slow batch
moves them a lot. The cost model's pages per second come instead from a dedicated pass: a warm-up, then
``passes`` timed readings of the same first ``documents`` test documents with the threads fixed, and the
median of their rates. The result goes to ``timing.json`` beside ``predictions.jsonl``, and
:func:`specocr.evaluate.run.write_metrics` takes ``pages_per_second`` from it when it is there.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import torch
from pydantic import BaseModel

from specocr.data.schema import STRUCTURED_OCR_PROMPT

TIMING = "timing.json"
WARMUP_TOKENS = 8  # enough to run every kernel once (allocations, lazy initialisation) without timing them


class Timing(BaseModel):
    """The rates of the timed passes and their median (pages per second)."""

    pages_per_second: float
    passes: list[float]
    documents: int
    batch_size: int | None
    threads: int


def median_timing(rates: list[float], documents: int, batch_size: int | None) -> Timing:
    if not rates or min(rates) <= 0:
        raise ValueError(f"timing passes must have positive rates, got {rates}")
    rates = [round(rate, 4) for rate in rates]
    return Timing(pages_per_second=statistics.median(rates), passes=rates, documents=documents,
                  batch_size=batch_size, threads=torch.get_num_threads())


def timing_images(dataset, documents: int) -> list:
    """The images of the timing pass: the first ``documents`` of ``dataset`` (all, if it has fewer)."""
    return list(dataset.select(range(min(documents, len(dataset))))["image"])


def _median_of_passes(read_all: Callable[[], None], documents: int, passes: int, batch_size: int | None) -> Timing:
    rates = []
    for _ in range(passes):
        started = time.perf_counter()
        read_all()
        rates.append(documents / (time.perf_counter() - started))
    return median_timing(rates, documents, batch_size)


def time_model(model, processor, images: list, max_new_tokens: int, batch_size: int, passes: int,
               prompt: str = STRUCTURED_OCR_PROMPT) -> Timing:
    """Greedy decoding of ``images`` in batches of ``batch_size``, asked with ``prompt``, as the evaluation
    decodes them, timed ``passes`` times after one short warm-up batch."""
    from specocr.evaluate.generate import generate_batch

    def read_all() -> None:
        for start in range(0, len(images), batch_size):
            generate_batch(model, processor, images[start:start + batch_size], max_new_tokens, prompt)

    model.eval()
    generate_batch(model, processor, images[:batch_size], WARMUP_TOKENS, prompt)
    return _median_of_passes(read_all, len(images), passes, batch_size)


def time_engine(read: Callable, images: list, passes: int) -> Timing:
    """An OCR engine reading ``images`` one by one, timed ``passes`` times after reading the first once."""
    read(images[0])
    return _median_of_passes(lambda: [read(image) for image in images], len(images), passes, None)


def write_timing(out_dir: str | Path, timing: Timing) -> Path:
    path = Path(out_dir) / TIMING
    path.write_text(timing.model_dump_json(indent=2) + "\n", encoding="utf-8")
    return path


def read_timing(out_dir: str | Path) -> Timing | None:
    path = Path(out_dir) / TIMING
    return Timing(**json.loads(path.read_text(encoding="utf-8"))) if path.is_file() else None


def time_vllm(engine, processor, images: list, max_new_tokens: int, passes: int,
              prompt: str = STRUCTURED_OCR_PROMPT) -> Timing:
    """vLLM reading ``images`` as one chunk of requests, timed ``passes`` times after a short warm-up."""
    from specocr.evaluate.vllm_backend import generate_chunk, greedy

    generate_chunk(engine, processor, images[:1], greedy(WARMUP_TOKENS), prompt)
    sampling = greedy(max_new_tokens)
    return _median_of_passes(lambda: generate_chunk(engine, processor, images, sampling, prompt), len(images),
                             passes, len(images))
