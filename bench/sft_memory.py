"""Resident memory of the SFT stage under each memory allocator: the same run, step by step.

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python bench/sft_memory.py --base zoo/generalist-M --steps 60 \
        [--allocator glibc --allocator glibc-mmap --allocator jemalloc --allocator tcmalloc]

Runs the pipeline's ``train_sft`` (params.yaml's ``sft`` but ``--steps`` steps, ``--threads`` threads, no
validation) on ``data/benchmark``'s training split (run ``dvc repro data`` first), from a copy of ``--base`` given
the band-strip layout of params.yaml's bases, once per allocator (default: glibc's malloc and TCMalloc; jemalloc
needs the ``libjemalloc2`` package), each in a fresh process (an allocator is chosen when a process starts).
Prints the wall time, the resident memory at 10/25/50/75/100% of the run (sampled every 0.5 s), its peak, and
the final training loss (the allocator must not change it).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from specocr.allocator import process_environment

CHILD = r"""
import json, shutil, sys, threading, time
from pathlib import Path
import psutil
from specocr.data import load_benchmark
from specocr.models.registry import set_band_layout
from specocr.params import load_params
from specocr.paths import BENCHMARK_DIR, project_root
from specocr.train.sft import train_sft

base, steps, threads, out = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4])
root = project_root()
params = load_params(root / "params.yaml")
work = out / "base"
shutil.copytree(base, work)
strip_width = next(spec.strip_width for spec in params.bases.values())
if strip_width:
    set_band_layout(work, params.data.block.line_height, strip_width)
train = load_benchmark("synthetic", root / BENCHMARK_DIR)["train"]
# eval_steps is also the checkpoint interval: none within the run
sft = params.sft.model_copy(update={"max_steps": steps, "threads": threads, "eval_steps": steps + 1})
process, samples, running = psutil.Process(), [], [True]

def sample():
    while running[0]:
        samples.append(process.memory_info().rss)
        time.sleep(0.5)

threading.Thread(target=sample, daemon=True).start()
started = time.perf_counter()
summary = train_sft(work, train, None, sft, out / "model", out / "checkpoints", out / "curves.csv", seed=0,
                    max_new_tokens=params.eval.max_new_tokens)
seconds = time.perf_counter() - started
running[0] = False
at = [samples[min(len(samples) - 1, int(len(samples) * share))] / 1e9 for share in (0.1, 0.25, 0.5, 0.75, 1.0)]
print(json.dumps({"seconds": seconds, "rss_gb": at, "peak_gb": max(samples) / 1e9,
                  "final_train_loss": summary["final_train_loss"]}))
"""


ALLOCATORS = {
    "glibc": ("glibc malloc", lambda environ: {**environ, "SPECOCR_ALLOCATOR": "system"}),
    # a fixed threshold: every allocation above it gets pages of its own, returned when freed
    "glibc-mmap": ("glibc malloc, MALLOC_MMAP_THRESHOLD_=131072",
                   lambda environ: {**environ, "SPECOCR_ALLOCATOR": "system", "MALLOC_MMAP_THRESHOLD_": "131072"}),
    "jemalloc": ("jemalloc", lambda environ: {**environ, "SPECOCR_ALLOCATOR": "system",
                                              "LD_PRELOAD": "libjemalloc.so.2"}),
    "tcmalloc": ("TCMalloc", lambda environ: process_environment({**environ, "SPECOCR_ALLOCATOR": "tcmalloc"})),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=Path, default=Path("zoo/generalist-M"))
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--allocator", action="append", choices=sorted(ALLOCATORS),
                        help="repeatable; default: glibc and tcmalloc")
    args = parser.parse_args()
    plain = {key: value for key, value in os.environ.items() if key != "LD_PRELOAD"}
    environments = {ALLOCATORS[name][0]: ALLOCATORS[name][1](plain) for name in args.allocator or ["glibc", "tcmalloc"]}
    print(f"{args.base}, {args.steps} SFT steps, {args.threads} thread(s)")
    print("| allocator | seconds | resident memory at 10 / 25 / 50 / 75 / 100% of the run (GB) | peak (GB) | final loss |")
    print("|---|---|---|---|---|")
    for name, environment in environments.items():
        with tempfile.TemporaryDirectory() as out:
            result = subprocess.run([sys.executable, "-c", CHILD, str(args.base.resolve()), str(args.steps),
                                     str(args.threads), out], env=environment, capture_output=True, text=True)
        if result.returncode != 0:
            sys.exit(f"{name}: the SFT run failed:\n{result.stderr[-3000:]}")
        run = json.loads(result.stdout.strip().splitlines()[-1])
        memory = " / ".join(f"{value:.2f}" for value in run["rss_gb"])
        print(f"| {name} | {run['seconds']:.0f} | {memory} | {run['peak_gb']:.2f} | {run['final_train_loss']:.4f} |")


if __name__ == "__main__":
    main()
