"""Preference optimization on the SFT model's own failures (stage ``dpo@<base>``), with trl's ``DPOTrainer``.

As in the paper: sample several outputs per training document from the SFT model; the *rejected* answer is
a degenerate sample (a loop that ran to the token cap) when there is one, else the lowest-scoring sample;
the *chosen* answer is the ground truth, or the best sample when it scores at least ``chosen_min_score``
(the model's own good output is closer to what it can produce). A pair is kept only when the chosen answer
beats the rejected one by ``min_score_gap``: documents the model already reads consistently teach nothing.

The loss combines DPO's sigmoid loss with an SFT term on the chosen answer (``loss_type=["sigmoid",
"sft"]``): without it, DPO may lower the likelihood of the correct text along with the rejected one. The SFT
model is the reference. Samples are written to a JSONL as they are drawn, so a killed run resumes.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

import datasets
import torch
from tqdm import tqdm

from specocr.data.schema import STRUCTURED_OCR_PROMPT
from specocr.evaluate.degeneration import is_degenerate
from specocr.evaluate.io import completed_ids
from specocr.evaluate.score import document_score
from specocr.params import DpoParams
from specocr.train.common import (
    card_header,
    checkpointing_argument,
    dataset_digest,
    folder_digest,
    has_unfinished_checkpoint,
    prepare_checkpoint_dir,
    resolve_precision,
    resumable,
    weights_dtype,
    write_curves,
)
from specocr.train.distributed import gather_trained_model, in_worker, run_distributed

DPO_CURVE_COLUMNS = ("loss", "rewards/chosen", "rewards/rejected", "rewards/margins", "rewards/accuracies",
                     "logps/chosen", "logps/rejected", "learning_rate")


@dataclass(frozen=True)
class PreferencePair:
    id: str
    chosen: str
    rejected: str
    chosen_kind: str  # ground_truth | best_sample
    rejected_kind: str  # degenerate | lowest_score
    chosen_score: float
    rejected_score: float


def choose_pair(document_id: str, ground_truth: str, samples: list[dict], chosen_min_score: float,
                min_score_gap: float, tail_chars: int = 15, min_repeats: int = 4) -> PreferencePair | None:
    """The preference pair of one document from its samples (``prediction``, ``hit_token_limit``), or None
    when the gap between chosen and rejected is below ``min_score_gap``."""
    if not samples:
        return None
    scored = [(document_score(s["prediction"], ground_truth), s) for s in samples]
    degenerate = [(score, s) for score, s in scored
                  if is_degenerate(s["prediction"], s.get("hit_token_limit", False), tail_chars, min_repeats)]
    if degenerate:
        rejected_score, rejected = min(degenerate, key=lambda pair: pair[0])
        rejected_kind = "degenerate"
    else:
        rejected_score, rejected = min(scored, key=lambda pair: pair[0])
        rejected_kind = "lowest_score"
    best_score, best = max(scored, key=lambda pair: pair[0])
    if best_score >= chosen_min_score and best is not rejected:
        chosen, chosen_score, chosen_kind = best["prediction"], best_score, "best_sample"
    else:
        chosen, chosen_score, chosen_kind = ground_truth, 1.0, "ground_truth"
    if chosen_score - rejected_score < min_score_gap or chosen == rejected["prediction"]:
        return None
    return PreferencePair(document_id, chosen, rejected["prediction"], chosen_kind, rejected_kind, chosen_score,
                          rejected_score)


#: Beside a samples file: the model, documents and settings its samples were drawn with.
SAMPLES_FINGERPRINT = "samples_fingerprint.json"


def sample_outputs(model, processor, documents: datasets.Dataset, samples_per_document: int, temperature: float,
                   max_new_tokens: int, batch_size: int, path: str | Path, seed: int,
                   model_folder: str | Path | None = None, prompt: str = STRUCTURED_OCR_PROMPT
                   ) -> dict[str, list[dict]]:
    """``samples_per_document`` sampled outputs per document, appended to the JSONL at ``path`` (one line
    per document); documents already there are kept, so a killed run resumes. Returns id -> samples.

    Samples already at ``path`` are kept only if they come from the same model (``model_folder``'s content),
    documents and sampling settings, recorded beside them (:data:`SAMPLES_FINGERPRINT`); otherwise they are
    drawn again."""
    from specocr.evaluate.generate import generate_batch

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fingerprint = {"model_digest": folder_digest(model_folder) if model_folder is not None else None,
                   "documents_digest": dataset_digest(documents), "samples_per_document": samples_per_document,
                   "temperature": temperature, "max_new_tokens": max_new_tokens, "batch_size": batch_size,
                   "seed": seed, "prompt": prompt}
    recorded = path.with_name(SAMPLES_FINGERPRINT)
    if not recorded.is_file() or json.loads(recorded.read_text(encoding="utf-8")) != fingerprint:
        path.unlink(missing_ok=True)
        recorded.write_text(json.dumps(fingerprint, indent=1, sort_keys=True), encoding="utf-8")
    done = completed_ids(path)
    processor.tokenizer.padding_side = "left"
    model.eval()
    per_batch = max(1, batch_size // samples_per_document)
    ids = [str(row_id) for row_id in documents["id"]]
    with path.open("a", encoding="utf-8") as handle, tqdm(total=len(ids) - len(done & set(ids)), desc="sampling",
                                                          unit="doc", mininterval=2.0) as bar:
        for start in range(0, len(ids), per_batch):
            chunk = list(range(start, min(start + per_batch, len(ids))))
            missing = [i for i in chunk if ids[i] not in done]
            if not missing:
                continue
            # Batches sit at fixed places and are seeded by their place: a resumed run draws a batch (and
            # writes the documents it lacks) exactly as the uninterrupted run drew it.
            torch.manual_seed(seed + start)
            images = [image for image in documents.select(chunk)["image"] for _ in range(samples_per_document)]
            outputs = generate_batch(model, processor, images, max_new_tokens, prompt, do_sample=True,
                                     temperature=temperature)
            for offset, index in enumerate(chunk):
                if index in missing:
                    samples = outputs[offset * samples_per_document:(offset + 1) * samples_per_document]
                    handle.write(json.dumps({"id": ids[index], "samples": samples}, ensure_ascii=False) + "\n")
            handle.flush()
            bar.update(len(missing))
    samples = {}
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            samples[row["id"]] = row["samples"]
    return samples


def preference_pairs(documents: datasets.Dataset, samples: dict[str, list[dict]], dpo: DpoParams,
                     tail_chars: int = 15, min_repeats: int = 4) -> list[PreferencePair]:
    pairs = []
    for row_id, truth in zip(documents["id"], documents["assistant"]):
        pair = choose_pair(str(row_id), truth, samples.get(str(row_id), []), dpo.chosen_min_score, dpo.min_score_gap,
                           tail_chars, min_repeats)
        if pair is not None:
            pairs.append(pair)
    return pairs


def pair_counts(pairs: list[PreferencePair], documents: int) -> dict:
    """How many pairs of each kind, of how many sampled documents."""
    return {"documents_sampled": documents, "pairs": len(pairs),
            "rejected": dict(Counter(p.rejected_kind for p in pairs)),
            "chosen": dict(Counter(p.chosen_kind for p in pairs)),
            "mean_score_gap": sum(p.chosen_score - p.rejected_score for p in pairs) / len(pairs) if pairs else None}


def dpo_dataset(documents: datasets.Dataset, pairs: list[PreferencePair],
                prompt: str = STRUCTURED_OCR_PROMPT) -> datasets.Dataset:
    """Pairs in trl's conversational preference format for vision models (images decoded lazily)."""
    position = {str(row_id): index for index, row_id in enumerate(documents["id"])}
    subset = documents.select([position[p.id] for p in pairs]).select_columns(["image"])
    subset = subset.add_column("chosen_text", [p.chosen for p in pairs])
    subset = subset.add_column("rejected_text", [p.rejected for p in pairs])

    def to_preferences(batch: dict) -> dict:
        def answer(text: str) -> list[dict]:
            return [{"role": "assistant", "content": [{"type": "text", "text": text}]}]

        return {
            "images": [[image] for image in batch["image"]],
            "prompt": [[{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": prompt}]}]
                       for _ in batch["image"]],
            "chosen": [answer(text) for text in batch["chosen_text"]],
            "rejected": [answer(text) for text in batch["rejected_text"]],
        }

    return subset.with_transform(to_preferences)


def dpo_config(dpo: DpoParams, output_dir: Path, seed: int):
    from trl import DPOConfig

    return DPOConfig(
        output_dir=str(output_dir),
        max_steps=dpo.max_steps,
        per_device_train_batch_size=dpo.batch_size,
        gradient_accumulation_steps=dpo.gradient_accumulation_steps,
        learning_rate=dpo.learning_rate,
        lr_scheduler_type="cosine",
        warmup_steps=0,
        beta=dpo.beta,
        loss_type=list(dpo.loss_type),
        loss_weights=list(dpo.loss_weights),
        max_length=dpo.max_length,  # keep_start: the answer's end goes first, the prompt's image tokens stay
        truncation_mode="keep_start",
        bf16=dpo.precision != "fp32",
        fp16=False,
        **checkpointing_argument(dpo.activation_checkpointing),
        use_cpu=not torch.cuda.is_available(),
        dataloader_num_workers=0,
        remove_unused_columns=False,  # the preference columns are built from the dataset's own on the fly
        logging_steps=1,
        save_strategy="steps",
        save_steps=max(1, dpo.max_steps // 4),
        save_total_limit=1,
        report_to="none",
        seed=seed,
        data_seed=seed,
    )


def train_dpo(sft_folder: str | Path, documents: datasets.Dataset, pairs: list[PreferencePair], dpo: DpoParams,
              out_dir: str | Path, checkpoint_dir: str | Path, curves_path: str | Path, seed: int,
              card_context: dict | None = None) -> dict:
    """DPO from the SFT model in ``sft_folder`` (also the reference) on ``pairs``; the model is saved to
    ``out_dir`` with a card. With no pair to learn from, the SFT model is saved unchanged and the summary
    says so (a model that never fails on the training documents leaves DPO nothing to do)."""
    from trl import DPOTrainer

    from specocr.models.conventions import carry_conventions, folder_prompt
    from specocr.models.registry import load_model_folder
    from specocr.models.zoo import quiet_loading

    sft_folder, out_dir = Path(sft_folder), Path(out_dir)
    dpo = dpo.model_copy(update={"precision": resolve_precision(dpo.precision)})  # as train_sft does
    fingerprint = {"sft_digest": folder_digest(sft_folder), "documents_digest": dataset_digest(documents),
                   "pairs": [asdict(p) for p in pairs], "seed": seed,
                   **dpo.model_dump(exclude={"threads"})}
    if pairs and dpo.distributed.processes > 1 and not in_worker():
        prepare_checkpoint_dir(checkpoint_dir, fingerprint, dpo.max_steps)
        return run_distributed("dpo", {
            "sft_folder": sft_folder, "documents": documents, "pairs": pairs, "dpo": dpo, "out_dir": out_dir,
            "checkpoint_dir": checkpoint_dir, "curves_path": curves_path, "seed": seed,
            "card_context": card_context}, dpo.distributed, checkpoint_dir)
    prompt = folder_prompt(sft_folder)
    torch.set_num_threads(dpo.threads)
    torch.manual_seed(seed)
    model, processor = load_model_folder(sft_folder, dtype=weights_dtype(dpo.precision))
    resume = (has_unfinished_checkpoint(checkpoint_dir, dpo.max_steps) if in_worker()
              else prepare_checkpoint_dir(checkpoint_dir, fingerprint, dpo.max_steps))
    started = time.perf_counter()
    history: list[dict] = []
    steps = 0
    if pairs:
        peft_config = None
        if dpo.method == "lora":  # trl's reference is then the model with its adapters disabled
            from peft import LoraConfig

            peft_config = LoraConfig(r=dpo.lora.r, lora_alpha=dpo.lora.alpha, lora_dropout=dpo.lora.dropout,
                                     target_modules=dpo.lora.target_modules, task_type="CAUSAL_LM")
        with quiet_loading(sft_folder):  # with full DPO, trl loads its reference copy of the model from the folder
            trainer = resumable(DPOTrainer)(model=model, args=dpo_config(dpo, Path(checkpoint_dir), seed),
                                            train_dataset=dpo_dataset(documents, pairs, prompt),
                                            processing_class=processor, peft_config=peft_config)
        trainer.train(resume_from_checkpoint=resume or None)
        model, history, steps = trainer.model, trainer.state.log_history, trainer.state.global_step
        if in_worker():
            model = gather_trained_model(trainer, Path(checkpoint_dir) / "trained", sft_folder, dpo.method,
                                         weights_dtype(dpo.precision))
            if model is None:
                return {}  # not the first rank: it has written nothing
        elif dpo.method == "lora":
            model = model.merge_and_unload()  # a plain model folder, loaded like any other
    seconds = time.perf_counter() - started
    processor.tokenizer.padding_side = "left"
    out_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out_dir)
    processor.save_pretrained(out_dir)
    carry_conventions(sft_folder, out_dir)
    write_curves(history, curves_path, DPO_CURVE_COLUMNS)
    last = {key: next((e[key] for e in reversed(history) if key in e), None) for key in DPO_CURVE_COLUMNS}
    summary = {"sft_folder": str(sft_folder), "steps": steps, "pairs": len(pairs), "seconds_this_run": seconds,
               "resumed": resume, "final": last}
    (out_dir / "README.md").write_text(dpo_card(summary, dpo, seed, card_context or {}), encoding="utf-8")
    (out_dir / "training_summary.json").write_text(json.dumps(summary, indent=1), encoding="utf-8")
    return summary


def dpo_card(summary: dict, dpo: DpoParams, seed: int, context: dict) -> str:
    base = context.get("base", summary["sft_folder"])
    final = summary["final"]
    margin = "n/a" if final.get("rewards/margins") is None else f"{final['rewards/margins']:.4f}"
    accuracy = "n/a" if final.get("rewards/accuracies") is None else f"{final['rewards/accuracies']:.2f}"
    losses = " + ".join(f"{w:g} x {t}" for t, w in zip(dpo.loss_type, dpo.loss_weights))
    return card_header(context.get("name", "specocr DPO model"), base, ["dpo", "trl"]) + f"""
`{base}` after direct preference optimization (trl `DPOTrainer`) on pairs drawn from its own samples on
the training documents, the second half of the *DharmaOCR* specialization step (arXiv 2604.14314):
rejected = a degenerate sample or the worst one, chosen = the ground truth or a sample scoring at least
{dpo.chosen_min_score}. The SFT model is the reference.

| | |
|---|---|
| pairs | {summary['pairs']} ({context.get('pair_counts', '')}) |
| loss | {losses}, beta {dpo.beta} |
| steps | {summary['steps']} x batch {dpo.batch_size}, lr {dpo.learning_rate}, cosine decay |
| sampling | {dpo.samples_per_document} samples per document at temperature {dpo.temperature}, cap {dpo.max_new_tokens} tokens |
| wall time (last run) | {summary['seconds_this_run'] / 60:.1f} min, {dpo.threads} CPU thread(s) |
| final reward margin / accuracy | {margin} / {accuracy} |
| seed | {seed} |
"""
