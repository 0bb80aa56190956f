"""The int8 variant: smaller weights, loadable by path like any model folder, transcribing like its source."""

from __future__ import annotations

from pathlib import Path

import torch

from specocr.models.registry import load_model_folder
from specocr.models.zoo import build_model, save_base
from specocr.train.quant import QUANTIZED_WEIGHTS, quant_card, quantize_folder


def test_quantized_folder_is_smaller_loads_and_generates_like_the_original(default_params, tmp_path: Path) -> None:
    from specocr.evaluate.generate import generate_batch
    from specocr.models.pretraining_data import easy_ocr_example

    torch.manual_seed(0)
    model, processor = build_model("S", default_params.zoo, seed=0)
    source = save_base(model, processor, tmp_path / "float", "# float\n")
    summary = quantize_folder(source, tmp_path / "int8", card="# int8\n")
    assert summary["quantized_weight_bytes"] < 0.5 * summary["float_weight_bytes"]
    assert summary["load_seconds"] > 0 and (tmp_path / "int8" / QUANTIZED_WEIGHTS).is_file()
    assert "MB int8" in quant_card(summary, {"base": "ocr-S/dpo"})

    quantized, quantized_processor = load_model_folder(tmp_path / "int8", device="cpu")
    from specocr.models.int8 import Int8Linear

    assert any(isinstance(module, Int8Linear) for module in quantized.modules())
    assert not any(type(module) is torch.nn.Linear for module in quantized.modules())
    original, _ = load_model_folder(source, device="cpu")
    image = easy_ocr_example(0, default_params.data.block, default_params.data.page).image
    batch = quantized_processor(text=[quantized_processor.apply_chat_template(
        [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "Read the text."}]}],
        add_generation_prompt=True, tokenize=False)], images=[image], return_tensors="pt")
    with torch.no_grad():
        reference, approximate = original(**batch).logits, quantized(**batch).logits
    # int8 weights change the logits a little, not their ranking on the whole
    agreement = (reference.argmax(-1) == approximate.argmax(-1)).float().mean().item()
    assert agreement > 0.9
    assert generate_batch(quantized, quantized_processor, [image], max_new_tokens=4)[0]["tokens"] > 0


def test_an_int8_document_reads_the_same_whatever_else_is_in_its_batch(default_params, tmp_path: Path) -> None:
    """Inputs are quantized per token: another document and the left padding it brings leave a document's
    greedy choices as they are alone. (Not its logits exactly: float32's own ~1e-6 differences between batch
    shapes flip a rounding here and there. One scale for the whole batch changed 3% of this random model's
    choices and its logits by up to 0.05.)"""
    from specocr.models.pretraining_data import easy_ocr_example

    model, processor = build_model("S", default_params.zoo, seed=0)
    source = save_base(model, processor, tmp_path / "float", "# float\n")
    quantize_folder(source, tmp_path / "int8")
    quantized, processor = load_model_folder(tmp_path / "int8", device="cpu")
    block, page = default_params.data.block, default_params.data.page
    short, long = easy_ocr_example(1, block, page).image, easy_ocr_example(2, block, page).image
    prompt = processor.apply_chat_template(
        [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "Read the text."}]}],
        add_generation_prompt=True, tokenize=False)
    processor.tokenizer.padding_side = "left"
    alone = processor(text=[prompt], images=[short], return_tensors="pt")
    together = processor(text=[prompt, prompt + "x" * 7], images=[short, long], return_tensors="pt", padding=True)
    with torch.no_grad():
        logits_alone = quantized(**alone).logits[0]
        logits_together = quantized(**together).logits[0, -logits_alone.shape[0]:]
    assert torch.equal(logits_together.argmax(-1), logits_alone.argmax(-1))
    assert (logits_together - logits_alone).abs().max() < 0.02
