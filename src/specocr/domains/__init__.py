"""Domains as plug-ins: what the synthetic documents are about, in which language, drawn how.

A domain is one module that builds a :class:`Domain` and calls :func:`register` on it; ``data.domain`` in
params picks one by name. It gives, for each document category, the generators that write a document's
structured content (header, margin, body paragraphs, footer) from a seeded Faker and ``random.Random``,
the font style each category is drawn in (``printed`` or ``handwritten``: see ``data.render.FONTS``), its
letters beyond ASCII (fonts are checked for them; the test split must contain every one), and the text of
its dataset card. Everything else (layout, degradation, splits, the pipeline) is shared.

Shipped: ``pt_br`` (the paper's Brazilian-Portuguese legal and administrative documents) and ``es``
(Spanish invoices, receipts and handwritten notes). ``notebooks/00_new_domain.ipynb`` walks through
writing another. A domain module outside this package is registered by putting it in the project's
``domains/`` folder (every ``*.py`` there is imported; the folder is a dependency of the data stage, so that
``dvc repro`` regenerates the documents when a template changes), by importing it before the pipeline runs, or
by naming it in ``SPECOCR_DOMAINS`` (comma-separated module paths; DVC does not see changes to those).
"""

from __future__ import annotations

import dataclasses
import importlib
import importlib.util
import os
import random
import sys
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from faker import Faker

from specocr.data.synthetic import ASCII_CHARSET, DocumentContent, pick, to_charset
from specocr.paths import project_root

#: Modules imported on first lookup: the shipped domains.
BUILTIN = ("specocr.domains.pt_br", "specocr.domains.es")
STYLES = ("printed", "handwritten")

_REGISTRY: dict[str, Domain] = {}


@dataclass(frozen=True)
class Domain:
    name: str  # the value of data.domain
    language: str  # ISO 639-1, for the dataset card
    description: str  # an adjective for the card: "Brazilian-Portuguese"
    faker_locale: str  # Faker locale of names, addresses, numbers
    generators: dict  # category -> tuple of generators (Faker, random.Random) -> DocumentContent
    category_styles: dict[str, str]  # category -> font style
    letters: str  # letters beyond ASCII the language needs; each must occur in the test split
    extra_characters: str = ""  # other non-ASCII characters the generators may write (º, §, €)
    content_note: str = ""  # the card's "Content:" sentence: where names and prose come from
    #: category -> generators of documents without templates (lines drawn independently of each other), for
    #: the share ``data.free_form_share`` of the training split: text a model can only get right by reading.
    free_form: dict = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        if set(self.generators) != set(self.category_styles):
            raise ValueError(f"domain {self.name}: categories with generators {sorted(self.generators)} and with "
                             f"font styles {sorted(self.category_styles)} differ")
        unknown = set(self.category_styles.values()) - set(STYLES)
        if unknown:
            raise ValueError(f"domain {self.name}: unknown font styles {sorted(unknown)}; expected {STYLES}")
        if any(not generators for generators in self.generators.values()):
            raise ValueError(f"domain {self.name}: every category needs at least one generator")
        if self.free_form and set(self.free_form) != set(self.generators):
            raise ValueError(f"domain {self.name}: free-form generators for {sorted(self.free_form)}; a domain "
                             f"with any has them for every category {sorted(self.generators)}")
        if any(not generators for generators in self.free_form.values()):
            raise ValueError(f"domain {self.name}: a category's free-form generators are empty")

    @property
    def charset(self) -> str:
        """Every character a document of this domain may contain (fonts are checked for all of them)."""
        return ASCII_CHARSET + "".join(dict.fromkeys(self.letters + self.extra_characters))

    @cached_property
    def charset_set(self) -> frozenset[str]:
        return frozenset(self.charset)

    @property
    def categories(self) -> list[str]:
        return list(self.generators)


def register(domain: Domain, replace: bool = False) -> Domain:
    """Make ``domain`` available to ``data.domain``; a second domain of the same name is an error unless
    ``replace`` (a notebook cell run twice)."""
    existing = _REGISTRY.get(domain.name)
    if existing is not None and existing is not domain and not replace:
        raise ValueError(f"a domain named {domain.name!r} is already registered")
    _REGISTRY[domain.name] = domain
    return domain


#: The project folder whose modules are user domains (beside ``dvc.yaml``).
PROJECT_DOMAINS = "domains"


def _project_domain_files() -> list[Path]:
    try:
        folder = project_root() / PROJECT_DOMAINS
    except FileNotFoundError:  # used outside a specocr project: only the shipped and named modules
        return []
    return sorted(path for path in folder.glob("*.py") if not path.name.startswith("_"))


def _import_file(path: Path) -> None:
    name = f"specocr_project_domains.{path.stem}"
    if name in sys.modules:
        return
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import the domain module {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise


def _load_modules() -> None:
    extra = [name.strip() for name in os.environ.get("SPECOCR_DOMAINS", "").split(",") if name.strip()]
    for module in (*BUILTIN, *extra):
        importlib.import_module(module)
    for path in _project_domain_files():
        _import_file(path)


def available() -> list[str]:
    _load_modules()
    return sorted(_REGISTRY)


def get_domain(name: str) -> Domain:
    """The registered domain ``name``; an unknown name is an error listing the known ones."""
    _load_modules()
    if name not in _REGISTRY:
        raise KeyError(f"unknown domain {name!r}; registered domains: {sorted(_REGISTRY)} "
                       "(register yours with specocr.domains.register, see notebooks/00_new_domain.ipynb)")
    return _REGISTRY[name]


def all_characters() -> str:
    """The union of every registered domain's characters (what the fonts and the zoo tokenizer cover)."""
    return "".join(dict.fromkeys("".join(get_domain(name).charset for name in available())))


def generate_content(category: str, seed: int, fake: Faker | None = None, domain: str = "pt_br",
                     free_form: bool = False) -> DocumentContent:
    """One document of ``domain``'s ``category`` from ``seed``, from its templates or (``free_form``) from its
    generators without templates; pass a reusable ``fake`` (of the domain's locale) to skip Faker's start-up."""
    spec = get_domain(domain)
    if category not in spec.generators:
        raise ValueError(f"unknown category {category!r}; domain {domain!r} has {sorted(spec.generators)}")
    if free_form and not spec.free_form:
        raise ValueError(f"domain {domain!r} has no free-form generators (Domain.free_form); set "
                         "data.free_form_share to 0")
    fake = fake or Faker(spec.faker_locale)
    fake.seed_instance(seed)
    rng = random.Random(seed)
    generator = pick(rng, (spec.free_form if free_form else spec.generators)[category])
    content = generator(fake, rng)
    charset = spec.charset_set
    return dataclasses.replace(
        content,
        header=content.header and to_charset(content.header, charset),
        body=[to_charset(paragraph, charset) for paragraph in content.body],
        footer=content.footer and to_charset(content.footer, charset),
        margin=content.margin and to_charset(content.margin, charset),
        style=content.style or spec.category_styles[category],
    )
