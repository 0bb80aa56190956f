"""Pretraining the zoo's foundation models: level 1 (generalist), then level 2 (general-OCR specialist).

A plain PyTorch loop over an endless, seeded stream of examples (:mod:`specocr.models.pretraining_data`),
batched by trl's vision collator so that the token layout is exactly the one ``SFTTrainer`` uses later
(loss on the answer only). It checkpoints every ``checkpoint_every`` steps and stops at its step count or
its time budget, whichever comes first; run it again and it continues from the last checkpoint, seeing
the same examples an uninterrupted run would have seen.
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import torch
from rapidfuzz.distance import Levenshtein
from torch.utils.data import DataLoader, IterableDataset, get_worker_info
from tqdm import tqdm
from transformers import Qwen2_5_VLForConditionalGeneration, get_cosine_schedule_with_warmup
from trl.trainer.sft_trainer import DataCollatorForVisionLanguageModeling

from specocr.data.synthetic import document_seed
from specocr.models import LEVEL2_TARGET_CER
from specocr.models.pretraining_data import Example, level_batch, make_fakers, ocr_example, scene_example
from specocr.models.processing_charocr import CharOCRProcessor
from specocr.params import BlockLayout, PageLayout, PretrainingStage

CHECKPOINT = "checkpoint.pt"
HISTORY = "history.json"


class ExampleStream(IterableDataset):
    """Collated batches ``start_step, start_step + 1, ...`` of one level's example stream."""

    def __init__(self, processor: CharOCRProcessor, level: int, stage: PretrainingStage, seed: int,
                 block: BlockLayout, page: PageLayout, start_step: int, steps: int, hold_steps: int = 0) -> None:
        self.processor, self.level, self.stage, self.seed = processor, level, stage, seed
        self.block, self.page, self.start_step, self.steps = block, page, start_step, steps
        self.hold_steps = hold_steps

    def __iter__(self) -> Iterator[dict[str, torch.Tensor]]:
        if get_worker_info() is not None:
            torch.set_num_threads(1)  # the worker renders images; the main process owns the compute threads
        fakers = make_fakers()
        collate = DataCollatorForVisionLanguageModeling(self.processor, completion_only_loss=True)
        for step in range(self.start_step, self.steps):
            examples = level_batch(self.level, self.seed, step, self.stage.batch_size, self.block, self.page, fakers,
                                   self.stage.ocr_share, self.stage.max_lines, self.stage.easy_share,
                                   self.stage.bootstrap_steps, self.stage.easy_font_px,
                                   self.hold_steps, self.stage.short_share, self.stage.short_max_chars)
            yield collate([example.as_prompt_completion() for example in examples])


@dataclass
class History:
    steps: list[int] = field(default_factory=list)
    loss: list[float] = field(default_factory=list)
    evals: list[dict] = field(default_factory=list)
    seconds: float = 0.0


def held_out_sets(seed: int, count: int, block: BlockLayout, page: PageLayout) -> dict[str, list[Example]]:
    """Fixed evaluation sets, from seeds no training stream uses: single general printed lines (the
    level-2 target), single handwritten lines, 3-line printed or handwritten blocks, and level-1 scene
    questions."""
    fakers = make_fakers()

    def ocr_set(name: str, lines: int, category: str | None) -> list[Example]:
        return [ocr_example(document_seed(seed, f"eval/{name}", i), block, page, fakers, lines, category)
                for i in range(count)]

    return {
        "printed_lines": ocr_set("printed_lines", 1, "printed"),
        "handwritten_lines": ocr_set("handwritten_lines", 1, "handwritten"),
        "blocks": ocr_set("blocks", 3, None),
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
    """Edit distance over reference characters, pooled over the set."""
    errors = sum(Levenshtein.distance(p, r) for p, r in zip(predictions, references))
    return errors / max(1, sum(len(r) for r in references))


def read_held_out(model: Qwen2_5_VLForConditionalGeneration, processor: CharOCRProcessor,
                  sets: dict[str, list[Example]]) -> dict[str, list[str]]:
    """The model's greedy answers on every held-out set."""
    return {name: generate_answers(model, processor, examples) for name, examples in sets.items()}


def held_out_metrics(sets: dict[str, list[Example]], answers: dict[str, list[str]]) -> dict[str, float]:
    """CER on the OCR sets, exact-answer accuracy on the scenes."""
    results = {}
    for name, examples in sets.items():
        references = [e.answer for e in examples]
        if name == "scenes":
            results["scene_accuracy"] = sum(a == r for a, r in zip(answers[name], references)) / len(examples)
        else:
            results[f"cer_{name}"] = character_error_rate(answers[name], references)
    return results


def evaluate(model: Qwen2_5_VLForConditionalGeneration, processor: CharOCRProcessor,
             sets: dict[str, list[Example]]) -> dict[str, float]:
    """CER on the OCR sets, exact-answer accuracy on the scenes."""
    return held_out_metrics(sets, read_held_out(model, processor, sets))


def _save_checkpoint(folder: Path, model, optimizer, scheduler, step: int, history: History) -> None:
    temporary = folder / (CHECKPOINT + ".tmp")
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(), "step": step}, temporary)
    os.replace(temporary, folder / CHECKPOINT)  # atomic: a kill mid-save leaves the previous checkpoint
    (folder / HISTORY).write_text(json.dumps(history.__dict__), encoding="utf-8")


def pretrain(model: Qwen2_5_VLForConditionalGeneration, processor: CharOCRProcessor, level: int,
             stage: PretrainingStage, steps: int, seed: int, block: BlockLayout, page: PageLayout, work_dir: str | Path,
             eval_sets: dict[str, list[Example]] | None = None, eval_every: int = 500,
             checkpoint_every: int = 100, workers: int = 1, hold_steps: int = 0,
             stop_at: int | None = None) -> History:
    """Train ``model`` for ``steps`` steps of level ``level``'s stream (the first ``hold_steps`` of them easy
    lines only), resuming from ``work_dir`` if a checkpoint is there.

    ``stop_at`` ends this call at that step (saving a checkpoint) while the learning-rate schedule still
    runs to ``steps``: a run that spans sessions can be exported part-way, and a later call goes on.

    Returns the history (losses, evaluations, seconds spent, summed over resumptions). The model ends in
    the state of the last step run; the checkpoint in ``work_dir`` matches it.
    """
    work_dir = Path(work_dir)
    work_dir.mkdir(parents=True, exist_ok=True)
    optimizer = torch.optim.AdamW(model.parameters(), lr=stage.learning_rate, weight_decay=0.01)
    scheduler = get_cosine_schedule_with_warmup(optimizer, stage.warmup_steps, steps)
    history, step = History(), 0
    if (work_dir / CHECKPOINT).is_file():
        state = torch.load(work_dir / CHECKPOINT, weights_only=True, map_location=model.device)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        step = state["step"]
        history = History(**json.loads((work_dir / HISTORY).read_text(encoding="utf-8")))
    last_step = min(steps, stop_at) if stop_at is not None else steps
    if step >= last_step:
        return history

    stream = ExampleStream(processor, level, stage, seed, block, page, start_step=step, steps=last_step,
                           hold_steps=hold_steps)
    loader = DataLoader(stream, batch_size=None, num_workers=workers, prefetch_factor=4 if workers else None,
                        persistent_workers=False)
    budget = stage.time_budget_minutes * 60
    started = time.perf_counter() - history.seconds
    bar = tqdm(total=steps, initial=step, desc=f"level {level}", unit="step", mininterval=5.0)
    model.train()
    for batch in loader:
        loss = model(**{key: value.to(model.device) for key, value in batch.items()}).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        step += 1
        history.steps.append(step)
        history.loss.append(loss.item())
        bar.update()
        bar.set_postfix(loss=f"{history.loss[-1]:.3f}", refresh=False)
        history.seconds = time.perf_counter() - started
        out_of_time = history.seconds >= budget
        if eval_sets is not None and (step % eval_every == 0 or step == last_step or out_of_time):
            history.evals.append({"step": step, "minutes": history.seconds / 60, **evaluate(model, processor, eval_sets)})
            model.train()
        if step % checkpoint_every == 0 or step == last_step or out_of_time:
            _save_checkpoint(work_dir, model, optimizer, scheduler, step, history)
        if out_of_time:
            break
    bar.close()
    return history


def images_per_second(history: History, batch_size: int) -> float:
    return len(history.steps) * batch_size / history.seconds if history.seconds else math.nan


# --- the four zoo bases ------------------------------------------------------------------------------


def level1_partner(name: str, params) -> str:
    """The level-1 base a level-2 base continues from: the zoo generalist of the same size."""
    base = params.bases[name]
    partners = [other for other, spec in params.bases.items()
                if spec.source == "zoo" and spec.level == 1 and spec.size == base.size]
    if not partners:
        raise ValueError(f"bases.{name} is level 2 of size {base.size}, but no zoo level-1 base has that size")
    return partners[0]




def _status(level: int, final_eval: dict[str, float]) -> str:
    """One sentence on whether a level-2 checkpoint meets the target, from its own numbers."""
    cer = final_eval.get("cer_printed_lines")
    if level != 2 or cer is None:
        return ""
    if cer <= LEVEL2_TARGET_CER:
        return f"\nMeets the level-2 target: CER {cer:.3f} <= {LEVEL2_TARGET_CER} on held-out printed lines.\n"
    return (f"\n**Below the level-2 target** (CER <= {LEVEL2_TARGET_CER} on held-out printed lines): CER {cer:.3f}. "
            "A CER near or above 1 means the answers do not follow the image; this checkpoint does not read yet, "
            "so results built on it test the pipeline, not the paper's claim.\n")


def model_card(name: str, params, history: History, parameters: int, final_eval: dict[str, float],
               started_from: str | None, hardware: str = "not recorded") -> str:
    """A Hugging Face model card: what the model is, how it was trained, and what it measures."""
    base = params.bases[name]
    stage = params.zoo.level1 if base.level == 1 else params.zoo.level2
    evals = "\n".join(f"| {key} | {value:.4f} |" for key, value in final_eval.items())
    role = ("a generalist (level 1): questions about rendered scenes and a little reading"
            if base.level == 1 else f"a general-OCR specialist (level 2), continued from `{started_from}`")
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
| examples | {'scenes and short words' if base.level == 1 else 'general Latin-script lines and blocks (en, fr, es, de, it), some scenes'} ({stage.ocr_share:.0%} of batches OCR, {stage.easy_share:.0%} of those clean short monospace lines; {'single lines' if stage.max_lines == 1 else f'blocks of 1 to {stage.max_lines} lines'}) |
| bootstrap | clean short monospace lines only for the first {stage.bootstrap_hold_steps[base.size]} steps, then fading linearly into the mix over {stage.bootstrap_steps} steps |
| short lines | {stage.short_share:.0%} of the other OCR batches: single lines of at most {stage.short_max_chars} characters in the benchmark's faces, lightly degraded |
| easy lines | DejaVu Sans Mono at {f'{stage.easy_font_px} px' if stage.easy_font_px else 'the benchmark text width'} |
| steps run | {history.steps[-1] if history.steps else 0} of {stage.steps[base.size]}, batch {stage.batch_size} |
| optimizer | AdamW, lr {stage.learning_rate}, {stage.warmup_steps} warmup steps, cosine decay, clip 1.0 |
| wall time | {history.seconds / 60:.1f} min (evaluations included), {images_per_second(history, stage.batch_size):.1f} training images/s |
| hardware | {hardware} |
| seed | {params.zoo.seed} |

## Held-out evaluation (greedy decoding)
{_status(base.level, final_eval)}

| metric | value |
|---|---|
{evals}

`cer_printed_lines`: character error rate on single general printed lines (en, fr, es, de, it; held out);
`cer_handwritten_lines`: on single handwriting-style lines; `cer_blocks`: on 3-line blocks of either;
`scene_accuracy`: exact answers to scene questions (shapes, colours, counts, positions, short words).
"""


def train_zoo_base(name: str, params, root: str | Path = ".", workers: int = 1, threads: int | None = None,
                   stop_at: int | None = None) -> Path:
    """Pretrain zoo base ``name`` (resuming if a checkpoint exists) and save it, in half precision, with
    its model card into ``<root>/<zoo.folder>/<location>``. A level-2 base starts from the saved level-1
    base of its size, so build level 1 first. The resumable state lives in ``<zoo.folder>/.work/<name>``
    and is committed with the zoo while training spans several sessions."""
    from specocr.models.zoo import build_model, count_parameters, load_base, save_base

    root = Path(root)
    base, zoo = params.bases[name], params.zoo
    if base.source != "zoo":
        raise ValueError(f"bases.{name} comes from {base.source!r}, not the zoo: nothing to pretrain")
    torch.set_num_threads(threads or zoo.threads)
    # On a GPU the same loop takes minutes instead of hours (pass more --workers to keep it fed).
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    stage = zoo.level1 if base.level == 1 else zoo.level2
    started_from = None
    if base.level == 1:
        model, processor = build_model(base.size, zoo, seed=zoo.seed)
    else:
        started_from = level1_partner(name, params)
        source = root / zoo.folder / params.bases[started_from].location
        if not (source / "config.json").is_file():
            raise FileNotFoundError(f"{name} continues from {started_from}, which is not built yet ({source})")
        model, processor = load_base(source)
    model.to(device)
    block, page = params.data.block, params.data.page
    eval_sets = held_out_sets(zoo.seed + 1, zoo.eval_examples, block, page)
    history = pretrain(model, processor, base.level, stage, stage.steps[base.size], zoo.seed + base.level, block, page,
                       root / zoo.folder / ".work" / name, eval_sets=eval_sets, eval_every=zoo.eval_every,
                       checkpoint_every=zoo.checkpoint_every, workers=workers,
                       hold_steps=stage.bootstrap_hold_steps[base.size], stop_at=stop_at)
    step = history.steps[-1] if history.steps else 0
    if history.evals and history.evals[-1]["step"] == step:
        final_eval = {k: v for k, v in history.evals[-1].items() if k not in ("step", "minutes")}
    else:  # exported between evaluations (stop_at on a resumed run): measure the weights being saved
        final_eval = evaluate(model, processor, eval_sets)
        history.evals.append({"step": step, "minutes": history.seconds / 60, **final_eval})
    hardware = (f"GPU ({torch.cuda.get_device_name()})" if device.type == "cuda"
                else f"CPU ({os.cpu_count()} cores), {torch.get_num_threads()} torch thread(s)")
    card = model_card(name, params, history, count_parameters(model), final_eval, started_from, hardware)
    folder = save_base(model.to("cpu", torch.float16), processor, root / zoo.folder / base.location, card)
    (folder / "training_history.json").write_text(json.dumps(history.__dict__), encoding="utf-8")
    return folder
