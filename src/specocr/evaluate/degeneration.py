"""Text degeneration: outputs that ran into the token cap while looping.

The paper's definition: "requests that hit the configured maximum-token limit and exhibited an n-gram
repetition pattern at their tail". The operational rule (shared/FACTS.md section 4) counts the last
``tail_chars`` characters with ``str.count``, which counts non-overlapping occurrences: a pure loop is
caught only after ``tail_chars * min_repeats`` characters (60 by default), so the generation cap must
leave room for that.
"""

from __future__ import annotations

from collections.abc import Sequence


def is_degenerate(text: str, hit_token_limit: bool, tail_chars: int = 15, min_repeats: int = 4) -> bool:
    """True when the output hit the token cap and its last ``tail_chars`` characters recur
    at least ``min_repeats`` times (non-overlapping) in the whole output."""
    if tail_chars < 1 or min_repeats < 1:
        raise ValueError(f"tail_chars and min_repeats must be >= 1, got {tail_chars} and {min_repeats}")
    if not hit_token_limit or len(text) < tail_chars:
        return False
    return text.count(text[-tail_chars:]) >= min_repeats


def degeneration_rate(
    texts: Sequence[str],
    hit_token_limit: Sequence[bool],
    tail_chars: int = 15,
    min_repeats: int = 4,
) -> float:
    """Percentage (0-100) of outputs that are degenerate; 0.0 for no outputs."""
    if len(texts) != len(hit_token_limit):
        raise ValueError(f"{len(texts)} texts but {len(hit_token_limit)} hit_token_limit flags")
    if not texts:
        return 0.0
    flags = [is_degenerate(t, h, tail_chars, min_repeats) for t, h in zip(texts, hit_token_limit)]
    return 100.0 * sum(flags) / len(flags)
