"""int8 dynamic quantization of a model's linear layers, and loading a folder the quant stage wrote.

Every ``nn.Linear`` gets int8 weights (one scale per tensor) and quantizes its activations on the fly
(PyTorch's dynamic quantization): the folder holds the config, the processor, the int8 state dict
(:data:`QUANTIZED_WEIGHTS`) and :data:`QUANTIZATION_FILE`. Writing such a folder is the quant stage's
(:mod:`specocr.train.quant`); loading it is here, beside the other model loaders.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import torch

QUANTIZED_WEIGHTS = "model_int8.pt"
QUANTIZATION_FILE = "quantization.json"


def quantize_int8(model: torch.nn.Module) -> torch.nn.Module:
    """``model`` with every ``nn.Linear`` replaced by its dynamically quantized int8 version (a copy)."""
    from torch.ao.quantization import quantize_dynamic

    with warnings.catch_warnings():
        # torch.ao's quantized tensors are deprecated in favour of torchao, but remain the CPU path that
        # needs no extra package; the warning repeats once per layer.
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        return quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8, inplace=False)


def is_quantized_folder(folder: str | Path) -> bool:
    return (Path(folder) / QUANTIZATION_FILE).is_file()


def load_quantized(folder: str | Path):
    """The int8 model in ``folder`` (built from its config, quantized, then given the saved int8 weights)."""
    from transformers import AutoConfig, AutoModelForImageTextToText

    folder = Path(folder)
    config = AutoConfig.from_pretrained(folder)
    model = AutoModelForImageTextToText.from_config(config, dtype=torch.float32)
    model = quantize_int8(model.eval())
    # The packed int8 parameters are TorchScript objects, which weights_only loading refuses: this file is
    # one the quant stage wrote, like any pickle a pipeline hands itself.
    state = torch.load(folder / QUANTIZED_WEIGHTS, map_location="cpu", weights_only=False)
    model.load_state_dict(state, strict=True)
    return model.eval()
