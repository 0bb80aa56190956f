"""Loading any base or fine-tuned model folder: the zoo's, or one saved by transformers from the Hub."""

from __future__ import annotations

from pathlib import Path

import torch


def is_model_folder(path: str | Path) -> bool:
    return (Path(path) / "config.json").is_file()


def load_model_folder(folder: str | Path, dtype: torch.dtype = torch.float32, device: str | None = None):
    """Model and processor from a ``save_pretrained`` folder. The processor is loaded with
    ``trust_remote_code=True`` because zoo folders carry their processor's code (a folder you pass here is
    code you run). Padding goes on the left, as batched generation needs."""
    from transformers import AutoModelForImageTextToText, AutoProcessor

    folder = Path(folder)
    if not is_model_folder(folder):
        raise FileNotFoundError(f"no model in {folder} (config.json missing)")
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    model = AutoModelForImageTextToText.from_pretrained(folder, dtype=dtype).to(device)
    processor = AutoProcessor.from_pretrained(folder, trust_remote_code=True)
    processor.tokenizer.padding_side = "left"
    return model, processor
