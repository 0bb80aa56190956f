"""Throughput of synthetic document generation (issue target: > 5 block documents/s per core).

    .venv/bin/python bench/data_generation.py [--documents 400] [--layout block]

Prints documents/s with 1 and 2 worker processes, per core, and the peak resident memory.
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

from specocr.data.generate import build_benchmark
from specocr.params import load_params

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=400)
    parser.add_argument("--layout", choices=["block", "page"], default="block")
    args = parser.parse_args()
    data = load_params(ROOT / "params.yaml").data
    print(f"{args.documents} {args.layout} documents (test split, strengths {data.strength.test})")
    for workers in (1, 2):
        config = data.model_copy(update={
            "layout": args.layout, "workers": workers,
            "splits": data.splits.model_copy(update={"train": 0, "val": 0, "test": args.documents}),
        })
        start = time.perf_counter()
        build_benchmark(config)
        seconds = time.perf_counter() - start
        rate = args.documents / seconds
        print(f"workers={workers}: {seconds:6.1f} s  {rate:6.1f} documents/s  {rate / workers:6.1f} per core")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of the parent process: {peak:.0f} MB")


if __name__ == "__main__":
    main()
