"""The feasibility study's curriculum from random weights, with loss-threshold advances: does it read here?

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python bench/bootstrap_phases.py --minutes 40 [--work /tmp/phases]

Phases (each batch is the phase's kind, or with 30% chance one of the earlier kinds named), advancing when
the exponential moving average (0.95) of the phase's own loss falls below 0.35, as in
shared/research/tiny-vlm-feasibility.md run B:

1. ``easy``: the bootstrap's clean monospace lines (13 px, <= 12 characters, fixed offset);
2. ``clean24``: the same face and offset, <= 24 characters (half general text, half the bootstrap's words);
3. ``mono``: general text of <= 36 characters, DejaVu Sans Mono 12-14 px, shifted 0-8 px right and 1 px up
   or down, grey ink on grey paper (bench/curriculum_probe.py's ``mono``);
4. ``printed``: general lines of <= 36 characters in the benchmark's six printed faces, strength <= 0.5.

Size S, seed of params.zoo, AdamW lr 2e-3 (constant after 100 warmup steps), batch 32, 2 threads. Prints the
EMA of the phase's loss every 50 steps and, every 300 steps, the greedy CER on 32 held-out printed lines (the
zoo cards' target set), 16 held-out ``mono`` lines and 16 held-out easy lines. Checkpoints every 100 steps
into ``--work``; run it again to continue. Results: bench/README.md.
"""

import argparse
import os
import random
import time

import torch
from curriculum_probe import general_text, mono_line, monospace_fonts, printed_line  # bench/ is on the path
from PIL import Image, ImageDraw
from transformers import get_constant_schedule_with_warmup
from trl.trainer.sft_trainer import DataCollatorForVisionLanguageModeling

from specocr.models.foundations import character_error_rate, generate_answers, held_out_sets
from specocr.models.pretraining_data import (
    OCR_PROMPT,
    Example,
    _easy_text,
    easy_ocr_example,
    make_fakers,
)
from specocr.models.zoo import build_model
from specocr.params import load_params
from specocr.paths import project_root

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--minutes", type=float, default=40)
parser.add_argument("--work", default="/tmp/phases")
parser.add_argument("--threads", type=int, default=2)
args = parser.parse_args()
torch.set_num_threads(args.threads)
p = load_params(project_root() / "params.yaml")
block, page = p.data.block, p.data.page
fakers = make_fakers()
MONO = monospace_fonts()


def clean24(seed):
    rng = random.Random(seed)
    text = _easy_text(rng, 24) if rng.random() < 0.5 else general_text(rng, seed, 24, fakers)
    im = Image.new("RGB", (block.width, block.line_height), (255,) * 3)
    f = MONO[13]
    a, d = f.getmetrics()
    ImageDraw.Draw(im).text((block.side_padding, (block.line_height - a - d) // 2), text, font=f, fill=(0,) * 3)
    return Example(im, OCR_PROMPT, text)


def mono(seed):
    return mono_line(seed, 36, block, fakers, MONO)


def printed(seed):
    return printed_line(seed, 36, block, page, fakers)


easy = lambda s: easy_ocr_example(s, block, page, 13)
# phase: (main kind, lower kinds mixed at 30%)
PHASES = [("easy", []), ("clean24", ["easy"]), ("mono", ["easy", "clean24"]), ("printed", ["mono", "clean24"])]
MAKERS = {"easy": easy, "clean24": clean24, "mono": mono, "printed": printed}
WORK = args.work
os.makedirs(WORK, exist_ok=True)
model, proc = build_model("S", p.zoo, seed=7)
opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=0.01)
sch = get_constant_schedule_with_warmup(opt, 100)
state = {"step": 0, "phase": 0, "ema": None, "log": []}
if os.path.exists(f"{WORK}/ckpt.pt"):
    ck = torch.load(f"{WORK}/ckpt.pt", weights_only=False)
    model.load_state_dict(ck["model"])
    opt.load_state_dict(ck["opt"])
    sch.load_state_dict(ck["sch"])
    state = ck["state"]
col = DataCollatorForVisionLanguageModeling(proc, completion_only_loss=True)
held = held_out_sets(p.zoo.seed + 1, 32, block, page)["printed_lines"]
held_mono = [mono(5 * 10**7 + i) for i in range(16)]
held_easy = [easy(i) for i in range(16)]


def ev():
    r = {}
    for name, ex in (("printed", held), ("mono", held_mono), ("easy", held_easy)):
        a = generate_answers(model, proc, ex, max_new_tokens=60)
        r[name] = round(character_error_rate(a, [e.answer for e in ex]), 3)
    model.train()
    return r


model.train()
t = time.perf_counter()
budget = args.minutes * 60
while time.perf_counter() - t < budget:
    step = state["step"]
    main, lower = PHASES[state["phase"]]
    rng = random.Random(step)
    kind = rng.choice(lower) if lower and rng.random() < 0.3 else main
    batch = col([MAKERS[kind](10**7 + step * 32 + i).as_prompt_completion() for i in range(32)])
    loss = model(**batch).loss
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    sch.step()
    opt.zero_grad(set_to_none=True)
    state["step"] += 1
    if kind == main:
        state["ema"] = loss.item() if state["ema"] is None else 0.95 * state["ema"] + 0.05 * loss.item()
    state["log"].append((state["step"], kind, round(loss.item(), 3)))
    if state["ema"] is not None and state["ema"] < 0.35 and state["phase"] < len(PHASES) - 1:
        print("ADVANCE at", state["step"], "from", main, flush=True)
        state["phase"] += 1
        state["ema"] = None
    if state["step"] % 50 == 0:
        print(state["step"], main, "ema", round(state["ema"] or 0, 3), round(time.perf_counter() - t), flush=True)
    if state["step"] % 300 == 0:
        print("EVAL", state["step"], ev(), flush=True)
    if state["step"] % 100 == 0:
        torch.save(
            {"model": model.state_dict(), "opt": opt.state_dict(), "sch": sch.state_dict(), "state": state},
            f"{WORK}/ckpt.pt.tmp",
        )
        os.replace(f"{WORK}/ckpt.pt.tmp", f"{WORK}/ckpt.pt")
print("EVAL end", state["step"], ev(), flush=True)
torch.save(
    {"model": model.state_dict(), "opt": opt.state_dict(), "sch": sch.state_dict(), "state": state}, f"{WORK}/ckpt.pt"
)
