"""GPU hours and cost of ``params/paper.yaml`` on one H100, estimated before any GPU run.

    .venv/bin/python bench/paper_scale_estimate.py [--params params/paper.yaml] [--mfu 0.35]

Training is counted in floating-point operations from the bases' published sizes and the params' steps, batch
sizes and page geometry, at an assumed share ``--mfu`` of the H100's dense bf16 peak; decoding (evaluation, DPO
sampling, SFT validation) at the pages per second olmOCR published for its 7B model with vLLM on one H100. Both
are assumptions with sources, not measurements: ``bench/gpu_rehearsal.py`` measures what this estimates.
"""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass

from specocr.params import load_params

#: NVIDIA H100 SXM datasheet: 989 TFLOP/s dense BF16 (1,979 with sparsity).
H100_BF16_DENSE_FLOPS = 989e12
#: olmOCR 2's published throughput (allenai/olmocr, 2025): 10,000 pages in 36 min 47 s on one H100 with vLLM.
OLMOCR_PAGES_PER_SECOND = 10_000 / (36 * 60 + 47)
#: Qwen2.5-VL: 14 px patches merged 2 x 2 into one language-model token of 28 x 28 px; its vision tower
#: (~0.67B parameters, the same for 3B and 7B) runs on the unmerged patches.
MERGED_PIXELS = 28 * 28
VISION_PARAMETERS = 0.67e9
#: Non-embedding parameters of the language models (Qwen2.5-3B and -7B model cards: 2.77B and 6.53B).
LANGUAGE_PARAMETERS = {"3B": 2.77e9, "7B": 6.53e9}
CHARACTERS_PER_TOKEN = 3.5  # Qwen's tokenizer on Portuguese text, roughly
PROMPT_TOKENS = 60


@dataclass
class Estimate:
    sft_hours: float
    dpo_hours: float
    decode_hours: float

    @property
    def total(self) -> float:
        return self.sft_hours + self.dpo_hours + self.decode_hours


def forward_flops(size: str, image_tokens: float, text_tokens: float) -> tuple[float, float]:
    """Forward FLOPs of one example: (language model, vision tower), 2 per parameter per token."""
    return (2 * LANGUAGE_PARAMETERS[size] * (image_tokens + text_tokens),
            2 * VISION_PARAMETERS * 4 * image_tokens)


def estimate(params, size: str, mfu: float, answer_characters: float) -> Estimate:
    flops_per_second = H100_BF16_DENSE_FLOPS * mfu
    image_tokens = params.data.page.width * params.data.page.height / MERGED_PIXELS
    answer_tokens = answer_characters / CHARACTERS_PER_TOKEN
    language, vision = forward_flops(size, image_tokens, PROMPT_TOKENS + answer_tokens)
    # LoRA with activation checkpointing: forward, recomputed forward, activation gradients (no gradients for
    # the frozen weights); the vision tower is frozen and runs forward only.
    sft_passes = 3 if params.sft.method == "lora" else 4
    sft_examples = params.sft.max_steps * params.sft.batch_size * params.sft.gradient_accumulation_steps
    sft = sft_examples * (sft_passes * language + vision) / flops_per_second
    # DPO: chosen and rejected answers, the policy trained as in SFT plus a reference forward; a rejected
    # (looping) answer is taken at half of max_new_tokens on average.
    rejected_tokens = params.dpo.max_new_tokens / 2
    dpo_language = sum(forward_flops(size, image_tokens, PROMPT_TOKENS + tokens)[0]
                       for tokens in (answer_tokens, rejected_tokens))
    dpo_examples = params.dpo.max_steps * params.dpo.batch_size * params.dpo.gradient_accumulation_steps
    dpo = dpo_examples * ((sft_passes + 1) * dpo_language + 2 * vision) / flops_per_second
    test_pages = 496  # Dharma-AI/DharmaOCR-Benchmark's test split
    validations = math.ceil(params.sft.max_steps / params.sft.eval_steps) * params.sft.val_documents
    pages = (test_pages * len(params.eval.stages) + params.dpo.documents * params.dpo.samples_per_document
             + validations + params.eval.timing.documents * params.eval.timing.passes * len(params.eval.stages))
    decode = pages / OLMOCR_PAGES_PER_SECOND
    return Estimate(sft / 3600, dpo / 3600, decode / 3600)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--params", default="params/paper.yaml")
    parser.add_argument("--mfu", type=float, default=0.35, help="assumed share of the dense bf16 peak")
    parser.add_argument("--answer-characters", type=float, default=225.0,
                        help="mean characters of a training page's answer (the paper-scale data stage's pages)")
    args = parser.parse_args()
    params = load_params(args.params)
    rates = {name: hardware.usd_per_hour for name, hardware in params.cost.hardware.items() if "h100" in name}
    total = 0.0
    print(f"{'base':28} {'size':5} {'SFT h':>6} {'DPO h':>6} {'decode h':>8} {'total h':>8}")
    for name, base in params.bases.items():
        result = estimate(params, base.size, args.mfu, args.answer_characters)
        total += result.total
        print(f"{name:28} {base.size:5} {result.sft_hours:6.2f} {result.dpo_hours:6.2f} {result.decode_hours:8.2f} "
              f"{result.total:8.2f}")
    print(f"all bases: {total:.1f} H100 hours at {args.mfu:.0%} of the bf16 peak, decoding at "
          f"{OLMOCR_PAGES_PER_SECOND:.2f} pages/s")
    for name, usd_per_hour in rates.items():
        print(f"  {name} at ${usd_per_hour}/h: ${total * usd_per_hour:.0f}")


if __name__ == "__main__":
    main()
