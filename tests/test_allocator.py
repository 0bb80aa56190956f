"""The training processes' allocator: TCMalloc preloaded into the children the pipeline starts."""

from __future__ import annotations

import subprocess
import sys

import pytest

from specocr.allocator import AllocatorWarning, process_environment, tcmalloc_library


def test_tcmalloc_is_installed():
    # `make setup` installs it (the Makefile's APT_PACKAGES); without it SFT kernels hold twice the memory.
    assert tcmalloc_library() is not None


def test_a_child_process_runs_with_tcmalloc():
    environment = process_environment({"PATH": "/usr/bin:/bin"})
    maps = subprocess.run([sys.executable, "-c", "print(open('/proc/self/maps').read())"], env=environment,
                          capture_output=True, text=True, check=True).stdout
    assert "tcmalloc" in maps
    plain = subprocess.run([sys.executable, "-c", "print(open('/proc/self/maps').read())"],
                           env={"PATH": "/usr/bin:/bin"}, capture_output=True, text=True, check=True).stdout
    assert "tcmalloc" not in plain


def test_existing_preloads_are_kept_after_tcmalloc():
    environment = process_environment({"LD_PRELOAD": "libfoo.so:libbar.so"}, library="libtcmalloc_minimal.so.4")
    assert environment["LD_PRELOAD"] == "libtcmalloc_minimal.so.4 libfoo.so libbar.so"
    # preloading twice is not preloading again
    assert process_environment(environment, library="libtcmalloc_minimal.so.4") == environment


def test_system_allocator_on_request_and_bad_values_refused():
    assert "LD_PRELOAD" not in process_environment({"SPECOCR_ALLOCATOR": "system"}, library="libtcmalloc_minimal.so.4")
    with pytest.raises(ValueError, match="SPECOCR_ALLOCATOR"):
        process_environment({"SPECOCR_ALLOCATOR": "jemalloc"}, library="libtcmalloc_minimal.so.4")


def test_absent_library_warns_and_leaves_the_environment(monkeypatch):
    monkeypatch.setattr("specocr.allocator.tcmalloc_library", lambda: None)
    with pytest.warns(AllocatorWarning, match="libtcmalloc-minimal4"):
        assert process_environment({"PATH": "/bin"}) == {"PATH": "/bin"}
