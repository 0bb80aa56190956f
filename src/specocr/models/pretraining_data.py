"""What the zoo's foundation models learn from, before they ever see a Portuguese document.

* **Level 1, generalist** (the analogue of an instruct VLM): questions about rendered scenes (shapes,
  colours, counts, positions), reading a short word or two, and clean short lines of English words and
  numbers in a monospace face (where it first learns which image column each character is in).
* **Level 2, general-OCR specialist** (the analogue of Nanonets-OCR2 / olmOCR): transcribing printed and
  handwriting-style lines and small blocks of English, French, Spanish, German and Italian text (Faker's
  real words, names, addresses, numbers), rendered in the benchmark's geometry and fonts with mild
  degradation. Never the Portuguese templates of the benchmark: that is the domain step, done by SFT.

Each example is drawn from its own seed, so a training run resumed at step ``k`` sees exactly the examples
an uninterrupted run would have seen.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass
from functools import cache

from faker import Faker
from faker.providers.lorem.en_US import Provider as EnglishLorem
from PIL import Image, ImageDraw, ImageFont

from specocr.data.render import find_font, render_document
from specocr.data.schema import to_plain_text
from specocr.data.synthetic import DocumentContent, document_seed, to_charset
from specocr.params import BlockLayout, PageLayout

OCR_PROMPT = "Read the text."  # short: with one token per character, every prompt character costs compute
LOCALES = ("en_US", "fr_FR", "es_ES", "de_DE", "it_IT")
COLOURS = {"red": (200, 40, 40), "green": (40, 150, 60), "blue": (40, 70, 200), "yellow": (220, 190, 30),
           "black": (20, 20, 20), "orange": (235, 130, 30), "purple": (130, 50, 160)}
SHAPES = ("circle", "square", "triangle")
NUMBER_WORDS = ("zero", "one", "two", "three", "four")
ENGLISH_WORDS = EnglishLorem.word_list  # about 1,000 common English words
SHORT_WORDS = ("OPEN", "EXIT", "STOP", "SALE", "cat", "tree", "house", "book", "rain", "milk", "door", "sun", "bus",
               "map", "red", "blue", "north", "left", "Paris", "Lima", "Rome", "Berlin", "44", "2025", "Hello")


@dataclass(frozen=True)
class Example:
    """One training example: an image, the user's question, and the answer to learn."""

    image: Image.Image
    prompt: str
    answer: str

    def as_prompt_completion(self) -> dict:
        """The conversational prompt-completion format trl's vision collator and trainers take."""
        return {
            "images": [self.image],
            "prompt": [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": self.prompt}]}],
            "completion": [{"role": "assistant", "content": [{"type": "text", "text": self.answer}]}],
        }


# --- level 1: scenes ---------------------------------------------------------------------------------


def _draw_shape(draw: ImageDraw.ImageDraw, shape: str, box: tuple[int, int, int, int], colour: tuple[int, int, int]) -> None:
    left, top, right, bottom = box
    if shape == "circle":
        draw.ellipse(box, fill=colour)
    elif shape == "square":
        draw.rectangle(box, fill=colour)
    else:
        draw.polygon([((left + right) // 2, top), (right, bottom), (left, bottom)], fill=colour)


def scene_example(seed: int, width: int = 320, height: int = 32) -> Example:
    """Shapes in a 4 x 2 grid of cells, and one question about them (or a short word to read)."""
    rng = random.Random(seed)
    image = Image.new("RGB", (width, height), tuple(rng.randint(225, 255) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    cell_w, cell_h = width // 4, height // 2
    cells = rng.sample([(c, r) for c in range(4) for r in range(2)], rng.randint(1, 4))
    objects = []
    for column, row in cells:
        size = rng.randint(cell_h // 2, cell_h - 3)
        x = column * cell_w + rng.randint(2, cell_w - size - 2)
        y = row * cell_h + rng.randint(1, cell_h - size - 1)
        shape, colour = rng.choice(SHAPES), rng.choice(sorted(COLOURS))
        _draw_shape(draw, shape, (x, y, x + size, y + size), COLOURS[colour])
        objects.append((column, row, shape, colour))
    objects.sort()

    task = rng.choice(("describe", "count", "colour", "position", "read"))
    if task == "read":
        word = rng.choice(SHORT_WORDS)
        font = ImageFont.truetype(str(find_font("DejaVuSans.ttf")), 13)
        length = int(font.getlength(word))
        x, y = rng.randint(2, width - length - 2), rng.choice((0, height - 16))
        draw.rectangle((x - 2, y, x + length + 2, y + 15), fill=(255, 255, 255))
        draw.text((x, y), word, font=font, fill=(0, 0, 0))
        return Example(image, "What does the text say?", word)
    if task == "describe":
        described = (f"{'an' if colour[0] in 'aeiou' else 'a'} {colour} {shape}" for _, _, shape, colour in objects)
        return Example(image, "Describe the image.", ", ".join(described))
    if task == "count":
        return Example(image, "How many shapes are there?", NUMBER_WORDS[len(objects)])
    column, row, shape, colour = rng.choice(objects)
    if task == "colour":
        same_shape = [o for o in objects if o[2] == shape]
        if len(same_shape) == 1:
            return Example(image, f"What colour is the {shape}?", colour)
        return Example(image, "How many shapes are there?", NUMBER_WORDS[len(objects)])
    where = f"{('top', 'bottom')[row]} {('far left', 'left', 'right', 'far right')[column]}"
    return Example(image, f"Where is the {colour} {shape}?", where)


# --- level 2: general OCR ----------------------------------------------------------------------------


def _general_line(fake: Faker, rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.45:
        return fake.sentence(nb_words=rng.randint(2, 8))
    if kind < 0.6:
        return fake.name()
    if kind < 0.72:
        return f"{fake.street_address()}, {fake.city()}"
    if kind < 0.8:
        return f"{fake.company()} {fake.phone_number()}"
    if kind < 0.9:
        return f"{fake.date()} {rng.randint(1, 9999)} {rng.choice(('kg', 'km', 'EUR', 'USD', '%', 'm2'))}"
    # pseudo-words: letters the language model cannot guess, so they must be read
    letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    return " ".join("".join(rng.choice(letters) for _ in range(rng.randint(2, 9))) for _ in range(rng.randint(1, 4)))


def ocr_example(seed: int, block: BlockLayout, page: PageLayout, fakers: dict[str, Faker], lines: int,
                category: str | None = None) -> Example:
    """A block of ``lines`` general Latin-script lines (fewer if the text is short), printed (70%) or
    handwritten (30%) unless ``category`` says which, degradation strength in [0, 1]; the answer is exactly
    the text drawn."""
    rng = random.Random(seed)
    fake = fakers[rng.choice(LOCALES)]
    fake.seed_instance(seed)
    text = [to_charset(_general_line(fake, rng), general_charset()) for _ in range(lines)]
    drawn_category = "handwritten" if rng.random() < 0.3 else "printed"
    category = category or drawn_category  # drawn either way, so the rest of the example does not shift
    content = DocumentContent(category, "general", None, ["\n".join(text)])
    layout = block.model_copy(update={"max_lines": lines})
    rendered = render_document(content, "block", layout, page, strength=round(rng.uniform(0, 1), 2), seed=seed)
    return Example(rendered.image, OCR_PROMPT, to_plain_text(rendered.parts))


def _truncate_words(text: str, max_chars: int) -> str:
    """The longest run of whole words from the start of ``text`` that fits ``max_chars`` (cut mid-word only
    when the first word alone is longer)."""
    words, kept = text.split(), ""
    for word in words:
        candidate = f"{kept} {word}" if kept else word
        if len(candidate) > max_chars:
            break
        kept = candidate
    return kept or text[:max_chars]


def short_ocr_example(seed: int, block: BlockLayout, page: PageLayout, fakers: dict[str, Faker],
                      max_chars: int) -> Example:
    """One short line of general text (3 to ``max_chars`` characters, cut at a word boundary) in one of the
    benchmark's faces, printed (75%) or handwritten, lightly degraded (strength up to 0.3). Between the
    bootstrap's monospace words and full-width degraded lines: a tiny model learns a proportional face on
    short lines much sooner than on 40-character ones (bench/transfer_curve.py)."""
    rng = random.Random(seed)
    fake = fakers[rng.choice(LOCALES)]
    fake.seed_instance(seed)
    length = rng.randint(3, max_chars)
    text = _truncate_words(to_charset(_general_line(fake, rng), general_charset()), length)
    category = "handwritten" if rng.random() < 0.25 else "printed"
    content = DocumentContent(category, "general", None, [text])
    layout = block.model_copy(update={"max_lines": 1})
    rendered = render_document(content, "block", layout, page, strength=round(rng.uniform(0, 0.3), 2), seed=seed)
    return Example(rendered.image, OCR_PROMPT, to_plain_text(rendered.parts))


def _easy_text(rng: random.Random, max_chars: int = 12) -> str:
    """A few common English words, pseudo-words and numbers (the feasibility study's level-0 content). Text
    a language model can half-predict gives the first gradients a foothold that random characters do not:
    with random characters the loss sat at the unigram entropy for hundreds of steps."""
    pieces: list[str] = []
    while True:
        kind = rng.random()
        if kind < 0.6:
            piece = rng.choice(ENGLISH_WORDS)
        elif kind < 0.8:
            piece = "".join(rng.choice(string.ascii_letters) for _ in range(rng.randint(2, 6)))
        else:
            piece = str(rng.randint(0, 9999))
        if rng.random() < 0.15:
            piece += rng.choice(".,:;-/")
        if len(" ".join([*pieces, piece])) > max_chars:
            return " ".join(pieces) or piece[:max_chars]
        pieces.append(piece)
        if rng.random() < 0.3:
            return " ".join(pieces)


def easy_ocr_example(seed: int, block: BlockLayout, page: PageLayout, font_px: int | None = None) -> Example:
    """A bootstrap example: one clean line of at most 12 characters in DejaVu Sans Mono. From random
    weights, text-to-column alignment is found on these first (the feasibility study's level 0).

    ``font_px`` None sizes the face like the benchmark's text (``data.block.font_size``); 13 gives 8 px per
    character, exactly one 8 px vision patch each, so that character ``i`` of the answer sits in patch
    column ``i``: the study bootstrapped on that; with ~6 px characters (the benchmark's former font size 13)
    the loss of these lines stayed at the language-model level for 500 steps (lines of up to 36 characters
    were slower still)."""
    rng = random.Random(seed)
    if font_px is None:
        text = _easy_text(rng)
        content = DocumentContent("printed", "easy", None, [text])
        layout = block.model_copy(update={"max_lines": 1})
        rendered = render_document(content, "block", layout, page, strength=0.0, seed=seed, font="DejaVuSansMono.ttf")
        return Example(rendered.image, OCR_PROMPT, to_plain_text(rendered.parts))
    font = ImageFont.truetype(str(find_font("DejaVuSansMono.ttf")), font_px)
    text = _easy_text(rng)
    image = Image.new("RGB", (block.width, block.line_height), (255, 255, 255))
    ascent, descent = font.getmetrics()
    ImageDraw.Draw(image).text((block.side_padding, (block.line_height - ascent - descent) // 2), text, font=font,
                               fill=(0, 0, 0))
    return Example(image, OCR_PROMPT, text)


@cache
def general_charset() -> frozenset[str]:
    """The characters of the general-OCR lines: the shipped domains' (fonts are checked for them). Fixed, so
    that a domain a user registers does not change the zoo's pretraining data."""
    from specocr.domains import get_domain

    return frozenset(get_domain("pt_br").charset + get_domain("es").charset)


def make_fakers() -> dict[str, Faker]:
    return {locale: Faker(locale) for locale in LOCALES}


#: How many lines an OCR batch has, for ``max_lines`` 1, 2, 3: mostly single lines (cheap, and where
#: reading is learnt), some blocks (where line order and line breaks are learnt).
LINE_COUNT_WEIGHTS = (0.6, 0.25, 0.15)


def bootstrap_share(step: int, hold_steps: int, fade_steps: int) -> float:
    """The chance that batch ``step`` is a bootstrap batch of easy lines: 1 during the hold, then a linear fade."""
    if step < hold_steps:
        return 1.0
    return max(0.0, 1 - (step - hold_steps) / fade_steps) if fade_steps else 0.0


def level_batch(level: int, seed: int, step: int, batch_size: int, block: BlockLayout, page: PageLayout,
                fakers: dict[str, Faker], ocr_share: float, max_lines: int, easy_share: float = 0.0,
                bootstrap_steps: int = 0, easy_font_px: int | None = None,
                bootstrap_hold_steps: int = 0, short_share: float = 0.0, short_max_chars: int = 24) -> list[Example]:
    """Batch ``step`` of a level's stream. One kind per batch (scenes, easy lines, or OCR blocks of one line
    count) so that no short example is padded to the length of a long one: with one token per character
    and pixel, padding is most of the compute. Level 1 has some OCR (``ocr_share``), as an instruct model
    has seen some text; level 2 is OCR with some level-1 scenes kept in. An ``easy_share`` of the OCR
    batches are clean, short monospace lines (:func:`easy_ocr_example`); the first ``bootstrap_hold_steps``
    steps are nothing else, and over the next ``bootstrap_steps`` steps their share fades linearly into the mix. From random weights
    (or a generalist that has read little) a tiny model finds the text-to-column alignment on such lines and
    not on full-difficulty text (shared/research/tiny-vlm-feasibility.md); a fade avoids the loss jump of a
    hard curriculum switch. A ``short_share`` of the other OCR batches are short lines in the benchmark's
    faces (:func:`short_ocr_example`)."""
    rng = random.Random(document_seed(seed, f"level{level}/batch", step))
    indices = [document_seed(seed, f"level{level}", step * batch_size + i) for i in range(batch_size)]
    bootstrap_chance = bootstrap_share(step, bootstrap_hold_steps, bootstrap_steps)
    if rng.random() < bootstrap_chance:
        return [easy_ocr_example(index, block, page, easy_font_px) for index in indices]
    if rng.random() >= ocr_share:
        return [scene_example(index, width=block.width) for index in indices]
    if rng.random() < easy_share:
        return [easy_ocr_example(index, block, page, easy_font_px) for index in indices]
    if short_share and rng.random() < short_share:  # no draw when 0: level 1's stream stays as it was
        return [short_ocr_example(index, block, page, fakers, short_max_chars) for index in indices]
    weights = LINE_COUNT_WEIGHTS[:max_lines]
    lines = rng.choices(range(1, len(weights) + 1), weights=weights)[0]
    return [ocr_example(index, block, page, fakers, lines) for index in indices]
