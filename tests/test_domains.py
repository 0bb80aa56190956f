"""Domains as plug-ins: the registry, the shipped domains, and the paper's domain unchanged by the move."""

from __future__ import annotations

import hashlib
import itertools
import json
from collections import Counter

import pytest
from faker import Faker

from specocr.data.render import check_fonts
from specocr.domains import generate_content
from specocr.domains import Domain, available, get_domain, register
from specocr.models.zoo import character_vocabulary
from specocr.params import DataParams

#: sha256 of 180 pt_br documents' content (60 seeds x 3 categories). First computed before the Brazilian-
#: Portuguese generators moved into specocr.domains.pt_br (the move changed no character); recomputed when the
#: dates of birth were fixed to count back from REFERENCE_DAY (2026-11-30) instead of the day of the run: the
#: digest is that of the documents written on that day, so no character may change on any other day.
PT_BR_CONTENT = "5dc69e07398f5bb1a269fbe2ce4a8f93f48e85e4870eeffae0cf4887285e1685"


def content_digest(domain: str) -> str:
    spec = get_domain(domain)
    fake, digest = Faker(spec.faker_locale), hashlib.sha256()
    for category in spec.generators:
        for seed in range(60):
            c = generate_content(category, seed * 7919 + 3, fake, domain)
            digest.update(json.dumps([c.category, c.kind, c.header, c.body, c.footer, c.margin, c.meta],
                                     ensure_ascii=False, sort_keys=True).encode())
    return digest.hexdigest()


def test_the_paper_domain_writes_exactly_what_it_wrote_before_it_became_a_plug_in() -> None:
    assert content_digest("pt_br") == PT_BR_CONTENT


def test_shipped_domains_are_registered_and_unknown_ones_are_named() -> None:
    assert {"pt_br", "es"} <= set(available())
    with pytest.raises(KeyError, match="registered domains"):
        get_domain("klingon")


@pytest.mark.parametrize("name", ["pt_br", "es"])
def test_a_domain_stays_inside_its_charset_the_fonts_and_the_zoo_tokenizer(name: str) -> None:
    spec = get_domain(name)
    assert set(spec.charset) <= set(character_vocabulary())  # no new tokenizer for a Latin-script domain
    check_fonts(spec.charset)  # every font draws every character
    fake = Faker(spec.faker_locale)
    seen = set()
    for category in spec.categories:
        for free_form, seed in itertools.product((False, True) if spec.free_form else (False,), range(150)):
            content = generate_content(category, seed, fake, name, free_form=free_form)
            assert content.style == spec.category_styles[category]
            text = "".join(filter(None, (content.header, content.footer, content.margin, *content.body)))
            assert set(text) <= spec.charset_set, sorted(set(text) - spec.charset_set)
            seen |= set(text)
    assert set(spec.letters) <= seen, sorted(set(spec.letters) - seen)  # the generators use every letter


def test_spanish_documents_are_spanish() -> None:
    content = generate_content("invoice", 3, domain="es")
    assert content.header.startswith("FACTURA Nº") and any("IVA 21%" in line for line in content.body)
    assert "EUR" in " ".join(content.body)


def test_a_domain_must_be_consistent() -> None:
    with pytest.raises(ValueError, match="differ"):
        Domain("x", "xx", "X", "en_US", {"a": (lambda f, r: None,)}, {"b": "printed"}, "")
    with pytest.raises(ValueError, match="font styles"):
        Domain("x", "xx", "X", "en_US", {"a": (lambda f, r: None,)}, {"a": "gothic"}, "")
    with pytest.raises(ValueError, match="every category"):
        Domain("x", "xx", "X", "en_US", {"a": (lambda f, r: None,), "b": (lambda f, r: None,)},
               {"a": "printed", "b": "printed"}, "", free_form={"a": (lambda f, r: None,)})
    with pytest.raises(ValueError, match="already registered"):
        register(Domain("pt_br", "pt", "P", "pt_BR", {"a": (lambda f, r: None,)}, {"a": "printed"}, ""))


def test_a_module_in_the_projects_domains_folder_is_registered(tmp_path, monkeypatch) -> None:
    import sys

    from specocr import domains

    (tmp_path / "dvc.yaml").write_text("stages: {}\n")
    (tmp_path / "domains").mkdir()
    (tmp_path / "domains" / "memos.py").write_text(
        "from specocr.data.synthetic import DocumentContent\n"
        "from specocr.domains import Domain, register\n"
        "def memo(fake, rng):\n"
        "    return DocumentContent(category='memo', kind='memo', header='MEMO', body=[fake.name()], footer=None)\n"
        "register(Domain('memos', 'en', 'English', 'en_US', {'memo': (memo,)}, {'memo': 'printed'}, ''))\n")
    (tmp_path / "domains" / "_helpers.py").write_text("raise RuntimeError('a private module is not a domain')\n")
    monkeypatch.chdir(tmp_path)
    try:
        assert "memos" in available()
        assert generate_content("memo", 1, domain="memos").header == "MEMO"
        assert available().count("memos") == 1  # imported once, however often domains are looked up
    finally:
        domains._REGISTRY.pop("memos", None)
        sys.modules.pop("specocr_project_domains.memos", None)


def test_free_form_documents_are_not_the_templates_and_a_domain_without_them_is_refused(default_params) -> None:
    """pt_br's free-form documents have no fixed wording: few of their words recur across documents, while a
    third or more of a template document's words are its template's (titles, labels, phrases); a share above 0
    on a domain that has none is a params error."""
    fake = Faker("pt_BR")

    def recurring_share(category: str, free_form: bool) -> float:
        """The share of word occurrences whose word is in at least a quarter of 40 documents."""
        documents = [" ".join(filter(None, (c.header, c.footer, *c.body))).split() for c in (
            generate_content(category, seed, fake, "pt_br", free_form=free_form) for seed in range(40))]
        in_documents = Counter(word for words in documents for word in set(words))
        words = [word for words in documents for word in words]
        return sum(in_documents[word] >= 10 for word in words) / len(words)

    for category in get_domain("pt_br").categories:
        assert recurring_share(category, True) < 0.15 < 0.25 < recurring_share(category, False), category
    with pytest.raises(ValueError, match="no free-form generators"):
        generate_content("invoice", 1, domain="es", free_form=True)
    tree = default_params.data.model_dump()
    tree.update(domain="es", categories={"invoice": 1.0}, free_form_share=0.5)
    with pytest.raises(ValueError, match="no free-form generators"):
        DataParams.model_validate(tree)
