"""How well a zoo checkpoint reads the pipeline's own validation documents, before any SFT (a probe's yardstick).

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python experiments/val_reading.py zoo/.work/ocr-S/checkpoint.pt \
        --data data/benchmark --documents 32

Loads the zoo base the checkpoint's run continued from (``--base``), puts the checkpoint's weights into it, and
reads the first ``--documents`` documents of the ``val`` split that the data stage wrote (the domain's
templates, which the zoo never trains on) with the structured-OCR prompt (``--plain``: "Read the text.", scored on the plain transcription), as band strips ``--strip-width`` px
wide. Prints the pooled CER per category on the texts as the official score sees them (``to_plain``), the
share of answers that are valid JSON (any object, and the paper's strict schema) and the mean official score;
``--answers`` keeps every answer. The test split is never read: probes are compared on val.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

import torch
from datasets import load_from_disk

from specocr.data.schema import STRUCTURED_OCR_PROMPT
from specocr.evaluate.metrics import is_structured_output
from specocr.evaluate.score import document_score
from specocr.models.held_out import character_error_rate, generate_answers, reading_layout
from specocr.models.pretraining_data import OCR_PROMPT, Example
from specocr.models.zoo import load_base
from specocr.paths import project_root


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoint", type=Path, help="a pretraining checkpoint.pt, or a saved model folder")
    parser.add_argument("--base", type=Path, default=Path("zoo/generalist-S"),
                        help="the folder whose architecture and processor the checkpoint's weights fit")
    parser.add_argument("--data", type=Path, default=Path("data/benchmark"))
    parser.add_argument("--documents", type=int, default=32)
    parser.add_argument("--strip-width", type=int, default=2048)
    parser.add_argument("--line-height", type=int, default=16)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--plain", action="store_true",
                        help='ask "Read the text." and score against the plain transcription, not the JSON')
    parser.add_argument("--answers", type=Path, default=None,
                        help="write every document's category, truth, answer, official score and strict-JSON "
                             "validity to this JSONL file")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    root = project_root()
    if args.checkpoint.is_dir():
        model, processor = load_base(args.checkpoint)
    else:
        model, processor = load_base(root / args.base)
        model.load_state_dict(torch.load(args.checkpoint, weights_only=True, map_location="cpu")["model"])
    rows = load_from_disk(str(args.data))["val"].select(range(args.documents))
    examples = [Example(row["image"], OCR_PROMPT, row["assistant_without_json"]) if args.plain
                else Example(row["image"], STRUCTURED_OCR_PROMPT, row["assistant"]) for row in rows]
    longest = max(len(example.answer) for example in examples)
    with reading_layout(processor, args.line_height, args.strip_width):
        answers = generate_answers(model, processor, examples, max_new_tokens=longest + 40)
    by_category: dict[str, list[int]] = defaultdict(list)
    for index, row in enumerate(rows):
        by_category[row["category"] or "all"].append(index)
    record = {"checkpoint": str(args.checkpoint), "documents": len(examples), "prompt": "plain" if args.plain else "structured"}
    for category, indices in sorted(by_category.items()):
        record[f"cer_{category}"] = round(character_error_rate([answers[i] for i in indices],
                                                               [examples[i].answer for i in indices]), 4)
    record["cer_all"] = round(character_error_rate(answers, [e.answer for e in examples]), 4)

    def is_json(text: str) -> bool:
        try:
            return isinstance(json.loads(text), dict)
        except json.JSONDecodeError:
            return False

    record["valid_json"] = round(sum(map(is_json, answers)) / len(answers), 3)
    record["example"] = {"truth": examples[0].answer, "read": answers[0]}
    scores = [document_score(answer, example.answer) for answer, example in zip(answers, examples)]
    record["score_all"] = round(sum(scores) / len(scores), 4)
    record["strict_json"] = round(sum(map(is_structured_output, answers)) / len(answers), 3)
    if args.answers:
        with args.answers.open("w", encoding="utf-8") as out:
            for row, example, answer, score in zip(rows, examples, answers, scores):
                out.write(json.dumps({"id": row["id"], "category": row["category"], "truth": example.answer,
                                      "answer": answer, "score": round(score, 4),
                                      "strict_json": is_structured_output(answer)}, ensure_ascii=False) + "\n")
    print(json.dumps(record, ensure_ascii=False))


if __name__ == "__main__":
    main()
