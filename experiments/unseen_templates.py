"""Does a specialist read, or recite its templates? Test documents from templates SFT never saw.

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python experiments/unseen_templates.py /tmp/unseen \
        --system tesseract --system rapidocr --system models/ocr-S/dpo [--documents 48]

Makes ``--documents`` test documents in the pipeline's geometry, schema, categories and degradation levels
(params.yaml's ``data``) from nine Brazilian-Portuguese templates that ``specocr.domains.pt_br`` does not have
(invoices, opening hours, a menu; letters, phone messages, market lists; service contracts, court summonses,
meeting minutes), saves them to ``OUT/documents`` and scores each ``--system`` on them as ``specocr evaluate``
does (``OUT/<system>/metrics.json``). The same renderer and fonts as the pipeline: only the templates differ;
``--held-out-faces`` draws them in varied styles and faces that no training example uses (other templates and
other rendering).
Never used to choose anything that is then reported on the test split; the pipeline's test split is untouched.
"""

from __future__ import annotations

import argparse
import json
import random
import re
from dataclasses import replace
from pathlib import Path

import yaml
from datasets import Dataset, DatasetDict
from faker import Faker

from specocr.data.generate import FEATURES, build_benchmark, make_document, plan_split, save_benchmark
from specocr.data.synthetic import DocumentContent, pick
from specocr.domains import Domain, get_domain, register
from specocr.domains.pt_br import MONTHS, money, place_and_date, short_date, some_date
from specocr.params import load_params
from specocr.paths import project_root

DOMAIN_NAME = "pt_br_unseen_templates"


def printed_invoice(fake: Faker, rng: random.Random) -> DocumentContent:
    service = pick(rng, ("consultoria contábil", "manutenção de ar-condicionado", "desenvolvimento de site",
                         "transporte de mercadorias", "aulas particulares de inglês"))
    value = rng.randint(150, 9000) + rng.choice((0, 0.5, 0.75))
    lines = [f"Prestador: {fake.company()}", f"CNPJ: {fake.cnpj()}", f"Tomador: {fake.name()}",
             f"Serviço: {service}", f"Valor total: {money(value)}", f"Emissão: {short_date(some_date(rng))}"]
    return DocumentContent("printed", "nota_fiscal", f"NOTA FISCAL DE SERVIÇO Nº {rng.randint(100, 99999):05d}",
                           lines, footer=pick(rng, ("Documento emitido eletronicamente", None)))


def printed_opening_hours(fake: Faker, rng: random.Random) -> DocumentContent:
    start, end = rng.randint(7, 10), rng.randint(16, 19)
    lines = [f"Segunda a sexta: das {start}h às {end}h", f"Sábados: das {start + 1}h às {rng.randint(12, 14)}h",
             "Domingos e feriados: fechado", f"Telefone: {fake.phone_number()}", f"{fake.street_address()}"]
    return DocumentContent("printed", "horario", f"HORÁRIO DE FUNCIONAMENTO - {fake.company().upper()}", lines,
                           footer=pick(rng, ("Agradecemos a preferência.", "Volte sempre!", None)))


def printed_menu(fake: Faker, rng: random.Random) -> DocumentContent:
    dishes = ["Feijoada completa", "Frango grelhado com arroz", "Moqueca de peixe", "Bife acebolado",
              "Salada de maionese", "Pudim de leite", "Suco de maracujá", "Pão de queijo (6 un.)"]
    rng.shuffle(dishes)
    lines = [f"{dish} ... {money(rng.randint(5, 60) + rng.choice((0, 0.5, 0.9)))}" for dish in dishes[:rng.randint(3, 5)]]
    return DocumentContent("printed", "cardapio", pick(rng, ("CARDÁPIO DO DIA", "PRATOS EXECUTIVOS")), lines,
                           footer=f"Restaurante {fake.last_name()}")


def handwritten_letter(fake: Faker, rng: random.Random) -> DocumentContent:
    first = fake.first_name()
    body = pick(rng, (f"Cheguei bem em {fake.city()}. A viagem foi longa, mas valeu a pena.",
                      "Estou com saudade de todos. Mande notícias quando puder.",
                      f"Recebi sua carta no dia {rng.randint(1, 28)} de {pick(rng, MONTHS)} e fiquei muito feliz."))
    return DocumentContent("handwritten", "carta", pick(rng, (f"Olá, {first}!", f"Querido(a) {first},")), [body],
                           footer=pick(rng, (f"Com carinho, {fake.first_name()}", "Um abraço apertado!")))


def handwritten_phone_message(fake: Faker, rng: random.Random) -> DocumentContent:
    lines = [f"Ligou {fake.name()} às {rng.randint(8, 18)}h{rng.choice(('', '15', '30', '45'))}.",
             f"Pediu retorno no número {fake.phone_number()}.",
             pick(rng, ("Assunto: orçamento da obra.", "É urgente!", "Disse que volta a ligar amanhã."))]
    return DocumentContent("handwritten", "recado", pick(rng, ("Recado", "Para o sr. " + fake.last_name())), lines,
                           footer=f"Anotado por {fake.first_name()}")


def handwritten_market_list(fake: Faker, rng: random.Random) -> DocumentContent:
    items = ["2 kg de tomate", "1 dúzia de ovos", "3 maçãs", "1 maço de coentro", "500 g de queijo minas",
             "1 abacaxi", "meio quilo de feijão", "4 bananas-prata"]
    rng.shuffle(items)
    return DocumentContent("handwritten", "feira", f"Feira de {pick(rng, ('sábado', 'domingo', 'quarta'))}",
                           items[:rng.randint(3, 6)], footer=pick(rng, ("Não esquecer a sacola!", None)))


def legal_service_contract(fake: Faker, rng: random.Random) -> DocumentContent:
    body = (f"CONTRATANTE: {fake.name()}, CPF {fake.cpf()}. CONTRATADA: {fake.company()}, CNPJ {fake.cnpj()}. "
            f"As partes acima celebram o presente contrato pelo prazo de {rng.randint(2, 24)} meses.")
    return DocumentContent("legal", "contrato", "CONTRATO DE PRESTAÇÃO DE SERVIÇOS", [body],
                           footer=place_and_date(fake, rng))


def legal_summons(fake: Faker, rng: random.Random) -> DocumentContent:
    number = f"{rng.randint(0, 9999999):07d}-{rng.randint(10, 99)}.{rng.randint(2015, 2025)}.8.26.{rng.randint(1, 999):04d}"
    body = (f"Processo nº {number}. Fica intimado(a) {fake.name()} a comparecer à audiência designada para o dia "
            f"{short_date(some_date(rng, 2025, 2026))}, às {rng.randint(9, 17)}h.")
    return DocumentContent("legal", "intimacao", "MANDADO DE INTIMAÇÃO", [body],
                           footer=f"Vara Cível de {fake.city()}")


def legal_minutes(fake: Faker, rng: random.Random) -> DocumentContent:
    body = (f"Aos {rng.randint(1, 28)} dias do mês de {pick(rng, MONTHS)}, reuniram-se os condôminos do "
            f"Edifício {fake.last_name()}, sob a presidência de {fake.name()}, para deliberar sobre "
            f"{pick(rng, ('a reforma da fachada', 'a troca do elevador', 'o orçamento anual'))}.")
    return DocumentContent("legal", "ata", "ATA DA ASSEMBLEIA GERAL ORDINÁRIA", [body],
                           footer=f"Secretário(a): {fake.name()}")


def unseen_domain() -> Domain:
    base = get_domain("pt_br")
    return register(Domain(
        name=DOMAIN_NAME, language=base.language, description=base.description, faker_locale=base.faker_locale,
        generators={"printed": (printed_invoice, printed_opening_hours, printed_menu),
                    "handwritten": (handwritten_letter, handwritten_phone_message, handwritten_market_list),
                    "legal": (legal_service_contract, legal_summons, legal_minutes)},
        category_styles=base.category_styles, letters=base.letters, extra_characters=base.extra_characters,
        content_note="Faker `pt_BR` and nine templates of experiments/unseen_templates.py"), replace=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--system", action="append", default=[], help="an engine or a model folder (repeatable)")
    parser.add_argument("--documents", type=int, default=48)
    parser.add_argument("--seed", type=int, default=20261202, help="content and rendering seed (not data.seed)")
    parser.add_argument("--threads", type=int, default=None, help="eval and engine threads (default: params.yaml's)")
    parser.add_argument("--held-out-faces", action="store_true",
                        help="draw the documents in varied styles with faces no training example uses "
                             "(specocr.data.styles.HELD_OUT_FONTS) instead of the pipeline's renderer")
    args = parser.parse_args()
    from specocr.cli import evaluate

    root = project_root()
    params = load_params(root / "params.yaml")
    unseen_domain()
    folder, spec_file = args.out / "documents", args.out / "documents.json"
    # test documents only: the training split's shares change none of them
    data = params.data.model_copy(update={"domain": DOMAIN_NAME, "seed": args.seed, "workers": 1,
                                          "free_form_share": 0.0, "styled_share": 0.0,
                                          "splits": params.data.splits.model_copy(
                                              update={"train": 0, "val": 0, "test": args.documents})})
    spec = data.model_dump_json() + (" held-out faces" if args.held_out_faces else "")
    if folder.is_dir():  # evaluate resumes predictions by document id: they must belong to these documents
        if not spec_file.is_file() or spec_file.read_text(encoding="utf-8") != spec:
            raise SystemExit(f"error: {args.out} holds documents made with other settings; use another OUT")
    elif args.held_out_faces:
        jobs = [replace(job, styled=True) for job in plan_split(data, "test")]
        fake = Faker(get_domain(DOMAIN_NAME).faker_locale)
        rows = [make_document(job, data, fake, held_out_faces=True) for job in jobs]
        save_benchmark(DatasetDict({"test": Dataset.from_list(rows, features=FEATURES, split="test")}), folder)
        spec_file.write_text(spec, encoding="utf-8")
    else:
        save_benchmark(build_benchmark(data), folder)
        spec_file.write_text(spec, encoding="utf-8")
    params_file = root / "params.yaml"
    if args.threads:  # a copy of params.yaml with other thread counts (the probe shares the machine)
        tree = yaml.safe_load(params_file.read_text(encoding="utf-8"))
        tree["eval"]["threads"] = tree["baselines"]["threads"] = args.threads
        params_file = args.out / "params.yaml"
        params_file.write_text(yaml.safe_dump(tree, sort_keys=False), encoding="utf-8")
    scores = {}
    for system in args.system:
        out = args.out / re.sub(r"[^A-Za-z0-9_.-]+", "_", system.strip("/"))
        evaluate(system=system, data=str(folder), out=out, split="test", params_file=params_file)
        metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
        scores[system] = metrics
    for system, metrics in scores.items():
        print(system, json.dumps({k: v for k, v in metrics.items() if not isinstance(v, (dict, list))}))
        print("  per category:", json.dumps(metrics["per_category"]))


if __name__ == "__main__":
    main()
