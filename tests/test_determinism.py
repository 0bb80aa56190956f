"""The same seed gives the same documents in every process: nothing depends on Python's hash randomization
or on the global ``random`` state (Faker has both: its it_IT city list is built from a set, its es_ES tax ids
draw from the global ``random``)."""

from __future__ import annotations

import os
import random
import subprocess
import sys

from conftest import ROOT

from specocr.domains.es import cif_check, spanish_cif, spanish_nif

#: Prints a digest of every shipped domain's documents and of the zoo's held-out sets (texts and pixels).
DIGEST_SCRIPT = """
import hashlib, json, random, sys
random.seed(int(sys.argv[1]))  # a different global random state in each process
from faker import Faker
from specocr.domains import generate_content
from specocr.domains import available, get_domain
from specocr.models.held_out import held_out_sets
from specocr.params import load_params
digest = hashlib.sha256()
for domain in available():
    spec = get_domain(domain)
    fake = Faker(spec.faker_locale)
    for category in spec.generators:
        for seed in range(40):
            c = generate_content(category, seed, fake, domain)
            digest.update(json.dumps([c.header, c.body, c.footer, c.margin], ensure_ascii=False).encode())
params = load_params("params.yaml")
for name, examples in held_out_sets(params.zoo.seed + 1, 48, params.data.block, params.data.page).items():
    for example in examples:
        digest.update(f"{name}/{example.prompt}/{example.answer}".encode() + example.image.tobytes())
print(digest.hexdigest())
"""


def digest_in_a_new_process(hash_seed: int) -> str:
    env = {**os.environ, "PYTHONHASHSEED": str(hash_seed)}
    result = subprocess.run([sys.executable, "-c", DIGEST_SCRIPT, str(hash_seed)], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=600, check=True)
    return result.stdout.strip()


def test_documents_and_held_out_sets_do_not_depend_on_the_process() -> None:
    assert digest_in_a_new_process(1) == digest_in_a_new_process(2)


def test_spanish_tax_ids_carry_their_check_characters() -> None:
    assert cif_check("A", "5881850") == "1"  # A58818501
    assert cif_check("Q", "2826000") == "H"  # Q2826000H: letter-controlled legal form
    assert spanish_nif(random.Random(0)) == spanish_nif(random.Random(0))
    nif = spanish_nif(random.Random(7))
    assert len(nif) == 9 and "TRWAGMYFPDXBNJZSQVHLCKE"[int(nif[:8]) % 23] == nif[8]
    cifs = {spanish_cif(random.Random(seed)) for seed in range(200)}
    assert all(len(c) == 9 and c[-1] == cif_check(c[0], c[1:8]) for c in cifs) and len(cifs) == 200
