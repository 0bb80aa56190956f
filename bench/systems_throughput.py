"""Pages/s of every system on the same test documents, in one run: the OCR engines and every model.

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python bench/systems_throughput.py --documents 48

Reads the first ``--documents`` test documents of ``data/benchmark`` (run ``dvc repro data`` first) with
Tesseract, RapidOCR and every model folder ``models/<base>/<stage>`` the pipeline has made (``vanilla``,
``sft``, ``dpo``, ``quant``: run ``dvc repro`` first), each through the same functions the stages use, into a temporary folder, and prints pages/s and each system's speed relative to
Tesseract. Absolute times depend on the machine and on what else runs; the ratios are what carry over.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import torch

from specocr.baselines import ENGINES, get_engine
from specocr.data import load_benchmark
from specocr.evaluate.generate import predict_with_model
from specocr.evaluate.run import predict_with_engine, write_metrics
from specocr.models.registry import is_model_folder, load_model_folder
from specocr.params import load_params
from specocr.paths import BENCHMARK_DIR, project_root


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=48)
    args = parser.parse_args()
    root = project_root()
    params = load_params(root / "params.yaml")
    torch.set_num_threads(params.eval.threads)
    test = load_benchmark("synthetic", root / BENCHMARK_DIR, split="test")
    test = test.select(range(min(args.documents, len(test))))
    degeneration = params.eval.degeneration
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        systems: list[tuple[str, Path]] = [(engine, Path(scratch) / engine) for engine in ENGINES]
        folders = {f"{name} {stage}": root / "models" / name / stage for name in params.bases
                   for stage in params.eval.stages if is_model_folder(root / "models" / name / stage)}
        systems += [(name, Path(scratch) / name.replace(" ", "-")) for name in folders]
        for name, out_dir in systems:
            if name in ENGINES:
                with get_engine(name, params.baselines) as engine:
                    predict_with_engine(engine.read, test, out_dir, name)
            else:
                model, processor = load_model_folder(folders[name])
                predict_with_model(model, processor, test, out_dir, params.eval.max_new_tokens,
                                   params.eval.batch_size, name)
            metrics = write_metrics(out_dir, test, degeneration.tail_chars, degeneration.min_repeats,
                                    params.eval.bootstrap_resamples, params.eval.confidence, params.seed)
            rows.append((name, metrics.pages_per_second, metrics.score.mean, metrics.hit_token_limit_rate))
    reference = rows[0][1]
    print(f"{len(test)} test documents, {params.eval.threads} torch thread(s) for the models")
    print(f"{'system':22} {'pages/s':>8} {'x Tesseract':>12} {'score':>6} {'hit cap %':>9}")
    for name, pages_per_second, score, capped in rows:
        print(f"{name:22} {pages_per_second:8.2f} {pages_per_second / reference:12.3f} {score:6.3f} {capped:9.1f}")


if __name__ == "__main__":
    main()
