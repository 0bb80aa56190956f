"""int8 quantization of a model's linear layers (weights and inputs), and loading a folder the quant stage wrote.

Every ``nn.Linear`` becomes an :class:`Int8Linear`: int8 weights with one scale per output channel, and an
input quantized to int8 on the fly with one scale per token; the product runs as an int8 matrix
multiplication with int32 sums (``torch._int_mm``), rescaled to float. Per token, not per tensor: with one
scale for a whole batch (PyTorch's ``quantize_dynamic``), the other documents of the batch and its padding set
each document's rounding, and the same model read the same validation documents at CER 0.116 one at a time and
0.157 in batches of 32 (experiments/README.md, "int8"). torchao has this scheme, but installing it makes every
``transformers`` import load it (~2.7 s per process, and warnings about its CUDA kernels on a CPU build).

The folder holds the config, the processor, the int8 state dict (:data:`QUANTIZED_WEIGHTS`, plain tensors) and
:data:`QUANTIZATION_FILE`. Writing such a folder is the quant stage's (:mod:`specocr.train.quant`); loading it
is here, beside the other model loaders.
"""

from __future__ import annotations

import copy
from pathlib import Path

import torch

QUANTIZED_WEIGHTS = "model_int8.pt"
QUANTIZATION_FILE = "quantization.json"
#: What :func:`quantize_int8` does, as the folder's quantization.json records it.
SCHEME = {"method": "int8_dynamic", "modules": "torch.nn.Linear", "weight_scales": "per output channel",
          "activation_scales": "per token", "product": "int8 x int8 -> int32 (torch._int_mm)"}
_INT8_MAX = 127


def _int8_rows(values: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Each row of ``values`` as int8 with its own scale (symmetric, max-abs): ``values ~ int8 * scale``."""
    scale = values.abs().amax(dim=-1, keepdim=True).clamp(min=torch.finfo(torch.float32).tiny) / _INT8_MAX
    return torch.round(values / scale).clamp(-_INT8_MAX, _INT8_MAX).to(torch.int8), scale


class Int8Linear(torch.nn.Module):
    """``x @ W.T + b`` with ``W`` in int8 (a scale per output channel) and ``x`` quantized per token."""

    def __init__(self, in_features: int, out_features: int, bias: bool) -> None:
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        # Stored transposed (in x out), the layout torch._int_mm multiplies by.
        self.register_buffer("weight_int8", torch.zeros(in_features, out_features, dtype=torch.int8))
        self.register_buffer("weight_scale", torch.ones(out_features))
        self.register_buffer("bias", torch.zeros(out_features) if bias else None)

    @classmethod
    def from_linear(cls, linear: torch.nn.Linear) -> Int8Linear:
        layer = cls(linear.in_features, linear.out_features, linear.bias is not None)
        weight, scale = _int8_rows(linear.weight.detach().float())
        layer.weight_int8.copy_(weight.t())
        layer.weight_scale.copy_(scale.squeeze(1))
        if linear.bias is not None:
            layer.bias.copy_(linear.bias.detach().float())
        return layer

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        rows, scale = _int8_rows(x.reshape(-1, self.in_features).float())
        out = torch._int_mm(rows, self.weight_int8).float() * scale * self.weight_scale
        if self.bias is not None:
            out = out + self.bias
        return out.reshape(*x.shape[:-1], self.out_features).to(x.dtype)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


def _replace_linears(model: torch.nn.Module, make) -> torch.nn.Module:
    for module in list(model.modules()):
        for child_name, child in list(module.named_children()):
            if type(child) is torch.nn.Linear:
                setattr(module, child_name, make(child))
    return model


def quantize_int8(model: torch.nn.Module) -> torch.nn.Module:
    """A copy of ``model`` whose every ``nn.Linear`` is an :class:`Int8Linear`."""
    return _replace_linears(copy.deepcopy(model), Int8Linear.from_linear)


def is_quantized_folder(folder: str | Path) -> bool:
    return (Path(folder) / QUANTIZATION_FILE).is_file()


def load_quantized(folder: str | Path):
    """The int8 model in ``folder``: built from its config with :class:`Int8Linear` layers, then given the
    saved int8 weights."""
    from transformers import AutoConfig, AutoModelForImageTextToText

    folder = Path(folder)
    model = AutoModelForImageTextToText.from_config(AutoConfig.from_pretrained(folder), dtype=torch.float32)
    model = _replace_linears(model, lambda linear: Int8Linear(linear.in_features, linear.out_features,
                                                              linear.bias is not None))
    state = torch.load(folder / QUANTIZED_WEIGHTS, map_location="cpu", weights_only=True)
    model.load_state_dict(state, strict=True)
    return model.eval()
