"""Cost per million pages from measured speed and hourly prices, or from published API prices."""

from __future__ import annotations

import pytest

from specocr.params import ApiPrice, HardwarePrice
from specocr.report.cost import api_cost, hardware_cost, measured_cost


def test_hardware_cost_is_hourly_price_over_pages_per_hour() -> None:
    price = HardwarePrice(usd_per_hour=3.6, source="s", date="d")
    # 1 page/s = 3,600 pages/h for $3.60: $0.001 per page, $1,000 per million
    assert hardware_cost(1.0, price, "box").usd_per_million_pages == pytest.approx(1000.0)
    assert hardware_cost(10.0, price, "box").usd_per_million_pages == pytest.approx(100.0)
    with pytest.raises(ValueError, match="positive"):
        hardware_cost(0.0, price, "box")


def test_olmocr_reference_point() -> None:
    # olmOCR v2: 10,000 pages in 36 min 47 s on one H100 at $2.69/h: about $165 per million pages
    pages_per_second = 10_000 / (36 * 60 + 47)
    cost = hardware_cost(pages_per_second, HardwarePrice(usd_per_hour=2.69, source="s", date="d"), "h100")
    assert cost.usd_per_million_pages == pytest.approx(164.9, abs=0.5)


def test_api_prices_per_page_and_per_token() -> None:
    per_page = ApiPrice(usd_per_1000_pages=1.5, usd_per_million_input_tokens=None, usd_per_million_output_tokens=None,
                        input_tokens_per_page=None, output_tokens_per_page=None, source="s", date="d")
    assert api_cost(per_page).usd_per_million_pages == pytest.approx(1500.0)
    per_token = ApiPrice(usd_per_1000_pages=None, usd_per_million_input_tokens=2.5, usd_per_million_output_tokens=10.0,
                         input_tokens_per_page=2400, output_tokens_per_page=650, source="s", date="d")
    # (2,400 x 2.5 + 650 x 10) / 1e6 = $0.0125 per page
    cost = api_cost(per_token)
    assert cost.usd_per_million_pages == pytest.approx(12_500.0) and "assumed" in cost.basis


def test_measured_cost_uses_the_configured_machine(default_params) -> None:
    cost = default_params.cost
    assert measured_cost(None, cost) is None  # an untimed run has no cost
    expected = cost.hardware[cost.measured_on].usd_per_hour / 3600 * 1e6
    assert measured_cost(1.0, cost).usd_per_million_pages == pytest.approx(expected)
    with pytest.raises(KeyError, match="no price"):
        measured_cost(1.0, cost, "my-laptop")
