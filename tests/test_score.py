"""The official score against the evaluation notebook's recipe, computed independently with nltk and rapidfuzz."""

from __future__ import annotations

import json
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nltk.translate.bleu_score import SmoothingFunction, sentence_bleu
from rapidfuzz.distance import Levenshtein

from specocr.evaluate.score import bleu, document_score, levenshtein_ratio, score_components, to_plain


def reference_plain(x: str) -> str:
    """shared/FACTS.md section 3, written out again without the package's code."""
    try:
        parsed = json.loads(x)
    except Exception:
        return str(x)
    if isinstance(parsed, dict):
        return "\n".join(str(v) for v in parsed.values() if v is not None and str(v).strip())
    return str(x)


def reference_components(pred: str, ref: str) -> tuple[float, float, float]:
    p, g = reference_plain(pred), reference_plain(ref)
    longest = max(len(p), len(g))
    lev = 0.0 if longest == 0 else 1 - Levenshtein.distance(p, g) / longest
    bl = sentence_bleu([g.split()], p.split(), smoothing_function=SmoothingFunction().method1)
    return lev, bl, (lev + bl) / 2


HAND_WRITTEN_PAIRS = [
    ("", ""),
    ("", "texto de referência"),
    ("texto de referência", ""),
    ("   ", "   "),
    ("\n\t ", "conteúdo"),
    ("ação", "acao"),
    ("ÇÃO ÕES ÁÉÍÓÚ ÂÊÔ À", "ção ões áéíóú âêô à"),
    ("São Paulo, 3 de março de 2024.", "São Paulo, 3 de março de 2024."),
    ("um", "um"),
    ("um dois", "um dois três"),
    ("um dois três", "um dois três quatro cinco"),
    ('{"text": "Olá mundo"}', '{"text": "Olá mundo"}'),
    ('{"header": "CERTIDÃO", "text": "Certifico que..."}', '{"header": "CERTIDÃO", "text": "Certifico que..."}'),
    ('{"header": null, "margin": "", "footer": "  ", "text": "corpo"}', '{"text": "corpo"}'),
    ('{"header": "a", "text": "b"}', '{"text": "b", "header": "a"}'),  # key order matters, as in the notebook
    ('{"text": 12345}', '{"text": "12345"}'),
    ('{"text": ["lista", "de", "itens"]}', '{"text": "lista de itens"}'),
    ("[1, 2, 3]", "[1, 2, 3]"),
    ('"apenas uma string JSON"', "apenas uma string JSON"),
    ("42", "42"),
    ("null", '{"text": "null"}'),
    ('{"text": "sem fechar"', '{"text": "sem fechar"}'),
    ("{'text': 'aspas simples'}", '{"text": "aspas simples"}'),
    ("{}", '{"text": "vazio"}'),
    ('{"text": ""}', '{"text": ""}'),
    ("Procuração " * 400, "Procuração " * 390 + "Outorgante"),
    ("a" * 5000, "a" * 4999 + "b"),
]


def generated_pairs(count: int, seed: int = 7) -> list[tuple[str, str]]:
    """Pairs built like OCR outputs: a Portuguese reference, a prediction with edits, sometimes JSON."""
    rng = random.Random(seed)
    words = (
        "certidão de nascimento procuração contrato locação ofício requerimento declaração residência "
        "órgão emissor à vista ações informações São João Conceição você três é não câmara pública"
    ).split()
    alphabet = "abcdefghijklmnopqrstuvwxyzçãõáéíóúâêôàÇÃÕÁÉÍÓÚÂÊÔÀ0123456789 .,;:-/\n"
    pairs = []
    for _ in range(count):
        ref = " ".join(rng.choice(words) for _ in range(rng.randint(0, 40)))
        pred = list(ref)
        for _ in range(rng.randint(0, 12)):
            op = rng.random()
            pos = rng.randint(0, len(pred))
            if op < 0.4 and pred:
                pred[min(pos, len(pred) - 1)] = rng.choice(alphabet)
            elif op < 0.7:
                pred.insert(pos, rng.choice(alphabet))
            elif pred:
                del pred[min(pos, len(pred) - 1)]
        pred_text = "".join(pred)
        shape = rng.random()
        if shape < 0.3:
            ref = json.dumps({"header": rng.choice(words), "text": ref}, ensure_ascii=rng.random() < 0.5)
            pred_text = json.dumps({"header": rng.choice(words), "text": pred_text}, ensure_ascii=False)
        elif shape < 0.4:
            pred_text = pred_text[: rng.randint(0, 15)] * rng.randint(1, 30)  # a loop
        pairs.append((pred_text, ref))
    return pairs


ALL_PAIRS = HAND_WRITTEN_PAIRS + generated_pairs(400)


@pytest.mark.parametrize(("pred", "ref"), ALL_PAIRS)
def test_score_matches_the_recipe_to_1e12(pred: str, ref: str) -> None:
    lev, bl, doc = reference_components(pred, ref)
    assert abs(levenshtein_ratio(pred, ref) - lev) <= 1e-12
    assert abs(bleu(pred, ref) - bl) <= 1e-12
    assert abs(document_score(pred, ref) - doc) <= 1e-12
    parts = score_components(pred, ref)
    assert abs(parts["score"] - doc) <= 1e-12 and abs(parts["levenshtein"] - lev) <= 1e-12


def test_to_plain_follows_the_notebook() -> None:
    assert to_plain('{"header": "A", "margin": null, "footer": " ", "text": "B"}') == "A\nB"
    assert to_plain('{"text": 3}') == "3"
    assert to_plain("[1, 2]") == "[1, 2]"
    assert to_plain("não é JSON") == "não é JSON"
    assert to_plain("{}") == ""


def test_known_values() -> None:
    assert document_score("Certifico que São Paulo é a capital", "Certifico que São Paulo é a capital") == 1.0
    # Fewer than four words: BLEU has no 3- and 4-grams and method1 smooths them to a small value, so even a
    # perfect two-word transcription scores below 1 (as it does in the official notebook).
    assert levenshtein_ratio("São Paulo", "São Paulo") == 1.0
    assert document_score("São Paulo", "São Paulo") < 0.7
    assert document_score("", "algo") == 0.0
    assert document_score("", "") == 0.0  # the notebook scores two empty strings 0, not 1
    assert levenshtein_ratio("casa", "cama") == pytest.approx(0.75)
    # JSON wrapping does not change the score: only the values are compared.
    assert document_score('{"text": "bom dia"}', "bom dia") == pytest.approx(document_score("bom dia", "bom dia"))
    # Accents count: dropping every accent is penalized.
    assert levenshtein_ratio("acao", "ação") == pytest.approx(0.5)


@settings(max_examples=300, deadline=None)
@given(st.text(), st.text())
def test_scores_are_bounded_on_any_unicode(pred: str, ref: str) -> None:
    for value in (levenshtein_ratio(pred, ref), bleu(pred, ref), document_score(pred, ref)):
        assert 0.0 <= value <= 1.0


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1).filter(lambda s: to_plain(s).strip() != ""))
def test_identical_nonblank_texts_score_one(text: str) -> None:
    assert levenshtein_ratio(text, text) == 1.0
    if len(to_plain(text).split()) >= 4:  # BLEU reaches 1 only when 4-grams exist
        assert document_score(text, text) == pytest.approx(1.0)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(["header", "margin", "footer", "text"]), st.text() | st.none()))
def test_json_objects_score_like_their_values(values: dict[str, str | None]) -> None:
    raw = json.dumps(values)
    plain = "\n".join(str(v) for v in values.values() if v is not None and str(v).strip())
    assert to_plain(raw) == plain
