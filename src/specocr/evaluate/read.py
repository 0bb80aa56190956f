"""A model folder reading a benchmark split, then its timing pass, with the backend params name
(``eval.backend``): what the eval stage (notebook 05) and ``specocr evaluate`` both run."""

from __future__ import annotations

from pathlib import Path

import datasets
import torch

from specocr.evaluate.timing import Timing, time_model, time_vllm, timing_images, write_timing
from specocr.models.conventions import folder_prompt


def read_and_time(folder: str | Path, dataset: datasets.Dataset, out_dir: str | Path, eval_params,
                  description: str) -> Timing:
    """Predictions for every document of ``dataset`` not yet in ``out_dir`` (asked with the folder's prompt),
    then the timing pass, written to ``out_dir/timing.json``."""
    timed = timing_images(dataset, eval_params.timing.documents)
    prompt = folder_prompt(folder)  # the base's, carried from the bases stage through training
    if eval_params.backend == "vllm":
        from specocr.evaluate.vllm_backend import load_engine, predict_with_vllm
        from specocr.models.int8 import is_quantized_folder

        if is_quantized_folder(folder):
            raise ValueError(f"{folder}: an int8_dynamic model runs on the CPU only; read it with eval.backend hf")
        from specocr.models.qwen_processor import load_processor

        engine, processor = load_engine(folder, eval_params.vllm_max_model_len, eval_params.vllm_tensor_parallel), load_processor(folder)
        predict_with_vllm(engine, processor, dataset, out_dir, eval_params.max_new_tokens, eval_params.batch_size,
                          description, prompt)
        timing = time_vllm(engine, processor, timed, eval_params.max_new_tokens, eval_params.timing.passes, prompt)
    else:
        from specocr.evaluate.generate import predict_with_model
        from specocr.models.registry import load_model_folder

        torch.set_num_threads(eval_params.threads)
        model, processor = load_model_folder(folder)
        predict_with_model(model, processor, dataset, out_dir, eval_params.max_new_tokens, eval_params.batch_size,
                           description, prompt)
        timing = time_model(model, processor, timed, eval_params.max_new_tokens,
                            min(eval_params.batch_size, len(timed)), eval_params.timing.passes, prompt)
    write_timing(out_dir, timing)
    return timing
