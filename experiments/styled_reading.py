"""Does a zoo checkpoint read documents drawn in styles it was not trained on? The yardstick of the `styled`
pretraining probes.

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python experiments/styled_reading.py zoo/ocr-S \
        [--checkpoint zoo/.work/ocr-S/checkpoint.pt] [--documents 48] [--folder OUT/documents:test]

Reads, with the structured-OCR prompt and as band strips (the pipeline's way):

* ``held_out_faces``: general documents (``styled_documents``' lines) drawn by
  :func:`specocr.data.styles.render_styled` in faces no training example uses (FreeSans, FreeSerif, FreeMono,
  Lato, Comic Neue), from seeds no training batch draws;
* ``training_faces``: the same documents' kind in the training faces, other seeds;
* ``pipeline_faces``: general 6-line documents as the pipeline's renderer draws them (the cards' printed and
  handwritten sets, ``held_out.held_out_sets``);
* each ``--folder``'s split (e.g. the documents of ``experiments/unseen_templates.py``: Portuguese
  templates the domain does not have), per category.

Prints one JSON line: pooled CER (on the texts as the official score sees them) and mean official score per set.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from pathlib import Path

import torch
from datasets import load_from_disk

from specocr.data.schema import STRUCTURED_OCR_PROMPT
from specocr.data.synthetic import document_seed
from specocr.evaluate.score import document_score
from specocr.models.held_out import character_error_rate, generate_answers, held_out_sets, reading_layout
from specocr.models.pretraining_data import Example, make_fakers, styled_document_example
from specocr.models.zoo import load_base
from specocr.params import load_params
from specocr.paths import project_root

SEED = 20261207  # the styled sets' seeds: hashed with their names, far from every training example number


def styled_set(name: str, count: int, held_out: bool, params) -> list[Example]:
    """``count`` styled documents asked with the structured prompt (the kind draws the prompt; this set fixes
    it), from seeds of their own."""
    fakers = make_fakers()
    examples = []
    for index in range(count):
        example = styled_document_example(document_seed(SEED, name, index), params.data.block, params.data.page,
                                          fakers, held_out=held_out)
        if example.prompt != STRUCTURED_OCR_PROMPT:  # the same document asked the other way: answer as JSON
            example = styled_document_example(document_seed(SEED, name, index + 10**6), params.data.block,
                                              params.data.page, fakers, held_out=held_out)
        examples.append(example)
    return [e for e in examples if e.prompt == STRUCTURED_OCR_PROMPT]


def measure(model, processor, examples: list[Example], line_height: int, strip_width: int) -> dict[str, float]:
    longest = max(len(example.answer) for example in examples)
    with reading_layout(processor, line_height, strip_width):
        answers = generate_answers(model, processor, examples, max_new_tokens=longest + 40)
    scores = [document_score(a, e.answer) for a, e in zip(answers, examples)]
    return {"cer": round(character_error_rate(answers, [e.answer for e in examples]), 4),
            "score": round(sum(scores) / len(scores), 4), "documents": len(examples)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base", type=Path, help="a zoo folder (architecture, processor; its weights unless --checkpoint)")
    parser.add_argument("--checkpoint", type=Path, default=None, help="a pretraining checkpoint.pt to load into it")
    parser.add_argument("--documents", type=int, default=48)
    parser.add_argument("--folder", action="append", default=[],
                        help="FOLDER:SPLIT, a saved DatasetDict's split to read too (repeatable)")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    root = project_root()
    params = load_params(root / "params.yaml")
    block = params.data.block
    strip_width = next(spec.strip_width for spec in params.bases.values())
    model, processor = load_base(args.base)
    if args.checkpoint:
        model.load_state_dict(torch.load(args.checkpoint, weights_only=True, map_location="cpu")["model"])
    started = time.perf_counter()
    record: dict = {"base": str(args.base), "checkpoint": str(args.checkpoint) if args.checkpoint else None}
    cards = held_out_sets(params.zoo.seed + 1, args.documents // 2, block, params.data.page)
    sets = {"held_out_faces": styled_set("held_out_faces", args.documents, True, params),
            "training_faces": styled_set("training_faces", args.documents, False, params),
            "pipeline_faces": cards["printed_documents"] + cards["handwritten_documents"]}
    for spec in args.folder:
        folder, split = spec.rsplit(":", 1)
        rows = load_from_disk(folder)[split]
        by_category: dict[str, list[Example]] = defaultdict(list)
        for row in rows:
            by_category[row.get("category") or "all"].append(Example(row["image"], STRUCTURED_OCR_PROMPT, row["assistant"]))
        for category, examples in sorted(by_category.items()):
            sets[f"{Path(folder).parent.name}-{split}/{category}"] = examples
    for name, examples in sets.items():
        record[name] = measure(model, processor, examples, block.line_height, strip_width)
    record["seconds"] = round(time.perf_counter() - started)
    print(json.dumps(record, ensure_ascii=False))


if __name__ == "__main__":
    main()
