"""The ``specocr`` command: the package's functions without notebooks."""

from __future__ import annotations

import os
import resource
import time
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from specocr.allocator import process_environment
from specocr.params import Params, ParamsError, load_params

app = typer.Typer(help="specocr: reproduce and extend DharmaOCR's specialization experiments.", no_args_is_help=True)
console = Console()


def _params_or_exit(path: Path) -> Params:
    """The validated params, or exit 2 with the key paths of what is wrong."""
    try:
        return load_params(path)
    except ParamsError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(code=2) from None


@app.command("check-params")
def check_params(
    path: Path = typer.Argument(Path("params.yaml"), help="params file to validate"),
    out: Path | None = typer.Option(None, help="also write the validated tree here as JSON"),
) -> None:
    """Validate a params file (unknown keys, wrong types) and exit non-zero naming each bad key path."""
    params = _params_or_exit(path)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(params.model_dump_json(indent=2) + "\n", encoding="utf-8")
    console.print(f"{path}: valid ({len(params.bases)} base models, data source {params.data.source!r})")


@app.command("compose-params")
def compose_params(
    overlay: Path = typer.Argument(..., help="a params file, usually an overlay under params/"),
    out: Path = typer.Option(Path("params.yaml"), help="where to write the whole tree (DVC reads params.yaml)"),
) -> None:
    """Write an overlay's whole parameter tree (its keys on top of its overlay_of files), validated first:
    what `make repro PARAMS=FILE` runs before `dvc repro`."""
    import yaml

    from specocr.params import COMPOSED_MARK, read_tree

    params = _params_or_exit(overlay)
    tree = read_tree(overlay)
    header = (f"{COMPOSED_MARK} {overlay}`: {overlay} on top of the files its overlay_of names.\n"
              "# Edit those files, not this one; `git checkout params.yaml` returns to the embedded default.\n")
    out.write_text(header + yaml.safe_dump(tree, sort_keys=False, allow_unicode=True, width=110, default_flow_style=None),
                   encoding="utf-8")
    console.print(f"{out}: the whole tree of {overlay} ({len(params.bases)} base models)")


@app.command()
def notebook(
    name: str = typer.Argument(..., help="notebook under notebooks/, without .ipynb (e.g. 05_evaluate)"),
    parameter: list[str] = typer.Option([], "-p", "--parameter", help="NAME=VALUE passed to the notebook (repeatable)"),
    output: str | None = typer.Option(None, "--as", help="name of the executed copy (default: NAME)"),
    params_file: Path = typer.Option(Path("params.yaml"), "--params", help="params file"),
) -> None:
    """A pipeline stage: validate the params, run notebooks/NAME.ipynb with papermill into
    reports/notebooks/, then export it to reports/html/ for reviewers. One process for the three steps
    (as separate commands they cost ~10 s of start-up per stage)."""
    import nbformat
    import papermill
    from nbconvert import HTMLExporter

    _params_or_exit(params_file)  # before any compute, naming the bad key
    values = {"params_file": str(params_file)}
    for item in parameter:
        key, separator, value = item.partition("=")
        if not separator or not key:
            typer.echo(f"error: -p takes NAME=VALUE, got {item!r}", err=True)
            raise typer.Exit(code=2)
        values[key] = value
    source = Path("notebooks") / f"{name}.ipynb"
    if not source.is_file():
        typer.echo(f"error: no notebook {source}", err=True)
        raise typer.Exit(code=2)
    executed = Path("reports") / "notebooks" / f"{output or name}.ipynb"
    executed.parent.mkdir(parents=True, exist_ok=True)
    # The kernel inherits this. Libraries import tqdm.auto, which warns that the widget bars it prefers are
    # absent (the text bars it falls back to are what a reader of the executed notebook should see); trl
    # reads, and with activation checkpointing on calls, transformers names that transformers 5 deprecates
    # (gradient_ for activation_checkpointing). Neither is the reader's to act on.
    os.environ["PYTHONWARNINGS"] = ",".join(filter(None, [os.environ.get("PYTHONWARNINGS"),
                                                          "ignore:IProgress not found",
                                                          "ignore:`is_gradient_checkpointing` is deprecated",
                                                          "ignore:`gradient_checkpointing_enable` is deprecated",
                                                          "ignore:`gradient_checkpointing_disable` is deprecated"]))
    # The kernel's allocator: TCMalloc keeps a training kernel's memory from growing step by step.
    os.environ.update(process_environment(os.environ))
    started = time.perf_counter()
    papermill.execute_notebook(str(source), str(executed), parameters=values, kernel_name="python3",
                               progress_bar=False)
    seconds = time.perf_counter() - started
    # The kernel is a child process that has exited by now: its peak resident memory is the stage's (the memory
    # budget in the README is checked per stage with this line).
    kernel_peak_gb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20
    html = Path("reports") / "html" / f"{output or name}.html"
    html.parent.mkdir(parents=True, exist_ok=True)
    body, _ = HTMLExporter().from_notebook_node(nbformat.read(executed, as_version=4))
    html.write_text(body, encoding="utf-8")
    console.print(f"{source} -> {executed}, {html} ({seconds:.0f} s, kernel peak memory {kernel_peak_gb:.1f} GB)")


@app.command()
def score(
    predictions: Path = typer.Option(..., "--predictions", "-p", help="JSONL: id, prediction, [hit_token_limit]"),
    references: Path = typer.Option(..., "--references", "-r", help="saved dataset folder, parquet, or JSONL"),
    split: str = typer.Option("test", help="split to use when the references are a DatasetDict"),
    out: Path | None = typer.Option(None, "--out", "-o", help="metrics JSON (default: beside the predictions)"),
    tail_chars: int = typer.Option(15, help="degeneration rule: tail length in characters"),
    min_repeats: int = typer.Option(4, help="degeneration rule: repeats of the tail"),
    bootstrap_resamples: int = typer.Option(1000, help="bootstrap resamples for the CI"),
    confidence: float = typer.Option(0.95, help="confidence level of the CI"),
    seed: int = typer.Option(0, help="bootstrap seed"),
) -> None:
    """Score any system's predictions with the official DharmaOCR score and write metrics.json."""
    from specocr.evaluate.io import read_predictions, read_references
    from specocr.evaluate.metrics import corpus_metrics

    try:
        metrics = corpus_metrics(
            read_predictions(predictions),
            read_references(references, split=split),
            tail_chars=tail_chars,
            min_repeats=min_repeats,
            bootstrap_resamples=bootstrap_resamples,
            confidence=confidence,
            seed=seed,
        )
    except (ValueError, FileNotFoundError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(code=2) from None
    out = out or predictions.with_name("metrics.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(metrics.model_dump_json(indent=2) + "\n", encoding="utf-8")

    _print_metrics(f"{predictions} ({metrics.n_documents} documents)", metrics)
    console.print(f"wrote {out}")


def _print_metrics(title: str, metrics) -> None:
    table = Table(title=title)
    table.add_column("metric")
    table.add_column("value", justify="right")
    ci = metrics.score
    table.add_row("score", f"{ci.mean:.4f}  [{ci.ci_low:.4f}, {ci.ci_high:.4f}] {ci.confidence:.0%} CI")
    table.add_row("levenshtein", f"{metrics.levenshtein:.4f}")
    table.add_row("bleu", f"{metrics.bleu:.4f}")
    for category, group in metrics.per_category.items():
        table.add_row(f"  {category} (n={group.n})", f"{group.score:.4f}")
    table.add_row("degeneration", f"{metrics.degeneration_rate:.2f}% ({metrics.degenerate_documents})")
    table.add_row("valid JSON", f"{metrics.json_validity_rate:.2f}%")
    if metrics.pages_per_second is not None:
        table.add_row("pages/s", f"{metrics.pages_per_second:.2f}")
    console.print(table)


def resolve_dataset(data: str, split: str):
    """A saved dataset folder, a parquet file or folder, or else a Hub dataset id."""
    from specocr.data import load_benchmark

    path = Path(data)
    if path.is_dir() and ((path / "dataset_dict.json").is_file() or (path / "state.json").is_file()):
        return load_benchmark("synthetic", path, split=split)
    if path.exists():
        return load_benchmark("local", path, split=split)
    return load_benchmark("hub", data, split=split)


@app.command()
def evaluate(
    system: str = typer.Option(..., "--system", "-s", help="an OCR engine (tesseract, rapidocr) or a model folder"),
    data: str = typer.Option(..., "--data", "-d", help="saved dataset folder, parquet file/folder, or Hub id"),
    out: Path = typer.Option(..., "--out", "-o", help="folder for predictions.jsonl and metrics.json"),
    split: str = typer.Option("test", help="split to evaluate"),
    params_file: Path = typer.Option(Path("params.yaml"), "--params", help="engine settings and scoring options"),
) -> None:
    """Run a system over a benchmark split and score it exactly as the pipeline's stages do (resumable).

    Models decode greedily with their folder's prompt (the structured-JSON one unless the bases stage wrote
    another), eval.backend's engine, eval.max_new_tokens and eval.batch_size; pages/s come from the timing pass
    (eval.timing), written to timing.json."""
    from specocr.baselines import ENGINES, EngineUnavailable, get_engine
    from specocr.evaluate.run import predict_with_engine, write_metrics
    from specocr.evaluate.timing import time_engine, timing_images, write_timing
    from specocr.models.registry import is_model_folder

    params = _params_or_exit(params_file)
    if system not in ENGINES and not is_model_folder(system):
        typer.echo(f"error: unknown system {system!r}: not one of {', '.join(ENGINES)} nor a model folder", err=True)
        raise typer.Exit(code=2)
    dataset = resolve_dataset(data, split)

    if system in ENGINES:
        try:
            engine = get_engine(system, params.baselines)
        except EngineUnavailable as error:
            typer.echo(f"error: {error}", err=True)
            raise typer.Exit(code=2) from None
        label = engine.label
        with engine:
            predict_with_engine(engine.read, dataset, out, label)
            timed = timing_images(dataset, params.eval.timing.documents)
            write_timing(out, time_engine(engine.read, timed, params.eval.timing.passes))
    else:
        from specocr.evaluate.read import read_and_time

        label = system
        read_and_time(system, dataset, out, params.eval, label)
    metrics = write_metrics(out, dataset, params.eval.degeneration.tail_chars, params.eval.degeneration.min_repeats,
                            params.eval.bootstrap_resamples, params.eval.confidence, params.seed)
    _print_metrics(f"{label} on {data} [{split}]", metrics)
    console.print(f"wrote {out / 'predictions.jsonl'}, {out / 'metrics.json'} and {out / 'scores.json'}")


@app.command("hub-parquet")
def hub_parquet(
    out: Path = typer.Argument(..., help="the parquet file to write"),
    documents: int = typer.Option(..., min=1, help="how many test documents"),
    params_file: Path = typer.Option(Path("params.yaml"), "--params", help="params file whose data section "
                                     "(domain, layout, page, categories, test strengths) makes the documents"),
) -> None:
    """Synthetic test documents in the released benchmark's schema (id, image, image_base64, assistant,
    assistant_without_json; no category): a stand-in for Dharma-AI/DharmaOCR-Benchmark that
    ``data.test_source: {source: local, location: OUT}`` reads."""
    from specocr.data.generate import build_benchmark
    from specocr.data.hub import write_hub_parquet

    params = _params_or_exit(params_file)
    data = params.data.model_copy(update={
        "source": "synthetic", "location": None, "revision": None, "test_source": None,
        "splits": params.data.splits.model_copy(update={"train": 0, "val": 0, "test": documents})})
    written = write_hub_parquet(build_benchmark(data)["test"], out)
    console.print(f"wrote {documents} {data.layout} documents of domain {data.domain} to {written} "
                  f"({written.stat().st_size / 1e6:.2f} MB)")


@app.command()
def pretrain(
    bases: list[str] = typer.Argument(..., help="zoo base names (generalist-<size>, ocr-<size> for each size "
                                                "in zoo.sizes), trained in this order (a level-2 base after "
                                                "the level-1 base of its size)"),
    params_file: Path = typer.Option(Path("params.yaml"), "--params", help="params file"),
    threads: int | None = typer.Option(None, help="torch threads (default: zoo.threads from params)"),
    stop_at: int | None = typer.Option(None, "--stop-at", help="stop at this step and save (a later call "
                                       "resumes): export a run part-way"),
    from_export: bool = typer.Option(False, "--from-export", help="with no checkpoint in zoo/.work/<base>, "
                                     "continue the base's saved folder (fresh optimizer moments) instead of "
                                     "starting its level again"),
) -> None:
    """Pretrain (or resume) zoo base models and save each under the zoo folder with its model card."""
    from specocr.models import zoo_bases
    from specocr.models.foundations import train_zoo_base

    params = _params_or_exit(params_file)
    unknown = [base for base in bases if base not in zoo_bases(params)]
    if unknown:
        typer.echo(f"error: unknown zoo bases {unknown}; the zoo builds {sorted(zoo_bases(params))}", err=True)
        raise typer.Exit(code=2)
    for base in bases:
        folder = train_zoo_base(base, params, threads=threads, stop_at=stop_at, from_export=from_export)
        console.print(f"saved {folder}")


@app.command("materialize-base")
def materialize_base_command(
    base: str = typer.Argument(..., help="base name from params.bases"),
    params_file: Path = typer.Option(Path("params.yaml"), "--params", help="params file"),
    out: Path | None = typer.Option(None, help="destination folder (default: models/<base>/vanilla)"),
) -> None:
    """The bases stage: put base ``BASE`` (zoo folder, local folder, or Hub snapshot) into a folder of the
    pipeline's own, where every later stage finds it."""
    from specocr.models.registry import materialize_base

    params = _params_or_exit(params_file)
    if base not in params.bases:
        typer.echo(f"error: unknown base {base!r}; params define {sorted(params.bases)}", err=True)
        raise typer.Exit(code=2)
    try:
        folder = materialize_base(base, params, out or Path("models") / base / "vanilla")
    except (FileNotFoundError, ValueError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(code=2) from error
    weights = sum(f.stat().st_size for f in folder.glob("*.safetensors"))
    console.print(f"{base}: {params.bases[base].source} {params.bases[base].location} -> {folder} "
                  f"({weights / 1e6:.1f} MB of weights)")


@app.command()
def quantize(
    base: str = typer.Argument(..., help="base name from params.bases: its final model (models/<base>/dpo) is quantized"),
    params_file: Path = typer.Option(Path("params.yaml"), "--params", help="params file"),
    source: Path | None = typer.Option(None, help="model folder to quantize (default: models/<base>/dpo)"),
    out: Path | None = typer.Option(None, help="destination folder (default: models/<base>/quant)"),
) -> None:
    """The quant stage: a model's linear layers quantized (quant.method: int8_dynamic for the CPU, awq with
    llm-compressor for vLLM), saved with a model card; sizes and timings go to reports/quant/<base>/summary.json."""
    import json

    import torch

    from specocr.train.quant import quant_card, quantize_folder

    params = _params_or_exit(params_file)
    if base not in params.bases:
        typer.echo(f"error: unknown base {base!r}; params define {sorted(params.bases)}", err=True)
        raise typer.Exit(code=2)
    torch.set_num_threads(params.eval.threads)
    source = source or Path("models") / base / "dpo"
    out = out or Path("models") / base / "quant"
    if params.quant.method == "awq":
        from specocr.train.awq import run_awq

        awq = params.quant.awq
        try:
            summary = run_awq(source, out, Path("data") / "benchmark", awq.calibration_documents, awq.group_size,
                              awq.max_seq_length, params.seed, params.eval.threads)
        except (FileNotFoundError, RuntimeError) as error:
            typer.echo(f"error: {error}", err=True)
            raise typer.Exit(code=1) from error
        summary["load_seconds"] = _load_seconds(out)
    else:
        summary = quantize_folder(source, out)
    (out / "README.md").write_text(quant_card(summary, {"base": f"{base} (SFT+DPO)", "name": f"{base} (Quant)"}),
                                  encoding="utf-8")
    report = Path("reports") / "quant" / base / "summary.json"
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(json.dumps(summary, indent=1), encoding="utf-8")
    console.print(f"{base}: {summary['float_weight_bytes'] / 1e6:.2f} MB -> "
                  f"{summary['quantized_weight_bytes'] / 1e6:.2f} MB ({summary['method']}) in {out}; loads in "
                  f"{summary['load_seconds']:.2f} s")


def _load_seconds(folder: Path) -> float:
    """Seconds to load a model folder on the CPU, as the quant card reports."""
    import time

    from specocr.models.registry import load_model_folder

    started = time.perf_counter()
    load_model_folder(folder, device="cpu")
    return time.perf_counter() - started


@app.command("build-zoo")
def build_zoo(params_file: Path = typer.Option(Path("params.yaml"), "--params", help="params file")) -> None:
    """Pretrain every zoo base, both levels at every size of `zoo.sizes` (the frozen `zoo` stage's outputs,
    whichever of them params.bases selects): one process per size, side by side, each training level 1 then
    level 2 with its share of `zoo.threads`. Re-running resumes from checkpoints."""
    import os
    import subprocess
    import sys

    from specocr.models import zoo_bases

    params = _params_or_exit(params_file)
    by_size: dict[str, list[str]] = {}
    for name, spec in sorted(zoo_bases(params).items(), key=lambda item: item[1].level):
        by_size.setdefault(spec.size, []).append(name)
    # Side by side with one thread each beats one run after the other on two threads (about a third faster
    # on two cores); idle OpenMP threads must not spin on a shared machine.
    threads = max(1, params.zoo.threads // len(by_size))
    logs = Path(params.zoo.folder) / ".work"
    logs.mkdir(parents=True, exist_ok=True)
    environment = process_environment({**os.environ, "OMP_WAIT_POLICY": "PASSIVE"})
    runs = {}
    for size, names in by_size.items():
        log = logs / f"{size}.log"
        console.print(f"size {size}: {' then '.join(names)} on {threads} thread(s); progress in {log}")
        command = [sys.executable, "-m", "specocr.cli", "pretrain", *names, "--params", str(params_file),
                   "--threads", str(threads)]
        runs[size] = (subprocess.Popen(command, stdout=log.open("w"), stderr=subprocess.STDOUT, env=environment), log)
    failed = [f"size {size} (see {log})" for size, (run, log) in runs.items() if run.wait() != 0]
    if failed:
        typer.echo(f"error: pretraining failed for {', '.join(failed)}", err=True)
        raise typer.Exit(code=1)
    console.print(f"built {sum(len(names) for names in by_size.values())} zoo bases")


if __name__ == "__main__":
    app()
