"""Generated, deterministic material for the benchmark database: places, topics, actors, prose.

Nothing here touches the database. The prose is built from sentence templates over a
vocabulary of the desk's subjects, so full-text search sees realistic word frequencies, and
the person names come with transliteration variants (Nuri / Nouri) so alias-aware search has
something to find.
"""

import random
from collections.abc import Sequence
from dataclasses import dataclass, field

# (region name, slug, [(ISO code, country name)]); the first region carries most of the weight.
REGIONS: list[tuple[str, str, list[tuple[str, str]]]] = [
    (
        "Middle East",
        "middle-east",
        [
            ("IQ", "Iraq"),
            ("IR", "Iran"),
            ("SY", "Syria"),
            ("LB", "Lebanon"),
            ("YE", "Yemen"),
            ("SA", "Saudi Arabia"),
            ("KW", "Kuwait"),
            ("JO", "Jordan"),
            ("TR", "Türkiye"),
            ("IL", "Israel"),
            ("PS", "Palestine"),
            ("EG", "Egypt"),
            ("AE", "United Arab Emirates"),
            ("QA", "Qatar"),
            ("BH", "Bahrain"),
            ("OM", "Oman"),
        ],
    ),
    (
        "North Africa",
        "north-africa",
        [("LY", "Libya"), ("TN", "Tunisia"), ("DZ", "Algeria"), ("MA", "Morocco"), ("SD", "Sudan")],
    ),
    (
        "South Asia",
        "south-asia",
        [("AF", "Afghanistan"), ("PK", "Pakistan"), ("IN", "India"), ("BD", "Bangladesh")],
    ),
    (
        "Sahel",
        "sahel",
        [
            ("ML", "Mali"),
            ("NE", "Niger"),
            ("BF", "Burkina Faso"),
            ("TD", "Chad"),
            ("NG", "Nigeria"),
        ],
    ),
    (
        "Horn of Africa",
        "horn-of-africa",
        [
            ("ET", "Ethiopia"),
            ("SO", "Somalia"),
            ("ER", "Eritrea"),
            ("DJ", "Djibouti"),
            ("KE", "Kenya"),
        ],
    ),
    (
        "Caucasus and Central Asia",
        "caucasus-central-asia",
        [
            ("AZ", "Azerbaijan"),
            ("AM", "Armenia"),
            ("GE", "Georgia"),
            ("KZ", "Kazakhstan"),
            ("UZ", "Uzbekistan"),
        ],
    ),
]

_TOPIC_SUBJECTS = [
    "oil", "gas", "electricity", "water", "protests", "elections", "militias", "sanctions",
    "kidnap", "shipping", "ports", "aviation", "cyber", "terrorism", "insurgency", "borders",
    "refugees", "corruption", "banking", "currency", "inflation", "mining", "telecoms",
    "agriculture", "drought", "infrastructure", "logistics", "maritime", "drones", "missiles",
    "nuclear", "diplomacy", "ceasefire", "coalitions", "judiciary", "media", "health",
    "tourism", "labour", "succession",
]  # fmt: skip
_TOPIC_FACETS = ["", " policy", " risk", " security", " markets"]

# A first name and the other spellings it is found under.
_FIRST_NAMES: dict[str, list[str]] = {
    "Nuri": ["Nouri"], "Mohammed": ["Mohamed", "Muhammad"], "Hussein": ["Husayn", "Hossein"],
    "Qasim": ["Qassem", "Kasim"], "Abdullah": ["Abdallah"], "Ahmed": ["Ahmad"], "Ali": [],
    "Hassan": ["Hasan"], "Mahmoud": ["Mahmud"], "Youssef": ["Yusuf", "Yousef"],
    "Khalid": ["Khaled"], "Omar": ["Umar"], "Mustafa": ["Mostafa"], "Ibrahim": ["Ebrahim"],
    "Jafar": ["Jaafar"], "Haidar": ["Haider", "Hayder"], "Faisal": ["Faysal"],
    "Saeed": ["Said"], "Tariq": ["Tarek"], "Walid": ["Waleed"], "Karim": ["Kareem"],
    "Rashid": ["Rasheed"], "Salim": ["Saleem"], "Jamal": [], "Layla": ["Leila"],
    "Fatima": ["Fatemeh"], "Zainab": ["Zaynab"], "Amira": [], "Nadia": [], "Samir": ["Sameer"],
    "Hadi": [], "Adel": ["Adil"], "Bashir": ["Basheer"], "Nasser": ["Nasir"],
}  # fmt: skip
_FAMILY_NAMES: dict[str, list[str]] = {
    "al-Jubouri": ["al-Juburi"], "al-Tamimi": [], "al-Obeidi": ["al-Ubaydi"],
    "al-Khafaji": [], "al-Hashimi": ["al-Hashemi"], "al-Dulaimi": ["al-Dulaymi"],
    "al-Shammari": [], "al-Zubaidi": ["al-Zubaydi"], "al-Rubaie": ["al-Rubaiy"],
    "al-Saadi": ["al-Sa'adi"], "al-Karbalai": [], "al-Musawi": ["al-Moussawi"],
    "al-Husseini": ["al-Husayni"], "Haddad": [], "Nasrallah": [], "Qureshi": ["Qurayshi"],
    "Rahimi": [], "Karimi": [], "Tehrani": [], "Shirazi": [], "Osman": ["Uthman"],
    "Mansour": ["Mansur"], "Farouk": ["Faruq"], "Barzani": [], "Talabani": [], "Aziz": [],
    "Khoury": ["Khouri"], "Salameh": ["Salama"], "Awad": [], "Darwish": [], "Yilmaz": [],
    "Demir": [], "Hakimi": [], "Durrani": [], "Abdi": [], "Warsame": [], "Traore": ["Traoré"],
    "Diallo": [], "Aliyev": ["Aliev"], "Karimov": [],
}  # fmt: skip

_ARMED_GROUP_PATTERNS = [
    "Kata'ib {name}", "Saraya {name}", "{name} Brigades", "{place} Liberation Front",
    "{place} Defence Forces", "Harakat {name}", "{name} Battalions", "Asa'ib {name}",
    "{place} Resistance Committees", "Jaysh {name}",
]  # fmt: skip
_GROUP_WORDS = [
    "al-Haqq", "al-Nasr", "al-Fath", "Hizb al-Adl", "al-Wafa", "al-Salam", "Imam Ali",
    "al-Jihad", "al-Mukhtar", "Ansar", "al-Shuhada", "al-Tahrir", "al-Karama", "al-Ahrar",
    "Babiliyun", "al-Abbas", "al-Furqan", "al-Nujaba", "al-Khorasani", "al-Badr",
]  # fmt: skip
_MINISTRIES = [
    "Oil", "Interior", "Defence", "Finance", "Electricity", "Foreign Affairs", "Water Resources",
    "Trade", "Transport", "Justice", "Planning", "Health", "Communications", "Industry",
]  # fmt: skip
_BODIES = [
    "Central Bank", "Supreme Judicial Council", "Independent High Electoral Commission",
    "National Security Council", "Council of Ministers", "Ports Authority", "Customs Authority",
    "Counter-Terrorism Service", "Federal Police", "Border Guard", "Intelligence Service",
    "State Oil Marketing Organisation",
]  # fmt: skip
_PARTY_WORDS = [
    "National", "Reform", "Progress", "Unity", "Dignity", "Renewal", "Sovereignty", "Justice",
    "Civic", "Democratic", "Popular", "Islamic", "Liberal", "Patriotic", "Future",
]  # fmt: skip
_PARTY_NOUNS = ["Party", "Alliance", "Coalition", "Movement", "Bloc", "Front", "Current"]
_COMPANY_NOUNS = [
    "Petroleum", "Logistics", "Holding", "Shipping", "Telecom", "Cement", "Power", "Refining",
    "Gas Company", "Drilling", "Port Services", "Construction", "Trading", "Investment Bank",
]  # fmt: skip
_LOCATION_PATTERNS = [
    "{place} oil field", "Port of {place}", "{place} border crossing", "{place} Governorate",
    "{place} refinery", "{place} dam", "{place} airport", "{place} industrial zone",
]  # fmt: skip
PLACE_WORDS = [
    "Basra", "Rumaila", "Kirkuk", "Mosul", "Anbar", "Diyala", "Umm Qasr", "Faw", "Sinjar",
    "Tal Afar", "Qaim", "Bukamal", "Deir ez-Zor", "Hasakah", "Idlib", "Aleppo", "Tripoli",
    "Sirte", "Benghazi", "Misrata", "Hodeidah", "Marib", "Aden", "Mukalla", "Bandar Abbas",
    "Khuzestan", "Ahvaz", "Sistan", "Kandahar", "Herat", "Quetta", "Peshawar", "Gao", "Timbuktu",
    "Agadez", "Maiduguri", "Kismayo", "Berbera", "Assab", "Tigray", "Ganja", "Aktau", "Fergana",
    "Zakho", "Erbil", "Sulaymaniyah", "Najaf", "Karbala", "Nasiriyah", "Amarah", "Samarra",
]  # fmt: skip

_SENTENCES = [
    "{actor} is {likely} to {action} {object} in {place} over the {horizon}.",
    "We assess that {actor} will {action} {object} before the {event}.",
    "Pressure on {object} in {place} has grown since {actor} {past_action} in {month}.",
    "The {event} is {likely} to test the cohesion of {actor} and its partners.",
    "{actor} {past_action} after talks in {place} stalled over {object}.",
    "Operators in {place} should expect {disruption} affecting {object} during the {horizon}.",
    "Officials close to {actor} describe the dispute over {object} as {adjective}.",
    "A {adjective} response from {actor} would raise the risk of {disruption} in {place}.",
    "Revenue from {object} remains the main lever {actor} holds over its rivals in {place}.",
    "{actor} {past_action}, a move that reshapes the contest for {object} in {place}.",
    "Reporting from {place} points to {number} incidents linked to {actor} since {month}.",
    "Our sources in {place} say {actor} is preparing to {action} {object}.",
    "The risk to {object} in {place} is {adjective} but contained for now.",
    "Any deal on {object} will need the consent of {actor}, which has little reason to hurry.",
    "Expect {disruption} around {place} if the {event} slips again.",
    "Western governments are {likely} to answer with sanctions on {actor}.",
    "Insurers have already repriced cover for {object} in {place} after {actor} {past_action}.",
    "The {horizon} will show whether {actor} can hold the line on {object}.",
]  # fmt: skip
_LIKELY = [
    "likely", "highly likely", "unlikely", "almost certain", "about as likely as not",
    "very likely", "probably going",
]  # fmt: skip
_ACTIONS = [
    "contest", "block", "renegotiate", "delay", "take control of", "disrupt", "tax", "secure",
    "politicise", "expand", "defend", "curb",
]  # fmt: skip
_PAST_ACTIONS = [
    "withdrew from the governing coalition", "seized a checkpoint", "rejected the budget",
    "announced a boycott", "signed a memorandum with Tehran", "closed the crossing",
    "replaced its commanders", "won a court ruling", "lost a key ally", "raised its tariffs",
    "launched drone attacks", "froze the accounts", "recalled its ambassador",
    "called early elections",
]  # fmt: skip
_OBJECTS = [
    "oil exports", "the federal budget", "electricity imports", "port revenues",
    "the border trade", "customs receipts", "the security file", "gas supply contracts",
    "the dollar auction", "reconstruction contracts", "the water-sharing agreement",
    "the militia payroll", "the ceasefire line", "telecom licences", "the grain corridor",
    "the cabinet reshuffle", "foreign investment", "shipping insurance", "fuel subsidies",
    "the mining concessions",
]  # fmt: skip
_HORIZONS = [
    "coming weeks", "next quarter", "next six months", "summer", "rest of the year",
    "coming month", "run-up to the vote",
]  # fmt: skip
_EVENTS = [
    "parliamentary elections", "budget vote", "provincial elections", "Arbaeen pilgrimage",
    "OPEC+ meeting", "UN Security Council renewal", "sanctions review", "ceasefire talks",
    "IMF review", "Ramadan period", "cabinet confidence vote", "summit in Riyadh",
]  # fmt: skip
_DISRUPTIONS = [
    "road closures", "protests", "power cuts", "kidnap attempts", "rocket fire",
    "port delays", "fuel shortages", "strikes", "internet shutdowns", "checkpoint extortion",
    "exchange-rate swings", "drone strikes",
]  # fmt: skip
_ADJECTIVES = [
    "existential", "manageable", "escalating", "serious", "overstated", "intractable",
    "symbolic", "costly", "unprecedented", "predictable",
]  # fmt: skip
_MONTHS = [
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
]  # fmt: skip
SECTIONS = [
    "Background", "Assessment", "Outlook", "Implications for operators", "What to watch",
    "The players", "Scenarios", "Why it matters", "Indicators", "The money",
]  # fmt: skip
_PUBLISHERS = [
    "Reuters", "Al-Monitor", "Shafaq News", "The National", "Asharq Al-Awsat", "IMF",
    "World Bank", "US Treasury", "UN Panel of Experts", "Rudaw", "Crisis Group", "Argus Media",
]  # fmt: skip

PERSON_FIRST_NAMES = list(_FIRST_NAMES)
COMMON_SEARCHES = [
    "oil exports",
    "militia",
    "sanctions",
    "parliamentary elections",
    "port revenues Basra",
    "drone strikes",
    "electricity imports",
    "kidnap",
    "ceasefire talks",
    "budget vote",
]


def topic_names() -> list[str]:
    return [f"{subject}{facet}" for subject in _TOPIC_SUBJECTS for facet in _TOPIC_FACETS]


@dataclass
class GeneratedEntity:
    kind: str
    name: str
    aliases: list[tuple[str, str]] = field(default_factory=list)  # (name, alias kind)


def _initials(name: str) -> str:
    words = [word for word in name.replace("-", " ").split() if word[0].isupper()]
    return "".join(word[0] for word in words)


def person(rng: random.Random) -> GeneratedEntity:
    first = rng.choice(PERSON_FIRST_NAMES)
    family = rng.choice(list(_FAMILY_NAMES))
    middle = rng.choice(PERSON_FIRST_NAMES) if rng.random() < 0.5 else None
    parts = [first, middle, family] if middle else [first, family]
    name = " ".join(parts)
    aliases = []
    for variant in _FIRST_NAMES[first]:
        aliases.append((name.replace(first, variant, 1), "alias"))
    for variant in _FAMILY_NAMES[family]:
        aliases.append((name.replace(family, variant), "alias"))
    if middle:
        aliases.append((f"{first} {family}", "alias"))
    if rng.random() < 0.3:
        aliases.append((f"Abu {rng.choice(PERSON_FIRST_NAMES)}", "weak"))
    return GeneratedEntity("person", name, aliases)


def organisation_like(rng: random.Random, kind: str, country: str) -> GeneratedEntity:
    place = rng.choice(PLACE_WORDS)
    if kind == "armed_group":
        pattern = rng.choice(_ARMED_GROUP_PATTERNS)
        name = pattern.format(name=rng.choice(_GROUP_WORDS), place=place)
    elif kind == "government_body":
        if rng.random() < 0.5:
            name = f"{country} Ministry of {rng.choice(_MINISTRIES)}"
        else:
            name = f"{country} {rng.choice(_BODIES)}"
    elif kind == "political_party":
        words = rng.sample(_PARTY_WORDS, 2)
        name = f"{words[0]} {words[1]} {rng.choice(_PARTY_NOUNS)}"
    elif kind == "organisation":
        name = f"{place} {rng.choice(_COMPANY_NOUNS)}"
    elif kind == "location":
        name = rng.choice(_LOCATION_PATTERNS).format(place=place)
    else:
        name = f"{rng.randint(2014, 2026)} {country} {rng.choice(_EVENTS)}"
    aliases: list[tuple[str, str]] = []
    initials = _initials(name)
    if kind != "location" and kind != "event" and len(initials) >= 2:
        aliases.append((initials, "abbreviation"))
    if rng.random() < 0.25:
        aliases.append((f"{name} (former)", "previous"))
    return GeneratedEntity(kind, name, aliases)


class Prose:
    """Sentences, paragraphs and headings over a fixed vocabulary and a list of actor names."""

    def __init__(self, rng: random.Random, actors: list[str], places: list[str]) -> None:
        self.rng = rng
        self.actors = actors
        self.places = places

    def sentence(self, actor: str | None = None, place: str | None = None) -> str:
        rng = self.rng
        text = rng.choice(_SENTENCES).format(
            actor=actor or rng.choice(self.actors),
            place=place or rng.choice(self.places),
            likely=rng.choice(_LIKELY),
            action=rng.choice(_ACTIONS),
            past_action=rng.choice(_PAST_ACTIONS),
            object=rng.choice(_OBJECTS),
            horizon=rng.choice(_HORIZONS),
            event=rng.choice(_EVENTS),
            disruption=rng.choice(_DISRUPTIONS),
            adjective=rng.choice(_ADJECTIVES),
            month=rng.choice(_MONTHS),
            number=rng.randint(3, 60),
        )
        return text[0].upper() + text[1:]

    def paragraph(
        self, sentences: int, actors: Sequence[str] = (), places: Sequence[str] = ()
    ) -> str:
        rng = self.rng
        return " ".join(
            self.sentence(
                actor=rng.choice(actors) if actors and rng.random() < 0.6 else None,
                place=rng.choice(places) if places and rng.random() < 0.6 else None,
            )
            for _ in range(sentences)
        )

    def bullets(self) -> str:
        return "\n".join(f"- {self.sentence()}" for _ in range(self.rng.randint(3, 5)))

    def quote(self) -> str:
        return f"> {self.sentence()}"

    def heading(self) -> str:
        return f"## {self.rng.choice(SECTIONS)}"

    def title(self, actor: str, place: str, topic: str) -> str:
        rng = self.rng
        patterns = [
            f"{actor} and the fight over {rng.choice(_OBJECTS)}",
            f"{place}: {topic} outlook for the {rng.choice(_HORIZONS)}",
            f"Why {actor} is moving on {rng.choice(_OBJECTS)}",
            f"{place} {rng.choice(_EVENTS)}: what {actor} wants",
            f"{rng.choice(_DISRUPTIONS).capitalize()} in {place} put {topic} at risk",
            f"{actor} {rng.choice(_PAST_ACTIONS)}",
            f"{topic.capitalize()} in {place}: {rng.choice(_ADJECTIVES)} pressures ahead",
        ]
        return rng.choice(patterns)

    def key_judgment(self, actor: str, place: str) -> str:
        return self.sentence(actor=actor, place=place)

    def source(self) -> tuple[str, str]:
        rng = self.rng
        title = f"{rng.choice(_OBJECTS).capitalize()} in {rng.choice(self.places)}"
        return title, rng.choice(_PUBLISHERS)
