"""Classical OCR engines that run offline, behind one interface, scored exactly like the models.

``get_engine("tesseract" | "rapidocr", params.baselines)`` returns an :class:`~specocr.baselines.base.OCREngine`;
predictions made elsewhere (a commercial API, a GPU run) enter through :mod:`specocr.baselines.imported`.
"""

from __future__ import annotations

from specocr.baselines.base import EngineUnavailable, OCREngine
from specocr.params import BaselineParams

ENGINES = ("tesseract", "rapidocr")


def get_engine(name: str, params: BaselineParams) -> OCREngine:
    """The engine called ``name``, configured from ``params``; raises :class:`EngineUnavailable` with the
    install command when its binary, data or package is missing."""
    if name == "tesseract":
        from specocr.baselines.tesseract import TesseractEngine

        return TesseractEngine(params.tesseract.lang, params.tesseract.psm, params.tesseract.tessdata)
    if name == "rapidocr":
        from specocr.baselines.rapidocr import RapidOCREngine

        return RapidOCREngine(threads=params.threads)
    raise ValueError(f"unknown engine {name!r}; available: {', '.join(ENGINES)}")


__all__ = ["ENGINES", "EngineUnavailable", "OCREngine", "get_engine"]
