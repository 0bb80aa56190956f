"""How far a base's scores move on a CPU with another instruction set: the same chain, re-run under AVX2.

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python bench/isa_spread.py /tmp/isa --base ocr-S [--set sft.threads=1 ...]

A finished pipeline (run ``dvc repro`` first) is copied to ``OUT/project`` (its git metadata, data, the base's
models and results; not the other bases' models), the base's SFT and DPO checkpoints are removed, and its
``sft``, ``dpo`` and ``eval`` stages (vanilla, SFT, SFT+DPO) are forced to run again with PyTorch's kernels
limited to AVX2 (``ATEN_CPU_CAPABILITY=avx2``) and oneDNN's to AVX2 (``ONEDNN_MAX_CPU_ISA=AVX2``): no AVX-512,
no AVX512-BF16, no AMX, as on most laptops and many cloud machines. bf16 autocast still runs there, with other
kernels and other rounding, so this measures the spread between machines that the same parameters give. The
scores of the copy are compared with the original's and written to ``OUT/spread.json``. On the machine it
emulates the run would also be slower: its wall time is printed but measures the emulation, not that machine.
``--set KEY=VALUE`` changes the copy's params (``sft.precision=fp32``: what ``auto`` picks on such a CPU, for a
pipeline whose params name a precision; ``sft.threads=1``: beside other work); ``spread.json`` lists them.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import yaml

from specocr.paths import project_root

#: What a CPU without AVX-512 runs: PyTorch's AVX2 kernels and oneDNN's AVX2 code paths.
AVX2_ENVIRONMENT = {"ATEN_CPU_CAPABILITY": "avx2", "ONEDNN_MAX_CPU_ISA": "AVX2"}
STAGES = ("vanilla", "sft", "dpo")


def copy_project(root: Path, target: Path, base: str) -> None:
    """The project without other bases' models, and without the base's resumable checkpoints."""
    keep_models = {base}

    def ignore(folder: str, names: list[str]) -> set[str]:
        if Path(folder) == root / "models":
            return {name for name in names if name not in keep_models}
        return {name for name in names if name in {".venv", "__pycache__"}}

    shutil.copytree(root, target, ignore=ignore, symlinks=True)
    for work in ("sft-checkpoints", "dpo-work"):
        shutil.rmtree(target / "models" / base / work, ignore_errors=True)


def set_params(params_file: Path, assignments: list[str]) -> dict[str, object]:
    """Apply ``KEY=VALUE`` assignments (dotted keys, YAML values) to a params file; returns what was set."""
    params = yaml.safe_load(params_file.read_text(encoding="utf-8"))
    changed = {}
    for assignment in assignments:
        key, _, value = assignment.partition("=")
        *parents, leaf = key.split(".")
        node = params
        for parent in parents:
            node = node[parent]
        if leaf not in node:
            raise SystemExit(f"error: --set {key}: no such key in {params_file}")
        node[leaf] = changed[key] = yaml.safe_load(value)
    params_file.write_text(yaml.safe_dump(params, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return changed


def scores(project: Path, base: str) -> dict[str, dict[str, float]]:
    out = {}
    for stage in STAGES:
        metrics = json.loads((project / "results" / base / stage / "metrics.json").read_text(encoding="utf-8"))
        row = {"score": metrics["score"]["mean"], "levenshtein": metrics["levenshtein"], "bleu": metrics["bleu"]}
        row.update({f"score_{category}": value["score"] for category, value in metrics["per_category"].items()})
        out[stage] = row
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--base", default="ocr-S")
    parser.add_argument("--project", type=Path, default=None, help="a finished pipeline (default: this project)")
    parser.add_argument("--set", dest="assignments", action="append", default=[], metavar="KEY=VALUE",
                        help="change the copy's params.yaml (dotted key, YAML value); repeatable")
    args = parser.parse_args()
    root = (args.project or project_root()).resolve()
    original = scores(root, args.base)
    copy = args.out / "project"
    if copy.exists():
        raise SystemExit(f"error: {copy} exists; use another OUT")
    args.out.mkdir(parents=True, exist_ok=True)
    copy_project(root, copy, args.base)
    changed = set_params(copy / "params.yaml", args.assignments)
    stages = [f"sft@{args.base}", f"dpo@{args.base}"] + [f"eval@{args.base}-{stage}" for stage in STAGES]
    started = time.perf_counter()
    environment = {**os.environ, **AVX2_ENVIRONMENT,
                   "PATH": f"{root / '.venv' / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"}
    subprocess.run(["dvc", "repro", "--force", "--single-item", *stages], cwd=copy, env=environment, check=True)
    seconds = time.perf_counter() - started
    emulated = scores(copy, args.base)
    spread = {stage: {key: emulated[stage][key] - original[stage][key] for key in original[stage]}
              for stage in STAGES}
    result = {"base": args.base, "environment": AVX2_ENVIRONMENT, "params_set": changed, "original": original,
              "avx2": emulated, "difference": spread, "seconds": round(seconds)}
    (args.out / "spread.json").write_text(json.dumps(result, indent=1), encoding="utf-8")
    print(f"{'stage':<8} {'metric':<18} {'native':>8} {'AVX2':>8} {'diff':>8}")
    for stage in STAGES:
        for key, value in original[stage].items():
            print(f"{stage:<8} {key:<18} {value:8.4f} {emulated[stage][key]:8.4f} {spread[stage][key]:+8.4f}")
    largest = max(abs(value) for stage in spread.values() for value in stage.values())
    print(f"largest difference {largest:.4f}; the AVX2 run took {seconds:.0f} s (emulated)")


if __name__ == "__main__":
    main()
