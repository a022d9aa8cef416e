"""Country flavour for demo data: names, streets, postcodes, phones, companies.

Everything here is fictional but plausible for the utility's area (the shipped
profiles: Lillestrøm, Tiel, a Franconian town near Ansbach, Stockholm).
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

import phonenumbers
from stdnum.de import vat as de_vat
from stdnum.no import orgnr as no_orgnr
from stdnum.se import orgnr as se_orgnr

from heatportal.domain.model import ReadingSource

T = TypeVar("T")


@dataclass(frozen=True)
class Area:
    """A postal area: a postcode (or its prefix) with a city and its streets."""

    postcode: str
    city: str
    streets: tuple[str, ...]
    weight: int = 1


@dataclass(frozen=True)
class Country:
    code: str
    first_names: tuple[str, ...]
    last_names: tuple[str, ...]
    areas: tuple[Area, ...]
    company_forms: tuple[str, ...]  # "{}" is the stem
    company_stems: tuple[str, ...]
    # Facility names of property companies' buildings ("Ugglan 12" in Sweden).
    property_blocks: tuple[str, ...]
    canonical_person: tuple[str, str]
    company_mail_prefix: str
    # Preferred reading channel of households, with weights.
    reading_channels: tuple[tuple[ReadingSource, int], ...]
    # Yearly heat use of households, kWh: (flat low, flat high, house low, house high).
    household_kwh: tuple[int, int, int, int]
    # Yearly heat use of a business building (one facility), kWh.
    building_kwh: tuple[int, int]
    # Share of customers that are businesses / property companies.
    business_share: Decimal
    # Share of business customers with 2-6 facilities.
    multi_facility_share: Decimal


NO = Country(
    code="NO",
    first_names=(
        "Ola",
        "Kari",
        "Ingrid",
        "Bjørn",
        "Åse",
        "Håkon",
        "Sigrid",
        "Øystein",
        "Ragnhild",
        "Torbjørn",
        "Solveig",
        "Jørgen",
        "Marit",
        "Eirik",
        "Tone",
        "Lars",
        "Nina",
        "Anders",
        "Silje",
        "Kristian",
        "Hege",
        "Ståle",
        "Gro",
        "Trond",
        "Mette",
        "Knut",
        "Synnøve",
        "Espen",
        "Liv",
        "Pål",
    ),
    last_names=(
        "Hansen",
        "Johansen",
        "Olsen",
        "Larsen",
        "Andersen",
        "Pedersen",
        "Nilsen",
        "Kristiansen",
        "Jensen",
        "Karlsen",
        "Ødegård",
        "Bråten",
        "Sæther",
        "Løken",
        "Haugen",
        "Strøm",
        "Dahl",
        "Bakken",
        "Aas",
        "Moen",
        "Solberg",
        "Fjeld",
        "Berg",
        "Hagen",
        "Lie",
        "Næss",
        "Søreide",
        "Kvåle",
        "Østby",
        "Rønning",
    ),
    areas=(
        Area(
            "2000",
            "Lillestrøm",
            ("Storgata", "Nittedalsgata", "Jonas Lies gate", "Torvet", "Kirkegata", "Henrik Ibsens gate"),
            3,
        ),
        Area("2004", "Lillestrøm", ("Fjordveien", "Sørumsgata", "Vestbygata", "Tærudgata", "Solheimveien"), 3),
        Area("2007", "Kjeller", ("Kjellervegen", "Instituttveien", "Flyplassveien"), 1),
        Area("2008", "Fjerdingby", ("Øvre Rælingsvei", "Bråteveien", "Løkkeveien"), 1),
        Area("2010", "Strømmen", ("Strømsveien", "Stasjonsveien", "Gamleveien", "Åsenveien"), 2),
        Area("2013", "Skjetten", ("Skjettenveien", "Hvalstadtunet", "Vestliveien"), 1),
        Area("2019", "Skedsmokorset", ("Gjerdrumsvegen", "Kirkebakken", "Furuveien"), 1),
    ),
    company_forms=("{} Borettslag", "{} Eiendom AS", "{} Sameie", "{} Næringsbygg AS"),
    company_stems=(
        "Fjordgården",
        "Åsenhagen",
        "Solsiden",
        "Kjellerholen",
        "Strømmen Torg",
        "Nebbursvollen",
        "Leiraas",
        "Sagdalen",
        "Vigernes",
        "Stalsberg",
        "Tærud",
        "Øvre Vollen",
        "Brånås",
        "Lillestrøm Sentrum",
        "Nitelva",
        "Rælingen Park",
        "Kjeller Gård",
        "Skedsmo Hageby",
    ),
    property_blocks=("Blokk A", "Blokk B", "Blokk C", "Blokk D", "Blokk E", "Blokk F"),
    canonical_person=("Ingrid", "Ødegård"),
    company_mail_prefix="post",
    reading_channels=(
        (ReadingSource.PORTAL, 40),
        (ReadingSource.SMS, 30),
        (ReadingSource.LINK, 20),
        (ReadingSource.IMPORT, 10),
    ),
    household_kwh=(8_000, 12_000, 12_000, 20_000),
    building_kwh=(80_000, 500_000),
    business_share=Decimal("0.12"),
    multi_facility_share=Decimal("0.8"),
)

NL = Country(
    code="NL",
    first_names=(
        "Jan",
        "Sanne",
        "Pieter",
        "Anouk",
        "Bram",
        "Femke",
        "Daan",
        "Lotte",
        "Sem",
        "Eva",
        "Joris",
        "Marieke",
        "Ruud",
        "Inge",
        "Thijs",
        "Noor",
        "Kees",
        "Ilse",
        "Wouter",
        "Renée",
        "Chloë",
        "Daniëlle",
        "Jeroen",
        "Sjoerd",
        "Ineke",
        "Frits",
        "Mirjam",
        "Bas",
        "Loes",
        "Geert",
    ),
    last_names=(
        "de Jong",
        "Jansen",
        "de Vries",
        "van den Berg",
        "van Dijk",
        "Bakker",
        "Janssen",
        "Visser",
        "Smit",
        "Meijer",
        "de Boer",
        "Mulder",
        "de Groot",
        "Bos",
        "Vos",
        "Peters",
        "Hendriks",
        "van Leeuwen",
        "Dekker",
        "Brouwer",
        "de Wit",
        "Dijkstra",
        "Smits",
        "de Graaf",
        "van der Meer",
        "Kuijpers",
        "IJzerman",
        "van 't Hof",
        "Timmermans",
        "Çelik",
    ),
    areas=(
        Area(
            "4001", "Tiel", ("Stationsstraat", "Kerkstraat", "Molenstraat", "Waalkade", "Hoogeinde", "Ambtmanstraat"), 3
        ),
        Area("4002", "Tiel", ("Westluidensestraat", "Zandweg", "Weverstraat", "Papesteeg"), 2),
        Area("4003", "Tiel", ("Kellenstraat", "Sint Walburgstraat", "Heiligestraat", "Ridderstraat"), 2),
        Area("4005", "Tiel", ("Dr. Kuyperstraat", "Vogelenzang", "Burgemeester Vosstraat"), 2),
        Area("4007", "Tiel", ("Passewaaijseweg", "Energieweg", "Santwijckse Molen", "Westroijenlaan"), 2),
        Area("4011", "Zoelen", ("Dorpsstraat", "Kasteellaan", "Mastwijkerdijk"), 1),
    ),
    company_forms=("VvE {}", "Woonstichting {}", "{} BV", "Stichting {}"),
    company_stems=(
        "De Eikenhof",
        "Het Ravelijn",
        "Waalkade-Noord",
        "De Lingehof",
        "Rivierenland",
        "Het Kleine Bat",
        "De Plantage",
        "Santwijck",
        "Passewaaij",
        "Westroijen",
        "De Betuwe",
        "Kwadrant",
        "De Kazerne",
        "Het Hof van Tiel",
    ),
    property_blocks=("Blok A", "Blok B", "Blok C", "Blok D", "Blok E", "Blok F"),
    canonical_person=("Sanne", "de Vries"),
    company_mail_prefix="info",
    reading_channels=(
        (ReadingSource.IMPORT, 60),
        (ReadingSource.PORTAL, 35),
        (ReadingSource.LINK, 5),
    ),
    # 15-22 GJ for a flat, 22-35 GJ for a house.
    household_kwh=(4_200, 6_100, 6_100, 9_700),
    building_kwh=(60_000, 400_000),
    business_share=Decimal("0.12"),
    multi_facility_share=Decimal("0.8"),
)

DE = Country(
    code="DE",
    first_names=(
        "Michael",
        "Petra",
        "Jürgen",
        "Sabine",
        "Thomas",
        "Ursula",
        "Andreas",
        "Monika",
        "Stefan",
        "Claudia",
        "Günther",
        "Jörg",
        "Anja",
        "Matthias",
        "Birgit",
        "Lukas",
        "Lena",
        "Sören",
        "Kathrin",
        "Wolfgang",
        "Rudi",
        "Bärbel",
        "Jens",
        "Heike",
        "Uwe",
        "Gisela",
        "Tobias",
        "Julia",
        "Maximilian",
        "Doris",
    ),
    last_names=(
        "Müller",
        "Schmidt",
        "Schneider",
        "Fischer",
        "Weber",
        "Meyer",
        "Wagner",
        "Becker",
        "Schulz",
        "Hoffmann",
        "Schäfer",
        "Koch",
        "Bauer",
        "Richter",
        "Klein",
        "Wolf",
        "Schröder",
        "Neumann",
        "Schwarz",
        "Zimmermann",
        "Braun",
        "Krüger",
        "Hofmann",
        "Hartmann",
        "Lange",
        "Weiß",
        "Köhler",
        "Wieser",
        "Groß",
        "Böhm",
    ),
    areas=(
        Area(
            "91560",
            "Wärmestadt",
            (
                "Hauptstraße",
                "Bahnhofstraße",
                "Schulstraße",
                "Gartenstraße",
                "Lindenweg",
                "Am Anger",
                "Kammereckerplatz",
                "Ansbacher Straße",
                "Nürnberger Straße",
                "Birkenweg",
                "Mühlgasse",
                "Weißenburger Straße",
                "Am Weiher",
                "Goethestraße",
                "Münsterplatz",
            ),
            5,
        ),
        Area("91564", "Neuendettelsau", ("Ringstraße", "Fürther Straße", "Tannenweg", "Schillerstraße"), 2),
        Area("91580", "Petersaurach", ("Kirchplatz", "Dorfstraße", "Am Bühl"), 1),
        Area("91575", "Windsbach", ("Heckenstraße", "Rezatstraße", "Spalter Straße"), 1),
    ),
    company_forms=("WEG {}", "{} Wohnbau GmbH", "Hausverwaltung {} GmbH", "Wohnungsbaugenossenschaft {} eG"),
    company_stems=(
        "Lindenhof",
        "Am Anger",
        "Mühlbach",
        "Schwabachgrund",
        "Rangau",
        "Frankenhöhe",
        "Kammerecker",
        "Altmühl",
        "Bibert",
        "Heidenberg",
        "Rezattal",
        "Weinberg",
    ),
    property_blocks=("Haus 1", "Haus 2", "Haus 3", "Haus 4", "Haus 5", "Haus 6"),
    canonical_person=("Jürgen", "Müller"),
    company_mail_prefix="info",
    reading_channels=(
        (ReadingSource.PORTAL, 45),
        (ReadingSource.IMPORT, 35),
        (ReadingSource.LINK, 20),
    ),
    household_kwh=(5_000, 9_000, 12_000, 22_000),
    building_kwh=(80_000, 600_000),
    business_share=Decimal("0.12"),
    multi_facility_share=Decimal("0.8"),
)

SE = Country(
    code="SE",
    first_names=(
        "Erik",
        "Anna",
        "Lars",
        "Karin",
        "Johan",
        "Maria",
        "Björn",
        "Åsa",
        "Mikael",
        "Eva",
        "Per",
        "Linnéa",
        "Göran",
        "Sofia",
        "Anders",
        "Ingrid",
        "Måns",
        "Elin",
        "Oskar",
        "Ebba",
        "Sven",
        "Malin",
        "Henrik",
        "Kerstin",
        "Nils",
        "Ulla",
        "Fredrik",
        "Helena",
        "Stig",
        "Märta",
    ),
    last_names=(
        "Andersson",
        "Johansson",
        "Karlsson",
        "Nilsson",
        "Eriksson",
        "Larsson",
        "Olsson",
        "Persson",
        "Svensson",
        "Gustafsson",
        "Pettersson",
        "Jonsson",
        "Åberg",
        "Öberg",
        "Lindström",
        "Sjöberg",
        "Ström",
        "Bergström",
        "Lundqvist",
        "Håkansson",
        "Söderberg",
        "Ekström",
        "Lindqvist",
        "Wallin",
        "Holmgren",
        "Sandberg",
        "Forsberg",
        "Hedlund",
        "Engström",
        "Nyström",
    ),
    areas=(
        # Swedish postcodes "NNN NN": the prefix and a two-digit suffix drawn per address.
        Area(
            "113",
            "Stockholm",
            ("Odengatan", "Västmannagatan", "Upplandsgatan", "Hälsingegatan", "Tegnérgatan", "Sveavägen"),
            3,
        ),
        Area("116", "Stockholm", ("Götgatan", "Folkungagatan", "Åsögatan", "Katarina Bangata", "Östgötagatan"), 3),
        Area("118", "Stockholm", ("Hornsgatan", "Ringvägen", "Lignagatan", "Krukmakargatan"), 2),
        Area("112", "Stockholm", ("Fleminggatan", "Sankt Eriksgatan", "Kungsholmsgatan", "Drottningholmsvägen"), 2),
        Area("114", "Stockholm", ("Valhallavägen", "Karlavägen", "Birger Jarlsgatan"), 2),
        Area("120", "Stockholm", ("Hammarby allé", "Lugnets allé", "Heliosgången"), 1),
        Area("168", "Bromma", ("Brommaplan", "Ulvsundavägen", "Riksby allé"), 1),
    ),
    company_forms=("Brf {}", "Fastighets AB {}", "Bostads AB {}", "{} Fastigheter AB"),
    company_stems=(
        "Kvarnen",
        "Sjöfararen",
        "Ugglan",
        "Solgläntan",
        "Körsbärsträdet",
        "Tallkotten",
        "Grönskan",
        "Mälarstrand",
        "Hornstull",
        "Lärkan",
        "Björken",
        "Svalan",
        "Vinkelhaken",
        "Ekorren",
        "Gjutaren",
        "Mården",
        "Skeppet",
        "Ankaret",
        "Fyren",
        "Tornet",
        "Rosen",
        "Liljan",
        "Höken",
        "Tranan",
        "Åkerby",
        "Söderhus",
        "Norrmalm",
        "Vasastaden",
        "Kungsklippan",
        "Hammarbyhöjden",
        "Bergsgruvan",
        "Tegelbruket",
        "Sjöstaden",
        "Eriksberg",
        "Fredhäll",
        "Stadshagen",
        "Rörstrand",
        "Atlas",
        "Vanadis",
        "Roslagen",
    ),
    property_blocks=(
        "Ugglan",
        "Vinkelhaken",
        "Mården",
        "Svalan",
        "Gjutaren",
        "Skeppet",
        "Ankaret",
        "Höken",
        "Tranan",
        "Rosen",
        "Liljan",
        "Björken",
        "Lärkan",
        "Ekorren",
        "Fyren",
        "Tornet",
    ),
    canonical_person=("Karin", "Åberg"),
    company_mail_prefix="info",
    reading_channels=(
        (ReadingSource.IMPORT, 85),
        (ReadingSource.PORTAL, 15),
    ),
    household_kwh=(8_000, 12_000, 14_000, 20_000),
    building_kwh=(150_000, 900_000),
    business_share=Decimal("0.6"),
    multi_facility_share=Decimal("0.75"),
)

COUNTRIES: dict[str, Country] = {c.code: c for c in (NO, NL, DE, SE)}

# --- helpers drawing from the country data ---------------------------------

_GERMAN_ASCII = {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"}
_NORDIC_ASCII = {"æ": "ae", "ø": "o", "å": "a", "ä": "a", "ö": "o"}


def ascii_slug(text: str, country: str, separator: str = "") -> str:
    """Lower-case ASCII for e-mail local parts: Müller -> mueller, Ødegård -> odegard."""
    table = _GERMAN_ASCII if country == "DE" else _NORDIC_ASCII
    out = []
    for ch in text.lower():
        if ch in table:
            out.append(table[ch])
        elif ch in " '’.":
            out.append(separator if ch == " " else "")
        else:
            decomposed = unicodedata.normalize("NFKD", ch)
            out.append("".join(c for c in decomposed if c.isascii() and (c.isalnum() or c == "-")))
    return "".join(out)


def postcode(area: Area, country: str, rng: random.Random) -> str:
    if country == "NL":
        # Dutch postcode letters skip F, I, O, Q, U, Y; SA, SD and SS are not issued.
        letters = "ABCDEGHJKLMNPRSTVWXZ"
        while True:
            pair = rng.choice(letters) + rng.choice(letters)
            if pair not in ("SA", "SD", "SS"):
                return area.postcode + pair
    if country == "SE":
        return f"{area.postcode} {rng.randint(20, 69):02d}"
    return area.postcode


def house_number(country: str, rng: random.Random, *, flat: bool) -> str:
    number = rng.randint(1, 140 if country in ("SE", "DE") else 80)
    if country == "NO" and flat and rng.random() < 0.5:
        return f"{number} {rng.choice('ABCD')}"
    if country == "NL" and flat and rng.random() < 0.5:
        return f"{number}-{rng.randint(1, 40)}"
    if country == "DE" and rng.random() < 0.1:
        return f"{number}{rng.choice('ab')}"
    return str(number)


_MOBILE: dict[str, tuple[str, ...]] = {
    "NO": ("+474", "+479"),
    "NL": ("+316",),
    "DE": ("+49151", "+49152", "+49160", "+49170", "+49171", "+49175", "+49176", "+49179"),
    "SE": ("+4670", "+4672", "+4673", "+4676", "+4679"),
}
_LANDLINE: dict[str, tuple[str, ...]] = {
    "NO": ("+4763", "+4764", "+4767"),
    "NL": ("+31344",),
    "DE": ("+499872", "+49981"),
    "SE": ("+468",),
}


def phone_number(country: str, rng: random.Random, *, mobile: bool = True) -> str:
    """A valid-format E.164 number of the country (checked with phonenumbers)."""
    prefixes = _MOBILE[country] if mobile else _LANDLINE[country]
    for _ in range(200):
        prefix = rng.choice(prefixes)
        # National significant numbers: NO 8, NL 9, SE 9, DE mobiles 10-11, landlines up to 11.
        lengths = {"NO": (8,), "NL": (9,), "SE": (9,), "DE": (10, 11)}[country]
        length = rng.choice(lengths) - (len(prefix) - len(country_calling_code(country)) - 1)
        number = prefix + "".join(str(rng.randint(0, 9)) for _ in range(length))
        parsed = phonenumbers.parse(number)
        if phonenumbers.is_valid_number(parsed):
            return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    raise RuntimeError(f"no valid phone number for {country}")  # pragma: no cover


def country_calling_code(country: str) -> str:
    return str(phonenumbers.country_code_for_region(country))


def org_number(country: str, company_name: str, rng: random.Random) -> str:
    """A check-digit valid organisation number in the national written form.

    NO: 9 digits (Brønnøysund organisasjonsnummer, mod 11), compact.
    SE: "NNNNNN-NNNN" (organisationsnummer, Luhn); 769/716 for housing
        co-operatives (Brf), 556/559 for companies (AB).
    DE: USt-IdNr "DE" + 9 digits (ISO 7064 mod 11,10).
    NL: KvK number, 8 digits (no check digit).
    """
    for _ in range(1000):
        if country == "NO":
            body = rng.choice("89") + "".join(str(rng.randint(0, 9)) for _ in range(7))
            for check in "0123456789":
                if no_orgnr.is_valid(body + check):
                    return body + check
        elif country == "SE":
            prefix = rng.choice(("769", "716")) if company_name.startswith("Brf") else rng.choice(("556", "559"))
            body = prefix + "".join(str(rng.randint(0, 9)) for _ in range(6))
            for check in "0123456789":
                if se_orgnr.is_valid(body + check):
                    return se_orgnr.format(body + check)
        elif country == "DE":
            body = str(rng.randint(1, 9)) + "".join(str(rng.randint(0, 9)) for _ in range(7))
            for check in "0123456789":
                if de_vat.is_valid("DE" + body + check):
                    return "DE" + body + check
        else:
            return str(rng.randint(10_000_000, 99_999_999))
    raise RuntimeError("no organisation number found")  # pragma: no cover


def weighted_choice(rng: random.Random, options: tuple[tuple[T, int], ...]) -> T:
    return rng.choices([o for o, _ in options], weights=[w for _, w in options], k=1)[0]
