"""The DharmaOCR benchmark's schema: columns, and the strict JSON ground truth.

The released benchmark has ``id`` (int64), ``image``, ``image_base64``, ``assistant`` (the ground truth as
a JSON string such as ``{"text": "..."}``) and ``assistant_without_json`` (the plain text). The paper's
structured output has the keys ``header``, ``margin``, ``footer`` and ``text``, empty ones omitted. We write
them in the order a reader meets them on the page (header, margin note, text, footer): the official score
joins the values in key order, so reading order is what lets an engine that reads top to bottom, like
Tesseract, be scored on what it read rather than on where the footer sits in the JSON.
specocr adds ``category``, ``strength`` and ``font`` (unknown for documents it did not make).
"""

from __future__ import annotations

import json

import datasets

STRUCTURE_KEYS = ("header", "margin", "text", "footer")

FEATURES = datasets.Features(
    {
        "id": datasets.Value("int64"),
        "image": datasets.Image(),
        "assistant": datasets.Value("string"),
        "assistant_without_json": datasets.Value("string"),
        "category": datasets.Value("string"),
        "strength": datasets.Value("float32"),
        "font": datasets.Value("string"),
    }
)
COLUMNS = tuple(FEATURES)
#: Columns a benchmark in the released format must have; ``image_base64`` may stand in for ``image``.
REQUIRED_SOURCE_COLUMNS = ("id", "assistant", "assistant_without_json")

UNKNOWN_CATEGORY = "unknown"

#: The instruction every model gets with a document image, at every stage (the paper's prompt is not
#: published; this one asks for the same strict JSON).
STRUCTURED_OCR_PROMPT = (
    "Transcribe this document as JSON with the keys header, margin, text and footer, in that order; "
    "leave out empty keys."
)


def structured_parts(**parts: str) -> dict[str, str]:
    """The non-empty parts in reading order; unknown keys are an error."""
    unknown = set(parts) - set(STRUCTURE_KEYS)
    if unknown:
        raise ValueError(f"unknown structure keys {sorted(unknown)}; expected {STRUCTURE_KEYS}")
    return {key: parts[key] for key in STRUCTURE_KEYS if parts.get(key, "").strip()}


def to_assistant(parts: dict[str, str]) -> str:
    """The ground truth as the strict JSON string the models are trained to write (UTF-8, not escaped)."""
    return json.dumps(structured_parts(**parts), ensure_ascii=False)


def to_plain_text(parts: dict[str, str]) -> str:
    """``assistant_without_json``: the values joined by newlines, which is what the score compares."""
    return "\n".join(structured_parts(**parts).values())
