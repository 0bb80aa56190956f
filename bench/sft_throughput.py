"""trl's SFT throughput against a bare PyTorch loop: same model, same documents, same batches.

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python bench/sft_throughput.py --base models/bases/ocr-S --steps 12

Both train a copy of the model in ``--base`` (a model folder) on the first training documents of
``data/benchmark`` in the SFT stage's prompt-completion format, on the same batches (the trainer's own
dataloader: same order, same collator), with AdamW, batch ``--batch-size`` and ``--threads`` torch threads. The first ``--warmup`` steps of each
are not timed. The gap is what the Trainer machinery costs (logging, its loop, the dataloader), which on a
tiny model is a visible share of a step.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import torch
from transformers import TrainerCallback

from specocr.data import load_benchmark
from specocr.models.registry import load_model_folder
from specocr.params import load_params
from specocr.paths import BENCHMARK_DIR, project_root
from specocr.train.sft import sft_config, sft_dataset


class StepTimer(TrainerCallback):
    def __init__(self) -> None:
        self.times: list[float] = []

    def on_step_end(self, args, state, control, **kwargs):
        self.times.append(time.perf_counter())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=Path, default=Path("models/bases/ocr-S"))
    parser.add_argument("--steps", type=int, default=12)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    root = project_root()
    params = load_params(root / "params.yaml")
    train = load_benchmark("synthetic", root / BENCHMARK_DIR, split="train").select(range(args.steps * args.batch_size))
    examples = sft_dataset(train)

    from trl import SFTTrainer

    def trainer_for(model, processor, timer=None):
        sft = params.sft.model_copy(update={"max_steps": args.steps, "batch_size": args.batch_size,
                                            "gradient_accumulation_steps": 1, "threads": args.threads})
        config = sft_config(sft, Path(scratch), seed=0, has_validation=False)
        config.save_strategy, config.disable_tqdm, config.logging_steps = "no", True, args.steps
        return SFTTrainer(model=model, args=config, train_dataset=examples, processing_class=processor,
                          callbacks=[timer] if timer else [])

    with tempfile.TemporaryDirectory() as scratch:
        # The bare loop trains on exactly the batches the trainer draws (same seed, same order, same collator).
        model, processor = load_model_folder(root / args.base, device="cpu")
        processor.tokenizer.padding_side = "right"
        batches = [batch for _, batch in zip(range(args.steps), trainer_for(model, processor).get_train_dataloader())]
        optimizer = torch.optim.AdamW(model.parameters(), lr=params.sft.learning_rate, weight_decay=0.01)
        model.train()
        stamps = []
        for batch in batches:
            loss = model(**batch).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
            stamps.append(time.perf_counter())
        bare = (args.steps - args.warmup) * args.batch_size / (stamps[-1] - stamps[args.warmup - 1])

        model, processor = load_model_folder(root / args.base, device="cpu")
        processor.tokenizer.padding_side = "right"
        timer = StepTimer()
        trainer_for(model, processor, timer).train()
    trl_rate = (args.steps - args.warmup) * args.batch_size / (timer.times[-1] - timer.times[args.warmup - 1])
    print(f"{args.base}: batch {args.batch_size}, {args.threads} thread(s), {args.steps - args.warmup} timed steps")
    print(f"bare PyTorch loop  {bare:6.2f} examples/s")
    print(f"trl SFTTrainer     {trl_rate:6.2f} examples/s  ({100 * (trl_rate / bare - 1):+.1f}%)")


if __name__ == "__main__":
    main()
