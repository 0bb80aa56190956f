from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from specocr.params import ParamsError, load_params, parse_params

ROOT = Path(__file__).resolve().parents[1]
PARAMS_FILES = [ROOT / "params.yaml", *sorted((ROOT / "params").glob("*.yaml")), ROOT / "bench" / "gpu_rehearsal.yaml"]


@pytest.fixture
def tree() -> dict:
    return yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", PARAMS_FILES, ids=lambda p: p.name)
def test_shipped_params_files_are_valid(path: Path) -> None:
    load_params(path)


def test_smoke_and_paper_files_exist() -> None:
    names = {p.name for p in PARAMS_FILES}
    assert {"params.yaml", "smoke.yaml", "paper.yaml"} <= names


def test_unknown_key_is_named_with_its_path(tree: dict) -> None:
    tree["sft"]["learnig_rate"] = 0.1
    with pytest.raises(ParamsError, match=r"sft\.learnig_rate: unknown key"):
        parse_params(tree)


def test_wrong_type_is_named_with_its_path(tree: dict) -> None:
    tree["data"]["splits"]["test"] = "200"  # strict: a string is not an integer
    with pytest.raises(ParamsError, match=r"data\.splits\.test: .*integer"):
        parse_params(tree)


def test_nested_dict_entries_are_named(tree: dict) -> None:
    tree["bases"]["ocr-S"]["level"] = 3
    tree["cost"]["hardware"]["aws-c7i-large"]["usd_per_hour"] = -1.0
    with pytest.raises(ParamsError) as raised:
        parse_params(tree)
    message = str(raised.value)
    assert "bases.ocr-S.level" in message and "cost.hardware.aws-c7i-large.usd_per_hour" in message


def test_missing_key_is_reported(tree: dict) -> None:
    del tree["eval"]["confidence"]
    with pytest.raises(ParamsError, match=r"eval\.confidence: missing key"):
        parse_params(tree)


def test_cross_field_rules(tree: dict) -> None:
    broken = copy.deepcopy(tree)
    broken["data"]["source"] = "local"
    with pytest.raises(ParamsError, match="data.location is required"):
        parse_params(broken)
    broken["data"].update(source="hub", location="Dharma-AI/DharmaOCR-Benchmark")
    with pytest.raises(ParamsError, match="test split only.*data.test_source"):
        parse_params(broken)
    broken["data"].update(source="synthetic", location=None,
                          test_source={"source": "hub", "location": "Dharma-AI/DharmaOCR-Benchmark"})
    assert parse_params(broken).data.test_source.revision is None
    broken = copy.deepcopy(tree)
    broken["dpo"]["loss_weights"] = [1.0]
    with pytest.raises(ParamsError, match="loss_weights"):
        parse_params(broken)
    broken = copy.deepcopy(tree)
    broken["cost"]["measured_on"] = "my-laptop"
    with pytest.raises(ParamsError, match="my-laptop"):
        parse_params(broken)
    broken = copy.deepcopy(tree)
    broken["cost"]["apis"]["GPT-4o"]["usd_per_1000_pages"] = 1.0  # both pricing models at once
    with pytest.raises(ParamsError, match="either usd_per_1000_pages"):
        parse_params(broken)


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(ParamsError, match="cannot read"):
        load_params(tmp_path / "absent.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("seed: [1,\n", encoding="utf-8")
    with pytest.raises(ParamsError, match="not valid YAML"):
        load_params(bad)
    bad.write_text("- a list\n", encoding="utf-8")
    with pytest.raises(ParamsError, match="must be a mapping"):
        load_params(bad)


def test_reported_numbers_file_matches_the_cost_table() -> None:
    """Every API priced in params has a reported score, so the Pareto plot can place it."""
    params = load_params(ROOT / "params.yaml")
    reported = yaml.safe_load((ROOT / params.report.reported).read_text(encoding="utf-8"))
    names = {row["name"] for row in reported["systems"]}
    assert set(params.cost.apis) <= names, sorted(set(params.cost.apis) - names)
    assert all(0 < row["score"] <= 1 for row in reported["systems"])


def test_curriculum_phases_are_checked(tree: dict) -> None:
    broken = copy.deepcopy(tree)
    broken["zoo"]["level1"]["phases"][1]["main"] = "poems"
    with pytest.raises(ParamsError, match=r"zoo\.level1\.phases\.1\.main: .*'easy'"):
        parse_params(broken)
    broken = copy.deepcopy(tree)
    broken["zoo"]["level2"]["phases"][0]["review"].append("printed")
    with pytest.raises(ParamsError, match="reviews its own main kind 'printed'"):
        parse_params(broken)
    broken = copy.deepcopy(tree)
    broken["zoo"]["level1"]["steps"] = {"S": 10}
    with pytest.raises(ParamsError, match=r"zoo\.level1\.steps must name every zoo size"):
        parse_params(broken)
    broken = copy.deepcopy(tree)
    broken["zoo"]["level2"]["learning_rate"] = {"S": 1e-3}  # M would have no rate
    with pytest.raises(ParamsError, match=r"zoo\.level2\.learning_rate must name every zoo size"):
        parse_params(broken)
    broken = copy.deepcopy(tree)
    broken["zoo"]["level1"]["learning_rate"] = 2e-3  # one rate for every size is not accepted
    with pytest.raises(ParamsError, match=r"zoo\.level1\.learning_rate"):
        parse_params(broken)
    broken = copy.deepcopy(tree)
    broken["zoo"]["level1"]["phases"][-1]["sizes"] = ["XL"]
    with pytest.raises(ParamsError, match=r"zoo\.level1\.phases\[\d+\]\.sizes names \['XL'\]"):
        parse_params(broken)
    broken = copy.deepcopy(tree)
    broken["zoo"]["level2"]["phases"][-1]["batch_size"] = 64  # more than the level's 32
    with pytest.raises(ParamsError, match=r"phases\[\d+\]\.batch_size 64 exceeds the level's 32"):
        parse_params(broken)
    broken = copy.deepcopy(tree)
    for phase in broken["zoo"]["level2"]["phases"]:
        phase["sizes"] = ["S"]
    with pytest.raises(ParamsError, match=r"zoo\.level2\.phases: none is run by size M"):
        parse_params(broken)


def test_a_phase_for_one_size_is_left_out_of_the_others_curricula(tree: dict) -> None:
    params = parse_params(tree)
    phases = params.zoo.level1.phases
    only_s = [index for index, phase in enumerate(phases) if phase.sizes == ["S"]]
    assert only_s, "the default params have no S-only phase: this test needs one"
    assert params.zoo.level1.for_size("S").phases == phases
    assert params.zoo.level1.for_size("M").phases == [p for i, p in enumerate(phases) if i not in only_s]


@pytest.mark.parametrize("path", PARAMS_FILES[1:], ids=lambda p: p.name)
def test_every_other_params_file_is_an_overlay_of_the_default(path: Path) -> None:
    """No second copy of params.yaml to drift from it: each file under params/ says only what differs."""
    from specocr.params import read_tree

    chain, current = [], path
    while True:
        own = yaml.load(current.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)  # no tags resolved
        if "overlay_of" not in own:
            break
        current = (current.parent / own["overlay_of"]).resolve()
        chain.append(current)
    assert chain and chain[-1] == (ROOT / "params.yaml").resolve(), chain
    assert read_tree(path).keys() == read_tree(ROOT / "params.yaml").keys()


def test_an_overlay_merges_mappings_and_replaces_lists_scalars_and_tagged_mappings(tmp_path: Path) -> None:
    from specocr.params import read_tree

    (tmp_path / "base.yaml").write_text(
        "a: {x: 1, y: [1, 2], z: {p: 1, q: 2}}\nb: {m: 1, n: 2}\nc: 3\n", encoding="utf-8")
    (tmp_path / "overlays").mkdir()
    (tmp_path / "overlays" / "one.yaml").write_text(
        "overlay_of: ../base.yaml\na: {y: [3], z: {q: 5}}\nb: !replace {k: 0}\n", encoding="utf-8")
    (tmp_path / "overlays" / "two.yaml").write_text("overlay_of: one.yaml\nc: null\n", encoding="utf-8")
    assert read_tree(tmp_path / "overlays" / "two.yaml") == {
        "a": {"x": 1, "y": [3], "z": {"p": 1, "q": 5}}, "b": {"k": 0}, "c": None}
    (tmp_path / "loop.yaml").write_text("overlay_of: loop.yaml\n", encoding="utf-8")
    with pytest.raises(ParamsError, match="loops back to itself"):
        read_tree(tmp_path / "loop.yaml")


def test_compose_writes_the_whole_tree_and_is_never_a_base_itself(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from specocr.cli import app
    from specocr.params import read_tree

    composed = tmp_path / "params.yaml"
    result = CliRunner().invoke(app, ["compose-params", str(ROOT / "params" / "smoke.yaml"), "--out", str(composed)])
    assert result.exit_code == 0, result.output
    assert load_params(composed) == load_params(ROOT / "params" / "smoke.yaml")
    assert read_tree(composed) == read_tree(ROOT / "params" / "smoke.yaml")
    (tmp_path / "params").mkdir()
    (tmp_path / "params" / "es.yaml").write_text((ROOT / "params" / "es.yaml").read_text(encoding="utf-8"),
                                                 encoding="utf-8")
    with pytest.raises(ParamsError, match="written by `specocr compose-params`.*git checkout params.yaml"):
        load_params(tmp_path / "params" / "es.yaml")  # es on top of smoke would be neither


def test_the_gpu_rehearsal_is_the_cpu_rehearsal_with_vllm() -> None:
    from specocr.params import read_tree

    rehearsal, cpu = read_tree(ROOT / "bench" / "gpu_rehearsal.yaml"), read_tree(ROOT / "params" / "paper-cpu.yaml")
    assert rehearsal["eval"]["backend"] == "vllm" and cpu["eval"]["backend"] == "hf"
    changed = {key for key in rehearsal["eval"] if rehearsal["eval"][key] != cpu["eval"][key]}
    assert changed == {"backend", "vllm_max_model_len"}
    assert {key: value for key, value in rehearsal.items() if key != "eval"} == \
           {key: value for key, value in cpu.items() if key != "eval"}
