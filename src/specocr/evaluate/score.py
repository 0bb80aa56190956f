"""The DharmaOCR benchmark's official document score (the paper's Eq. 1).

Transcribed from the benchmark's evaluation notebook (shared/FACTS.md section 3); nothing is normalized
beyond what that notebook does, so that numbers computed here are comparable with the paper's:

    to_plain(x)  = "\\n".join of the non-empty values of x when x parses as a JSON object, else x
    lev          = 1 - Levenshtein(pred, gt) / max(len(pred), len(gt))   (characters; 0.0 if both empty)
    bleu         = nltk sentence_bleu([gt.split()], pred.split(), smoothing method1)
    doc_score    = (lev + bleu) / 2
"""

from __future__ import annotations

import json
import warnings
from typing import Any

from nltk.translate.bleu_score import SmoothingFunction, sentence_bleu
from rapidfuzz.distance import Levenshtein

_SMOOTHING = SmoothingFunction().method1


def to_plain(text: Any) -> str:
    """The plain text of a raw model output or ground truth.

    A JSON object becomes its non-empty values joined by newlines, in the object's key order. Anything
    else (not JSON, a JSON list, a number, a string) is returned as ``str(text)`` unchanged.
    """
    try:
        parsed = json.loads(text)
    except (TypeError, ValueError):
        return str(text)
    if isinstance(parsed, dict):
        return "\n".join(str(v) for v in parsed.values() if v is not None and str(v).strip())
    return str(text)


def _plain_levenshtein_ratio(pred: str, gt: str) -> float:
    longest = max(len(pred), len(gt))
    if longest == 0:
        return 0.0  # as the official notebook: two empty strings score 0, not 1
    return 1.0 - Levenshtein.distance(pred, gt) / longest


def _plain_bleu(pred: str, gt: str) -> float:
    with warnings.catch_warnings():
        # nltk warns on texts shorter than four words; the smoothing handles them, the warning is noise.
        warnings.simplefilter("ignore")
        return float(sentence_bleu([gt.split()], pred.split(), smoothing_function=_SMOOTHING))


def levenshtein_ratio(pred: str, ref: str) -> float:
    """Character-level normalized Levenshtein similarity of the plain texts, in [0, 1]."""
    return _plain_levenshtein_ratio(to_plain(pred), to_plain(ref))


def bleu(pred: str, ref: str) -> float:
    """Sentence BLEU (nltk, whitespace tokens, smoothing method1) of the plain texts, in [0, 1]."""
    return _plain_bleu(to_plain(pred), to_plain(ref))


def document_score(pred: str, ref: str) -> float:
    """The official per-document score: the mean of :func:`levenshtein_ratio` and :func:`bleu`."""
    plain_pred, plain_ref = to_plain(pred), to_plain(ref)
    return (_plain_levenshtein_ratio(plain_pred, plain_ref) + _plain_bleu(plain_pred, plain_ref)) / 2


def score_components(pred: str, ref: str) -> dict[str, float]:
    """``levenshtein``, ``bleu`` and ``score`` of one document, computing ``to_plain`` once."""
    plain_pred, plain_ref = to_plain(pred), to_plain(ref)
    lev = _plain_levenshtein_ratio(plain_pred, plain_ref)
    bl = _plain_bleu(plain_pred, plain_ref)
    return {"levenshtein": lev, "bleu": bl, "score": (lev + bl) / 2}
