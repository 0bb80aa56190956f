"""How well each zoo base reads whole documents before any Portuguese training: issue 21's target 1.

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python bench/document_reading.py generalist-S ocr-S generalist-M ocr-M

Greedy CER of each named zoo base on held-out general documents of ``data.block.max_lines`` lines, printed and
handwriting-style (``held_out.held_out_sets``: the cards' seeds), asked with the pipeline's structured-OCR
prompt and read as the pipeline's bases read them (band strips of ``bases.<base>.strip_width``). The same
measurement as ``tests/test_zoo_shipped.py``'s document target, on ``--examples`` documents per set.
"""

from __future__ import annotations

import argparse
import time

import torch

from specocr.models import LEVEL2_DOCUMENT_TARGET_CER
from specocr.models.held_out import document_cers, held_out_sets
from specocr.params import load_params
from specocr.paths import project_root


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bases", nargs="+")
    parser.add_argument("--examples", type=int, default=24)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    root = project_root()
    params = load_params(root / "params.yaml")
    zoo, data = params.zoo, params.data
    sets = held_out_sets(zoo.seed + 1, args.examples, data.block, data.page)
    strip_width = next(spec.strip_width for spec in params.bases.values())
    print(f"| base | {' | '.join(f'CER {kind}' for kind in LEVEL2_DOCUMENT_TARGET_CER)} | seconds |")
    print(f"|---|{'---|' * len(LEVEL2_DOCUMENT_TARGET_CER)}---|")
    for name in args.bases:
        started = time.perf_counter()
        cers = list(document_cers(root / zoo.folder / name, {k: sets[k] for k in LEVEL2_DOCUMENT_TARGET_CER},
                                  data.block.line_height, strip_width).values())
        print(f"| `{name}` | {' | '.join(f'{c:.3f}' for c in cers)} | {time.perf_counter() - started:.0f} |",
              flush=True)


if __name__ == "__main__":
    main()
