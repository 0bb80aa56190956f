from __future__ import annotations

import numpy as np
import pytest

from specocr.evaluate.stats import bootstrap_mean, paired_bootstrap


def test_bootstrap_is_seeded_and_brackets_the_mean() -> None:
    values = np.random.default_rng(0).uniform(0.5, 1.0, size=300)
    first = bootstrap_mean(values, n_resamples=2000, seed=3)
    assert first == bootstrap_mean(values, n_resamples=2000, seed=3)
    assert first.ci_low < first.mean < first.ci_high
    # The bootstrap CI of a mean is close to the normal one: 1.96 standard errors each side.
    half_width = 1.96 * values.std(ddof=1) / np.sqrt(values.size)
    assert (first.ci_high - first.ci_low) / 2 == pytest.approx(half_width, rel=0.1)


def test_constant_scores_have_a_zero_width_interval() -> None:
    interval = bootstrap_mean([0.7] * 50)
    assert interval.ci_low == interval.ci_high == pytest.approx(0.7)


def test_empty_and_bad_arguments() -> None:
    assert bootstrap_mean([]).n == 0
    with pytest.raises(ValueError):
        bootstrap_mean([1.0], confidence=1.5)
    with pytest.raises(ValueError):
        paired_bootstrap([1.0, 2.0], [1.0])


def test_paired_bootstrap_detects_a_small_consistent_gain() -> None:
    rng = np.random.default_rng(1)
    b = rng.uniform(0.3, 0.9, size=200)  # documents vary a lot ...
    a = b + rng.normal(0.02, 0.01, size=200)  # ... but a beats b on nearly every one
    result = paired_bootstrap(a, b, n_resamples=2000)
    assert result.a_better and result.ci_low > 0 and result.p_a_not_better < 0.01
    # An unpaired view of the same numbers would not separate them: the per-system CIs overlap.
    assert bootstrap_mean(a).ci_low < bootstrap_mean(b).ci_high


def test_paired_bootstrap_of_equal_systems_is_not_significant() -> None:
    a = np.random.default_rng(2).uniform(size=100)
    result = paired_bootstrap(a, a.copy())
    assert result.mean_difference == 0 and not result.a_better
