"""Synthetic documents: content, layout, ground truth and determinism."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from faker import Faker
from PIL import Image

from conftest import small_data
from specocr.data import generate
from specocr.data.generate import build_benchmark, make_document, plan_split, save_benchmark, summarize
from specocr.data.render import FontError, check_fonts, missing_glyphs, render_document, wrap, sized_font, find_font
from specocr.data.schema import STRUCTURE_KEYS, to_assistant, to_plain_text
from specocr.data.synthetic import assign_categories, to_charset
from specocr.domains import generate_content
from specocr.domains import get_domain
from specocr.domains.pt_br import GENERATORS, PORTUGUESE_LETTERS, money

CHARSET = get_domain("pt_br").charset


def test_every_configured_font_draws_every_character() -> None:
    fonts = check_fonts()
    assert set(fonts) == {"printed", "handwritten"} and all(fonts.values())


def test_a_font_without_accents_is_named_with_its_missing_characters(tmp_path: Path) -> None:
    # DejaVu Sans Mono has no CJK glyphs: asking for them must name the font and the characters.
    mono = find_font("DejaVuSansMono.ttf")
    assert missing_glyphs(mono, "aã中文") == ["中", "文"]


def test_missing_font_names_the_install_command() -> None:
    with pytest.raises(FontError, match="apt-get install"):
        find_font("NoSuchFont-Regular.ttf")


def test_generators_stay_inside_the_charset_and_are_seeded() -> None:
    fake = Faker("pt_BR")
    for category in GENERATORS:
        for seed in range(300):
            content = generate_content(category, seed, fake)
            assert content.category == category and content.body
            text = "".join(filter(None, (content.header, content.footer, content.margin, *content.body)))
            assert set(text) <= set(CHARSET), sorted(set(text) - set(CHARSET))
            again = generate_content(category, seed, Faker("pt_BR"))
            assert again == content  # Faker seeded per document, not by random.seed


def test_letters_beyond_the_charset_keep_their_base_letter() -> None:
    assert to_charset("Maître d'hôtel ção 中", frozenset(CHARSET)) == "Maitre d'hôtel ção "


def test_money_is_brazilian() -> None:
    assert money(1234.5) == "R$ 1.234,50"


def test_categories_are_exactly_proportional() -> None:
    categories = assign_categories(10, {"printed": 0.4, "handwritten": 0.3, "legal": 0.3}, seed=1)
    assert sorted(categories).count("printed") == 4 and categories.count("legal") == 3


def test_ground_truth_is_the_strict_json_in_reading_order() -> None:
    parts = {"footer": "Página 1", "text": "corpo", "header": "TÍTULO", "margin": " "}
    assert to_assistant(parts) == '{"header": "TÍTULO", "text": "corpo", "footer": "Página 1"}'
    assert to_plain_text(parts) == "TÍTULO\ncorpo\nPágina 1"
    with pytest.raises(ValueError, match="unknown structure keys"):
        to_assistant({"body": "x"})


def test_wrap_respects_the_width() -> None:
    font = sized_font(find_font("DejaVuSans.ttf"), 13, 16)
    lines = wrap("Certifico que " + "x" * 80 + " e mais palavras", font, 150)
    assert all(font.getlength(line) <= 150 for line in lines)
    assert "".join(lines).replace(" ", "") == ("Certifico que " + "x" * 80 + " e mais palavras").replace(" ", "")


@pytest.mark.parametrize("layout", ["block", "page"])
def test_render_draws_what_the_ground_truth_says(default_params, layout: str) -> None:
    data = default_params.data
    for category in GENERATORS:
        content = generate_content(category, 11, Faker("pt_BR"))
        rendered = render_document(content, layout, data.block, data.page, strength=1.0, seed=11)
        assert set(rendered.parts) <= set(STRUCTURE_KEYS) and rendered.parts.get("text")
        assert list(rendered.parts) == [k for k in STRUCTURE_KEYS if k in rendered.parts]
        if layout == "block":
            lines = sum(len(v.split("\n")) for v in rendered.parts.values())
            assert lines <= data.block.max_lines and "margin" not in rendered.parts
            assert rendered.image.size == (data.block.width, lines * data.block.line_height)
        else:
            assert rendered.image.size == (data.page.width, data.page.height)
        # Every line drawn is a prefix-preserving piece of the content: nothing invented.
        source = " ".join(filter(None, (content.header, content.footer, content.margin, *content.body))).split()
        assert set(" ".join(rendered.parts.values()).split()) <= set(source)


def test_plan_cycles_test_strengths(default_params) -> None:
    data = small_data(default_params.data)
    strengths = [job.strength for job in plan_split(data, "test")]
    assert strengths == [0.0, 0.5, 1.0] * 3
    assert all(0 <= job.strength <= data.strength.train_max for job in plan_split(data, "train"))


def test_same_seed_gives_a_byte_identical_dataset_whatever_the_workers(default_params, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(generate, "MIN_DOCUMENTS_FOR_POOL", 1)  # small splits too go through the worker pool
    one = small_data(default_params.data, workers=1)
    two = small_data(default_params.data, train=10, workers=2)  # train size must not change the test split
    first, second = build_benchmark(one), build_benchmark(two)
    save_benchmark(first, tmp_path / "a")
    save_benchmark(second, tmp_path / "b")
    for name in ("data-00000-of-00001.arrow", "dataset_info.json", "state.json"):
        assert (tmp_path / "a" / "test" / name).read_bytes() == (tmp_path / "b" / "test" / name).read_bytes()
    assert first["train"][0]["assistant"] == second["train"][0]["assistant"]


def test_the_free_form_share_is_exact_and_leaves_every_other_document_as_it_was(default_params) -> None:
    templates = small_data(default_params.data, train=40, free_form_share=0.0)
    mixed = small_data(default_params.data, train=40, free_form_share=0.25)
    plain, jobs = plan_split(templates, "train"), plan_split(mixed, "train")
    assert sum(job.free_form for job in jobs) == 10 and not any(job.free_form for job in plain)
    assert [(j.seed, j.category, j.strength) for j in jobs] == [(j.seed, j.category, j.strength) for j in plain]
    assert not any(job.free_form for split in ("val", "test") for job in plan_split(mixed, split))
    fake = Faker("pt_BR")
    for template_job, job in zip(plain, jobs):
        same = make_document(template_job, templates, fake)["assistant"] == make_document(job, mixed, fake)["assistant"]
        assert same == (not job.free_form)


def test_the_styled_share_redraws_only_its_documents_and_keeps_their_text(default_params) -> None:
    plain_data = small_data(default_params.data, train=40, styled_share=0.0)
    styled_data = small_data(default_params.data, train=40, styled_share=0.25)
    plain, jobs = plan_split(plain_data, "train"), plan_split(styled_data, "train")
    assert sum(job.styled for job in jobs) == 10 and not any(job.styled for job in plain)
    assert not any(job.styled for split in ("val", "test") for job in plan_split(styled_data, split))
    fake = Faker("pt_BR")
    fonts = set()
    for plain_job, job in zip(plain, jobs):
        before, after = make_document(plain_job, plain_data, fake), make_document(job, styled_data, fake)
        assert (before["image"] == after["image"]) == (not job.styled)
        if job.styled:  # the same content: the first line of text is drawn either way (a face may fit fewer words)
            first = json.loads(before["assistant"]).get("header") or json.loads(before["assistant"])["text"]
            assert first.split("\n")[0].split()[0] in after["assistant"]
            fonts.add(after["font"])
    assert len(fonts) >= 4


def test_a_styled_share_needs_the_block_layout(default_params) -> None:
    tree = default_params.data.model_dump()
    tree.update(layout="page", styled_share=0.5)
    with pytest.raises(ValueError, match="styled_share"):
        type(default_params.data).model_validate(tree)


def test_rows_follow_the_schema(default_params) -> None:
    data = small_data(default_params.data)
    row = make_document(plan_split(data, "test")[0], data, Faker("pt_BR"))
    assert row["id"] == 3_000_000 and row["category"] in GENERATORS
    assert json.loads(row["assistant"]) and row["assistant_without_json"] in row["assistant_without_json"]
    assert Image.open(io.BytesIO(row["image"]["bytes"])).format == "PNG"


def test_the_card_reports_which_portuguese_letters_the_default_test_split_lacks(default_params) -> None:
    """The dataset card's coverage claim, on the real default test split (~5 s): the letters it calls missing
    are exactly those absent from the split's text, and the split has nearly all of them."""
    data = default_params.data.model_copy(
        update={"splits": default_params.data.splits.model_copy(update={"train": 0, "val": 0})}
    )
    benchmark = build_benchmark(data)
    summary = summarize(benchmark, data.domain)
    assert summary["test"]["documents"] == data.splits.test
    text = "".join(benchmark["test"]["assistant_without_json"])
    absent = "".join(letter for letter in PORTUGUESE_LETTERS if letter not in text)
    assert summary["test"]["letters_missing"] == absent, summary["test"]
    assert len(absent) <= 2, absent
    assert set(PORTUGUESE_LETTERS) <= set(CHARSET)
