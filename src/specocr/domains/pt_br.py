"""The Brazilian-Portuguese legal and administrative domain: the paper's (the first domain plug-in).

Printed forms and notices, handwritten notes, receipts and declarations, legal paperwork (certidão,
procuração, contrato de locação, ofício, requerimento, declaração de residência, RG). Names, numbers and
places come from Faker ``pt_BR``; amounts in words from num2words; the prose from the phrase templates
below, because Faker's ``text()`` is Latin lorem ipsum.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from functools import partial

from faker import Faker
from num2words import num2words

from specocr.data.synthetic import DocumentContent, Generator, date_of_birth, pick
from specocr.domains import Domain, register

#: The letters beyond ASCII that Portuguese needs: every one must occur in the test split.
PORTUGUESE_LETTERS = "çãõáéíóúâêôàÇÃÕÁÉÍÓÚÂÊÔÀ"

MONTHS = ("janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto", "setembro",
          "outubro", "novembro", "dezembro")


# --- small helpers ----------------------------------------------------------------------------------


def long_date(day: date) -> str:
    return f"{day.day} de {MONTHS[day.month - 1]} de {day.year}"


def short_date(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def money(value: float) -> str:
    """R$ 1.234,56 (Brazilian thousands and decimal separators)."""
    whole, cents = f"{value:,.2f}".split(".")
    return f"R$ {whole.replace(',', '.')},{cents}"


def money_in_words(value: float) -> str:
    return num2words(round(value, 2), lang="pt_BR", to="currency")


def some_date(rng: random.Random, start_year: int = 2015, end_year: int = 2025) -> date:
    start = date(start_year, 1, 1)
    return start + timedelta(days=rng.randrange((date(end_year, 12, 31) - start).days))


def place_and_date(fake: Faker, rng: random.Random) -> str:
    return f"{fake.city()}, {long_date(some_date(rng))}."


# --- phrase banks (our own Portuguese; Faker has no Portuguese prose) --------------------------------

NOTICE_SUBJECTS = ("manutenção da rede elétrica", "limpeza da caixa d'água", "reunião de condomínio",
                   "vacinação contra a gripe", "mudança de horário de atendimento", "reforma da calçada",
                   "recadastramento dos beneficiários", "inscrições para o curso de informática",
                   "novo horário dos ônibus", "eleição da câmara de moradores")
NOTICE_SENTENCES = (
    "Informamos que a {subject} acontecerá no dia {day}, a partir das {hour} horas.",
    "Pedimos a compreensão de todos durante o período de interrupção dos serviços.",
    "Os moradores que tiverem dúvidas devem procurar a administração até {day}.",
    "A participação de todos é muito importante para as decisões do próximo ano.",
    "É obrigatória a apresentação de documento de identificação com foto.",
    "As informações completas estão disponíveis na secretaria, de segunda a sexta-feira.",
    "Não haverá expediente nos dias de feriado municipal.",
    "Agradecemos a atenção e contamos com a colaboração de cada um.",
)
FORM_TITLES = ("FICHA DE CADASTRO", "FORMULÁRIO DE INSCRIÇÃO", "FICHA DE ATUALIZAÇÃO CADASTRAL",
               "SOLICITAÇÃO DE SERVIÇO", "FICHA DE MATRÍCULA", "CADASTRO NO ÓRGÃO MUNICIPAL")
NOTE_OPENERS = ("Lembrete:", "Não esquecer:", "Recado para {first}:", "Anotações do dia {short}:", "Lista de compras:")
NOTE_ITEMS = ("pagar a conta de luz", "ligar para o médico às {hour}h", "comprar pão, café e açúcar",
              "levar as crianças à escola", "buscar o documento no cartório", "renovar a carteira de motorista",
              "passar na farmácia", "entregar o relatório até sexta", "mandar mensagem para a tia Conceição",
              "trocar o botijão de gás", "regar as plantas da varanda", "marcar reunião com o síndico",
              "comprar feijão, arroz e óleo", "devolver o livro à biblioteca", "pegar a encomenda nos Correios")
RECEIPT_REASONS = ("referente ao aluguel do mês de {month}", "referente ao serviço de pintura da casa",
                   "pela venda de uma bicicleta usada", "referente às aulas de reforço de {month}",
                   "pelo conserto do telhado", "referente à mensalidade do clube")


# --- generators, one per kind of document ------------------------------------------------------------


def _person(fake: Faker) -> dict[str, str]:
    return {"name": fake.name(), "cpf": fake.cpf(), "rg": fake.rg(), "city": fake.city(),
            "uf": fake.estado_sigla(), "street": fake.street_address(), "bairro": fake.bairro(),
            "cep": fake.postcode(formatted=True), "job": fake.job()}


def printed_form(fake: Faker, rng: random.Random) -> DocumentContent:
    p = _person(fake)
    fields = [f"Nome: {p['name']}", f"CPF: {p['cpf']}", f"RG: {p['rg']}",
              f"Data de nascimento: {short_date(date_of_birth(fake, 18, 80))}",
              f"Endereço: {p['street']}, {p['bairro']}", f"Cidade: {p['city']} - {p['uf']}",
              f"CEP: {p['cep']}", f"Telefone: {fake.phone_number()}", f"Profissão: {p['job']}"]
    first = fields[:1]
    rest = fields[1:]
    rng.shuffle(rest)
    return DocumentContent("printed", "formulario", pick(rng, FORM_TITLES), first + rest,
                           footer=f"Data: {short_date(some_date(rng))}  Assinatura do responsável")


def printed_notice(fake: Faker, rng: random.Random) -> DocumentContent:
    subject = pick(rng, NOTICE_SUBJECTS)
    values = {"subject": subject, "day": long_date(some_date(rng)), "hour": str(rng.randint(7, 18))}
    sentences = [NOTICE_SENTENCES[0].format(**values)]
    others = list(NOTICE_SENTENCES[1:])
    rng.shuffle(others)
    sentences += [s.format(**values) for s in others[: rng.randint(2, 5)]]
    title = subject.upper() if rng.random() < 0.5 else subject.capitalize()
    header = pick(rng, ("COMUNICADO", "AVISO", "INFORMAÇÕES", "ATENÇÃO")) + f" - {title}"
    return DocumentContent("printed", "comunicado", header, [" ".join(sentences)],
                           footer=f"A Administração - {fake.company()}")


def handwritten_note(fake: Faker, rng: random.Random) -> DocumentContent:
    first = fake.first_name()
    opener = pick(rng, NOTE_OPENERS).format(first=first, short=short_date(some_date(rng)))
    items = list(NOTE_ITEMS)
    rng.shuffle(items)
    lines = [f"- {item.format(hour=rng.randint(8, 17))}" for item in items[: rng.randint(3, 6)]]
    return DocumentContent("handwritten", "bilhete", opener, lines, footer=pick(rng, (f"Beijos, {first}", "Obrigado!", "Até mais!", None)))


def handwritten_receipt(fake: Faker, rng: random.Random) -> DocumentContent:
    value = rng.randint(20, 4000) + rng.choice((0, 0, 0.5, 0.25, 0.9))
    payer, payee = fake.name(), fake.name()
    reason = pick(rng, RECEIPT_REASONS).format(month=pick(rng, MONTHS))
    body = (f"Recebi de {payer} a quantia de {money(value)} ({money_in_words(value)}), {reason}. "
            f"Para clareza, firmo o presente.")
    return DocumentContent("handwritten", "recibo", f"RECIBO  {money(value)}", [body, place_and_date(fake, rng)],
                           footer=payee)


def handwritten_declaration(fake: Faker, rng: random.Random) -> DocumentContent:
    p = _person(fake)
    fact = pick(rng, ("trabalhou como diarista em minha residência por {n} anos",
                      "é meu vizinho há {n} anos e é pessoa honesta",
                      "reside comigo neste endereço há {n} anos",
                      "está sob meus cuidados desde o mês de {month}")).format(n=rng.randint(2, 15), month=pick(rng, MONTHS))
    body = f"Eu, {fake.name()}, declaro para os devidos fins que {p['name']}, CPF {p['cpf']}, {fact}."
    return DocumentContent("handwritten", "declaracao", "Declaração", [body, place_and_date(fake, rng)],
                           footer="É o que declaro.")


def legal_certidao(fake: Faker, rng: random.Random) -> DocumentContent:
    person, father, mother = fake.name(), fake.name_male(), fake.name_female()
    born = date_of_birth(fake, 0, 70)
    city, uf = fake.city(), fake.estado_sigla()
    kind = pick(rng, ("NASCIMENTO", "CASAMENTO"))
    if kind == "NASCIMENTO":
        body = [f"Certifico que {person}, nascido(a) em {long_date(born)}, na cidade de {city} - {uf}, "
                f"é filho(a) de {father} e de {mother}.",
                f"Matrícula nº {rng.randint(100000, 999999)} 01 55 {born.year} 1 {rng.randint(10000, 99999)}."]
    else:
        body = [f"Certifico que {father} e {mother} contraíram matrimônio em {long_date(some_date(rng))}, "
                f"sob o regime de comunhão parcial de bens, perante o oficial de registro civil de {city} - {uf}.",
                f"O cônjuge {mother} passou a assinar {mother.split()[0]} {father.split()[-1]}."]
    return DocumentContent("legal", "certidao", f"CERTIDÃO DE {kind}", body,
                           footer=f"O referido é verdade e dou fé. {city}, {short_date(some_date(rng))}.",
                           margin=f"Livro A-{rng.randint(1, 300)}, folha {rng.randint(1, 300)}")


def legal_procuracao(fake: Faker, rng: random.Random) -> DocumentContent:
    grantor, attorney = _person(fake), _person(fake)
    body = [f"OUTORGANTE: {grantor['name']}, brasileiro(a), {grantor['job'].lower()}, portador(a) do RG "
            f"{grantor['rg']} e inscrito(a) no CPF sob o nº {grantor['cpf']}, residente à {grantor['street']}, "
            f"{grantor['city']} - {grantor['uf']}.",
            f"OUTORGADO: {attorney['name']}, CPF {attorney['cpf']}.",
            "PODERES: representar o(a) outorgante perante órgãos públicos, bancos e repartições, podendo "
            "assinar requerimentos, retirar documentos e praticar todos os atos necessários ao fiel "
            "cumprimento deste mandato."]
    return DocumentContent("legal", "procuracao", "PROCURAÇÃO", body, footer=place_and_date(fake, rng),
                           margin=f"Reconheço a firma. Cartório do {rng.randint(1, 30)}º Ofício")


def legal_locacao(fake: Faker, rng: random.Random) -> DocumentContent:
    landlord, tenant = fake.name(), fake.name()
    rent = rng.randint(600, 6000)
    body = [f"LOCADOR: {landlord}, CPF {fake.cpf()}. LOCATÁRIO: {tenant}, CPF {fake.cpf()}.",
            f"Cláusula 1ª - O imóvel situado à {fake.street_address()}, {fake.bairro()}, {fake.city()}, "
            f"será locado pelo prazo de {rng.choice((12, 24, 30, 36))} meses.",
            f"Cláusula 2ª - O aluguel mensal é de {money(rent)} ({money_in_words(rent)}), a ser pago até o "
            f"dia {rng.randint(1, 10)} de cada mês.",
            "Cláusula 3ª - O locatário não poderá sublocar o imóvel sem autorização por escrito do locador."]
    return DocumentContent("legal", "contrato_locacao", "CONTRATO DE LOCAÇÃO RESIDENCIAL", body,
                           footer=place_and_date(fake, rng), margin=f"Página {rng.randint(1, 3)} de 3")


def legal_oficio(fake: Faker, rng: random.Random) -> DocumentContent:
    number = f"{rng.randint(1, 999):03d}/{some_date(rng).year}"
    organ = pick(rng, ("Secretaria Municipal de Saúde", "Câmara Municipal", "Secretaria de Educação",
                       "Defensoria Pública", "Procuradoria do Município"))
    body = [f"À {organ} de {fake.city()}.",
            f"Assunto: {pick(rng, ('solicitação de informações', 'encaminhamento de documentos', 'pedido de providências'))}.",
            f"Senhor(a) Secretário(a), solicitamos a Vossa Senhoria o envio das informações referentes ao processo "
            f"nº {rng.randint(1000, 9999)}.{rng.randint(100, 999)}/{some_date(rng).year}, no prazo de "
            f"{rng.choice((5, 10, 15, 30))} dias úteis.",
            "Atenciosamente,", fake.name()]
    return DocumentContent("legal", "oficio", f"OFÍCIO Nº {number}", body, footer=place_and_date(fake, rng))


def legal_requerimento(fake: Faker, rng: random.Random) -> DocumentContent:
    p = _person(fake)
    request = pick(rng, ("a emissão da segunda via da certidão", "a revisão do valor do IPTU",
                         "o cancelamento da inscrição municipal", "a cópia integral do processo administrativo",
                         "a concessão de férias no próximo trimestre"))
    body = [f"{p['name']}, CPF {p['cpf']}, residente à {p['street']}, {p['bairro']}, {p['city']} - {p['uf']}, "
            f"vem respeitosamente requerer {request}.",
            "Nestes termos, pede deferimento.", place_and_date(fake, rng)]
    return DocumentContent("legal", "requerimento", "REQUERIMENTO", body,
                           footer=f"Protocolo nº {rng.randint(10000, 99999)}")


def legal_residencia(fake: Faker, rng: random.Random) -> DocumentContent:
    p = _person(fake)
    body = [f"Eu, {p['name']}, portador(a) do RG {p['rg']} e do CPF {p['cpf']}, declaro, sob as penas da lei, "
            f"que resido à {p['street']}, bairro {p['bairro']}, CEP {p['cep']}, na cidade de {p['city']} - {p['uf']}.",
            "Por ser expressão da verdade, firmo a presente declaração.", place_and_date(fake, rng)]
    return DocumentContent("legal", "declaracao_residencia", "DECLARAÇÃO DE RESIDÊNCIA", body,
                           footer="Lei nº 7.115, de 29 de agosto de 1983")


def legal_rg(fake: Faker, rng: random.Random) -> DocumentContent:
    p = _person(fake)
    body = [f"REGISTRO GERAL: {p['rg']}", f"DATA DE EXPEDIÇÃO: {short_date(some_date(rng))}", f"NOME: {p['name'].upper()}",
            f"FILIAÇÃO: {fake.name_male().upper()} E {fake.name_female().upper()}",
            f"NATURALIDADE: {p['city'].upper()} - {p['uf']}",
            f"DATA DE NASCIMENTO: {short_date(date_of_birth(fake, 1, 90))}",
            f"CPF: {p['cpf']}"]
    return DocumentContent("legal", "rg", "REPÚBLICA FEDERATIVA DO BRASIL", body,
                           footer="CARTEIRA DE IDENTIDADE - VÁLIDA EM TODO O TERRITÓRIO NACIONAL",
                           margin=f"SECRETARIA DA SEGURANÇA PÚBLICA - {p['uf']}")


# --- documents without templates (training only: data.free_form_share) -----------------------------

#: Common Portuguese words with every accented letter (CAPITALIZED: their capitals); sentences draw them in
#: random order.
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


def free_form_document(category: str, fake: Faker, rng: random.Random) -> DocumentContent:
    """A document whose lines are drawn independently of each other: its text is known only by reading it."""
    header = pick(rng, (lambda: _sentence(rng, rng.randint(1, 4)).rstrip(".,;:!?").upper(),
                        lambda: _sentence(rng, rng.randint(1, 3)).rstrip(".,;:!?"),
                        fake.company, fake.name, lambda: None))()
    lines = [_line(fake, rng) for _ in range(rng.randint(2, 6))]
    body = [" ".join(lines)] if category == "legal" and rng.random() < 0.5 else lines
    footer = pick(rng, (fake.name, lambda: place_and_date(fake, rng), lambda: f"Página {rng.randint(1, 9)}",
                        fake.company, lambda: None, lambda: None))()
    return DocumentContent(category, "livre", header, body, footer=footer)


GENERATORS: dict[str, tuple[Generator, ...]] = {
    "printed": (printed_form, printed_notice),
    "handwritten": (handwritten_note, handwritten_receipt, handwritten_declaration),
    "legal": (legal_certidao, legal_procuracao, legal_locacao, legal_oficio, legal_requerimento,
              legal_residencia, legal_rg),
}

DOMAIN = register(Domain(
    name="pt_br",
    language="pt",
    description="Brazilian-Portuguese",
    faker_locale="pt_BR",
    generators=GENERATORS,
    free_form={category: (partial(free_form_document, category),) for category in GENERATORS},
    category_styles={"printed": "printed", "handwritten": "handwritten", "legal": "printed"},
    letters=PORTUGUESE_LETTERS,
    extra_characters="ºª§°üÜèÈ",
    content_note="Faker `pt_BR`, num2words and specocr's own Portuguese templates",
))
