"""The paper's claims tested on results: verdicts follow the paired bootstrap, and say when untestable."""

from __future__ import annotations

import numpy as np
import pytest

from specocr.params import BaseSpec
from specocr.report.claims import (
    AGAINST,
    FAILS,
    FOR,
    HOLDS,
    INCONCLUSIVE,
    UNDECIDED,
    UNTESTABLE,
    ClaimChecker,
    DocumentResults,
    combine,
)
from specocr.report.scoreboard import Row

N = 100


def results(score: float, degenerate_share: float = 0.0, seed: int = 0) -> DocumentResults:
    rng = np.random.default_rng(seed)
    scores = np.clip(rng.normal(score, 0.05, N), 0, 1).tolist()
    degenerate = [1.0 if i < degenerate_share * N else 0.0 for i in range(N)]
    return DocumentResults(scores, degenerate)


@pytest.fixture
def bases(default_params):
    # Both levels at both sizes (params.yaml selects three of the zoo's four bases)
    ocr_m = BaseSpec(source="zoo", location="ocr-M", revision=None, level=2, size="M", analogue_of=None)
    return {**default_params.bases, "ocr-M": ocr_m}


def checker(found: dict, bases, rows: list[Row] | None = None) -> ClaimChecker:
    return ClaimChecker(found, rows or [], bases, resamples=500)


def test_ladder_claims_hold_when_the_specialists_win(bases) -> None:
    found = {("ocr-S", "dpo"): results(0.8, seed=1), ("generalist-S", "dpo"): results(0.6, seed=2),
             ("ocr-M", "dpo"): results(0.85, seed=3), ("generalist-M", "dpo"): results(0.7, seed=4)}
    claims = checker(found, bases)
    assert claims.c1().verdict == HOLDS and len(claims.c1().evidence) == 2
    assert claims.c2().verdict == HOLDS  # ocr-S beats generalist-M
    found[("generalist-M", "dpo")] = results(0.8, seed=4)  # now a tie: the data cannot decide
    tie = checker(found, bases).c2()
    assert tie.verdict == INCONCLUSIVE and "spans zero" in tie.reason
    found[("generalist-M", "dpo")] = results(0.9, seed=4)  # the larger generalist wins: decided against
    assert checker(found, bases).c2().verdict == FAILS
    found[("generalist-S", "dpo")] = results(0.9, seed=2)  # one size against: C1 does not hold
    assert checker(found, bases).c1().verdict == FAILS


def test_a_score_difference_inside_the_machine_tolerance_decides_nothing(bases) -> None:
    tied = results(0.7, seed=2)
    found = {("ocr-S", "dpo"): DocumentResults([s + 0.006 for s in tied.scores], tied.degenerate),
             ("generalist-S", "dpo"): tied}
    assert checker(found, bases).c1().verdict == HOLDS  # significant, by 0.006 on every document
    strict = ClaimChecker(found, [], bases, resamples=500, score_tolerance=0.01).c1()
    assert strict.verdict == INCONCLUSIVE and "within 0.01 of zero" in strict.reason
    found[("ocr-S", "dpo")] = DocumentResults([s + 0.05 for s in tied.scores], tied.degenerate)
    assert ClaimChecker(found, [], bases, resamples=500, score_tolerance=0.01).c1().verdict == HOLDS


def test_verdicts_combine_comparisons() -> None:
    assert combine([FOR, FOR]) == HOLDS and combine([FOR, UNDECIDED]) == INCONCLUSIVE
    assert combine([FOR, AGAINST, UNDECIDED]) == FAILS and combine([]) == UNTESTABLE
    # "most families": a majority for holds; against when even the undecided ones could not make one
    assert combine([FOR, FOR, UNDECIDED], need_all=False) == HOLDS
    assert combine([FOR, UNDECIDED, AGAINST], need_all=False) == INCONCLUSIVE
    assert combine([FOR, AGAINST, AGAINST], need_all=False) == FAILS


def test_missing_stages_make_a_claim_untestable(bases) -> None:
    claims = checker({("ocr-S", "sft"): results(0.7)}, bases)
    assert [c.verdict for c in claims.all()] == [UNTESTABLE] * 6


def test_degeneration_claims(bases) -> None:
    found = {("ocr-S", "sft"): results(0.7, 0.3), ("ocr-S", "dpo"): results(0.7, 0.02),
             ("ocr-M", "sft"): results(0.7, 0.2), ("ocr-M", "dpo"): results(0.7, 0.01)}
    assert checker(found, bases).c3().verdict == HOLDS
    found[("ocr-M", "sft")], found[("ocr-M", "dpo")] = results(0.7, 0.1), results(0.7, 0.3)
    assert checker(found, bases).c3().verdict == FAILS  # DPO raised it in one family


def test_too_few_degenerate_outputs_are_inconclusive_not_a_failure(bases) -> None:
    found = {("ocr-S", "sft"): results(0.7, 0.3), ("ocr-S", "dpo"): results(0.7, 0.02),
             ("ocr-M", "sft"): results(0.7, 0.0), ("ocr-M", "dpo"): results(0.7, 0.02)}  # 2 in 200 outputs
    c3 = checker(found, bases).c3()
    assert c3.verdict == INCONCLUSIVE and "too few degenerate outputs" in c3.reason and "ocr-M" in c3.reason
    assert any("not compared" in e for e in c3.evidence)


def test_cost_claims(bases) -> None:
    rows = [Row("ocr-S", "dpo", "ocr-S (SFT+DPO)", "model", 0.80, usd_per_million_pages=10.0),
            Row("ocr-S", "quant", "ocr-S (SFT+DPO, Quant)", "model", 0.80, usd_per_million_pages=6.0),
            Row("rapidocr", "vanilla", "RapidOCR", "engine", 0.83, usd_per_million_pages=30.0),
            Row("tesseract", "vanilla", "Tesseract", "engine", 0.70, usd_per_million_pages=2.0)]
    same = results(0.8, seed=5)
    found = {("ocr-S", "dpo"): same, ("ocr-S", "quant"): DocumentResults([s + 0.001 for s in same.scores], same.degenerate)}
    claims = checker(found, bases, rows)
    assert claims.c5().verdict == HOLDS  # RapidOCR scores higher but costs more; Tesseract is cheaper but worse
    assert claims.c6().verdict == HOLDS
    rows[2].usd_per_million_pages = 5.0
    assert checker(found, bases, rows).c5().verdict == FAILS
    rows[2].usd_per_million_pages = 9.5  # 5% cheaper: inside the timing tolerance, nothing decided
    assert checker(found, bases, rows).c5().verdict == INCONCLUSIVE
    rows[1].usd_per_million_pages = 9.8  # quantized 2% cheaper: inside the tolerance
    assert checker(found, bases, rows).c6().verdict == INCONCLUSIVE
    rows[1].usd_per_million_pages = 12.0  # quantized dearer beyond it: decided against
    assert checker(found, bases, rows).c6().verdict == FAILS


def test_c5_rivals_are_those_not_shown_to_score_lower(bases) -> None:
    """A cheaper system whose paired difference spans zero leaves C5 open; one shown to score lower is no rival."""
    rows = [Row("ocr-S", "dpo", "ocr-S (SFT+DPO)", "model", 0.80, usd_per_million_pages=10.0),
            Row("rapidocr", "vanilla", "RapidOCR", "engine", 0.79, usd_per_million_pages=5.0)]
    ours = results(0.8, seed=5)
    shifted = lambda delta: DocumentResults([s + delta for s in ours.scores], ours.degenerate)  # noqa: E731
    noisy = DocumentResults([s + d for s, d in zip(ours.scores, np.random.default_rng(6).normal(-0.01, 0.2, N))],
                            ours.degenerate)
    found = {("ocr-S", "dpo"): ours, ("rapidocr", "vanilla"): noisy}
    open_claim = checker(found, bases, rows).c5()
    assert open_claim.verdict == INCONCLUSIVE and "RapidOCR" in open_claim.reason
    assert any("not shown to score lower" in e and "n=100" in e for e in open_claim.evidence)
    found[("rapidocr", "vanilla")] = shifted(-0.05)  # lower on every document: not a rival
    assert checker(found, bases, rows).c5().verdict == HOLDS
    found[("rapidocr", "vanilla")] = shifted(0.05)  # higher on every document and cheaper
    assert checker(found, bases, rows).c5().verdict == FAILS
    rows[1].usd_per_million_pages = 20.0  # higher but dearer
    assert checker(found, bases, rows).c5().verdict == HOLDS
