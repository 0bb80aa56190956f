"""The zoo's pretraining loop: one level (1, the generalist; 2, the general-OCR specialist) of one base.

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
from dataclasses import dataclass, field
from pathlib import Path

import torch
from tqdm import tqdm
from transformers import Qwen2_5_VLForConditionalGeneration, get_constant_schedule_with_warmup
from trl.trainer.sft_trainer import DataCollatorForVisionLanguageModeling

from specocr.models.held_out import evaluate
from specocr.models.pretraining_data import Example, make_fakers, phase_batch
from specocr.models.processing_charocr import CharOCRProcessor
from specocr.params import BlockLayout, CurriculumPhase, PageLayout, PretrainingStage

CHECKPOINT = "checkpoint.pt"
HISTORY = "history.json"
PROVENANCE = "provenance.md"  # how a run spanning sessions was assembled: goes into the card


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
        processor.spread_slack = phase.spread_slack  # the training batches only: never evaluations or exports
        batch = collate([example.as_prompt_completion() for example in examples])
        processor.spread_slack = 0
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
