"""What the SFT and DPO stages share: resumable checkpoints that belong to one run, and training curves."""

from __future__ import annotations

import csv
import hashlib
import json
import re
import shutil
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path

import datasets
import torch
from transformers import TrainerCallback

from specocr.data.schema import STRUCTURED_OCR_PROMPT
from specocr.models.conventions import CONVENTIONS_FILE

#: The file in a checkpoint folder that says which run its checkpoints belong to.
FINGERPRINT = "run_fingerprint.json"


def card_header(title: str, base_model: str, tags: Sequence[str]) -> str:
    """The YAML front matter and title of a Hugging Face model card for a specocr model."""
    return (f"---\nlibrary_name: transformers\npipeline_tag: image-text-to-text\n"
            f"tags: [{', '.join(['specocr', 'ocr', *tags])}]\nbase_model: {base_model}\n---\n# {title}\n")


#: The files of a model folder that decide what the model computes and how it is asked (its card and run
#: summaries do not).
MODEL_FILE_PATTERNS = ("config.json", "generation_config.json", "*.safetensors", "processor_config.json",
                       "preprocessor_config.json", "tokenizer*.json", "vocab.json", "merges.txt",
                       "chat_template.jinja", "*.py", CONVENTIONS_FILE)


def native_bf16() -> bool:
    """Whether this machine computes bf16 matrix products natively: a CUDA GPU with bf16, or a CPU whose
    kernels in use (``torch.backends.cpu.get_cpu_capability``, which ``ATEN_CPU_CAPABILITY`` can lower) are
    AVX-512 ones on a CPU with AVX512-BF16 or AMX. Elsewhere bf16 is emulated: an SFT step of ``ocr-S`` under
    autocast took 14x as long with AVX2 kernels as in float32 (20.1 s against 1.41 s; bench/README.md)."""
    if torch.cuda.is_available():
        return torch.cuda.is_bf16_supported()
    capability = torch.backends.cpu.get_cpu_capability()
    return capability.startswith("AVX512") and (torch.cpu._is_avx512_bf16_supported()
                                                or torch.cpu._is_amx_tile_supported())


def checkpointing_argument(enabled: bool) -> dict[str, bool]:
    """Activation checkpointing as a ``TrainingArguments`` keyword: ``activation_checkpointing`` in the CPU
    stack's transformers (5.23), ``gradient_checkpointing`` in the GPU stack's (5.20, which vLLM 0.33 needs)."""
    from transformers import TrainingArguments

    fields = TrainingArguments.__dataclass_fields__
    return {"activation_checkpointing" if "activation_checkpointing" in fields else "gradient_checkpointing": enabled}


def resolve_precision(precision: str) -> str:
    """The precision a stage trains in: ``auto`` becomes ``bf16-mixed`` where bf16 is native
    (:func:`native_bf16`), ``fp32`` elsewhere; the others are kept."""
    if precision != "auto":
        return precision
    return "bf16-mixed" if native_bf16() else "fp32"


def weights_dtype(precision: str) -> torch.dtype:
    """The dtype a fine-tuning stage loads (and saves) its weights in, for ``sft.precision`` / ``dpo.precision``;
    the Trainer's ``bf16`` flag (autocast) is on for every precision but ``fp32``."""
    return torch.bfloat16 if precision == "bf16" else torch.float32


def folder_digest(folder: str | Path) -> str:
    """SHA-256 of a model folder's weights, configs, tokenizer and processor code (names and bytes): two
    folders with the same digest hold the same model."""
    folder = Path(folder)
    files = sorted({path for pattern in MODEL_FILE_PATTERNS for path in folder.glob(pattern) if path.is_file()})
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode() + b"\0")
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        digest.update(b"\0")
    return digest.hexdigest()


def dataset_digest(split: datasets.Dataset) -> str:
    """SHA-256 of a split's documents (ids, ground truth and encoded image bytes, in order): documents that
    change with the same count change the digest."""
    columns = [c for c in ("id", "assistant", "image") if c in split.column_names]
    if "image" in columns and isinstance(split.features["image"], datasets.Image):
        split = split.cast_column("image", datasets.Image(decode=False))
    digest = hashlib.sha256()
    for row in split.select_columns(columns):
        for column in columns:
            value = row[column]
            if column == "image":
                value = value["bytes"] if isinstance(value, dict) and value.get("bytes") else str(value)
            digest.update(value if isinstance(value, bytes) else str(value).encode())
            digest.update(b"\0")
    return digest.hexdigest()


def _checkpoint_steps(checkpoint_dir: Path) -> list[int]:
    return sorted(int(m.group(1)) for path in checkpoint_dir.glob("checkpoint-*")
                  if (m := re.fullmatch(r"checkpoint-(\d+)", path.name)))


def prepare_checkpoint_dir(checkpoint_dir: str | Path, fingerprint: dict, max_steps: int) -> bool:
    """True when ``checkpoint_dir`` holds an unfinished checkpoint of this very run (same fingerprint: same
    settings, base weights and documents), which the run then resumes. Otherwise empty it and record this
    run's fingerprint: a run with other inputs must not continue someone else's weights and optimizer state,
    and a run that reached ``max_steps`` is trained again rather than "resumed" at its end (DVC re-runs a
    stage because it wants it run)."""
    checkpoint_dir = Path(checkpoint_dir)
    recorded = checkpoint_dir / FINGERPRINT
    if recorded.is_file() and json.loads(recorded.read_text(encoding="utf-8")) == fingerprint:
        steps = _checkpoint_steps(checkpoint_dir)
        if steps and steps[-1] < max_steps:
            return True
    if checkpoint_dir.exists():
        shutil.rmtree(checkpoint_dir)
    checkpoint_dir.mkdir(parents=True)
    recorded.write_text(json.dumps(fingerprint, indent=1, sort_keys=True), encoding="utf-8")
    return False


def has_unfinished_checkpoint(checkpoint_dir: str | Path, max_steps: int) -> bool:
    """Whether a run prepared by :func:`prepare_checkpoint_dir` left a checkpoint to resume (the read-only
    half of it, for the workers of a run that the launching process prepared)."""
    steps = _checkpoint_steps(Path(checkpoint_dir))
    return bool(steps) and steps[-1] < max_steps


def write_curves(log_history: list[dict], path: str | Path, columns: Sequence[str]) -> Path:
    """A trainer's log history as one CSV row per step (training and evaluation logs of a step merged),
    for ``dvc plots``."""
    path = Path(path)
    rows: dict[int, dict] = {}
    for entry in log_history:
        if "step" in entry and any(key in entry for key in columns):
            rows.setdefault(entry["step"], {}).update({k: entry[k] for k in columns if k in entry})
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=("step", *columns))
        writer.writeheader()
        for step in sorted(rows):
            writer.writerow({"step": step, **rows[step]})
    return path


@cache
def resumable(trainer_class: type) -> type:
    """``trainer_class`` (trl's ``SFTTrainer`` or ``DPOTrainer``), resuming full fine-tuning checkpoints
    correctly.

    transformers writes a checkpoint with ``save_pretrained``, which stores Qwen2.5-VL weights under the
    original checkpoint key names (``model.layers...``, ``visual...``), but resumes with a raw
    ``load_state_dict(strict=False)`` on the module names (``model.language_model.layers...``): no key
    matches, and the run silently continues from the weights it started with. Loading through
    ``from_pretrained`` converts the names; strict loading makes any other mismatch an error."""
    from peft import PeftModel

    class Resumable(trainer_class):
        def _load_from_checkpoint(self, resume_from_checkpoint: str, model=None) -> None:
            model = model or self.model
            if isinstance(model, PeftModel):  # adapters are saved and loaded by peft under its own names
                return super()._load_from_checkpoint(resume_from_checkpoint, model)
            from specocr.models.zoo import quiet_loading

            with quiet_loading(resume_from_checkpoint):
                saved = type(model).from_pretrained(resume_from_checkpoint, dtype=next(model.parameters()).dtype)
            model.load_state_dict(saved.state_dict(), strict=True)

    Resumable.__name__ = Resumable.__qualname__ = f"Resumable{trainer_class.__name__}"
    return Resumable


def validation_scorer(processor, documents, batch_size: int, max_new_tokens: int, tail_chars: int = 15,
                      min_repeats: int = 4, prompt: str = STRUCTURED_OCR_PROMPT
                      ) -> Callable[[torch.nn.Module], dict[str, float]]:
    """A function giving a model's official score and degeneration rate on ``documents`` (greedy, asked
    with ``prompt``)."""
    from specocr.evaluate.generate import generate_batch
    from specocr.evaluate.io import references_from_dataset
    from specocr.evaluate.metrics import Prediction, corpus_metrics

    references = references_from_dataset(documents)

    def score(model: torch.nn.Module) -> dict[str, float]:
        side, processor.tokenizer.padding_side = processor.tokenizer.padding_side, "left"  # generation pads left
        outputs = []
        for start in range(0, len(documents), batch_size):
            rows = documents.select(range(start, min(start + batch_size, len(documents))))
            outputs += generate_batch(model, processor, list(rows["image"]), max_new_tokens, prompt)
        processor.tokenizer.padding_side = side
        predictions = [Prediction(id=str(i), prediction=o["prediction"], hit_token_limit=o["hit_token_limit"])
                       for i, o in zip(documents["id"], outputs)]
        metrics = corpus_metrics(predictions, references, tail_chars, min_repeats, bootstrap_resamples=1)
        return {"val_score": metrics.score.mean, "val_degeneration_rate": metrics.degeneration_rate}

    return score


class ValidationScore(TrainerCallback):
    """After each evaluation, greedy transcriptions of a few validation documents scored with the official
    score: the number the loss stands in for. Logged into the trainer's history, so a resumed run keeps it."""

    def __init__(self, score: Callable[[torch.nn.Module], dict[str, float]]) -> None:
        self.score = score

    def on_evaluate(self, args, state, control, model=None, **kwargs):
        was_training = model.training
        model.eval()
        result = self.score(model)
        model.train(was_training)
        state.log_history.append({"step": state.global_step, **result})
