"""Decoding with vLLM (``eval.backend: vllm``): the paper served its models with vLLM, and measured
degeneration there.

Every page becomes one request: the model folder's chat template applied to the same messages the
Hugging Face path sends (:func:`specocr.evaluate.generate.prompt_messages`), with the page as the request's
image. Greedy decoding (temperature 0) to ``max_new_tokens``; ``hit_token_limit`` is vLLM's finish reason
``length``. Requests go in chunks; each chunk's rows are appended to ``predictions.jsonl`` when it is done, so a
killed run resumes, and its wall time is shared among its pages in proportion to their tokens, as for
Hugging Face batches. vLLM needs a CUDA GPU and is not installed by the CPU setup: everything up to the engine
call is tested here with a stand-in engine.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import datasets
from tqdm import tqdm

from specocr.data.schema import STRUCTURED_OCR_PROMPT
from specocr.evaluate.generate import prompt_messages
from specocr.evaluate.io import PREDICTIONS, completed_ids


def vllm_requests(processor, images: list, prompt: str = STRUCTURED_OCR_PROMPT) -> list[dict[str, Any]]:
    """One vLLM request per image: the chat-templated prompt and the image as its multi-modal data."""
    text = processor.apply_chat_template(prompt_messages(prompt), add_generation_prompt=True, tokenize=False)
    return [{"prompt": text, "multi_modal_data": {"image": image}} for image in images]


def output_rows(outputs: list, seconds: float) -> list[dict[str, Any]]:
    """``prediction``, ``hit_token_limit``, ``tokens`` and ``seconds`` of each of vLLM's request outputs (its
    first completion), the chunk's ``seconds`` shared by tokens."""
    rows = []
    for output in outputs:
        completion = output.outputs[0]
        rows.append({"prediction": completion.text, "hit_token_limit": completion.finish_reason == "length",
                     "tokens": len(completion.token_ids)})
    total_tokens = sum(row["tokens"] for row in rows) or 1
    for row in rows:
        row["seconds"] = seconds * row["tokens"] / total_tokens
    return rows


def greedy(max_new_tokens: int):
    from vllm import SamplingParams

    return SamplingParams(temperature=0.0, max_tokens=max_new_tokens)


def load_engine(folder: str | Path, max_model_len: int, tensor_parallel: int = 1, dtype: str = "bfloat16"):
    """A vLLM engine for the model folder, one image per request, the model spread over ``tensor_parallel``
    GPUs (a 7B base fits one 80 GB GPU; more GPUs leave more room for the KV cache)."""
    from vllm import LLM

    return LLM(model=str(folder), dtype=dtype, max_model_len=max_model_len, limit_mm_per_prompt={"image": 1},
               tensor_parallel_size=tensor_parallel, seed=0)


def generate_chunk(engine, processor, images: list, sampling, prompt: str) -> list[dict[str, Any]]:
    started = time.perf_counter()
    outputs = engine.generate(vllm_requests(processor, images, prompt), sampling, use_tqdm=False)
    return output_rows(outputs, time.perf_counter() - started)


def predict_with_vllm(engine, processor, dataset: datasets.Dataset, out_dir: str | Path, max_new_tokens: int,
                      chunk_size: int, description: str = "generating", prompt: str = STRUCTURED_OCR_PROMPT,
                      sampling=None) -> Path:
    """Greedy predictions (or ``sampling``'s) for every document not yet in ``out_dir/predictions.jsonl``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / PREDICTIONS
    done = completed_ids(path)
    todo = [i for i, row_id in enumerate(dataset["id"]) if str(row_id) not in done]
    sampling = sampling or greedy(max_new_tokens)
    with path.open("a", encoding="utf-8") as handle, tqdm(total=len(todo), desc=description, unit="page",
                                                          mininterval=2.0) as bar:
        for start in range(0, len(todo), chunk_size):
            rows = dataset.select(todo[start:start + chunk_size])
            for row_id, output in zip(rows["id"], generate_chunk(engine, processor, list(rows["image"]), sampling,
                                                                 prompt)):
                handle.write(json.dumps({"id": str(row_id), **output}, ensure_ascii=False) + "\n")
            handle.flush()
            bar.update(len(rows))
    return path
