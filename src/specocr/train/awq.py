"""AWQ with llm-compressor (``quant.method: awq``): the paper's deployment model, 4-bit weights.

The paper served an AWQ-quantized DharmaOCR ("reduced up to 22% per-page cost with negligible quality loss").
Here the SFT+DPO model's language-model linear layers get AWQ's activation-aware scales (calibrated on training
pages, the base's prompt and the page's answer) and then 4-bit symmetric integer weights with one scale per
group of ``group_size`` input columns, 16-bit activations (W4A16); the vision tower and ``lm_head`` stay as
they are. The folder is saved in compressed-tensors format, which vLLM serves and which Hugging Face
``from_pretrained`` loads where the ``compressed-tensors`` package is installed (the CPU environment has it).

llm-compressor pins versions of transformers and compressed-tensors that neither the CPU environment nor vLLM's
accept, so it has an environment of its own (``make setup-awq``: ``.venv-awq``). :func:`run_awq` runs this
module there as a subprocess (``python -m specocr.train.awq``) with the project's ``src`` on its path; the
functions below that import llm-compressor run only there, and this module imports nothing at load time that
the AWQ environment lacks.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

#: Where ``make setup-awq`` puts the AWQ environment's interpreter, relative to the project.
DEFAULT_AWQ_PYTHON = Path(".venv-awq") / "bin" / "python"
#: The variable that points the quant stage at another interpreter (the tests use the repository's).
AWQ_PYTHON_VARIABLE = "SPECOCR_AWQ_PYTHON"
#: Modules left unquantized. llm-compressor writes the names in the checkpoint's spelling (``visual.*``), which
#: Hugging Face's loader does not map back to its module names (``model.visual.*``), so the vision tower is
#: named by a pattern that matches both; vLLM reads ``re:`` patterns too.
UNQUANTIZED = ["lm_head", "re:(model[.])?visual[.].*"]
#: The decoder layer llm-compressor calibrates one at a time (Qwen2.5-VL's, the architecture of every base).
SEQUENTIAL_TARGETS = ["Qwen2_5_VLDecoderLayer"]


def weights_scheme(group_size: int) -> dict:
    """W4A16: 4-bit symmetric integer weights, one scale per group of ``group_size`` input columns."""
    return {"num_bits": 4, "type": "int", "symmetric": True, "strategy": "group", "group_size": group_size}


def awq_recipe(group_size: int) -> list:
    """llm-compressor's AWQ smoothing, then the W4A16 quantization of every linear layer but :data:`UNQUANTIZED`."""
    from llmcompressor.modifiers.quantization import QuantizationModifier
    from llmcompressor.modifiers.transform.awq import AWQModifier

    return [AWQModifier(duo_scaling=True),
            QuantizationModifier(config_groups={"group_0": {"targets": ["Linear"],
                                                            "weights": weights_scheme(group_size)}},
                                 ignore=list(UNQUANTIZED))]


def calibration_set(processor, pages, prompt: str, max_seq_length: int):
    """The calibration pages as model inputs: each page's image, the prompt and its answer, chat-templated as in
    SFT, so that AWQ sees the activations of reading and of writing the answer."""

    def encode(row: dict) -> dict:
        messages = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": prompt}]},
                    {"role": "assistant", "content": [{"type": "text", "text": row["assistant"]}]}]
        text = processor.apply_chat_template(messages, tokenize=False)
        encoded = processor(text=[text], images=[row["image"]], return_tensors="pt")
        if encoded["input_ids"].shape[1] > max_seq_length:
            raise ValueError(f"a calibration page has {encoded['input_ids'].shape[1]} tokens, above "
                             f"quant.awq.max_seq_length {max_seq_length}")
        return {key: value.tolist() for key, value in encoded.items()}

    return pages.select_columns(["image", "assistant"]).map(encode, remove_columns=["image", "assistant"])


def one_page_batch(batch: list[dict]) -> dict:
    """llm-compressor's collator: one page per forward pass (pages differ in image size)."""
    import torch

    (row,) = batch
    return {key: torch.tensor(value) for key, value in row.items()}


def skip_pinning_without_accelerator() -> None:
    """llm-compressor pins cached activations for host-to-device copies, which raises on a machine without a
    GPU; on a CPU there is no copy to speed up, so the CPU rehearsal leaves them unpinned."""
    import torch
    from llmcompressor.pipelines.cache import IntermediatesCache

    if not torch.cuda.is_available():
        IntermediatesCache._pin_intermediate = classmethod(lambda cls, intermediate: None)


def quantize_awq(source: Path, destination: Path, data: Path, documents: int, group_size: int,
                 max_seq_length: int, seed: int) -> dict:
    """AWQ-quantize the model in ``source`` into ``destination`` (replaced if present), calibrated on
    ``documents`` pages of the train split of the dataset saved in ``data``; returns sizes and timings."""
    import shutil

    import datasets
    import torch
    from llmcompressor import oneshot
    from transformers import AutoModelForImageTextToText

    from specocr.models.conventions import CONVENTIONS_FILE, folder_prompt
    from specocr.models.qwen_processor import load_processor

    skip_pinning_without_accelerator()
    model = AutoModelForImageTextToText.from_pretrained(source, dtype="auto")
    saved_dtype = model.dtype
    if not torch.cuda.is_available():  # half-precision products on a CPU overflow AWQ's grid search (NaN losses)
        model = model.float()
    processor = load_processor(source)
    train = datasets.load_from_disk(str(data))["train"]
    pages = train.shuffle(seed=seed).select(range(min(documents, len(train))))
    calibration = calibration_set(processor, pages, folder_prompt(source), max_seq_length)
    started = time.perf_counter()
    oneshot(model=model, processor=processor, recipe=awq_recipe(group_size), dataset=calibration,
            num_calibration_samples=len(calibration), max_seq_length=max_seq_length, data_collator=one_page_batch,
            sequential_targets=SEQUENTIAL_TARGETS)
    quantize_seconds = time.perf_counter() - started
    if destination.exists():
        shutil.rmtree(destination)
    model.to(saved_dtype)  # the unquantized layers (vision tower, embeddings) keep the source's size
    model.save_pretrained(destination, save_compressed=True)
    processor.save_pretrained(destination)
    if (source / CONVENTIONS_FILE).is_file():
        shutil.copy2(source / CONVENTIONS_FILE, destination / CONVENTIONS_FILE)
    config_path = destination / "config.json"
    config = json.loads(config_path.read_text(encoding="utf-8"))
    config["quantization_config"]["ignore"] = list(UNQUANTIZED)  # see UNQUANTIZED
    config_path.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    return {"method": "awq", "source": source.name, "scheme": "W4A16", "group_size": group_size,
            "calibration_documents": len(calibration),
            "float_weight_bytes": sum(f.stat().st_size for f in source.glob("*.safetensors")),
            "quantized_weight_bytes": sum(f.stat().st_size for f in destination.glob("*.safetensors")),
            "quantize_seconds": quantize_seconds}


def awq_python(project: Path = Path(".")) -> Path:
    """The AWQ environment's interpreter: ``$SPECOCR_AWQ_PYTHON``, or ``.venv-awq/bin/python`` in ``project``."""
    return Path(os.environ.get(AWQ_PYTHON_VARIABLE) or project / DEFAULT_AWQ_PYTHON)


def run_awq(source: str | Path, destination: str | Path, data: str | Path, documents: int, group_size: int,
            max_seq_length: int, seed: int, threads: int, python: Path | None = None) -> dict:
    """:func:`quantize_awq` in the AWQ environment (a subprocess); its summary. Raises with what to do when the
    environment is missing or the run fails."""
    python = python or awq_python()
    if not python.is_file():
        raise FileNotFoundError(f"quant.method awq runs llm-compressor in its own environment, and {python} is "
                                f"missing: run `make setup-awq` (or point {AWQ_PYTHON_VARIABLE} at its python)")
    source, destination = Path(source).resolve(), Path(destination).resolve()
    summary_file = destination.parent / f".{destination.name}-awq-summary.json"
    source_root = Path(__file__).resolve().parents[2]  # src/, so the environment needs no install of specocr
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(source_root), os.environ.get("PYTHONPATH")])),
               OMP_NUM_THREADS=str(threads))
    command = [str(python), "-m", "specocr.train.awq", "--source", str(source), "--destination", str(destination),
               "--data", str(Path(data).resolve()), "--documents", str(documents), "--group-size", str(group_size),
               "--max-seq-length", str(max_seq_length), "--seed", str(seed), "--threads", str(threads),
               "--summary", str(summary_file)]
    destination.parent.mkdir(parents=True, exist_ok=True)
    completed = subprocess.run(command, env=env, capture_output=True, text=True)
    if completed.returncode != 0:
        raise RuntimeError(f"AWQ failed (exit {completed.returncode}) in {python}:\n{completed.stderr[-4000:]}")
    summary = json.loads(summary_file.read_text(encoding="utf-8"))
    summary_file.unlink()
    return summary


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="AWQ (W4A16) of a model folder with llm-compressor")
    parser.add_argument("--source", type=Path, required=True)
    parser.add_argument("--destination", type=Path, required=True)
    parser.add_argument("--data", type=Path, required=True, help="a dataset saved with a train split")
    parser.add_argument("--documents", type=int, required=True)
    parser.add_argument("--group-size", type=int, required=True)
    parser.add_argument("--max-seq-length", type=int, required=True)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--summary", type=Path, required=True, help="where the summary JSON goes")
    args = parser.parse_args(argv)
    import torch

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    summary = quantize_awq(args.source, args.destination, args.data, args.documents, args.group_size,
                           args.max_seq_length, args.seed)
    args.summary.write_text(json.dumps(summary, indent=1), encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
