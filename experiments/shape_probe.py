"""Can a level-1 base that reads learn to look at shapes? A short probe on one kind of scene question.

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python experiments/shape_probe.py --base /tmp/generalist-S-step-3707 --kind shapes

Trains a copy of ``--base`` (a zoo folder) on batches of 32 of one kind only (``shapes``: one shape, its colour or
shape to name, ``pretraining_data.shape_example``; ``scenes``: the full scene questions) with AdamW at ``--lr``, 20
warmup steps, for ``--steps`` steps; prints the mean loss every 50 steps and, every 150 steps (and before the first),
the exact-answer accuracy on 96 held-out questions of that kind, per question, with the first four answers.
Nothing is saved. Results: experiments/README.md, "Level 1's scene phase".
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from pathlib import Path

import torch
from transformers import get_constant_schedule_with_warmup
from trl.trainer.sft_trainer import DataCollatorForVisionLanguageModeling

from specocr.data.synthetic import document_seed
from specocr.models.held_out import generate_answers
from specocr.models.pretraining_data import place_example, scene_example, shape_example
from specocr.models.zoo import load_base

KINDS = {"shapes": shape_example, "places": place_example, "scenes": scene_example}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=Path, required=True, help="zoo base folder to copy")
    parser.add_argument("--kind", choices=sorted(KINDS), default="shapes")
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--threads", type=int, default=2)
    arguments = parser.parse_args()
    torch.set_num_threads(arguments.threads)
    make = KINDS[arguments.kind]
    model, processor = load_base(arguments.base, dtype=torch.float32)
    collate = DataCollatorForVisionLanguageModeling(processor, completion_only_loss=True)
    optimizer = torch.optim.AdamW(model.parameters(), lr=arguments.lr, weight_decay=0.01)
    scheduler = get_constant_schedule_with_warmup(optimizer, 20)
    held_out = [make(document_seed(77, "probe", index)) for index in range(96)]

    def evaluate(step: int) -> None:
        answers = generate_answers(model, processor, held_out)
        asked, right = Counter(), Counter()
        for example, answer in zip(held_out, answers, strict=True):
            asked[example.prompt] += 1
            right[example.prompt] += answer == example.answer
        per_question = {question: f"{right[question]}/{asked[question]}" for question in asked}
        print(step, f"exact {sum(right.values()) / len(held_out):.3f}", per_question, answers[:4], flush=True)
        model.train()

    evaluate(0)
    started, losses = time.perf_counter(), []
    model.train()
    for step in range(1, arguments.steps + 1):
        batch = collate([make(document_seed(78, "probe", step * 32 + i)).as_prompt_completion() for i in range(32)])
        loss = model(**batch).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad()
        losses.append(loss.item())
        if step % 50 == 0:
            print(step, f"loss {sum(losses[-50:]) / 50:.3f}", f"{time.perf_counter() - started:.0f} s", flush=True)
        if step % 150 == 0:
            evaluate(step)


if __name__ == "__main__":
    main()
