"""The memory allocator of the processes that train and evaluate: TCMalloc where the system has it.

PyTorch on a CPU allocates and frees tensors of many sizes at every training step (a batch's length follows its
documents). glibc's malloc keeps much of the freed memory in fragments it cannot hand back, so a training
process grows step by step: the SFT of `generalist-M` holds 2.2 GB after 6 steps, 4.4 GB after 60 and 8.8 GB by
its last. Under TCMalloc the same 60 steps peak at 2.7 GB, as fast and with the same losses
(bench/README.md, "Memory of the training stages"). An allocator is chosen when a process starts, so the
pipeline starts its notebook kernels and pretraining runs with TCMalloc preloaded (``LD_PRELOAD``); the Makefile
installs it (Debian/Ubuntu package ``libtcmalloc-minimal4``).
"""

from __future__ import annotations

import ctypes.util
import warnings
from collections.abc import Mapping

TCMALLOC_LIBRARY = "tcmalloc_minimal"
TCMALLOC_PACKAGE = "libtcmalloc-minimal4"
# Set to "system" to keep glibc's malloc (e.g. to compare the two).
ALLOCATOR_VARIABLE = "SPECOCR_ALLOCATOR"


class AllocatorWarning(UserWarning):
    """TCMalloc was asked for and is absent: processes run with the system's malloc and use more memory."""


def tcmalloc_library() -> str | None:
    """The file name of TCMalloc's shared library as the dynamic loader finds it, or None when it is absent."""
    return ctypes.util.find_library(TCMALLOC_LIBRARY)


def process_environment(environ: Mapping[str, str], library: str | None = None) -> dict[str, str]:
    """``environ`` with TCMalloc (``library``, default: the system's) first in ``LD_PRELOAD``, for a child
    process; unchanged when ``SPECOCR_ALLOCATOR=system``, when it is already preloaded, or (with a warning)
    when the library is absent."""
    environment = dict(environ)
    choice = environment.get(ALLOCATOR_VARIABLE, "tcmalloc")
    if choice not in ("tcmalloc", "system"):
        raise ValueError(f"{ALLOCATOR_VARIABLE} must be tcmalloc or system, got {choice!r}")
    if choice == "system":
        return environment
    library = library or tcmalloc_library()
    if library is None:
        warnings.warn(f"TCMalloc not found: training stages run with the system's malloc and may hold twice the "
                      f"memory (install the {TCMALLOC_PACKAGE} package, as `make setup` does, or set "
                      f"{ALLOCATOR_VARIABLE}=system to silence this)", AllocatorWarning, stacklevel=2)
        return environment
    preloaded = environment.get("LD_PRELOAD", "").replace(":", " ").split()
    if any("tcmalloc" in entry for entry in preloaded):
        return environment
    environment["LD_PRELOAD"] = " ".join([library, *preloaded])
    return environment
