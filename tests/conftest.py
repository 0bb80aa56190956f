from __future__ import annotations

from pathlib import Path

import pytest

from specocr.params import DataParams, load_params

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def default_params():
    return load_params(ROOT / "params.yaml")


def small_data(data: DataParams, train: int = 6, val: int = 3, test: int = 9, **changes) -> DataParams:
    """The default data parameters with tiny splits (and any other field changed)."""
    splits = data.splits.model_copy(update={"train": train, "val": val, "test": test})
    return data.model_copy(update={"splits": splits, **changes})
