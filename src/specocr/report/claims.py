"""The paper's claims C1-C6 (shared/DESIGN.md), each tested on this run's results.

Every comparison is paired: two systems scored on the same test documents, the per-document difference
bootstrapped (``evaluate.stats.paired_bootstrap``). A claim *holds* when every comparison it makes is
significant in the claimed direction at the configured confidence, *does not hold* when one of them is
not, and is *not testable* when this run lacks what it needs (a stage not run, no degeneration to reduce).

* C1 specialization compounds: after the same SFT+DPO, the level-2 base beats the level-1 base of its size.
* C2 specialization beats scale: the small specialist after SFT+DPO beats the larger generalist after SFT+DPO.
* C3 DPO lowers degeneration relative to SFT, in every family.
* C4 SFT lowers degeneration relative to vanilla, in most families.
* C5 the specialized small model is the cheapest system per page among those of at least its quality.
* C6 quantization cuts the cost per page with negligible quality loss (the score difference's CI within
  ``negligible`` of zero).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from specocr.evaluate.io import read_predictions
from specocr.evaluate.metrics import Reference, score_documents
from specocr.evaluate.run import PREDICTIONS
from specocr.evaluate.stats import paired_bootstrap
from specocr.report.scoreboard import Row, size_key

HOLDS, FAILS, UNTESTABLE = "holds", "does not hold", "not testable in this run"


@dataclass
class Claim:
    id: str
    statement: str
    verdict: str
    evidence: list[str] = field(default_factory=list)
    caveat: str | None = None

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
                 resamples: int = 1000, confidence: float = 0.95, seed: int = 0, negligible: float = 0.01) -> None:
        self.results, self.rows, self.bases = results, rows, bases
        self.resamples, self.confidence, self.seed, self.negligible = resamples, confidence, seed, negligible

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
            verdicts.append(difference.ci_low > 0)
        if verdicts:
            claim.verdict = HOLDS if all(verdicts) else FAILS
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
            claim.verdict = HOLDS if difference.ci_low > 0 else FAILS
        return claim

    def _degeneration_claim(self, claim: Claim, later: str, earlier: str, need_all: bool) -> Claim:
        lowered, families = [], 0
        for name in self.bases:
            if not self._have((name, later), (name, earlier)):
                continue
            families += 1
            rates = [100 * sum(self.results[(name, stage)].degenerate) / len(self.results[(name, stage)].degenerate)
                     for stage in (earlier, later)]
            if rates == [0.0, 0.0]:
                claim.evidence.append(f"{name}: no degenerate output at either stage")
                continue
            difference = self._paired((name, later), (name, earlier), what="degenerate")
            claim.evidence.append(f"{name}: {earlier} {rates[0]:.1f}% -> {later} {rates[1]:.1f}%; "
                                  + self._difference("difference in rate", difference.model_copy(update={
                                      "mean_difference": 100 * difference.mean_difference,
                                      "ci_low": 100 * difference.ci_low, "ci_high": 100 * difference.ci_high}),
                                      " points"))
            lowered.append(difference.ci_high < 0)
        if lowered:
            claim.verdict = HOLDS if (all(lowered) if need_all else sum(lowered) > len(lowered) / 2) else FAILS
        return claim

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
        # its own variants (the quantized one) are not rivals: they are the same specialized model
        rivals = [row for row in priced if row.system != specialist and row.score >= ours.score]
        cheaper = [row for row in rivals if row.usd_per_million_pages < ours.usd_per_million_pages]
        claim.evidence.append(f"{ours.label}: score {ours.score:.4f}, ${ours.usd_per_million_pages:,.2f} per million pages")
        claim.evidence += [f"{row.label}: score {row.score:.4f}, ${row.usd_per_million_pages:,.2f}" for row in rivals]
        if not rivals:
            claim.evidence.append("no system measured here scores as high")
        claim.verdict = FAILS if cheaper else HOLDS
        return claim

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
            cheaper = (quant is not None and full is not None and quant.usd_per_million_pages is not None
                       and full.usd_per_million_pages is not None
                       and quant.usd_per_million_pages < full.usd_per_million_pages)
            cost = (f"; ${full.usd_per_million_pages:,.2f} -> ${quant.usd_per_million_pages:,.2f} per million pages"
                    if quant and full and quant.usd_per_million_pages and full.usd_per_million_pages else "")
            claim.evidence.append(self._difference(f"{name} quant - full, score", difference) + cost)
            verdicts.append(cheaper and -self.negligible <= difference.ci_low and difference.ci_high <= self.negligible)
        if verdicts:
            claim.verdict = HOLDS if all(verdicts) else FAILS
        return claim

    def all(self) -> list[Claim]:
        return [self.c1(), self.c2(), self.c3(), self.c4(), self.c5(), self.c6()]
