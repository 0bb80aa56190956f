"""Seconds per SFT step in bf16 autocast and in float32, with the kernels this process runs.

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python bench/precision_step.py --base zoo/ocr-S
    ATEN_CPU_CAPABILITY=avx2 ONEDNN_MAX_CPU_ISA=AVX2 OMP_WAIT_POLICY=PASSIVE .venv/bin/python bench/precision_step.py --base zoo/ocr-S

A bare training loop (the SFT stage's collator, forward, backward, AdamW) over the first training documents of
``data/benchmark`` (run ``dvc repro data`` first), batch ``--batch-size``, ``--threads`` torch threads, once under
bf16 autocast over float32 weights (``sft.precision: bf16-mixed``) and once in float32, each on a fresh copy of the
model: the mean seconds of ``--steps`` steps after ``--warmup``. Run it with the AVX2 variables to see what a CPU
without AVX512-BF16 or AMX pays for emulated bf16 (``sft.precision: auto`` decides by
``specocr.train.common.native_bf16``, which the script prints).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch

from specocr.data import load_benchmark
from specocr.models.conventions import folder_prompt
from specocr.models.registry import load_model_folder
from specocr.paths import BENCHMARK_DIR, project_root
from specocr.train.common import native_bf16
from specocr.train.sft import sft_dataset


def seconds_per_step(base: Path, dataset, batch_size: int, steps: int, warmup: int, bf16: bool) -> float:
    from trl.trainer.sft_trainer import DataCollatorForVisionLanguageModeling

    model, processor = load_model_folder(base, dtype=torch.float32, device="cpu")
    processor.tokenizer.padding_side = "right"
    collator = DataCollatorForVisionLanguageModeling(processor=processor, completion_only_loss=True)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    model.train()
    timed = 0.0
    for step in range(warmup + steps):
        # Fresh rows for every batch: the collator rewrites a row's messages in place.
        batch = collator([dataset[i] for i in range(step * batch_size, (step + 1) * batch_size)])
        started = time.perf_counter()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            loss = model(**batch).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        if step >= warmup:
            timed += time.perf_counter() - started
    return timed / steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=Path, default=Path("zoo/ocr-S"))
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    train = load_benchmark("synthetic", project_root() / BENCHMARK_DIR)["train"]
    needed = (args.warmup + args.steps) * args.batch_size
    dataset = sft_dataset(train.select(range(needed)), folder_prompt(args.base))
    print(f"kernels: {torch.backends.cpu.get_cpu_capability()}; native bf16: {native_bf16()}; "
          f"{args.threads} thread(s), batch {args.batch_size}, {args.steps} timed steps after {args.warmup}")
    for name, bf16 in (("bf16 autocast", True), ("float32", False)):
        print(f"{name:<14} {seconds_per_step(args.base, dataset, args.batch_size, args.steps, args.warmup, bf16):6.2f} s/step")


if __name__ == "__main__":
    main()
