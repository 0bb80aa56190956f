"""Resolving base names: zoo folders, local folders, and Hub ids through huggingface_hub (offline here)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from specocr.models.registry import resolve_base
from specocr.params import BaseSpec


def with_bases(params, **bases: BaseSpec):
    return params.model_copy(update={"bases": bases})


def spec(source: str, location: str, revision: str | None = None) -> BaseSpec:
    return BaseSpec(source=source, location=location, revision=revision, level=2, size="S", analogue_of=None)


def test_zoo_and_local_bases(default_params, tmp_path: Path) -> None:
    (tmp_path / "zoo" / "ocr-S").mkdir(parents=True)
    (tmp_path / "zoo" / "ocr-S" / "config.json").write_text("{}", encoding="utf-8")
    params = with_bases(default_params, **{"ocr-S": spec("zoo", "ocr-S"), "mine": spec("local", str(tmp_path / "zoo" / "ocr-S")),
                                           "missing": spec("zoo", "ocr-M")})
    assert resolve_base("ocr-S", params, tmp_path) == tmp_path / "zoo" / "ocr-S"
    assert resolve_base("mine", params, tmp_path) == tmp_path / "zoo" / "ocr-S"
    with pytest.raises(FileNotFoundError, match="specocr pretrain missing"):
        resolve_base("missing", params, tmp_path)
    with pytest.raises(KeyError):
        resolve_base("nope", params, tmp_path)


def test_hub_ids_resolve_through_the_hugging_face_cache(default_params, tmp_path: Path, monkeypatch) -> None:
    # The Hub's cache layout, as snapshot_download leaves it: the same call then works without a network.
    revision = "0123456789abcdef0123456789abcdef01234567"
    repo = tmp_path / "hub" / "models--nanonets--Nanonets-OCR2-3B"
    (repo / "snapshots" / revision).mkdir(parents=True)
    (repo / "snapshots" / revision / "config.json").write_text('{"model_type": "qwen2_5_vl"}', encoding="utf-8")
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(revision, encoding="utf-8")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_OFFLINE", True)
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_CACHE", str(tmp_path / "hub"))
    params = with_bases(default_params, nanonets=spec("hub", "nanonets/Nanonets-OCR2-3B", "main"))
    folder = resolve_base("nanonets", params, tmp_path)
    assert folder == repo / "snapshots" / revision and (folder / "config.json").is_file()


def test_materialized_bases_are_self_contained_copies(default_params, tmp_path: Path, monkeypatch) -> None:
    from specocr.models.registry import materialize_base

    (tmp_path / "zoo" / "ocr-S").mkdir(parents=True)
    (tmp_path / "zoo" / "ocr-S" / "config.json").write_text("{}", encoding="utf-8")
    revision = "0123456789abcdef0123456789abcdef01234567"
    repo = tmp_path / "hub" / "models--Qwen--Qwen2.5-VL-3B-Instruct"
    (repo / "snapshots" / revision).mkdir(parents=True)
    (repo / "blobs").mkdir()
    (repo / "blobs" / "3f2a").write_text('{"model_type": "qwen2_5_vl"}', encoding="utf-8")
    (repo / "snapshots" / revision / "config.json").symlink_to("../../blobs/3f2a")  # as the cache stores files
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(revision, encoding="utf-8")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_OFFLINE", True)
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_CACHE", str(tmp_path / "hub"))
    params = with_bases(default_params, **{"ocr-S": spec("zoo", "ocr-S"),
                                           "qwen": spec("hub", "Qwen/Qwen2.5-VL-3B-Instruct", "main")})

    copied = materialize_base("ocr-S", params, tmp_path / "bases" / "ocr-S", tmp_path)
    assert (copied / "config.json").read_text(encoding="utf-8") == "{}"
    (copied / "stale.txt").write_text("left from an earlier run", encoding="utf-8")
    assert not (materialize_base("ocr-S", params, copied, tmp_path) / "stale.txt").exists()

    downloaded = materialize_base("qwen", params, tmp_path / "bases" / "qwen", tmp_path)
    assert json.loads((downloaded / "config.json").read_text(encoding="utf-8")) == {"model_type": "qwen2_5_vl"}
    assert not downloaded.is_symlink() and not (downloaded / "config.json").is_symlink()


def test_the_bases_stage_command_names_a_missing_zoo_base(tmp_path: Path, monkeypatch) -> None:
    """`specocr materialize-base` (the bases@<name> stage) fails with the command that builds the base."""
    import shutil

    from typer.testing import CliRunner

    from conftest import ROOT
    from specocr.cli import app

    shutil.copy2(ROOT / "params.yaml", tmp_path / "params.yaml")
    monkeypatch.chdir(tmp_path)  # a project whose zoo/ is empty
    result = CliRunner().invoke(app, ["materialize-base", "ocr-S"])
    assert result.exit_code == 2 and "specocr pretrain ocr-S" in result.output
    result = CliRunner().invoke(app, ["materialize-base", "ocr-X"])
    assert result.exit_code == 2 and "unknown base 'ocr-X'" in result.output


def test_a_zoo_model_loads_without_a_progress_bar_and_leaves_bars_on(default_params, tmp_path: Path, capfd) -> None:
    from transformers.utils import logging as hf_logging

    from specocr.models.registry import load_model_folder
    from specocr.models.zoo import build_model, save_base

    model, processor = build_model("S", default_params.zoo, seed=0)
    folder = save_base(model, processor, tmp_path / "tiny", "# card\n")
    capfd.readouterr()
    load_model_folder(folder, device="cpu")
    assert "Loading weights" not in capfd.readouterr().err  # a sub-second load draws no bar in a notebook
    assert hf_logging.is_progress_bar_enabled()  # a Hub model's long load still gets its bar
