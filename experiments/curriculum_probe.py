"""Which level-2 mix makes a zoo base read: per-kind training loss and held-out CER of a short probe run.

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python experiments/curriculum_probe.py --base zoo/ocr-S \
        --mix mono=0.4,printed=0.6 --steps 600

Trains a copy of ``--base`` (a zoo folder, or ``scratch`` for a fresh size-S model) on batches of one kind
each, drawn with the ``--mix`` shares:

* ``easy``: the bootstrap's clean monospace lines (``pretraining_data.easy_ocr_example``, 13 px, <= 12
  characters, fixed offset), the only kind the level-1 bases were seen to read;
* ``mono``: the feasibility study's level-2 lines (``pretraining_data.mono_line_example``): general text of
  3 to ``--max-chars`` characters in DejaVu Sans Mono at 12-14 px (7.2-8.4 px per character, so characters
  drift across the 8 px patches), shifted 0-8 px to the right and 1 px up or down, grey ink on grey paper;
* ``printed``: single general lines of 3 to ``--max-chars`` characters in the benchmark's six printed faces,
  degradation strength up to 0.5 (``pretraining_data.printed_line_example``).

It prints the mean loss of each kind every 50 steps, and every ``--eval-every`` steps the greedy CER on
the zoo cards' held-out printed lines (32, the level-2 target set) and on 16 held-out ``mono`` lines. AdamW
with ``--lr``, 50 warmup steps, cosine decay over ``--schedule-steps``. Results: experiments/README.md.
"""

from __future__ import annotations

import argparse
import itertools
import random
import time

import torch
from transformers import get_cosine_schedule_with_warmup
from trl.trainer.sft_trainer import DataCollatorForVisionLanguageModeling

from specocr.models.held_out import character_error_rate, generate_answers, held_out_sets
from specocr.models.pretraining_data import (
    Example,
    easy_ocr_example,
    make_fakers,
    mono_line_example,
    printed_line_example,
)
from specocr.models.zoo import build_model, load_base
from specocr.params import load_params
from specocr.paths import project_root

KINDS = ("easy", "mono", "printed")


def parse_mix(text: str) -> dict[str, float]:
    """``"mono=0.4,printed=0.6"`` -> shares per kind (they must sum to 1)."""
    mix = {}
    for item in text.split(","):
        kind, _, share = item.partition("=")
        if kind not in KINDS:
            raise SystemExit(f"--mix: unknown kind {kind!r}; choose from {', '.join(KINDS)}")
        mix[kind] = float(share)
    if abs(sum(mix.values()) - 1) > 1e-6:
        raise SystemExit(f"--mix: shares sum to {sum(mix.values())}, not 1")
    return mix


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="zoo/ocr-S", help="a zoo folder, or 'scratch'")
    parser.add_argument("--mix", default="mono=0.4,printed=0.6")
    parser.add_argument("--steps", type=int, default=600)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--schedule-steps", type=int, default=None,
                        help="cosine horizon (default --steps): a probe can stop early on a longer schedule")
    parser.add_argument("--max-chars", type=int, default=36)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--eval-every", type=int, default=150)
    args = parser.parse_args()
    mix = parse_mix(args.mix)
    torch.set_num_threads(args.threads)
    root = project_root()
    params = load_params(root / "params.yaml")
    block, page = params.data.block, params.data.page
    fakers = make_fakers()

    def mono(seed: int) -> Example:
        return mono_line_example(seed, block, fakers, args.max_chars)

    def printed(seed: int) -> Example:
        return printed_line_example(seed, block, page, fakers, args.max_chars)

    makers = {"easy": lambda seed: easy_ocr_example(seed, block, page, 13), "mono": mono, "printed": printed}
    if args.base == "scratch":
        model, processor = build_model("S", params.zoo, seed=params.zoo.seed)
    else:
        model, processor = load_base(root / args.base)
    held_printed = held_out_sets(params.zoo.seed + 1, 32, block, page)["printed_lines"]
    held_mono = [mono(5 * 10**7 + i) for i in range(16)]  # seeds no training batch uses

    def evaluate(step: int) -> None:
        cers = []
        for examples in (held_printed, held_mono):
            answers = generate_answers(model, processor, examples, max_new_tokens=args.max_chars + 24)
            cers.append(character_error_rate(answers, [e.answer for e in examples]))
        print(f"step {step:5}  held-out CER: printed lines {cers[0]:.3f}, mono lines {cers[1]:.3f}", flush=True)
        model.train()

    print(f"{args.base}: mix {mix}, lr {args.lr}, lines of <= {args.max_chars} characters", flush=True)
    evaluate(0)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    scheduler = get_cosine_schedule_with_warmup(optimizer, 50, args.schedule_steps or args.steps)
    collate = DataCollatorForVisionLanguageModeling(processor, completion_only_loss=True)
    losses: dict[str, list[float]] = {kind: [] for kind in mix}
    # A batch's kind: the first kind whose cumulative share exceeds a uniform draw seeded by the step.
    thresholds = list(zip(mix, itertools.accumulate(mix.values())))
    started = time.perf_counter()
    model.train()
    for step in range(args.steps):
        draw = random.Random(step).random()
        kind = next((k for k, bound in thresholds if draw < bound), thresholds[-1][0])
        examples = [makers[kind](10**7 + step * args.batch_size + i) for i in range(args.batch_size)]
        loss = model(**collate([example.as_prompt_completion() for example in examples])).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        losses[kind].append(loss.item())
        if (step + 1) % 50 == 0:
            recent = ", ".join(f"{k} {sum(v[-15:]) / len(v[-15:]):.2f}" for k, v in losses.items() if v)
            print(f"step {step + 1:5}  loss (last batches of each kind): {recent}  "
                  f"{time.perf_counter() - started:5.0f} s", flush=True)
        if (step + 1) % args.eval_every == 0:
            evaluate(step + 1)


if __name__ == "__main__":
    main()
