"""The timing pass: the cost model's pages per second are the median of repeated readings of the same pages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from specocr.evaluate.timing import median_timing, read_timing, time_engine, write_timing


def test_the_rate_is_the_median_of_the_passes(tmp_path: Path) -> None:
    timing = median_timing([10.0, 30.0, 12.0], documents=8, batch_size=4)
    assert timing.pages_per_second == 12.0 and timing.passes == [10.0, 30.0, 12.0]
    assert read_timing(tmp_path) is None
    write_timing(tmp_path, timing)
    assert read_timing(tmp_path) == timing
    with pytest.raises(ValueError, match="positive"):
        median_timing([], documents=8, batch_size=4)


def test_an_engine_is_warmed_up_then_timed_on_the_same_pages() -> None:
    read_pages: list[str] = []
    timing = time_engine(read_pages.append, ["a", "b", "c"], passes=3)
    assert read_pages == ["a"] + ["a", "b", "c"] * 3  # one warm-up reading, then three full passes
    assert len(timing.passes) == 3 and timing.documents == 3 and timing.batch_size is None
    assert timing.pages_per_second == sorted(timing.passes)[1]


def test_metrics_take_their_pages_per_second_from_the_timing_pass(tmp_path: Path, default_params) -> None:
    from conftest import small_data
    from specocr.data.generate import build_benchmark
    from specocr.evaluate.io import PREDICTIONS
    from specocr.evaluate.run import write_metrics

    test = build_benchmark(small_data(default_params.data, train=0, val=0, test=3, workers=1))["test"]
    rows = [{"id": str(i), "prediction": "x", "hit_token_limit": False, "seconds": 1.0} for i in test["id"]]
    (tmp_path / PREDICTIONS).write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    assert write_metrics(tmp_path, test, 15, 4, 50, 0.95, 0).pages_per_second == pytest.approx(1.0)
    write_timing(tmp_path, median_timing([4.0, 5.0, 6.0], documents=3, batch_size=3))
    assert write_metrics(tmp_path, test, 15, 4, 50, 0.95, 0).pages_per_second == 5.0
