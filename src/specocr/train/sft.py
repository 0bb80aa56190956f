"""Supervised fine-tuning on the domain's documents (stage ``sft@<base>``), with trl's ``SFTTrainer``.

Every base gets the same examples, steps and optimizer (params ``sft``): the ladder comparison is fair only
if the starting point is the one thing that differs. The data are prompt-completion conversations (the
document image and the structured-OCR prompt; the ground-truth JSON as the completion), so the loss is on
the completion only.

The run is resumable: checkpoints go to a folder of their own (``checkpoint_dir``) together with a
fingerprint of everything that shapes the run (content hashes of the base model and the training documents,
the seed, the settings); a killed run continues from its last checkpoint, while a run with other inputs, or
one that already finished, trains afresh from the base. The final model
(LoRA adapters merged into the weights) is saved as a plain ``save_pretrained`` folder with its processor
and a model card, so the evaluation stage loads it like any base.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import datasets
import torch

from specocr.data.schema import STRUCTURED_OCR_PROMPT
from specocr.params import SftParams
from specocr.train.common import (
    ValidationScore,
    card_header,
    checkpointing_argument,
    dataset_digest,
    folder_digest,
    has_unfinished_checkpoint,
    prepare_checkpoint_dir,
    resolve_precision,
    resumable,
    validation_scorer,
    weights_dtype,
    write_curves,
)
from specocr.train.distributed import gather_trained_model, in_worker, run_distributed

#: The columns of the training curves (one row per logged step), declared as DVC plots.
SFT_CURVE_COLUMNS = ("loss", "eval_loss", "val_score", "val_degeneration_rate", "learning_rate")


def conversation(image, answer: str, prompt: str = STRUCTURED_OCR_PROMPT) -> dict:
    """One document in trl's conversational prompt-completion format for vision models."""
    return {
        "images": [image],
        "prompt": [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": prompt}]}],
        "completion": [{"role": "assistant", "content": [{"type": "text", "text": answer}]}],
    }


def sft_dataset(split: datasets.Dataset, prompt: str = STRUCTURED_OCR_PROMPT) -> datasets.Dataset:
    """A benchmark split (``image``, ``assistant``) as prompt-completion conversations. Lazy: images are
    decoded when a batch is drawn, never re-encoded."""

    def to_conversations(batch: dict) -> dict:
        rows = [conversation(image, answer, prompt) for image, answer in zip(batch["image"], batch["assistant"])]
        return {key: [row[key] for row in rows] for key in ("images", "prompt", "completion")}

    return split.select_columns(["image", "assistant"]).with_transform(to_conversations)


def freeze_vision_encoder(model: torch.nn.Module) -> int:
    """Stop gradients into a Qwen2.5-VL model's vision encoder (patch embedding and blocks), leaving its merger
    (the projection into the language model) and the language model trainable; returns the frozen parameters."""
    visual = getattr(getattr(model, "model", model), "visual", None)
    if visual is None:
        raise ValueError(f"sft.freeze_vision_encoder: {type(model).__name__} has no vision encoder (`model.visual`)")
    frozen = 0
    for name, parameter in visual.named_parameters():
        if not name.startswith("merger."):
            parameter.requires_grad_(False)
            frozen += parameter.numel()
    return frozen


def run_fingerprint(base_folder: Path, train: datasets.Dataset, sft: SftParams, seed: int) -> dict:
    """What a checkpoint must share with this run to be resumed by it: the base model's and the training
    documents' content, the seed and the settings that shape training."""
    return {"base_digest": folder_digest(base_folder), "train_digest": dataset_digest(train),
            "train_documents": len(train), "seed": seed,
            **sft.model_dump(exclude={"threads", "val_documents", "eval_steps"})}


def sft_config(sft: SftParams, output_dir: Path, seed: int, has_validation: bool):
    from trl import SFTConfig

    return SFTConfig(
        output_dir=str(output_dir),
        max_steps=sft.max_steps,
        per_device_train_batch_size=sft.batch_size,
        per_device_eval_batch_size=sft.batch_size,
        gradient_accumulation_steps=sft.gradient_accumulation_steps,
        learning_rate=sft.learning_rate,
        lr_scheduler_type="cosine",
        warmup_steps=sft.warmup_steps,
        weight_decay=0.01,
        max_grad_norm=1.0,
        # A prompt holds the image's tokens: truncating it would cut the image, so no max_length.
        max_length=None,
        completion_only_loss=True,
        # Tiny models on a CPU: no recomputation (compute-bound, memory is not the limit); a 3B/7B base on a GPU
        # trains in bf16 with activation checkpointing.
        bf16=sft.precision != "fp32",
        fp16=False,
        **checkpointing_argument(sft.activation_checkpointing),
        use_cpu=not torch.cuda.is_available(),
        dataloader_num_workers=0,
        eval_strategy="steps" if has_validation else "no",
        eval_steps=sft.eval_steps,
        logging_steps=max(1, min(10, sft.eval_steps)),
        save_strategy="steps",
        save_steps=sft.eval_steps,
        save_total_limit=1,
        report_to="none",
        # The conversations are made from the image and assistant columns on the fly (sft_dataset): the
        # Trainer must not drop those columns for not being model inputs.
        remove_unused_columns=False,
        seed=seed,
        data_seed=seed,
        disable_tqdm=False,
    )


def train_sft(base_folder: str | Path, train: datasets.Dataset, validation: datasets.Dataset | None, sft: SftParams,
              out_dir: str | Path, checkpoint_dir: str | Path, curves_path: str | Path, seed: int, max_new_tokens: int,
              tail_chars: int = 15, min_repeats: int = 4, card_context: dict | None = None) -> dict:
    """Fine-tune the model in ``base_folder`` on ``train`` and save it to ``out_dir``, its curves to
    ``curves_path``; returns a summary (steps, wall time, examples/s, final validation numbers). Resumes
    from ``checkpoint_dir`` when it holds a checkpoint of the same run."""
    from peft import LoraConfig
    from trl import SFTTrainer

    from specocr.models.conventions import carry_conventions, folder_prompt
    from specocr.models.registry import load_model_folder

    base_folder, out_dir, checkpoint_dir = Path(base_folder), Path(out_dir), Path(checkpoint_dir)
    # `auto` is decided here, once: the fingerprint, the Trainer and the card all see the precision used.
    sft = sft.model_copy(update={"precision": resolve_precision(sft.precision)})
    fingerprint = run_fingerprint(base_folder, train, sft, seed)
    if sft.distributed.processes > 1 and not in_worker():
        prepare_checkpoint_dir(checkpoint_dir, fingerprint, sft.max_steps)
        return run_distributed("sft", {
            "base_folder": base_folder, "train": train, "validation": validation, "sft": sft, "out_dir": out_dir,
            "checkpoint_dir": checkpoint_dir, "curves_path": curves_path, "seed": seed,
            "max_new_tokens": max_new_tokens, "tail_chars": tail_chars, "min_repeats": min_repeats,
            "card_context": card_context}, sft.distributed, checkpoint_dir)
    prompt = folder_prompt(base_folder)
    torch.set_num_threads(sft.threads)
    torch.manual_seed(seed)
    model, processor = load_model_folder(base_folder, dtype=weights_dtype(sft.precision))
    if sft.freeze_vision_encoder:
        freeze_vision_encoder(model)
    processor.tokenizer.padding_side = "right"  # training pads on the right; generation below pads left

    resume = (has_unfinished_checkpoint(checkpoint_dir, sft.max_steps) if in_worker()
              else prepare_checkpoint_dir(checkpoint_dir, fingerprint, sft.max_steps))

    val_docs = validation.select(range(min(sft.val_documents, len(validation)))) if validation is not None else None
    has_validation = val_docs is not None and len(val_docs) > 0
    # Scoring generated answers needs the whole model in one process: with several workers (sharded weights),
    # the validation documents give their loss only.
    callbacks = [ValidationScore(validation_scorer(processor, val_docs, sft.batch_size, max_new_tokens, tail_chars,
                                                   min_repeats, prompt))] if has_validation and not in_worker() else []

    peft_config = None
    if sft.method == "lora":
        peft_config = LoraConfig(r=sft.lora.r, lora_alpha=sft.lora.alpha, lora_dropout=sft.lora.dropout,
                                 target_modules=sft.lora.target_modules, task_type="CAUSAL_LM")

    trainer = resumable(SFTTrainer)(
        model=model,
        args=sft_config(sft, checkpoint_dir, seed, has_validation),
        train_dataset=sft_dataset(train, prompt),
        eval_dataset=sft_dataset(val_docs, prompt) if has_validation else None,
        processing_class=processor,
        peft_config=peft_config,
        callbacks=callbacks,
    )
    started = time.perf_counter()
    result = trainer.train(resume_from_checkpoint=resume or None)
    seconds = time.perf_counter() - started

    if in_worker():
        final = gather_trained_model(trainer, checkpoint_dir / "trained", base_folder, sft.method,
                                     weights_dtype(sft.precision))
        if final is None:
            return {}  # not the first rank: it has written nothing
    else:
        final = trainer.model
        if sft.method == "lora":
            final = final.merge_and_unload()  # a plain model folder: evaluation loads it like any base
    processor.tokenizer.padding_side = "left"
    out_dir.mkdir(parents=True, exist_ok=True)
    final.save_pretrained(out_dir)
    processor.save_pretrained(out_dir)
    carry_conventions(base_folder, out_dir)
    history = trainer.state.log_history
    write_curves(history, curves_path, SFT_CURVE_COLUMNS)
    last_val = next((entry for entry in reversed(history) if "val_score" in entry), {})
    summary = {
        "base_folder": str(base_folder),
        "method": sft.method,
        "precision": sft.precision,
        "steps": trainer.state.global_step,
        "train_documents": len(train),
        "examples_seen": trainer.state.global_step * sft.batch_size * sft.gradient_accumulation_steps,
        "seconds_this_run": seconds,
        "train_samples_per_second": result.metrics.get("train_samples_per_second"),
        "final_train_loss": next((e["loss"] for e in reversed(history) if "loss" in e), None),
        "final_eval_loss": next((e["eval_loss"] for e in reversed(history) if "eval_loss" in e), None),
        "val_score": last_val.get("val_score"),
        "val_degeneration_rate": last_val.get("val_degeneration_rate"),
        "resumed": resume,
    }
    (out_dir / "README.md").write_text(sft_card(summary, sft, seed, card_context or {}), encoding="utf-8")
    (out_dir / "training_summary.json").write_text(json.dumps(summary, indent=1), encoding="utf-8")
    return summary


def sft_card(summary: dict, sft: SftParams, seed: int, context: dict) -> str:
    """A Hugging Face model card for a fine-tuned model."""
    base = context.get("base", summary["base_folder"])
    method = ("full fine-tuning" if sft.method == "full"
              else f"LoRA (r {sft.lora.r}, alpha {sft.lora.alpha}, on {', '.join(sft.lora.target_modules)}), merged")
    val = "not measured" if summary["val_score"] is None else f"{summary['val_score']:.4f}"
    return card_header(context.get("name", "specocr SFT model"), base, ["sft", "trl"]) + f"""
`{base}` after supervised fine-tuning on {context.get('domain', 'the domain')}'s structured-OCR documents
(trl `SFTTrainer`, prompt-completion format, loss on the completion only): the first half of the
*DharmaOCR* specialization step (arXiv 2604.14314).

| | |
|---|---|
| method | {method} |
| training documents | {summary['train_documents']} |
| steps | {summary['steps']} x batch {sft.batch_size} x accumulation {sft.gradient_accumulation_steps} |
| optimizer | AdamW, lr {sft.learning_rate}, {sft.warmup_steps} warmup steps, cosine decay |
| precision | {sft.precision} |
| wall time (last run) | {summary['seconds_this_run'] / 60:.1f} min, {sft.threads} CPU thread(s) |
| final training loss | {summary['final_train_loss']} |
| final validation loss | {summary['final_eval_loss']} |
| validation score ({sft.val_documents} documents, greedy) | {val} |
| seed | {seed} |
"""
