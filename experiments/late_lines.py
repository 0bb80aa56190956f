"""Does a model lose its place late in a document? Its last lines read inside the document and alone.

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python experiments/late_lines.py MODEL --folder OUT/documents:test \
        [--checkpoint zoo/.work/ocr-S/checkpoint.pt] [--first-late-line 3] [--threads 1]

Reads every document of ``--folder`` (a saved dataset and its split, e.g. from ``unseen_templates.py``) twice
with the pipeline's structured prompt: as it is, and with its first ``--first-late-line`` bands painted over with
the paper's colour, so that the late lines are all that is left. The late lines' character error rate in both
readings says whether a model misreads them (both high) or loses its place on the way to them (high only inside
the document). Also prints the error rate by line index of the whole reading; ``--teacher-forced`` adds the late
lines' true text's loss inside the document, alone, and alone at their own strip columns; ``--shifts 0,8,16``
the same inside the document with that many blank patches before the late lines (how far from where it expects
a line the model still finds it); ``--drift`` where each line starts in the strip against one patch per
character, by line (``--drift-kinds``: the same for level-2 training kinds); ``--no-reading`` skips the greedy
readings. ``MODEL`` is a model folder (zoo base or pipeline stage); ``--checkpoint`` loads a pretraining
checkpoint's weights into a zoo base.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

import datasets
import numpy as np
import torch
from PIL import Image
from rapidfuzz.distance import Levenshtein

from specocr.evaluate.generate import generate_batch
from specocr.evaluate.score import to_plain
from specocr.models.registry import load_model_folder


def late_text(text: str, first: int) -> str:
    return "\n".join(text.split("\n")[first:])


def paint_over(image: Image.Image, first: int, line_height: int) -> Image.Image:
    """``image`` with its first ``first`` bands in the paper's colour: the late lines are all that is left."""
    pixels = np.asarray(image.convert("RGB")).copy()
    pixels[:first * line_height] = int(np.median(pixels))
    return Image.fromarray(pixels)


def best_suffix_distance(prediction: str, reference: str) -> int:
    """Edit distance from ``reference`` to the closest run of the prediction's last lines (the prediction's
    early lines are not the late lines' errors)."""
    lines = prediction.split("\n")
    return min(Levenshtein.distance("\n".join(lines[start:]), reference) for start in range(len(lines) + 1))


def errors_by_line(prediction: str, reference: str) -> tuple[list[int], list[int]]:
    """Per line of ``reference``: the edit operations aligned to it and its length (newline included)."""
    line_of = [row for row, line in enumerate(reference.split("\n")) for _ in range(len(line) + 1)]
    lengths = [len(line) + 1 for line in reference.split("\n")]
    errors = [0] * len(lengths)
    for operation in Levenshtein.editops(reference, prediction):
        errors[line_of[min(operation.src_pos, len(line_of) - 1)]] += 1
    return errors, lengths


def answer_losses(model, processor, image, answer: str) -> list[float]:
    """Teacher-forced loss (nats) of each character of the plain ``answer`` after the "Read the text." prompt."""
    from specocr.evaluate.generate import prompt_messages
    from specocr.models.pretraining_data import OCR_PROMPT

    prompt = processor.apply_chat_template(prompt_messages(OCR_PROMPT), add_generation_prompt=True, tokenize=False)
    batch = processor(text=[prompt + answer], images=[image], return_tensors="pt")
    start = processor(text=[prompt], images=[image], return_tensors="pt")["input_ids"].shape[1]
    with torch.no_grad():
        logits = model(**batch).logits[0].float()
    ids = batch["input_ids"][0]
    losses = -torch.log_softmax(logits[:-1], -1).gather(1, ids[1:, None])[:, 0]
    return losses[start - 1:start - 1 + len(answer)].tolist()  # one token per character


def strip_losses(model, processor, strip: Image.Image, answer: str) -> list[float]:
    """:func:`answer_losses` of a strip made here: given to the model as it is, not laid out again."""
    layout, processor.band_height = processor.band_height, None
    try:
        return answer_losses(model, processor, strip, answer)
    finally:
        processor.band_height = layout


def line_starts(image: Image.Image, line_height: int, patch: int = 8) -> list[int]:
    """The strip column (in patches) where each of the document's lines begins, at natural widths: the strip's
    width less that of the strip left when every band above the line is painted over."""
    from specocr.models.processing_charocr import band_strip, ink_extent

    pixels = np.asarray(image.convert("RGB"))
    inked = [top // line_height for top in range(0, max(1, pixels.shape[0] - line_height // 2), line_height)
             if pixels[top:top + line_height].shape[0] == line_height
             and ink_extent(pixels[top:top + line_height]) is not None]
    whole = band_strip(image, line_height, patch).width
    return [(whole - band_strip(paint_over(image, row, line_height), line_height, patch).width) // patch
            for row in inked]


def drift_by_line(documents, line_height: int) -> dict[int, dict[str, float]]:
    """Per line index: where the line starts in the strip less where one patch per character (and per line
    break) puts it, in patches; mean, standard deviation and largest size over the documents. A reader that
    aligns characters with columns by position alone finds the line this far from where it looks."""
    drifts: dict[int, list[int]] = defaultdict(list)
    for row in documents:
        lines = row["assistant_without_json"].split("\n")
        starts = line_starts(row["image"], line_height)
        if len(starts) != len(lines):
            continue  # a band holding no line or two: no line-to-band match to measure
        before = np.cumsum([0] + [len(line) + 1 for line in lines[:-1]])
        for index, (start, count) in enumerate(zip(starts, before)):
            drifts[index].append(start - int(count))
    return {index: {"mean": round(float(np.mean(values)), 1), "sd": round(float(np.std(values)), 1),
                    "largest": int(np.max(np.abs(values))), "documents": len(values)}
            for index, values in sorted(drifts.items())}


def level2_examples(kind: str, count: int) -> list[dict]:
    """``count`` examples of a level-2 kind as rows like a saved dataset's (seeds far from training's)."""
    from specocr.models.pretraining_data import EXAMPLE_KINDS, make_fakers
    from specocr.params import load_params

    params, fakers = load_params(), make_fakers()
    examples = [EXAMPLE_KINDS[kind](10**9 + index, params.data.block, params.data.page, fakers)
                for index in range(count)]
    return [{"image": example.image, "assistant_without_json": example.answer, "category": kind}
            for example in examples]


def shift_tolerance(model, processor, documents, first: int, line_height: int, shifts: list[int]) -> dict:
    """Nats per character of the late lines' true text inside the whole document, with ``shift`` blank patches
    inserted before the first late band: how far a line may start from where the reader expects it."""
    from specocr.models.processing_charocr import band_strip

    record = {}
    for shift in shifts:
        total, count = 0.0, 0
        for row in documents:
            reference = row["assistant_without_json"]
            late = late_text(reference, first)
            image = row["image"].convert("RGB")
            whole = np.asarray(band_strip(image, processor.band_height, 8))
            late_width = band_strip(paint_over(image, first, line_height), processor.band_height, 8).width
            paper = int(np.median(whole))
            blank = np.full((whole.shape[0], 8 * shift, 3), paper, np.uint8)
            split = whole.shape[1] - late_width  # where the first late band begins
            shifted = np.concatenate([whole[:, :split], blank, whole[:, split:]], axis=1)
            strip = Image.new("RGB", (processor.strip_width, whole.shape[0]), (paper,) * 3)
            strip.paste(Image.fromarray(shifted[:, :processor.strip_width]), (0, 0))
            losses = strip_losses(model, processor, strip, reference)[len(reference) - len(late):]
            total, count = total + sum(losses), count + len(losses)
        record[shift] = round(total / count, 3)
    return record


def teacher_forced(model, processor, documents, first: int, line_height: int) -> dict:
    """Nats per character of the late lines' true text: inside the whole document; alone (the first bands
    painted over, so the late lines move to the strip's start); alone at their own strip columns (the earlier
    bands' place left blank: the answer starts where no line starts)."""
    from specocr.models.processing_charocr import band_strip

    totals: dict[str, list[float]] = defaultdict(lambda: [0.0, 0])
    for row in documents:
        reference = row["assistant_without_json"]
        late = late_text(reference, first)
        image = row["image"].convert("RGB")
        whole = answer_losses(model, processor, image, reference)[len(reference) - len(late):]
        painted = paint_over(image, first, line_height)
        alone = answer_losses(model, processor, painted, late)
        whole_strip = band_strip(image, processor.band_height, 8)  # natural widths, no padding
        late_strip = band_strip(painted, processor.band_height, 8)
        in_place = Image.new("RGB", (processor.strip_width, processor.band_height),
                             (int(np.median(np.asarray(painted))),) * 3)
        in_place.paste(late_strip, (whole_strip.width - late_strip.width, 0))  # where the late bands were
        in_place_losses = strip_losses(model, processor, in_place, late)
        for name, losses in (("whole", whole), ("alone", alone), ("alone_in_place", in_place_losses)):
            totals[name][0] += sum(losses)
            totals[name][1] += len(losses)
    return {name: round(total / count, 3) for name, (total, count) in totals.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model", type=Path)
    parser.add_argument("--folder", required=True, help="DATASET_FOLDER:SPLIT")
    parser.add_argument("--checkpoint", type=Path, default=None)
    parser.add_argument("--first-late-line", type=int, default=3)
    parser.add_argument("--line-height", type=int, default=16)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--teacher-forced", action="store_true",
                        help="also the late lines' teacher-forced loss, whole / alone / alone at their columns "
                             "(printed and legal documents)")
    parser.add_argument("--shifts", default=None, help="comma-separated patch counts, e.g. 0,4,8,16,24: the late "
                        "lines' teacher-forced loss inside the document with that many blank patches before them "
                        "(printed and legal documents)")
    parser.add_argument("--no-reading", action="store_true", help="skip the greedy readings (losses only)")
    parser.add_argument("--drift", action="store_true",
                        help="also where each line starts against one patch per character, by line (no model needed)")
    parser.add_argument("--drift-kinds", default=None, help="comma-separated level-2 example kinds "
                        "(specocr.models.pretraining_data.EXAMPLE_KINDS): their line-start drift, 80 examples each")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    model, processor = load_model_folder(args.model)
    if args.checkpoint:
        model.load_state_dict(torch.load(args.checkpoint, weights_only=True, map_location="cpu")["model"])
    folder, split = args.folder.rsplit(":", 1)
    documents = [row for row in datasets.load_from_disk(folder)[split]
                 if to_plain(row["assistant"]).count("\n") >= args.first_late_line]
    whole = [row["image"].convert("RGB") for row in documents]
    late_only = [paint_over(image, args.first_late_line, args.line_height) for image in whole]

    record: dict = {"model": str(args.model), "checkpoint": str(args.checkpoint) if args.checkpoint else None,
                    "folder": args.folder, "documents": len(documents), "first_late_line": args.first_late_line}
    for name, images in () if args.no_reading else (("whole", whole), ("late_only", late_only)):
        outputs = []
        for start in range(0, len(images), args.batch_size):
            outputs += generate_batch(model, processor, images[start:start + args.batch_size], 384)
        by_category: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        by_line: dict[int, list[int]] = defaultdict(lambda: [0, 0])
        for row, output in zip(documents, outputs):
            reference, prediction = to_plain(row["assistant"]), to_plain(output["prediction"])
            late = late_text(reference, args.first_late_line)
            for key in (row["category"], "all"):
                by_category[key][0] += best_suffix_distance(prediction, late)
                by_category[key][1] += len(late)
            if name == "whole":
                for line, (errors, length) in enumerate(zip(*errors_by_line(prediction, reference))):
                    by_line[line][0] += errors
                    by_line[line][1] += length
        record[f"late_lines_cer_{name}"] = {key: round(e / n, 3) for key, (e, n) in sorted(by_category.items())}
        if by_line:
            record["cer_by_line_whole"] = {line: round(e / n, 3) for line, (e, n) in sorted(by_line.items())}
    printed = [row for row in documents if row["category"] != "handwritten"]  # the losses' documents
    if args.teacher_forced:
        record["late_lines_nats_per_char"] = teacher_forced(model, processor, printed, args.first_late_line,
                                                            args.line_height)
    if args.shifts:
        record["late_lines_nats_per_char_shifted"] = shift_tolerance(
            model, processor, printed, args.first_late_line, args.line_height,
            [int(shift) for shift in args.shifts.split(",")])
    if args.drift:
        every = list(datasets.load_from_disk(folder)[split])
        record["line_start_drift_patches"] = {
            category: drift_by_line([row for row in every if category in ("all", row["category"])], args.line_height)
            for category in ("all", "printed", "legal", "handwritten")}
    if args.drift_kinds:
        record["training_kinds_line_start_drift_patches"] = {
            kind: drift_by_line(level2_examples(kind, 80), args.line_height) for kind in args.drift_kinds.split(",")}
    print(json.dumps(record, indent=1))


if __name__ == "__main__":
    main()
