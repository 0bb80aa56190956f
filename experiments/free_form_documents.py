"""Brazilian-Portuguese documents without templates only: the pipeline's ``data.free_form_share`` at 1.

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python experiments/free_form_documents.py OUT --documents 3000

Writes a ``DatasetDict`` with a ``train`` split of ``--documents`` documents in the pipeline's geometry, schema,
categories and degradation (params.yaml's ``data``), all from ``specocr.domains.pt_br``'s free-form generators
(``free_form_document``: labelled fields from ~70 labels with Faker ``pt_BR`` values, amounts, dates, times and
codes, list items, and sentences of common Portuguese words in random order; a random header and footer or none).
Used by ``experiments/sft_probe.py --extra-train OUT`` to choose the share of such documents in SFT
(experiments/README.md, "Templates the SFT never saw").
"""

from __future__ import annotations

import argparse
from pathlib import Path

from specocr.data.generate import build_benchmark, save_benchmark
from specocr.params import load_params
from specocr.paths import project_root


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--documents", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=7013, help="content and rendering seed (not data.seed)")
    args = parser.parse_args()
    params = load_params(project_root() / "params.yaml")
    data = params.data.model_copy(update={"domain": "pt_br", "seed": args.seed, "workers": 1, "free_form_share": 1.0,
                                          "splits": params.data.splits.model_copy(
                                              update={"train": args.documents, "val": 0, "test": 0})})
    save_benchmark(build_benchmark(data), args.out)


if __name__ == "__main__":
    main()
