"""The new-domain tutorial runs as a student runs it. (The pipeline's model notebooks, 02 to 05, run in
tests/test_pipeline.py, on the shipped zoo, as stages of `dvc repro`.)"""

from __future__ import annotations

from pathlib import Path

import papermill
import pytest
from conftest import ROOT

pytestmark = pytest.mark.slow


def test_the_new_domain_tutorial_runs(tmp_path: Path) -> None:
    """notebooks/00_new_domain.ipynb, as a student runs it from the project root."""
    out = tmp_path / "00_new_domain.ipynb"
    papermill.execute_notebook(str(ROOT / "notebooks" / "00_new_domain.ipynb"), str(out), kernel_name="python3",
                               parameters={"params_file": "params.yaml", "documents_per_split": 2}, cwd=str(ROOT),
                               progress_bar=False)
    executed = out.read_text(encoding="utf-8")
    assert "MEMO: " in executed and "characters outside the zoo tokenizer: none" in executed
