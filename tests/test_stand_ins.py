"""The CPU rehearsal's pieces: stand-ins at Qwen2.5-VL's processor geometry, the image-only Qwen processor,
Hub-schema parquet files, and the quant stage's base list."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import torch
from PIL import Image
from typer.testing import CliRunner

from specocr.params import ParamsError, parse_params


@pytest.fixture(scope="module")
def stand_in(tmp_path_factory) -> Path:
    from specocr.models.stand_ins import save_stand_in

    return save_stand_in("nanonets/Nanonets-OCR2-3B", "3B", 0, tmp_path_factory.mktemp("stand-ins") / "nanonets")


def test_a_stand_in_is_a_hub_format_qwen_folder_at_the_real_processor_geometry(stand_in: Path) -> None:
    config = json.loads((stand_in / "config.json").read_text(encoding="utf-8"))
    assert config["model_type"] == "qwen2_5_vl" and config["architectures"] == ["Qwen2_5_VLForConditionalGeneration"]
    assert (config["vision_config"]["patch_size"], config["vision_config"]["spatial_merge_size"]) == (14, 2)
    saved = json.loads((stand_in / "processor_config.json").read_text(encoding="utf-8"))
    assert saved["processor_class"] == "Qwen2_5_VLProcessor"  # what AutoProcessor loads where torchvision is
    assert saved["image_processor"]["size"] == {"shortest_edge": 3136, "longest_edge": 12845056}
    tokenizer = json.loads((stand_in / "tokenizer_config.json").read_text(encoding="utf-8"))
    assert tokenizer["tokenizer_class"].startswith("Qwen2Tokenizer")


def test_a_stand_in_loads_and_reads_a_page_without_torchvision(stand_in: Path) -> None:
    from specocr.evaluate.generate import generate_batch
    from specocr.models.held_out import reading_layout
    from specocr.models.qwen_processor import ImageOnlyQwen2_5_VLProcessor, torchvision_available
    from specocr.models.registry import load_model_folder

    model, processor = load_model_folder(stand_in, device="cpu")
    if not torchvision_available():
        assert isinstance(processor, ImageOnlyQwen2_5_VLProcessor)
    page = Image.new("RGB", (620, 877), "white")
    batch = processor(text=["<|vision_start|><|image_pad|><|vision_end|>"], images=[page], return_tensors="pt")
    grid = batch["image_grid_thw"][0].tolist()
    assert int((batch["input_ids"] == model.config.image_token_id).sum()) == grid[0] * grid[1] * grid[2] // 4
    with reading_layout(processor, 16, None):  # a Hub processor reads images as they are
        rows = generate_batch(model, processor, [page, page], 6)
    assert [row["tokens"] for row in rows] == [6, 6] and all(row["hit_token_limit"] for row in rows)
    with pytest.raises(ValueError, match="band strips need"):
        with reading_layout(processor, 16, 2048):
            pass
    text = "Olá, São Paulo: ação nº 12/03/2019, R$ 1.234,56"
    assert processor.tokenizer.decode(processor.tokenizer(text)["input_ids"]) == text


def test_stand_ins_are_deterministic_and_differ_by_the_model_they_stand_for() -> None:
    from specocr.models.stand_ins import build_stand_in

    first, _ = build_stand_in("Qwen/Qwen2.5-VL-3B-Instruct", "3B", 0)
    again, _ = build_stand_in("Qwen/Qwen2.5-VL-3B-Instruct", "3B", 0)
    other, _ = build_stand_in("nanonets/Nanonets-OCR2-3B", "3B", 0)
    weights = first.state_dict()
    assert all(torch.equal(weights[k], v) for k, v in again.state_dict().items())
    assert not torch.equal(weights["lm_head.weight"], other.state_dict()["lm_head.weight"])
    wider, _ = build_stand_in("Qwen/Qwen2.5-VL-7B-Instruct", "7B", 0)
    assert sum(p.numel() for p in wider.parameters()) > sum(p.numel() for p in first.parameters())
    with pytest.raises(ValueError, match="no stand-in size for '72B'"):
        build_stand_in("Qwen/Qwen2.5-VL-72B-Instruct", "72B", 0)


def test_hub_parquet_writes_the_released_schema_and_loads_back_without_categories(default_params,
                                                                                  tmp_path: Path) -> None:
    from specocr.cli import app
    from specocr.data.hub import HUB_COLUMNS, load_parquet

    params = tmp_path / "params.yaml"
    tree = default_params.model_dump()
    tree["data"]["workers"] = 1
    import yaml

    params.write_text(yaml.safe_dump(tree), encoding="utf-8")
    out = tmp_path / "hub.parquet"
    result = CliRunner().invoke(app, ["hub-parquet", str(out), "--documents", "3", "--params", str(params)])
    assert result.exit_code == 0, result.output
    assert tuple(pq.read_schema(out).names) == HUB_COLUMNS
    test = load_parquet(out)["test"]
    assert len(test) == 3 and set(test["category"]) == {"unknown"} and test[0]["image"].size == (320, 96)


def test_quant_bases_must_exist_and_cover_every_base_when_quant_is_evaluated(default_params) -> None:
    tree = default_params.model_dump()
    tree["quant"]["bases"] = ["ocr-S", "nope"]
    with pytest.raises(ParamsError, match=r"quant.bases \['nope'\] are not in bases"):
        parse_params(tree)
    tree["quant"]["bases"] = ["ocr-S"]
    with pytest.raises(ParamsError, match="quant.bases must name every base; it lacks"):
        parse_params(tree)
    tree["eval"]["stages"] = ["vanilla", "sft", "dpo"]
    assert parse_params(tree).quant.bases == ["ocr-S"]
