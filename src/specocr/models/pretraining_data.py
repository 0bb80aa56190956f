"""What the zoo's foundation models learn from, before they ever see a Portuguese document.

* **Level 1, generalist** (the analogue of an instruct VLM): questions about rendered scenes (shapes,
  colours, counts, positions) and reading a short word or two, in English.
* **Level 2, general-OCR specialist** (the analogue of Nanonets-OCR2 / olmOCR): transcribing printed and
  handwriting-style lines and small blocks of English, French, Spanish, German and Italian text (Faker's
  real words, names, addresses, numbers), rendered in the benchmark's geometry and fonts with mild
  degradation. Never the Portuguese templates of the benchmark: that is the domain step, done by SFT.

Each example is drawn from its own seed, so a training run resumed at step ``k`` sees exactly the examples
an uninterrupted run would have seen.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from faker import Faker
from PIL import Image, ImageDraw, ImageFont

from specocr.data.render import find_font, render_document
from specocr.data.schema import to_plain_text
from specocr.data.synthetic import DocumentContent, document_seed, to_charset
from specocr.params import BlockLayout, PageLayout

OCR_PROMPT = "Read all the text in the image."
LOCALES = ("en_US", "fr_FR", "es_ES", "de_DE", "it_IT")
COLOURS = {"red": (200, 40, 40), "green": (40, 150, 60), "blue": (40, 70, 200), "yellow": (220, 190, 30),
           "black": (20, 20, 20), "orange": (235, 130, 30), "purple": (130, 50, 160)}
SHAPES = ("circle", "square", "triangle")
NUMBER_WORDS = ("zero", "one", "two", "three", "four")
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


def scene_example(seed: int, width: int = 320, height: int = 48) -> Example:
    """Shapes in a 4 x 2 grid of cells, and one question about them (or a short word to read)."""
    rng = random.Random(seed)
    image = Image.new("RGB", (width, height), tuple(rng.randint(225, 255) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    cell_w, cell_h = width // 4, height // 2
    cells = rng.sample([(c, r) for c in range(4) for r in range(2)], rng.randint(1, 4))
    objects = []
    for column, row in cells:
        size = rng.randint(cell_h // 2, cell_h - 4)
        x = column * cell_w + rng.randint(2, cell_w - size - 2)
        y = row * cell_h + rng.randint(2, cell_h - size - 2)
        shape, colour = rng.choice(SHAPES), rng.choice(sorted(COLOURS))
        _draw_shape(draw, shape, (x, y, x + size, y + size), COLOURS[colour])
        objects.append((column, row, shape, colour))
    objects.sort()

    task = rng.choice(("describe", "count", "colour", "position", "read"))
    if task == "read":
        word = rng.choice(SHORT_WORDS)
        font = ImageFont.truetype(str(find_font("DejaVuSans.ttf")), 13)
        length = int(font.getlength(word))
        x, y = rng.randint(2, width - length - 2), rng.choice((2, height - 18))
        draw.rectangle((x - 2, y - 1, x + length + 2, y + 16), fill=(255, 255, 255))
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


def ocr_example(seed: int, block: BlockLayout, page: PageLayout, fakers: dict[str, Faker], max_lines: int) -> Example:
    """A block of 1..``max_lines`` general Latin-script lines, printed (70%) or handwritten (30%),
    degradation strength in [0, 1]; the answer is exactly the text drawn."""
    rng = random.Random(seed)
    fake = fakers[rng.choice(LOCALES)]
    fake.seed_instance(seed)
    lines = [to_charset(_general_line(fake, rng)) for _ in range(rng.randint(1, max_lines))]
    category = "handwritten" if rng.random() < 0.3 else "printed"
    content = DocumentContent(category, "general", None, ["\n".join(lines)])
    layout = block.model_copy(update={"max_lines": max_lines})
    rendered = render_document(content, "block", layout, page, strength=round(rng.uniform(0, 1), 2), seed=seed)
    return Example(rendered.image, OCR_PROMPT, to_plain_text(rendered.parts))


def easy_ocr_example(seed: int, block: BlockLayout, page: PageLayout) -> Example:
    """A bootstrap example: one clean line of at most 12 characters in DejaVu Sans Mono. From random
    weights, text-to-column alignment is found on these first (the feasibility study's level 0)."""
    rng = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,-/"
    text = "".join(rng.choice(letters) for _ in range(rng.randint(1, 12)))
    content = DocumentContent("printed", "easy", None, [text])
    layout = block.model_copy(update={"max_lines": 1})
    rendered = render_document(content, "block", layout, page, strength=0.0, seed=seed, font="DejaVuSansMono.ttf")
    return Example(rendered.image, OCR_PROMPT, to_plain_text(rendered.parts))


def make_fakers() -> dict[str, Faker]:
    return {locale: Faker(locale) for locale in LOCALES}


def level_example(level: int, seed: int, index: int, block: BlockLayout, page: PageLayout, fakers: dict[str, Faker],
                  ocr_share: float, max_lines: int, easy_share: float = 0.0) -> Example:
    """Example ``index`` of a level's stream. Level 1 mixes in some OCR (``ocr_share``, short lines only),
    as an instruct model has seen some text; level 2 is OCR with some level-1 scenes kept in. An
    ``easy_share`` of the OCR examples are clean, short monospace lines (:func:`easy_ocr_example`)."""
    example_seed = document_seed(seed, f"level{level}", index)
    rng = random.Random(example_seed)
    if rng.random() < ocr_share:
        if rng.random() < easy_share:
            return easy_ocr_example(example_seed, block, page)
        return ocr_example(example_seed, block, page, fakers, max_lines)
    return scene_example(example_seed, width=block.width)
