"""The zoo bases' model cards: what a base is, how it was trained (its curriculum as run), what it measures."""

from __future__ import annotations

from specocr.models import LEVEL1_SCENE_MARGIN, LEVEL1_SCENE_QUESTIONS, LEVEL2_TARGET_CER, NOT_READING_CER, zoo_bases
from specocr.models.pretraining import History, images_per_second
from specocr.params import PretrainingStage


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
