"""The quantized variant (stage ``quant@<base>``): int8 dynamic quantization of the final model on a CPU.

Every ``nn.Linear`` gets int8 weights (one scale per output channel) and quantizes its input on the fly, one
scale per token (:func:`specocr.models.int8.quantize_int8`): no calibration data, and the result runs on any
x86 or ARM CPU. The folder holds the config, the processor, the int8 state dict
(``model_int8.pt``) and ``quantization.json``; :func:`specocr.models.registry.load_model_folder` loads it
like any other model. The paper served an AWQ-quantized model on GPUs; at paper scale that is the
documented path (``quant.method: awq``), which needs a GPU and is not run here.
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
    summary = {"source": str(source), "float_weight_bytes": float_bytes,
               "int8_weight_bytes": (destination / QUANTIZED_WEIGHTS).stat().st_size,
               "quantize_seconds": quantize_seconds, "load_seconds": load_seconds}
    (destination / "quantization_summary.json").write_text(json.dumps(summary, indent=1), encoding="utf-8")
    if card is not None:
        (destination / "README.md").write_text(card, encoding="utf-8")
    return summary


def quant_card(summary: dict, context: dict) -> str:
    base = context.get("base", summary["source"])
    return card_header(context.get("name", "specocr int8 model"), base, ["int8", "quantized"]) + f"""
`{base}` with int8 dynamic quantization of every linear layer (int8 weights with a scale per output channel,
inputs quantized on the fly with a scale per token, int8 products summed in int32), for CPU inference: the
analogue of the paper's AWQ-quantized deployment model. Load it with
`specocr.models.registry.load_model_folder` (this folder holds an int8 state dict, `{QUANTIZED_WEIGHTS}`, not
safetensors).

| | |
|---|---|
| weights | {summary['int8_weight_bytes'] / 1e6:.2f} MB int8 (from {summary['float_weight_bytes'] / 1e6:.2f} MB) |
| quantization time | {summary['quantize_seconds']:.2f} s |
| load time | {summary['load_seconds']:.2f} s |
"""
