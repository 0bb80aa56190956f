"""The quantized variant (stage ``quant@<base>``): int8 dynamic quantization of the final model on a CPU
(``quant.method: int8_dynamic``; AWQ for vLLM is :mod:`specocr.train.awq`).

Every ``nn.Linear`` gets int8 weights (one scale per output channel) and quantizes its input on the fly, one
scale per token (:func:`specocr.models.int8.quantize_int8`): no calibration data, and the result runs on any
x86 or ARM CPU. The folder holds the config, the processor, the int8 state dict
(``model_int8.pt``) and ``quantization.json``; :func:`specocr.models.registry.load_model_folder` loads it
like any other model: the CPU analogue of the paper's AWQ-quantized deployment model.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import torch

from specocr.models.int8 import QUANTIZATION_FILE, QUANTIZED_WEIGHTS, SCHEME, load_quantized, quantize_int8
from specocr.train.common import card_header

#: Files of a model folder carried over unchanged (everything but the float weights).
_CARRIED = ("*.json", "*.jinja", "*.py", "*.txt")


def quantize_folder(source: str | Path, destination: str | Path, card: str | None = None) -> dict:
    """Quantize the model in ``source`` into ``destination`` (replaced if present); returns sizes and
    timings: float and int8 weight bytes, seconds to quantize, seconds to load the result."""
    from specocr.models.registry import load_model_folder

    source, destination = Path(source), Path(destination)
    model, _ = load_model_folder(source, device="cpu")
    started = time.perf_counter()
    quantized = quantize_int8(model.eval())
    quantize_seconds = time.perf_counter() - started
    if destination.exists():
        shutil.rmtree(destination)
    destination.mkdir(parents=True)
    for pattern in _CARRIED:
        for file in source.glob(pattern):
            if file.name != QUANTIZATION_FILE:
                shutil.copy2(file, destination / file.name)
    torch.save(quantized.state_dict(), destination / QUANTIZED_WEIGHTS)
    float_bytes = sum(f.stat().st_size for f in source.glob("*.safetensors"))
    (destination / QUANTIZATION_FILE).write_text(json.dumps(
        {**SCHEME, "weights": QUANTIZED_WEIGHTS, "float_weights_dtype": str(next(model.parameters()).dtype)},
        indent=1), encoding="utf-8")
    started = time.perf_counter()
    load_quantized(destination)
    load_seconds = time.perf_counter() - started
    summary = {"method": "int8_dynamic", "source": source.name, "float_weight_bytes": float_bytes,
               "quantized_weight_bytes": (destination / QUANTIZED_WEIGHTS).stat().st_size,
               "quantize_seconds": quantize_seconds, "load_seconds": load_seconds}
    (destination / "quantization_summary.json").write_text(json.dumps(summary, indent=1), encoding="utf-8")
    if card is not None:
        (destination / "README.md").write_text(card, encoding="utf-8")
    return summary


def quant_card(summary: dict, context: dict) -> str:
    base = context.get("base", summary["source"])
    if summary["method"] == "awq":
        tags = ["awq", "w4a16", "compressed-tensors"]
        what = f"""`{base}` with AWQ (llm-compressor): activation-aware scales calibrated on
{summary['calibration_documents']} training pages, then 4-bit symmetric integer weights with a scale per
{summary['group_size']} input columns and 16-bit activations (W4A16) in every linear layer of the language model;
the vision tower and `lm_head` unquantized. Saved in compressed-tensors format: serve it with vLLM, or load it with
`specocr.models.registry.load_model_folder` (Hugging Face, with the `compressed-tensors` package)."""
        weights = f"{summary['quantized_weight_bytes'] / 1e6:.2f} MB W4A16"
    else:
        tags = ["int8", "quantized"]
        what = f"""`{base}` with int8 dynamic quantization of every linear layer (int8 weights with a scale per output
channel, inputs quantized on the fly with a scale per token, int8 products summed in int32), for CPU inference:
the analogue of the paper's AWQ-quantized deployment model. Load it with
`specocr.models.registry.load_model_folder` (this folder holds an int8 state dict, `{QUANTIZED_WEIGHTS}`, not
safetensors)."""
        weights = f"{summary['quantized_weight_bytes'] / 1e6:.2f} MB int8"
    return card_header(context.get("name", "specocr quantized model"), base, tags) + f"""
{what}

| | |
|---|---|
| weights | {weights} (from {summary['float_weight_bytes'] / 1e6:.2f} MB) |
| quantization time | {summary['quantize_seconds']:.2f} s |
| load time | {summary['load_seconds']:.2f} s |
"""
