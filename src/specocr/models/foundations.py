"""Building a zoo base: train one level (:mod:`specocr.models.pretraining`), check it on the held-out sets
(:mod:`specocr.models.held_out`) as shipped, and save it with its card (:mod:`specocr.models.zoo_card`).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import torch
from tqdm import tqdm

from specocr.models import zoo_bases
from specocr.models.held_out import evaluate, held_out_sets, level1_scene_check
from specocr.models.pretraining import CHECKPOINT, PROVENANCE, pretrain, seed_from_export, use_layout
from specocr.models.zoo_card import level1_partner, model_card

#: Marks the last evaluation in a saved training history: the weights as shipped, after half-precision rounding.
SHIPPED_WEIGHTS = "float16"


def train_zoo_base(name: str, params, root: str | Path = ".", threads: int | None = None,
                   stop_at: int | None = None, from_export: bool = False) -> Path:
    """Pretrain zoo base ``name`` (resuming if a checkpoint exists) and save it, in half precision, with
    its model card into ``<root>/<zoo.folder>/<location>``. A level-2 base starts from the saved level-1
    base of its size, so build level 1 first. The resumable state lives in ``<zoo.folder>/.work/<name>``;
    a ``provenance.md`` there (how a run spanning sessions was assembled) goes into the card.

    ``from_export``: when the work directory holds no checkpoint, continue from the base's own saved
    folder instead of starting the level again (:func:`seed_from_export`)."""
    from specocr.models.zoo import build_model, count_parameters, load_base, save_base

    root = Path(root)
    bases, zoo = zoo_bases(params), params.zoo
    if name not in bases:
        raise ValueError(f"{name} is not a zoo base: the zoo builds {sorted(bases)}")
    base = bases[name]
    torch.set_num_threads(threads or zoo.threads)
    # On a GPU the same loop takes minutes instead of hours.
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    stage = (zoo.level1 if base.level == 1 else zoo.level2).for_size(base.size)
    started_from, started_from_step = None, None
    if base.level == 1:
        model, processor = build_model(base.size, zoo, seed=zoo.seed)
    else:
        started_from = level1_partner(name, params)
        source = root / zoo.folder / bases[started_from].location
        if not (source / "config.json").is_file():
            raise FileNotFoundError(f"{name} continues from {started_from}, which is not built yet ({source})")
        model, processor = load_base(source)
        source_history = source / "training_history.json"
        if source_history.is_file():
            started_from_step = json.loads(source_history.read_text(encoding="utf-8"))["steps"][-1]
    model.to(device)
    block, page = params.data.block, params.data.page
    eval_sets = held_out_sets(zoo.seed + 1, zoo.eval_examples, block, page)
    work_dir = root / zoo.folder / ".work" / name
    if from_export and not (work_dir / CHECKPOINT).is_file():
        export = root / zoo.folder / base.location
        if not (export / "training_history.json").is_file():
            raise FileNotFoundError(f"--from-export: {export} holds no exported run of {name} to continue")
        step = seed_from_export(export, stage, work_dir)
        tqdm.write(f"{name}: continuing from the export at step {step} ({export})")
    history = pretrain(model, processor, base.level, stage, stage.steps[base.size], stage.learning_rate[base.size],
                       block, page, work_dir, eval_sets=eval_sets, eval_every=zoo.eval_every,
                       checkpoint_every=zoo.checkpoint_every, stop_at=stop_at, started_from_step=started_from_step)
    step = history.steps[-1] if history.steps else 0
    use_layout(processor, stage.phases[min(history.advances[-1][1], len(stage.phases) - 1)], block)
    # The card measures the weights as shipped: stored in half precision, loaded back as float32. Greedy
    # decoding of a base that reads with errors can turn the rounding into another answer for a whole line,
    # so the training-time evaluation of the float32 weights is not quite what a user of the folder gets.
    model.to(device, torch.float16).to(device, torch.float32)
    final_eval = evaluate(model, processor, eval_sets)
    if base.level == 1:
        final_eval |= level1_scene_check(model, processor, zoo.seed + 1, block.width)
    shipped = {"step": step, "minutes": history.seconds / 60, "weights": SHIPPED_WEIGHTS, **final_eval}
    if history.evals and history.evals[-1].get("weights") == SHIPPED_WEIGHTS and history.evals[-1]["step"] == step:
        history.evals[-1] = shipped  # exported again with nothing trained since (a newer card): one entry per export
    else:
        history.evals.append(shipped)
    hardware = (f"GPU ({torch.cuda.get_device_name()})" if device.type == "cuda"
                else f"CPU ({os.cpu_count()} cores), {torch.get_num_threads()} torch thread(s)")
    provenance = (work_dir / PROVENANCE).read_text(encoding="utf-8") if (work_dir / PROVENANCE).is_file() else ""
    card = model_card(name, params, history, count_parameters(model), final_eval, started_from, hardware,
                      provenance=f"\n{provenance.strip()}\n" if provenance else "")
    folder = save_base(model.to("cpu", torch.float16), processor, root / zoo.folder / base.location, card)
    history.provenance = provenance
    (folder / "training_history.json").write_text(json.dumps(history.__dict__), encoding="utf-8")
    return folder
