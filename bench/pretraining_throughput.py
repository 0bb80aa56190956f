"""Training images/s of zoo pretraining on this machine, by torch threads and rendering workers.

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python bench/pretraining_throughput.py THREADS WORKERS LEVEL [--size S]

Runs 8 steps of level LEVEL's stream (batch and lengths from params.yaml) from a fresh model and prints
images/s, first batch included.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

import torch

from specocr.models.foundations import pretrain
from specocr.models.zoo import build_model
from specocr.params import load_params

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("threads", type=int)
    parser.add_argument("workers", type=int)
    parser.add_argument("level", type=int, choices=[1, 2])
    parser.add_argument("--size", default="S")
    parser.add_argument("--steps", type=int, default=8)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    params = load_params(ROOT / "params.yaml")
    stage = (params.zoo.level1 if args.level == 1 else params.zoo.level2).model_copy(
        update={"steps": args.steps, "time_budget_minutes": 30.0})
    model, processor = build_model(args.size, params.zoo, seed=0)
    work = Path(tempfile.mkdtemp())
    try:
        history = pretrain(model, processor, args.level, stage, 0, params.data.block, params.data.page, work,
                           workers=args.workers, checkpoint_every=10_000)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    rate = args.steps * stage.batch_size / history.seconds
    print(f"level {args.level} size {args.size} threads={args.threads} workers={args.workers}: {rate:.1f} img/s")


if __name__ == "__main__":
    main()
