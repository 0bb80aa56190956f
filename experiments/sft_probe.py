"""How far the pipeline's SFT takes a base on the domain's documents: curves of a longer run than make repro's.

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python experiments/sft_probe.py zoo/ocr-S 200 /tmp/sft-probe [--learning-rate 5e-4] [--seed 1]

Copies the base folder (giving it the band-strip layout of params.yaml's bases), then runs the pipeline's own
``train_sft`` on ``data/benchmark``'s training split (run ``dvc repro data`` first) with params.yaml's ``sft``
except ``max_steps`` (the argument) and, if given, the learning rate, 10 warmup steps, one thread, validation
every 50 steps on 16 validation documents (greedy, official score). ``--train-documents N`` keeps the first N
training documents; ``--data FOLDER`` trains and validates on another saved dataset (e.g. one made with other
``data`` params); ``--extra-train FOLDER`` adds another dataset's train split (shuffled in with the run's seed);
``--freeze-vision-encoder`` trains with ``sft.freeze_vision_encoder`` on. Prints the summary; the curves are in
``<out>/curves.csv``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from pathlib import Path

from datasets import concatenate_datasets

from specocr.data import load_benchmark
from specocr.models.registry import set_band_layout
from specocr.params import load_params
from specocr.paths import BENCHMARK_DIR, project_root
from specocr.train.sft import train_sft


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base", type=Path)
    parser.add_argument("steps", type=int)
    parser.add_argument("out", type=Path)
    parser.add_argument("--learning-rate", type=float, default=None, help="default: params.yaml's sft")
    parser.add_argument("--seed", type=int, default=0, help="the run's seed (batch order, dropout); default 0")
    parser.add_argument("--train-documents", type=int, default=None,
                        help="use only the first N of data/benchmark's training documents")
    parser.add_argument("--data", type=Path, default=None,
                        help="a saved DatasetDict to train and validate on instead of data/benchmark")
    parser.add_argument("--freeze-vision-encoder", action="store_true",
                        help="sft.freeze_vision_encoder: the base's vision encoder stays as it is")
    parser.add_argument("--extra-train", type=Path, default=None,
                        help="a saved DatasetDict whose train split is added (experiments/free_form_documents.py)")
    args = parser.parse_args()
    base, steps, out = args.base, args.steps, args.out
    root = project_root()
    params = load_params(root / "params.yaml")
    work = out / "base"
    shutil.rmtree(out, ignore_errors=True)
    shutil.copytree(base, work)
    strip_width = next(spec.strip_width for spec in params.bases.values())
    if strip_width:
        set_band_layout(work, params.data.block.line_height, strip_width)
    benchmark = load_benchmark("synthetic", args.data or root / BENCHMARK_DIR)
    train = benchmark["train"]
    if args.train_documents is not None:
        train = train.select(range(min(args.train_documents, len(train))))
    if args.extra_train is not None:
        extra = load_benchmark("synthetic", args.extra_train)["train"].cast(train.features)
        train = concatenate_datasets([train, extra]).shuffle(seed=args.seed)
    print(f"{len(train)} training documents")
    sft = params.sft.model_copy(update={"max_steps": steps, "eval_steps": 50, "val_documents": 16, "threads": 1,
                                        "warmup_steps": 10,
                                        "freeze_vision_encoder": args.freeze_vision_encoder
                                        or params.sft.freeze_vision_encoder,
                                        "learning_rate": args.learning_rate or params.sft.learning_rate})
    started = time.perf_counter()
    summary = train_sft(work, train, benchmark["val"], sft, out / "sft", out / "checkpoints",
                        out / "curves.csv", seed=args.seed, max_new_tokens=params.eval.max_new_tokens)
    print(json.dumps(summary, indent=1))
    print(f"wall {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
