"""Batched greedy decoding of any model folder (zoo or Hub) over a benchmark split.

For each document it records the raw output, whether generation stopped on end-of-sequence or hit the
``max_new_tokens`` cap (the degeneration rule needs this), the tokens generated and the wall time. Rows
are appended to ``predictions.jsonl`` batch by batch, so a killed run resumes without duplicates.

Wall time is measured per batch and shared among its documents in proportion to the tokens each one
generated: a serving engine with continuous batching (the paper served with vLLM) pays per token, which is
why a few looping requests that run to the cap cost a large share of a batch's time.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import datasets
import torch
from tqdm import tqdm

from specocr.data.schema import STRUCTURED_OCR_PROMPT
from specocr.evaluate.io import PREDICTIONS, completed_ids


def prompt_messages(prompt: str = STRUCTURED_OCR_PROMPT) -> list[dict]:
    return [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": prompt}]}]


@torch.no_grad()
def generate_batch(model, processor, images: list, max_new_tokens: int,
                   prompt: str | list[str] = STRUCTURED_OCR_PROMPT, do_sample: bool = False,
                   temperature: float = 1.0) -> list[dict]:
    """Outputs for a batch of images (one prompt for all, or one per image): ``prediction``,
    ``hit_token_limit``, ``tokens``, ``seconds``."""
    prompts = [prompt] * len(images) if isinstance(prompt, str) else prompt
    texts = [processor.apply_chat_template(prompt_messages(p), add_generation_prompt=True, tokenize=False)
             for p in prompts]
    batch = processor(text=texts, images=images, return_tensors="pt", padding=True).to(model.device)
    eos_ids = model.generation_config.eos_token_id
    eos_ids = set(eos_ids if isinstance(eos_ids, list) else [eos_ids])
    started = time.perf_counter()
    output = model.generate(**batch, max_new_tokens=max_new_tokens, do_sample=do_sample,
                            temperature=temperature if do_sample else None, top_p=None, top_k=None)
    seconds = time.perf_counter() - started
    new_tokens = output[:, batch["input_ids"].shape[1]:].tolist()
    pad_id = processor.tokenizer.pad_token_id
    rows = []
    for tokens in new_tokens:
        stop = next((i for i, token in enumerate(tokens) if token in eos_ids), None)
        generated = tokens[: stop + 1] if stop is not None else [t for t in tokens if t != pad_id]
        rows.append({
            "prediction": processor.tokenizer.decode(generated, skip_special_tokens=True),
            "hit_token_limit": stop is None and len(tokens) >= max_new_tokens,
            "tokens": len(generated),
        })
    total_tokens = sum(r["tokens"] for r in rows) or 1
    for row in rows:
        row["seconds"] = seconds * row["tokens"] / total_tokens
    return rows


def predict_with_model(model, processor, dataset: datasets.Dataset, out_dir: str | Path, max_new_tokens: int,
                       batch_size: int, description: str = "generating", prompt: str = STRUCTURED_OCR_PROMPT) -> Path:
    """Greedy predictions, asked with ``prompt`` (a model folder's: ``conventions.folder_prompt``), for every
    document not yet in ``out_dir/predictions.jsonl``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / PREDICTIONS
    done = completed_ids(path)
    todo = [i for i, row_id in enumerate(dataset["id"]) if str(row_id) not in done]
    model.eval()
    with path.open("a", encoding="utf-8") as handle, tqdm(total=len(todo), desc=description, unit="page",
                                                          mininterval=2.0) as bar:
        for start in range(0, len(todo), batch_size):
            rows = dataset.select(todo[start:start + batch_size])
            outputs = generate_batch(model, processor, list(rows["image"]), max_new_tokens, prompt)
            for row_id, output in zip(rows["id"], outputs):
                handle.write(json.dumps({"id": str(row_id), **output}, ensure_ascii=False) + "\n")
            handle.flush()
            bar.update(len(outputs))
    return path
