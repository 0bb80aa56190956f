"""Cost per million pages, the x axis of the paper's Pareto plot.

* A system measured here (a model or an OCR engine run by this pipeline): the hardware it ran on, priced
  per hour, divided by the pages it read per hour: ``usd_per_hour / (pages_per_second * 3600) * 10**6``.
  Measured pages per second are sequential on this machine (batched greedy decoding for the models, one
  page at a time for the engines), so the cost is what this exact run would cost on rented hardware.
* An API: its published price, per page (OCR services) or per token (multimodal LLMs, with the tokens per
  page a stated assumption). Every price carries its source and date in params (shared/FACTS.md section 8).
"""

from __future__ import annotations

from dataclasses import dataclass

from specocr.params import ApiPrice, CostParams, HardwarePrice

PAGES = 1_000_000


@dataclass(frozen=True)
class Cost:
    usd_per_million_pages: float
    basis: str  # how it was computed, for the table's footnotes


def hardware_cost(pages_per_second: float, hardware: HardwarePrice, hardware_name: str) -> Cost:
    """What reading a million pages costs at ``pages_per_second`` on rented ``hardware``."""
    if pages_per_second <= 0:
        raise ValueError(f"pages_per_second must be positive, got {pages_per_second}")
    usd = hardware.usd_per_hour / (pages_per_second * 3600) * PAGES
    return Cost(usd, f"{hardware_name} at ${hardware.usd_per_hour:g}/h ({hardware.source}, {hardware.date}); "
                     f"{pages_per_second:.3g} pages/s measured")


def api_cost(price: ApiPrice) -> Cost:
    """A million pages at an API's published price."""
    if price.usd_per_1000_pages is not None:
        return Cost(price.usd_per_1000_pages * PAGES / 1000,
                    f"${price.usd_per_1000_pages:g} per 1,000 pages ({price.source}, {price.date})")
    per_page = (price.input_tokens_per_page * price.usd_per_million_input_tokens
                + price.output_tokens_per_page * price.usd_per_million_output_tokens) / 1e6
    return Cost(per_page * PAGES,
                f"{price.input_tokens_per_page:,} input + {price.output_tokens_per_page:,} output tokens per page "
                f"(assumed) at ${price.usd_per_million_input_tokens:g} / ${price.usd_per_million_output_tokens:g} "
                f"per million ({price.source}, {price.date})")


def measured_cost(pages_per_second: float | None, cost: CostParams, hardware_name: str | None = None) -> Cost | None:
    """The cost of a system run here, on ``cost.measured_on`` unless another priced machine is named;
    None when the run was not timed."""
    if pages_per_second is None:
        return None
    name = hardware_name or cost.measured_on
    if name not in cost.hardware:
        raise KeyError(f"no price for hardware {name!r}; cost.hardware has {sorted(cost.hardware)}")
    return hardware_cost(pages_per_second, cost.hardware[name], name)
