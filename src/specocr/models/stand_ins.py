"""Stand-ins for the paper's Hub bases: miniature Qwen2.5-VL models with random weights, built here.

``params/paper-cpu.yaml`` rehearses the paper-scale pipeline on a CPU with them (``bases.<name>.source:
stand_in``). A stand-in has what the loading, training and evaluation code meets in a real Hub folder:
``Qwen2_5_VLForConditionalGeneration`` with Qwen2.5-VL's image processor geometry (14 px patches, 2 x 2 patch
merging, 2-frame temporal patches, window attention in all vision blocks but the last), a byte-level BPE
tokenizer saved as ``Qwen2TokenizerFast`` with Qwen's special tokens, and the processor files of
``Qwen2_5_VLProcessor``. It reads nothing: its scores test the code path, not the claim. The same name and
seed give the same weights.
"""

from __future__ import annotations

import random
import zlib
from pathlib import Path

import torch
from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import Qwen2_5_VLConfig, Qwen2_5_VLForConditionalGeneration, Qwen2TokenizerFast
from transformers.models.qwen2_vl import Qwen2VLImageProcessorPil

from specocr.models.qwen_processor import ImageOnlyQwen2_5_VLProcessor
from specocr.models.zoo import CHAT_TEMPLATE, EOS, PAD, character_vocabulary, quiet_loading

#: Qwen2.5-VL's special tokens, in its order.
QWEN_SPECIAL_TOKENS = ("<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|vision_start|>", "<|vision_end|>",
                       "<|image_pad|>", "<|video_pad|>")

#: Qwen2.5-VL's image processor (preprocessor_config.json of Qwen/Qwen2.5-VL-3B-Instruct and -7B-Instruct).
QWEN_IMAGE_GEOMETRY = {"patch_size": 14, "merge_size": 2, "temporal_patch_size": 2, "min_pixels": 3136,
                       "max_pixels": 12845056}

#: Text and vision widths by the paper's size label: 7B's stand-in is wider and deeper than 3B's.
STAND_IN_SIZES = {
    "3B": {"text_hidden": 64, "text_layers": 2, "text_heads": 2, "vision_hidden": 64, "vision_depth": 2},
    "7B": {"text_hidden": 96, "text_layers": 3, "text_heads": 3, "vision_hidden": 64, "vision_depth": 2},
}
TOKENIZER_VOCABULARY = 1024


def _tokenizer_corpus(seed: int, sentences: int = 2000) -> list[str]:
    """Text to learn BPE merges from: Portuguese, Spanish and English fake sentences and every character the
    zoo's tokenizer knows (byte-level BPE can write any text; the merges only make it shorter)."""
    from faker import Faker

    lines = ["".join(character_vocabulary())]
    for locale in ("pt_BR", "es_ES", "en_US"):
        fake = Faker(locale)
        fake.seed_instance(seed)
        lines += [fake.sentence(nb_words=12) for _ in range(sentences // 3)]
    random.Random(seed).shuffle(lines)
    return lines


def build_qwen_tokenizer(seed: int = 0) -> Qwen2TokenizerFast:
    core = Tokenizer(models.BPE(unk_token=None))
    core.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    core.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=TOKENIZER_VOCABULARY, special_tokens=list(QWEN_SPECIAL_TOKENS),
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    core.train_from_iterator(_tokenizer_corpus(seed), trainer)
    core.add_special_tokens([AddedToken(token, special=True, normalized=False) for token in QWEN_SPECIAL_TOKENS])
    return Qwen2TokenizerFast(tokenizer_object=core, eos_token=EOS, pad_token=PAD, unk_token=None,
                              chat_template=CHAT_TEMPLATE, padding_side="left")


def build_stand_in(location: str, size: str, seed: int) -> tuple[Qwen2_5_VLForConditionalGeneration,
                                                                  ImageOnlyQwen2_5_VLProcessor]:
    """A random-weight miniature of the Hub base ``location`` at the paper's size label ``size``."""
    if size not in STAND_IN_SIZES:
        raise ValueError(f"no stand-in size for {size!r}; stand-ins exist for {sorted(STAND_IN_SIZES)}")
    dims = STAND_IN_SIZES[size]
    tokenizer = build_qwen_tokenizer(seed)
    image_processor = Qwen2VLImageProcessorPil(**QWEN_IMAGE_GEOMETRY)
    processor = ImageOnlyQwen2_5_VLProcessor(image_processor=image_processor, tokenizer=tokenizer,
                                             chat_template=CHAT_TEMPLATE)
    token = tokenizer.convert_tokens_to_ids
    special_ids = {"bos_token_id": None, "eos_token_id": token(EOS), "pad_token_id": token(PAD)}
    head_pairs = dims["text_hidden"] // dims["text_heads"] // 2
    temporal = head_pairs // 4  # Qwen2.5-VL's [16, 24, 24] of 64 pairs: a quarter for time, the rest split
    config = Qwen2_5_VLConfig(
        text_config={
            "vocab_size": len(tokenizer), "hidden_size": dims["text_hidden"],
            "intermediate_size": 4 * dims["text_hidden"], "num_hidden_layers": dims["text_layers"],
            "num_attention_heads": dims["text_heads"], "num_key_value_heads": 1, "max_position_embeddings": 8192,
            "tie_word_embeddings": True,
            "rope_parameters": {"rope_type": "default", "rope_theta": 1_000_000.0,
                                "mrope_section": [temporal, (head_pairs - temporal) // 2,
                                                  head_pairs - temporal - (head_pairs - temporal) // 2]},
            **special_ids,
        },
        vision_config={
            "depth": dims["vision_depth"], "hidden_size": dims["vision_hidden"],
            "intermediate_size": 2 * dims["vision_hidden"], "num_heads": 2,
            "patch_size": QWEN_IMAGE_GEOMETRY["patch_size"], "spatial_merge_size": QWEN_IMAGE_GEOMETRY["merge_size"],
            "temporal_patch_size": QWEN_IMAGE_GEOMETRY["temporal_patch_size"], "window_size": 112,
            "fullatt_block_indexes": [dims["vision_depth"] - 1], "out_hidden_size": dims["text_hidden"],
        },
        image_token_id=token("<|image_pad|>"), video_token_id=token("<|video_pad|>"),
        vision_start_token_id=token("<|vision_start|>"), vision_end_token_id=token("<|vision_end|>"),
        tie_word_embeddings=True, **special_ids,
    )
    torch.manual_seed(seed + zlib.crc32(location.encode()) % 100_000)
    model = Qwen2_5_VLForConditionalGeneration(config)
    model.generation_config.eos_token_id = special_ids["eos_token_id"]
    model.generation_config.pad_token_id = special_ids["pad_token_id"]
    model.generation_config.bos_token_id = None
    return model, processor


def save_stand_in(location: str, size: str, seed: int, folder: str | Path) -> Path:
    """Build the stand-in of ``location`` and save it as a Hub-format folder with a card."""
    folder = Path(folder)
    model, processor = build_stand_in(location, size, seed)
    with quiet_loading(folder):
        model.save_pretrained(folder)
    processor.save_pretrained(folder)
    parameters = sum(p.numel() for p in model.parameters())
    (folder / "README.md").write_text(
        f"# Stand-in for {location}\n\nA miniature `Qwen2_5_VLForConditionalGeneration` with random weights "
        f"({parameters:,} parameters, seed {seed}), built by `specocr.models.stand_ins` for the CPU rehearsal of "
        "the paper-scale pipeline (`params/paper-cpu.yaml`): Qwen2.5-VL's image processor geometry (14 px "
        "patches, 2 x 2 merging), a byte-level BPE tokenizer with Qwen's special tokens. It reads nothing; "
        "its scores test the code path, not the paper's claim.\n", encoding="utf-8")
    return folder
