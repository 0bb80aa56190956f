# specocr: two commands on a fresh Debian machine with Python 3.11.
#   make repro                          set up, then `dvc repro` of the embedded default (params.yaml)
#   make repro PARAMS=params/smoke.yaml the same pipeline on an overlay of params.yaml (params.yaml is restored after)
#   make test                           set up, then the test suite (what CI runs)
#   make repro STACK=gpu PARAMS=params/paper.yaml   the paper scale on a CUDA machine (.venv-gpu, .venv-awq)
#   make setup-awq                      the AWQ environment (.venv-awq) that quant.method awq runs in
#   make zoo                            pretrain the four zoo bases in order (resumable; hours on a CPU)
#   make paper                          the companion paper's PDF from paper/ (needs LaTeX)

PARAMS ?= params.yaml
PYTHON ?= $(shell command -v python3.11 || command -v python3)
# STACK=gpu: the CUDA stack for params/paper.yaml (vLLM, bf16 training) in .venv-gpu, e.g.
#   make repro STACK=gpu PARAMS=params/paper.yaml
# vLLM pins its own torch, transformers and compressed-tensors (envs/gpu.txt), so the two stacks live apart.
STACK ?= cpu
ifeq ($(STACK),gpu)
VENV := .venv-gpu
AWQ_TORCH ?= torch==2.14.0
else ifeq ($(STACK),cpu)
VENV := .venv
AWQ_TORCH ?= torch==2.13.0
else
$(error STACK is cpu or gpu, not $(STACK))
endif
BIN := $(CURDIR)/$(VENV)/bin
# The CPU build of PyTorch. On machines whose pip index serves CUDA builds by default, point pip at
# PyTorch's CPU wheel index, e.g. make repro TORCH_PIP_ARGS="--index-url <the CPU index URL>".
TORCH_PIP_ARGS ?=
# Debian packages: Tesseract with Portuguese (baselines, legibility test), the document fonts, and the faces of
# the zoo's styled pretraining documents (specocr.data.styles; its held-out faces included), and TCMalloc for the
# training processes (specocr.allocator).
APT_PACKAGES := tesseract-ocr tesseract-ocr-por fonts-dejavu-core fonts-liberation fonts-dkg-handwriting \
	fonts-breip fonts-dancingscript fonts-dejavu-extra fonts-urw-base35 fonts-crosextra-carlito \
	fonts-crosextra-caladea fonts-open-sans fonts-sil-andika fonts-go fonts-freefont-ttf fonts-lato fonts-comic-neue \
	libtcmalloc-minimal4

.PHONY: repro test zoo paper setup setup-awq system-deps clean-venv

# An overlay is composed onto params.yaml (the file DVC and the stages read) for the run only: the tracked
# params.yaml comes back when dvc repro ends, fails or is interrupted. An overlay that quantizes with AWQ
# (quant.method awq: the paper-scale files) gets the AWQ environment first.
repro: setup
ifeq ($(PARAMS),params.yaml)
	PATH="$(BIN):$$PATH" dvc repro
else
	cp params.yaml .params.default.yaml && trap 'test ! -f .params.default.yaml || mv -f .params.default.yaml params.yaml' EXIT INT TERM && \
	  $(BIN)/specocr compose-params $(PARAMS) --out params.yaml && \
	  { ! grep -q '^  method: awq' params.yaml || $(MAKE) setup-awq STACK=$(STACK); } && PATH="$(BIN):$$PATH" dvc repro
endif

test: setup setup-awq
	PATH="$(BIN):$$PATH" $(BIN)/python -m pytest

# Pretrain the four zoo bases (levels 1 and 2 at sizes S and M, whichever params.bases selects; hours on 2 CPU
# cores, minutes on a GPU): one process per size, side by side. Re-running resumes from zoo/.work/.
zoo: setup
	$(BIN)/specocr build-zoo --params params.yaml

# The companion paper's PDF from the report stage's files (needs a LaTeX installation with latexmk).
paper:
	@command -v latexmk >/dev/null || { echo "make paper needs LaTeX: sudo apt-get install latexmk texlive-latex-extra"; exit 2; }
	cd paper && latexmk -pdf -interaction=nonstopmode main.tex

setup: system-deps $(VENV)/.installed

system-deps:
	@missing=""; \
	for package in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$package 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$package"; \
	done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if ! command -v apt-get >/dev/null; then \
	  echo "error: missing system packages:$$missing (this needs Debian/Ubuntu's apt-get; install their equivalents)" >&2; exit 1; \
	elif [ "$$(id -u)" = 0 ]; then \
	  echo "Installing system packages:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then \
	  echo "Installing system packages with sudo:$$missing"; \
	  sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	else \
	  echo "error: missing system packages:$$missing" >&2; \
	  echo "       run as root:  sudo apt-get install -y$$missing   then run make again" >&2; exit 1; \
	fi

# Re-installs when pyproject.toml changes. CPU: torch goes first so that pip keeps the CPU build. GPU: envs/gpu.txt's
# pins replace pyproject's; specocr goes in without dependencies.
$(VENV)/.installed: pyproject.toml $(if $(filter gpu,$(STACK)),envs/gpu.txt)
	@test -n "$(PYTHON)" || { echo "error: no python3.11 or python3 on PATH" >&2; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' || \
	  { echo "error: $(PYTHON) is not Python 3.11 (set PYTHON=/path/to/python3.11)" >&2; exit 1; }
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
ifeq ($(STACK),gpu)
	$(BIN)/python -m pip install -q -r envs/gpu.txt $$($(PYTHON) envs/dependencies.py torch transformers compressed-tensors numpy)
	$(BIN)/python -m pip install -q --no-deps -e .
else
	$(BIN)/python -m pip install -q torch==2.13.0 $(TORCH_PIP_ARGS)
	$(BIN)/python -m pip install -q -e ".[dev]"
endif
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (specocr)" >/dev/null
	touch $@

# llm-compressor (quant.method awq) pins versions of transformers and compressed-tensors that neither the main
# environment nor vLLM's accept: it has an environment of its own, which the quant stage runs as a subprocess
# (specocr.train.awq). AWQ_TORCH (above): the CPU build for STACK=cpu (the tests calibrate on the CPU), CUDA's
# for STACK=gpu.
AWQ_VENV := .venv-awq

setup-awq: $(AWQ_VENV)/.installed

$(AWQ_VENV)/.installed: envs/awq.txt
	@test -n "$(PYTHON)" || { echo "error: no python3.11 or python3 on PATH" >&2; exit 1; }
	test -x $(AWQ_VENV)/bin/python || $(PYTHON) -m venv $(AWQ_VENV)
	$(AWQ_VENV)/bin/python -m pip install -q --upgrade pip
	$(AWQ_VENV)/bin/python -m pip install -q $(AWQ_TORCH) $(TORCH_PIP_ARGS)
	$(AWQ_VENV)/bin/python -m pip install -q -r envs/awq.txt
	touch $@

clean-venv:
	rm -rf .venv .venv-gpu $(AWQ_VENV)
