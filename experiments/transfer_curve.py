"""How fast a level-1 base learns to read the benchmark's fonts: loss and CER on short proportional lines.

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python experiments/transfer_curve.py --base zoo/generalist-S --steps 300

A level-1 base reads clean monospace lines at 8 px per character (the bootstrap); level 2 must read every
printed face of the benchmark (proportional, ~7-8 px per character) and handwriting. This trains a copy of
``--base`` on single clean lines of at most ``--max-chars`` characters (the bootstrap's words, pseudo-words
and numbers) drawn in the benchmark's printed faces (``--style printed``) or handwriting (``--style
handwritten``), at ``--strength``, with the level-2 optimizer settings, and prints the mean loss of every 25
steps and, every ``--eval-every`` steps, the greedy CER on 32 held-out lines of the same kind. It separates
two difficulties that level 2 meets at once: proportional faces, and long lines.
"""

from __future__ import annotations

import argparse
import random

import torch
from bootstrap_curve import train_curve  # the same loop (bench/ is on the path when a script runs)

from specocr.data.render import render_document
from specocr.data.schema import to_plain_text
from specocr.data.synthetic import DocumentContent
from specocr.models.held_out import character_error_rate, generate_answers
from specocr.models.pretraining_data import OCR_PROMPT, Example, _easy_text
from specocr.models.zoo import load_base
from specocr.params import load_params
from specocr.paths import project_root


def short_line(seed: int, max_chars: int, style: str, strength: float, block, page) -> Example:
    rng = random.Random(seed)
    content = DocumentContent(style, "short", None, [_easy_text(rng, max_chars)])
    rendered = render_document(content, "block", block.model_copy(update={"max_lines": 1}), page, strength, seed)
    return Example(rendered.image, OCR_PROMPT, to_plain_text(rendered.parts))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="zoo/generalist-S")
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--max-chars", type=int, default=12)
    parser.add_argument("--style", default="printed", choices=["printed", "handwritten"])
    parser.add_argument("--strength", type=float, default=0.0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--eval-every", type=int, default=100)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    root = project_root()
    params = load_params(root / "params.yaml")
    stage, block, page = params.zoo.level2, params.data.block, params.data.page
    model, processor = load_base(root / args.base)
    held_out = [short_line(i, args.max_chars, args.style, args.strength, block, page) for i in range(32)]
    print(f"{args.base}: lines of <= {args.max_chars} characters, {args.style} faces, strength {args.strength}")
    answers = generate_answers(model, processor, held_out, max_new_tokens=args.max_chars + 12)
    print(f"step     0  held-out CER {character_error_rate(answers, [e.answer for e in held_out]):.3f}", flush=True)

    def batch(step: int) -> list:
        return [short_line(10**6 + step * stage.batch_size + i, args.max_chars, args.style, args.strength, block,
                           page) for i in range(stage.batch_size)]

    # the base's zoo size, from its width: a wider model trains at a smaller rate (params: zoo.level2.learning_rate)
    width = model.config.text_config.hidden_size
    size = next(name for name, dims in params.zoo.sizes.items() if dims.text_hidden == width)
    train_curve(model, processor, stage, stage.learning_rate[size], batch, held_out, args.steps,
                max(args.steps, 1000), args.eval_every, args.max_chars + 12)

if __name__ == "__main__":
    main()
