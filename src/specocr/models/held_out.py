"""The zoo's held-out checks: fixed evaluation sets no training batch draws from, greedy answers to them, and
the measures the model cards report (CER on the OCR sets, exact answers to the scene questions).
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from rapidfuzz.distance import Levenshtein
from transformers import Qwen2_5_VLForConditionalGeneration

from specocr.data.synthetic import document_seed
from specocr.evaluate.score import to_plain
from specocr.models import LEVEL1_SCENE_QUESTIONS
from specocr.models.pretraining_data import (
    SCENE_TASKS,
    Example,
    make_fakers,
    mono_line_example,
    ocr_example,
    question_only_answers,
    scene_example,
    scene_task,
)
from specocr.models.processing_charocr import CharOCRProcessor
from specocr.params import BlockLayout, PageLayout


def held_out_sets(seed: int, count: int, block: BlockLayout, page: PageLayout) -> dict[str, list[Example]]:
    """Fixed evaluation sets, from seeds no training batch uses: single general printed lines, single
    handwritten lines, 3-line printed or handwritten blocks, ``max_lines``-line printed and handwriting-style
    documents asked with the structured-OCR prompt (level 2's targets), single monospace lines (what level 1
    learns to read), and level-1 scene questions."""
    fakers = make_fakers()

    def ocr_set(name: str, lines: int, category: str | None) -> list[Example]:
        return [ocr_example(document_seed(seed, f"eval/{name}", i), block, page, fakers, lines, category)
                for i in range(count)]

    def document_set(name: str, category: str) -> list[Example]:
        return [ocr_example(document_seed(seed, f"eval/{name}", i), block, page, fakers, block.max_lines, category,
                            structured=True) for i in range(count)]

    return {
        "printed_lines": ocr_set("printed_lines", 1, "printed"),
        "handwritten_lines": ocr_set("handwritten_lines", 1, "handwritten"),
        "blocks": ocr_set("blocks", 3, None),
        "printed_documents": document_set("printed_documents", "printed"),
        "handwritten_documents": document_set("handwritten_documents", "handwritten"),
        "mono_lines": [mono_line_example(document_seed(seed, "eval/mono_lines", i), block, fakers) for i in range(count)],
        "scenes": [scene_example(document_seed(seed, "eval/scenes", i), width=block.width) for i in range(count)],
    }


def generate_answers(model: Qwen2_5_VLForConditionalGeneration, processor: CharOCRProcessor, examples: list[Example],
                     max_new_tokens: int = 160, batch_size: int = 16) -> list[str]:
    """Greedy answers to each example's own question, batched with left padding."""
    from specocr.evaluate.generate import generate_batch

    model.eval()
    answers = []
    for start in range(0, len(examples), batch_size):
        chunk = examples[start:start + batch_size]
        outputs = generate_batch(model, processor, [e.image for e in chunk], max_new_tokens,
                                 prompt=[e.prompt for e in chunk])
        answers += [output["prediction"] for output in outputs]
    return answers


def character_error_rate(predictions: list[str], references: list[str]) -> float:
    """Edit distance over reference characters, pooled over the set, on the texts as the official score sees
    them (a JSON answer's values joined by newlines, :func:`specocr.evaluate.score.to_plain`)."""
    predictions, references = [to_plain(p) for p in predictions], [to_plain(r) for r in references]
    errors = sum(Levenshtein.distance(p, r) for p, r in zip(predictions, references))
    return errors / max(1, sum(len(r) for r in references))


def exact_accuracy(answers: list[str], references: list[str]) -> float:
    """The share of answers equal to their reference."""
    return sum(a == r for a, r in zip(answers, references, strict=True)) / max(1, len(references))


def floor_answers(scenes: list[Example], held_out_seed: int) -> list[str]:
    """The best answers to held-out ``scenes`` (drawn from ``held_out_seed``) that ignore the image
    (:func:`question_only_answers`), counted on the scenes of the next seed: the floor of every level-1 check
    (the cards', notebook 02's)."""
    width = scenes[0].image.width if scenes else 320
    return question_only_answers([example.prompt for example in scenes], held_out_seed + 1, width=width)


def exact_by_task(scenes: list[Example], answers: list[str]) -> dict[str, tuple[int, int]]:
    """Exact answers per scene task: (right, asked), in :data:`SCENE_TASKS`' order."""
    counts = {task: (0, 0) for task in SCENE_TASKS.values()}
    for example, answer in zip(scenes, answers, strict=True):
        task = scene_task(example.prompt)
        right, asked = counts[task]
        counts[task] = (right + (answer == example.answer), asked + 1)
    return counts


def level1_scene_check(model: Qwen2_5_VLForConditionalGeneration, processor: CharOCRProcessor, seed: int,
                       width: int = 320) -> dict[str, float]:
    """Level 1's target, measured: exact accuracy on :data:`LEVEL1_SCENE_QUESTIONS` held-out scene questions
    (the cards' scene set, drawn from ``seed`` like :func:`held_out_sets`, extended), and that of the answers
    that ignore the image on the same questions."""
    scenes = [scene_example(document_seed(seed, "eval/scenes", i), width=width) for i in range(LEVEL1_SCENE_QUESTIONS)]
    accuracy = exact_accuracy(generate_answers(model, processor, scenes), [example.answer for example in scenes])
    floor = exact_accuracy(floor_answers(scenes, seed), [example.answer for example in scenes])
    return {f"scene_accuracy_{len(scenes)}": accuracy, f"scene_question_only_{len(scenes)}": floor}


def read_held_out(model: Qwen2_5_VLForConditionalGeneration, processor: CharOCRProcessor,
                  sets: dict[str, list[Example]]) -> dict[str, list[str]]:
    """The model's greedy answers on every held-out set (room for the longest answer and 40 more tokens)."""
    return {name: generate_answers(model, processor, examples,
                                   max_new_tokens=max(160, max(len(e.answer) for e in examples) + 40))
            for name, examples in sets.items()}


def held_out_metrics(sets: dict[str, list[Example]], answers: dict[str, list[str]]) -> dict[str, float]:
    """CER on the OCR sets, exact-answer accuracy on the scenes."""
    results = {}
    for name, examples in sets.items():
        references = [e.answer for e in examples]
        if name == "scenes":
            results["scene_accuracy"] = exact_accuracy(answers[name], references)
        else:
            results[f"cer_{name}"] = character_error_rate(answers[name], references)
    return results


def evaluate(model: Qwen2_5_VLForConditionalGeneration, processor: CharOCRProcessor,
             sets: dict[str, list[Example]]) -> dict[str, float]:
    """CER on the OCR sets, exact-answer accuracy on the scenes."""
    return held_out_metrics(sets, read_held_out(model, processor, sets))

@contextmanager
def reading_layout(processor: CharOCRProcessor, band_height: int | None, strip_width: int | None):
    """Within the block, ``processor`` lays images out as band strips ``strip_width`` px wide (or as they are,
    with ``strip_width`` None); afterwards, as before."""
    if not hasattr(processor, "band_height"):  # a Hub processor: images as they are
        if strip_width:
            raise ValueError("band strips need specocr's CharOCRProcessor; this processor reads images as they are")
        yield processor
        return
    before = processor.band_height, processor.strip_width
    processor.band_height, processor.strip_width = (band_height, strip_width) if strip_width else (None, None)
    try:
        yield processor
    finally:
        processor.band_height, processor.strip_width = before


def document_cers(folder: str | Path, sets: dict[str, list[Example]], band_height: int,
                  strip_width: int | None, max_new_tokens: int = 400) -> dict[str, float]:
    """CER of the model in ``folder`` on each of ``sets``, read as the pipeline's bases read documents (band
    strips ``strip_width`` px wide; as they are with None)."""
    from specocr.models.registry import load_model_folder

    model, processor = load_model_folder(folder, device="cpu")
    with reading_layout(processor, band_height, strip_width):
        return {kind: character_error_rate(generate_answers(model, processor, examples, max_new_tokens=max_new_tokens),
                                           [e.answer for e in examples]) for kind, examples in sets.items()}
