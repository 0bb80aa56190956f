from __future__ import annotations

import numpy as np
from PIL import ImageFont

from specocr.data.render import find_font
from specocr.data.styles import HELD_OUT_FONTS, STYLED_FONTS, fit_words, render_styled
from specocr.models.pretraining_data import general_charset, make_fakers, styled_document_example
from specocr.models.processing_charocr import ink_extent

CHARSET = "".join(sorted(general_charset()))


def test_a_seed_draws_the_same_document_every_time(default_params) -> None:
    data, fakers = default_params.data, make_fakers()
    first = styled_document_example(11, data.block, data.page, fakers)
    again = styled_document_example(11, data.block, data.page, make_fakers())
    assert first.answer == again.answer and first.prompt == again.prompt
    assert np.array_equal(np.asarray(first.image), np.asarray(again.image))


def test_held_out_faces_are_never_drawn_for_training() -> None:
    for style in ("printed", "handwritten"):
        assert not set(STYLED_FONTS[style]) & set(HELD_OUT_FONTS[style])
    for seed in range(40):
        style = ("printed", "handwritten")[seed % 2]
        trained = render_styled(None, ["Nº 12 Sábado"], None, style, 0.0, seed, CHARSET)
        held_out = render_styled(None, ["Nº 12 Sábado"], None, style, 0.0, seed, CHARSET, held_out=True)
        assert trained.font in STYLED_FONTS[style] and held_out.font in HELD_OUT_FONTS[style]


def test_every_line_is_drawn_whole_in_its_own_band() -> None:
    body = ["Prestação de contas ........ R$ 1.234,56", "CEP 01310-100 (11) 98765-4321", "a) ÁGUA, LUZ E GÁS"]
    fonts_seen = set()
    for seed in range(60):
        style = ("printed", "handwritten")[seed % 2]
        styled = render_styled("RELATÓRIO MENSAL", body, "São Paulo, 3 de março", style, 0.0, seed, CHARSET)
        fonts_seen.add(styled.font)
        lines = [line for part in styled.parts.values() for line in part.split("\n")]
        assert styled.image.size == (320, 16 * len(lines))
        assert list(styled.parts) == ["header", "text", "footer"]
        pixels = np.asarray(styled.image)
        for row, line in enumerate(lines):
            assert line and ink_extent(pixels[16 * row:16 * (row + 1)]) is not None, (seed, styled.font, row)
            assert line in (body + ["RELATÓRIO MENSAL", "São Paulo, 3 de março"]) or \
                any(full.startswith(line) for full in body + ["RELATÓRIO MENSAL", "São Paulo, 3 de março"])
    assert len(fonts_seen) >= 15  # many faces, not a handful


def test_fit_words_keeps_whole_words_that_fit() -> None:
    font = ImageFont.truetype(str(find_font("DejaVuSans.ttf")), 17)
    text = "Certidão de nascimento expedida em cartório"
    kept = fit_words(text, font, 150)
    assert text.startswith(kept) and font.getlength(kept) <= 150
    assert font.getlength(text[:len(kept) + 1 + len(text[len(kept) + 1:].split()[0])]) > 150
    word = "Inconstitucionalissimamente"  # one word wider than the room: cut by characters
    cut = fit_words(word, font, 60)
    assert word.startswith(cut) and 0 < font.getlength(cut) <= 60 < font.getlength(word[:len(cut) + 1])


def test_make_setup_installs_every_styled_face() -> None:
    from specocr.data.styles import STYLED_FONT_PACKAGES
    from conftest import ROOT

    makefile = (ROOT / "Makefile").read_text(encoding="utf-8").replace("\\\n", " ")
    apt_line = next(line for line in makefile.splitlines() if line.startswith("APT_PACKAGES :="))
    assert set(STYLED_FONT_PACKAGES) <= set(apt_line.split(":=")[1].split())
