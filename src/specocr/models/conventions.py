"""How a base model is read, kept in its folder: the prompt, the image-size cap and the processor's source.

A base's conventions come from ``params.bases.<name>`` (``prompt``, ``min_pixels``, ``max_pixels``,
``processor``). The bases stage writes them into the base's folder once; from there they travel with every
model trained from it, because the processor's files are saved with each model and the prompt file
(:data:`CONVENTIONS_FILE`) is copied beside them. Later stages read them from the folder they load, never
from params, so a model folder says by itself how it is to be asked.

Sources of the defaults: Qwen2.5-VL's image processor bounds an image to 3,136-12,845,056 pixels
(``preprocessor_config.json`` of Qwen/Qwen2.5-VL-3B-Instruct and -7B-Instruct); olmOCR-2's card expects a page
rendered with its longest side at 1,288 px and loads Qwen2.5-VL-7B-Instruct's processor.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from specocr.data.schema import STRUCTURED_OCR_PROMPT

#: Beside a model's weights: the prompt it is asked with.
CONVENTIONS_FILE = "specocr_conventions.json"

#: The files of a saved processor (image processor, tokenizer, chat template), as transformers names them.
PROCESSOR_FILES = ("processor_config.json", "preprocessor_config.json", "video_preprocessor_config.json",
                   "tokenizer.json", "tokenizer_config.json", "vocab.json", "merges.txt", "special_tokens_map.json",
                   "added_tokens.json", "chat_template.json", "chat_template.jinja")

#: Image processors whose ``size`` is a pixel-count range (shortest_edge = min, longest_edge = max pixels).
_PIXEL_RANGE_PROCESSORS = ("Qwen2VLImageProcessor", "Qwen2VLImageProcessorFast", "Qwen2VLImageProcessorPil")


def folder_prompt(folder: str | Path) -> str:
    """The prompt a model folder is asked with: its conventions file's, or the structured-OCR prompt."""
    path = Path(folder) / CONVENTIONS_FILE
    if not path.is_file():
        return STRUCTURED_OCR_PROMPT
    return json.loads(path.read_text(encoding="utf-8"))["prompt"]


def write_prompt(folder: str | Path, prompt: str | None) -> None:
    """Record ``prompt`` (None: the structured-OCR prompt) in ``folder``'s conventions file."""
    path = Path(folder) / CONVENTIONS_FILE
    path.unlink(missing_ok=True)  # never write through a hard link into another folder's file
    path.write_text(json.dumps({"prompt": prompt or STRUCTURED_OCR_PROMPT}, ensure_ascii=False, indent=1) + "\n",
                    encoding="utf-8")


def carry_conventions(source: str | Path, destination: str | Path) -> None:
    """Give a model saved from ``source``'s model the same prompt (its processor files are saved with it)."""
    write_prompt(destination, folder_prompt(source))


def replace_processor(folder: str | Path, processor_folder: str | Path) -> list[str]:
    """Put the processor files of ``processor_folder`` in place of ``folder``'s own; returns the names copied.
    Every processor file of ``folder`` goes first, so that none of the old processor is mixed with the new."""
    folder, processor_folder = Path(folder), Path(processor_folder)
    copied = [name for name in PROCESSOR_FILES if (processor_folder / name).is_file()]
    if not any(name in copied for name in ("preprocessor_config.json", "processor_config.json")):
        raise FileNotFoundError(f"{processor_folder} holds no processor (no preprocessor_config.json or "
                                "processor_config.json)")
    for name in PROCESSOR_FILES:
        (folder / name).unlink(missing_ok=True)
    for name in copied:
        shutil.copy2((processor_folder / name).resolve(), folder / name)
    return copied


def _bounded(config: dict, min_pixels: int | None, max_pixels: int | None) -> dict:
    size = dict(config.get("size") or {})
    low = min_pixels or size.get("shortest_edge") or config.get("min_pixels")
    high = max_pixels or size.get("longest_edge") or config.get("max_pixels")
    if low is None or high is None:
        raise ValueError("the image processor states no pixel bounds to replace")
    if low > high:
        raise ValueError(f"min_pixels {low} is above max_pixels {high}")
    bounded = {key: value for key, value in config.items() if key not in ("min_pixels", "max_pixels")}
    bounded["size"] = {"shortest_edge": low, "longest_edge": high}
    return bounded


def set_pixel_bounds(folder: str | Path, min_pixels: int | None, max_pixels: int | None) -> None:
    """Bound the pixels of every image ``folder``'s processor is given (a Qwen2-VL-family image processor,
    saved on its own in ``preprocessor_config.json`` or inside ``processor_config.json``). Files are written
    anew, never edited in place: they may be hard links to a cache's."""
    if min_pixels is None and max_pixels is None:
        return
    folder = Path(folder)
    updated = 0
    for name, nested in (("preprocessor_config.json", False), ("processor_config.json", True)):
        path = folder / name
        if not path.is_file():
            continue
        config = json.loads(path.read_text(encoding="utf-8"))
        image = config.get("image_processor") if nested else config
        if not isinstance(image, dict) or "image_processor_type" not in image:
            continue
        if image["image_processor_type"] not in _PIXEL_RANGE_PROCESSORS:
            raise ValueError(f"{folder}: min_pixels/max_pixels need a Qwen2-VL-family image processor, not "
                             f"{image['image_processor_type']}")
        image = _bounded(image, min_pixels, max_pixels)
        config = {**config, "image_processor": image} if nested else image
        path.unlink()
        path.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
        updated += 1
    if not updated:
        raise ValueError(f"{folder}: min_pixels/max_pixels need an image processor config, and this folder has none")
