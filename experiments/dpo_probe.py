"""How much the pipeline's DPO adds to an SFT model with a larger budget: more sampled documents, more steps.

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python experiments/dpo_probe.py /tmp/sft-probe/sft /tmp/dpo-probe \
        --documents 48 --steps 24 [--learning-rate 5e-5]

Runs the pipeline's own sampling, pair selection and ``train_dpo`` (params.yaml's ``dpo`` except the overrides,
one thread) on the first ``--documents`` training documents of ``data/benchmark`` (run ``dvc repro data``
first), then reads the first 64 validation documents with the SFT model and the DPO model (structured prompt,
band strips as the folder says, greedy, the eval's token cap) and prints each one's mean official score, strict
JSON share and the pair counts. The test split is never read.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from specocr.data import load_benchmark
from specocr.evaluate.display import compare_outputs
from specocr.evaluate.metrics import is_structured_output
from specocr.models.conventions import folder_prompt
from specocr.models.registry import load_model_folder
from specocr.params import load_params
from specocr.paths import BENCHMARK_DIR, project_root
from specocr.train.dpo import pair_counts, preference_pairs, sample_outputs, train_dpo

VALIDATION_DOCUMENTS = 64


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sft_folder", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--documents", type=int, default=None, help="default: params.yaml's dpo.documents")
    parser.add_argument("--steps", type=int, default=None, help="default: params.yaml's dpo.max_steps")
    parser.add_argument("--learning-rate", type=float, default=None, help="default: params.yaml's dpo")
    args = parser.parse_args()
    torch.set_num_threads(1)
    root = project_root()
    params = load_params(root / "params.yaml")
    overrides = {"threads": 1}
    for key, value in (("documents", args.documents), ("max_steps", args.steps), ("learning_rate", args.learning_rate)):
        if value is not None:
            overrides[key] = value
    dpo = params.dpo.model_copy(update=overrides)
    degeneration = params.eval.degeneration
    benchmark = load_benchmark("synthetic", root / BENCHMARK_DIR)
    documents = benchmark["train"].select(range(dpo.documents))
    started = time.perf_counter()
    model, processor = load_model_folder(args.sft_folder)
    samples = sample_outputs(model, processor, documents, dpo.samples_per_document, dpo.temperature,
                             dpo.max_new_tokens, params.eval.batch_size, args.out / "samples.jsonl", params.seed,
                             model_folder=args.sft_folder, prompt=folder_prompt(args.sft_folder))
    del model
    pairs = preference_pairs(documents, samples, dpo, degeneration.tail_chars, degeneration.min_repeats)
    counts = pair_counts(pairs, len(documents))
    summary = train_dpo(args.sft_folder, documents, pairs, dpo, args.out / "dpo", args.out / "checkpoints",
                        args.out / "curves.csv", seed=params.seed)
    trained = time.perf_counter() - started
    validation = benchmark["val"].select(range(VALIDATION_DOCUMENTS))
    outputs = compare_outputs({"sft": args.sft_folder, "sft+dpo": args.out / "dpo"}, validation,
                              params.eval.max_new_tokens)
    record = {"settings": overrides, "pairs": counts, "seconds_sampling_and_training": round(trained),
              "final": summary.get("final")}
    for name, rows in outputs.groupby("model"):
        record[name] = {"score": round(float(rows["score"].mean()), 4),
                        "strict_json": round(float(rows["output"].map(is_structured_output).mean()), 3)}
    print(json.dumps(record, indent=1, default=str))


if __name__ == "__main__":
    main()
