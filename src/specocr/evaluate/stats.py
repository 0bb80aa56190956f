"""Bootstrap statistics over per-document scores: a CI for one system, a paired difference for two.

Both resample documents with replacement from a seeded ``numpy`` generator, so the same scores and seed
give the same interval. The paired bootstrap resamples the *same* document indices for both systems,
which is what makes a difference on a few hundred documents detectable.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from pydantic import BaseModel


class Interval(BaseModel):
    """A mean with its percentile-bootstrap confidence interval."""

    mean: float
    ci_low: float
    ci_high: float
    confidence: float
    n: int


class PairedDifference(BaseModel):
    """Mean of ``a - b`` over the same documents, its bootstrap CI, and the one-sided
    bootstrap probability that ``a`` is not better than ``b``."""

    mean_difference: float
    ci_low: float
    ci_high: float
    confidence: float
    n: int
    p_a_not_better: float

    @property
    def a_better(self) -> bool:
        """True when the whole confidence interval of ``a - b`` lies above zero."""
        return self.ci_low > 0


def _check(n_resamples: int, confidence: float) -> None:
    if n_resamples < 1:
        raise ValueError(f"n_resamples must be >= 1, got {n_resamples}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")


def _resampled_means(values: np.ndarray, n_resamples: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    indices = rng.integers(0, len(values), size=(n_resamples, len(values)))
    return values[indices].mean(axis=1)


def bootstrap_mean(
    values: Sequence[float], n_resamples: int = 1000, confidence: float = 0.95, seed: int = 0
) -> Interval:
    """Mean of ``values`` with a percentile-bootstrap CI (NaN interval for no values)."""
    _check(n_resamples, confidence)
    array = np.asarray(values, dtype=float)
    if array.size == 0:
        return Interval(mean=float("nan"), ci_low=float("nan"), ci_high=float("nan"), confidence=confidence, n=0)
    means = _resampled_means(array, n_resamples, seed)
    tail = (1 - confidence) / 2
    return Interval(
        mean=float(array.mean()),
        ci_low=float(np.quantile(means, tail)),
        ci_high=float(np.quantile(means, 1 - tail)),
        confidence=confidence,
        n=int(array.size),
    )


def paired_bootstrap(
    scores_a: Sequence[float],
    scores_b: Sequence[float],
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> PairedDifference:
    """Bootstrap the mean difference ``a - b`` of two systems scored on the same documents, in the same order."""
    _check(n_resamples, confidence)
    a = np.asarray(scores_a, dtype=float)
    b = np.asarray(scores_b, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"paired scores need the same documents: {a.size} vs {b.size} scores")
    if a.size == 0:
        raise ValueError("paired bootstrap of zero documents")
    differences = _resampled_means(a - b, n_resamples, seed)
    tail = (1 - confidence) / 2
    return PairedDifference(
        mean_difference=float((a - b).mean()),
        ci_low=float(np.quantile(differences, tail)),
        ci_high=float(np.quantile(differences, 1 - tail)),
        confidence=confidence,
        n=int(a.size),
        p_a_not_better=float((differences <= 0).mean()),
    )
