"""Brazilian-Portuguese documents without templates: text a model can only get right by reading it.

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python experiments/free_form_documents.py OUT --documents 3000

Writes a ``DatasetDict`` with a ``train`` split of ``--documents`` documents in the pipeline's geometry, schema,
categories and degradation (params.yaml's ``data``), whose lines are drawn independently of each other: labelled
fields from a bank of ~70 labels with Faker ``pt_BR`` values, amounts, dates, times and codes, list items, and
sentences of common Portuguese words in random order (every accented letter, upper and lower case). A header is a
random title, name or company, or absent; a footer a signature, place and date, page number, or absent. Used by
``experiments/sft_probe.py --extra-train OUT`` to test whether SFT on documents the model cannot predict keeps it
reading (experiments/README.md, "Templates the SFT never saw").
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

from faker import Faker

from specocr.data.generate import build_benchmark, save_benchmark
from specocr.data.synthetic import DocumentContent, pick
from specocr.domains import Domain, get_domain, register
from specocr.domains.pt_br import money, place_and_date, short_date, some_date
from specocr.params import load_params
from specocr.paths import project_root

DOMAIN_NAME = "pt_br_free_form"

WORDS = tuple("""
a o e de do da dos das em no na nos nas para por com sem sobre entre até após ante como quando onde porque mas
ou também já ainda nunca sempre hoje amanhã ontem aqui ali lá muito pouco mais menos bem mal não sim cada todo
toda outro outra mesmo nosso nossa seu sua esse essa este esta aquele aquela qual quem ser estar ter haver fazer
dizer poder dar ver saber querer chegar passar ficar deixar pedir levar pagar enviar receber assinar informar
solicitar apresentar entregar retirar cumprir prestar ação adoção água alçada ânimo área atenção audiência aviso
balanço cálculo câmara canção capítulo cartório certidão cidadão ciência coleção comissão condição cônjuge
contrato cópia crédito débito decisão declaração dívida edição educação eleição endereço espécie exceção família
férias físico função garantia gestão hipótese horário igreja imóvel índice início inscrição insônia irmão juízo
lâmpada lição limão localização mãe mão máquina médico mês município músico nação notícia número óculos ofício
ônibus opção órgão órfão pão papéis parágrafo país patrimônio pêssego polícia português prédio preço processo
público questão razão região relógio reunião saúde secretário sessão situação tábua técnico título último
único usuário válido vídeo vírgula avô avó você três mês pôr após fé café até já só lá cá pé
""".split())
CAPITALIZED = ("Ação", "Água", "Área", "Índice", "Órgão", "Ônibus", "Último", "Ética", "Êxito", "Às", "Égua",
               "Ótimo", "Único", "Íntegra", "Ânimo", "À", "Ásia", "Ícone", "Ótica", "Ônus")
LABELS = ("Nome", "Endereço", "Bairro", "Município", "Cidade", "Estado", "CEP", "Telefone", "Celular", "E-mail",
          "CPF", "RG", "CNPJ", "Empresa", "Cargo", "Setor", "Profissão", "Responsável", "Solicitante", "Data",
          "Vencimento", "Emissão", "Validade", "Horário", "Valor", "Total", "Desconto", "Saldo", "Parcela",
          "Quantidade", "Código", "Protocolo", "Processo nº", "Matrícula", "Inscrição", "Placa", "Turma", "Sala",
          "Assunto", "Observações", "Destino", "Origem", "Banco", "Agência", "Conta", "Referência", "Pedido nº",
          "Nota nº", "Situação", "Prazo", "Local", "Motivo", "Categoria", "Unidade", "Ramal", "Atendente",
          "Paciente", "Aluno(a)", "Titular", "Dependente", "Beneficiário", "Fornecedor", "Cliente", "Vendedor",
          "Produto", "Serviço", "Modelo", "Série", "Lote")


def _sentence(rng: random.Random, words: int) -> str:
    chosen = [pick(rng, WORDS) for _ in range(words)]
    if rng.random() < 0.2:
        chosen[0] = pick(rng, CAPITALIZED)
    text = " ".join(chosen)
    text = text[0].upper() + text[1:]
    if rng.random() < 0.15:
        text = text.upper()
    return text + pick(rng, (".", ".", ",", ";", ":", "!", "?", ""))


def _value(fake: Faker, rng: random.Random) -> str:
    makers = (fake.name, fake.street_address, fake.bairro, fake.city, fake.estado_sigla, fake.phone_number,
              fake.cpf, fake.cnpj, fake.rg, fake.company, fake.job, fake.email,
              lambda: fake.postcode(formatted=True), lambda: short_date(some_date(rng)),
              lambda: money(rng.randint(1, 20000) + rng.choice((0, 0.5, 0.99, 0.1))),
              lambda: f"{rng.randint(0, 23)}h{rng.choice(('', '00', '15', '30', '45'))}",
              lambda: f"{rng.randint(1, 9999)}/{rng.randint(2010, 2026)}",
              lambda: f"{rng.randint(1, 99)}%", lambda: str(rng.randint(1, 999999)),
              lambda: fake.license_plate(), lambda: _sentence(rng, rng.randint(1, 4)))
    return pick(rng, makers)()


def _line(fake: Faker, rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.4:
        return f"{pick(rng, LABELS)}{pick(rng, (':', ':', ' -', ''))} {_value(fake, rng)}"
    if kind < 0.55:
        return f"{pick(rng, ('-', '*', '1.', '2)', 'a)', '>'))} {_sentence(rng, rng.randint(2, 5)).rstrip('.')}"
    if kind < 0.7:
        quantity, price = rng.randint(1, 12), rng.randint(1, 300) + rng.choice((0, 0.5, 0.9))
        return pick(rng, (f"{quantity} x {money(price)} = {money(quantity * price)}",
                          f"{_sentence(rng, 2).rstrip('.')} ... {money(price)}",
                          f"{quantity} un. {_sentence(rng, 2).rstrip('.')}"))
    return _sentence(rng, rng.randint(4, 9))


def _document(category: str, fake: Faker, rng: random.Random) -> DocumentContent:
    header = pick(rng, (lambda: _sentence(rng, rng.randint(1, 4)).rstrip(".,;:!?").upper(),
                        lambda: _sentence(rng, rng.randint(1, 3)).rstrip(".,;:!?"),
                        fake.company, fake.name, lambda: None))()
    lines = [_line(fake, rng) for _ in range(rng.randint(2, 6))]
    body = [" ".join(lines)] if category == "legal" and rng.random() < 0.5 else lines
    footer = pick(rng, (fake.name, lambda: place_and_date(fake, rng), lambda: f"Página {rng.randint(1, 9)}",
                        fake.company, lambda: None, lambda: None))()
    return DocumentContent(category, "livre", header, body, footer=footer)


def free_form_domain() -> Domain:
    base = get_domain("pt_br")
    generators = {category: (lambda fake, rng, category=category: _document(category, fake, rng),)
                  for category in base.generators}
    return register(Domain(
        name=DOMAIN_NAME, language=base.language, description=base.description, faker_locale=base.faker_locale,
        generators=generators, category_styles=base.category_styles, letters=base.letters,
        extra_characters=base.extra_characters,
        content_note="Faker `pt_BR` and experiments/free_form_documents.py's word and label banks"), replace=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--documents", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=7013, help="content and rendering seed (not data.seed)")
    args = parser.parse_args()
    params = load_params(project_root() / "params.yaml")
    free_form_domain()
    data = params.data.model_copy(update={"domain": DOMAIN_NAME, "seed": args.seed, "workers": 1,
                                          "splits": params.data.splits.model_copy(
                                              update={"train": args.documents, "val": 0, "test": 0})})
    save_benchmark(build_benchmark(data), args.out)


if __name__ == "__main__":
    main()
