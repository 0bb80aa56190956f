"""Per-base conventions (prompt, image-size cap, processor source): params, the bases stage, and their travel
through SFT, DPO and quantization."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

from conftest import small_data
from specocr.data.generate import build_benchmark
from specocr.data.schema import STRUCTURED_OCR_PROMPT
from specocr.models.conventions import (CONVENTIONS_FILE, carry_conventions, folder_prompt, replace_processor,
                                        set_pixel_bounds, write_prompt)
from specocr.params import BaseSpec, ParamsError, ProcessorSource, parse_params

#: A Qwen2.5-VL image processor as its Hub folders save it (preprocessor_config.json, legacy pixel keys).
QWEN_IMAGE_PROCESSOR = {
    "min_pixels": 3136, "max_pixels": 12845056, "patch_size": 14, "temporal_patch_size": 2, "merge_size": 2,
    "image_mean": [0.48145466, 0.4578275, 0.40821073], "image_std": [0.26862954, 0.26130258, 0.27577711],
    "image_processor_type": "Qwen2VLImageProcessor", "processor_class": "Qwen2_5_VLProcessor",
}


def hub_like_folder(folder: Path, tokenizer_marker: str = "base") -> Path:
    folder.mkdir(parents=True)
    (folder / "config.json").write_text('{"model_type": "qwen2_5_vl"}', encoding="utf-8")
    (folder / "preprocessor_config.json").write_text(json.dumps(QWEN_IMAGE_PROCESSOR), encoding="utf-8")
    (folder / "tokenizer.json").write_text(json.dumps({"marker": tokenizer_marker}), encoding="utf-8")
    return folder


def test_params_refuse_conventions_a_zoo_base_cannot_have(default_params) -> None:
    tree = default_params.model_dump()
    tree["bases"]["ocr-S"]["max_pixels"] = 100_000
    with pytest.raises(ParamsError, match="bases.ocr-S.*zoo base's processor"):
        parse_params(tree)
    hub = dict(source="hub", location="allenai/olmOCR-2-7B-1025", revision="main", level=2, size="7B",
               analogue_of=None)
    with pytest.raises(ValueError, match="min_pixels 200000 is above max_pixels 100000"):
        BaseSpec(**hub, min_pixels=200_000, max_pixels=100_000)
    spec = BaseSpec(**hub, max_pixels=1_173_368,
                    processor=ProcessorSource(source="hub", location="Qwen/Qwen2.5-VL-7B-Instruct", revision="main"))
    assert spec.processor.location == "Qwen/Qwen2.5-VL-7B-Instruct" and spec.prompt is None


def test_pixel_bounds_reach_the_image_processor_in_either_file(tmp_path: Path) -> None:
    from transformers import AutoImageProcessor

    legacy = hub_like_folder(tmp_path / "legacy")
    set_pixel_bounds(legacy, None, 100_000)
    saved = json.loads((legacy / "preprocessor_config.json").read_text(encoding="utf-8"))
    assert saved["size"] == {"shortest_edge": 3136, "longest_edge": 100_000} and "max_pixels" not in saved
    grid = AutoImageProcessor.from_pretrained(legacy)(images=[Image.new("RGB", (1240, 1754), "white")],
                                                     return_tensors="pt")["image_grid_thw"][0].tolist()
    assert grid[1] * grid[2] * 14 * 14 <= 100_000 < 1240 * 1754  # the page was shrunk to the cap

    nested = tmp_path / "nested"
    nested.mkdir()
    (nested / "processor_config.json").write_text(json.dumps(
        {"processor_class": "Qwen2_5_VLProcessor",
         "image_processor": {**QWEN_IMAGE_PROCESSOR, "min_pixels": None, "max_pixels": None,
                             "size": {"shortest_edge": 3136, "longest_edge": 12845056}}}), encoding="utf-8")
    set_pixel_bounds(nested, 6272, None)
    image = json.loads((nested / "processor_config.json").read_text(encoding="utf-8"))["image_processor"]
    assert image["size"] == {"shortest_edge": 6272, "longest_edge": 12845056}

    other = tmp_path / "other"
    other.mkdir()
    (other / "preprocessor_config.json").write_text('{"image_processor_type": "SiglipImageProcessor"}',
                                                    encoding="utf-8")
    with pytest.raises(ValueError, match="Qwen2-VL-family image processor, not SiglipImageProcessor"):
        set_pixel_bounds(other, None, 100_000)
    set_pixel_bounds(other, None, None)  # nothing asked, nothing checked


def test_another_processor_replaces_every_file_of_the_base_one(tmp_path: Path) -> None:
    base = hub_like_folder(tmp_path / "olmocr", tokenizer_marker="olmocr")
    (base / "chat_template.jinja").write_text("olmocr's template", encoding="utf-8")
    source = hub_like_folder(tmp_path / "qwen-7b", tokenizer_marker="qwen")
    copied = replace_processor(base, source)
    assert sorted(copied) == ["preprocessor_config.json", "tokenizer.json"]
    assert json.loads((base / "tokenizer.json").read_text(encoding="utf-8")) == {"marker": "qwen"}
    assert not (base / "chat_template.jinja").exists()  # nothing of the old processor is left to mix in
    assert (base / "config.json").is_file()  # the model's own files stay
    with pytest.raises(FileNotFoundError, match="holds no processor"):
        replace_processor(base, tmp_path / "empty")


def test_the_bases_stage_writes_the_conventions_params_give(default_params, tmp_path: Path) -> None:
    from specocr.models.registry import materialize_base

    hub_like_folder(tmp_path / "weights" / "olmocr", tokenizer_marker="olmocr")
    hub_like_folder(tmp_path / "weights" / "qwen-7b", tokenizer_marker="qwen")
    spec = BaseSpec(source="local", location=str(tmp_path / "weights" / "olmocr"), revision=None, level=2,
                    size="7B", analogue_of=None, prompt="Leia este documento.", max_pixels=200_000,
                    processor=ProcessorSource(source="local", location=str(tmp_path / "weights" / "qwen-7b")))
    params = default_params.model_copy(update={"bases": {"olmocr": spec}})
    folder = materialize_base("olmocr", params, tmp_path / "models" / "olmocr" / "vanilla", tmp_path)
    assert folder_prompt(folder) == "Leia este documento."
    assert json.loads((folder / "tokenizer.json").read_text(encoding="utf-8")) == {"marker": "qwen"}
    image = json.loads((folder / "preprocessor_config.json").read_text(encoding="utf-8"))
    assert image["size"]["longest_edge"] == 200_000
    source_image = json.loads((tmp_path / "weights" / "qwen-7b" / "preprocessor_config.json").read_text())
    assert source_image["max_pixels"] == 12845056  # the source folder itself is untouched

    plain = params.model_copy(update={"bases": {"olmocr": spec.model_copy(
        update={"prompt": None, "max_pixels": None, "processor": None})}})
    again = materialize_base("olmocr", plain, folder, tmp_path)
    assert folder_prompt(again) == STRUCTURED_OCR_PROMPT
    assert json.loads((again / "tokenizer.json").read_text(encoding="utf-8")) == {"marker": "olmocr"}


def test_a_folder_without_conventions_is_asked_with_the_structured_prompt(tmp_path: Path) -> None:
    assert folder_prompt(tmp_path) == STRUCTURED_OCR_PROMPT
    write_prompt(tmp_path / ".", "Lee el documento.")
    (tmp_path / "copy").mkdir()
    carry_conventions(tmp_path, tmp_path / "copy")
    assert folder_prompt(tmp_path / "copy") == "Lee el documento."


def test_a_base_prompt_is_trained_with_and_travels_through_sft_dpo_and_quant(default_params, tmp_path: Path,
                                                                             monkeypatch) -> None:
    import specocr.train.sft as sft_module
    from specocr.models.zoo import build_model, save_base
    from specocr.train.dpo import train_dpo
    from specocr.train.quant import quantize_folder

    base = save_base(*build_model("S", default_params.zoo, seed=0), tmp_path / "base", "# random-S\n")
    write_prompt(base, "Transcreva o documento.")
    asked = []
    real_dataset = sft_module.sft_dataset
    monkeypatch.setattr(sft_module, "sft_dataset", lambda split, prompt: asked.append(prompt) or real_dataset(split, prompt))
    benchmark = build_benchmark(small_data(default_params.data, train=2, val=1, test=0, workers=1))
    sft = default_params.sft.model_copy(update={"max_steps": 1, "batch_size": 2, "eval_steps": 1, "val_documents": 1,
                                                "threads": 1, "warmup_steps": 0})
    sft_out = tmp_path / "sft"
    sft_module.train_sft(base, benchmark["train"], benchmark["val"], sft, sft_out, tmp_path / "sft-checkpoints",
                         tmp_path / "sft.csv", seed=0, max_new_tokens=4)
    assert asked and set(asked) == {"Transcreva o documento."}
    assert folder_prompt(sft_out) == "Transcreva o documento."

    dpo_out = tmp_path / "dpo"
    train_dpo(sft_out, benchmark["train"], [], default_params.dpo, dpo_out, tmp_path / "dpo-work", tmp_path / "dpo.csv",
              seed=0)
    assert folder_prompt(dpo_out) == "Transcreva o documento."
    quantize_folder(dpo_out, tmp_path / "quant")
    assert folder_prompt(tmp_path / "quant") == "Transcreva o documento."
    assert (tmp_path / "quant" / CONVENTIONS_FILE).read_bytes() == (base / CONVENTIONS_FILE).read_bytes()
