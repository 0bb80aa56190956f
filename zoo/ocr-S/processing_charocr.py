"""The processor of specocr's tiny Qwen2.5-VL models: Qwen2.5-VL's, without a video processor.

Qwen2.5-VL's own processor insists on a video processor, which needs torchvision; torchvision does not run
beside the CPU build of torch that specocr uses. Models only read images here, so this class drops the
video processor and keeps everything else (image tokens, chat template, batching) from Qwen2.5-VL.

This file is self-contained (transformers only) because ``save_pretrained`` copies it into every model
folder: ``AutoProcessor.from_pretrained(folder, trust_remote_code=True)``, as trl calls it, then works
offline, with or without specocr installed.
"""

from __future__ import annotations

from transformers import Qwen2_5_VLProcessor
from transformers.processing_utils import ProcessorMixin


class CharOCRProcessor(Qwen2_5_VLProcessor):
    """Qwen2.5-VL processing for images and text only (no video processor, so no torchvision)."""

    def __init__(self, image_processor=None, tokenizer=None, chat_template=None, **kwargs):
        self.image_token = "<|image_pad|>"
        self.video_token = "<|video_pad|>"
        self.image_token_id = tokenizer.convert_tokens_to_ids(self.image_token)
        self.video_token_id = tokenizer.convert_tokens_to_ids(self.video_token)
        ProcessorMixin.__init__(self, image_processor, tokenizer, chat_template=chat_template)


CharOCRProcessor.register_for_auto_class("AutoProcessor")
