"""What the evaluation notebooks show of a scored run: tables by group, the worst documents, degenerate outputs.

Shared by ``05_evaluate`` (models) and ``06_baselines`` (OCR engines) so that a reviewer reads every
system's results in the same form.
"""

from __future__ import annotations

from pathlib import Path

import datasets
import matplotlib.pyplot as plt
import pandas as pd

from specocr.evaluate.io import PREDICTIONS, read_predictions, references_from_dataset
from specocr.evaluate.metrics import CorpusMetrics, DocumentScore, score_documents


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


def document_label(row: dict) -> str:
    """``category · strength s · font`` of a document row, leaving out what it lacks (a Hub row has no
    strength or font)."""
    parts = [str(row.get("category") or "unknown")]
    if row.get("strength") is not None:
        parts.append(f"strength {row['strength']:g}")
    if row.get("font"):
        parts.append(str(row["font"]))
    return " · ".join(parts)


def one_per_group(dataset: datasets.Dataset, columns: tuple[str, ...] = ("category", "strength")) -> list[int]:
    """The index of the first document of each combination of ``columns`` (missing values are a group of
    their own), sorted by those columns."""
    frame = dataset.select_columns(list(columns)).to_pandas()
    first = frame.groupby(list(columns), dropna=False, sort=False).head(1)
    return [int(i) for i in first.sort_values(list(columns), na_position="last").index]


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
        ax.set_title(f"{document.id} · {document_label(row)} · score {document.score:.3f}",
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


def compare_outputs(models: dict[str, str | Path], documents: datasets.Dataset, max_new_tokens: int,
                    batch_size: int = 8) -> pd.DataFrame:
    """Greedy outputs of several model folders (label -> folder) on the same documents, with each output's
    score: one row per document and model, for before/after views in the training notebooks. Each model is
    asked with its folder's prompt."""
    from specocr.evaluate.generate import generate_batch
    from specocr.evaluate.score import document_score
    from specocr.models.conventions import folder_prompt
    from specocr.models.registry import load_model_folder

    rows = []
    for label, folder in models.items():
        model, processor = load_model_folder(folder)
        prompt = folder_prompt(folder)
        for start in range(0, len(documents), batch_size):
            batch = documents.select(range(start, min(start + batch_size, len(documents))))
            outputs = generate_batch(model, processor, list(batch["image"]), max_new_tokens, prompt)
            for row_id, truth, output in zip(batch["id"], batch["assistant"], outputs):
                rows.append({"id": str(row_id), "model": label, "score": round(document_score(output["prediction"], truth), 4),
                             "hit_token_limit": output["hit_token_limit"], "output": output["prediction"]})
    return pd.DataFrame(rows)


def plot_curves(curves: pd.DataFrame, panels: dict[str, list[str]], title: str, path: str | Path | None = None):
    """Training curves from a curves CSV: one panel per entry (panel title -> columns), x = step."""
    import seaborn as sns

    fig, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 3.2), squeeze=False)
    for ax, (panel, columns) in zip(axes[0], panels.items()):
        present = [c for c in columns if c in curves and curves[c].notna().any()]
        long = curves.melt(id_vars="step", value_vars=present, var_name="curve").dropna()
        if not long.empty:
            sns.lineplot(data=long, x="step", y="value", hue="curve", marker="o" if len(long) < 30 else None, ax=ax)
        ax.set_title(panel)
        ax.set_ylabel("")
    fig.suptitle(title)
    fig.tight_layout()
    if path is not None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=120)
    return fig
