"""The paper's claims C1-C6 (shared/DESIGN.md), each tested on this run's results.

Every comparison is paired: two systems scored on the same test documents, the per-document difference
bootstrapped (``evaluate.stats.paired_bootstrap``). Each claim gets one of four verdicts:

* *holds*: every comparison it makes is significant in the claimed direction at the configured confidence;
* *does not hold*: the data decide against it (a comparison significant in the other direction, or, for a
  "most families" claim, too few families left that could go its way);
* *inconclusive*, with the reason: a confidence interval spans zero (C1/C2: reaches within ``score_tolerance``
  of it, the spread between machines), or there are too few degenerate outputs (fewer than ``min_degenerate``
  over both stages) for a rate to be compared;
* *not testable in this run*: a stage or a system it needs was not run.

* C1 specialization compounds: after the same SFT+DPO, the level-2 base beats the level-1 base of its size.
* C2 specialization beats scale: the small specialist after SFT+DPO beats the larger generalist after SFT+DPO.
* C3 DPO lowers degeneration relative to SFT, in every family.
* C4 SFT lowers degeneration relative to vanilla, in most families.
* C5 the specialized small model is the cheapest system per page among those of at least its quality: a system
  counts as a rival unless the paired difference shows it scores lower (beyond ``score_tolerance``).
* C6 quantization cuts the cost per page with negligible quality loss (the score difference's CI within
  ``negligible`` of zero).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from specocr.evaluate.io import read_predictions
from specocr.evaluate.metrics import Reference, score_documents
from specocr.evaluate.io import PREDICTIONS
from specocr.evaluate.stats import paired_bootstrap
from specocr.report.scoreboard import Row, size_key

HOLDS, FAILS, INCONCLUSIVE, UNTESTABLE = "holds", "does not hold", "inconclusive", "not testable in this run"
#: The outcome of one comparison: significant for the claim, against it, or undecided (CI spans zero).
FOR, AGAINST, UNDECIDED = "for", "against", "undecided"


def combine(outcomes: list[str], need_all: bool = True) -> str:
    """A claim's verdict from its comparisons' outcomes: ``need_all`` (every family) or a majority (most)."""
    if not outcomes:
        return UNTESTABLE
    if need_all:
        if AGAINST in outcomes:
            return FAILS
        return HOLDS if all(o == FOR for o in outcomes) else INCONCLUSIVE
    majority = len(outcomes) / 2
    if sum(o == FOR for o in outcomes) > majority:
        return HOLDS
    if sum(o != AGAINST for o in outcomes) <= majority:  # even if every undecided one went its way
        return FAILS
    return INCONCLUSIVE


def outcome(ci_low: float, ci_high: float, claimed_sign: int = 1, tolerance: float = 0.0) -> str:
    """For, against or undecided: where a difference's confidence interval lies relative to zero, for a
    claim that the difference is positive (``claimed_sign`` 1) or negative (-1). An interval that reaches
    within ``tolerance`` of zero decides nothing: another machine's run could move it across."""
    low, high = (ci_low, ci_high) if claimed_sign > 0 else (-ci_high, -ci_low)
    return FOR if low > tolerance else AGAINST if high < -tolerance else UNDECIDED


@dataclass
class Claim:
    id: str
    statement: str
    verdict: str
    evidence: list[str] = field(default_factory=list)
    caveat: str | None = None
    reason: str | None = None  # why an inconclusive claim is undecided

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class DocumentResults:
    """Per-document scores and degeneration flags of one system and stage, in the references' order."""

    scores: list[float]
    degenerate: list[float]  # 1.0 / 0.0, so that rates bootstrap like scores


def load_document_results(results_dir: str | Path, references: list[Reference], tail_chars: int,
                          min_repeats: int, keep=None) -> dict[tuple[str, str], DocumentResults]:
    """Every ``results/<system>/<stage>/predictions.jsonl`` (those ``keep(system, stage)`` accepts, when
    given), scored per document against ``references``."""
    loaded = {}
    for path in sorted(Path(results_dir).glob(f"*/*/{PREDICTIONS}")):
        if keep is not None and not keep(path.parent.parent.name, path.parent.name):
            continue
        documents = score_documents(read_predictions(path), references, tail_chars, min_repeats)
        loaded[(path.parent.parent.name, path.parent.name)] = DocumentResults(
            [d.score for d in documents], [float(d.degenerate) for d in documents])
    return loaded


class ClaimChecker:
    def __init__(self, results: dict[tuple[str, str], DocumentResults], rows: list[Row], bases: dict,
                 resamples: int = 1000, confidence: float = 0.95, seed: int = 0, negligible: float = 0.01,
                 min_degenerate: int = 5, cost_tolerance: float = 0.1, score_tolerance: float = 0.0) -> None:
        self.results, self.rows, self.bases = results, rows, bases
        self.resamples, self.confidence, self.seed, self.negligible = resamples, confidence, seed, negligible
        #: fewer degenerate outputs than this over a family's two stages: its rates are not compared
        self.min_degenerate = min_degenerate
        #: costs within this relative difference are equal: machine noise in pages/s must not decide a verdict
        self.cost_tolerance = cost_tolerance
        #: C1/C2: a score difference whose interval reaches within this of zero is undecided (machine spread)
        self.score_tolerance = score_tolerance

    def _paired(self, a: tuple[str, str], b: tuple[str, str], what: str = "scores"):
        values = lambda key: getattr(self.results[key], what if what == "scores" else "degenerate")  # noqa: E731
        return paired_bootstrap(values(a), values(b), self.resamples, self.confidence, self.seed)

    def _have(self, *keys: tuple[str, str]) -> bool:
        return all(key in self.results for key in keys)

    def _base(self, level: int, size: str) -> str | None:
        return next((name for name, spec in self.bases.items() if spec.level == level and spec.size == size), None)

    def _sizes(self) -> list[str]:
        """The bases' sizes, smallest first."""
        return sorted({spec.size for spec in self.bases.values() if spec.size}, key=size_key)

    @staticmethod
    def _difference(label: str, difference, unit: str = "") -> str:
        return (f"{label}: {difference.mean_difference:+.4f}{unit} "
                f"[{difference.ci_low:+.4f}, {difference.ci_high:+.4f}] (n={difference.n})")

    def c1(self) -> Claim:
        claim = Claim("C1", "Specialization compounds: after the same SFT+DPO, the level-2 (general-OCR) base beats "
                            "the level-1 (generalist) base of the same size.", UNTESTABLE)
        verdicts = []
        for size in self._sizes():
            specialist, generalist = self._base(2, size), self._base(1, size)
            if not (specialist and generalist and self._have((specialist, "dpo"), (generalist, "dpo"))):
                continue
            difference = self._paired((specialist, "dpo"), (generalist, "dpo"))
            claim.evidence.append(self._difference(f"{specialist} - {generalist} (SFT+DPO), score", difference))
            verdicts.append(outcome(difference.ci_low, difference.ci_high, tolerance=self.score_tolerance))
        return self._decide(claim, verdicts, reason=self._score_reason())

    def _score_reason(self) -> str:
        if not self.score_tolerance:
            return "a confidence interval spans zero"
        return (f"a confidence interval reaches within {self.score_tolerance} of zero (the score tolerance between "
                "machines)")

    @staticmethod
    def _decide(claim: Claim, outcomes: list[str], need_all: bool = True,
                reason: str = "a confidence interval spans zero") -> Claim:
        claim.verdict = combine(outcomes, need_all)
        if claim.verdict == INCONCLUSIVE:
            claim.reason = reason
        return claim

    def c2(self) -> Claim:
        claim = Claim("C2", "Specialization beats scale: the smallest level-2 base after SFT+DPO beats the largest "
                            "level-1 base after SFT+DPO.", UNTESTABLE)
        sizes = self._sizes()
        if len(sizes) < 2:
            return claim
        specialist, generalist = self._base(2, sizes[0]), self._base(1, sizes[-1])
        if specialist and generalist and self._have((specialist, "dpo"), (generalist, "dpo")):
            difference = self._paired((specialist, "dpo"), (generalist, "dpo"))
            claim.evidence.append(self._difference(f"{specialist} - {generalist} (SFT+DPO), score", difference))
            return self._decide(claim, [outcome(difference.ci_low, difference.ci_high, tolerance=self.score_tolerance)],
                                reason=self._score_reason())
        return claim

    def _degeneration_claim(self, claim: Claim, later: str, earlier: str, need_all: bool) -> Claim:
        outcomes, too_few = [], []
        for name in self.bases:
            if not self._have((name, later), (name, earlier)):
                continue
            flags = [self.results[(name, stage)].degenerate for stage in (earlier, later)]
            rates = [100 * sum(f) / len(f) for f in flags]
            if sum(map(sum, flags)) < self.min_degenerate:
                claim.evidence.append(f"{name}: {earlier} {rates[0]:.1f}% -> {later} {rates[1]:.1f}% "
                                      f"({int(sum(map(sum, flags)))} degenerate outputs in all, fewer than "
                                      f"{self.min_degenerate}: not compared)")
                too_few.append(name)
                outcomes.append(UNDECIDED)
                continue
            difference = self._paired((name, later), (name, earlier), what="degenerate")
            claim.evidence.append(f"{name}: {earlier} {rates[0]:.1f}% -> {later} {rates[1]:.1f}%; "
                                  + self._difference("difference in rate", difference.model_copy(update={
                                      "mean_difference": 100 * difference.mean_difference,
                                      "ci_low": 100 * difference.ci_low, "ci_high": 100 * difference.ci_high}),
                                      " points"))
            outcomes.append(outcome(difference.ci_low, difference.ci_high, claimed_sign=-1))
        reason = (f"too few degenerate outputs to compare in {', '.join(too_few)}" if too_few
                  else "a confidence interval spans zero")
        return self._decide(claim, outcomes, need_all, reason)

    def c3(self) -> Claim:
        return self._degeneration_claim(Claim("C3", "DPO lowers the degeneration rate relative to SFT in every family.",
                                              UNTESTABLE), "dpo", "sft", need_all=True)

    def c4(self) -> Claim:
        return self._degeneration_claim(Claim("C4", "SFT lowers the degeneration rate relative to the vanilla base "
                                                    "in most families.", UNTESTABLE), "sft", "vanilla", need_all=False)

    def c5(self) -> Claim:
        claim = Claim("C5", "The specialized small model (the smallest level-2 base after SFT+DPO) is the cheapest "
                            "per page among the other systems measured here of at least its quality.", UNTESTABLE)
        sizes = self._sizes()
        specialist = self._base(2, sizes[0]) if sizes else None
        priced = [row for row in self.rows if row.usd_per_million_pages is not None]
        ours = next((row for row in priced if row.system == specialist and row.stage == "dpo"), None)
        if ours is None:
            return claim
        claim.evidence.append(f"{ours.label}: score {ours.score:.4f}, ${ours.usd_per_million_pages:,.2f} per million pages")
        # its own variants (the quantized one) are not rivals: they are the same specialized model
        cheaper, undecided, lower = [], [], []
        for row in priced:
            if row.system == specialist:
                continue
            quality, evidence = self._quality_against(row, ours)
            if quality == AGAINST:
                lower.append(row.label)
                continue
            ratio = row.usd_per_million_pages / ours.usd_per_million_pages
            claim.evidence.append(f"{row.label}: ${row.usd_per_million_pages:,.2f} ({ratio:.2f}x), "
                                  f"{'scores higher' if quality == FOR else self._not_lower()} "
                                  f"({evidence})")
            if ratio < 1 - self.cost_tolerance and quality == FOR:
                cheaper.append(row)
            elif ratio < 1 + self.cost_tolerance:
                undecided.append(row)
        if lower:
            claim.evidence.append(f"shown to score lower, so no rival: {', '.join(lower)}")
        if cheaper:
            claim.verdict = FAILS
        elif undecided:
            claim.verdict = INCONCLUSIVE
            claim.reason = (f"{', '.join(row.label for row in undecided)}: {self._not_lower()}, and cheaper "
                            f"or within {self.cost_tolerance:.0%} of its cost (the timing tolerance)")
        else:
            claim.verdict = HOLDS
        return claim

    def _not_lower(self) -> str:
        return ("not shown to score lower" if not self.score_tolerance
                else f"not shown to score lower by more than the score tolerance ({self.score_tolerance})")

    def _quality_against(self, row: Row, ours: Row) -> tuple[str, str]:
        """Whether ``row`` scores higher than ``ours`` (for), lower (against) or neither shown, and the
        evidence: the paired difference with ``score_tolerance`` where both have per-document results, else the
        point scores."""
        if not self._have((row.system, row.stage), (ours.system, ours.stage)):
            return (FOR if row.score >= ours.score else AGAINST,
                    f"score {row.score:.4f}, no per-document results: point scores compared")
        difference = self._paired((row.system, row.stage), (ours.system, ours.stage))
        return (outcome(difference.ci_low, difference.ci_high, tolerance=self.score_tolerance),
                self._difference(f"minus {ours.label}, score", difference))

    def c6(self) -> Claim:
        claim = Claim("C6", f"Quantization cuts the cost per page with negligible quality loss (score difference "
                            f"within {self.negligible} of zero).", UNTESTABLE)
        verdicts = []
        by_key = {(row.system, row.stage): row for row in self.rows}
        for name in self.bases:
            if not self._have((name, "quant"), (name, "dpo")):
                continue
            difference = self._paired((name, "quant"), (name, "dpo"))
            quant, full = by_key.get((name, "quant")), by_key.get((name, "dpo"))
            costs = (quant.usd_per_million_pages, full.usd_per_million_pages) if quant and full else (None, None)
            if None in costs:
                cheaper = UNDECIDED
            else:  # a cost difference inside the timing tolerance decides nothing
                ratio = costs[0] / costs[1]
                cheaper = FOR if ratio < 1 - self.cost_tolerance else AGAINST if ratio > 1 + self.cost_tolerance else UNDECIDED
            cost = (f"; ${costs[1]:,.2f} -> ${costs[0]:,.2f} per million pages" if None not in costs else "")
            claim.evidence.append(self._difference(f"{name} quant - full, score", difference) + cost)
            if -self.negligible <= difference.ci_low and difference.ci_high <= self.negligible:
                negligible = FOR
            elif difference.ci_high < -self.negligible or difference.ci_low > self.negligible:
                negligible = AGAINST
            else:
                negligible = UNDECIDED
            verdicts.append(AGAINST if AGAINST in (cheaper, negligible) else
                            FOR if (cheaper, negligible) == (FOR, FOR) else UNDECIDED)
        return self._decide(claim, verdicts, reason=f"the score difference's interval crosses +-{self.negligible}, "
                                                    f"or the costs differ by less than {self.cost_tolerance:.0%}")

    def all(self) -> list[Claim]:
        return [self.c1(), self.c2(), self.c3(), self.c4(), self.c5(), self.c6()]
