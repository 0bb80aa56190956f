from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from specocr.evaluate.degeneration import degeneration_rate, is_degenerate


def test_loop_at_the_cap_is_degenerate() -> None:
    loop = "Certidão " + "de nascimento " * 10
    assert is_degenerate(loop, hit_token_limit=True)
    assert not is_degenerate(loop, hit_token_limit=False)  # stopped by itself: not degeneration


def test_needs_sixty_characters_of_loop() -> None:
    # str.count is non-overlapping: a 15-character tail must occur 4 times, i.e. 60 characters.
    unit = "abcdefghijklmno"
    assert not is_degenerate(unit * 3, True)
    assert is_degenerate(unit * 4, True)
    assert not is_degenerate("x" * 59, True)  # "x"*15 occurs 3 times without overlap in 59 x's
    assert is_degenerate("x" * 60, True)


def test_short_and_non_repeating_outputs() -> None:
    assert not is_degenerate("curto", True)
    assert not is_degenerate("O contrato de locação foi firmado em São Paulo no dia dez de março.", True)


def test_parameters_change_the_rule() -> None:
    text = "ab" * 10
    assert is_degenerate(text, True, tail_chars=2, min_repeats=10)
    assert not is_degenerate(text, True, tail_chars=2, min_repeats=11)
    with pytest.raises(ValueError):
        is_degenerate(text, True, tail_chars=0)


def test_rate_is_a_percentage() -> None:
    texts = ["y" * 80, "texto normal", "z" * 80, "w" * 80]
    assert degeneration_rate(texts, [True, True, False, True]) == pytest.approx(50.0)
    assert degeneration_rate([], []) == 0.0
    with pytest.raises(ValueError):
        degeneration_rate(["a"], [])


@given(st.text(), st.booleans())
def test_never_crashes_and_needs_the_cap(text: str, hit: bool) -> None:
    result = is_degenerate(text, hit)
    assert isinstance(result, bool)
    if not hit:
        assert result is False
