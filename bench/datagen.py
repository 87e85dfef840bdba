"""Synthetic but realistic data for the benchmarks: cooperatives, a catalog CSV with
Arabic and French names built from word lists, and a bulk-inserted shift of sales.

Everything is seeded, so two runs build the same data.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import insert, select, update

from coopos.db.engine import WRITE
from coopos.db.models import (
    Category,
    Cooperative,
    Product,
    Sale,
    SaleLine,
    SalePayment,
    SaleVat,
    Sequence,
    Shift,
    new_uuid,
)
from coopos.domain.sale import CartLine, Payment, PaymentMethod, price_lines, settle
from coopos.resources import resource_path
from coopos.services.catalog import COLUMNS
from coopos.services.checkout import line_rows, payment_rows, sale_number
from coopos.services.context import Context

# -- word lists ---------------------------------------------------------------------------------

# (sku prefix, French, Arabic, English, category, VAT rate, base price in MAD, may be weighed)
PRODUCT_TYPES = [
    ("ARG", "Huile d'argan", "زيت أركان", "Argan oil", "oil", 10, 120, False),
    ("OLV", "Huile d'olive", "زيت الزيتون", "Olive oil", "oil", 10, 60, False),
    (
        "FIG",
        "Huile de figue de barbarie",
        "زيت التين الشوكي",
        "Prickly pear oil",
        "cosmetics",
        20,
        450,
        False,
    ),
    ("MIE", "Miel", "عسل", "Honey", "honey", 10, 150, False),
    ("AML", "Amlou", "أملو", "Amlou", "sweets", 10, 90, True),
    ("SAV", "Savon noir", "صابون بلدي", "Black soap", "cosmetics", 20, 35, False),
    ("SAF", "Safran", "زعفران", "Saffron", "spice", 10, 70, False),
    ("DAT", "Dattes", "تمور", "Dates", "dates", 0, 45, True),
    ("ROS", "Eau de rose", "ماء الورد", "Rose water", "cosmetics", 20, 40, False),
    ("COU", "Couscous", "كسكس", "Couscous", "food", 0, 25, True),
    ("GHA", "Ghassoul", "غاسول", "Ghassoul clay", "cosmetics", 20, 30, True),
    ("HEN", "Henné", "حناء", "Henna", "cosmetics", 20, 25, False),
    ("RAS", "Ras el hanout", "رأس الحانوت", "Ras el hanout", "spice", 10, 40, True),
    ("CUM", "Cumin", "كمون", "Cumin", "spice", 10, 30, True),
    ("AMA", "Amandes", "لوز", "Almonds", "food", 0, 110, True),
    ("FSE", "Figues séchées", "تين مجفف", "Dried figs", "food", 0, 60, True),
    ("CON", "Confiture", "مربى", "Jam", "sweets", 14, 35, False),
    ("TAP", "Tapis", "زربية", "Rug", "carpets", 20, 1200, False),
    ("PAN", "Panier", "سلة", "Basket", "crafts", 20, 80, False),
    ("POT", "Poterie", "فخار", "Pottery", "crafts", 20, 150, False),
    ("THE", "Thé à la menthe", "شاي بالنعناع", "Mint tea", "herbs", 14, 30, False),
    ("FRO", "Fromage de chèvre", "جبن الماعز", "Goat cheese", "food", 0, 55, True),
    ("ORG", "Semoule d'orge", "سميد الشعير", "Barley semolina", "food", 0, 20, True),
    ("CAP", "Câpres", "قبار", "Capers", "food", 7, 25, False),
    ("OLI", "Olives", "زيتون", "Olives", "food", 7, 30, True),
    ("VER", "Verveine", "لويزة", "Lemon verbena", "herbs", 10, 20, False),
    ("MEN", "Menthe séchée", "نعناع مجفف", "Dried mint", "herbs", 10, 15, False),
    ("CAR", "Caroube", "خروب", "Carob", "food", 7, 30, True),
    ("NIG", "Nigelle", "حبة البركة", "Nigella seeds", "spice", 10, 35, False),
    ("SEL", "Sel de l'Atlas", "ملح الأطلس", "Atlas salt", "food", 7, 15, False),
    ("CRE", "Crème à l'argan", "كريم الأركان", "Argan cream", "cosmetics", 20, 95, False),
    ("BRO", "Broderie", "طرز", "Embroidery", "crafts", 20, 300, False),
]
VARIETIES = [
    ("de thym", "بالزعتر"),
    ("d'euphorbe", "الدغموس"),
    ("de jujubier", "السدر"),
    ("de fleur d'oranger", "زهر الليمون"),
    ("d'eucalyptus", "الكاليبتوس"),
    ("de lavande", "الخزامى"),
    ("à la rose", "بالورد"),
    ("au romarin", "بإكليل الجبل"),
    ("au citron", "بالليمون"),
    ("à l'amande", "باللوز"),
    ("au miel", "بالعسل"),
    ("à la figue", "بالتين"),
    ("", ""),
    ("", ""),
    ("", ""),
]
# Only these product types get a flavour/variety ("Miel de thym", not "Tapis de thym").
VARIETY_TYPES = {"MIE", "AML", "CON", "SAV", "CRE", "THE", "OLI", "ROS"}
QUALIFIERS = [
    ("bio", "عضوي"),
    ("pur", "خالص"),
    ("traditionnel", "تقليدي"),
    ("extra vierge", "بكر ممتاز"),
    ("artisanal", "حرفي"),
    ("naturel", "طبيعي"),
    ("torréfié", "محمص"),
    ("alimentaire", "غذائي"),
    ("cosmétique", "تجميلي"),
    ("sauvage", "بري"),
    ("premium", "ممتاز"),
    ("de montagne", "جبلي"),
    ("", ""),
]
REGIONS = [
    ("du Souss", "من سوس"),
    ("de Taliouine", "من تالوين"),
    ("d'Essaouira", "من الصويرة"),
    ("du Tafilalet", "من تافيلالت"),
    ("de Zagora", "من زاكورة"),
    ("de Chefchaouen", "من شفشاون"),
    ("de Ouarzazate", "من ورزازات"),
    ("du Rif", "من الريف"),
    ("du Haut Atlas", "من الأطلس الكبير"),
    ("d'Imouzzer", "من إيموزار"),
    ("de Taroudant", "من تارودانت"),
    ("de Figuig", "من فكيك"),
    ("d'Azilal", "من أزيلال"),
    ("de Kelaat M'Gouna", "من قلعة مكونة"),
    ("de Tiznit", "من تيزنيت"),
    ("de Khénifra", "من خنيفرة"),
    ("de Sefrou", "من صفرو"),
    ("de Berkane", "من بركان"),
    ("", ""),
]
SIZES = [  # French, Arabic, price factor
    ("50 ml", "50 مل", Decimal("0.4")),
    ("100 ml", "100 مل", Decimal("0.6")),
    ("250 ml", "250 مل", Decimal("1")),
    ("500 ml", "500 مل", Decimal("1.8")),
    ("1 L", "1 ل", Decimal("3.2")),
    ("100 g", "100 غ", Decimal("0.5")),
    ("250 g", "250 غ", Decimal("1")),
    ("500 g", "500 غ", Decimal("1.8")),
    ("1 kg", "1 كغ", Decimal("3.2")),
]
COOP_WORDS = [
    ("Tifawin", "تيفاوين"),
    ("Assafou", "أسافو"),
    ("Ajddig", "أجديك"),
    ("Tamount", "تامونت"),
    ("Tiwizi", "تويزي"),
    ("Amal", "الأمل"),
    ("Al Baraka", "البركة"),
    ("Nour", "النور"),
    ("Tighanimine", "تيغانيمين"),
    ("Taytmatine", "تايتماتين"),
    ("Ighrem", "إغرم"),
    ("Tagmat", "تاكمات"),
    ("Afous", "أفوس"),
    ("Tilelli", "تيليلي"),
    ("Al Wafa", "الوفاء"),
    ("Annahda", "النهضة"),
    ("Tafsut", "تافسوت"),
    ("Imilchil", "إملشيل"),
    ("Amagour", "أماكور"),
    ("Targa", "تاركا"),
    ("Tamaynut", "تامينوت"),
    ("Azul", "أزول"),
    ("Tizi", "تيزي"),
    ("Anzar", "أنزار"),
    ("Al Amane", "الأمان"),
]
COOP_ACTIVITIES = [
    ("pour la production d'huile d'argan", "لإنتاج زيت أركان"),
    ("apicole", "لتربية النحل"),
    ("du safran", "للزعفران"),
    ("de la rose à parfum", "للورد العطري"),
    ("pour la valorisation des dattes", "لتثمين التمور"),
    ("de tissage", "للنسيج"),
    ("des plantes aromatiques", "للنباتات العطرية"),
    ("agricole", "الفلاحية"),
]


@dataclass(frozen=True)
class Coop:
    code: str
    name_fr: str
    name_ar: str
    commission_bp: int


def cooperatives(n: int = 50, seed: int = 7) -> list[Coop]:
    rng = random.Random(seed)
    coops = []
    for i in range(n):
        fr, ar = COOP_WORDS[i % len(COOP_WORDS)]
        act_fr, act_ar = COOP_ACTIVITIES[(i * 3 + i // len(COOP_WORDS)) % len(COOP_ACTIVITIES)]
        feminine = rng.random() < 0.5
        coops.append(
            Coop(
                code=f"{fr.replace(' ', '')[:5].upper()}{i:02d}",
                name_fr=f"Coopérative {'féminine ' if feminine else ''}{fr} {act_fr}",
                name_ar=f"التعاونية {'النسوية ' if feminine else ''}{ar} {act_ar}",
                commission_bp=rng.choice([1000, 1250, 1500, 1800, 2000]),
            )
        )
    return coops


def seed_reference_data(ctx: Context, coops: list[Coop]) -> None:
    """Cooperatives and the demo categories, as a shop would set them up before importing."""
    with ctx.write() as uow:
        s = uow.session
        for c in coops:
            s.add(
                Cooperative(
                    code=c.code, name_fr=c.name_fr, name_ar=c.name_ar, commission_bp=c.commission_bp
                )
            )
        with resource_path("demo").joinpath("categories.csv").open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                s.add(Category(**{k: row[k] or None for k in ("code", "name_ar", "name_fr")}))


# -- catalog -------------------------------------------------------------------------------------


def ean13(body12: str) -> str:
    digits = [int(d) for d in body12]
    total = sum(d * (3 if i % 2 else 1) for i, d in enumerate(digits))
    return body12 + str((10 - total % 10) % 10)


@dataclass(frozen=True)
class CatalogRowInfo:
    sku: str
    barcodes: tuple[str, ...]
    name_fr: str
    name_ar: str


def _join(*parts: str) -> str:
    return " ".join(p for p in parts if p)


def write_catalog_csv(
    path: Path, n: int, coops: list[Coop], seed: int = 42
) -> list[CatalogRowInfo]:
    """A catalog of ``n`` products; returns what the benchmarks need to look them up."""
    rng = random.Random(seed)
    info: list[CatalogRowInfo] = []
    used_barcodes: set[str] = set()
    coop_weights = [1 / (i + 1) ** 0.6 for i in range(len(coops))]  # a few big cooperatives

    def new_barcode() -> str:
        while True:
            # 611 = GS1 Morocco, then a company prefix and an item reference.
            code = ean13(f"611{rng.randrange(10**9):09d}")
            if code not in used_barcodes:
                used_barcodes.add(code)
                return code

    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        for i in range(n):
            prefix, t_fr, t_ar, t_en, category, vat, base, weighable = rng.choice(PRODUCT_TYPES)
            v_fr, v_ar = rng.choice(VARIETIES) if prefix in VARIETY_TYPES else ("", "")
            q_fr, q_ar = rng.choice(QUALIFIERS)
            r_fr, r_ar = rng.choice(REGIONS)
            weighed = weighable and rng.random() < 0.3
            if weighed:
                s_fr = s_ar = ""
                factor = Decimal(1)
                unit = "kg"
            else:
                s_fr, s_ar, factor = rng.choice(SIZES)
                unit = "piece"
            name_fr = _join(t_fr, v_fr, q_fr, r_fr, s_fr)
            name_ar = _join(t_ar, v_ar, q_ar, r_ar, s_ar)
            name_en = _join(t_en, s_fr) if rng.random() < 0.25 else ""
            price = (Decimal(base) * factor * Decimal(rng.uniform(0.7, 1.4))).quantize(
                Decimal("0.5")
            )
            price = max(price, Decimal("1")).quantize(Decimal("0.01"))
            barcodes = [new_barcode()]
            if rng.random() < 0.05:
                barcodes.append(new_barcode())
            if weighed and rng.random() < 0.5:
                barcodes = []  # loose goods are often picked from the search, not scanned
            stock = "" if rng.random() < 0.2 else str(rng.randint(1, 200))
            coop = rng.choices(coops, coop_weights)[0]
            sku = f"{prefix}-{i:06d}"
            writer.writerow(
                [
                    sku,
                    "|".join(barcodes),
                    name_ar,
                    name_fr,
                    name_en,
                    "",
                    coop.code,
                    category,
                    unit,
                    str(price),
                    str(vat),
                    stock,
                ]
            )
            info.append(CatalogRowInfo(sku, tuple(barcodes), name_fr, name_ar))
    return info


def search_queries(info: list[CatalogRowInfo], n_per_kind: int, seed: int = 3) -> dict:
    """Realistic search-box queries: 1-3 letter prefixes, whole words, two words, skus."""
    rng = random.Random(seed)
    words_fr = [
        w for _, fr, *_ in PRODUCT_TYPES for w in fr.replace("'", " ").split() if len(w) > 3
    ]
    words_fr += [w for fr, _ in REGIONS for w in fr.replace("'", " ").split() if len(w) > 3]
    words_ar = [w for _, _, ar, *_ in PRODUCT_TYPES for w in ar.split() if len(w) > 2]
    words_ar += [w for _, ar in REGIONS for w in ar.split() if len(w) > 2]
    prefixes, words, pairs = [], [], []
    for _ in range(n_per_kind):
        w = rng.choice(words_fr if rng.random() < 0.6 else words_ar)
        prefixes.append(w[: rng.randint(1, 3)])
        words.append(rng.choice(words_fr if rng.random() < 0.5 else words_ar))
        row = rng.choice(info)
        name = row.name_fr if rng.random() < 0.5 else row.name_ar
        tokens = [t for t in name.replace("'", " ").split() if len(t) > 2 and not t.isdigit()]
        start = rng.randrange(max(len(tokens) - 1, 1))
        pairs.append(" ".join(tokens[start : start + 2]))
    skus = [rng.choice(info).sku for _ in range(n_per_kind)]
    return {"prefix 1-3 letters": prefixes, "one word": words, "two words": pairs, "sku": skus}


# -- a shift of sales, bulk-inserted -------------------------------------------------------------


def _cart_pool(products: list[Product], size: int, rng: random.Random) -> list:
    """Priced carts built with the checkout's own arithmetic (price_lines, allocation)."""
    pool = []
    for _ in range(size):
        n_lines = rng.choices([1, 2, 3, 4, 5, 6], [20, 25, 20, 15, 12, 8])[0]  # mean ~3
        lines = []
        for p in rng.sample(products, n_lines):
            if p.sold_by_weight:
                qty = Decimal(rng.randint(100, 2000)) / 1000
            else:
                qty = Decimal(rng.choices([1, 2, 3], [75, 20, 5])[0])
            line = CartLine(
                product_id=p.id,
                sku=p.sku,
                name=p.name_fr or p.name_ar or p.sku,
                unit=p.unit,
                sold_by_weight=p.sold_by_weight,
                list_price=p.price_cents,
                quantity=qty,
                vat_rate=p.vat_rate,
                cooperative_id=p.cooperative.id,
                cooperative_code=p.cooperative.code,
                commission_bp=p.cooperative.commission_bp,
            )
            if rng.random() < 0.05:
                line.discount = line.gross // 20
            lines.append(line)
        order_discount = 0
        if rng.random() < 0.03:
            order_discount = sum(ln.net_before_order_discount for ln in lines) // 10
        totals = price_lines(lines, order_discount)
        r = rng.random()
        if r < 0.70:  # cash, often rounded up: change
            tendered = -(-totals.total // 1000) * 1000 if rng.random() < 0.6 else totals.total
            payments = [Payment(PaymentMethod.CASH, tendered)]
        elif r < 0.92:
            payments = [Payment(PaymentMethod.CARD, totals.total, "AUTH")]
        elif r < 0.97 and totals.total > 200:
            half = totals.total // 2
            payments = [
                Payment(PaymentMethod.CARD, half, "AUTH"),
                Payment(PaymentMethod.CASH, totals.total - half),
            ]
        else:
            payments = [Payment(PaymentMethod.MOBILE, totals.total, "WALLET")]
        pool.append((totals, payments, settle(totals.total, payments).change))
    return pool


def bulk_sales(ctx: Context, n_sales: int, seed: int = 11, batch: int = 20_000) -> dict[str, int]:
    """``n_sales`` sales in the open shift, written as checkout.complete() writes the rows
    the reports read (sales, sale_lines, sale_payments, sale_vat), in big transactions.
    Stock movements, the outbox and the audit log are not written (no report reads them)."""
    rng = random.Random(seed)
    with ctx.read() as s:
        shift = s.execute(select(Shift).where(Shift.status == "open")).scalar_one()
        products = list(s.execute(select(Product)).scalars())
        for p in products:
            _ = p.cooperative  # load while the session is open
        shift_id, location_id, seller_id = shift.id, shift.location_id, shift.opened_by_id
        start = shift.opened_utc
        sale_id = (s.execute(select(Sale.id).order_by(Sale.id.desc()).limit(1)).scalar() or 0) + 1
        line_id = (
            s.execute(select(SaleLine.id).order_by(SaleLine.id.desc()).limit(1)).scalar() or 0
        ) + 1
        pay_id = (
            s.execute(select(SalePayment.id).order_by(SalePayment.id.desc()).limit(1)).scalar() or 0
        ) + 1
    pool = _cart_pool(products, min(5000, max(n_sales // 10, 100)), rng)
    counts = {"sales": 0, "sale_lines": 0, "sale_payments": 0, "sale_vat": 0}
    step = timedelta(hours=12) / max(n_sales, 1)  # one long day of selling
    number = 0
    for first in range(0, n_sales, batch):
        sales, lines, pays, vats = [], [], [], []
        for _ in range(first, min(first + batch, n_sales)):
            number += 1
            totals, payments, change = rng.choice(pool)
            utc: datetime = start + step * number
            local = (utc + timedelta(hours=1)).isoformat(timespec="seconds") + "+01:00"
            sales.append(
                {
                    "id": sale_id,
                    "uuid": new_uuid(),
                    "receipt_no": sale_number("T01", number),
                    "kind": "sale",
                    "refund_of_id": None,
                    "location_id": location_id,
                    "shift_id": shift_id,
                    "seller_id": seller_id,
                    "created_utc": utc,
                    "created_local": local,
                    "gross_cents": totals.gross,
                    "discount_cents": totals.discounts,
                    "order_discount_cents": totals.order_discount,
                    "total_cents": totals.total,
                    "change_cents": change,
                    "note": "",
                }
            )
            for row in line_rows(totals):
                lines.append({**row, "id": line_id, "sale_id": sale_id, "shift_id": shift_id})
                line_id += 1
            for row in payment_rows(totals.total, payments):
                pays.append({**row, "id": pay_id, "sale_id": sale_id, "shift_id": shift_id})
                pay_id += 1
            for vat in totals.vat:
                vats.append(
                    {
                        "sale_id": sale_id,
                        "shift_id": shift_id,
                        "rate": vat.rate,
                        "gross_cents": vat.gross,
                        "vat_cents": vat.vat,
                    }
                )
            sale_id += 1
        with ctx.engine.connect().execution_options(**WRITE) as conn, conn.begin():
            conn.execute(insert(Sale), sales)
            conn.execute(insert(SaleLine), lines)
            conn.execute(insert(SalePayment), pays)
            conn.execute(insert(SaleVat), vats)
        counts["sales"] += len(sales)
        counts["sale_lines"] += len(lines)
        counts["sale_payments"] += len(pays)
        counts["sale_vat"] += len(vats)
    # Keep the receipt counter consistent with what was written.
    with ctx.write() as uow:
        done = uow.session.execute(
            update(Sequence).where(Sequence.name == "receipt:T01").values(last_value=number)
        )
        if done.rowcount == 0:
            uow.session.add(Sequence(name="receipt:T01", last_value=number))
    return counts
