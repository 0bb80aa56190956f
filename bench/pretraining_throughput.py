"""Training images/s of zoo pretraining on this machine, by batch kind, model size and torch threads.

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python bench/pretraining_throughput.py --size S --threads 2

Batches hold one kind of example each (``pretraining_data.phase_batch``), so each kind has its own cost:
the sequence length (vision tokens + prompt + answer, one token per character and per 8 x 8 px patch) sets
it. For every kind of ``pretraining_data.EXAMPLE_KINDS``: one warm-up step, then ``--steps`` timed
forward/backward/AdamW steps of batch 32 on pre-rendered batches, and the time to render one batch.
"""

from __future__ import annotations

import argparse
import time

import torch
from trl.trainer.sft_trainer import DataCollatorForVisionLanguageModeling

from specocr.models.pretraining_data import EXAMPLE_KINDS, make_fakers
from specocr.models.zoo import build_model
from specocr.params import load_params
from specocr.paths import project_root


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="S")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--batch", type=int, default=32)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    params = load_params(project_root() / "params.yaml")
    block, page, fakers = params.data.block, params.data.page, make_fakers()
    model, processor = build_model(args.size, params.zoo, seed=0)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    collate = DataCollatorForVisionLanguageModeling(processor, completion_only_loss=True)
    print(f"size {args.size}, {args.threads} thread(s), batch {args.batch}")
    for kind, make in EXAMPLE_KINDS.items():
        make(0, block, page, fakers)  # loads the kind's fonts
        rendering = time.perf_counter()
        examples = [[make(step * args.batch + i, block, page, fakers) for i in range(args.batch)]
                    for step in range(args.steps + 1)]
        rendering = (time.perf_counter() - rendering) / (args.steps + 1)
        batches = [collate([example.as_prompt_completion() for example in batch]) for batch in examples]
        for step, batch in enumerate(batches):
            if step == 1:
                started = time.perf_counter()  # the first step is a warm-up
            model(**batch).loss.backward()
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
        rate = args.steps * args.batch / (time.perf_counter() - started)
        print(f"{kind:8} {tuple(batches[0]['input_ids'].shape)[1]:4} tokens  {rate:5.1f} images/s  "
              f"rendering {rendering:.2f} s per batch")


if __name__ == "__main__":
    main()
