"""The synthetic benchmark: train/val/test splits of rendered documents as a Hugging Face DatasetDict.

Every document comes from its own seed (split, index and ``data.seed``), so the result does not depend on
the number of worker processes, and the same parameters give a byte-identical dataset on disk.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import datasets
from faker import Faker
from tqdm import tqdm  # text bars: readable in a terminal, a log and an executed notebook alike

from specocr.data.render import check_fonts, render_document
from specocr.data.styles import render_styled
from specocr.data.schema import FEATURES, to_assistant, to_plain_text
from specocr.data.synthetic import assign_categories, document_seed
from specocr.domains import generate_content
from specocr.domains import get_domain
from specocr.params import DataParams

SPLITS = ("train", "val", "test")
#: Ids are unique across splits and stable when another split changes size: split offset + index.
ID_OFFSETS = {"train": 1_000_000, "val": 2_000_000, "test": 3_000_000}


@dataclass(frozen=True)
class DocumentJob:
    split: str
    index: int
    category: str
    strength: float
    seed: int
    free_form: bool = False
    styled: bool = False


def _seeded_places(n: int, share: float, seed: int) -> set[int]:
    """Exactly ``round(n * share)`` of the indices ``0..n-1``, at places drawn from ``seed``."""
    places = list(range(n))
    random.Random(seed).shuffle(places)
    return set(places[:round(n * share)])


def plan_split(data: DataParams, split: str) -> list[DocumentJob]:
    """Which documents a split holds: exact category shares; test strengths cycle through the test levels,
    train and val strengths are uniform in [0, train_max] (two decimals); in the training split, exactly
    ``round(n * data.free_form_share)`` documents (at seeded places) come without templates, and, drawn
    independently, ``round(n * data.styled_share)`` are drawn in varied styles (:mod:`specocr.data.styles`)."""
    n = getattr(data.splits, split)
    categories = assign_categories(n, data.categories, document_seed(data.seed, f"{split}/categories", 0))
    free_form: set[int] = set()
    styled: set[int] = set()
    if split == "train":
        free_form = _seeded_places(n, data.free_form_share, document_seed(data.seed, "train/free_form", 0))
        styled = _seeded_places(n, data.styled_share, document_seed(data.seed, "train/styled", 0))
    jobs = []
    for index, category in enumerate(categories):
        seed = document_seed(data.seed, split, index)
        if split == "test":
            strength = data.strength.test[index % len(data.strength.test)]
        else:
            strength = round(random.Random(seed ^ 0x5EED).uniform(0, data.strength.train_max), 2)
        jobs.append(DocumentJob(split, index, category, float(strength), seed, index in free_form, index in styled))
    return jobs


_worker_fake: Faker | None = None
_worker_data: DataParams | None = None


def _init_worker(data: DataParams) -> None:
    global _worker_fake, _worker_data
    _worker_fake = Faker(get_domain(data.domain).faker_locale)
    _worker_data = data


def make_document(job: DocumentJob, data: DataParams, fake: Faker | None = None,
                  held_out_faces: bool = False) -> dict[str, Any]:
    """One row of the benchmark, in the DharmaOCR schema plus category, strength and font. ``held_out_faces``:
    a styled document is drawn in the faces no styled training document uses (a check of reading, for
    experiments; the pipeline never sets it)."""
    content = generate_content(job.category, job.seed, fake, data.domain, free_form=job.free_form)
    if job.styled:
        domain = get_domain(data.domain)
        style = content.style or domain.category_styles[job.category]
        rendered = render_styled(content.header, content.body, content.footer, style, job.strength, job.seed,
                                 domain.charset, data.block.width, data.block.line_height,
                                 held_out=held_out_faces, max_lines=data.block.max_lines)
    else:
        rendered = render_document(content, data.layout, data.block, data.page, job.strength, job.seed)
    return {
        "id": ID_OFFSETS[job.split] + job.index,
        "image": {"bytes": rendered.encode(), "path": None},
        "assistant": to_assistant(rendered.parts),
        "assistant_without_json": to_plain_text(rendered.parts),
        "category": job.category,
        "strength": job.strength,
        "font": rendered.font,
    }


def _make_in_worker(job: DocumentJob) -> dict[str, Any]:
    assert _worker_data is not None
    return make_document(job, _worker_data, _worker_fake)


#: Below this many documents a split is made in-process: one process makes ~40 block documents/s, and
#: starting a spawn pool costs ~2-3 s per split (measured: smoke's 40 documents, 1.0 s in-process, 7.9 s
#: with 2 workers). Every document has its own seed, so the split is the same either way.
MIN_DOCUMENTS_FOR_POOL = 200


def _rows(jobs: list[DocumentJob], data: DataParams, description: str) -> Iterator[dict[str, Any]]:
    bar = tqdm(total=len(jobs), desc=description, unit="doc", mininterval=2.0)
    if data.workers == 1 or len(jobs) < MIN_DOCUMENTS_FOR_POOL:
        _init_worker(data)
        for job in jobs:
            yield _make_in_worker(job)
            bar.update()
    else:
        # fork would copy Faker and font caches cheaply, but spawn is the portable, predictable choice.
        context = multiprocessing.get_context("spawn")
        with context.Pool(data.workers, initializer=_init_worker, initargs=(data,)) as pool:
            for row in pool.imap(_make_in_worker, jobs, chunksize=8):
                yield row
                bar.update()
    bar.close()


def _fingerprint(data: DataParams, split: str) -> str:
    """A fingerprint from the parameters, so that ``save_to_disk`` writes identical state files."""
    # Neither the worker count nor the other splits' sizes change a byte of this split; nor does a free-form
    # share of 0 (the same documents as a domain without free-form generators).
    content = data.model_dump_json(exclude=_unrecorded_fields(data) | {"splits"})
    return hashlib.sha256(f"{split}:{getattr(data.splits, split)}:{content}".encode()).hexdigest()[:16]


def build_benchmark(data: DataParams) -> datasets.DatasetDict:
    """Generate the train, val and test splits (those of size 0 are left out). Fonts are checked first,
    so a broken install fails before any work."""
    if data.source != "synthetic":
        raise ValueError(f"build_benchmark makes synthetic documents; data.source is {data.source!r}")
    domain = get_domain(data.domain)
    unknown = set(data.categories) - set(domain.categories)
    if unknown:
        raise ValueError(f"data.categories {sorted(unknown)} are not categories of domain {domain.name!r} "
                         f"({domain.categories})")
    check_fonts(domain.charset)
    splits = {}
    for split in SPLITS:
        jobs = plan_split(data, split)
        if not jobs:
            continue  # a split of size 0 is left out rather than saved empty
        rows = list(_rows(jobs, data, f"{split} documents"))
        table = datasets.Dataset.from_list(rows, features=FEATURES, split=datasets.NamedSplit(split))
        splits[split] = datasets.Dataset(table.data, info=table.info, split=table.split,
                                         fingerprint=_fingerprint(data, split))
    return datasets.DatasetDict(splits)


def assemble_benchmark(data: DataParams) -> datasets.DatasetDict:
    """The data stage's splits: train and val (and test) from ``data.source`` (generated here, or loaded), the
    test split from ``data.test_source`` when it is set (then no test split is generated)."""
    from specocr.data import load_benchmark

    own_test = data.test_source is None
    if data.source == "synthetic":
        made = data if own_test else data.model_copy(update={"splits": data.splits.model_copy(update={"test": 0})})
        splits = dict(build_benchmark(made))
    else:
        splits = dict(load_benchmark(data.source, data.location, revision=data.revision))
        if not own_test:
            splits.pop("test", None)
    if not own_test:
        source = data.test_source
        splits["test"] = load_benchmark(source.source, source.location, revision=source.revision, split="test")
    return datasets.DatasetDict({split: splits[split] for split in SPLITS if split in splits})


def require_split(benchmark: datasets.DatasetDict, split: str) -> datasets.Dataset:
    """``benchmark[split]``, or an error that says which params key gives that split (before any compute)."""
    if split in benchmark:
        return benchmark[split]
    where = ("data.test_source (or data.source's own test split)" if split == "test" else
             "data.source (synthetic documents or a folder with train.jsonl and val.jsonl; the Hub benchmark "
             "has a test split only: set data.test_source for it)")
    raise ValueError(f"the benchmark has no {split!r} split (splits: {sorted(benchmark)}); it comes from {where}")


def character_coverage(dataset: datasets.Dataset, letters: str) -> dict[str, int]:
    """How often each of the domain's ``letters`` occurs in a split's ground truth (0 for absent ones)."""
    counts = Counter("".join(dataset["assistant_without_json"]))
    return {letter: counts.get(letter, 0) for letter in letters}


def summarize(benchmark: datasets.DatasetDict, domain: str = "pt_br") -> dict[str, Any]:
    """Counts, lengths and character coverage per split: the numbers on the dataset card."""
    letters = get_domain(domain).letters
    summary: dict[str, Any] = {}
    for split, dataset in benchmark.items():
        texts = dataset["assistant_without_json"]
        lengths = sorted(len(t) for t in texts)
        summary[split] = {
            "documents": len(dataset),
            "per_category": dict(sorted(Counter(dataset["category"]).items())),
            # documents not made here (the Hub benchmark, a folder) have no strength or font: "unknown"
            "per_strength": {"unknown" if k is None else f"{k:g}": v for k, v in sorted(
                Counter(None if s is None else round(s, 2) for s in dataset["strength"]).items(),
                key=lambda item: (item[0] is None, item[0] or 0))} if split == "test" else {},
            "per_font": dict(sorted(Counter(f or "unknown" for f in dataset["font"]).items())),
            "characters_mean": sum(lengths) / len(lengths) if lengths else 0.0,
            "characters_max": lengths[-1] if lengths else 0,
            "letters_missing": "".join(k for k, v in character_coverage(dataset, letters).items() if v == 0),
        }
    return summary


def save_benchmark(benchmark: datasets.DatasetDict, out_dir: str | Path, card: str | None = None) -> None:
    """``save_to_disk`` into ``out_dir`` (replacing it) and write the dataset card beside the splits."""
    out_dir = Path(out_dir)
    datasets.disable_progress_bars()  # saving takes well under a second: its bars would only be noise
    try:
        benchmark.save_to_disk(str(out_dir))
    finally:
        datasets.enable_progress_bars()
    if card is not None:
        (out_dir / "README.md").write_text(card, encoding="utf-8")


def _sources(data: DataParams) -> str:
    own = "generated here" if data.source == "synthetic" else f"{data.source} `{data.location}`" + (
        f" at revision `{data.revision}`" if data.revision else "")
    if data.test_source is None:
        return f"every split {own}"
    test = data.test_source
    revision = f" at revision `{test.revision}`" if test.revision else ""
    return f"train and val {own}; test from {test.source} `{test.location}`{revision}"


def _training_mix_note(data: DataParams) -> str:
    """What the training split holds besides templated documents in the pipeline's rendering."""
    if data.source != "synthetic":
        return ""
    n, note = data.splits.train, ""
    if data.free_form_share > 0:
        note += (f" {round(n * data.free_form_share)} of the {n} training documents have no template "
                 "(`data.free_form_share`: lines drawn independently of each other); val and test come from the "
                 "templates.")
    if data.styled_share > 0:
        note += (f" {round(n * data.styled_share)} of the {n} training documents are drawn in varied styles "
                 "(`data.styled_share`: faces, character widths, placement, inks and papers of "
                 "`specocr.data.styles`); val and test keep the pipeline's renderer.")
    return note


def _unrecorded_fields(data: DataParams) -> set[str]:
    """Fields that change no document, left out of the card and the fingerprints: the worker count, and shares
    of 0 free-form or styled documents (a dataset without them is recorded as one without the keys)."""
    return {"workers"} | {share for share in ("free_form_share", "styled_share") if getattr(data, share) == 0}


def dataset_card(data: DataParams, summary: dict[str, Any]) -> str:
    """A Hugging Face dataset card (YAML front matter + Markdown) with the numbers of this build."""
    test = summary.get("test", {})
    domain = get_domain(data.domain)
    language = {"pt": "Portuguese", "es": "Spanish"}.get(domain.language, domain.description)
    coverage_lines = "\n".join(
        f"| {split} | {s['documents']} | {s['characters_mean']:.0f} | {s['characters_max']} | "
        f"{s['letters_missing'] or 'none'} |"
        for split, s in summary.items()
    )
    return f"""---
language: [{domain.language}]
license: mit
task_categories: [image-to-text]
pretty_name: specocr synthetic {domain.description} OCR benchmark
configs:
- config_name: default
---
# specocr synthetic benchmark ({data.layout} layout)

Synthetic {domain.description} documents in the schema of
[Dharma-AI/DharmaOCR-Benchmark](https://huggingface.co/datasets/Dharma-AI/DharmaOCR-Benchmark): `id`, `image`,
`assistant` (strict JSON with keys `header`, `margin`, `footer`, `text`, empty ones omitted),
`assistant_without_json`, plus `category`, `strength` (degradation 0-2) and `font`.
Made by `specocr.data.generate` (stage `data` of `dvc repro`) with seed {data.seed}; the same parameters
give a byte-identical dataset. Content: {domain.content_note}.

Sources: {_sources(data)}.{_training_mix_note(data)}

| split | documents | mean characters | max characters | {language} letters absent |
|---|---|---|---|---|
{coverage_lines}

Test split by category: {json.dumps(test.get('per_category', {}), ensure_ascii=False)};
by strength: {json.dumps(test.get('per_strength', {}))}.

Parameters:

```json
{data.model_dump_json(indent=2, exclude=_unrecorded_fields(data))}
```
"""
