"""The processor of specocr's tiny Qwen2.5-VL models: Qwen2.5-VL's, without a video processor.

Qwen2.5-VL's own processor insists on a video processor, which needs torchvision; torchvision does not run
beside the CPU build of torch that specocr uses. Models only read images here, so this class drops the
video processor and keeps everything else (image tokens, chat template, batching) from Qwen2.5-VL.

This file is self-contained (transformers only) because ``save_pretrained`` copies it into every model
folder: ``AutoProcessor.from_pretrained(folder, trust_remote_code=True)``, as trl calls it, then works
offline, with or without specocr installed.
"""

from __future__ import annotations

import random
import zlib

import numpy as np
from PIL import Image
from transformers import Qwen2_5_VLProcessor
from transformers.processing_utils import ProcessorMixin


def ink_extent(band: np.ndarray, threshold: float = 60.0, min_pixels: int = 2,
               rule_share: float = 0.6) -> tuple[int, int] | None:
    """First and past-last column of a band (H x W x 3) holding ink: at least ``min_pixels`` pixels darker
    than the band's median by ``threshold`` grey levels (one speck of noise per column is not ink). Only the
    band's middle rows count (every glyph crosses them; a notebook's ruled line, slanted by a rotated scan,
    runs along the band's edges), and a middle row dark over more than ``rule_share`` of the width is a
    ruled line too."""
    grey = band.mean(axis=2)
    edge = max(1, band.shape[0] // 6)
    dark = ((np.median(grey) - grey) > threshold)[edge:band.shape[0] - edge]
    dark[dark.mean(axis=1) > rule_share] = False
    columns = np.flatnonzero(dark.sum(axis=0) >= min_pixels)
    return None if columns.size == 0 else (int(columns[0]), int(columns[-1]) + 1)


def band_strip(image: Image.Image, band_height: int = 16, patch: int = 8, margin: int = 2,
               fixed_width: int | None = None, separator: int = 128, stretch: float = 1.0,
               spread_slack: int = 0) -> Image.Image:
    """A document's ``band_height`` px bands (its text lines), each cropped to its ink (plus ``margin`` px) and
    widened to whole patches, laid left to right with one solid grey patch between bands: reading a block
    becomes reading one long line, whose columns follow the transcription's characters and whose line breaks
    are drawn. Blank bands are dropped; ``fixed_width`` pads the strip on the right to that many pixels.
    ``stretch`` > 1 widens every band by that factor (bilinear) before it is cut to patches: glyphs narrower
    than a patch (handwriting faces draw 4-6 px per character) get a patch of their own.

    ``spread_slack`` (training only): up to this many patches of the padding go before the first band and
    after separators instead, at random (seeded by the image, so an example is always laid out alike). A
    model that aligns the answer's characters with columns by position alone loses its place as the offsets of
    wide and narrow glyphs add up along a document; with lines that do not start where it expects, it must
    find each line's start by looking."""
    pixels = np.asarray(image.convert("RGB"))
    height, width, _ = pixels.shape
    paper = int(np.median(pixels))
    pieces: list[np.ndarray] = []
    for top in range(0, max(1, height - band_height // 2), band_height):
        band = pixels[top:top + band_height]
        if band.shape[0] < band_height:
            band = np.concatenate([band, np.full((band_height - band.shape[0], width, 3), paper, np.uint8)])
        extent = ink_extent(band)
        if extent is None:
            continue
        crop = band[:, max(0, extent[0] - margin):min(width, extent[1] + margin)]
        if stretch != 1.0:
            wide = max(1, round(crop.shape[1] * stretch))
            crop = np.asarray(Image.fromarray(crop).resize((wide, band_height), Image.Resampling.BILINEAR))
        crop = np.concatenate([crop, np.full((band_height, (-crop.shape[1]) % patch, 3), paper, np.uint8)], axis=1)
        if pieces:
            pieces.append(np.full((band_height, patch, 3), separator, np.uint8))
        pieces.append(crop)
    if spread_slack and pieces and fixed_width is not None:
        slack = min(spread_slack, (fixed_width - sum(piece.shape[1] for piece in pieces)) // patch)
        pieces = _spread(pieces, slack, patch, paper, random.Random(zlib.crc32(pixels.tobytes())))
    strip = np.concatenate(pieces, axis=1) if pieces else np.full((band_height, 2 * patch, 3), paper, np.uint8)
    if fixed_width is not None and strip.shape[1] < fixed_width:
        strip = np.concatenate([strip, np.full((band_height, fixed_width - strip.shape[1], 3), paper, np.uint8)], axis=1)
    return Image.fromarray(strip)


def _spread(pieces: list[np.ndarray], slack: int, patch: int, paper: int, rng: random.Random) -> list[np.ndarray]:
    """Blank runs of whole patches, ``slack`` patches at most in all, before the first band and after each
    separator (``pieces`` alternate band, separator, band, ...)."""
    if slack <= 0:
        return pieces
    starts = list(range(0, len(pieces), 2))  # where each band begins
    weights = [rng.random() for _ in starts]
    used = rng.randint(0, slack)
    gaps = [int(used * weight / sum(weights)) for weight in weights]
    spread: list[np.ndarray] = []
    for index, piece in enumerate(pieces):
        if index in starts and gaps[starts.index(index)]:
            spread.append(np.full((piece.shape[0], gaps[starts.index(index)] * patch, 3), paper, np.uint8))
        spread.append(piece)
    return spread


def _map_images(images, convert):
    """``convert`` applied to every PIL image of a (possibly nested) list of images."""
    if isinstance(images, Image.Image):
        return convert(images)
    if isinstance(images, (list, tuple)):
        return [_map_images(item, convert) for item in images]
    return images


class CharOCRProcessor(Qwen2_5_VLProcessor):
    """Qwen2.5-VL processing for images and text only (no video processor, so no torchvision).

    With ``band_height`` set, every image is first laid out as a band strip (:func:`band_strip`, padded to
    ``strip_width`` px, each band widened by ``band_stretch``): the zoo's level-2 models read documents so.
    Left unset, images go in as they are."""

    def __init__(self, image_processor=None, tokenizer=None, chat_template=None, band_height: int | None = None,
                 strip_width: int | None = None, band_stretch: float | None = None, **kwargs):
        self.image_token = "<|image_pad|>"
        self.video_token = "<|video_pad|>"
        self.image_token_id = tokenizer.convert_tokens_to_ids(self.image_token)
        self.video_token_id = tokenizer.convert_tokens_to_ids(self.video_token)
        self.band_height = band_height
        self.strip_width = strip_width
        self.band_stretch = band_stretch
        ProcessorMixin.__init__(self, image_processor, tokenizer, chat_template=chat_template)

    def layout(self, image: Image.Image) -> Image.Image:
        """The image as the model sees it: a band strip when ``band_height`` is set, else unchanged."""
        if not self.band_height:
            return image
        patch = self.image_processor.patch_size
        return band_strip(image, self.band_height, patch, fixed_width=self.strip_width,
                          stretch=self.band_stretch or 1.0, spread_slack=getattr(self, "spread_slack", 0))

    def __call__(self, images=None, text=None, videos=None, **kwargs):
        if images is not None and self.band_height:
            images = _map_images(images, self.layout)
        return super().__call__(images=images, text=text, videos=videos, **kwargs)


CharOCRProcessor.register_for_auto_class("AutoProcessor")
