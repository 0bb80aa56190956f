"""The ``specocr`` command: the package's functions without notebooks."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from specocr.params import ParamsError, load_params

app = typer.Typer(help="specocr: reproduce and extend DharmaOCR's specialization experiments.", no_args_is_help=True)
console = Console()


@app.command("check-params")
def check_params(
    path: Path = typer.Argument(Path("params.yaml"), help="params file to validate"),
    out: Path | None = typer.Option(None, help="also write the validated tree here as JSON"),
) -> None:
    """Validate a params file (unknown keys, wrong types) and exit non-zero naming each bad key path."""
    try:
        params = load_params(path)
    except ParamsError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(code=2) from None
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(params.model_dump_json(indent=2) + "\n", encoding="utf-8")
    console.print(f"{path}: valid ({len(params.bases)} base models, data source {params.data.source!r})")


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
    out.write_text(json.dumps(metrics.model_dump(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    table = Table(title=f"{predictions} ({metrics.n_documents} documents)")
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
    console.print(table)
    console.print(f"wrote {out}")


@app.command()
def pretrain(
    base: str = typer.Argument(..., help="a zoo base name from params.bases, e.g. generalist-S"),
    params_file: Path = typer.Option(Path("params.yaml"), "--params", help="params file"),
    workers: int = typer.Option(1, help="processes rendering training examples"),
) -> None:
    """Pretrain (or resume) one zoo base model and save it under the zoo folder with its model card."""
    from specocr.models.foundations import train_zoo_base

    try:
        params = load_params(params_file)
    except ParamsError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(code=2) from None
    if base not in params.bases:
        typer.echo(f"error: unknown base {base!r}; params define {sorted(params.bases)}", err=True)
        raise typer.Exit(code=2)
    folder = train_zoo_base(base, params, workers=workers)
    console.print(f"saved {folder}")


if __name__ == "__main__":
    app()
