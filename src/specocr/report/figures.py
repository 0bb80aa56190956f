"""The report's figures (seaborn), each saved in every format of ``report.figure_formats``.

* ``degeneration_by_stage``: vanilla -> SFT -> DPO (-> Quant) degeneration rate per base, as the paper's figure.
* ``pareto``: cost per million pages (log x) against score; the frontier through the systems no other beats
  on both; reproduced systems and the paper's reported rows in separate panels (different documents).
* ``per_category``: score per document category for every reproduced system and stage.
* ``ladder``: the same training from each starting level, at each size: specialization's compounding.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; notebooks display the saved figures
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter  # noqa: E402

from specocr.report.scoreboard import STAGES, size_key, technique_label  # noqa: E402

STAGE_NAMES = {stage: technique_label(stage).strip("()") or "vanilla" for stage in STAGES}


def save(fig: plt.Figure, out_dir: str | Path, name: str, formats: list[str]) -> list[Path]:
    """Save ``fig`` as ``<out_dir>/<name>.<format>`` for each format, without time stamps in the files."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for fmt in formats:
        path = out_dir / f"{name}.{fmt}"
        metadata = {"CreationDate": None} if fmt == "pdf" else {"Date": None} if fmt == "svg" else {}
        fig.savefig(path, dpi=150, bbox_inches="tight", metadata=metadata)
        paths.append(path)
    plt.close(fig)
    return paths


def pareto_frontier(frame: pd.DataFrame, cost: str = "usd_per_million_pages", score: str = "score") -> pd.DataFrame:
    """The rows no other row beats on both cost (lower) and score (higher), cheapest first."""
    ordered = frame.dropna(subset=[cost]).sort_values([cost, score], ascending=[True, False])
    frontier, best = [], float("-inf")
    for index, row in ordered.iterrows():
        if row[score] > best:
            frontier.append(index)
            best = row[score]
    return ordered.loc[frontier]


def degeneration_by_stage(reproduced: pd.DataFrame) -> plt.Figure:
    models = reproduced[reproduced["kind"] == "model"].copy()
    models["stage name"] = models["stage"].map(STAGE_NAMES)
    fig, ax = plt.subplots(figsize=(7, 3.6))
    sns.barplot(models, x="system", y="degeneration", hue="stage name",
                hue_order=[STAGE_NAMES[s] for s in STAGES if s in set(models["stage"])], ax=ax)
    ax.set_ylabel("degenerate outputs (% of documents)")
    ax.set_xlabel("")
    ax.set_ylim(0, max(1.0, models["degeneration"].max() * 1.1))  # zero rates sit on a visible floor
    if not (models["degeneration"] > 0).any():
        ax.text(0.5, 0.5, "no degenerate output at any stage", transform=ax.transAxes, ha="center", fontsize=10)
    ax.set_title("Degeneration by training stage (the paper's rule: a loop at the token cap)")
    ax.legend(title="", fontsize=8)
    fig.tight_layout()
    return fig


def _dollar_axis(ax: plt.Axes) -> None:
    """A log cost axis labelled in dollars at its decades (and at 2x and 5x when it spans less than two),
    never at every minor tick, so that no two labels overlap."""
    ax.set_xscale("log")
    low, high = ax.get_xlim()
    subs = (1.0, 2.0, 5.0) if high / low < 100 else (1.0,)
    ax.xaxis.set_major_locator(LogLocator(base=10, subs=subs))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"${value:,.6g}"))
    ax.set_xlabel("cost per million pages (USD, log scale)")


def _label_points(ax: plt.Axes, rows: pd.DataFrame, rise: float) -> None:
    """Each row's label beside its point, ``rise`` points above it; in the right third of the (log) cost axis the
    label goes to the left of its point, so that it stays inside the axes."""
    low, high = np.log10(ax.get_xlim())
    for _, row in rows.iterrows():
        right = (np.log10(row["usd_per_million_pages"]) - low) / (high - low) > 2 / 3
        ax.annotate(row["label"], (row["usd_per_million_pages"], row["score"]), fontsize=7,
                    xytext=(-4 if right else 4, rise), textcoords="offset points", ha="right" if right else "left")


def _frontier_line(ax: plt.Axes, priced: pd.DataFrame) -> Line2D:
    """Draw the Pareto frontier and return its legend handle: a dashed line through its systems, or, when one
    system is both cheapest and best, a ring around it (a line through one point would not show)."""
    frontier = pareto_frontier(priced)
    if len(frontier) >= 2:
        ax.plot(frontier["usd_per_million_pages"], frontier["score"], color="grey", linestyle="--", linewidth=1,
                zorder=0)
        return Line2D([], [], color="grey", linestyle="--", label="Pareto frontier")
    ax.scatter(frontier["usd_per_million_pages"], frontier["score"], s=220, facecolors="none", edgecolors="grey",
               linestyle="--", zorder=2)
    return Line2D([], [], color="grey", marker="o", markerfacecolor="none", markersize=10, linestyle="",
                  label="Pareto frontier (one system:\ncheapest and best)")


def _reproduced_panel(ax: plt.Axes, frame: pd.DataFrame, title: str) -> None:
    """Models: one colour per base, one marker per stage, the stages of a base joined in ladder order (no
    text labels: a base's stages sit close together in cost); engines and imported systems labelled."""
    priced = frame.dropna(subset=["usd_per_million_pages"])
    ax.set_title(title if not priced.empty else f"{title}\n(no priced system)")
    if priced.empty:
        return
    models = priced[priced["kind"] == "model"]
    bases = list(dict.fromkeys(models["system"]))
    colours = dict(zip(bases, sns.color_palette("colorblind", len(bases))))
    markers = dict(zip(STAGES, ("o", "s", "^", "D")))
    for base in bases:
        rows = models[models["system"] == base].set_index("stage").reindex(list(STAGES)).dropna(subset=["score"])
        ax.plot(rows["usd_per_million_pages"], rows["score"], color=colours[base], linewidth=0.8, alpha=0.6)
        for stage, row in rows.iterrows():
            ax.scatter(row["usd_per_million_pages"], row["score"], color=colours[base], marker=markers[stage],
                       s=45, zorder=3)
    others = priced[priced["kind"] != "model"]
    ax.scatter(others["usd_per_million_pages"], others["score"], color="black", marker="X", s=55, zorder=3)
    frontier = _frontier_line(ax, priced)
    _dollar_axis(ax)
    _label_points(ax, others, rise=-10)
    ax.set_ylabel("score")
    ax.set_ylim(0, 1)
    handles = [Line2D([], [], color=colours[b], marker="o", linestyle="-", label=b) for b in bases]
    handles += [Line2D([], [], color="grey", marker=markers[s], linestyle="", label=STAGE_NAMES[s])
                for s in STAGES if s in set(models["stage"])]
    handles += [Line2D([], [], color="black", marker="X", linestyle="", label="OCR engine"), frontier]
    ax.legend(handles=handles, fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)


def _reported_panel(ax: plt.Axes, frame: pd.DataFrame, title: str) -> None:
    """The paper's systems with a price: at their API price, or at a cost the paper gives as a ratio."""
    priced = frame.dropna(subset=["usd_per_million_pages"]).assign(
        kind=lambda f: f["kind"].replace({"reported": "reported (API price)"}))
    ax.set_title(title if not priced.empty else f"{title}\n(no priced system)")
    if priced.empty:
        return
    sns.scatterplot(priced, x="usd_per_million_pages", y="score", hue="kind", style="kind", s=60, ax=ax)
    frontier = _frontier_line(ax, priced)
    _dollar_axis(ax)
    _label_points(ax, priced, rise=4)
    ax.set_ylabel("score")
    handles, _ = ax.get_legend_handles_labels()
    ax.legend(handles=[*handles, frontier], fontsize=7, loc="lower right")


def pareto(reproduced: pd.DataFrame, reported: pd.DataFrame, measured_on: str) -> plt.Figure:
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.8), gridspec_kw={"width_ratios": [1.15, 1]})
    _reproduced_panel(axes[0], reproduced, f"Reproduced here (priced as {measured_on})")
    _reported_panel(axes[1], reported, "Reported by the paper (scores on the real benchmark)")
    fig.tight_layout()
    return fig


def per_category(reproduced: pd.DataFrame) -> plt.Figure:
    long = reproduced.melt(id_vars=["label"], value_vars=[c for c in reproduced.columns if c.startswith("score_")],
                           var_name="category", value_name="category score").dropna()
    long["category"] = long["category"].str.removeprefix("score_")
    fig, ax = plt.subplots(figsize=(8, 0.32 * len(reproduced) + 1.5))
    sns.barplot(long, y="label", x="category score", hue="category", orient="h", ax=ax)
    ax.set_xlim(0, 1)
    ax.set_ylabel("")
    ax.set_title("Score by document category")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def ladder(reproduced: pd.DataFrame) -> plt.Figure:
    """Score (with its bootstrap CI) at each stage, one line per starting level, one panel per size."""
    models = reproduced[reproduced["kind"] == "model"]
    sizes = sorted(models["size"].dropna().unique(), key=size_key)
    stages = [stage for stage in STAGES if stage in set(models["stage"])]
    fig, axes = plt.subplots(1, max(1, len(sizes)), figsize=(4.5 * max(1, len(sizes)), 3.6), squeeze=False,
                             sharey=True)
    starts = {1: ("level 1 (generalist)", "C0"), 2: ("level 2 (general-OCR)", "C1")}  # one colour per level
    for ax, size in zip(axes[0], sizes):
        for offset, (level, (name, colour)) in zip((-0.06, 0.06), starts.items()):
            rows = models[(models["size"] == size) & (models["level"] == level)]
            if rows.empty:  # a size without a base of this level: no empty line in the legend
                continue
            line = rows.set_index("stage").reindex(stages)
            x = [i + offset for i in range(len(stages))]
            ax.errorbar(x, line["score"], yerr=[line["score"] - line["ci_low"], line["ci_high"] - line["score"]],
                        marker="o", capsize=3, label=name, color=colour)
        ax.set_xticks(range(len(stages)), [STAGE_NAMES[stage] for stage in stages], fontsize=8)
        ax.set_title(f"size {size}")
        ax.set_ylim(0, 1)
        ax.set_ylabel("score (95% CI)")
        ax.legend(fontsize=8)
    fig.suptitle("Same training, different starting level")
    fig.tight_layout()
    return fig
