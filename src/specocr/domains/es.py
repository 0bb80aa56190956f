"""A second domain: Spanish invoices, shop receipts and handwritten notes (Spain, euros).

Shipped beside the paper's Brazilian-Portuguese domain to show the pipeline on a clearly different
distribution: another language with its own letters and punctuation (ñ, ü, ¿, ¡, accents), commercial rather
than legal documents, and many numbers (quantities, prices, VAT). Names, companies and addresses come from
Faker ``es_ES``, amounts in words from num2words (``lang="es"``), tax ids and the rest from the code and
phrase banks below.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from faker import Faker
from num2words import num2words

from specocr.data.synthetic import DocumentContent, Generator, pick
from specocr.domains import Domain, register

SPANISH_LETTERS = "ñáéíóúüÑÁÉÍÓÚÜ¿¡"

MONTHS = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
          "noviembre", "diciembre")

PRODUCTS = (("Tóner para impresora", 45.90), ("Papel A4, caja de 5 paquetes", 24.75), ("Silla de oficina", 119.00),
            ("Mantenimiento informático (hora)", 38.00), ("Cartuchos de tinta", 31.20), ("Lámpara de escritorio", 27.50),
            ("Diseño de logotipo", 250.00), ("Revisión de caldera", 85.00), ("Transporte y montaje", 60.00),
            ("Cable de red, 10 m", 9.95), ("Traducción jurídica (página)", 22.00), ("Limpieza de oficinas", 140.00))
GROCERIES = (("Pan de barra", 0.95), ("Leche entera 1 l", 1.09), ("Huevos, docena", 2.45), ("Aceite de oliva 1 l", 8.99),
             ("Jamón serrano 200 g", 4.80), ("Manzanas 1 kg", 2.29), ("Café molido", 3.75), ("Queso manchego", 6.40),
             ("Piña", 1.99), ("Azúcar 1 kg", 1.15), ("Yogur natural x4", 1.60), ("Atún en lata x3", 3.20))
STORES = ("SUPERMERCADO", "ULTRAMARINOS", "FRUTERÍA", "DROGUERÍA", "MERCADO LA CIGÜEÑA", "PANADERÍA")
PAYMENT = ("Forma de pago: transferencia bancaria a 30 días.", "Pago al contado.", "Forma de pago: domiciliación bancaria.",
           "Vencimiento: a la recepción de la factura.")
NOTE_OPENERS = ("Nota para {first}:", "¡No olvidar!", "Recordatorio del {short}:", "Lista de la compra:", "Para el lunes:")
NOTE_ITEMS = ("llamar al fontanero antes de las {hour}", "¿has pagado la luz?", "comprar pan, leche y huevos",
              "recoger a los niños del colegio", "¡cita con el médico a las {hour}!", "devolver el libro a la biblioteca",
              "pasar por el banco", "regar las plantas del balcón", "enviar el informe a la señora Núñez",
              "¿quién trae la tarta el sábado?", "renovar el DNI", "comprar pañales y toallitas",
              "felicitar a la abuela por su cumpleaños", "pedir presupuesto de la reforma del baño",
              "llevar la lámpara a la tienda de antigüedades", "¡qué vergüenza, otra vez tarde!")
RECEIPT_REASONS = ("en concepto de alquiler del mes de {month}", "por la venta de una bicicleta usada",
                   "por las clases particulares de {month}", "por la reparación del tejado", "como señal para la reserva")


def euros(value: float) -> str:
    """1.234,56 EUR (Spanish separators; "EUR", not "€": the zoo's tokenizer covers Latin-1 and Latin
    Extended-A, and the euro sign is in neither)."""
    whole, cents = f"{value:,.2f}".split(".")
    return f"{whole.replace(',', '.')},{cents} EUR"


def euros_in_words(value: float) -> str:
    return num2words(round(value, 2), lang="es", to="currency", currency="EUR")


def some_date(rng: random.Random, start_year: int = 2018, end_year: int = 2025) -> date:
    start = date(start_year, 1, 1)
    return start + timedelta(days=rng.randrange((date(end_year, 12, 31) - start).days))


def long_date(day: date) -> str:
    return f"{day.day} de {MONTHS[day.month - 1]} de {day.year}"


#: The NIF's check letter is this string's letter at the number modulo 23 (Spain's Ministry of the Interior).
NIF_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"
#: First letters of a company's CIF (its legal form); the ones in CIF_LETTER_CONTROL end with a letter.
CIF_KINDS = "ABCDEFGHJNPQRSUVW"
CIF_LETTER_CONTROL = "NPQRSW"


# Tax ids are drawn here from the document's rng rather than with Faker's es_ES ``nif()``/``cif()``: those
# draw from Python's global ``random``, which ``seed_instance`` does not seed, so the same seed gave other
# ids in every process.
def spanish_nif(rng: random.Random) -> str:
    """A valid-looking personal NIF: eight digits and their check letter."""
    number = rng.randrange(10**8)
    return f"{number:08d}{NIF_LETTERS[number % 23]}"


def cif_check(kind: str, digits: str) -> str:
    """The check character of a CIF with legal-form letter ``kind`` and seven ``digits``: digits at odd
    positions doubled (their digit sum), even ones as they are, the total's complement to ten, as a letter
    for the forms in CIF_LETTER_CONTROL."""
    total = sum(sum(divmod(2 * int(d), 10)) for d in digits[0::2]) + sum(int(d) for d in digits[1::2])
    control = (10 - total % 10) % 10
    return "JABCDEFGHI"[control] if kind in CIF_LETTER_CONTROL else str(control)


def spanish_cif(rng: random.Random) -> str:
    """A valid-looking company CIF: legal-form letter, seven digits, check character."""
    kind, digits = rng.choice(CIF_KINDS), f"{rng.randrange(10**7):07d}"
    return kind + digits + cif_check(kind, digits)


def invoice(fake: Faker, rng: random.Random) -> DocumentContent:
    day = some_date(rng)
    lines = rng.sample(PRODUCTS, rng.randint(2, 3))
    items, base = [], 0.0
    for name, price in lines:
        quantity = rng.randint(1, 4)
        base += quantity * price
        items.append(f"{quantity} x {name}: {euros(quantity * price)}")
    vat = round(base * 0.21, 2)
    body = [f"{fake.company()}, CIF {spanish_cif(rng)}", f"Cliente: {fake.name()}, NIF {spanish_nif(rng)}",
            f"Fecha: {day.strftime('%d/%m/%Y')}", *items,
            f"Base imponible: {euros(base)}; IVA 21%: {euros(vat)}", f"Total: {euros(base + vat)}"]
    return DocumentContent("invoice", "factura", f"FACTURA Nº {day.year}-{rng.randint(1, 999):04d}", body,
                           footer=pick(rng, PAYMENT))


def shop_receipt(fake: Faker, rng: random.Random) -> DocumentContent:
    items = rng.sample(GROCERIES, rng.randint(3, 5))
    total = sum(price for _, price in items)
    day = some_date(rng)
    body = [f"{name} {euros(price)}" for name, price in items]
    body += [f"TOTAL: {euros(total)} ({rng.choice(('efectivo', 'tarjeta'))})", f"{day.strftime('%d/%m/%Y')} {rng.randint(8, 21)}:{rng.randint(0, 59):02d}"]
    return DocumentContent("receipt", "ticket", f"{pick(rng, STORES)} {fake.last_name().upper()}",
                           body, footer=pick(rng, ("¡Gracias por su visita!", "¿Necesita factura? Pídala en caja.")))


def handwritten_note(fake: Faker, rng: random.Random) -> DocumentContent:
    fill = {"first": fake.first_name(), "short": some_date(rng).strftime("%d/%m"), "hour": f"{rng.randint(8, 19)}:00"}
    items = [f"- {item.format(**fill)}" for item in rng.sample(NOTE_ITEMS, rng.randint(3, 5))]
    return DocumentContent("handwritten", "nota", pick(rng, NOTE_OPENERS).format(**fill), items,
                           footer=fake.first_name() if rng.random() < 0.5 else None)


def handwritten_receipt(fake: Faker, rng: random.Random) -> DocumentContent:
    value = round(rng.uniform(20, 900), 2)
    day = some_date(rng)
    reason = pick(rng, RECEIPT_REASONS).format(month=MONTHS[day.month - 1])
    body = [f"He recibido de {fake.name()} la cantidad de {euros_in_words(value)} ({euros(value)}) {reason}.",
            f"{fake.city()}, {long_date(day)}."]
    return DocumentContent("handwritten", "recibí", "RECIBÍ", body, footer=fake.name())


GENERATORS: dict[str, tuple[Generator, ...]] = {
    "invoice": (invoice,),
    "receipt": (shop_receipt,),
    "handwritten": (handwritten_note, handwritten_receipt),
}

DOMAIN = register(Domain(
    name="es",
    language="es",
    description="Spanish",
    faker_locale="es_ES",
    generators=GENERATORS,
    category_styles={"invoice": "printed", "receipt": "printed", "handwritten": "handwritten"},
    letters=SPANISH_LETTERS,
    extra_characters="ºª°",
    content_note="Faker `es_ES`, num2words and specocr's own Spanish phrase banks",
))
