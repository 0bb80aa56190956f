"""Synthetic documents of a domain (``specocr.domains``): the structure every domain's generators fill.

Each document is drawn from its own seed (``document_seed(seed, split, index)``), so a document does not
change when the size of another split does, and generation can run in any number of processes. A domain's
Faker is seeded with ``seed_instance`` (Faker ignores ``random.seed``), its other choices with
``random.Random(seed)``.

A document is returned as :class:`DocumentContent`: the paper's structure (header, margin, footer and the
body paragraphs that become ``text``) before layout. The renderer decides what fits on the image and the
ground truth is built from what it drew.
"""

from __future__ import annotations

import hashlib
import random
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from faker import Faker

#: Printable ASCII without "_" (the dkg handwriting face has none): every domain's base characters.
ASCII_CHARSET = "".join(chr(c) for c in range(0x20, 0x7F) if chr(c) != "_")


@dataclass(frozen=True)
class DocumentContent:
    """A document's structured content before layout. ``body`` paragraphs are wrapped by the renderer."""

    category: str
    kind: str
    header: str | None
    body: list[str]
    footer: str | None = None
    margin: str | None = None
    meta: dict[str, str] = field(default_factory=dict)
    #: Font style (printed, handwritten); None: the category's own name, or its domain's mapping.
    style: str | None = None


def document_seed(seed: int, split: str, index: int) -> int:
    """A stable 63-bit seed for one document (independent of Python's hash randomization)."""
    digest = hashlib.sha256(f"{seed}/{split}/{index}".encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1


#: The "today" of every generated text. Faker counts its dates of birth and ``date()`` back from the day it
#: runs, so the same seed wrote other documents on another day (a digest test failed a week later); every
#: generator counts back from this fixed day instead.
REFERENCE_DAY = date(2026, 11, 30)
REFERENCE_TIME = datetime(REFERENCE_DAY.year, REFERENCE_DAY.month, REFERENCE_DAY.day)


def date_of_birth(fake: Faker, minimum_age: int, maximum_age: int) -> date:
    """Faker's ``date_of_birth`` on :data:`REFERENCE_DAY`: the same single draw, so the documents are those it
    wrote on that day."""
    start = REFERENCE_DAY.replace(year=REFERENCE_DAY.year - maximum_age - 1)
    end = REFERENCE_DAY.replace(year=REFERENCE_DAY.year - minimum_age)
    born = fake.date_time_ad(start_datetime=start, end_datetime=end).date()
    return born if born != start else born + timedelta(days=1)


def pick(rng: random.Random, options: tuple[str, ...] | list[str]) -> str:
    return options[rng.randrange(len(options))]


Generator = Callable[[Faker, random.Random], DocumentContent]


def to_charset(text: str, charset: frozenset[str]) -> str:
    """Faker occasionally writes letters beyond the domain's (a job title with "î"): keep their base letter
    ("i") so that every character is one the fonts were checked for; drop what has none."""
    if all(char in charset for char in text):
        return text
    kept = []
    for char in text:
        if char not in charset:
            char = unicodedata.normalize("NFD", char)[0]
        if char in charset:
            kept.append(char)
    return "".join(kept)


def assign_categories(n: int, weights: dict[str, float], seed: int) -> list[str]:
    """Exactly proportional category counts (largest remainder), in a seeded random order."""
    total = sum(weights.values())
    quotas = {name: n * w / total for name, w in weights.items()}
    counts = {name: int(q) for name, q in quotas.items()}
    by_remainder = sorted(quotas, key=lambda name: (quotas[name] - counts[name], name), reverse=True)
    for name in by_remainder[: n - sum(counts.values())]:
        counts[name] += 1
    categories = [name for name in sorted(counts) for _ in range(counts[name])]
    random.Random(seed).shuffle(categories)
    return categories
