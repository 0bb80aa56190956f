"""SFT and DPO on several processes, one per GPU: the stage's own process launches the workers and waits.

With ``distributed.processes`` above 1, :func:`specocr.train.sft.train_sft` and
:func:`specocr.train.dpo.train_dpo` do not train in the calling process (a notebook's kernel cannot be one of
several ranks): they write their arguments to a file and start ``processes`` workers, with ``accelerate launch``
and the accelerate config named in ``distributed.accelerate_config`` (``envs/accelerate/fsdp.yaml``: FSDP, each
GPU holding a shard of the weights, gradients and optimizer state, so that full fine-tuning of a 7B spreads over
several GPUs), or with ``torchrun`` (data-parallel: every process holds the whole model) when it names none.
Each worker runs the same function (:func:`main`), the Trainer finds the process group from the launcher's
environment, and the first rank writes the model and the summary, which the launching process returns.
"""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

from specocr.params import DistributedParams
from specocr.paths import project_root

CALL_FILE = "distributed-call.pkl"
SUMMARY_FILE = "distributed-summary.json"


def in_worker() -> bool:
    """Whether this process is one of several ranks started by a launcher (torchrun or accelerate)."""
    return int(os.environ.get("WORLD_SIZE", "1")) > 1


def is_first_rank() -> bool:
    return int(os.environ.get("RANK", "0")) == 0


def launch_command(distributed: DistributedParams, call_file: Path, python: str = sys.executable) -> list[str]:
    """The command that starts ``distributed.processes`` workers on ``call_file``."""
    worker = ["-m", "specocr.train.distributed", str(call_file)]
    if distributed.accelerate_config:
        config = Path(distributed.accelerate_config)
        if not config.is_absolute():  # a path in the project, such as envs/accelerate/fsdp.yaml
            config = project_root() / config
        if not config.is_file():
            raise FileNotFoundError(f"distributed.accelerate_config: no accelerate config file at {config}")
        return [python, "-m", "accelerate.commands.launch", "--config_file", str(config),
                "--num_processes", str(distributed.processes), *worker]
    return [python, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", str(distributed.processes),
            *worker]


def run_distributed(stage: str, arguments: dict, distributed: DistributedParams, work_dir: str | Path) -> dict:
    """Run ``stage`` (``sft`` or ``dpo``) on ``distributed.processes`` workers with ``arguments`` (the training
    function's keyword arguments) and return the summary the first rank wrote."""
    work_dir = Path(work_dir)
    work_dir.mkdir(parents=True, exist_ok=True)
    call_file, summary_file = work_dir / CALL_FILE, work_dir / SUMMARY_FILE
    summary_file.unlink(missing_ok=True)
    with call_file.open("wb") as handle:
        pickle.dump({"stage": stage, "arguments": arguments}, handle)
    command = launch_command(distributed, call_file)
    completed = subprocess.run(command, check=False)
    if completed.returncode != 0 or not summary_file.is_file():
        raise RuntimeError(f"{stage} on {distributed.processes} processes failed (exit {completed.returncode}): "
                           f"{' '.join(command)}")
    return json.loads(summary_file.read_text(encoding="utf-8"))


def gather_trained_model(trainer, folder: Path, base_folder: Path, method: str, dtype):
    """The trained model, whole, in the first rank (None in the others): every rank takes part in saving it
    to ``folder`` (FSDP gathers the shards), then the first rank loads it back, LoRA adapters merged into the
    base in ``base_folder``."""
    trainer.save_model(str(folder))
    trainer.accelerator.wait_for_everyone()
    if not trainer.is_world_process_zero():
        return None
    from specocr.models.registry import load_model_folder

    if method == "lora":
        from peft import PeftModel

        base, _ = load_model_folder(base_folder, dtype=dtype, device="cpu")
        return PeftModel.from_pretrained(base, str(folder)).merge_and_unload()
    model, _ = load_model_folder(folder, dtype=dtype, device="cpu")
    return model


def main() -> None:
    from specocr.train.dpo import train_dpo
    from specocr.train.sft import train_sft

    call_file = Path(sys.argv[1])
    with call_file.open("rb") as handle:
        call = pickle.load(handle)
    train = {"sft": train_sft, "dpo": train_dpo}[call["stage"]]
    summary = train(**call["arguments"])
    if is_first_rank():
        (call_file.parent / SUMMARY_FILE).write_text(json.dumps(summary, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
