"""Corpus metrics of one system: the JSON every evaluation writes (``metrics.json``).

One function, :func:`corpus_metrics`, turns predictions and references into the official score with a
bootstrap CI, its components, per-category and per-strength means, the degeneration rate and the share of
outputs that are the paper's strict JSON. The ``specocr score`` command and the evaluation stages both
call it, so a number in a table means the same thing wherever it came from.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pydantic import BaseModel

from specocr.data.schema import STRUCTURE_KEYS
from specocr.evaluate.degeneration import is_degenerate
from specocr.evaluate.score import score_components
from specocr.evaluate.stats import Interval, bootstrap_mean


@dataclass(frozen=True)
class Prediction:
    id: str
    prediction: str
    hit_token_limit: bool = False
    seconds: float | None = None  # wall time spent on this document, when measured


@dataclass(frozen=True)
class Reference:
    id: str
    assistant: str
    category: str | None = None
    strength: float | None = None


class GroupScore(BaseModel):
    n: int
    score: float


class DocumentScore(BaseModel):
    id: str
    category: str | None
    levenshtein: float
    bleu: float
    score: float
    degenerate: bool
    valid_json: bool


class CorpusMetrics(BaseModel):
    n_documents: int
    score: Interval
    levenshtein: float
    bleu: float
    per_category: dict[str, GroupScore]
    per_strength: dict[str, GroupScore]
    degeneration_rate: float  # percent of documents
    degenerate_documents: int
    hit_token_limit_rate: float  # percent of documents
    json_validity_rate: float  # percent of documents
    pages_per_second: float | None  # documents per second: the timing pass's median, else the run's wall time
    degenerate_time_share: float | None  # percent of the wall time spent on degenerate outputs


def headline(metrics: CorpusMetrics) -> dict[str, float | int | None]:
    """The numbers a reader compares systems by, flat and short-keyed (``scores.json``, what ``dvc metrics
    show`` prints, one row per system and stage): the score and its interval, the score per category,
    degeneration, documents cut by the token limit, valid JSON (percents), pages per second, documents."""
    row: dict[str, float | int | None] = {"score": round(metrics.score.mean, 4),
                                          "ci_low": round(metrics.score.ci_low, 4),
                                          "ci_high": round(metrics.score.ci_high, 4)}
    row.update({category: round(group.score, 4) for category, group in sorted(metrics.per_category.items())})
    row.update({"degenerate_pct": round(metrics.degeneration_rate, 2),
                "cut_pct": round(metrics.hit_token_limit_rate, 2),
                "json_pct": round(metrics.json_validity_rate, 2),
                "pages_s": None if metrics.pages_per_second is None else round(metrics.pages_per_second, 3),
                "documents": metrics.n_documents})
    return row


def is_structured_output(text: str) -> bool:
    """True for the paper's strict JSON: an object whose keys are among header/margin/footer/text,
    each holding a string."""
    try:
        parsed = json.loads(text)
    except ValueError:
        return False
    return (
        isinstance(parsed, dict)
        and set(parsed) <= set(STRUCTURE_KEYS)
        and all(isinstance(value, str) for value in parsed.values())
    )


def _pair(predictions: Iterable[Prediction], references: Iterable[Reference]) -> list[tuple[Prediction, Reference]]:
    by_id: dict[str, Prediction] = {}
    for prediction in predictions:
        if prediction.id in by_id:
            raise ValueError(f"prediction id {prediction.id!r} appears more than once")
        by_id[prediction.id] = prediction
    references = list(references)
    reference_ids = {reference.id for reference in references}
    if len(reference_ids) != len(references):
        raise ValueError("reference ids are not unique")
    missing = [r.id for r in references if r.id not in by_id]
    unknown = sorted(set(by_id) - reference_ids)
    if missing or unknown:
        raise ValueError(
            f"predictions and references do not match: {len(missing)} references without a prediction "
            f"(first: {missing[:5]}), {len(unknown)} predictions without a reference (first: {unknown[:5]})"
        )
    return [(by_id[r.id], r) for r in references]


def score_documents(
    predictions: Iterable[Prediction],
    references: Iterable[Reference],
    tail_chars: int = 15,
    min_repeats: int = 4,
) -> list[DocumentScore]:
    """Per-document scores, in the references' order (every reference needs exactly one prediction)."""
    documents = []
    for prediction, reference in _pair(predictions, references):
        parts = score_components(prediction.prediction, reference.assistant)
        documents.append(
            DocumentScore(
                id=reference.id,
                category=reference.category,
                degenerate=is_degenerate(prediction.prediction, prediction.hit_token_limit, tail_chars, min_repeats),
                valid_json=is_structured_output(prediction.prediction),
                **parts,
            )
        )
    return documents


def _group_means(keys: Sequence[str | None], scores: Sequence[float]) -> dict[str, GroupScore]:
    groups: dict[str, list[float]] = defaultdict(list)
    for key, score in zip(keys, scores):
        if key is not None:
            groups[key].append(score)
    return {key: GroupScore(n=len(values), score=sum(values) / len(values)) for key, values in sorted(groups.items())}


def corpus_metrics(
    predictions: Iterable[Prediction],
    references: Iterable[Reference],
    tail_chars: int = 15,
    min_repeats: int = 4,
    bootstrap_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> CorpusMetrics:
    """Every corpus-level number of one system on one set of documents."""
    predictions = list(predictions)
    references = list(references)
    documents = score_documents(predictions, references, tail_chars, min_repeats)
    n = len(documents)
    if n == 0:
        raise ValueError("no documents to score")
    scores = [d.score for d in documents]
    hits = {p.id: p.hit_token_limit for p in predictions}
    seconds = {p.id: p.seconds for p in predictions}
    timed = all(seconds[d.id] is not None for d in documents)
    total_seconds = sum(seconds[d.id] for d in documents) if timed else 0.0
    strengths = [None if r.strength is None else f"{r.strength:g}" for r in references]
    degenerate = sum(d.degenerate for d in documents)
    return CorpusMetrics(
        n_documents=n,
        score=bootstrap_mean(scores, bootstrap_resamples, confidence, seed),
        levenshtein=sum(d.levenshtein for d in documents) / n,
        bleu=sum(d.bleu for d in documents) / n,
        per_category=_group_means([d.category for d in documents], scores),
        per_strength=_group_means(strengths, scores),
        degeneration_rate=100.0 * degenerate / n,
        degenerate_documents=degenerate,
        hit_token_limit_rate=100.0 * sum(hits[d.id] for d in documents) / n,
        json_validity_rate=100.0 * sum(d.valid_json for d in documents) / n,
        pages_per_second=n / total_seconds if timed and total_seconds > 0 else None,
        degenerate_time_share=100.0 * sum(seconds[d.id] for d in documents if d.degenerate) / total_seconds
        if timed and total_seconds > 0 else None,
    )
