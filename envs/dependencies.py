"""pyproject.toml's dependencies (and its dev extra) but the packages named on the command line, one per line:
what the GPU stack installs beside envs/gpu.txt, whose pins replace the named ones."""

import re
import sys
import tomllib
from pathlib import Path

project = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text(encoding="utf-8"))["project"]
replaced = {name.lower() for name in sys.argv[1:]}
for requirement in project["dependencies"] + project["optional-dependencies"]["dev"]:
    if re.split(r"[=<>!~\[; ]", requirement, maxsplit=1)[0].lower() not in replaced:
        print(requirement)
