"""How well zoo bases answer scene questions, task by task, against answers that ignore the image.

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python experiments/scene_answers.py zoo/generalist-S zoo/generalist-M

Draws ``--count`` held-out scene questions (``pretraining_data.scene_example``; seeds no training batch and no
model card uses), answers them greedily with each base folder given, and prints one markdown row per base:
exact-answer accuracy overall and for each of the five tasks (describe the shapes, count them, name a shape's
colour, say where a shape is, read a short word). The first row is the image-blind floor
(``pretraining_data.question_only_answers``: the most common answer to each question in 4,096 training-like
scenes), which the level-1 target (``specocr.models.LEVEL1_SCENE_MARGIN``) must be cleared by.

Then, per base, whether it looks at the image at all: the mean teacher-forced loss of the right answers (nats per
character) on the first ``--looking`` questions, with their own image and with the next question's image. A
base that ignores the image has the same loss with either.
Results: experiments/README.md, "Level 1's scene phase".
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch
from trl.trainer.sft_trainer import DataCollatorForVisionLanguageModeling

from specocr.data.synthetic import document_seed
from specocr.models.held_out import exact_accuracy, exact_by_task, generate_answers
from specocr.models.pretraining_data import SCENE_TASKS, Example, question_only_answers, scene_example, scene_task
from specocr.models.zoo import load_base
from specocr.params import load_params


def row(name: str, scenes: list[Example], answers: list[str]) -> str:
    by_task = exact_by_task(scenes, answers)
    cells = [f"{right}/{asked}" for right, asked in by_task.values()]
    return f"| {name} | {exact_accuracy(answers, [e.answer for e in scenes]):.3f} | " + " | ".join(cells) + " |"


def answer_losses(model, processor, scenes: list[Example]) -> dict[str, float]:
    """Mean teacher-forced loss of the right answer per task, one question at a time."""
    collate = DataCollatorForVisionLanguageModeling(processor, completion_only_loss=True)
    losses: dict[str, list[float]] = {}
    model.eval()
    with torch.no_grad():
        for example in scenes:
            loss = model(**collate([example.as_prompt_completion()])).loss.item()
            losses.setdefault(scene_task(example.prompt), []).append(loss)
    return {task: sum(values) / len(values) for task, values in losses.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+", type=Path, help="zoo base folders")
    parser.add_argument("--count", type=int, default=256, help="held-out scene questions")
    parser.add_argument("--looking", type=int, default=160, help="questions for the with/without-image losses")
    parser.add_argument("--threads", type=int, default=2)
    arguments = parser.parse_args()
    torch.set_num_threads(arguments.threads)
    params = load_params("params.yaml")
    scenes = [scene_example(document_seed(params.zoo.seed, "bench/scenes", index), width=params.data.block.width)
              for index in range(arguments.count)]
    print("| base | exact | " + " | ".join(SCENE_TASKS.values()) + " |")
    print("|---|---|" + "---|" * len(SCENE_TASKS))
    blind = question_only_answers([e.prompt for e in scenes], params.zoo.seed + 2, width=params.data.block.width)
    print(row("question only", scenes, blind))
    for folder in arguments.folders:
        started = time.perf_counter()
        model, processor = load_base(folder, dtype=torch.float32)
        answers = generate_answers(model, processor, scenes)
        print(row(f"{folder} ({time.perf_counter() - started:.0f} s)", scenes, answers), flush=True)
        looked = scenes[:arguments.looking]
        other_image = [Example(looked[(i + 1) % len(looked)].image, e.prompt, e.answer) for i, e in enumerate(looked)]
        own, other = answer_losses(model, processor, looked), answer_losses(model, processor, other_image)
        losses = ", ".join(f"{task} {own[task]:.3f} / {other[task]:.3f}" for task in SCENE_TASKS.values() if task in own)
        print(f"  answer loss, own image / another scene's: {losses}", flush=True)


if __name__ == "__main__":
    main()
