"""Pretraining the zoo's foundation models: level 1 (generalist), then level 2 (general-OCR specialist).

A plain PyTorch loop over seeded batches (:func:`specocr.models.pretraining_data.phase_batch`), collated by
trl's vision collator so that the token layout is exactly the one ``SFTTrainer`` uses later (loss on the
answer only). Each level is a curriculum of phases (``zoo.level*.phases``): a phase teaches one kind of
example, reviews earlier kinds in some batches, and ends after a fixed number of steps or when the moving
average of its own loss falls below ``advance_below``, the rule of shared/research/tiny-vlm-feasibility.md
(from random weights, a tiny model learns which image column each character is in only on easy lines
first; fed harder lines from the start, it stays at the language-model loss; bench/README.md).
A phase may be run by some zoo sizes only and at its own learning rate (``sizes``, ``learning_rate``):
:meth:`specocr.params.PretrainingStage.for_size` is the curriculum one size runs.

It checkpoints every ``checkpoint_every`` steps (weights, optimizer, and where the curriculum stands) and
stops at its step cap or its time budget, whichever comes first; run it again and it continues from the
last checkpoint, seeing the same batches an uninterrupted run would have seen.
"""

from __future__ import annotations

import json
import math
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import torch
from rapidfuzz.distance import Levenshtein
from tqdm import tqdm
from transformers import Qwen2_5_VLForConditionalGeneration, get_constant_schedule_with_warmup
from trl.trainer.sft_trainer import DataCollatorForVisionLanguageModeling

from specocr.data.synthetic import document_seed
from specocr.evaluate.score import to_plain
from specocr.models import LEVEL1_SCENE_MARGIN, LEVEL1_SCENE_QUESTIONS, LEVEL2_TARGET_CER, NOT_READING_CER, zoo_bases
from specocr.models.pretraining_data import (
    SCENE_TASKS,
    Example,
    make_fakers,
    mono_line_example,
    ocr_example,
    phase_batch,
    question_only_answers,
    scene_example,
    scene_task,
)
from specocr.models.processing_charocr import CharOCRProcessor
from specocr.params import BlockLayout, CurriculumPhase, PageLayout, PretrainingStage

CHECKPOINT = "checkpoint.pt"
HISTORY = "history.json"
PROVENANCE = "provenance.md"  # how a run spanning sessions was assembled: goes into the card
#: Marks the last evaluation in a saved training history: the weights as shipped, after half-precision rounding.
SHIPPED_WEIGHTS = "float16"


@dataclass
class History:
    """What a level's run did, summed over resumptions: the loss and kind of every step, the evaluations,
    the curriculum's advances (``[step, phase index]`` when a phase began), and the seconds spent. A level-2
    run records the step its level-1 start had reached (``started_from_step``): the level-1 base may be
    continued later, and its folder then holds a later step than the one this run began from. ``provenance``:
    how a run spanning sessions was assembled (the work directory's ``provenance.md`` when it was exported), so
    that a run continued from its export keeps the account of its earlier sessions."""

    steps: list[int] = field(default_factory=list)
    loss: list[float] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    evals: list[dict] = field(default_factory=list)
    advances: list[list[int]] = field(default_factory=lambda: [[0, 0]])
    seconds: float = 0.0
    started_from_step: int | None = None
    provenance: str = ""


@dataclass
class Curriculum:
    """Where a level's curriculum stands: the current phase, the step it began at, and the moving average
    of its main kind's loss (None until the phase has seen a batch of it)."""

    stage: PretrainingStage
    phase: int = 0
    phase_start: int = 0
    average: float | None = None

    @property
    def current(self) -> CurriculumPhase:
        return self.stage.phases[self.phase]

    @property
    def finished(self) -> bool:
        return self.phase >= len(self.stage.phases)

    def record(self, step: int, kind: str, loss: float) -> bool:
        """Account for step ``step`` (1-based, just run); True if the phase ended with it."""
        phase = self.current
        if kind == phase.main:
            decay = self.stage.ema_decay
            self.average = loss if self.average is None else decay * self.average + (1 - decay) * loss
        last = self.phase == len(self.stage.phases) - 1
        if phase.steps is not None:
            ended = step - self.phase_start >= phase.steps
        else:  # the last phase, if open-ended, runs until the level's step cap
            ended = not last and self.average is not None and self.average < self.stage.advance_below
        if ended:
            self.phase, self.phase_start, self.average = self.phase + 1, step, None
        return ended

    def state(self) -> dict:
        return {"phase": self.phase, "phase_start": self.phase_start, "average": self.average}


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


def _save_checkpoint(folder: Path, model, optimizer, scheduler, step: int, curriculum: Curriculum,
                     history: History) -> None:
    temporary = folder / (CHECKPOINT + ".tmp")
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(), "step": step, "curriculum": curriculum.state()}, temporary)
    os.replace(temporary, folder / CHECKPOINT)  # atomic: a kill mid-save leaves the previous checkpoint
    (folder / HISTORY).write_text(json.dumps(history.__dict__), encoding="utf-8")


def seed_from_export(export: Path, stage: PretrainingStage, work_dir: Path) -> int:
    """Rebuild a resumable checkpoint in ``work_dir`` from an exported base (its weights and
    ``training_history.json``); return the step it stands at.

    The work directory is local and git-ignored: a run that spans sessions on machines keeping only what was
    committed loses it, and the export is what survives. The export lacks the optimizer's moments, so the
    continued run starts them afresh, with the stage's warmup again; the weights come back from half
    precision. The curriculum's state is replayed from the recorded losses, so the phase and its moving
    average are those the run had; an export whose recorded advances the replay does not reproduce was
    trained on another curriculum than ``stage``'s, and continuing it would mix two recipes. An export that
    finished its level continues into phases that ``stage`` adds after the last one it ran."""
    from specocr.models.zoo import load_base

    history = History(**json.loads((export / "training_history.json").read_text(encoding="utf-8")))
    if not history.steps:
        raise ValueError(f"{export} records no training steps: nothing to continue")
    curriculum, advances = Curriculum(stage), [[0, 0]]
    for step, kind, loss in zip(history.steps, history.kinds, history.loss, strict=True):
        if curriculum.record(step, kind, loss) and not curriculum.finished:
            advances.append([step, curriculum.phase])
    # An export that ran to the end of its curriculum, where params add phases after it: the replay begins the
    # first of them at its last step, which ``pretrain`` records when it resumes.
    finished_before_added_phases = advances[:-1] == history.advances and advances[-1][0] == history.steps[-1]
    if advances != history.advances and not finished_before_added_phases:
        raise ValueError(f"{export} advanced through its phases at {history.advances} (step, phase), but the "
                         f"curriculum in params would have advanced at {advances}: it was trained on another "
                         "curriculum, so it cannot be continued with this one")
    model, _ = load_base(export, dtype=torch.float32)
    work_dir.mkdir(parents=True, exist_ok=True)
    step = history.steps[-1]
    torch.save({"model": model.state_dict(), "step": step, "curriculum": curriculum.state()}, work_dir / CHECKPOINT)
    (work_dir / HISTORY).write_text(json.dumps(history.__dict__), encoding="utf-8")
    earlier = f"{history.provenance.strip()}\n" if history.provenance.strip() else ""
    (work_dir / PROVENANCE).write_text(
        f"{earlier}At step {step} the run was continued from its exported weights (half precision) and training "
        "history, with fresh optimizer moments and a new warmup: its work directory (optimizer state) did not "
        "survive between sessions.\n", encoding="utf-8")
    return step


def use_layout(processor: CharOCRProcessor, phase: CurriculumPhase, block: BlockLayout) -> None:
    """Make the processor lay images out as ``phase`` says: band strips ``phase.strip_width`` px wide (bands
    of ``block.line_height`` px, widened by ``phase.band_stretch``), or as they are. The saved folder keeps the
    layout of its last phase."""
    processor.band_height = block.line_height if phase.strip_width else None
    processor.strip_width = phase.strip_width
    processor.band_stretch = phase.band_stretch if phase.strip_width else None


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


def _use_rate(scheduler: torch.optim.lr_scheduler.LambdaLR, rate: float) -> None:
    """Make ``rate`` the rate the warmup schedule scales, from this step on (a phase with its own rate)."""
    if scheduler.base_lrs != [rate] * len(scheduler.base_lrs):
        scheduler.base_lrs = [rate] * len(scheduler.base_lrs)
        for group, scale in zip(scheduler.optimizer.param_groups, scheduler.lr_lambdas, strict=True):
            group["lr"] = rate * scale(scheduler.last_epoch)


def pretrain(model: Qwen2_5_VLForConditionalGeneration, processor: CharOCRProcessor, level: int,
             stage: PretrainingStage, steps: int, learning_rate: float, block: BlockLayout, page: PageLayout,
             work_dir: str | Path, eval_sets: dict[str, list[Example]] | None = None, eval_every: int = 500,
             checkpoint_every: int = 100, stop_at: int | None = None, started_from_step: int | None = None) -> History:
    """Train ``model`` on level ``level``'s curriculum for at most ``steps`` steps at ``learning_rate`` (the
    stage's rate for the model's size; a phase with its own rate uses that), resuming from ``work_dir`` if a
    checkpoint is there. The level ends early when its last phase has a fixed length and completes it.

    ``stop_at`` ends this call at that step (saving a checkpoint): a run that spans sessions can be
    exported part-way, and a later call goes on.
    ``started_from_step``: for a level-2 run, the step of the level-1 run it starts from (recorded in a new
    history; a resumed run keeps its own).

    Returns the history (losses, evaluations, advances, seconds spent, summed over resumptions). The model
    ends in the state of the last step run; the checkpoint in ``work_dir`` matches it.
    """
    work_dir = Path(work_dir)
    work_dir.mkdir(parents=True, exist_ok=True)
    optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate, weight_decay=0.01)
    scheduler = get_constant_schedule_with_warmup(optimizer, stage.warmup_steps)
    history, step, curriculum = History(started_from_step=started_from_step), 0, Curriculum(stage)
    if (work_dir / CHECKPOINT).is_file():
        state = torch.load(work_dir / CHECKPOINT, weights_only=True, map_location=model.device)
        model.load_state_dict(state["model"])
        if "optimizer" in state:  # absent in a checkpoint rebuilt from an export (seed_from_export)
            optimizer.load_state_dict(state["optimizer"])
            scheduler.load_state_dict(state["scheduler"])
        step = state["step"]
        curriculum = Curriculum(stage, **state["curriculum"])
        history = History(**json.loads((work_dir / HISTORY).read_text(encoding="utf-8")))
        if (not curriculum.finished and curriculum.current.steps is not None
                and step - curriculum.phase_start >= curriculum.current.steps):
            # params now give the phase the run is in a length it has reached: the next phase begins here
            curriculum.phase, curriculum.phase_start, curriculum.average = curriculum.phase + 1, step, None
        if not curriculum.finished and history.advances[-1][1] != curriculum.phase:
            # a finished level whose params now add phases after its last: the first of them begins here
            history.advances.append([step, curriculum.phase])
    last_step = min(steps, stop_at) if stop_at is not None else steps
    if step >= last_step or curriculum.finished:
        return history

    fakers = make_fakers()
    collate = DataCollatorForVisionLanguageModeling(processor, completion_only_loss=True)
    budget = stage.time_budget_minutes * 60
    started = time.perf_counter() - history.seconds
    bar = tqdm(total=steps, initial=step, desc=f"level {level}", unit="step", mininterval=5.0)
    model.train()
    while step < last_step and not curriculum.finished:
        phase = curriculum.current
        _use_rate(scheduler, phase.learning_rate or learning_rate)
        use_layout(processor, phase, block)
        review_share = stage.review_share if phase.review_share is None else phase.review_share
        kind, examples = phase_batch(level, phase.main, phase.review, review_share, step, stage.batch_size,
                                     block, page, fakers, examples=phase.batch_size)
        batch = collate([example.as_prompt_completion() for example in examples])
        loss = model(**{key: value.to(model.device) for key, value in batch.items()}).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        step += 1
        history.steps.append(step)
        history.loss.append(round(loss.item(), 4))
        history.kinds.append(kind)
        if curriculum.record(step, kind, loss.item()) and not curriculum.finished:
            history.advances.append([step, curriculum.phase])
            tqdm.write(f"level {level}: step {step}, phase {curriculum.phase} ({curriculum.current.main}) begins")
        bar.update()
        bar.set_postfix(kind=kind, loss=f"{history.loss[-1]:.3f}",
                        average=f"{curriculum.average:.3f}" if curriculum.average is not None else "-", refresh=False)
        history.seconds = time.perf_counter() - started
        out_of_time = history.seconds >= budget
        done = step == last_step or curriculum.finished or out_of_time
        if eval_sets is not None and (step % eval_every == 0 or done):
            history.evals.append({"step": step, "minutes": history.seconds / 60, **evaluate(model, processor, eval_sets)})
            tqdm.write(f"level {level}: step {step}, held-out {history.evals[-1]}")
            model.train()
        if step % checkpoint_every == 0 or done:
            _save_checkpoint(work_dir, model, optimizer, scheduler, step, curriculum, history)
        if out_of_time:
            break
    bar.close()
    return history


def images_seen(history: History, stage: PretrainingStage) -> int:
    """Training images of a level's run: each step's phase's batch (a phase may have its own)."""
    began = sorted(history.advances)
    total = 0
    for index, (start, phase) in enumerate(began):
        end = began[index + 1][0] if index + 1 < len(began) else (history.steps[-1] if history.steps else start)
        size = stage.phases[phase].batch_size if phase < len(stage.phases) else None
        total += (end - start) * (size or stage.batch_size)
    return total


def images_per_second(history: History, stage: PretrainingStage) -> float:
    return images_seen(history, stage) / history.seconds if history.seconds else math.nan


# --- the four zoo bases ------------------------------------------------------------------------------


def level1_partner(name: str, params) -> str:
    """The level-1 base a level-2 base continues from: the zoo generalist of the same size."""
    bases = zoo_bases(params)
    base = bases[name]
    partners = [other for other, spec in bases.items() if spec.level == 1 and spec.size == base.size]
    if not partners:
        raise ValueError(f"bases.{name} is level 2 of size {base.size}, but no zoo level-1 base has that size")
    return partners[0]


def _status(level: int, final_eval: dict[str, float]) -> str:
    """One sentence on whether the checkpoint meets its level's target, from its own numbers."""
    cer = final_eval.get("cer_printed_lines")
    if level == 1:
        count = LEVEL1_SCENE_QUESTIONS
        accuracy, question_only = (final_eval.get(f"scene_{key}_{count}") for key in ("accuracy", "question_only"))
        if accuracy is None or question_only is None:
            return ""
        verdict = ("Competent at its scene questions" if accuracy >= question_only + LEVEL1_SCENE_MARGIN
                   else "**Not competent at its scene questions**")
        return (f"\n{verdict}: exact-answer accuracy {accuracy:.3f} on {count} held-out scene questions, against "
                f"{question_only:.3f} for the answers that ignore the image (the most common answer to each "
                f"question); the level-1 target is at least {LEVEL1_SCENE_MARGIN} above them.\n")
    if cer is None:
        return ""
    if cer <= LEVEL2_TARGET_CER:
        return f"\nMeets the level-2 target: CER {cer:.3f} <= {LEVEL2_TARGET_CER} on held-out printed lines.\n"
    below = f"\n**Below the level-2 target** (CER <= {LEVEL2_TARGET_CER} on held-out printed lines): CER {cer:.3f}. "
    if cer >= NOT_READING_CER:
        return below + ("A CER near or above 1 means the answers do not follow the image; this checkpoint does not "
                        "read yet, so results built on it test the pipeline, not the paper's claim.\n")
    return below + "It reads, with errors: a weaker reader than the level-2 models of the paper.\n"


def curriculum_table(stage: PretrainingStage, history: History, batch_size: int) -> str:
    """The curriculum as run: one markdown row per phase, with the steps at which it began and ended."""
    began = {phase: step for step, phase in history.advances}
    last = history.steps[-1] if history.steps else 0
    rows = ["| phase | main kind | review kinds | ends | ran |", "|---|---|---|---|---|"]
    for index, phase in enumerate(stage.phases):
        ends = (f"after {phase.steps} steps" if phase.steps is not None
                else "at the level's step cap" if index == len(stage.phases) - 1
                else f"moving-average loss < {stage.advance_below}")
        if phase.learning_rate is not None:
            ends += f"; lr {phase.learning_rate}"
        if phase.batch_size is not None:
            ends += f"; batch {phase.batch_size}"
        if phase.strip_width is not None:
            ends += f"; band strips {phase.strip_width} px wide"
        if index in began:
            end = began.get(index + 1, last)
            ran = f"steps {began[index] + 1}-{end} ({(end - began[index]) * (phase.batch_size or batch_size):,} images)"
        else:
            ran = "not reached"
        rows.append(f"| {index + 1} | {phase.main} | {', '.join(phase.review) or '-'} | {ends} | {ran} |")
    return "\n".join(rows)


def model_card(name: str, params, history: History, parameters: int, final_eval: dict[str, float],
               started_from: str | None, hardware: str = "not recorded", provenance: str = "") -> str:
    """A Hugging Face model card: what the model is, how it was trained, and what it measures."""
    base = zoo_bases(params)[name]
    stage = (params.zoo.level1 if base.level == 1 else params.zoo.level2).for_size(base.size)
    own_rates = " (phases with their own rate: below)" if any(p.learning_rate is not None for p in stage.phases) else ""
    evals = "\n".join(f"| {key} | {value:.4f} |" for key, value in final_eval.items())
    role = ("a generalist (level 1): reads monospace lines and answers questions about rendered scenes"
            if base.level == 1 else f"a general-OCR specialist (level 2), continued from `{started_from}`"
            + (f" at its step {history.started_from_step:,}" if history.started_from_step is not None else ""))
    return f"""---
library_name: transformers
pipeline_tag: image-text-to-text
tags: [specocr, qwen2_5_vl, ocr, tiny]
---
# specocr zoo: {name}

A {parameters / 1e6:.2f}M-parameter `Qwen2_5_VLForConditionalGeneration` built from a config by
`specocr.models.zoo` and trained by `specocr.models.foundations`: {role}. It stands for
`{base.analogue_of}` on the specialization ladder of *DharmaOCR* (arXiv 2604.14314), at a size a CPU can
train. One token per character; 8 px vision patches without merging; M-RoPE sections
{params.zoo.mrope_section} with rope_theta {params.zoo.rope_theta}.

Load it with `specocr.models.zoo.load_base(folder)`, or with transformers
(`AutoModelForImageTextToText.from_pretrained(folder)`, `AutoProcessor.from_pretrained(folder,
trust_remote_code=True)`: the processor's code is in this folder).

## Training

| | |
|---|---|
| level | {base.level} |
| steps run | {history.steps[-1] if history.steps else 0} (cap {stage.steps[base.size]}), batch {stage.batch_size} |
| optimizer | AdamW, lr {stage.learning_rate[base.size]}{own_rates}, {stage.warmup_steps} warmup steps then constant, clip 1.0 |
| wall time | {history.seconds / 60:.1f} min (evaluations included), {images_per_second(history, stage):.1f} training images/s |
| hardware | {hardware} |
| seed | {params.zoo.seed} (weights); examples are numbered by level and step |

Curriculum (`zoo.level{base.level}.phases`; example kinds: `specocr.models.pretraining_data.EXAMPLE_KINDS`;
{stage.review_share:.0%} of a phase's batches review its earlier kinds; moving average decay {stage.ema_decay}):

{curriculum_table(stage, history, stage.batch_size)}
{provenance}
## Held-out evaluation (greedy decoding)
{_status(base.level, final_eval)}

| metric | value |
|---|---|
{evals}

`cer_printed_lines`: character error rate on single general printed lines (en, fr, es, de, it; the
benchmark's printed faces, degradation strength 0 to 1; held out); `cer_handwritten_lines`: on single
handwriting-style lines; `cer_blocks`: on 3-line blocks of either; `cer_mono_lines`: on single monospace
lines (12-14 px, shifted, grey: what level 1 learns to read); `scene_accuracy`: exact answers to scene
questions (shapes, colours, counts, positions, short words); for level 1, `scene_accuracy_{LEVEL1_SCENE_QUESTIONS}` on
{LEVEL1_SCENE_QUESTIONS} of them (these and more) and `scene_question_only_{LEVEL1_SCENE_QUESTIONS}` for the answers that ignore the image.
"""


def train_zoo_base(name: str, params, root: str | Path = ".", threads: int | None = None,
                   stop_at: int | None = None, from_export: bool = False) -> Path:
    """Pretrain zoo base ``name`` (resuming if a checkpoint exists) and save it, in half precision, with
    its model card into ``<root>/<zoo.folder>/<location>``. A level-2 base starts from the saved level-1
    base of its size, so build level 1 first. The resumable state lives in ``<zoo.folder>/.work/<name>``;
    a ``provenance.md`` there (how a run spanning sessions was assembled) goes into the card.

    ``from_export``: when the work directory holds no checkpoint, continue from the base's own saved
    folder instead of starting the level again (:func:`seed_from_export`)."""
    from specocr.models.zoo import build_model, count_parameters, load_base, save_base

    root = Path(root)
    bases, zoo = zoo_bases(params), params.zoo
    if name not in bases:
        raise ValueError(f"{name} is not a zoo base: the zoo builds {sorted(bases)}")
    base = bases[name]
    torch.set_num_threads(threads or zoo.threads)
    # On a GPU the same loop takes minutes instead of hours.
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    stage = (zoo.level1 if base.level == 1 else zoo.level2).for_size(base.size)
    started_from, started_from_step = None, None
    if base.level == 1:
        model, processor = build_model(base.size, zoo, seed=zoo.seed)
    else:
        started_from = level1_partner(name, params)
        source = root / zoo.folder / bases[started_from].location
        if not (source / "config.json").is_file():
            raise FileNotFoundError(f"{name} continues from {started_from}, which is not built yet ({source})")
        model, processor = load_base(source)
        source_history = source / "training_history.json"
        if source_history.is_file():
            started_from_step = json.loads(source_history.read_text(encoding="utf-8"))["steps"][-1]
    model.to(device)
    block, page = params.data.block, params.data.page
    eval_sets = held_out_sets(zoo.seed + 1, zoo.eval_examples, block, page)
    work_dir = root / zoo.folder / ".work" / name
    if from_export and not (work_dir / CHECKPOINT).is_file():
        export = root / zoo.folder / base.location
        if not (export / "training_history.json").is_file():
            raise FileNotFoundError(f"--from-export: {export} holds no exported run of {name} to continue")
        step = seed_from_export(export, stage, work_dir)
        tqdm.write(f"{name}: continuing from the export at step {step} ({export})")
    history = pretrain(model, processor, base.level, stage, stage.steps[base.size], stage.learning_rate[base.size],
                       block, page, work_dir, eval_sets=eval_sets, eval_every=zoo.eval_every,
                       checkpoint_every=zoo.checkpoint_every, stop_at=stop_at, started_from_step=started_from_step)
    step = history.steps[-1] if history.steps else 0
    use_layout(processor, stage.phases[min(history.advances[-1][1], len(stage.phases) - 1)], block)
    # The card measures the weights as shipped: stored in half precision, loaded back as float32. Greedy
    # decoding of a base that reads with errors can turn the rounding into another answer for a whole line,
    # so the training-time evaluation of the float32 weights is not quite what a user of the folder gets.
    model.to(device, torch.float16).to(device, torch.float32)
    final_eval = evaluate(model, processor, eval_sets)
    if base.level == 1:
        final_eval |= level1_scene_check(model, processor, zoo.seed + 1, block.width)
    shipped = {"step": step, "minutes": history.seconds / 60, "weights": SHIPPED_WEIGHTS, **final_eval}
    if history.evals and history.evals[-1].get("weights") == SHIPPED_WEIGHTS and history.evals[-1]["step"] == step:
        history.evals[-1] = shipped  # exported again with nothing trained since (a newer card): one entry per export
    else:
        history.evals.append(shipped)
    hardware = (f"GPU ({torch.cuda.get_device_name()})" if device.type == "cuda"
                else f"CPU ({os.cpu_count()} cores), {torch.get_num_threads()} torch thread(s)")
    provenance = (work_dir / PROVENANCE).read_text(encoding="utf-8") if (work_dir / PROVENANCE).is_file() else ""
    card = model_card(name, params, history, count_parameters(model), final_eval, started_from, hardware,
                      provenance=f"\n{provenance.strip()}\n" if provenance else "")
    folder = save_base(model.to("cpu", torch.float16), processor, root / zoo.folder / base.location, card)
    history.provenance = provenance
    (folder / "training_history.json").write_text(json.dumps(history.__dict__), encoding="utf-8")
    return folder
