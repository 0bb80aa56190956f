"""What the zoo's foundation models learn from, before they ever see a Portuguese document.

Named kinds of example (:data:`EXAMPLE_KINDS`), which the curricula of ``zoo.level1`` and ``zoo.level2``
in params order into phases (:mod:`specocr.models.pretraining`), easiest first:

* reading, from random weights: ``easy`` clean monospace lines of <= 12 characters at one character per
  8 px vision patch, ``clean24`` the same up to 24 characters, ``mono`` general text of <= 36 characters in
  monospace at 12-14 px, shifted and grey (the feasibility study's levels 0-2);
* ``scenes``: questions about rendered shapes, colours, counts and positions, or a short word to read
  (the generalist's broad tasks, as an instruct VLM has seen); ``shapes``: one shape, its colour or its
  shape to name (a first step to looking at the scenes; experiments/README.md, "Level 1's scene phase");
  ``places``: where one of one or two shapes is, in the scenes' words (a first step to their positions);
* general OCR (the analogue of Nanonets-OCR2 / olmOCR): ``printed`` lines of <= 36 characters in the
  benchmark's printed faces, ``short`` lines of <= 24 characters printed or handwriting-style, ``lines``
  full single lines and ``blocks`` of 3 lines, printed or handwriting-style, degradation up to strength 1;
  ``documents`` of 1 to ``max_lines`` lines, asked with either prompt (plain text or the benchmark's JSON),
  ``handwritten_documents``, the same in handwriting faces only, and ``varied_documents``, half handwriting,
  whose lines add form fields, numeric dates, amounts, capitals and every accented letter, and
  ``styled_documents``, whose lines add leaders, identifiers, list items and fields side by side, drawn in
  varied styles (:mod:`specocr.data.styles`: many faces, widths, placements, inks and papers);
  English, French, Spanish, German and Italian text (Faker's words, names, addresses, numbers). Never the
  Portuguese templates of the benchmark: that is the domain step, done by SFT.

Each example is drawn from its own seed, so a training run resumed at step ``k`` sees exactly the examples
an uninterrupted run would have seen.
"""

from __future__ import annotations

import random
import string
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from faker import Faker
from faker.providers.lorem.en_US import Provider as EnglishLorem
from PIL import Image, ImageDraw, ImageFont

from specocr.data.render import find_font, render_document
from specocr.data.styles import render_styled
from specocr.data.schema import STRUCTURED_OCR_PROMPT, to_assistant, to_plain_text
from specocr.data.synthetic import REFERENCE_TIME, DocumentContent, document_seed, to_charset
from specocr.params import BlockLayout, PageLayout

OCR_PROMPT = "Read the text."  # short: with one token per character, every prompt character costs compute
LOCALES = ("en_US", "fr_FR", "es_ES", "de_DE", "it_IT")
VARIED_LOCALES = (*LOCALES, "pt_PT", "nl_NL", "pl_PL")  # the varied lines add Portugal's, Dutch and Polish
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


def shape_example(seed: int, width: int = 320, height: int = 32) -> Example:
    """One shape of 10-28 px anywhere on the paper, and its colour or its shape to name: where a level-1
    base learns to look at what is not text. From the weights that read monospace, 300 steps of these
    alone bring held-out answers from 0.08 to 0.66 exact, where 600 steps of the full scenes left them at
    what the question alone gives (experiments/README.md, "Level 1's scene phase")."""
    rng = random.Random(seed)
    image = Image.new("RGB", (width, height), tuple(rng.randint(225, 255) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    size = rng.randint(10, 28)
    x, y = rng.randint(2, width - size - 2), rng.randint(1, height - size - 1)
    shape, colour = rng.choice(SHAPES), rng.choice(sorted(COLOURS))
    _draw_shape(draw, shape, (x, y, x + size, y + size), COLOURS[colour])
    if rng.random() < 0.5:
        return Example(image, "What colour is the shape?", colour)
    return Example(image, "What shape is it?", shape)


def _grid_scene(rng: random.Random, width: int, height: int, most: int,
                distinct: bool = False) -> tuple[Image.Image, list[tuple[int, int, str, str]]]:
    """One to ``most`` shapes, each in its own cell of a 4 x 2 grid: the image and (column, row, shape, colour)
    of each, left to right. ``distinct``: no two shapes share both colour and shape."""
    # The draws keep the order scene_example had before this helper (paper colour, then how many shapes):
    # the shipped generalists were trained on those scenes, and their cards' held-out scenes are these.
    image = Image.new("RGB", (width, height), tuple(rng.randint(225, 255) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    cell_w, cell_h = width // 4, height // 2
    cells = rng.sample([(c, r) for c in range(4) for r in range(2)], rng.randint(1, most))
    objects: list[tuple[int, int, str, str]] = []
    for column, row in cells:
        size = rng.randint(cell_h // 2, cell_h - 3)
        x = column * cell_w + rng.randint(2, cell_w - size - 2)
        y = row * cell_h + rng.randint(1, cell_h - size - 1)
        shape, colour = rng.choice(SHAPES), rng.choice(sorted(COLOURS))
        while distinct and any((shape, colour) == (o[2], o[3]) for o in objects):
            shape, colour = rng.choice(SHAPES), rng.choice(sorted(COLOURS))
        _draw_shape(draw, shape, (x, y, x + size, y + size), COLOURS[colour])
        objects.append((column, row, shape, colour))
    objects.sort()
    return image, objects


def _where(column: int, row: int) -> str:
    """A grid cell in the scenes' words: "top far left" ... "bottom far right"."""
    return f"{('top', 'bottom')[row]} {('far left', 'left', 'right', 'far right')[column]}"


def place_example(seed: int, width: int = 320, height: int = 32) -> Example:
    """One or two shapes in the scenes' grid, and where one of them is, asked as the scenes ask it: the
    scenes' position question with at most one shape to tell from the one asked about (a first step to
    saying where, which a level-1 base did not learn from the full scenes; experiments/README.md)."""
    rng = random.Random(seed)
    image, objects = _grid_scene(rng, width, height, 2, distinct=True)
    column, row, shape, colour = rng.choice(objects)
    return Example(image, f"Where is the {colour} {shape}?", _where(column, row))


def scene_example(seed: int, width: int = 320, height: int = 32) -> Example:
    """Shapes in a 4 x 2 grid of cells, and one question about them (or a short word to read)."""
    rng = random.Random(seed)
    image, objects = _grid_scene(rng, width, height, 4)
    draw = ImageDraw.Draw(image)

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
    return Example(image, f"Where is the {colour} {shape}?", _where(column, row))


#: What a scene question asks, by the first words of its prompt (:func:`scene_example`'s five tasks).
SCENE_TASKS = {"Describe": "describe", "How many": "count", "What colour": "colour", "Where": "position",
               "What does": "read"}


def scene_task(prompt: str) -> str:
    """The task of a scene question: describe, count, colour, position or read."""
    for start, task in SCENE_TASKS.items():
        if prompt.startswith(start):
            return task
    raise ValueError(f"not a scene question: {prompt!r}")


def question_only_answers(questions: list[str], seed: int, count: int = 4096, width: int = 320) -> list[str]:
    """The answer a model blind to the image does best with: for each question, its most common answer
    among ``count`` scenes drawn like the training ones (ties broken by the answer's text). A base whose
    exact-answer accuracy is near that of these answers has learnt the questions, not to look."""
    answers: dict[str, Counter] = {}
    for index in range(count):
        example = scene_example(document_seed(seed, "question-only", index), width=width)
        answers.setdefault(example.prompt, Counter())[example.answer] += 1
    # most common first, ties by text; a question never drawn gets an empty answer
    best = {question: min(counts, key=lambda answer: (-counts[answer], answer)) for question, counts in answers.items()}
    return [best.get(question, "") for question in questions]


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
        return f"{fake.date(end_datetime=REFERENCE_TIME)} {rng.randint(1, 9999)} {rng.choice(('kg', 'km', 'EUR', 'USD', '%', 'm2'))}"
    # pseudo-words: letters the language model cannot guess, so they must be read
    letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    return " ".join("".join(rng.choice(letters) for _ in range(rng.randint(2, 9))) for _ in range(rng.randint(1, 4)))


#: Numeric dates as offices write them across the Latin-script world.
DATE_FORMATS = ("%d/%m/%Y", "%d.%m.%Y", "%Y-%m-%d", "%d/%m/%y", "%d-%m-%Y", "%m/%d/%Y")
CURRENCIES = ("EUR", "USD", "GBP", "CHF", "BRL", "€", "$", "£", "R$")


def _amount(rng: random.Random) -> str:
    """A money amount with either decimal convention ("1.234,56" or "1,234.56") and a currency."""
    value = f"{rng.randint(0, 99999):,}"
    cents = f"{rng.randint(0, 99):02d}"
    number = f"{value.replace(',', '.')},{cents}" if rng.random() < 0.5 else f"{value}.{cents}"
    currency = rng.choice(CURRENCIES)
    return f"{currency} {number}" if rng.random() < 0.5 else f"{number} {currency}"


def _varied_line(fake: Faker, rng: random.Random) -> str:
    """A general line with the variety of real documents that :func:`_general_line` lacks: form fields
    ("Label: value"), dates in several numeric formats, amounts, titles in capitals, and pseudo-words over
    every letter of the general charset (accented capitals included), so that no character is read from
    what a language model expects."""
    kind = rng.random()
    if kind < 0.25:
        line = _general_line(fake, rng)
    elif kind < 0.45:
        value = rng.choice((fake.name, fake.city, fake.job, fake.company, fake.street_address, fake.phone_number))()
        line = f"{fake.word().capitalize()}: {value}"
    elif kind < 0.6:
        day = fake.date_time(end_datetime=REFERENCE_TIME)
        line = " ".join(rng.sample([day.strftime(rng.choice(DATE_FORMATS)), _amount(rng), fake.word(),
                                    str(rng.randint(1, 99999)), day.strftime("%H:%M")], rng.randint(2, 4)))
    elif kind < 0.75:
        line = fake.sentence(nb_words=rng.randint(3, 9))
    else:
        charset = sorted(char for char in general_charset() if not char.isspace())
        pools = ([c for c in charset if c.isalpha()], [c for c in charset if c.isdigit()],
                 [c for c in charset if not c.isalnum()])

        def draw() -> str:  # mostly letters (accented ones as often as plain), some digits and signs
            return rng.choice(pools[rng.choices((0, 1, 2), weights=(0.8, 0.12, 0.08))[0]])

        line = " ".join("".join(draw() for _ in range(rng.randint(1, 8))) for _ in range(rng.randint(1, 5)))
    return line.upper() if rng.random() < 0.2 else line



def _code(rng: random.Random) -> str:
    """An identifier as offices print them: registration numbers, postcodes, phones, case numbers."""
    digits = lambda n: "".join(rng.choice(string.digits) for _ in range(n))  # noqa: E731
    return rng.choice((
        f"{digits(3)}.{digits(3)}.{digits(3)}-{digits(2)}", f"{digits(2)}.{digits(3)}.{digits(3)}/{digits(4)}-{digits(2)}",
        f"{digits(5)}-{digits(3)}", f"({digits(2)}) {digits(4 + rng.randint(0, 1))}-{digits(4)}",
        f"{digits(7)}-{digits(2)}.{digits(4)}.{digits(1)}.{digits(2)}.{digits(4)}", f"{digits(4)}/{digits(6)}",
        f"{rng.choice(string.ascii_uppercase)}{rng.choice(string.ascii_uppercase)}-{digits(4)}",
        f"{digits(2)}/{digits(2)}/{digits(4)}", f"+{digits(2)} {digits(3)} {digits(3)} {digits(3)}",
    ))


LABEL_MARKS = ("Nº", "nº", "N.º", "Art.", "§", "Cláusula", "Item", "Ref.", "Doc.", "Proc.", "Fl.", "Reg.")
LIST_MARKS = ("1.", "2)", "a)", "b)", "-", "*", "I -", "II -", "III.", "(1)", "(c)", "1º", "2ª")


def _diverse_line(fake: Faker, rng: random.Random) -> str:
    """A line with the shapes of real paperwork beyond :func:`_varied_line`'s: dotted leaders to a value,
    identifiers (registration numbers, postcodes, phones, case numbers), numbered and lettered list items,
    ordinals and section marks, several fields on one line, e-mails and web addresses, headings in capitals."""
    kind = rng.random()
    if kind < 0.35:
        return _varied_line(fake, rng)
    if kind < 0.45:
        label = rng.choice((fake.word().capitalize(), fake.word().capitalize() + " " + fake.word()))
        value = rng.choice((_amount(rng), str(rng.randint(1, 999)), fake.date(end_datetime=REFERENCE_TIME)))
        return f"{label} {'.' * rng.randint(2, 12)} {value}"
    if kind < 0.55:
        return f"{rng.choice((fake.word().capitalize(), rng.choice(LABEL_MARKS)))}{rng.choice((': ', ' '))}{_code(rng)}"
    if kind < 0.67:
        return f"{rng.choice(LIST_MARKS)} {fake.sentence(nb_words=rng.randint(2, 7)).rstrip('.')}{rng.choice(('', ';', '.', ':'))}"
    if kind < 0.77:
        fields = [f"{fake.word().capitalize()}: {rng.choice((str(rng.randint(0, 9999)), _amount(rng), fake.last_name(), _code(rng)))}"
                  for _ in range(rng.randint(2, 3))]
        return rng.choice((" | ", " - ", "  ", "; ")).join(fields)
    if kind < 0.85:
        pieces = [f"{rng.randint(1, 99)}{rng.choice(('º', 'ª', '%', 'h', 'h30', ' kg', ' m2'))}",
                  f"{rng.choice(LABEL_MARKS)} {rng.randint(1, 400)}{rng.choice(('', 'º', '-A'))}", fake.word(),
                  f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}", fake.word()]
        rng.shuffle(pieces)
        return " ".join(pieces[:rng.randint(2, 5)])
    if kind < 0.92:
        return rng.choice((fake.email(), fake.url(), f"{fake.word()}@{fake.domain_name()}", fake.user_name()))
    return fake.sentence(nb_words=rng.randint(2, 6)).rstrip(".").upper()


def styled_document_example(seed: int, block: BlockLayout, page: PageLayout, fakers: dict[str, Faker],
                            held_out: bool = False) -> Example:
    """A document of 1 to ``block.max_lines`` lines (:func:`_diverse_line`, in :data:`VARIED_LOCALES`), half
    the time with a heading and a closing line, printed or (40%) handwriting-style, drawn in a style from
    :func:`specocr.data.styles.render_styled` (many faces, widths, placements, inks, papers; degradation up
    to strength 1.3), asked with either prompt. ``held_out``: in faces no training example uses."""
    rng, lines, structured = _document_draws(seed, block)
    fake = fakers[rng.choice(VARIED_LOCALES)]
    fake.seed_instance(seed)
    charset = general_charset()
    text = [to_charset(_diverse_line(fake, rng), charset) for _ in range(lines)]
    header = footer = None
    if lines >= 3 and rng.random() < 0.5:
        header = text.pop(0)
        if rng.random() < 0.5:
            header = header.upper()
        if rng.random() < 0.5:
            footer = text.pop()
    style = "handwritten" if rng.random() < 0.4 else "printed"
    styled = render_styled(header, text, footer, style, strength=round(rng.uniform(0, 1.3), 2), seed=seed,
                           charset="".join(sorted(charset)), width=block.width, line_height=block.line_height,
                           held_out=held_out)
    if structured:
        return Example(styled.image, STRUCTURED_OCR_PROMPT, to_assistant(styled.parts))
    return Example(styled.image, OCR_PROMPT, to_plain_text(styled.parts))


def ocr_example(seed: int, block: BlockLayout, page: PageLayout, fakers: dict[str, Faker], lines: int,
                category: str | None = None, structured: bool = False, varied: bool = False) -> Example:
    """A block of ``lines`` general Latin-script lines (fewer if the text is short), printed (70%) or
    handwritten (30%) unless ``category`` says which, degradation strength in [0, 1]; the answer is exactly
    the text drawn. ``structured``: asked with the pipeline's structured-OCR prompt, answered with the JSON
    the benchmark's ground truth has (``{"text": ...}``, the general text having no header or footer).
    ``varied``: lines of :func:`_varied_line`, in :data:`VARIED_LOCALES`."""
    rng = random.Random(seed)
    fake = fakers[rng.choice(VARIED_LOCALES if varied else LOCALES)]
    fake.seed_instance(seed)
    line = _varied_line if varied else _general_line
    text = [to_charset(line(fake, rng), general_charset()) for _ in range(lines)]
    drawn_category = "handwritten" if rng.random() < 0.3 else "printed"
    category = category or drawn_category  # drawn either way, so the rest of the example does not shift
    content = DocumentContent(category, "general", None, ["\n".join(text)])
    layout = block.model_copy(update={"max_lines": lines})
    rendered = render_document(content, "block", layout, page, strength=round(rng.uniform(0, 1), 2), seed=seed)
    if structured:
        return Example(rendered.image, STRUCTURED_OCR_PROMPT, to_assistant(rendered.parts))
    return Example(rendered.image, OCR_PROMPT, to_plain_text(rendered.parts))


def _document_draws(seed: int, block: BlockLayout) -> tuple[random.Random, int, bool]:
    """A document kind's own draws (its generator, line count 1..``block.max_lines``, which prompt), apart
    from ``ocr_example``'s, which are the document's."""
    rng = random.Random(seed * 7919 + 17)
    return rng, rng.randint(1, block.max_lines), rng.random() < 0.5


def document_example(seed: int, block: BlockLayout, page: PageLayout, fakers: dict[str, Faker]) -> Example:
    """A general document of 1 to ``block.max_lines`` lines (uniform), printed or handwriting-style, asked
    with "Read the text." (plain answer) or, half the time, with the pipeline's structured-OCR prompt (JSON
    answer): level 2's whole-document reading, in the benchmark's geometry and JSON schema, never its
    Portuguese templates."""
    _, lines, structured = _document_draws(seed, block)
    return ocr_example(seed, block, page, fakers, lines, structured=structured)


def handwritten_document_example(seed: int, block: BlockLayout, page: PageLayout, fakers: dict[str, Faker]) -> Example:
    """:func:`document_example`, always handwriting-style: a phase that drills the faces whose glyphs are
    narrower than a vision patch."""
    _, lines, structured = _document_draws(seed, block)
    return ocr_example(seed, block, page, fakers, lines, category="handwritten", structured=structured)


def varied_document_example(seed: int, block: BlockLayout, page: PageLayout, fakers: dict[str, Faker]) -> Example:
    """A document of 1 to ``block.max_lines`` varied lines (:func:`_varied_line`), handwriting-style half the
    time, asked with either prompt: the variety of real documents (forms, dates, amounts, capitals, every
    accented letter) in the benchmark's geometry, never its templates."""
    rng, lines, structured = _document_draws(seed, block)
    category = "handwritten" if rng.random() < 0.5 else "printed"
    return ocr_example(seed, block, page, fakers, lines, category=category, structured=structured, varied=True)


def long_document_example(seed: int, block: BlockLayout, page: PageLayout, fakers: dict[str, Faker]) -> Example:
    """A document that fills the block: paragraphs of :func:`_diverse_line` text wrapped to the width and cut
    at ``block.max_lines`` lines, half the time with a heading and a closing line, drawn by the pipeline's
    renderer or (half the time) in a style of :func:`specocr.data.styles.render_styled`, printed or (40%)
    handwriting-style, asked with either prompt. The other document kinds draw 1 to ``max_lines`` short lines
    (~90 characters a document); the domain's documents fill their blocks (150-180): reading the end of a
    long band strip is a skill of its own (experiments/README.md, "Long documents")."""
    rng = random.Random(seed * 7919 + 29)
    fake = fakers[rng.choice(VARIED_LOCALES)]
    fake.seed_instance(seed)
    charset = general_charset()

    def paragraph() -> str:
        return " ".join(to_charset(_diverse_line(fake, rng), charset) for _ in range(rng.randint(1, 3)))

    body: list[str] = []
    while sum(len(text) for text in body) < 50 * block.max_lines:  # more than the block holds: it is cut
        body.append(paragraph())
    header = footer = None
    if rng.random() < 0.5:
        header = to_charset(_diverse_line(fake, rng), charset)
        header = header.upper() if rng.random() < 0.5 else header
        footer = to_charset(_diverse_line(fake, rng), charset) if rng.random() < 0.5 else None
    style = "handwritten" if rng.random() < 0.4 else "printed"
    strength = round(rng.uniform(0, 1), 2)
    structured = rng.random() < 0.5
    if rng.random() < 0.5:
        rendered = render_styled(header, body, footer, style, strength=strength, seed=seed,
                                 charset="".join(sorted(charset)), width=block.width,
                                 line_height=block.line_height, max_lines=block.max_lines)
    else:
        content = DocumentContent(style, "general", header, body, footer)
        rendered = render_document(content, "block", block, page, strength=strength, seed=seed)
    if structured:
        return Example(rendered.image, STRUCTURED_OCR_PROMPT, to_assistant(rendered.parts))
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
    short lines much sooner than on 40-character ones (experiments/transfer_curve.py)."""
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
    return Example(_black_on_white_line(text, font, block), OCR_PROMPT, text)


def _black_on_white_line(text: str, font: ImageFont.FreeTypeFont, block: BlockLayout) -> Image.Image:
    """One line of black text on white, at the block's side padding, centred in the line's height: the
    clean lines from which a model first learns where each character is."""
    image = Image.new("RGB", (block.width, block.line_height), (255, 255, 255))
    ascent, descent = font.getmetrics()
    ImageDraw.Draw(image).text((block.side_padding, (block.line_height - ascent - descent) // 2), text, font=font,
                               fill=(0, 0, 0))
    return image


@cache
def general_charset() -> frozenset[str]:
    """The characters of the general-OCR lines: the shipped domains' (fonts are checked for them). Fixed, so
    that a domain a user registers does not change the zoo's pretraining data."""
    from specocr.domains import get_domain

    return frozenset(get_domain("pt_br").charset + get_domain("es").charset)


def make_fakers() -> dict[str, Faker]:
    """One Faker per locale of the general lines. Faker's it_IT address provider builds its city list from a
    set, so the list's order, and the city a seed draws, follow Python's hash randomization (a different city
    in every process): sorted here, so that a seed draws the same line everywhere."""
    fakers = {locale: Faker(locale) for locale in VARIED_LOCALES}
    for provider in fakers["it_IT"].get_providers():
        if provider.__module__ == "faker.providers.address.it_IT":
            provider.cities = sorted(provider.cities)
    return fakers


# --- the curriculum: named kinds of example, and a phase's batches ----------------------------------------


def general_text(rng: random.Random, seed: int, max_chars: int, fakers: dict[str, Faker]) -> str:
    """General text (level 2's lines) cut at a word boundary to 3..``max_chars`` characters."""
    fake = fakers[rng.choice(LOCALES)]
    fake.seed_instance(seed)
    return _truncate_words(to_charset(_general_line(fake, rng), general_charset()), rng.randint(3, max_chars))


@cache
def monospace_fonts() -> dict[int, ImageFont.FreeTypeFont]:
    """DejaVu Sans Mono at 12, 13 and 14 px: 7.2 to 8.4 px per character, around one 8 px vision patch."""
    return {px: ImageFont.truetype(str(find_font("DejaVuSansMono.ttf")), px) for px in (12, 13, 14)}


def clean_line_example(seed: int, block: BlockLayout, fakers: dict[str, Faker], max_chars: int = 24) -> Example:
    """The easy lines' face, size and offset (13 px, one character per patch, black on white) with longer
    text: half the bootstrap's words, half general text (the feasibility study's level 1)."""
    rng = random.Random(seed)
    text = _easy_text(rng, max_chars) if rng.random() < 0.5 else general_text(rng, seed, max_chars, fakers)
    return Example(_black_on_white_line(text, monospace_fonts()[13], block), OCR_PROMPT, text)


def mono_line_example(seed: int, block: BlockLayout, fakers: dict[str, Faker], max_chars: int = 36) -> Example:
    """The study's level-2 line: general text in DejaVu Sans Mono at 12-14 px (so characters drift across the
    8 px patches), shifted 0-8 px right and 1 px up or down, grey ink on grey paper."""
    rng = random.Random(seed)
    text = general_text(rng, seed, max_chars, fakers)
    fonts = monospace_fonts()
    font = fonts[rng.choice(sorted(fonts))]
    paper, ink = rng.randint(200, 255), rng.randint(0, 80)
    image = Image.new("RGB", (block.width, block.line_height), (paper,) * 3)
    ascent, descent = font.getmetrics()
    x = rng.randint(0, 8)
    y = (block.line_height - ascent - descent) // 2 + rng.randint(-1, 1)
    ImageDraw.Draw(image).text((x, y), text, font=font, fill=(ink,) * 3)
    return Example(image, OCR_PROMPT, text)


def printed_line_example(seed: int, block: BlockLayout, page: PageLayout, fakers: dict[str, Faker],
                         max_chars: int = 36) -> Example:
    """A general line of 3 to ``max_chars`` characters in one of the benchmark's printed faces, degradation
    strength up to 0.5: proportional faces, after the monospace ones."""
    rng = random.Random(seed)
    content = DocumentContent("printed", "general", None, [general_text(rng, seed, max_chars, fakers)])
    rendered = render_document(content, "block", block.model_copy(update={"max_lines": 1}), page,
                               strength=round(rng.uniform(0, 0.5), 2), seed=seed)
    return Example(rendered.image, OCR_PROMPT, to_plain_text(rendered.parts))


ExampleMaker = Callable[[int, BlockLayout, PageLayout, dict[str, Faker]], Example]

#: The kinds of example a curriculum phase draws from (``zoo.level*.phases`` in params), easiest first.
EXAMPLE_KINDS: dict[str, ExampleMaker] = {
    "easy": lambda seed, block, page, fakers: easy_ocr_example(seed, block, page, 13),
    "clean24": lambda seed, block, page, fakers: clean_line_example(seed, block, fakers, 24),
    "mono": lambda seed, block, page, fakers: mono_line_example(seed, block, fakers, 36),
    "printed": lambda seed, block, page, fakers: printed_line_example(seed, block, page, fakers, 36),
    "short": lambda seed, block, page, fakers: short_ocr_example(seed, block, page, fakers, 24),
    "lines": lambda seed, block, page, fakers: ocr_example(seed, block, page, fakers, 1),
    "blocks": lambda seed, block, page, fakers: ocr_example(seed, block, page, fakers, 3),
    "documents": document_example,
    "handwritten_documents": handwritten_document_example,
    "varied_documents": varied_document_example,
    "styled_documents": styled_document_example,
    "long_documents": long_document_example,
    "shapes": lambda seed, block, page, fakers: shape_example(seed, width=block.width),
    "places": lambda seed, block, page, fakers: place_example(seed, width=block.width),
    "scenes": lambda seed, block, page, fakers: scene_example(seed, width=block.width),
}

#: Example numbers of level ``n`` start at ``n * EXAMPLE_SEED_BASE``: far from the held-out sets' seeds
#: (hashed names, or 5e7 and up in bench/), and the two levels never draw the same example.
EXAMPLE_SEED_BASE = 10**7


def phase_batch(level: int, main: str, review: list[str], review_share: float, step: int, batch_size: int,
                block: BlockLayout, page: PageLayout, fakers: dict[str, Faker],
                examples: int | None = None) -> tuple[str, list[Example]]:
    """Batch ``step`` of a curriculum phase: its ``main`` kind, or with chance ``review_share`` one of its
    ``review`` kinds (earlier phases' kinds, so that they are not forgotten). One kind per batch, so that no
    short example is padded to the length of a long one (with one token per character and pixel, padding
    would be most of the compute). The kind and the examples depend only on the level and the step, so a
    resumed run sees what an uninterrupted one would have seen. ``examples`` (at most ``batch_size``): a
    phase's smaller batch, the first of the step's ``batch_size`` example numbers, so that no two steps share
    an example whatever their phases' batch sizes."""
    rng = random.Random(step)
    kind = rng.choice(review) if review and rng.random() < review_share else main
    first = level * EXAMPLE_SEED_BASE + step * batch_size
    maker = EXAMPLE_KINDS[kind]
    return kind, [maker(first + i, block, page, fakers) for i in range(examples or batch_size)]
