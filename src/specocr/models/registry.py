"""Base models by name, and loading any model folder (the zoo's, a Hub snapshot, a fine-tuned one).

``resolve_base(name, params)`` turns every name in ``params.bases`` into a local folder: zoo names from the
committed ``zoo/`` folder, Hub ids through ``huggingface_hub.snapshot_download`` pinned to their revision
(paper scale; set ``HF_HUB_OFFLINE=1`` to use only what is already in the Hugging Face cache), local
folders as they are. ``materialize_base`` puts a base into a folder of the pipeline's own (the ``bases``
stage's ``models/bases/<name>``), so later stages depend on one path whatever the source; a base with
``strip_width`` gets the band-strip layout there, so that every base of the ladder sees documents alike.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import torch


def is_model_folder(path: str | Path) -> bool:
    return (Path(path) / "config.json").is_file()


def load_model_folder(folder: str | Path, dtype: torch.dtype = torch.float32, device: str | None = None):
    """Model and processor from a ``save_pretrained`` folder (or a quantized one from the quant stage,
    which loads on the CPU whatever ``device`` says). The processor is loaded with
    ``trust_remote_code=True`` because zoo folders carry their processor's code (a folder you pass here is
    code you run); a Qwen2.5-VL processor loads without its video part where torchvision is absent
    (:mod:`specocr.models.qwen_processor`). Padding goes on the left, as batched generation needs."""
    from transformers import AutoModelForImageTextToText

    from specocr.models.int8 import is_quantized_folder, load_quantized
    from specocr.models.qwen_processor import load_processor
    from specocr.models.zoo import quiet_loading

    folder = Path(folder)
    if not is_model_folder(folder):
        raise FileNotFoundError(f"no model in {folder} (config.json missing)")
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    if is_quantized_folder(folder):  # int8 dynamic quantization runs on the CPU only
        model = load_quantized(folder)
    else:
        with quiet_loading(folder):
            model = AutoModelForImageTextToText.from_pretrained(folder, dtype=dtype).to(device)
    processor = load_processor(folder)
    processor.tokenizer.padding_side = "left"
    return model, processor


#: Files a base folder needs to be loaded; weights may be sharded, so they are matched by pattern.
SNAPSHOT_PATTERNS = ["*.json", "*.safetensors", "*.jinja", "*.py", "*.txt", "*.model", "README.md"]


def resolve_base(name: str, params, root: str | Path = ".") -> Path:
    """The folder holding base ``name``; raises with what to do when it is not there."""
    if name not in params.bases:
        raise KeyError(f"unknown base {name!r}; params define {sorted(params.bases)}")
    spec = params.bases[name]
    root = Path(root)
    if spec.source == "stand_in":
        raise ValueError(f"base {name} is a stand-in: it is built (materialize_base), not found")
    if spec.source == "zoo":
        folder = root / params.zoo.folder / spec.location
        if not is_model_folder(folder):
            raise FileNotFoundError(f"zoo base {name} is not built: {folder} has no config.json "
                                    f"(build it with `specocr pretrain {name}`)")
        return folder
    if spec.source == "local":
        folder = Path(spec.location)
        if not is_model_folder(folder):
            raise FileNotFoundError(f"local base {name}: {folder} has no config.json")
        return folder
    from huggingface_hub import snapshot_download

    return Path(snapshot_download(spec.location, revision=spec.revision, allow_patterns=SNAPSHOT_PATTERNS))


def _link_or_copy(source: str, destination: str) -> None:
    """Hard-link a file (instant, no extra disk for a 7B model's weights) or copy it across filesystems.
    Hugging Face cache snapshots are symlinks into ``blobs/``: the link goes to the blob itself."""
    target = os.path.realpath(source)  # link the blob itself, never the (relative) symlink
    try:
        os.link(target, destination)
    except OSError:
        shutil.copy2(target, destination)


def resolve_processor(source, root: str | Path = ".") -> Path:
    """The folder holding the processor files a ``bases.<name>.processor`` entry names."""
    from specocr.models.conventions import PROCESSOR_FILES

    if source.source == "local":
        folder = Path(root) / source.location
        if not folder.is_dir():
            raise FileNotFoundError(f"processor folder {folder} does not exist")
        return folder
    from huggingface_hub import snapshot_download

    return Path(snapshot_download(source.location, revision=source.revision, allow_patterns=list(PROCESSOR_FILES)))


def materialize_base(name: str, params, destination: str | Path, root: str | Path = ".") -> Path:
    """Base ``name`` as a self-contained folder at ``destination`` (replaced if present): the folder
    :func:`resolve_base` finds (zoo, local, or the Hub snapshot in the Hugging Face cache, downloaded first
    if needed) with every file linked or copied in, no symlinks left (a stand-in is built there instead), and the base's conventions from params
    written into it (specocr.models.conventions): another processor's files, the band-strip layout, the
    image processor's pixel bounds, the prompt."""
    from specocr.models.conventions import replace_processor, set_pixel_bounds, write_prompt

    spec = params.bases[name]
    destination = Path(destination)
    if destination.exists():
        shutil.rmtree(destination)
    if spec.source == "stand_in":
        from specocr.models.stand_ins import save_stand_in

        save_stand_in(spec.location, spec.size, params.seed, destination)
    else:
        shutil.copytree(resolve_base(name, params, root), destination, symlinks=False, copy_function=_link_or_copy)
    if spec.processor is not None:
        replace_processor(destination, resolve_processor(spec.processor, root))
    if spec.strip_width is not None:
        set_band_layout(destination, params.data.block.line_height, spec.strip_width)
    set_pixel_bounds(destination, spec.min_pixels, spec.max_pixels)
    write_prompt(destination, spec.prompt)
    return destination


def set_band_layout(folder: str | Path, band_height: int, strip_width: int) -> None:
    """Make a tiny model's folder read documents as band strips (its processor's ``band_height`` and
    ``strip_width``). The file is written anew, never edited in place: it may be a hard link to the zoo's."""
    path = Path(folder) / "processor_config.json"
    config = json.loads(path.read_text(encoding="utf-8"))
    if config.get("processor_class") != "CharOCRProcessor":
        raise ValueError(f"{folder}: strip_width needs specocr's CharOCRProcessor, not {config.get('processor_class')}")
    code = Path(folder) / "processing_charocr.py"
    if not code.is_file() or "band_height" not in code.read_text(encoding="utf-8"):
        raise ValueError(f"{folder}: its processor code predates band strips; copy "
                         "src/specocr/models/processing_charocr.py into it")
    config.update(band_height=band_height, strip_width=strip_width)
    path.unlink()
    path.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
