"""Documents in many styles: the rendering variety a reader must not depend on.

:func:`specocr.data.render.render_document` draws every document of the pipeline in ten faces at one
character width, in black or one of four pen colours, with its own degradation. A model that only ever saw
those learns them as well as the text. :func:`render_styled` draws the same block geometry (``width`` px,
lines of ``line_height`` px from the top, no margins) in a style drawn per document from a wide pool:

* faces: regular, bold, italic, condensed and narrow cuts of ~20 printed families and ~10 handwriting-style
  faces (:data:`STYLED_FONTS`, checked glyph by glyph for the characters drawn); a set of faces that
  training never draws (:data:`HELD_OUT_FONTS`) measures how a model reads a face it has not seen;
* character width: the face sized to 6.8-8.8 px per average character (the pipeline: ~7.8);
* placement: left, centred or right-aligned lines, indents, a vertical offset of up to 2 px in the line;
* ink and paper: black, greys, blue, red or brown ink; white, cream or grey paper;
* extras: form rules under lines, resolution loss (scaled down and up), and the pipeline's degradation
  (rotation, blur, contrast loss, noise, speckle) up to ``strength``.

Used for the zoo's level-2 pretraining (never the pipeline's documents): the text is the caller's, and the
answer is exactly what was drawn.
"""

from __future__ import annotations

import random
from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from specocr.data.render import FontError, Rendered, degrade, fit_lines, font_files, jpeg_quality, sized_font
from specocr.data.schema import structured_parts
from specocr.data.synthetic import DocumentContent

#: Faces training draws from, by style: Debian's fonts-dejavu-core/-extra, fonts-liberation, fonts-urw-base35,
#: fonts-crosextra-carlito/-caladea, fonts-open-sans, fonts-sil-andika, fonts-go; handwriting-style:
#: fonts-dkg-handwriting, fonts-breip, fonts-dancingscript, URW's Z003 and PyPI font-intuitive.
STYLED_FONTS: dict[str, tuple[str, ...]] = {
    "printed": (
        "DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf", "DejaVuSansCondensed.ttf",
        "DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf", "DejaVuSerif-Italic.ttf", "DejaVuSerifCondensed.ttf",
        "DejaVuSansMono.ttf", "DejaVuSansMono-Bold.ttf",
        "LiberationSans-Regular.ttf", "LiberationSans-Bold.ttf", "LiberationSans-Italic.ttf",
        "LiberationSansNarrow-Regular.ttf", "LiberationSerif-Regular.ttf", "LiberationSerif-Bold.ttf",
        "LiberationSerif-Italic.ttf", "LiberationMono-Regular.ttf",
        "NimbusSans-Regular.otf", "NimbusSans-Bold.otf", "NimbusSansNarrow-Regular.otf", "NimbusRoman-Regular.otf",
        "NimbusRoman-Italic.otf", "NimbusMonoPS-Regular.otf", "C059-Roman.otf", "P052-Roman.otf",
        "URWBookman-Light.otf", "URWGothic-Book.otf",
        "Carlito-Regular.ttf", "Carlito-Bold.ttf", "Caladea-Regular.ttf", "Caladea-Italic.ttf",
        "OpenSans-Regular.ttf", "OpenSans-Semibold.ttf", "OpenSans-CondBold.ttf", "Andika-Regular.ttf",
        "Go-Regular.ttf", "Go-Mono.ttf",
    ),
    "handwritten": ("dkg.ttf", "dkgBd.ttf", "dkgIt.ttf", "Breip.ttf", "DancingScript-Regular.otf",
                    "DancingScript-Bold.otf", "Intuitive.ttf", "Z003-MediumItalic.otf"),
}
#: Faces no training example uses (fonts-freefont-ttf, fonts-lato, fonts-comic-neue): the held-out style set.
HELD_OUT_FONTS: dict[str, tuple[str, ...]] = {
    "printed": ("FreeSans.ttf", "FreeSerif.ttf", "FreeMono.ttf", "Lato-Regular.ttf", "Lato-Bold.ttf"),
    "handwritten": ("ComicNeue-Regular.otf", "ComicNeue-Italic.otf"),
}
#: The Debian packages that hold the faces above (the zoo's pretraining needs them; the pipeline does not).
STYLED_FONT_PACKAGES = ("fonts-dejavu-core", "fonts-dejavu-extra", "fonts-liberation", "fonts-urw-base35",
                        "fonts-crosextra-carlito", "fonts-crosextra-caladea", "fonts-open-sans", "fonts-sil-andika",
                        "fonts-go", "fonts-dkg-handwriting", "fonts-breip", "fonts-dancingscript",
                        "fonts-freefont-ttf", "fonts-lato", "fonts-comic-neue")

INKS = {"printed": ((15, 15, 15), (0, 0, 0), (45, 45, 45), (70, 70, 70), (20, 30, 110), (90, 20, 20)),
        "handwritten": ((20, 20, 20), (15, 30, 130), (10, 10, 70), (70, 25, 25), (40, 60, 40), (60, 40, 20))}
PAPERS = ((255, 255, 255), (250, 248, 240), (245, 240, 225), (235, 235, 235), (225, 228, 232), (250, 245, 250))
#: Average character width, in px, of the faces as drawn (the pipeline draws ~7.8).
CHAR_WIDTHS = (6.8, 8.8)


@cache
def styled_faces(style: str, held_out: bool, charset: str) -> tuple[Path, ...]:
    """The font files of ``style`` (training pool, or the held-out one) that draw every character of
    ``charset``; raises naming the culprits if one cannot (a face that draws a blank would teach a wrong
    answer)."""
    paths, problems = font_files((HELD_OUT_FONTS if held_out else STYLED_FONTS)[style], charset)
    if problems:
        raise FontError("styled faces unfit for the characters drawn:\n  " + "\n  ".join(problems))
    return paths


@cache
def _face_at_width(path: Path, width_tenths: int, line_height: int) -> ImageFont.FreeTypeFont:
    """``path`` sized so that its average character is ``width_tenths`` / 10 px wide (or smaller if its ink
    would not fit the line): DejaVu Sans at 17 px averages ~7.8 px, so the size scales from there."""
    return sized_font(path, round(17 * width_tenths / 78), line_height)


def fit_words(text: str, font: ImageFont.FreeTypeFont, width: float) -> str:
    """The longest run of whole words from the start of ``text`` that ``font`` draws within ``width`` px
    (cut by characters when the first word alone is wider)."""
    kept = ""
    for word in text.split():
        candidate = f"{kept} {word}" if kept else word
        if font.getlength(candidate) > width:
            break
        kept = candidate
    if kept:
        return kept
    while text and font.getlength(text) > width:
        text = text[:-1]
    return text


def render_styled(header: str | None, body: list[str], footer: str | None, style: str, strength: float,
                  seed: int, charset: str, width: int = 320, line_height: int = 16, held_out: bool = False,
                  max_lines: int | None = None) -> Rendered:
    """Draw a document in a style drawn from ``seed``. With ``max_lines`` None, one line per entry
    (``header`` and ``footer`` optional, one line each), each cut at a word to fit; with ``max_lines``, the
    entries are paragraphs, wrapped and cut to ``max_lines`` lines as the pipeline's renderer does
    (:func:`specocr.data.render.fit_lines`: the header first, then the body, the footer if room is left).
    ``style``: printed or handwritten faces; ``held_out``: faces no training example uses."""
    rng = random.Random(seed)
    path = rng.choice(styled_faces(style, held_out, charset))
    font = _face_at_width(path, rng.randint(round(CHAR_WIDTHS[0] * 10), round(CHAR_WIDTHS[1] * 10)), line_height)
    ink, paper = rng.choice(INKS[style]), rng.choice(PAPERS)
    left_pad = rng.randint(2, 10)
    room = width - left_pad - rng.randint(2, 8)

    if max_lines is None:
        entries = ([("header", header)] if header else []) + [("text", line) for line in body] + \
                  ([("footer", footer)] if footer else [])
        drawn = [(part, fit_words(text, font, room)) for part, text in entries]
    else:
        content = DocumentContent(style, "styled", header, body, footer)
        drawn = [(line.part, line.text) for line in fit_lines(content, font, room, max_lines)]
    drawn = [(part, text) for part, text in drawn if text.strip()]
    header_align = rng.choice(("center", "center", "left"))
    footer_align = rng.choice(("right", "right", "left", "center"))
    indent = rng.choice((0, 0, 0, 8, 16, 24))

    image = Image.new("RGB", (width, max(1, len(drawn)) * line_height), paper)
    draw = ImageDraw.Draw(image)
    ruled = rng.random() < (0.4 if style == "handwritten" else 0.15)
    rule = tuple(max(0, c - rng.randint(40, 90)) for c in paper)
    ascent, descent = font.getmetrics()
    offset = rng.randint(-2, 2)
    for row, (part, text) in enumerate(drawn):
        length = font.getlength(text)
        align = {"header": header_align, "footer": footer_align}.get(part, "left")
        if align == "left":
            x = left_pad + (indent if part == "text" and row > 0 and rng.random() < 0.3 else 0)
            x = min(x, width - 2 - length)
        elif align == "center":
            x = (width - length) / 2
        else:
            x = width - left_pad - length
        x = max(1.0, x)
        wobble = rng.randint(-1, 1) if style == "handwritten" else 0
        y = row * line_height + (line_height - ascent - descent) // 2 + offset + wobble
        draw.text((x, y), text, font=font, fill=ink)
        if ruled:
            draw.line([(0, (row + 1) * line_height - 1), (width, (row + 1) * line_height - 1)], fill=rule, width=1)

    if rng.random() < 0.25:  # resolution loss: a low-resolution scan, scaled back
        factor = rng.uniform(0.6, 0.85)
        small = image.resize((max(1, round(image.width * factor)), max(1, round(image.height * factor))),
                             Image.Resampling.BILINEAR)
        image = small.resize(image.size, rng.choice((Image.Resampling.BILINEAR, Image.Resampling.BICUBIC)))
    image = degrade(image, strength, rng, max_rotation=0.6)
    if rng.random() < 0.3:  # a tint over the whole sheet (photocopy, coloured paper)
        tint = np.array([rng.uniform(0.9, 1.0) for _ in range(3)], dtype=np.float32)
        image = Image.fromarray(np.clip(np.asarray(image, dtype=np.float32) * tint, 0, 255).astype(np.uint8), "RGB")

    by_part: dict[str, list[str]] = {}
    for part, text in drawn:
        by_part.setdefault(part, []).append(text)
    parts = structured_parts(**{part: "\n".join(lines) for part, lines in by_part.items()})
    return Rendered(image, parts, path.name, jpeg_quality(strength))
