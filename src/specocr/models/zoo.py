"""Building the tiny Qwen2.5-VL models of the embedded default: tokenizer, processor, config, weights.

The paper's base models are Qwen2.5-VL-3B/7B-Instruct and their OCR derivatives. The zoo keeps that
architecture (``Qwen2_5_VLForConditionalGeneration``, built from a config with random weights) at a size a
2-core CPU can train, with three choices measured in shared/research/tiny-vlm-feasibility.md:

* one token per character (printable ASCII, Latin-1 and Latin Extended-A, so every Portuguese letter and
  any other Latin-script domain fit without a new tokenizer);
* 8 px vision patches without merging: one vision token per character column of a 16 px line;
* M-RoPE sections ``[2, 2, 28]`` with ``rope_theta`` 100, so that text positions can tell image columns
  apart (with Qwen's defaults a tiny model's rotary phase moves 0.13 rad across a whole line).

A built model is saved with ``save_pretrained`` into one folder that transformers and trl load by path.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import torch
from tokenizers import AddedToken, Tokenizer, decoders, models
from transformers import PreTrainedTokenizerFast, Qwen2_5_VLConfig, Qwen2_5_VLForConditionalGeneration
from transformers.models.qwen2_vl import Qwen2VLImageProcessorPil

from specocr.models.processing_charocr import CharOCRProcessor
from specocr.params import ZooParams, ZooSize

#: Qwen2.5-VL's special tokens (same strings, so the chat format is Qwen's) and an unknown token.
SPECIAL_TOKENS = ("<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|vision_start|>", "<|vision_end|>",
                  "<|image_pad|>", "<|video_pad|>", "<unk>")
PAD, EOS, UNK = "<|endoftext|>", "<|im_end|>", "<unk>"

#: Qwen2-VL's chat format without its default system prompt (shorter sequences for tiny models).
CHAT_TEMPLATE = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n"
    "{% if message['content'] is string %}{{ message['content'] }}"
    "{% else %}{% for content in message['content'] %}"
    "{% if content['type'] == 'image' %}<|vision_start|><|image_pad|><|vision_end|>"
    "{% elif content['type'] == 'text' %}{{ content['text'] }}{% endif %}"
    "{% endfor %}{% endif %}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


def character_vocabulary() -> list[str]:
    """Newline, printable ASCII, Latin-1 (U+00A0-U+00FF) and Latin Extended-A (U+0100-U+017F)."""
    return ["\n", *(chr(c) for c in range(0x20, 0x7F)), *(chr(c) for c in range(0xA0, 0x180))]


def build_tokenizer() -> PreTrainedTokenizerFast:
    """A character-level tokenizer: a BPE model whose vocabulary is single characters and has no merges,
    so each character is one token and decoding concatenates them."""
    vocabulary = {token: index for index, token in enumerate([*SPECIAL_TOKENS, *character_vocabulary()])}
    core = Tokenizer(models.BPE(vocab=vocabulary, merges=[], unk_token=UNK))
    core.add_special_tokens([AddedToken(token, special=True, normalized=False) for token in SPECIAL_TOKENS])
    core.decoder = decoders.Fuse()
    return PreTrainedTokenizerFast(
        tokenizer_object=core, eos_token=EOS, pad_token=PAD, unk_token=UNK, chat_template=CHAT_TEMPLATE,
        padding_side="left",  # batched generation appends to the right end of every row
    )


def build_processor(patch_size: int) -> CharOCRProcessor:
    """Tokenizer + Qwen2-VL's PIL image processor with ``patch_size`` patches, no merging, one frame."""
    image_processor = Qwen2VLImageProcessorPil(
        patch_size=patch_size, merge_size=1, temporal_patch_size=1,
        min_pixels=patch_size * patch_size * 4, max_pixels=1280 * 1280,
    )
    return CharOCRProcessor(image_processor=image_processor, tokenizer=build_tokenizer(), chat_template=CHAT_TEMPLATE)


def build_config(size: ZooSize, zoo: ZooParams, tokenizer: PreTrainedTokenizerFast) -> Qwen2_5_VLConfig:
    """The Qwen2.5-VL config of one zoo size."""
    token = tokenizer.convert_tokens_to_ids
    special_ids = {"bos_token_id": None, "eos_token_id": token(EOS), "pad_token_id": token(PAD)}
    return Qwen2_5_VLConfig(
        text_config={
            "vocab_size": len(tokenizer),
            "hidden_size": size.text_hidden,
            "intermediate_size": size.text_mlp,
            "num_hidden_layers": size.text_layers,
            "num_attention_heads": size.text_heads,
            "num_key_value_heads": size.text_heads,
            "max_position_embeddings": zoo.max_positions,
            "tie_word_embeddings": True,
            "rope_parameters": {"rope_type": "default", "rope_theta": zoo.rope_theta,
                                "mrope_section": list(zoo.mrope_section)},
            **special_ids,
        },
        vision_config={
            "depth": size.vision_depth,
            "hidden_size": size.vision_hidden,
            "intermediate_size": size.vision_mlp,
            "num_heads": size.vision_heads,
            "patch_size": zoo.patch_size,
            "spatial_merge_size": 1,
            "temporal_patch_size": 1,
            "out_hidden_size": size.text_hidden,
            # Window attention (Qwen's default) is meant for large images: every block attends fully here.
            "fullatt_block_indexes": list(range(size.vision_depth)),
        },
        image_token_id=token("<|image_pad|>"),
        video_token_id=token("<|video_pad|>"),
        vision_start_token_id=token("<|vision_start|>"),
        vision_end_token_id=token("<|vision_end|>"),
        tie_word_embeddings=True,
        **special_ids,
    )


def build_model(size_name: str, zoo: ZooParams, seed: int) -> tuple[Qwen2_5_VLForConditionalGeneration, CharOCRProcessor]:
    """A randomly initialised tiny Qwen2.5-VL of ``zoo.sizes[size_name]`` and its processor."""
    if size_name not in zoo.sizes:
        raise ValueError(f"unknown zoo size {size_name!r}; params define {sorted(zoo.sizes)}")
    processor = build_processor(zoo.patch_size)
    config = build_config(zoo.sizes[size_name], zoo, processor.tokenizer)
    torch.manual_seed(seed)
    model = Qwen2_5_VLForConditionalGeneration(config)
    model.generation_config.eos_token_id = config.text_config.eos_token_id
    model.generation_config.pad_token_id = config.text_config.pad_token_id
    model.generation_config.bos_token_id = None
    return model, processor


def count_parameters(model: torch.nn.Module) -> int:
    return sum(parameter.numel() for parameter in model.parameters())


def save_base(model: Qwen2_5_VLForConditionalGeneration, processor: CharOCRProcessor, folder: str | Path,
              card: str) -> Path:
    """``save_pretrained`` of model and processor (with the processor's code, for ``AutoProcessor``) and a
    model card (``README.md``)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    processor.save_pretrained(folder)
    (folder / "README.md").write_text(card, encoding="utf-8")
    return folder


def load_base(folder: str | Path, dtype: torch.dtype = torch.float32) -> tuple[Qwen2_5_VLForConditionalGeneration, CharOCRProcessor]:
    """A zoo model and its processor from a folder, in ``dtype`` (checkpoints may be stored in half precision)."""
    folder = Path(folder)
    if not (folder / "config.json").is_file():
        raise FileNotFoundError(f"no model in {folder} (config.json missing)")
    with quiet_loading(folder):
        model = Qwen2_5_VLForConditionalGeneration.from_pretrained(folder, dtype=dtype)
    processor = CharOCRProcessor.from_pretrained(folder)
    return model, processor


#: Weights below this size load in well under a second: a progress bar for them is noise in a notebook.
QUIET_BELOW_BYTES = 200 * 2**20


@contextmanager
def quiet_loading(folder: str | Path):
    """Within the block, transformers shows no "Loading weights" bar if ``folder``'s weights are small
    (a zoo model); a Hub model's load, which takes a while, keeps its bar."""
    from transformers.utils import logging as hf_logging

    small = sum(f.stat().st_size for f in Path(folder).glob("*.safetensors")) < QUIET_BELOW_BYTES
    was_enabled = hf_logging.is_progress_bar_enabled()
    if small and was_enabled:
        hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if small and was_enabled:
            hf_logging.enable_progress_bar()
