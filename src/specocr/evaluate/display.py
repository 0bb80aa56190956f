"""What the evaluation notebooks show of a scored run: tables by group, the worst documents, degenerate outputs.

Shared by ``05_evaluate`` (models) and ``06_baselines`` (OCR engines) so that a reviewer reads every
system's results in the same form.
"""

from __future__ import annotations

from pathlib import Path

import datasets
import matplotlib.pyplot as plt
import pandas as pd

from specocr.evaluate.io import read_predictions, references_from_dataset
from specocr.evaluate.metrics import CorpusMetrics, DocumentScore, score_documents
from specocr.evaluate.run import PREDICTIONS


def group_table(metrics: CorpusMetrics, by: str) -> pd.DataFrame:
    """Mean score and document count per ``category`` or per degradation ``strength``."""
    groups = {"category": metrics.per_category, "strength": metrics.per_strength}[by]
    return pd.DataFrame({"score": {k: v.score for k, v in groups.items()},
                         "documents": {k: v.n for k, v in groups.items()}}).rename_axis(by).round(4)


def scored_documents(dataset: datasets.Dataset, out_dir: str | Path, tail_chars: int,
                     min_repeats: int) -> tuple[list[DocumentScore], dict[str, str]]:
    """Every document's score (same rule as metrics.json) and each raw prediction, by document id."""
    predictions = read_predictions(Path(out_dir) / PREDICTIONS)
    documents = score_documents(predictions, references_from_dataset(dataset), tail_chars, min_repeats)
    return documents, {p.id: p.prediction for p in predictions}


def show_documents(dataset: datasets.Dataset, documents: list[DocumentScore], predictions: dict[str, str],
                   label: str, max_chars: int = 600) -> None:
    """Each document's image, then its ground truth and ``label``'s prediction (cut at ``max_chars``: a
    looping output would fill the page)."""
    if not documents:
        print("(none)")
        return
    index_of = {str(i): n for n, i in enumerate(dataset["id"])}
    fig, axes = plt.subplots(len(documents), 1, figsize=(8, 2.2 * len(documents)), squeeze=False)
    for ax, document in zip(axes[:, 0], documents):
        row = dataset[index_of[document.id]]
        ax.imshow(row["image"])
        ax.set_title(f"{document.id} · {row['category']} · strength {row['strength']:g} · score {document.score:.3f}",
                     fontsize=9, loc="left")
        ax.axis("off")
    fig.tight_layout()
    plt.show()
    for document in documents:
        row = dataset[index_of[document.id]]
        prediction = predictions[document.id]
        cut = f"... [{len(prediction) - max_chars} more characters]" if len(prediction) > max_chars else ""
        print(f"--- {document.id} (score {document.score:.3f}{', degenerate' if document.degenerate else ''})\n"
              f"ground truth:\n{row['assistant_without_json']}\n{label}:\n{prediction[:max_chars]}{cut}\n")
