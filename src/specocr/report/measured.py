"""What a pipeline run measured, per base: training seconds, quantization seconds and sizes, pages per second at
each evaluated stage. Read from the stages' summaries (``reports/``) and timing files (``results/``) of a project
folder after ``dvc repro``; ``bench/gpu_rehearsal.py`` writes it beside the GPU's memory and the wall time."""

from __future__ import annotations

import json
from pathlib import Path

from specocr.params import Params


def _read(path: Path) -> dict | None:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def run_measurements(project: str | Path, params: Params) -> dict[str, dict]:
    """Per base of ``params``: ``sft_seconds``, ``sft_samples_per_second``, ``dpo_seconds``, ``dpo_pairs``,
    ``quant_method``, ``quant_seconds``, ``weights_mb`` (float and quantized) and ``pages_per_second`` per stage of
    ``eval.stages``; a stage that did not run is absent, never zero."""
    project = Path(project)
    measured: dict[str, dict] = {}
    for base in params.bases:
        row: dict = {}
        sft = _read(project / "reports" / "sft" / base / "summary.json")
        if sft:
            row |= {"sft_seconds": sft["seconds_this_run"], "sft_samples_per_second": sft["train_samples_per_second"]}
        dpo = _read(project / "reports" / "dpo" / base / "summary.json")
        if dpo:
            row |= {"dpo_seconds": dpo["seconds_this_run"], "dpo_pairs": dpo["pairs"]}
        quant = _read(project / "reports" / "quant" / base / "summary.json")
        if quant:
            row |= {"quant_method": quant["method"], "quant_seconds": quant["quantize_seconds"],
                    "weights_mb": {"float": quant["float_weight_bytes"] / 1e6,
                                   "quantized": quant["quantized_weight_bytes"] / 1e6}}
        pages = {stage: timing["pages_per_second"] for stage in params.eval.stages
                 if (timing := _read(project / "results" / base / stage / "timing.json"))}
        if pages:
            row["pages_per_second"] = pages
        measured[base] = row
    return measured
