"""The committed zoo: every shipped base loads by path with its processor, is small, and reads as its card says."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from conftest import ROOT

from specocr.models import (
    LEVEL1_DOCUMENT_RATIO,
    LEVEL1_SCENE_MARGIN,
    LEVEL1_SCENE_QUESTIONS,
    LEVEL2_DOCUMENT_TARGET_CER,
    LEVEL2_TARGET_CER,
    NOT_READING_CER,
)
from specocr.models.held_out import (
    character_error_rate,
    document_cers,
    generate_answers,
    held_out_sets,
    level1_scene_check,
)
from specocr.models.registry import load_model_folder
from specocr.params import load_params

pytestmark = pytest.mark.slow
PARAMS = load_params(ROOT / "params.yaml")
ZOO = ROOT / PARAMS.zoo.folder
#: The zoo stage's outputs (dvc.yaml): levels 1 and 2 at sizes S and M, whatever params.bases selects.
SHIPPED = {"generalist-S": (1, "S"), "ocr-S": (2, "S"), "generalist-M": (1, "M"), "ocr-M": (2, "M")}


@pytest.fixture(scope="module")
def printed_lines():
    zoo, data = PARAMS.zoo, PARAMS.data
    return held_out_sets(zoo.seed + 1, zoo.eval_examples, data.block, data.page)["printed_lines"]


def card_metrics(folder: Path) -> dict[str, float]:
    history = json.loads((folder / "training_history.json").read_text(encoding="utf-8"))
    return history["evals"][-1]


def test_every_shipped_folder_carries_the_current_processor_code() -> None:
    """save_pretrained copies the processor's code into each folder, and AutoProcessor runs that copy: an older
    one would silently ignore the band-strip layout the pipeline gives the bases."""
    source = (ROOT / "src" / "specocr" / "models" / "processing_charocr.py").read_text(encoding="utf-8")
    for name in SHIPPED:
        assert (ZOO / name / "processing_charocr.py").read_text(encoding="utf-8") == source, name


def test_the_zoo_is_small_enough_to_commit() -> None:
    weights = sum(f.stat().st_size for name in SHIPPED for f in (ZOO / name).glob("*.safetensors"))
    assert 0 < weights < 60e6


@pytest.mark.parametrize("name", SHIPPED)
def test_a_shipped_base_loads_and_reads_as_its_card_says(name: str, printed_lines) -> None:
    torch.set_num_threads(1)
    folder = ZOO / name
    model, processor = load_model_folder(folder, device="cpu")  # AutoModel + AutoProcessor, by path, offline
    assert next(model.parameters()).dtype == torch.float32
    assert model.config.text_config.hidden_size == PARAMS.zoo.sizes[SHIPPED[name][1]].text_hidden
    card = (folder / "README.md").read_text(encoding="utf-8")
    assert card.startswith("---\n") and f"| level | {SHIPPED[name][0]} |" in card and "cer_printed_lines" in card

    answers = generate_answers(model, processor, printed_lines)
    cer = character_error_rate(answers, [example.answer for example in printed_lines])
    # Older cards measured the float32 weights before half-precision storage (greedy decoding may then flip a
    # few characters); cards whose last evaluation says `"weights": "float16"` measured the stored weights, and
    # another machine's float arithmetic may still flip a few. The held-out lines are the same in every process
    # and on every day since Faker's it_IT cities are sorted and its dates count back from a fixed day
    # (test_determinism.py, test_domains.py); before, two of these lines named a city that followed the hash seed,
    # and a base that runs away to the token cap on a long one lost up to 0.09 (CI once read generalist-M at 0.589,
    # card 0.522). A base that does not read babbles to the cap on most lines, so the claim checked for it is
    # that it does not read (the earlier ocr-M measured 1.686 for its card, 1.731 in other processes).
    card_cer = card_metrics(folder)["cer_printed_lines"]
    if card_cer >= NOT_READING_CER:
        assert cer >= NOT_READING_CER
    else:
        assert cer == pytest.approx(card_cer, abs=0.03)


@pytest.mark.parametrize("size", ["S", "M"])
def test_the_ocr_specialist_meets_the_target_and_reads_better_than_its_generalist(size: str) -> None:
    generalist, specialist = (card_metrics(ZOO / f"{kind}-{size}")["cer_printed_lines"] for kind in ("generalist", "ocr"))
    assert specialist <= LEVEL2_TARGET_CER and specialist < generalist - 0.2


@pytest.mark.parametrize("size", ["S", "M"])
def test_a_shipped_generalist_answers_scene_questions_as_its_card_says(size: str) -> None:
    torch.set_num_threads(1)
    folder = ZOO / f"generalist-{size}"
    model, processor = load_model_folder(folder, device="cpu")
    measured = level1_scene_check(model, processor, PARAMS.zoo.seed + 1, PARAMS.data.block.width)
    card = card_metrics(folder)
    for key, value in measured.items():  # from the stored weights, as the card; a few answers may flip elsewhere
        assert value == pytest.approx(card[key], abs=0.03), key
    assert "competent at its scene questions" in (folder / "README.md").read_text(encoding="utf-8").lower()


@pytest.mark.parametrize("size", ["S", "M"])
def test_the_generalist_is_competent_at_its_scene_questions(size: str) -> None:
    """Level 1's target, from the card (checked against the weights above): exact answers to held-out scene
    questions well above the answers that ignore the image."""
    card, count = card_metrics(ZOO / f"generalist-{size}"), LEVEL1_SCENE_QUESTIONS
    assert card[f"scene_accuracy_{count}"] >= card[f"scene_question_only_{count}"] + LEVEL1_SCENE_MARGIN


#: Held-out documents per set for the document targets (the cards use zoo.eval_examples; fewer keep CI short).
DOCUMENTS_PER_SET = 24


@pytest.fixture(scope="module")
def documents():
    zoo, data = PARAMS.zoo, PARAMS.data
    sets = held_out_sets(zoo.seed + 1, DOCUMENTS_PER_SET, data.block, data.page)
    return {name: sets[name] for name in LEVEL2_DOCUMENT_TARGET_CER}


def read_documents(name: str, documents) -> dict[str, float]:
    """CER of a shipped base on held-out documents, read as the pipeline's bases read them (band strips of
    ``bases.<base>.strip_width``, the same for every base of params.yaml)."""
    torch.set_num_threads(1)
    strip_width = next(spec.strip_width for spec in PARAMS.bases.values())
    return document_cers(ZOO / name, documents, PARAMS.data.block.line_height, strip_width)


@pytest.mark.parametrize("size", ["S", pytest.param("M", marks=pytest.mark.xfail(
    strict=True, reason="issue 21, target 1, not met yet for M: ocr-M has had two document phases "
                        "(the README's zoo table)"))])
def test_the_ocr_specialist_reads_documents_and_its_generalist_does_not(size: str, documents) -> None:
    """Level 2's document targets (issue 21, target 1) with the structured prompt, and level 1 a clearly weaker
    reader of the same documents."""
    specialist, generalist = read_documents(f"ocr-{size}", documents), read_documents(f"generalist-{size}", documents)
    for kind, target in LEVEL2_DOCUMENT_TARGET_CER.items():
        assert specialist[kind] <= target, (kind, specialist)
        assert generalist[kind] >= LEVEL1_DOCUMENT_RATIO * specialist[kind], (kind, generalist)
