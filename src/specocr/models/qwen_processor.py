"""Loading a Qwen2.5-VL processor where torchvision is absent (this project's CPU stack).

``Qwen2_5_VLProcessor`` holds an image processor, a tokenizer and a video processor; transformers' video
processors need torchvision, which does not install beside the pinned CPU build of torch. Documents are
images, so :class:`ImageOnlyQwen2_5_VLProcessor` is the same processor without the video part: the same
chat template, image-token expansion and outputs. It saves the files of ``Qwen2_5_VLProcessor`` itself, so a
folder written here loads with ``AutoProcessor`` wherever torchvision is installed (a GPU machine).
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

from transformers import AutoProcessor, Qwen2_5_VLProcessor
from transformers.processing_utils import ProcessorMixin

#: Processors that have an image-only stand-in here, by the class name their folders record.
_IMAGE_ONLY = {"Qwen2_5_VLProcessor"}


class ImageOnlyQwen2_5_VLProcessor(Qwen2_5_VLProcessor):
    """``Qwen2_5_VLProcessor`` with images and text only (no video processor)."""

    def __init__(self, image_processor=None, tokenizer=None, chat_template=None, **kwargs):
        self.image_token = getattr(tokenizer, "image_token", None) or "<|image_pad|>"
        self.video_token = getattr(tokenizer, "video_token", None) or "<|video_pad|>"
        self.image_token_id = getattr(tokenizer, "image_token_id", None) or tokenizer.convert_tokens_to_ids(self.image_token)
        self.video_token_id = getattr(tokenizer, "video_token_id", None) or tokenizer.convert_tokens_to_ids(self.video_token)
        ProcessorMixin.__init__(self, image_processor, tokenizer, chat_template=chat_template)


# Saved under the name of the processor it stands in for (processor_config.json, tokenizer_config.json).
ImageOnlyQwen2_5_VLProcessor.__name__ = "Qwen2_5_VLProcessor"


def torchvision_available() -> bool:
    return importlib.util.find_spec("torchvision") is not None


def saved_processor_class(folder: str | Path) -> str | None:
    """The processor class a saved folder names (processor_config.json, else preprocessor_config.json)."""
    for name in ("processor_config.json", "preprocessor_config.json"):
        path = Path(folder) / name
        if path.is_file():
            recorded = json.loads(path.read_text(encoding="utf-8")).get("processor_class")
            if recorded:
                return recorded
    return None


def load_processor(folder: str | Path):
    """The processor saved in ``folder``: ``AutoProcessor`` (with the folder's own code, for the zoo's), or,
    without torchvision, the image-only Qwen2.5-VL processor for a folder that names ``Qwen2_5_VLProcessor``."""
    if not torchvision_available() and saved_processor_class(folder) in _IMAGE_ONLY:
        return ImageOnlyQwen2_5_VLProcessor.from_pretrained(folder)
    return AutoProcessor.from_pretrained(folder, trust_remote_code=True)
