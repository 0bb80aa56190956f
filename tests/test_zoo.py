"""The zoo builder: tokenizer, processor, config; save/load by path in transformers and trl; training steps."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch

from specocr.domains.pt_br import PORTUGUESE_LETTERS
from specocr.models.foundations import SHIPPED_WEIGHTS
from specocr.models.held_out import (
    character_error_rate,
    evaluate,
    exact_accuracy,
    exact_by_task,
    floor_answers,
    generate_answers,
    held_out_sets,
)
from specocr.models.pretraining import Curriculum, pretrain, seed_from_export
from specocr.models.pretraining_data import (
    COLOURS,
    EXAMPLE_KINDS,
    NUMBER_WORDS,
    SCENE_TASKS,
    make_fakers,
    ocr_example,
    phase_batch,
    place_example,
    question_only_answers,
    scene_example,
    scene_task,
)
from specocr.models.zoo import (
    SPECIAL_TOKENS,
    build_model,
    build_tokenizer,
    character_vocabulary,
    count_parameters,
    load_base,
    save_base,
)
from specocr.models.zoo_card import curriculum_table, level1_partner
from specocr.params import CurriculumPhase, load_params

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def tiny(default_params):
    return build_model("S", default_params.zoo, seed=0)


def test_one_token_per_character_and_a_lossless_round_trip() -> None:
    tokenizer = build_tokenizer()
    text = "Certidão de nascimento: ÇÃÕ áéíóú âêô à — Ñandú, Ærøskøbing, Łódź\n12/03"
    characters = [c for c in text if c in set(character_vocabulary())]
    ids = tokenizer(text, add_special_tokens=False).input_ids
    assert len(ids) == len(text) and tokenizer.decode(ids) == text.replace("—", "<unk>")
    assert all(len(tokenizer(c, add_special_tokens=False).input_ids) == 1 for c in PORTUGUESE_LETTERS)
    assert len(characters) == len(text) - 1  # only the em dash is outside the vocabulary
    for token in SPECIAL_TOKENS:
        assert len(tokenizer(token, add_special_tokens=False).input_ids) == 1


def test_sizes_follow_the_params(default_params, tiny) -> None:
    small = count_parameters(tiny[0])
    medium = count_parameters(build_model("M", default_params.zoo, seed=0)[0])
    assert 2e6 < small < 3e6 and 2 <= medium / small <= 3  # as 7B is to 3B
    config = tiny[0].config
    assert config.text_config.rope_parameters["mrope_section"] == [2, 2, 28]
    assert config.vision_config.patch_size == 8 and config.vision_config.spatial_merge_size == 1


def test_the_collator_puts_the_loss_on_the_answer_only(default_params, tiny) -> None:
    from trl.trainer.sft_trainer import DataCollatorForVisionLanguageModeling

    model, processor = tiny
    example = ocr_example(3, default_params.data.block, default_params.data.page, make_fakers(), 2)
    batch = DataCollatorForVisionLanguageModeling(processor, completion_only_loss=True)([example.as_prompt_completion()])
    supervised = batch["labels"][batch["labels"] != -100]
    # the answer's characters, then <|im_end|> and the newline the chat template closes the turn with
    assert processor.tokenizer.decode(supervised[: len(example.answer)]) == example.answer
    assert len(supervised) == len(example.answer) + 2
    assert torch.isfinite(model(**batch).loss)


def test_batched_greedy_decoding_matches_one_at_a_time(default_params, tiny) -> None:
    # Left padding shifts M-RoPE positions: a decoding bug would show up as rows that differ.
    model, processor = tiny
    fakers = make_fakers()
    examples = [ocr_example(i, default_params.data.block, default_params.data.page, fakers, 1 + i % 3) for i in range(4)]
    together = generate_answers(model, processor, examples, max_new_tokens=12, batch_size=4)
    alone = [generate_answers(model, processor, [e], max_new_tokens=12)[0] for e in examples]
    assert together == alone


def test_saved_folder_loads_by_path_in_transformers_and_trl(tmp_path: Path, default_params, tiny) -> None:
    from datasets import Dataset
    from transformers import AutoModelForImageTextToText, AutoProcessor
    from trl import SFTConfig, SFTTrainer

    model, processor = tiny
    folder = save_base(model, processor, tmp_path / "generalist-S", "# card\n")
    reloaded, reprocessor = load_base(folder)
    assert torch.equal(reloaded.get_input_embeddings().weight, model.get_input_embeddings().weight)
    assert type(AutoProcessor.from_pretrained(folder, trust_remote_code=True)).__name__ == "CharOCRProcessor"
    assert type(AutoModelForImageTextToText.from_pretrained(folder)).__name__ == "Qwen2_5_VLForConditionalGeneration"

    fakers = make_fakers()
    rows = [ocr_example(i, default_params.data.block, default_params.data.page, fakers, 1).as_prompt_completion()
            for i in range(4)]
    config = SFTConfig(output_dir=str(tmp_path / "sft"), max_steps=2, per_device_train_batch_size=2, bf16=False,
                       gradient_checkpointing=False, max_length=None, trust_remote_code=True, report_to=[],
                       save_strategy="no", logging_steps=1, use_cpu=True, dataloader_num_workers=0)
    # The model is given as a path: trl finds the processor itself (AutoProcessor, offline).
    trainer = SFTTrainer(model=str(folder), args=config, train_dataset=Dataset.from_list(rows))
    result = trainer.train()
    assert result.global_step == 2 and torch.isfinite(torch.tensor(result.training_loss))


def test_pretraining_resumes_exactly_where_it_stopped(tmp_path: Path, default_params) -> None:
    zoo, data = default_params.zoo, default_params.data
    # two phases of one step each, so the resumed run must also restore where the curriculum stands
    phases = [CurriculumPhase(main="easy", review=[], steps=1), CurriculumPhase(main="lines", review=["easy"], steps=None)]
    stage = zoo.level2.model_copy(update={"batch_size": 2, "warmup_steps": 1, "phases": phases})
    rate = stage.learning_rate["S"]
    straight, processor = build_model("S", zoo, seed=0)
    history = pretrain(straight, processor, 2, stage, 3, rate, data.block, data.page, tmp_path / "straight")
    assert history.advances == [[0, 0], [1, 1]] and history.kinds[0] == "easy"

    resumed, processor = build_model("S", zoo, seed=0)
    first_part = stage.model_copy(update={"time_budget_minutes": 1e-9})  # stops (and saves) after one step
    history = pretrain(resumed, processor, 2, first_part, 3, rate, data.block, data.page, tmp_path / "resumed")
    assert history.steps == [1]
    resumed, processor = build_model("S", zoo, seed=0)  # a fresh process would start from scratch like this
    history = pretrain(resumed, processor, 2, stage, 3, rate, data.block, data.page, tmp_path / "resumed")
    assert history.steps == [1, 2, 3] and history.advances == [[0, 0], [1, 1]]
    for (name, a), b in zip(straight.state_dict().items(), resumed.state_dict().values()):
        assert torch.allclose(a, b, atol=1e-6), name


def test_a_last_phase_given_the_length_it_ran_hands_over_to_a_new_phase_on_resume(tmp_path: Path,
                                                                                  default_params) -> None:
    """The open-ended last phase of a shipped run is fixed at what it ran and a phase added after it: the
    resumed run goes straight to the new phase, without one more step of the old."""
    zoo, data = default_params.zoo, default_params.data
    phases = [CurriculumPhase(main="easy", review=[], steps=None)]
    stage = zoo.level2.model_copy(update={"batch_size": 2, "warmup_steps": 1, "phases": phases})
    rate = stage.learning_rate["S"]
    model, processor = build_model("S", zoo, seed=0)
    pretrain(model, processor, 2, stage, 2, rate, data.block, data.page, tmp_path / "run")
    longer = stage.model_copy(update={"phases": [phases[0].model_copy(update={"steps": 2}),
                                                 CurriculumPhase(main="lines", review=[], steps=None)]})
    history = pretrain(model, processor, 2, longer, 3, rate, data.block, data.page, tmp_path / "run")
    assert history.advances == [[0, 0], [2, 1]] and history.kinds == ["easy", "easy", "lines"]


def test_a_run_continues_from_its_export_when_the_work_directory_is_gone(tmp_path: Path, default_params) -> None:
    """Only committed files survive between sessions: the export (half-precision weights, history) must do."""
    zoo, data = default_params.zoo, default_params.data
    phases = [CurriculumPhase(main="easy", review=[], steps=1), CurriculumPhase(main="lines", review=["easy"], steps=None)]
    stage = zoo.level2.model_copy(update={"batch_size": 2, "warmup_steps": 1, "phases": phases})
    rate = stage.learning_rate["S"]
    model, processor = build_model("S", zoo, seed=0)
    history = pretrain(model, processor, 2, stage, 3, rate, data.block, data.page, tmp_path / "work", stop_at=2)
    export = save_base(model.to(torch.float16), processor, tmp_path / "export", "card")
    history.provenance = "Steps 1-2 ran in an earlier session.\n"  # as train_zoo_base exports it
    (export / "training_history.json").write_text(json.dumps(history.__dict__), encoding="utf-8")

    assert seed_from_export(export, stage, tmp_path / "new-work") == 2
    continued, processor = build_model("S", zoo, seed=1)  # other weights: the checkpoint must replace them
    history = pretrain(continued, processor, 2, stage, 3, rate, data.block, data.page, tmp_path / "new-work", stop_at=2)
    assert history.steps == [1, 2] and history.advances == [[0, 0], [1, 1]]  # nothing left to run before 2
    for (name, a), b in zip(model.state_dict().items(), continued.state_dict().values()):
        assert torch.equal(a.float(), b), name
    history = pretrain(continued, processor, 2, stage, 3, rate, data.block, data.page, tmp_path / "new-work")
    assert history.steps == [1, 2, 3] and history.kinds[2] in ("lines", "easy")
    provenance = (tmp_path / "new-work" / "provenance.md").read_text(encoding="utf-8")
    assert provenance.startswith("Steps 1-2 ran in an earlier session.\n") and "fresh optimizer moments" in provenance

    other = stage.model_copy(update={"phases": [phases[0].model_copy(update={"steps": 2}), phases[1]]})
    with pytest.raises(ValueError, match="another curriculum"):
        seed_from_export(export, other, tmp_path / "other-work")


def test_a_level_ends_with_its_fixed_length_last_phase(tmp_path: Path, default_params) -> None:
    zoo, data = default_params.zoo, default_params.data
    phases = [CurriculumPhase(main="easy", review=[], steps=1), CurriculumPhase(main="scenes", review=["easy"], steps=2)]
    stage = zoo.level1.model_copy(update={"batch_size": 2, "warmup_steps": 1, "phases": phases})
    rate = stage.learning_rate["S"]
    model, processor = build_model("S", zoo, seed=0)
    history = pretrain(model, processor, 1, stage, 50, rate, data.block, data.page, tmp_path / "run")
    assert history.steps == [1, 2, 3]  # 1 + 2 steps, far below the cap of 50
    again = pretrain(model, processor, 1, stage, 50, rate, data.block, data.page, tmp_path / "run")
    assert again.steps == [1, 2, 3]  # a finished level is not run again
    table = curriculum_table(stage, history, 2)
    assert "| 1 | easy | - | after 1 steps | steps 1-1 (2 images) |" in table
    assert "| 2 | scenes | easy | after 2 steps | steps 2-3 (4 images) |" in table

    # A phase added after the last one: the finished level, exported, goes on into it.
    export = save_base(model.to(torch.float16), processor, tmp_path / "export", "card")
    (export / "training_history.json").write_text(json.dumps(history.__dict__), encoding="utf-8")
    longer = stage.model_copy(update={"phases": [*phases, CurriculumPhase(main="shapes", review=["scenes"], steps=2)]})
    assert seed_from_export(export, longer, tmp_path / "longer") == 3
    continued = pretrain(model.float(), processor, 1, longer, 50, rate, data.block, data.page, tmp_path / "longer")
    assert continued.steps == [1, 2, 3, 4, 5] and continued.advances == [[0, 0], [1, 1], [3, 2]]
    assert "| 3 | shapes | scenes | after 2 steps | steps 4-5 (4 images) |" in curriculum_table(longer, continued, 2)
    # The same from the finished run's own checkpoint (optimizer moments kept), where it still is.
    resumed = pretrain(model, processor, 1, longer, 50, rate, data.block, data.page, tmp_path / "run")
    assert resumed.steps == [1, 2, 3, 4, 5] and resumed.advances == [[0, 0], [1, 1], [3, 2]]


def test_a_phase_with_its_own_rate_trains_at_it_and_the_next_phase_goes_back(tmp_path: Path, default_params,
                                                                            monkeypatch) -> None:
    zoo, data = default_params.zoo, default_params.data
    phases = [CurriculumPhase(main="easy", review=[], steps=1),
              CurriculumPhase(main="scenes", review=["easy"], steps=2, learning_rate=3e-4),
              CurriculumPhase(main="shapes", review=["scenes"], steps=1)]
    stage = zoo.level1.model_copy(update={"batch_size": 2, "warmup_steps": 0, "phases": phases})
    model, processor = build_model("S", zoo, seed=0)
    rates, step = [], torch.optim.AdamW.step

    def recording_step(optimizer, *args, **kwargs):
        rates.append(optimizer.param_groups[0]["lr"])
        return step(optimizer, *args, **kwargs)

    monkeypatch.setattr(torch.optim.AdamW, "step", recording_step)
    # stops (and saves) in the middle of the phase with its own rate: the resumed run keeps that rate
    pretrain(model, processor, 1, stage, 50, 2e-3, data.block, data.page, tmp_path / "run", stop_at=2)
    history = pretrain(model, processor, 1, stage, 50, 2e-3, data.block, data.page, tmp_path / "run")
    assert rates == pytest.approx([2e-3, 3e-4, 3e-4, 2e-3])
    table = curriculum_table(stage, history, 2)
    assert "| 2 | scenes | easy | after 2 steps; lr 0.0003 | steps 2-3 (4 images) |" in table


def test_a_phase_advances_when_the_moving_average_of_its_own_loss_is_low(default_params) -> None:
    phases = [CurriculumPhase(main="easy", review=[], steps=None),
              CurriculumPhase(main="mono", review=["easy"], steps=None)]
    stage = default_params.zoo.level1.model_copy(update={"phases": phases, "advance_below": 0.5, "ema_decay": 0.5})
    curriculum = Curriculum(stage)
    assert not curriculum.record(1, "easy", 2.0)  # average 2.0
    assert not curriculum.record(2, "easy", 0.2)  # 1.1
    assert not curriculum.record(3, "easy", 0.2)  # 0.65
    assert curriculum.record(4, "easy", 0.2)      # 0.425 < 0.5: phase 2 begins after step 4
    assert (curriculum.phase, curriculum.phase_start, curriculum.average) == (1, 4, None)
    assert not curriculum.record(5, "easy", 0.0)  # a review batch does not move the new phase's average
    assert curriculum.average is None
    for step in range(6, 30):  # the last open-ended phase runs until the level's step cap
        assert not curriculum.record(step, "mono", 0.0)
    assert curriculum.phase == 1 and not curriculum.finished


def test_phase_batches_are_seeded_one_kind_each_and_mostly_the_main_kind(default_params) -> None:
    """Mixed lengths in a batch would pad every example to the longest (most of the compute)."""
    data = default_params.data
    first = phase_batch(2, "lines", ["easy", "blocks"], 0.3, 10, 4, data.block, data.page, make_fakers())
    again = phase_batch(2, "lines", ["easy", "blocks"], 0.3, 10, 4, data.block, data.page, make_fakers())
    assert first[0] == again[0] and [e.answer for e in first[1]] == [e.answer for e in again[1]]
    assert [e.image.tobytes() for e in first[1]] == [e.image.tobytes() for e in again[1]]
    assert all(e.answer for e in first[1])
    kinds = [phase_batch(2, "lines", ["easy", "blocks"], 0.3, step, 2, data.block, data.page, make_fakers())
             for step in range(60)]
    assert all(len({e.image.size for e in examples}) == 1 for _, examples in kinds)
    share = sum(kind == "lines" for kind, _ in kinds) / len(kinds)
    assert 0.55 <= share <= 0.85 and {kind for kind, _ in kinds} == {"lines", "easy", "blocks"}
    # the two levels never draw the same examples at the same step
    level1 = phase_batch(1, "lines", [], 0.3, 10, 4, data.block, data.page, make_fakers())[1]
    level2 = phase_batch(2, "lines", [], 0.3, 10, 4, data.block, data.page, make_fakers())[1]
    assert [e.answer for e in level1] != [e.answer for e in level2]
    scene = scene_example(4)
    assert scene.image.size == (320, 32) and scene.answer
    assert character_error_rate(["casa"], ["cama"]) == pytest.approx(0.25)


def test_the_question_only_answers_are_each_questions_most_common_answer() -> None:
    """The floor of the level-1 target: what a base that ignores the image can score on scene questions."""
    scenes = [scene_example(seed) for seed in range(300)]
    assert {scene_task(example.prompt) for example in scenes} == set(SCENE_TASKS.values())
    with pytest.raises(ValueError, match="not a scene question"):
        scene_task("Read the text.")
    questions, references = [e.prompt for e in scenes], [e.answer for e in scenes]
    answers = question_only_answers(questions, seed=3, count=2000)
    assert answers == question_only_answers(questions, seed=3, count=2000)
    by_question = dict(zip(questions, answers))
    assert by_question["How many shapes are there?"] in NUMBER_WORDS[1:]
    assert by_question["What does the text say?"]  # one of the short words
    # questions about what the image shows cannot be answered well without it, counting a little
    accuracy = exact_accuracy(answers, references)
    assert 0.05 < accuracy < 0.3
    by_task = exact_by_task(scenes, answers)
    assert list(by_task) == list(SCENE_TASKS.values()) and sum(asked for _, asked in by_task.values()) == len(scenes)
    assert sum(right for right, _ in by_task.values()) == round(accuracy * len(scenes))
    assert by_task["colour"][0] < by_task["colour"][1]  # the colour of a shape is not in its question
    assert floor_answers(scenes[:20], held_out_seed=2) == question_only_answers(questions[:20], seed=3)
    assert question_only_answers(["What is this?"], seed=3, count=50) == [""]  # never drawn: no answer


def test_a_place_question_names_the_cell_of_the_shape_it_asks_about() -> None:
    """The places kind asks the scenes' position question about one of at most two shapes, and its answer is
    that shape's grid cell, found here from the pixels: the asked colour is drawn in that cell."""
    for seed in range(40):
        example = place_example(seed)
        assert scene_task(example.prompt) == "position"
        colour = example.prompt.removeprefix("Where is the ").split()[0]
        row, column = example.answer.split(" ", 1)
        cell_w, cell_h = example.image.width // 4, example.image.height // 2
        left = ("far left", "left", "right", "far right").index(column) * cell_w
        top = ("top", "bottom").index(row) * cell_h
        cell = example.image.crop((left, top, left + cell_w, top + cell_h))
        assert COLOURS[colour] in {rgb for _, rgb in cell.getcolors(cell_w * cell_h)}, seed


def test_every_kind_makes_answerable_lines_of_its_length(default_params) -> None:
    data, fakers = default_params.data, make_fakers()
    longest = {"easy": 12, "clean24": 24, "mono": 36, "printed": 36, "short": 24}
    for kind, make in EXAMPLE_KINDS.items():
        examples = [make(seed, data.block, data.page, fakers) for seed in range(12)]
        assert all(e.answer and e.image.width == data.block.width for e in examples), kind
        if kind in longest:
            assert all(len(e.answer) <= longest[kind] and "\n" not in e.answer for e in examples), kind
            assert all(e.image.height == data.block.line_height for e in examples), kind
    mono = [EXAMPLE_KINDS["mono"](seed, data.block, data.page, fakers) for seed in range(30)]
    assert len({e.image.getpixel((data.block.width - 1, 0)) for e in mono}) > 5  # grey paper of many shades


def test_bootstrap_examples_are_short_clean_monospace_lines(default_params) -> None:
    from specocr.models.pretraining_data import easy_ocr_example

    data = default_params.data
    examples = [easy_ocr_example(seed, data.block, data.page, font_px) for seed in range(20) for font_px in (None, 13)]
    assert all(1 <= len(e.answer) <= 12 and "\n" not in e.answer for e in examples)
    assert any(" " in e.answer for e in examples)  # words, not one run of random characters
    assert all(e.image.size == (data.block.width, data.block.line_height) for e in examples)


def test_build_zoo_trains_each_size_level_1_then_level_2(tmp_path: Path, monkeypatch) -> None:
    """`specocr build-zoo` (the frozen zoo stage) on a few steps: both levels saved, with cards and histories."""
    import yaml
    from conftest import ROOT
    from typer.testing import CliRunner

    from specocr.cli import app

    tree = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))
    tree["bases"] = {name: spec for name, spec in tree["bases"].items() if spec["size"] == "S"}
    tree["quant"]["bases"] = list(tree["bases"])
    tree["zoo"].update(eval_examples=2, checkpoint_every=1)
    for level in ("level1", "level2"):
        tree["zoo"][level].update(steps={size: 2 for size in tree["zoo"]["sizes"]}, batch_size=2, warmup_steps=1)
        for phase in tree["zoo"][level]["phases"]:
            if phase.get("batch_size"):
                phase["batch_size"] = 1
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(tree), encoding="utf-8")
    monkeypatch.chdir(tmp_path)

    result = CliRunner().invoke(app, ["build-zoo", "--params", "params.yaml"])
    assert result.exit_code == 0, result.output + (tmp_path / "zoo" / ".work" / "S.log").read_text()
    for name in tree["bases"]:
        folder = tmp_path / "zoo" / name
        assert (folder / "config.json").is_file() and "cer_printed_lines" in (folder / "README.md").read_text()
    history = json.loads((tmp_path / "zoo" / "ocr-S" / "training_history.json").read_text(encoding="utf-8"))
    assert history["steps"] == [1, 2] and history["started_from_step"] == 2  # generalist-S's last step
    assert "continued from `generalist-S` at its step 2" in (tmp_path / "zoo" / "ocr-S" / "README.md").read_text()

    # Another session: the work directory is gone, the cap is higher; ocr-S goes on from its export.
    shutil.rmtree(tmp_path / "zoo" / ".work" / "ocr-S")
    tree["zoo"]["level2"]["steps"] = {size: 3 for size in tree["zoo"]["sizes"]}
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(tree), encoding="utf-8")
    result = CliRunner().invoke(app, ["pretrain", "ocr-S", "--from-export", "--params", "params.yaml"])
    assert result.exit_code == 0, result.output
    history = json.loads((tmp_path / "zoo" / "ocr-S" / "training_history.json").read_text(encoding="utf-8"))
    assert history["steps"] == [1, 2, 3] and history["started_from_step"] == 2  # kept through the export
    assert "At step 2 the run was continued from its exported weights" in (tmp_path / "zoo" / "ocr-S" / "README.md").read_text()
    # A few steps do not make a competent level-1 base: its card says so against the image-blind answers.
    assert "**Not competent at its scene questions**: exact-answer accuracy" in (tmp_path / "zoo" / "generalist-S" / "README.md").read_text()

    # The card and the history's last evaluation measure the weights as saved (half precision, read back as
    # float32), not the float32 weights of the last training step: re-read from the folder, they give the same.
    shipped = history["evals"][-1]
    assert shipped["step"] == 3 and shipped["weights"] == SHIPPED_WEIGHTS
    model, processor = load_base(tmp_path / "zoo" / "ocr-S")
    params = load_params(tmp_path / "params.yaml")
    sets = held_out_sets(params.zoo.seed + 1, params.zoo.eval_examples, params.data.block, params.data.page)
    measured = evaluate(model, processor, sets)
    assert measured == {key: shipped[key] for key in measured}
    assert f"| cer_printed_lines | {shipped['cer_printed_lines']:.4f} |" in (tmp_path / "zoo" / "ocr-S" / "README.md").read_text()


def test_easy_lines_at_13_px_put_one_character_in_each_vision_patch(default_params) -> None:
    from specocr.models.pretraining_data import easy_ocr_example

    data = default_params.data

    def pixels_per_character(font_px: int | None) -> float:
        example = max((easy_ocr_example(seed, data.block, data.page, font_px) for seed in range(10)),
                      key=lambda e: len(e.answer))
        grey = example.image.convert("L")
        inked = [x for x in range(grey.width) if min(grey.getpixel((x, y)) for y in range(grey.height)) < 128]
        return (max(inked) + 1 - data.block.side_padding) / len(example.answer)

    assert 7.0 <= pixels_per_character(13) <= 8.5  # patch_size 8
    # the benchmark's monospace text (data.block.font_size 17) is drawn at about the same width
    assert 7.0 <= pixels_per_character(None) <= 8.5


def test_the_zoo_builds_both_levels_at_every_size_as_the_zoo_stage_outputs_them(default_params) -> None:
    """`make zoo` (the frozen stage's command) and `specocr pretrain` cover every folder the stage outputs, not
    only the bases params.bases selects for the pipeline (the default leaves ocr-M out)."""
    import yaml
    from conftest import ROOT
    from typer.testing import CliRunner

    from specocr.cli import app
    from specocr.models import zoo_bases

    stage = yaml.safe_load((ROOT / "dvc.yaml").read_text(encoding="utf-8"))["stages"]["zoo"]
    outputs = {next(iter(out)) if isinstance(out, dict) else out for out in stage["outs"]}
    bases = zoo_bases(default_params)
    assert {f"{default_params.zoo.folder}/{spec.location}" for spec in bases.values()} == outputs
    assert "ocr-M" not in default_params.bases and bases["ocr-M"].level == 2 and bases["ocr-M"].size == "M"
    assert bases["ocr-M"].analogue_of == "allenai/olmOCR-2-7B-1025"
    assert level1_partner("ocr-M", default_params) == "generalist-M"
    result = CliRunner().invoke(app, ["pretrain", "ocr-X", "--params", str(ROOT / "params.yaml")])
    assert result.exit_code == 2 and "the zoo builds ['generalist-M', 'generalist-S', 'ocr-M', 'ocr-S']" in result.output
