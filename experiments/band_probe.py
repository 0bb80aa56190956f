"""Which document geometry lets a zoo base learn to read multi-line blocks: a timed probe from a level-2 base.

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python experiments/band_probe.py --layout strip --minutes 40 --threads 1

Trains a copy of ``--base`` on general Latin-script blocks of 1 to 6 lines (one line count per batch, drawn
per step; printed 70%, handwriting-style 30%; degradation strength 0-1; ``pretraining_data.ocr_example``),
with the plain "Read the text." prompt, in one of three geometries of the same documents:

* ``2d``: the block as rendered (320 px wide, 16 px per line);
* ``strip``: the block's 16 px bands, each cropped to its ink, laid side by side with a grey separator patch
  between them (:func:`specocr.models.processing_charocr.band_strip`): one long line whose columns follow the
  transcription's characters;
* ``strip-fixed``: the same strip padded on the right to ``--fixed-columns`` patches, so that the text always
  starts at the same position after the image.

Every ``--eval-every`` steps it prints (and appends to ``--log``, one JSON object per evaluation) the greedy CER
on held-out printed 3-line, printed 6-line and handwritten 6-line blocks (seeds no training batch uses), and the
image-swap diagnostic: the loss of the true transcriptions of 8 held-out 6-line blocks given their own images
and given each other's. While the two are equal the model recites rather than reads.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

import torch
from transformers import get_constant_schedule_with_warmup
from trl.trainer.sft_trainer import DataCollatorForVisionLanguageModeling

from specocr.models.held_out import character_error_rate, generate_answers
from specocr.models.pretraining_data import Example, make_fakers, ocr_example
from specocr.models.processing_charocr import band_strip
from specocr.models.zoo import load_base
from specocr.params import load_params
from specocr.paths import project_root

HELD_OUT_SEED = 6 * 10**7  # far from every training example number (pretraining_data.EXAMPLE_SEED_BASE)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="zoo/ocr-S")
    parser.add_argument("--layout", choices=("2d", "strip", "strip-fixed"), default="strip")
    parser.add_argument("--fixed-columns", type=int, default=256)
    parser.add_argument("--max-lines", type=int, default=6)
    parser.add_argument("--minutes", type=float, default=40)
    parser.add_argument("--lr", type=float, default=6e-4)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--eval-every", type=int, default=100)
    parser.add_argument("--eval-examples", type=int, default=16)
    parser.add_argument("--log", type=Path, default=None)
    parser.add_argument("--save", type=Path, default=None, help="save the trained weights here at the end")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    root = project_root()
    params = load_params(root / "params.yaml")
    block, page = params.data.block, params.data.page
    fakers = make_fakers()
    fixed = args.fixed_columns * 8 if args.layout == "strip-fixed" else None

    def shaped(example: Example) -> Example:
        if args.layout == "2d":
            return example
        return Example(band_strip(example.image, fixed_width=fixed), example.prompt, example.answer)

    def held_out(name: str, lines: int, category: str | None, count: int) -> list[Example]:
        offset = {"printed3": 0, "printed6": 10**5, "handwritten6": 2 * 10**5, "swap": 3 * 10**5}[name]
        return [shaped(ocr_example(HELD_OUT_SEED + offset + i, block, page, fakers, lines, category))
                for i in range(count)]

    sets = {"printed3": held_out("printed3", 3, "printed", args.eval_examples),
            "printed6": held_out("printed6", 6, "printed", args.eval_examples),
            "handwritten6": held_out("handwritten6", 6, "handwritten", args.eval_examples)}
    swap = held_out("swap", 6, None, 8)
    model, processor = load_base(root / args.base)
    collate = DataCollatorForVisionLanguageModeling(processor, completion_only_loss=True)

    @torch.no_grad()
    def swap_losses() -> tuple[float, float]:
        model.eval()
        own = model(**collate([e.as_prompt_completion() for e in swap])).loss.item()
        rolled = [Example(swap[(i + 1) % len(swap)].image, e.prompt, e.answer) for i, e in enumerate(swap)]
        other = model(**collate([e.as_prompt_completion() for e in rolled])).loss.item()
        return own, other

    def evaluate(step: int, seconds: float, train_loss: float | None) -> None:
        record = {"layout": args.layout, "step": step, "minutes": round(seconds / 60, 2), "train_loss": train_loss}
        for name, examples in sets.items():
            answers = generate_answers(model, processor, examples, max_new_tokens=330, batch_size=16)
            record[f"cer_{name}"] = round(character_error_rate(answers, [e.answer for e in examples]), 4)
            if name == "printed6":
                record["example"] = {"truth": examples[0].answer, "read": answers[0]}
        record["loss_own_image"], record["loss_other_image"] = (round(x, 4) for x in swap_losses())
        print(json.dumps(record, ensure_ascii=False), flush=True)
        if args.log:
            with args.log.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        model.train()

    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    scheduler = get_constant_schedule_with_warmup(optimizer, 50)
    started, train_seconds, step, recent = time.perf_counter(), 0.0, 0, []
    evaluate(0, 0.0, None)
    model.train()
    while train_seconds < args.minutes * 60:
        lines = random.Random(step).randint(1, args.max_lines)
        first = 10**7 + step * args.batch_size
        examples = [shaped(ocr_example(first + i, block, page, fakers, lines)) for i in range(args.batch_size)]
        tick = time.perf_counter()
        loss = model(**collate([e.as_prompt_completion() for e in examples])).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        train_seconds += time.perf_counter() - tick
        recent.append(loss.item())
        step += 1
        if step % args.eval_every == 0:
            evaluate(step, train_seconds, round(sum(recent) / len(recent), 4))
            recent = []
    evaluate(step, train_seconds, round(sum(recent) / max(1, len(recent)), 4))
    print(f"wall {time.perf_counter() - started:.0f} s, training {train_seconds:.0f} s, {step} steps", flush=True)
    if args.save:
        from specocr.models.zoo import save_base
        save_base(model, processor, args.save, card=f"band probe: {args.layout}, {step} steps\n")


if __name__ == "__main__":
    main()
