"""Where things live, relative to the project root (the folder holding ``dvc.yaml``).

Notebooks run from ``notebooks/`` when opened in Jupyter and from the root under ``dvc repro``; both find
the same files through :func:`project_root`.
"""

from __future__ import annotations

from pathlib import Path


def project_root(start: str | Path | None = None) -> Path:
    """The nearest folder at or above ``start`` (default: the working directory) that holds ``dvc.yaml``."""
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "dvc.yaml").is_file():
            return folder
    raise FileNotFoundError(f"no dvc.yaml at or above {here}: run from inside the specocr project")


BENCHMARK_DIR = Path("data/benchmark")
REPORTS_DIR = Path("reports")
FIGURES_DIR = REPORTS_DIR / "figures"
