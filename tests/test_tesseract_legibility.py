"""Tesseract reads clean printed pages: proof that rendering is legible and the ground truth matches it."""

from __future__ import annotations

import pytest
from faker import Faker

from specocr.data.render import render_document
from specocr.data.schema import to_assistant
from specocr.data.synthetic import document_seed
from specocr.domains import generate_content
from specocr.evaluate.score import document_score

tesserocr = pytest.importorskip("tesserocr")
TESSDATA = "/usr/share/tesseract-ocr/5/tessdata"


@pytest.mark.parametrize("category", ["printed", "legal"])
def test_tesseract_scores_above_0_9_on_clean_pages(default_params, category: str) -> None:
    data = default_params.data
    fake = Faker("pt_BR")
    scores = []
    with tesserocr.PyTessBaseAPI(path=TESSDATA, lang="por") as api:
        for index in range(6):
            seed = document_seed(data.seed, f"legibility/{category}", index)
            rendered = render_document(generate_content(category, seed, fake), "page", data.block, data.page, 0.0, seed)
            api.SetImage(rendered.image)
            scores.append(document_score(api.GetUTF8Text().strip(), to_assistant(rendered.parts)))
    mean = sum(scores) / len(scores)
    threshold = 0.97 if category == "printed" else 0.9  # legal pages carry a vertical margin note Tesseract skips
    assert mean > threshold, [round(s, 3) for s in scores]
