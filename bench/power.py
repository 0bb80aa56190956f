"""How many test documents the claims need: a power estimate from a run's own per-document scores.

    .venv/bin/python bench/power.py --results results --data data/benchmark

C1 and C2 compare two systems on the same documents (paired): the spread of the per-document score differences
in this run, and the difference to detect, give the documents needed for a two-sided paired test at level
``--alpha`` with power ``--power``: ``n = ((z_{1-alpha/2} + z_{power}) * sd / d)^2``. The difference to detect is
this run's, and the paper's at 3B (Nanonets-OCR2-3B after SFT+DPO 0.921 against Qwen2.5-VL-3B-Instruct after
SFT+DPO 0.793, the blog). C3 and C4 compare degeneration rates between two stages: the documents each stage needs
to tell the paper's rates apart with a two-proportion test (unpaired, so conservative), and the documents needed
for ``report.min_degenerate_outputs`` degenerate outputs at the higher rate.
"""

from __future__ import annotations

import argparse
import math
import statistics
from pathlib import Path
from statistics import NormalDist

from specocr.data import load_benchmark
from specocr.evaluate.io import read_predictions, references_from_dataset
from specocr.evaluate.metrics import score_documents
from specocr.params import load_params
from specocr.paths import project_root

#: The paper's degeneration rates by stage, percent (paper/reported.yaml, degeneration_by_stage).
PAPER_RATES = {"Qwen2.5-VL-3B-Instruct, SFT -> DPO": (3.23, 1.41), "Nanonets-OCR2-3B, SFT -> DPO": (1.61, 0.20),
               "Qwen2.5-VL-3B-Instruct, vanilla -> SFT": (0.60, 3.23)}
PAPER_C1_DIFFERENCE = 0.921 - 0.793


def paired_documents(sd: float, difference: float, alpha: float, power: float) -> int:
    return math.ceil(((NormalDist().inv_cdf(1 - alpha / 2) + NormalDist().inv_cdf(power)) * sd / abs(difference)) ** 2)


def two_proportion_documents(p1: float, p2: float, alpha: float, power: float) -> int:
    """Documents per stage to tell rates ``p1`` and ``p2`` apart (normal approximation, unpaired)."""
    z = NormalDist().inv_cdf(1 - alpha / 2) * math.sqrt(2 * ((p1 + p2) / 2) * (1 - (p1 + p2) / 2))
    z += NormalDist().inv_cdf(power) * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))
    return math.ceil((z / (p1 - p2)) ** 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=Path("results"))
    parser.add_argument("--data", type=Path, default=Path("data/benchmark"))
    parser.add_argument("--pairs", nargs="+", default=["ocr-S:generalist-S", "ocr-S:generalist-M"],
                        help="a:b, compared after SFT+DPO (C1, C2)")
    parser.add_argument("--alpha", type=float, default=0.05)
    parser.add_argument("--power", type=float, default=0.8)
    args = parser.parse_args()
    params = load_params(project_root() / "params.yaml")
    references = references_from_dataset(load_benchmark("synthetic", args.data, split="test"))
    tail, repeats = params.eval.degeneration.tail_chars, params.eval.degeneration.min_repeats

    def scores(system: str) -> dict[str, float]:
        predictions = read_predictions(args.results / system / "dpo" / "predictions.jsonl")
        return {d.id: d.score for d in score_documents(predictions, references, tail, repeats)}

    print(f"{len(references)} test documents; alpha {args.alpha}, power {args.power}\n")
    print("| comparison (SFT+DPO) | mean difference | sd of the differences | documents needed at this run's "
          f"difference | at the paper's 3B difference ({PAPER_C1_DIFFERENCE:.3f}) |")
    print("|---|---|---|---|---|")
    for pair in args.pairs:
        a, b = pair.split(":")
        first, second = scores(a), scores(b)
        differences = [first[i] - second[i] for i in first]
        mean, sd = statistics.fmean(differences), statistics.stdev(differences)
        print(f"| {a} - {b} | {mean:+.3f} | {sd:.3f} | {paired_documents(sd, mean, args.alpha, args.power)} | "
              f"{paired_documents(sd, PAPER_C1_DIFFERENCE, args.alpha, args.power)} |")
    minimum = params.report.min_degenerate_outputs
    print(f"\n| degeneration, the paper's rates | documents per stage to tell them apart | documents for {minimum} "
          "degenerate outputs at the higher rate |")
    print("|---|---|---|")
    for name, (before, after) in PAPER_RATES.items():
        needed = two_proportion_documents(before / 100, after / 100, args.alpha, args.power)
        print(f"| {name}: {before}% -> {after}% | {needed} | {math.ceil(minimum / (max(before, after) / 100))} |")


if __name__ == "__main__":
    main()
