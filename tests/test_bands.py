"""The band-strip layout of the zoo's processor: documents read as one long line, kept through save/load."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from specocr.data.schema import STRUCTURED_OCR_PROMPT
from specocr.models.pretraining import use_layout
from specocr.models.pretraining_data import OCR_PROMPT, document_example, make_fakers, ocr_example, phase_batch
from specocr.models.processing_charocr import CharOCRProcessor, band_strip, ink_extent
from specocr.models.zoo import build_processor
from specocr.params import CurriculumPhase

SEPARATOR = 128


def separator_columns(strip: Image.Image) -> int:
    """How many 8 px patch columns of a strip are solid separator grey."""
    pixels = np.asarray(strip)
    return sum(bool((pixels[:, c:c + 8] == SEPARATOR).all()) for c in range(0, pixels.shape[1], 8))


def test_a_block_becomes_one_strip_of_its_lines_with_a_separator_between_them(default_params) -> None:
    block, page = default_params.data.block, default_params.data.page
    example = ocr_example(11, block, page, make_fakers(), 3, "printed")
    lines = example.answer.count("\n") + 1
    strip = band_strip(example.image, block.line_height, 8)
    assert strip.height == block.line_height and strip.width % 8 == 0
    assert separator_columns(strip) == lines - 1
    # each band cropped to its ink: much narrower than the bands laid side by side at full width
    assert strip.width < lines * block.width - 40
    fixed = band_strip(example.image, block.line_height, 8, fixed_width=2048)
    assert fixed.size == (2048, block.line_height)
    assert np.array_equal(np.asarray(fixed)[:, :strip.width], np.asarray(strip))


def test_blank_bands_and_single_specks_are_not_ink() -> None:
    page = np.full((32, 320, 3), 245, np.uint8)
    page[20, 100] = 60  # one speck in the second band
    assert ink_extent(page[16:32]) is None
    page[4:12, 30:50] = 20  # a glyph-sized blot in the first band
    assert ink_extent(page[:16]) == (30, 50)
    strip = band_strip(Image.fromarray(page), 16, 8)
    assert strip.height == 16 and separator_columns(strip) == 0 and strip.width == 24  # 20 px + 2 x 2 px, to 24
    page[14:16, :] = 90  # a notebook's ruled line under the text, two px thick after blurring
    page[13, 150:320] = 90  # and slanted by a rotated scan
    assert ink_extent(page[:16]) == (30, 50)


def test_the_layout_is_saved_with_the_processor_and_applied_to_every_image(tmp_path: Path) -> None:
    processor = build_processor(8)
    processor.band_height, processor.strip_width = 16, 2048
    processor.save_pretrained(tmp_path)
    assert json.loads((tmp_path / "processor_config.json").read_text())["strip_width"] == 2048
    loaded = CharOCRProcessor.from_pretrained(tmp_path)
    assert (loaded.band_height, loaded.strip_width) == (16, 2048)
    image = Image.new("RGB", (320, 48), "white")
    text = "<|vision_start|><|image_pad|><|vision_end|>x"
    batch = loaded(images=[[image], [image]], text=[text, text], return_tensors="pt", padding=True)  # trl's nesting
    assert batch["image_grid_thw"].tolist() == [[1, 2, 256], [1, 2, 256]]
    plain = build_processor(8)(images=[image], text=[text], return_tensors="pt")
    assert plain["image_grid_thw"].tolist() == [[1, 6, 40]]  # no layout: the image as it is


def test_a_phase_sets_the_layout_the_model_reads_with(default_params) -> None:
    processor, block = build_processor(8), default_params.data.block
    use_layout(processor, CurriculumPhase(main="documents", review=[], steps=None, strip_width=2048), block)
    assert (processor.band_height, processor.strip_width) == (block.line_height, 2048)
    use_layout(processor, CurriculumPhase(main="lines", review=[], steps=None), block)
    assert (processor.band_height, processor.strip_width) == (None, None)


def test_documents_mix_line_counts_and_both_prompts(default_params) -> None:
    block, page, fakers = default_params.data.block, default_params.data.page, make_fakers()
    examples = [document_example(seed, block, page, fakers) for seed in range(40)]
    assert {e.prompt for e in examples} == {OCR_PROMPT, STRUCTURED_OCR_PROMPT}
    assert len({e.image.height for e in examples}) >= 4 and max(e.image.height for e in examples) <= 6 * 16
    for example in examples:
        if example.prompt == STRUCTURED_OCR_PROMPT:
            assert set(json.loads(example.answer)) == {"text"}  # the benchmark's JSON, general text only
        else:
            assert not example.answer.startswith("{")


def test_a_phase_with_a_smaller_batch_draws_the_first_examples_of_its_step(default_params) -> None:
    block, page, fakers = default_params.data.block, default_params.data.page, make_fakers()
    _, full = phase_batch(2, "documents", [], 0.0, 5, 4, block, page, fakers)
    _, small = phase_batch(2, "documents", [], 0.0, 5, 4, block, page, fakers, examples=2)
    assert [e.answer for e in small] == [e.answer for e in full[:2]]


def test_bases_get_the_band_layout_without_touching_the_zoo(default_params, tmp_path: Path) -> None:
    from specocr.models.registry import materialize_base
    from specocr.models.zoo import build_model, save_base
    from specocr.params import BaseSpec

    model, processor = build_model("S", default_params.zoo, seed=0)
    save_base(model, processor, tmp_path / "zoo" / "ocr-S", "# random\n")
    zoo_config = tmp_path / "zoo" / "ocr-S" / "processor_config.json"
    before = zoo_config.read_bytes()
    spec = BaseSpec(source="zoo", location="ocr-S", revision=None, level=2, size="S", analogue_of=None,
                    strip_width=2048)
    params = default_params.model_copy(update={"bases": {"ocr-S": spec}})
    copied = materialize_base("ocr-S", params, tmp_path / "bases" / "ocr-S", tmp_path)
    config = json.loads((copied / "processor_config.json").read_text())
    assert (config["band_height"], config["strip_width"]) == (default_params.data.block.line_height, 2048)
    assert zoo_config.read_bytes() == before  # a hard link would have carried the edit into the zoo
    assert os.stat(copied / "model.safetensors").st_ino == os.stat(tmp_path / "zoo" / "ocr-S" / "model.safetensors").st_ino
    with pytest.raises(ValueError, match="a Hub base and its stand-in keep"):
        BaseSpec(source="hub", location="Qwen/Qwen2.5-VL-3B-Instruct", revision="main", level=1, size="3B",
                 analogue_of=None, strip_width=2048)


def test_images_seen_count_each_phase_at_its_own_batch() -> None:
    from specocr.models.pretraining import History, images_seen
    from specocr.params import PretrainingStage

    phases = [CurriculumPhase(main="lines", review=[], steps=10),
              CurriculumPhase(main="documents", review=[], steps=None, batch_size=8)]
    stage = PretrainingStage(steps={"S": 100}, batch_size=32, learning_rate={"S": 1e-3}, warmup_steps=0,
                             phases=phases, review_share=0.3, advance_below=0.35, ema_decay=0.95,
                             time_budget_minutes=10)
    history = History(steps=list(range(1, 16)), advances=[[0, 0], [10, 1]])
    assert images_seen(history, stage) == 10 * 32 + 5 * 8


def test_stretched_bands_give_narrow_glyphs_a_patch_each_and_are_saved(default_params, tmp_path: Path) -> None:
    block, page = default_params.data.block, default_params.data.page
    example = ocr_example(12, block, page, make_fakers(), 3, "handwritten")
    plain, wide = band_strip(example.image, 16, 8), band_strip(example.image, 16, 8, stretch=2.0)
    lines = example.answer.count("\n") + 1
    assert wide.height == 16 and wide.width % 8 == 0 and separator_columns(wide) == lines - 1
    # each band twice as wide (the separators stay one patch): within one patch of rounding per band
    assert abs((wide.width - (lines - 1) * 8) - 2 * (plain.width - (lines - 1) * 8)) <= 8 * lines
    processor = build_processor(8)
    use_layout(processor, CurriculumPhase(main="handwritten_documents", review=[], steps=None, strip_width=3072,
                                          band_stretch=2.0), block)
    assert processor.layout(example.image).size == (3072, 16)
    processor.save_pretrained(tmp_path)
    assert CharOCRProcessor.from_pretrained(tmp_path).band_stretch == 2.0
    use_layout(processor, CurriculumPhase(main="lines", review=[], steps=None, band_stretch=2.0), block)
    assert (processor.band_height, processor.band_stretch) == (None, None)  # no strip, no stretch


def test_handwritten_documents_are_all_handwriting_with_both_prompts(default_params) -> None:
    from specocr.models.pretraining_data import handwritten_document_example

    block, page, fakers = default_params.data.block, default_params.data.page, make_fakers()
    examples = [handwritten_document_example(seed, block, page, fakers) for seed in range(24)]
    assert {e.prompt for e in examples} == {OCR_PROMPT, STRUCTURED_OCR_PROMPT}
    for seed, example in enumerate(examples[:8]):  # the mixed kind's text of that seed, wrapped by another face
        words, mixed = example.answer.split(), document_example(seed, block, page, fakers).answer.split()
        assert words[:2] == mixed[:2]
        assert handwritten_document_example(seed, block, page, fakers).answer == example.answer


def test_a_phase_may_review_more_often_than_its_level(default_params) -> None:
    from specocr.models.pretraining_data import phase_batch as batch_of

    block, page, fakers = default_params.data.block, default_params.data.page, make_fakers()
    kinds = [batch_of(2, "lines", ["printed"], 0.9, step, 1, block, page, fakers)[0] for step in range(40)]
    assert 28 <= kinds.count("printed") <= 40
    with pytest.raises(ValueError):
        CurriculumPhase(main="lines", review=[], steps=None, review_share=1.0)
    with pytest.raises(ValueError):
        CurriculumPhase(main="lines", review=[], steps=None, band_stretch=0.5)


def test_varied_documents_bring_the_characters_and_forms_general_lines_lack(default_params) -> None:
    from specocr.models.pretraining_data import general_charset, varied_document_example

    block, page, fakers = default_params.data.block, default_params.data.page, make_fakers()
    examples = [varied_document_example(seed, block, page, fakers) for seed in range(60)]
    plain = "".join(json.loads(e.answer)["text"] if e.answer.startswith("{") else e.answer for e in examples)
    assert set(plain) - {"\n"} <= general_charset()
    assert {"Ã", "Ç", "õ", "/", ":"} <= set(plain)  # accented capitals, numeric dates, form fields
    assert any(line.isupper() and len(line) > 8 for line in plain.splitlines())  # titles in capitals
    assert {e.prompt for e in examples} == {OCR_PROMPT, STRUCTURED_OCR_PROMPT}
    again = varied_document_example(7, block, page, make_fakers())
    assert again.answer == examples[7].answer and again.image.tobytes() == examples[7].image.tobytes()


def test_long_documents_fill_the_block_in_both_renderers(default_params) -> None:
    from specocr.models.pretraining_data import long_document_example

    block, page, fakers = default_params.data.block, default_params.data.page, make_fakers()
    examples = [long_document_example(seed, block, page, fakers) for seed in range(40)]

    def plain(example) -> str:
        if not example.answer.startswith("{"):
            return example.answer
        return "\n".join(value for value in json.loads(example.answer).values() if value)

    lines = [plain(e).count("\n") + 1 for e in examples]
    assert min(lines) >= block.max_lines - 1 and max(lines) == block.max_lines
    for example, count in zip(examples, lines):
        assert example.image.size == (block.width, block.line_height * count)
        pixels = np.asarray(example.image.convert("RGB"))
        assert all(ink_extent(pixels[row * block.line_height:(row + 1) * block.line_height]) is not None
                   for row in range(count))  # every answered line is drawn in its own band
    long_chars = np.mean([len(plain(e)) for e in examples])
    short_chars = np.mean([len(plain(document_example(seed, block, page, fakers))) for seed in range(40)])
    assert long_chars > 150 > 1.5 * short_chars  # twice the other kinds' documents, as the domain's are
    assert {e.prompt for e in examples} == {OCR_PROMPT, STRUCTURED_OCR_PROMPT}
    again = long_document_example(5, block, page, make_fakers())
    assert again.answer == examples[5].answer and again.image.tobytes() == examples[5].image.tobytes()


def test_spread_slack_moves_lines_right_without_changing_them(default_params) -> None:
    from specocr.models.pretraining_data import long_document_example

    block, page, fakers = default_params.data.block, default_params.data.page, make_fakers()
    moved = 0
    for seed in range(12):
        image = (long_document_example if seed % 2 else document_example)(seed, block, page, fakers).image
        plain = np.asarray(band_strip(image, 16, 8, fixed_width=2048))
        spread = np.asarray(band_strip(image, 16, 8, fixed_width=2048, spread_slack=24))
        assert spread.shape == plain.shape and np.array_equal(
            spread, np.asarray(band_strip(image, 16, 8, fixed_width=2048, spread_slack=24)))  # seeded by the image
        paper = int(np.median(np.asarray(image)))

        def inked(strip: np.ndarray) -> np.ndarray:  # the strip's patches that are not all paper, in order
            patches = strip.reshape(16, -1, 8, 3).transpose(1, 0, 2, 3)
            return patches[[not np.all(patch == paper) for patch in patches]]

        assert np.array_equal(inked(spread), inked(plain))  # the same bands and separators, in the same order

        def last_inked(strip: np.ndarray) -> int:
            return int(np.flatnonzero((strip != paper).any(axis=(0, 2)))[-1]) // 8

        assert 0 <= last_inked(spread) - last_inked(plain) <= 24  # at most spread_slack patches moved
        moved += not np.array_equal(spread, plain)
    assert moved >= 10


def test_the_spread_layout_is_for_training_batches_only(default_params, tmp_path: Path) -> None:
    processor = build_processor(default_params.zoo.patch_size)
    processor.band_height, processor.strip_width = 16, 2048
    processor.spread_slack = 24
    processor.save_pretrained(tmp_path)
    saved = json.loads((tmp_path / "processor_config.json").read_text(encoding="utf-8"))
    assert "spread_slack" not in saved and saved["strip_width"] == 2048  # a saved model reads as it always did
