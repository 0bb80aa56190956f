"""How fast a zoo model starts to read: the training loss on the easy bootstrap lines, from random weights.

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python experiments/bootstrap_curve.py --steps 700 [--size S] [--font-px 13]

Trains a fresh model of ``--size`` on nothing but the easy lines of
``pretraining_data.easy_ocr_example`` (clean DejaVu Sans Mono, at most 12 characters; ``--font-px 13`` puts
one character in each 8 px vision patch) with the level-2 optimizer settings of params.yaml, and prints the
mean loss (nats per answer token) of every 25 steps and, every ``--eval-every`` steps, the greedy character
error rate on 32 held-out easy lines. The loss alone does not say whether the model reads: what a language
model can reach without the image depends on the text (pseudo-words and numbers are hard to guess). The
feasibility study (shared/research/tiny-vlm-feasibility.md, run B, easier text) reported losses of 2.51,
2.01, 1.52, 1.16 at steps 100, 150, 200, 250.
"""

from __future__ import annotations

import argparse
import time

import torch
from transformers import get_cosine_schedule_with_warmup
from trl.trainer.sft_trainer import DataCollatorForVisionLanguageModeling

from specocr.models.held_out import character_error_rate, generate_answers
from specocr.models.pretraining_data import easy_ocr_example
from specocr.models.zoo import build_model
from specocr.params import load_params
from specocr.paths import project_root


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--size", default="S")
    parser.add_argument("--font-px", type=int, default=13)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--eval-every", type=int, default=100)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    params = load_params(project_root() / "params.yaml")
    stage, block, page = params.zoo.level2, params.data.block, params.data.page
    model, processor = build_model(args.size, params.zoo, seed=params.zoo.seed)
    held_out = [easy_ocr_example(i, block, page, args.font_px) for i in range(32)]  # seeds training never uses

    def batch(step: int) -> list:
        return [easy_ocr_example(10**6 + step * stage.batch_size + i, block, page, args.font_px)
                for i in range(stage.batch_size)]

    train_curve(model, processor, stage, stage.learning_rate[args.size], batch, held_out, args.steps,
                stage.steps[args.size], args.eval_every, 24)


def train_curve(model, processor, stage, learning_rate: float, batch, held_out: list, steps: int, schedule_steps: int,
                eval_every: int, max_new_tokens: int) -> None:
    """Train ``model`` on ``batch(step)`` with the stage's optimizer at ``learning_rate``; print the mean loss of
    every 25 steps and, every ``eval_every`` steps, the greedy CER on ``held_out`` (also used by transfer_curve.py)."""
    optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate, weight_decay=0.01)
    scheduler = get_cosine_schedule_with_warmup(optimizer, stage.warmup_steps, schedule_steps)
    collate = DataCollatorForVisionLanguageModeling(processor, completion_only_loss=True)
    model.train()
    started, losses = time.perf_counter(), []
    for step in range(steps):
        loss = model(**collate([example.as_prompt_completion() for example in batch(step)])).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        losses.append(loss.item())
        if (step + 1) % 25 == 0:
            line = f"step {step + 1:5}  loss {sum(losses[-25:]) / 25:.3f}  {time.perf_counter() - started:6.0f} s"
            if (step + 1) % eval_every == 0:
                answers = generate_answers(model, processor, held_out, max_new_tokens=max_new_tokens)
                line += f"  held-out CER {character_error_rate(answers, [e.answer for e in held_out]):.3f}"
                model.train()
            print(line, flush=True)

if __name__ == "__main__":
    main()
