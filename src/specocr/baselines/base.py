"""The interface every OCR engine implements: an image in, plain text out."""

from __future__ import annotations

from abc import ABC, abstractmethod

from PIL import Image


class EngineUnavailable(RuntimeError):
    """An engine that cannot run here; the message names what to install."""


class OCREngine(ABC):
    """An OCR system that reads one page image into plain text (lines separated by newlines)."""

    #: Short name used for result folders (``results/<name>/``).
    name: str
    #: What the scoreboard shows, e.g. "Tesseract 5.5.4 (por)".
    label: str

    @abstractmethod
    def read(self, image: Image.Image) -> str:
        """The text of ``image``."""

    def close(self) -> None:
        """Release native resources (default: nothing)."""

    def __enter__(self) -> OCREngine:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
