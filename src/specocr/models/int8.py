"""int8 quantization of a model's linear layers (weights and activations), and loading a folder the quant
stage wrote.

Every ``nn.Linear`` gets int8 weights with one scale per output channel, and its input is quantized to int8 on
the fly with one scale per token (torchao's ``Int8DynamicActivationInt8WeightConfig``; the products run as
int8 matrix multiplications). Per token, not per tensor: with one scale for a whole batch (PyTorch's
``quantize_dynamic``), the other documents of the batch and its padding set each document's rounding, and the
same model read the same validation documents at CER 0.116 one at a time and 0.157 in batches of 32
(bench/README.md, "int8"). The folder holds the config, the processor, the int8 state dict
(:data:`QUANTIZED_WEIGHTS`) and :data:`QUANTIZATION_FILE`. Writing such a folder is the quant stage's
(:mod:`specocr.train.quant`); loading it is here, beside the other model loaders.
"""

from __future__ import annotations

import copy
import logging
from pathlib import Path

import torch

QUANTIZED_WEIGHTS = "model_int8.pt"
QUANTIZATION_FILE = "quantization.json"
#: What :func:`quantize_int8` does, as the folder's quantization.json records it.
SCHEME = {"method": "int8_dynamic", "library": "torchao", "config": "Int8DynamicActivationInt8WeightConfig",
          "modules": "torch.nn.Linear", "weight_scales": "per output channel", "activation_scales": "per token"}


def _int8_config():
    # torchao's wheel carries CUDA kernels that a CPU build of torch cannot load, and says so for each at
    # import; the int8 path used here needs none of them.
    quiet = [logging.getLogger(name) for name in ("torchao", "torch.utils._pytree")]
    levels = [logger.level for logger in quiet]
    for logger in quiet:
        logger.setLevel(logging.ERROR)
    try:
        from torchao.quantization import Int8DynamicActivationInt8WeightConfig
    finally:
        for logger, level in zip(quiet, levels):
            logger.setLevel(level)
    return Int8DynamicActivationInt8WeightConfig()


def quantize_int8(model: torch.nn.Module) -> torch.nn.Module:
    """A copy of ``model`` whose every ``nn.Linear`` holds int8 weights and quantizes its input per token."""
    config = _int8_config()
    from torchao.quantization import quantize_

    quantized = copy.deepcopy(model)
    quantize_(quantized, config)
    return quantized


def is_quantized_folder(folder: str | Path) -> bool:
    return (Path(folder) / QUANTIZATION_FILE).is_file()


def load_quantized(folder: str | Path):
    """The int8 model in ``folder``: built from its config, then given the saved int8 weights in place of the
    float ones."""
    from transformers import AutoConfig, AutoModelForImageTextToText

    _int8_config()  # torchao imported (quietly) before its tensors are unpickled
    folder = Path(folder)
    model = AutoModelForImageTextToText.from_config(AutoConfig.from_pretrained(folder), dtype=torch.float32)
    # The int8 weights are torchao tensor subclasses, which weights_only loading refuses: this file is one the
    # quant stage wrote, like any pickle a pipeline hands itself.
    state = torch.load(folder / QUANTIZED_WEIGHTS, map_location="cpu", weights_only=False)
    model.load_state_dict(state, strict=True, assign=True)
    return model.eval()
