"""Rendering documents to images: fonts (checked glyph by glyph), two layouts, and a degradation knob.

* ``block``: a small document of a few short lines, sized for the tiny models of the embedded default
  (16 px lines, characters about 8 px wide, shared/FACTS.md section 7). The margin note is not drawn at
  this scale (there is no margin to draw it in), so it is not part of the ground truth either.
* ``page``: an A4-like page (1240 x 1754 px, 150 dpi) with the margin note written vertically in the left
  margin, for paper scale and the classical OCR baselines.

The ground truth is built from what was drawn: text that did not fit is cut at a whole line and left out
of the ground truth too, so the image and its transcription always agree.

``strength`` runs from 0 (clean) to 2 (hard): paper texture, rotation, blur, noise, speckle, contrast
loss and JPEG artefacts (degraded documents are stored as JPEG, clean ones as PNG) all grow with it; handwriting gets ruled paper and a pen colour.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from specocr.data.schema import structured_parts
from specocr.data.synthetic import DocumentContent
from specocr.params import BlockLayout, PageLayout

FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), Path.home() / ".fonts")

#: Font files per style (FACTS section 6: fonts with complete, non-blank Portuguese glyphs).
#: DejaVu comes with Debian's fonts-dejavu-core (and inside matplotlib); Liberation with fonts-liberation;
#: the handwriting faces with fonts-dkg-handwriting, fonts-breip, fonts-dancingscript and PyPI font-intuitive.
FONTS: dict[str, tuple[str, ...]] = {
    "printed": ("DejaVuSans.ttf", "DejaVuSerif.ttf", "DejaVuSansMono.ttf", "LiberationSans-Regular.ttf",
                "LiberationSerif-Regular.ttf", "LiberationMono-Regular.ttf"),
    "handwritten": ("dkg.ttf", "Breip.ttf", "DancingScript-Regular.otf", "Intuitive.ttf"),
}
#: The font style of a category when the content does not name one (the zoo's general-OCR lines).
CATEGORY_STYLE = {"printed": "printed", "legal": "printed", "handwritten": "handwritten"}
#: The font that fixes the reference line metrics at a given ``font_size``.
REFERENCE_FONT = "DejaVuSans.ttf"

INK_COLOURS = ((20, 20, 20), (15, 30, 120), (10, 10, 60), (60, 20, 20))
RULE_COLOUR = (150, 180, 220)


class FontError(RuntimeError):
    """A font that is missing, or that cannot draw every character the documents need."""


@cache
def find_font(name: str) -> Path:
    """The file of a font by file name, from the system font folders or the packages that ship one."""
    candidates = [path for folder in FONT_DIRS if folder.is_dir() for path in folder.rglob(name)]
    try:
        import font_intuitive

        candidates.append(Path(font_intuitive.font_directory) / name)
    except ImportError:
        pass
    import matplotlib

    candidates.append(Path(matplotlib.__file__).parent / "mpl-data" / "fonts" / "ttf" / name)
    for path in candidates:
        if path.is_file():
            return path
    raise FontError(
        f"font {name} not found in {', '.join(map(str, FONT_DIRS))} or the Python packages; install it with "
        "`sudo apt-get install fonts-dejavu-core fonts-liberation fonts-dkg-handwriting fonts-breip "
        "fonts-dancingscript` (or `make setup`)"
    )


def _glyph_bitmap(font: ImageFont.FreeTypeFont, char: str) -> bytes:
    image = Image.new("L", (64, 64), 0)
    ImageDraw.Draw(image).text((8, 8), char, font=font, fill=255)
    return image.tobytes()


def missing_glyphs(path: Path, charset: str | None = None) -> list[str]:
    """Characters the font draws blank or as its 'missing glyph' box (checked by rendering, not by cmap)."""
    if charset is None:
        from specocr.domains import all_characters

        charset = all_characters()
    font = ImageFont.truetype(str(path), 40)
    notdef = _glyph_bitmap(font, "\U000f0000")  # a private-use code point no text font covers
    missing = []
    for char in charset:
        if char == " ":
            continue
        bitmap = _glyph_bitmap(font, char)
        if not any(bitmap) or bitmap == notdef:
            missing.append(char)
    return missing


@cache
def check_fonts(charset: str | None = None) -> dict[str, tuple[Path, ...]]:
    """Every configured font, verified to draw every character of ``charset`` (default: every registered
    domain's characters); raises naming the culprits."""
    if charset is None:
        from specocr.domains import all_characters

        return check_fonts(all_characters())  # cached per charset
    problems: list[str] = []
    resolved: dict[str, tuple[Path, ...]] = {}
    for style, names in FONTS.items():
        resolved[style], unfit = font_files(names, charset)
        problems += unfit
    if problems:
        raise FontError("fonts unfit for the documents' characters:\n  " + "\n  ".join(problems))
    return resolved


def font_files(names: tuple[str, ...], charset: str) -> tuple[tuple[Path, ...], list[str]]:
    """The files of the fonts ``names``, and a line for each that cannot draw every character of ``charset``."""
    paths, problems = [], []
    for name in names:
        path = find_font(name)
        missing = missing_glyphs(path, charset)
        if missing:
            problems.append(f"{name} ({path}) cannot draw {''.join(missing)!r}")
        paths.append(path)
    return tuple(paths), problems


#: Capital and ascender height to the deepest descender (accents may rise into the line gap, as in print).
_LINE_PROBE = "Hdgjpqy"
#: A Portuguese sentence whose rendered length gives a face's average character width.
_WIDTH_PROBE = "Certifico que João da Silva reside à Rua das Flores, 12."


def _ink_height(font: ImageFont.FreeTypeFont) -> int:
    top, bottom = font.getbbox(_LINE_PROBE)[1::2]
    return bottom - top


def _char_width(font: ImageFont.FreeTypeFont) -> float:
    return font.getlength(_WIDTH_PROBE) / len(_WIDTH_PROBE)


@cache
def sized_font(path: Path, font_size: int, line_height: int) -> ImageFont.FreeTypeFont:
    """This face at the size whose average character is as wide as the reference font's at ``font_size``
    (the tiny models read characters of a fixed width), or smaller if its ink would overflow
    ``line_height``. Sizing by the face's own metrics would draw handwriting faces tiny: they declare
    line boxes far taller than their letters."""
    reference = ImageFont.truetype(str(find_font(REFERENCE_FONT)), font_size)
    target_width = _char_width(reference)
    size = 4
    while True:
        bigger = ImageFont.truetype(str(path), size + 1)
        if _char_width(bigger) > target_width or _ink_height(bigger) > line_height:
            return ImageFont.truetype(str(path), size)
        size += 1


def wrap(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Greedy word wrap by rendered width; a word wider than a line is broken by characters."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        current = ""
        for word in paragraph.split():
            candidate = f"{current} {word}" if current else word
            if font.getlength(candidate) <= width:
                current = candidate
                continue
            if current:
                lines.append(current)
            current = ""
            while font.getlength(word) > width:  # break an over-long word
                cut = max(1, max(i for i in range(1, len(word) + 1) if font.getlength(word[:i]) <= width))
                lines.append(word[:cut])
                word = word[cut:]
            current = word
        if current:
            lines.append(current)
    return lines


@dataclass(frozen=True)
class Rendered:
    image: Image.Image
    parts: dict[str, str]  # what was drawn, by structure key, in reading order
    font: str
    jpeg_quality: int | None  # degraded documents are stored as JPEG at this quality, clean ones as PNG

    def encode(self) -> bytes:
        """The image file as stored in the dataset: the JPEG artefacts of a degraded scan come from
        this encoding (done once), a clean document stays lossless PNG."""
        buffer = io.BytesIO()
        if self.jpeg_quality is None:
            self.image.save(buffer, format="PNG")
        else:
            self.image.save(buffer, format="JPEG", quality=self.jpeg_quality)
        return buffer.getvalue()


@dataclass(frozen=True)
class _Line:
    part: str
    text: str
    align: str  # left | center | right


def fit_lines(content: DocumentContent, font: ImageFont.FreeTypeFont, width: float, max_lines: int) -> list[_Line]:
    """``content`` wrapped to ``width`` px in ``font`` and cut to ``max_lines`` lines, in reading order."""
    header = [_Line("header", t, "center") for t in wrap(content.header or "", font, width)]
    footer = [_Line("footer", t, "right") for t in wrap(content.footer or "", font, width)]
    body = [_Line("text", t, "left") for p in content.body for t in wrap(p, font, width)]
    # The body gets priority over the footer, the header over both: a block keeps its title and its first
    # lines of text, like a photographed fragment of a document would.
    header = header[: max(1, max_lines - 1)]
    room = max_lines - len(header)
    body = body[: max(1, room - len(footer))] if room > len(footer) else body[:room]
    room -= len(body)
    footer = footer[:room] if room > 0 else []
    return header + body + footer


def _parts_from(lines: list[_Line], margin: str | None) -> dict[str, str]:
    by_part: dict[str, list[str]] = {}
    for line in lines:
        by_part.setdefault(line.part, []).append(line.text)
    return structured_parts(
        header="\n".join(by_part.get("header", [])),
        margin=margin or "",
        footer="\n".join(by_part.get("footer", [])),
        text="\n".join(by_part.get("text", [])),
    )


def _paper(size: tuple[int, int], strength: float, rng: random.Random) -> Image.Image:
    """Off-white paper with a low-frequency texture whose contrast grows with strength."""
    width, height = size
    tone = 250 - int(rng.uniform(0, 18) * min(strength, 1.5))
    base = np.full((height, width, 3), tone, dtype=np.float32)
    base[..., 2] -= rng.uniform(0, 10) * min(strength, 1.0)  # a slightly yellow sheet
    if strength > 0:
        np_rng = np.random.default_rng(rng.getrandbits(32))
        coarse = np_rng.normal(0, 6 * strength, size=(max(2, height // 24), max(2, width // 24)))
        texture = np.asarray(Image.fromarray(coarse.astype(np.float32), mode="F").resize((width, height), Image.BILINEAR))
        base += texture[..., None]
    return Image.fromarray(np.clip(base, 0, 255).astype(np.uint8), "RGB")


def jpeg_quality(strength: float) -> int | None:
    """JPEG quality of a document's stored file: lower for harder documents, None (PNG) when clean."""
    return None if strength <= 0 else int(92 - 22 * strength)


def degrade(image: Image.Image, strength: float, rng: random.Random, max_rotation: float) -> Image.Image:
    """Rotation, blur, contrast loss, noise and speckle, each scaled by ``strength`` (0-2); the JPEG
    artefacts come when the image is stored (:meth:`Rendered.encode`)."""
    if strength <= 0:
        return image
    background = image.getpixel((0, 0))
    image = image.rotate(rng.uniform(-1, 1) * max_rotation * strength / 2, resample=Image.BICUBIC,
                         fillcolor=background)
    blur = rng.uniform(0, 0.45) * strength
    if blur > 0.15:
        image = image.filter(ImageFilter.GaussianBlur(blur))
    pixels = np.asarray(image, dtype=np.float32)
    contrast = 1 - rng.uniform(0, 0.2) * strength
    pixels = 128 + (pixels - 128) * contrast
    np_rng = np.random.default_rng(rng.getrandbits(32))
    pixels += np_rng.normal(0, 5 * strength, size=pixels.shape[:2])[..., None]
    speckle = np_rng.random(pixels.shape[:2]) < 0.0015 * strength
    pixels[speckle] = np_rng.uniform(40, 120)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")


def _draw_lines(
    draw: ImageDraw.ImageDraw,
    lines: list[_Line],
    font: ImageFont.FreeTypeFont,
    left: int,
    top: int,
    width: int,
    line_height: int,
    ink: tuple[int, int, int],
    jitter: int,
    rng: random.Random,
) -> None:
    ascent, descent = font.getmetrics()
    for row, line in enumerate(lines):
        length = font.getlength(line.text)
        x = {"left": left, "center": left + (width - length) / 2, "right": left + width - length}[line.align]
        x += rng.randint(0, jitter) if line.align == "left" else 0
        y = top + row * line_height + (line_height - ascent - descent) // 2 + rng.randint(-jitter, jitter) // 2
        draw.text((x, y), line.text, font=font, fill=ink)


def render_document(
    content: DocumentContent,
    layout: str,
    block: BlockLayout,
    page: PageLayout,
    strength: float,
    seed: int,
    font: str | None = None,
) -> Rendered:
    """Draw ``content`` in a font of its category's style (or the font file named ``font``), degrade it,
    and return what was drawn."""
    rng = random.Random(seed)
    style = content.style or CATEGORY_STYLE[content.category]
    font_path = rng.choice(check_fonts()[style])
    if font is not None:
        font_path = find_font(font)
    handwritten = style == "handwritten"
    ink = rng.choice(INK_COLOURS) if handwritten else INK_COLOURS[0]

    if layout == "block":
        font = sized_font(font_path, block.font_size, block.line_height)
        text_width = block.width - 2 * block.side_padding
        lines = fit_lines(content, font, text_width, block.max_lines)
        # No top or bottom margin: a 16 px line is then two whole patch rows (the tiny models read best so).
        size = (block.width, len(lines) * block.line_height)
        image = _paper(size, strength, rng)
        draw = ImageDraw.Draw(image)
        if handwritten and rng.random() < 0.5:
            for row in range(1, len(lines) + 1):
                y = row * block.line_height - 1
                draw.line([(0, y), (size[0], y)], fill=RULE_COLOUR, width=1)
        _draw_lines(draw, lines, font, block.side_padding, 0, text_width, block.line_height, ink,
                    jitter=1 if handwritten else 0, rng=rng)
        image = degrade(image, strength, rng, max_rotation=0.6)
        return Rendered(image, _parts_from(lines, None), font_path.name, jpeg_quality(strength))

    if layout != "page":
        raise ValueError(f"unknown layout {layout!r}: expected 'block' or 'page'")
    line_height = round(page.font_size * 1.45)
    font = sized_font(font_path, page.font_size, line_height)
    text_width = page.width - 2 * page.margin
    max_lines = (page.height - 2 * page.margin) // line_height
    lines = fit_lines(content, font, text_width, max_lines)
    image = _paper((page.width, page.height), strength, rng)
    draw = ImageDraw.Draw(image)
    if handwritten and rng.random() < 0.6:
        for row in range(1, max_lines + 1):
            y = page.margin + row * line_height - 4
            draw.line([(page.margin // 2, y), (page.width - page.margin // 2, y)], fill=RULE_COLOUR, width=2)
    _draw_lines(draw, lines, font, page.margin, page.margin, text_width, line_height, ink,
                jitter=4 if handwritten else 0, rng=rng)
    margin = content.margin
    if margin:
        small = sized_font(font_path, max(10, page.font_size * 2 // 3), line_height)
        margin = wrap(margin, small, page.height - 2 * page.margin)[0]  # one vertical line at most
        strip = Image.new("RGBA", (int(small.getlength(margin)) + 4, sum(small.getmetrics()) + 4), (0, 0, 0, 0))
        ImageDraw.Draw(strip).text((2, 2), margin, font=small, fill=(*ink, 255))
        strip = strip.rotate(90, expand=True)
        image.paste(strip, ((page.margin - strip.width) // 2, page.height - page.margin - strip.height), strip)
    image = degrade(image, strength, rng, max_rotation=1.5)
    return Rendered(image, _parts_from(lines, margin), font_path.name, jpeg_quality(strength))
