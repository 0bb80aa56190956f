"""The paper-scale path on a CUDA GPU, end to end, on stand-ins: `make repro STACK=gpu` of bench/gpu_rehearsal.yaml
(params/paper-cpu.yaml's stand-ins and sizes; bf16 training with LoRA, AWQ with llm-compressor, vLLM decoding), in a
fresh clone of the project's committed state, sampling the GPU's memory while it runs. Writes
OUT/gpu_rehearsal.json: the GPU, wall time, peak GPU memory, and per base what the run measured (specocr.report.measured.run_measurements: SFT and DPO
seconds, AWQ seconds and sizes, pages/s per stage).

    python3 bench/gpu_rehearsal.py OUT [--stack gpu]

The machine needs Python 3.11, the NVIDIA driver and the package index (make setup STACK=gpu installs vLLM and
CUDA's torch, ~10 GB); `--stack cpu` runs the same steps on a CPU with Hugging Face decoding (a check of this
script, not a rehearsal). The stand-ins read nothing: this measures that the stack runs and how fast, not quality.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OVERLAY = "bench/gpu_rehearsal.yaml"


def gpu_name() -> str | None:
    if shutil.which("nvidia-smi") is None:
        return None
    query = subprocess.run(["nvidia-smi", "--query-gpu=name,memory.total", "--format=csv,noheader"],
                           capture_output=True, text=True)
    return query.stdout.strip() or None


class MemorySampler(threading.Thread):
    """The largest memory use nvidia-smi reports on any GPU, sampled twice a second (every process's, vLLM's
    engine included, which torch's own counters in the stage processes would miss)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak_mib = 0
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            query = subprocess.run(["nvidia-smi", "--query-gpu=memory.used", "--format=csv,noheader,nounits"],
                                   capture_output=True, text=True)
            used = [int(line) for line in query.stdout.split() if line.strip().isdigit()]
            self.peak_mib = max([self.peak_mib, *used])
            self.stopped.wait(0.5)


def fresh_clone(destination: Path) -> Path:
    """A clone of this checkout's committed state, as a reproducer has it."""
    subprocess.run(["git", "clone", "-q", str(ROOT), str(destination)], check=True)
    return destination


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="folder for gpu_rehearsal.json and the run's log")
    parser.add_argument("--stack", choices=["gpu", "cpu"], default="gpu")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    gpu = gpu_name()
    if args.stack == "gpu" and gpu is None:
        sys.exit("error: no NVIDIA GPU (nvidia-smi not found or silent); --stack cpu checks this script on a CPU")
    project = fresh_clone(args.out / "project")
    overlay = OVERLAY
    if args.stack == "cpu":  # vLLM needs CUDA: the check decodes with Hugging Face generate
        (project / "bench" / "gpu_rehearsal_cpu.yaml").write_text(
            "overlay_of: gpu_rehearsal.yaml\neval: {backend: hf}\n", encoding="utf-8")
        overlay = "bench/gpu_rehearsal_cpu.yaml"
    sampler = MemorySampler()
    if gpu is not None:
        sampler.start()
    started = time.perf_counter()
    with (args.out / "repro.log").open("w", encoding="utf-8") as log:
        run = subprocess.run(["make", "repro", f"STACK={args.stack}", f"PARAMS={overlay}"], cwd=project,
                             stdout=log, stderr=subprocess.STDOUT)
    wall_seconds = time.perf_counter() - started
    sampler.stopped.set()
    measured = subprocess.run(  # in the environment the run built, which has specocr's dependencies
        [str(project / (".venv-gpu" if args.stack == "gpu" else ".venv") / "bin" / "python"), "-c",
         "import json, sys; from specocr.params import load_params; from specocr.report.measured import "
         "run_measurements; print(json.dumps(run_measurements('.', load_params(sys.argv[1]))))", overlay],
        cwd=project, capture_output=True, text=True, check=True)
    report = {"gpu": gpu, "stack": args.stack, "exit_code": run.returncode, "wall_seconds": wall_seconds,
              "peak_gpu_memory_mib": sampler.peak_mib if gpu is not None else None,
              "bases": json.loads(measured.stdout)}
    (args.out / "gpu_rehearsal.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    print(json.dumps(report, indent=1))
    sys.exit(run.returncode)


if __name__ == "__main__":
    main()
