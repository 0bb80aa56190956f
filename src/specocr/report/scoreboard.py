"""The scoreboard: every system and stage this run measured, and the paper's reported rows, never mixed.

Reproduced rows come from ``results/<system>/<stage>/metrics.json`` only (what the eval and baselines
stages wrote); reported rows from ``paper/reported.yaml``. Labels follow the paper's: a base's analogue
and technique in brackets, e.g. ``ocr-S (SFT+DPO)``, ``ocr-S (SFT+DPO, Quant)``, ``(LoRA)`` for LoRA SFT.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from specocr.evaluate.metrics import CorpusMetrics
from specocr.report.cost import api_cost, measured_cost

#: Stages in the order of the ladder's step, and the paper's technique label of each.
STAGES = ("vanilla", "sft", "dpo", "quant")
#: The engines' scoreboard labels; ``{lang}`` is Tesseract's language data (baselines.tesseract.lang).
ENGINE_LABELS = {"tesseract": "Tesseract 5 ({lang})", "rapidocr": "RapidOCR 3 (PP-OCR, ONNX)"}
#: The paper's categories, shown first (in this order) when a run has them; other domains' categories, and
#: "unknown" for documents without one (the Hub benchmark has no category column), follow.
CATEGORIES = ("printed", "handwritten", "legal")


def categories_of(rows: list[Row]) -> list[str]:
    """The categories the rows were scored on: the paper's first, then the others alphabetically."""
    present = {category for row in rows for category in row.per_category}
    return [c for c in CATEGORIES if c in present] + sorted(present - set(CATEGORIES))


SIZE_ORDER = ("XS", "S", "M", "L", "XL")


def size_key(size: str) -> tuple[float, str]:
    """Sort key for size labels, smallest first: S before M before L, or by parameters (3B before 7B)."""
    billions = re.fullmatch(r"(\d+(?:\.\d+)?)B", size)
    if billions:
        return float(billions.group(1)), size
    return (SIZE_ORDER.index(size) if size in SIZE_ORDER else len(SIZE_ORDER)) - 100.0, size


def technique_label(stage: str, lora: bool = False) -> str:
    """The paper's bracketed technique for a stage: '', '(SFT)', '(SFT+DPO)', '(SFT+DPO, Quant)'."""
    sft = "SFT, LoRA" if lora else "SFT"
    return {"vanilla": "", "sft": f"({sft})", "dpo": f"({sft}+DPO)", "quant": f"({sft}+DPO, Quant)"}[stage]


@dataclass
class Row:
    system: str
    stage: str
    label: str
    kind: str  # model | engine | imported | reported | reported (cost derived)
    score: float
    ci_low: float | None = None
    ci_high: float | None = None
    per_category: dict[str, float] = field(default_factory=dict)
    degeneration: float | None = None  # percent of documents
    hit_token_limit: float | None = None  # percent of documents that ran to the token cap (looping or not)
    json_validity: float | None = None  # percent of documents
    pages_per_second: float | None = None
    usd_per_million_pages: float | None = None
    cost_basis: str | None = None
    level: int | None = None
    size: str | None = None
    analogue_of: str | None = None
    source: str = "this run"

    def flat(self, categories: list[str] | tuple[str, ...] = CATEGORIES) -> dict:
        """The row as one flat record, a ``score_<category>`` column for each of ``categories``."""
        row = asdict(self)
        per_category = row.pop("per_category")
        row.update({f"score_{category}": per_category.get(category) for category in categories})
        return row


def _load_metrics(path: Path) -> CorpusMetrics:
    return CorpusMetrics.model_validate_json(path.read_text(encoding="utf-8"))


def is_configured(system: str, stage: str, params) -> bool:
    """Whether ``results/<system>/<stage>`` belongs to the run ``params`` describe: a base at one of
    ``eval.stages``, an engine of ``baselines.engines``, or an imported system. DVC leaves the outputs of
    stages that another params file had (a default run before a smoke run): they are not this run's rows."""
    if system in params.bases:
        return stage in params.eval.stages
    if system in ENGINE_LABELS:
        return system in params.baselines.engines and stage == "vanilla"
    return system in {imported.name for imported in params.baselines.imported}


def reproduced_rows(results_dir: str | Path, params) -> list[Row]:
    """One row per ``results/<system>/<stage>/metrics.json`` of this run (:func:`is_configured`): bases at
    each stage, engines, imported systems."""
    results_dir = Path(results_dir)
    imported = {system.name: system for system in params.baselines.imported}
    rows = []
    for path in sorted(results_dir.glob("*/*/metrics.json")):
        system, stage = path.parent.parent.name, path.parent.name
        if not is_configured(system, stage, params):
            continue
        metrics = _load_metrics(path)
        if system in params.bases:
            base = params.bases[system]
            kind = "model"
            label = f"{system} {technique_label(stage, params.sft.method == 'lora')}".strip()
            extra = {"level": base.level, "size": base.size, "analogue_of": base.analogue_of}
        elif system in ENGINE_LABELS:
            kind, label, extra = "engine", ENGINE_LABELS[system].format(lang=params.baselines.tesseract.lang), {}
        else:
            kind, label, extra = "imported", system, {}
        pages_per_second = metrics.pages_per_second
        if system in imported and imported[system].pages_per_second is not None:
            pages_per_second = imported[system].pages_per_second
        cost = measured_cost(pages_per_second, params.cost)
        rows.append(Row(
            system=system, stage=stage, label=label, kind=kind, score=metrics.score.mean,
            ci_low=metrics.score.ci_low, ci_high=metrics.score.ci_high,
            per_category={k: v.score for k, v in metrics.per_category.items()},
            degeneration=metrics.degeneration_rate, hit_token_limit=metrics.hit_token_limit_rate,
            json_validity=metrics.json_validity_rate,
            pages_per_second=pages_per_second,
            usd_per_million_pages=None if cost is None else cost.usd_per_million_pages,
            cost_basis=None if cost is None else cost.basis, **extra))
    stage_order = {stage: i for i, stage in enumerate(STAGES)}
    kind_order = {"model": 0, "engine": 1, "imported": 2}
    return sorted(rows, key=lambda r: (kind_order[r.kind], r.level or 0, r.size or "", r.system,
                                       stage_order.get(r.stage, 99)))


def reported_rows(reported_path: str | Path, params) -> list[Row]:
    """The paper's reported rows, priced where params give the system's published API price."""
    reported = yaml.safe_load(Path(reported_path).read_text(encoding="utf-8"))
    rows = []
    for entry in reported["systems"]:
        price = params.cost.apis.get(entry["name"])
        cost = api_cost(price) if price is not None else None
        rows.append(Row(system=entry["name"], stage="reported", label=entry["name"], kind="reported",
                        score=entry["score"], degeneration=entry.get("degeneration"),
                        usd_per_million_pages=None if cost is None else cost.usd_per_million_pages,
                        cost_basis=None if cost is None else cost.basis, source=entry["source"]))
    # A cost the paper states only as a ratio to another system's ("~52x cheaper than Claude Opus 4.6")
    by_name = {row.system: row for row in rows}
    for entry, row in zip(reported["systems"], rows):
        ratio = entry.get("cheaper_than")
        if ratio is None:
            continue
        other = by_name.get(ratio["system"])
        if other is None or other.usd_per_million_pages is None:
            raise ValueError(f"{reported_path}: {entry['name']} is priced against {ratio['system']!r}, which has "
                             "no API price in params cost.apis")
        row.usd_per_million_pages = other.usd_per_million_pages / ratio["factor"]
        row.kind = "reported (cost derived)"
        row.cost_basis = f"derived: 1/{ratio['factor']:g} of {ratio['system']}'s ({ratio['source']})"
    return rows


def scoreboard_frame(rows: list[Row]) -> pd.DataFrame:
    categories = categories_of(rows)
    return pd.DataFrame([row.flat(categories) for row in rows])


def _display_table(frame: pd.DataFrame, reported: bool) -> pd.DataFrame:
    """The columns a reader compares, rounded, with readable headers."""
    table = pd.DataFrame({"system": frame["label"]})
    if reported:
        table["score"] = frame["score"].map(lambda v: f"{v:.3f}")
        table["degeneration %"] = frame["degeneration"].map(lambda v: "n/r" if pd.isna(v) else f"{v:.2f}")
        table["$ / 1M pages"] = frame["usd_per_million_pages"].map(lambda v: "" if pd.isna(v) else f"{v:,.0f}")
        table["source"] = frame["source"]
        return table
    table["score [95% CI]"] = [f"{s:.3f} [{lo:.3f}, {hi:.3f}]" for s, lo, hi in
                               zip(frame["score"], frame["ci_low"], frame["ci_high"])]
    for column in [c for c in frame.columns if c.startswith("score_")]:
        table[column.removeprefix("score_")] = frame[column].map(lambda v: "" if pd.isna(v) else f"{v:.3f}")
    table["degeneration %"] = frame["degeneration"].map(lambda v: f"{v:.1f}")
    # beside it: output that runs to the cap without a repeating tail (letter soup) is not degenerate by the
    # paper's rule, yet costs the same
    table["hit token cap %"] = frame["hit_token_limit"].map(lambda v: "" if pd.isna(v) else f"{v:.1f}")
    table["valid JSON %"] = frame["json_validity"].map(lambda v: f"{v:.0f}")
    table["pages/s"] = frame["pages_per_second"].map(lambda v: "" if pd.isna(v) else f"{v:.2f}")
    table["$ / 1M pages"] = frame["usd_per_million_pages"].map(lambda v: "" if pd.isna(v) else f"{v:,.2f}")
    return table


def write_scoreboard(reproduced: list[Row], reported: list[Row], out_dir: str | Path, measured_on: str) -> list[Path]:
    """``scoreboard.csv`` (every field, a ``block`` column), ``scoreboard.md`` and ``scoreboard.tex`` (two
    separate tables: reproduced here, reported by the paper)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    ours, theirs = scoreboard_frame(reproduced), scoreboard_frame(reported)
    csv_path = out_dir / "scoreboard.csv"
    pd.concat([ours.assign(block="reproduced"), theirs.assign(block="reported")], ignore_index=True).to_csv(
        csv_path, index=False, float_format="%.6g")
    ours_table, theirs_table = _display_table(ours, False), _display_table(theirs, True)
    md_path = out_dir / "scoreboard.md"
    md_path.write_text(
        "### Reproduced in this run\n\n"
        f"Same test documents for every row; pages/s measured sequentially here, priced as `{measured_on}`.\n\n"
        + ours_table.to_markdown(index=False) + "\n\n### Reported by the paper (not re-run)\n\n"
        + theirs_table.to_markdown(index=False) + "\n", encoding="utf-8")
    tex_path = out_dir / "scoreboard.tex"
    tex_path.write_text(
        "% generated by specocr.report.scoreboard: do not edit\n"
        "\\paragraph{Reproduced in this run.}\n" + ours_table.to_latex(index=False, escape=True)
        + "\\paragraph{Reported by the paper.}\n" + theirs_table.to_latex(index=False, escape=True), encoding="utf-8")
    return [csv_path, md_path, tex_path]
