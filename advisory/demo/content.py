"""Demo content for Advisory: regions, author bios, entities, relationships,
designations, a series and seven briefs.

Pure data: plain dicts, lists, strings and None. Dates are ISO strings
("YYYY-MM-DD"); datetimes are "YYYY-MM-DDTHH:MM:00+00:00" in UTC. Where only the
year of a relationship is known, the date is written as "YYYY-01-01".

The entities, relationships and designations describe real actors and real,
public sanctions actions. Wikidata identifiers are given only where they were
checked; everything uncertain is None. The briefs, author bios and desk
assessments are invented demo material written for this project: the analysts
and editors are fictional, and no quotation in a brief is attributed to a real
person.
"""

from __future__ import annotations

from typing import Any

# ---------------------------------------------------------------------------
# Regions: each country (ISO 3166-1 alpha-2) belongs to exactly one region.
# ---------------------------------------------------------------------------

REGIONS: list[dict[str, Any]] = [
    {
        "name": "Middle East",
        "slug": "middle-east",
        "countries": [
            "IQ",
            "IR",
            "SY",
            "LB",
            "YE",
            "SA",
            "KW",
            "JO",
            "TR",
            "IL",
            "PS",
            "EG",
            "AE",
            "QA",
            "BH",
            "OM",
        ],
    },
    {
        "name": "South Asia",
        "slug": "south-asia",
        "countries": ["AF", "PK"],
    },
]

# ---------------------------------------------------------------------------
# Author bios for the demo users (fictional people).
# ---------------------------------------------------------------------------

AUTHOR_BIOS: dict[str, dict[str, str]] = {
    "writer": {
        "display_name": "Layla Haddad",
        "bio": (
            "Layla Haddad is a senior analyst on the Advisory desk, where she "
            "covers Iraqi politics and the country's armed factions. Before "
            "joining the desk she spent several years as a field researcher in "
            "Baghdad and Basra. She writes the Iraq Militia Watch series."
        ),
    },
    "writer2": {
        "display_name": "Tom Ashworth",
        "bio": (
            "Tom Ashworth is an analyst on the Advisory desk focused on "
            "sanctions, illicit finance and Iran's economy. He previously "
            "worked in financial-crime compliance for a regional bank. He "
            "leads the desk's sanctions-exposure reporting."
        ),
    },
    "editor": {
        "display_name": "Sara Kemal",
        "bio": (
            "Sara Kemal is managing editor of the Advisory desk and signs off "
            "its analysis on Iraq, Iran and the Levant. She has edited risk "
            "reporting on the region for more than a decade."
        ),
    },
    "editor2": {
        "display_name": "Daniel Okafor",
        "bio": (
            "Daniel Okafor is an editor on the Advisory desk responsible for "
            "standards, sourcing and estimative language. He reviews flash "
            "alerts and the weekly outlook before they reach clients."
        ),
    },
}

# ---------------------------------------------------------------------------
# Entities.
# kind: person, organisation, armed_group, government_body, political_party,
#       location, country, event
# alias kind: alias, weak, previous, abbreviation
# ---------------------------------------------------------------------------


def _a(
    name: str, language: str = "en", script: str = "Latn", kind: str = "alias"
) -> dict[str, str]:
    return {"name": name, "language": language, "script": script, "kind": kind}


ENTITIES: list[dict[str, Any]] = [
    # --- People -------------------------------------------------------------
    {
        "key": "nuri-al-maliki",
        "kind": "person",
        "name": "Nuri al-Maliki",
        "country": "IQ",
        "description": (
            "Iraqi politician who was prime minister from 2006 to 2014 and "
            "later served as one of Iraq's vice presidents. He is "
            "secretary-general of the Islamic Dawa Party, leads the State of "
            "Law Coalition and is a senior figure in the Coordination Framework."
        ),
        "wikidata": None,
        "aliases": [
            _a("Nouri al-Maliki"),
            _a("Nuri Kamil al-Maliki"),
            _a("Nouri Kamel al-Maliki"),
            _a("Jawad al-Maliki", kind="previous"),
            _a("Abu Esraa"),
            _a("Maliki", kind="weak"),
            _a("al-Maliki", kind="weak"),
            _a("نوري المالكي", "ar", "Arab"),
            _a("نوري كامل المالكي", "ar", "Arab"),
            _a("المالكي", "ar", "Arab", "weak"),
        ],
    },
    {
        "key": "mohammed-shia-al-sudani",
        "kind": "person",
        "name": "Mohammed Shia al-Sudani",
        "country": "IQ",
        "description": (
            "Iraqi politician who became prime minister in October 2022 as the "
            "Coordination Framework's nominee. He was earlier governor of "
            "Maysan and minister of human rights and of labour and social "
            "affairs, and headed his own list in the November 2025 "
            "parliamentary election."
        ),
        "wikidata": None,
        "aliases": [
            _a("Mohamed Shia al-Sudani"),
            _a("Mohammed Shia' al-Sudani"),
            _a("Muhammad Shia al-Sudani"),
            _a("Mohammed Shiaa al-Sudani"),
            _a("Sudani", kind="weak"),
            _a("al-Sudani", kind="weak"),
            _a("محمد شياع السوداني", "ar", "Arab"),
            _a("السوداني", "ar", "Arab", "weak"),
        ],
    },
    {
        "key": "qais-al-khazali",
        "kind": "person",
        "name": "Qais al-Khazali",
        "country": "IQ",
        "description": (
            "Secretary-general of Asa'ib Ahl al-Haq, which he led after it "
            "broke away from the Sadrist Mahdi Army in the mid-2000s. He was "
            "held by US forces after 2007 and later released, and was "
            "sanctioned by the United States in 2019 and 2020."
        ),
        "wikidata": None,
        "aliases": [
            _a("Qays al-Khazali"),
            _a("Qais al-Khazaali"),
            _a("Qais Khazali"),
            _a("Khazali", kind="weak"),
            _a("قيس الخزعلي", "ar", "Arab"),
            _a("الخزعلي", "ar", "Arab", "weak"),
        ],
    },
    {
        "key": "muqtada-al-sadr",
        "kind": "person",
        "name": "Muqtada al-Sadr",
        "country": "IQ",
        "description": (
            "Shia cleric and populist leader of the Sadrist movement, son of "
            "Grand Ayatollah Mohammad Sadiq al-Sadr. He led the Mahdi Army "
            "after 2003 and later Saraya al-Salam; his bloc won the most seats "
            "in the 2021 election before its deputies resigned in June 2022."
        ),
        "wikidata": None,
        "aliases": [
            _a("Moqtada al-Sadr"),
            _a("Muqtada as-Sadr"),
            _a("Moqtada Sadr"),
            _a("Sayyid Muqtada al-Sadr"),
            _a("Sadr", kind="weak"),
            _a("مقتدى الصدر", "ar", "Arab"),
            _a("السيد مقتدى الصدر", "ar", "Arab"),
        ],
    },
    {
        "key": "ali-al-sistani",
        "kind": "person",
        "name": "Ali al-Sistani",
        "country": "IQ",
        "description": (
            "Najaf-based Grand Ayatollah, born in Mashhad in 1930, widely "
            "regarded as the most senior Shia religious authority in Iraq. His "
            "June 2014 call to take up arms against the Islamic State led to "
            "the mobilisation that became the Popular Mobilization Forces."
        ),
        "wikidata": None,
        "aliases": [
            _a("Grand Ayatollah Ali al-Sistani"),
            _a("Ali al-Husseini al-Sistani"),
            _a("Ali Sistani"),
            _a("Sistani", kind="weak"),
            _a("علي السيستاني", "ar", "Arab"),
            _a("علي الحسيني السيستاني", "ar", "Arab"),
            _a("علی سیستانی", "fa", "Arab"),
        ],
    },
    {
        "key": "ali-khamenei",
        "kind": "person",
        "name": "Ali Khamenei",
        "country": "IR",
        "description": (
            "Iran's Supreme Leader, a post he assumed in 1989 after the death "
            "of Ruhollah Khomeini; he was president from 1981 to 1989. The "
            "office of the Supreme Leader commands the armed forces, including "
            "the IRGC."
        ),
        "wikidata": "Q57336",
        "aliases": [
            _a("Ayatollah Ali Khamenei"),
            _a("Seyyed Ali Khamenei"),
            _a("Ali Hosseini Khamenei"),
            _a("Khamenei", kind="weak"),
            _a("علی خامنه\u200cای", "fa", "Arab"),
            _a("علي خامنئي", "ar", "Arab"),
        ],
    },
    {
        "key": "falih-al-fayyadh",
        "kind": "person",
        "name": "Falih al-Fayyadh",
        "country": "IQ",
        "description": (
            "Chairman of the Popular Mobilization Commission and Iraq's "
            "national security adviser from 2014 to 2020. The US Treasury "
            "sanctioned him in January 2021 over the violent response to the "
            "2019 protests."
        ),
        "wikidata": None,
        "aliases": [
            _a("Faleh al-Fayyadh"),
            _a("Falih al-Fayyad"),
            _a("Faleh al-Fayyad"),
            _a("Fayyadh", kind="weak"),
            _a("فالح الفياض", "ar", "Arab"),
        ],
    },
    {
        "key": "abu-fadak-al-mohammedawi",
        "kind": "person",
        "name": "Abu Fadak al-Mohammedawi",
        "country": "IQ",
        "description": (
            "Nom de guerre of Abdul Aziz al-Mohammedawi, a veteran Kata'ib "
            "Hezbollah commander who became chief of staff of the Popular "
            "Mobilization Forces in 2020 after Abu Mahdi al-Muhandis was killed."
        ),
        "wikidata": None,
        "aliases": [
            _a("Abu Fadak al-Muhammadawi"),
            _a("Abu Fadak al-Mohammadawi"),
            _a("Abdul Aziz al-Mohammedawi"),
            _a("Abd al-Aziz al-Muhammadawi"),
            _a("Abu Fadak", kind="weak"),
            _a("أبو فدك المحمداوي", "ar", "Arab"),
            _a("عبد العزيز المحمداوي", "ar", "Arab"),
        ],
    },
    {
        "key": "hadi-al-amiri",
        "kind": "person",
        "name": "Hadi al-Amiri",
        "country": "IQ",
        "description": (
            "Secretary-general of the Badr Organization and head of the Fatah "
            "Alliance. He served as Iraq's transport minister from 2010 to 2014."
        ),
        "wikidata": None,
        "aliases": [
            _a("Hadi al-Ameri"),
            _a("Hadi Amiri"),
            _a("Amiri", kind="weak"),
            _a("هادي العامري", "ar", "Arab"),
        ],
    },
    {
        "key": "akram-al-kaabi",
        "kind": "person",
        "name": "Akram al-Kaabi",
        "country": "IQ",
        "description": (
            "Cleric who founded Harakat Hezbollah al-Nujaba in 2013 and leads "
            "it as secretary-general. He was earlier a commander in the Mahdi "
            "Army and Asa'ib Ahl al-Haq."
        ),
        "wikidata": None,
        "aliases": [
            _a("Akram al-Kabi"),
            _a("Akram 'Abbas al-Kabi"),
            _a("Akram Abbas al-Kaabi"),
            _a("Kaabi", kind="weak"),
            _a("أكرم الكعبي", "ar", "Arab"),
        ],
    },
    {
        "key": "faiq-zidan",
        "kind": "person",
        "name": "Faiq Zidan",
        "country": "IQ",
        "description": (
            "Iraqi judge who has headed the Supreme Judicial Council since "
            "2017. His public statements carry weight in disputes over "
            "government formation and the limits of armed groups."
        ),
        "wikidata": None,
        "aliases": [
            _a("Faeq Zidan"),
            _a("Faiq Zaidan"),
            _a("Fayeq Zeidan"),
            _a("Judge Faiq Zidan"),
            _a("Zidan", kind="weak"),
            _a("فائق زيدان", "ar", "Arab"),
        ],
    },
    {
        "key": "masoud-pezeshkian",
        "kind": "person",
        "name": "Masoud Pezeshkian",
        "country": "IR",
        "description": (
            "Iranian cardiac surgeon and politician elected president in July "
            "2024. He was health minister from 2001 to 2005 and a long-serving "
            "member of parliament for Tabriz."
        ),
        "wikidata": None,
        "aliases": [
            _a("Massoud Pezeshkian"),
            _a("Masud Pezeshkian"),
            _a("Masoud Pezeshkiyan"),
            _a("Pezeshkian", kind="weak"),
            _a("مسعود پزشکیان", "fa", "Arab"),
            _a("مسعود بزشكيان", "ar", "Arab"),
        ],
    },
    {
        "key": "esmail-qaani",
        "kind": "person",
        "name": "Esmail Qaani",
        "country": "IR",
        "description": (
            "Commander of the IRGC Quds Force since January 2020, when he "
            "succeeded Qasem Soleimani after serving for many years as his "
            "deputy."
        ),
        "wikidata": None,
        "aliases": [
            _a("Esmail Ghaani"),
            _a("Esmaeil Qaani"),
            _a("Ismail Qaani"),
            _a("Qaani", kind="weak"),
            _a("اسماعیل قاآنی", "fa", "Arab"),
            _a("إسماعيل قاآني", "ar", "Arab"),
        ],
    },
    {
        "key": "abu-mahdi-al-muhandis",
        "kind": "person",
        "name": "Abu Mahdi al-Muhandis",
        "country": "IQ",
        "description": (
            "Nom de guerre of Jamal Jaafar Ibrahim, founder of Kata'ib "
            "Hezbollah and deputy chairman of the Popular Mobilization "
            "Commission. He was killed with Qasem Soleimani in a US strike at "
            "Baghdad airport on 3 January 2020."
        ),
        "wikidata": None,
        "aliases": [
            _a("Abu Mahdi al-Mohandes"),
            _a("Abu Mahdi al-Mohandis"),
            _a("Jamal Jaafar Ibrahim"),
            _a("Jamal Jafaar Mohammed Ali Ebrahimi"),
            _a("Muhandis", kind="weak"),
            _a("أبو مهدي المهندس", "ar", "Arab"),
            _a("جمال جعفر محمد علي آل إبراهيم", "ar", "Arab"),
        ],
    },
    {
        "key": "qasem-soleimani",
        "kind": "person",
        "name": "Qasem Soleimani",
        "country": "IR",
        "description": (
            "Commander of the IRGC Quds Force from the late 1990s until he was "
            "killed in a US drone strike at Baghdad airport on 3 January 2020."
        ),
        "wikidata": None,
        "aliases": [
            _a("Qassem Soleimani"),
            _a("Qasem Suleimani"),
            _a("Ghasem Soleimani"),
            _a("Qassim Suleimani"),
            _a("Soleimani", kind="weak"),
            _a("قاسم سلیمانی", "fa", "Arab"),
            _a("قاسم سليماني", "ar", "Arab"),
        ],
    },
    {
        "key": "mark-savaya",
        "kind": "person",
        "name": "Mark Savaya",
        "country": "US",
        "description": (
            "Michigan-based businessman of Iraqi Chaldean origin whom "
            "President Donald Trump named US special envoy to Iraq in October "
            "2025."
        ),
        "wikidata": None,
        "aliases": [
            _a("Mark Sawaya"),
            _a("Savaya", kind="weak"),
            _a("مارك سافايا", "ar", "Arab"),
        ],
    },
    {
        "key": "abu-alaa-al-walai",
        "kind": "person",
        "name": "Abu Alaa al-Walai",
        "country": "IQ",
        "description": (
            "Nom de guerre of Hashim Finyan Rahim al-Saraji, secretary-general "
            "of Kata'ib Sayyid al-Shuhada. The US State Department designated "
            "him in November 2023."
        ),
        "wikidata": None,
        "aliases": [
            _a("Abu Ala al-Walai"),
            _a("Hashim Finyan Rahim al-Saraji"),
            _a("Hashim Finyan al-Saraji"),
            _a("أبو آلاء الولائي", "ar", "Arab"),
            _a("هاشم فنيان رحيم السراجي", "ar", "Arab"),
        ],
    },
    # --- Armed groups ---------------------------------------------------------
    {
        "key": "popular-mobilization-forces",
        "kind": "armed_group",
        "name": "Popular Mobilization Forces",
        "country": "IQ",
        "description": (
            "State-funded umbrella of mostly Shia armed factions formed in "
            "June 2014 after Grand Ayatollah Sistani's call to fight the "
            "Islamic State. A 2016 law made it a permanent force attached to "
            "the commander-in-chief; it is administered by the Popular "
            "Mobilization Commission."
        ),
        "wikidata": None,
        "aliases": [
            _a("PMF", kind="abbreviation"),
            _a("PMU", kind="abbreviation"),
            _a("PMC", kind="abbreviation"),
            _a("Popular Mobilisation Forces"),
            _a("Popular Mobilization Units"),
            _a("Popular Mobilization Commission"),
            _a("Hashd al-Shaabi"),
            _a("al-Hashd al-Shaabi"),
            _a("Hashd", kind="weak"),
            _a("الحشد الشعبي", "ar", "Arab"),
            _a("هيئة الحشد الشعبي", "ar", "Arab"),
            _a("حشد الشعبی", "fa", "Arab"),
        ],
    },
    {
        "key": "kataib-hezbollah",
        "kind": "armed_group",
        "name": "Kata'ib Hezbollah",
        "country": "IQ",
        "description": (
            "Iran-aligned Iraqi Shia armed group founded in the mid-2000s by "
            "Abu Mahdi al-Muhandis; its fighters fill several PMF brigades. The "
            "United States designated it a Foreign Terrorist Organization in "
            "2009."
        ),
        "wikidata": None,
        "aliases": [
            _a("Kataib Hezbollah"),
            _a("Kata'ib Hizballah"),
            _a("Kataib Hizbullah"),
            _a("Hezbollah Brigades"),
            _a("KH", kind="abbreviation"),
            _a("كتائب حزب الله", "ar", "Arab"),
        ],
    },
    {
        "key": "asaib-ahl-al-haq",
        "kind": "armed_group",
        "name": "Asa'ib Ahl al-Haq",
        "country": "IQ",
        "description": (
            "Iran-aligned Shia armed group and political movement led by Qais "
            "al-Khazali, which split from the Mahdi Army in 2006. It fields PMF "
            "brigades and a parliamentary bloc, Sadiqoun, and was designated a "
            "Foreign Terrorist Organization by the United States in 2020."
        ),
        "wikidata": None,
        "aliases": [
            _a("Asaib Ahl al-Haq"),
            _a("Asa'ib Ahl al-Haqq"),
            _a("League of the Righteous"),
            _a("Khazali Network", kind="previous"),
            _a("AAH", kind="abbreviation"),
            _a("عصائب أهل الحق", "ar", "Arab"),
        ],
    },
    {
        "key": "harakat-hezbollah-al-nujaba",
        "kind": "armed_group",
        "name": "Harakat Hezbollah al-Nujaba",
        "country": "IQ",
        "description": (
            "Iran-aligned armed group founded in 2013 by Akram al-Kaabi, active "
            "in Iraq and Syria and a prominent voice in the Islamic Resistance "
            "in Iraq. The US designated it an SDGT in 2019 and announced its "
            "FTO designation in September 2025."
        ),
        "wikidata": None,
        "aliases": [
            _a("Harakat al-Nujaba"),
            _a("Harakat Hizballah al-Nujaba"),
            _a("al-Nujaba Movement"),
            _a("Nujaba", kind="weak"),
            _a("HAN", kind="abbreviation"),
            _a("حركة حزب الله النجباء", "ar", "Arab"),
            _a("حركة النجباء", "ar", "Arab"),
        ],
    },
    {
        "key": "kataib-sayyid-al-shuhada",
        "kind": "armed_group",
        "name": "Kata'ib Sayyid al-Shuhada",
        "country": "IQ",
        "description": (
            "Iran-aligned Shia armed group formed in 2013, led by Abu Alaa "
            "al-Walai and active in Iraq and Syria. The US designated it an "
            "SDGT in November 2023 and announced its FTO designation in "
            "September 2025."
        ),
        "wikidata": None,
        "aliases": [
            _a("Kataib Sayyid al-Shuhada"),
            _a("Kataib Sayyed al-Shuhada"),
            _a("Battalions of the Master of Martyrs"),
            _a("KSS", kind="abbreviation"),
            _a("كتائب سيد الشهداء", "ar", "Arab"),
        ],
    },
    {
        "key": "badr-organization",
        "kind": "armed_group",
        "name": "Badr Organization",
        "country": "IQ",
        "description": (
            "Shia political and armed organisation founded in Iran in the early "
            "1980s as the armed wing of the Supreme Council for the Islamic "
            "Revolution in Iraq. Led by Hadi al-Amiri, it controls several PMF "
            "brigades and has long-standing influence in Diyala."
        ),
        "wikidata": None,
        "aliases": [
            _a("Badr Organisation"),
            _a("Badr Brigade", kind="previous"),
            _a("Badr Corps", kind="previous"),
            _a("Badr", kind="weak"),
            _a("منظمة بدر", "ar", "Arab"),
            _a("فيلق بدر", "ar", "Arab", "previous"),
        ],
    },
    {
        "key": "fatemiyoun-brigade",
        "kind": "armed_group",
        "name": "Fatemiyoun Brigade",
        "country": "AF",
        "description": (
            "IRGC-organised militia of Afghan Shia fighters, recruited largely "
            "among Afghan refugees and migrants in Iran and deployed to Syria "
            "from about 2013. The US Treasury designated it in January 2019."
        ),
        "wikidata": None,
        "aliases": [
            _a("Fatemiyoun Division"),
            _a("Liwa Fatemiyoun"),
            _a("Fatemiyoun"),
            _a("Fatimiyoun"),
            _a("Fatemiyoun Brigades"),
            _a("لشکر فاطمیون", "fa", "Arab"),
            _a("لواء فاطميون", "ar", "Arab"),
        ],
    },
    {
        "key": "zaynabiyoun-brigade",
        "kind": "armed_group",
        "name": "Zaynabiyoun Brigade",
        "country": "PK",
        "description": (
            "IRGC-organised militia of Pakistani Shia fighters deployed to "
            "Syria during the civil war. The US Treasury designated it in "
            "January 2019."
        ),
        "wikidata": None,
        "aliases": [
            _a("Zainabiyoun Brigade"),
            _a("Zainebiyoun"),
            _a("Liwa Zainebiyoun"),
            _a("Zaynabiyoun"),
            _a("لواء زينبيون", "ar", "Arab"),
            _a("تیپ زینبیون", "fa", "Arab"),
            _a("زینبیون بریگیڈ", "ur", "Arab"),
        ],
    },
    {
        "key": "islamic-state",
        "kind": "armed_group",
        "name": "Islamic State",
        "country": None,
        "description": (
            "Salafi-jihadist group that grew out of al-Qaeda in Iraq, declared "
            "a caliphate in June 2014 and held large parts of Iraq and Syria "
            "until its territorial defeat in 2017-2019. It continues a "
            "lower-level insurgency in both countries."
        ),
        "wikidata": "Q2429253",
        "aliases": [
            _a("ISIS", kind="abbreviation"),
            _a("ISIL", kind="abbreviation"),
            _a("Daesh"),
            _a("Islamic State of Iraq and the Levant"),
            _a("Islamic State of Iraq and Syria"),
            _a("al-Qa'ida in Iraq", kind="previous"),
            _a("Jama'at al-Tawhid wa'al-Jihad", kind="previous"),
            _a("Islamic State of Iraq", kind="previous"),
            _a("الدولة الإسلامية", "ar", "Arab"),
            _a("داعش", "ar", "Arab"),
            _a("الدولة الإسلامية في العراق والشام", "ar", "Arab"),
        ],
    },
    {
        "key": "islamic-resistance-in-iraq",
        "kind": "armed_group",
        "name": "Islamic Resistance in Iraq",
        "country": "IQ",
        "description": (
            "Collective label under which several Iran-aligned Iraqi factions "
            "have claimed drone and rocket attacks since October 2023, chiefly "
            "against US forces and Israel."
        ),
        "wikidata": None,
        "aliases": [
            _a("IRI", kind="abbreviation"),
            _a("Islamic Resistance of Iraq"),
            _a("المقاومة الإسلامية في العراق", "ar", "Arab"),
        ],
    },
    {
        "key": "saraya-al-salam",
        "kind": "armed_group",
        "name": "Saraya al-Salam",
        "country": "IQ",
        "description": (
            "Armed wing of the Sadrist movement, formed in June 2014 as the "
            "successor to the Mahdi Army. It holds PMF brigade numbers and has "
            "a strong presence around Samarra."
        ),
        "wikidata": None,
        "aliases": [
            _a("Peace Companies"),
            _a("Peace Brigades"),
            _a("Mahdi Army", kind="previous"),
            _a("Jaysh al-Mahdi", kind="previous"),
            _a("سرايا السلام", "ar", "Arab"),
            _a("جيش المهدي", "ar", "Arab", "previous"),
        ],
    },
    # --- Government bodies -------------------------------------------------
    {
        "key": "irgc",
        "kind": "government_body",
        "name": "Islamic Revolutionary Guard Corps",
        "country": "IR",
        "description": (
            "Iranian military force created after the 1979 revolution, "
            "answerable to the Supreme Leader and with extensive economic "
            "holdings. The US designated it a Foreign Terrorist Organization in "
            "April 2019."
        ),
        "wikidata": None,
        "aliases": [
            _a("IRGC", kind="abbreviation"),
            _a("Revolutionary Guards"),
            _a("Iranian Revolutionary Guard Corps"),
            _a("Sepah"),
            _a("Pasdaran"),
            _a("سپاه پاسداران انقلاب اسلامی", "fa", "Arab"),
            _a("الحرس الثوري الإيراني", "ar", "Arab"),
        ],
    },
    {
        "key": "irgc-quds-force",
        "kind": "government_body",
        "name": "IRGC Quds Force",
        "country": "IR",
        "description": (
            "The IRGC's external operations arm, which manages Iran's "
            "relationships with allied armed groups abroad, including in Iraq, "
            "Syria and Lebanon."
        ),
        "wikidata": None,
        "aliases": [
            _a("IRGC-QF", kind="abbreviation"),
            _a("Quds Force"),
            _a("Qods Force"),
            _a("IRGC Qods Force"),
            _a("نیروی قدس", "fa", "Arab"),
            _a("فيلق القدس", "ar", "Arab"),
        ],
    },
    {
        "key": "supreme-judicial-council",
        "kind": "government_body",
        "name": "Supreme Judicial Council of Iraq",
        "country": "IQ",
        "description": (
            "The body that administers Iraq's federal judiciary, nominating "
            "senior judges and supervising the courts."
        ),
        "wikidata": None,
        "aliases": [
            _a("Supreme Judicial Council"),
            _a("Higher Judicial Council"),
            _a("SJC", kind="abbreviation"),
            _a("مجلس القضاء الأعلى", "ar", "Arab"),
        ],
    },
    {
        "key": "council-of-representatives",
        "kind": "government_body",
        "name": "Council of Representatives of Iraq",
        "country": "IQ",
        "description": (
            "Iraq's federal parliament, a single chamber of 329 seats that "
            "elects the president and approves the prime minister and cabinet."
        ),
        "wikidata": None,
        "aliases": [
            _a("Council of Representatives"),
            _a("Iraqi parliament"),
            _a("Iraqi Council of Representatives"),
            _a("CoR", kind="abbreviation"),
            _a("مجلس النواب العراقي", "ar", "Arab"),
        ],
    },
    {
        "key": "central-bank-of-iraq",
        "kind": "government_body",
        "name": "Central Bank of Iraq",
        "country": "IQ",
        "description": (
            "Iraq's central bank, responsible for monetary policy, the dinar "
            "and the supply of US dollars to the domestic market."
        ),
        "wikidata": None,
        "aliases": [
            _a("CBI", kind="abbreviation"),
            _a("Iraqi central bank"),
            _a("البنك المركزي العراقي", "ar", "Arab"),
        ],
    },
    {
        "key": "ofac",
        "kind": "government_body",
        "name": "Office of Foreign Assets Control",
        "country": "US",
        "description": (
            "The US Treasury office that administers and enforces economic "
            "sanctions, including the Specially Designated Nationals list."
        ),
        "wikidata": None,
        "aliases": [
            _a("OFAC", kind="abbreviation"),
            _a("US Treasury OFAC"),
            _a("Treasury's Office of Foreign Assets Control"),
            _a("مكتب مراقبة الأصول الأجنبية", "ar", "Arab"),
        ],
    },
    # --- Parties and blocs ---------------------------------------------------
    {
        "key": "coordination-framework",
        "kind": "political_party",
        "name": "Coordination Framework",
        "country": "IQ",
        "description": (
            "Alliance of Shia parties and the political wings of armed "
            "factions, formed after the October 2021 election. It nominated "
            "Mohammed Shia al-Sudani for prime minister in 2022."
        ),
        "wikidata": None,
        "aliases": [
            _a("Shia Coordination Framework"),
            _a("Coordination Framework Alliance"),
            _a("the Framework", kind="weak"),
            _a("CF", kind="abbreviation"),
            _a("SCF", kind="abbreviation"),
            _a("الإطار التنسيقي", "ar", "Arab"),
        ],
    },
    {
        "key": "state-of-law-coalition",
        "kind": "political_party",
        "name": "State of Law Coalition",
        "country": "IQ",
        "description": (
            "Electoral coalition led by Nuri al-Maliki and built around the "
            "Islamic Dawa Party; it first contested provincial elections in "
            "2009."
        ),
        "wikidata": None,
        "aliases": [
            _a("State of Law"),
            _a("Dawlat al-Qanun"),
            _a("SLC", kind="abbreviation"),
            _a("ائتلاف دولة القانون", "ar", "Arab"),
        ],
    },
    {
        "key": "sadrist-movement",
        "kind": "political_party",
        "name": "Sadrist Movement",
        "country": "IQ",
        "description": (
            "Mass religious and political movement led by Muqtada al-Sadr, "
            "rooted among the Shia urban poor; Sadr renamed it the Shia "
            "National Current in 2024."
        ),
        "wikidata": None,
        "aliases": [
            _a("Sadrist Trend"),
            _a("Sadrists"),
            _a("Sadrist bloc"),
            _a("Shia National Current"),
            _a("التيار الصدري", "ar", "Arab"),
            _a("التيار الوطني الشيعي", "ar", "Arab"),
        ],
    },
    {
        "key": "kurdistan-democratic-party",
        "kind": "political_party",
        "name": "Kurdistan Democratic Party",
        "country": "IQ",
        "description": (
            "The leading party of the Kurdistan Region of Iraq, headed by "
            "Masoud Barzani and based in Erbil."
        ),
        "wikidata": None,
        "aliases": [
            _a("KDP", kind="abbreviation"),
            _a("Kurdistan Democratic Party of Iraq"),
            _a("الحزب الديمقراطي الكردستاني", "ar", "Arab"),
            _a("پارتی دیموکراتی کوردستان", "ckb", "Arab"),
        ],
    },
    {
        "key": "islamic-dawa-party",
        "kind": "political_party",
        "name": "Islamic Dawa Party",
        "country": "IQ",
        "description": (
            "Iraq's oldest Shia Islamist party, founded in the late 1950s. It "
            "supplied three post-2003 prime ministers: Ibrahim al-Jaafari, Nuri "
            "al-Maliki and Haider al-Abadi."
        ),
        "wikidata": None,
        "aliases": [
            _a("Dawa Party"),
            _a("Hizb al-Dawa al-Islamiya"),
            _a("حزب الدعوة الإسلامية", "ar", "Arab"),
        ],
    },
    # --- Countries -------------------------------------------------------------
    {
        "key": "iraq",
        "kind": "country",
        "name": "Iraq",
        "country": "IQ",
        "description": "Federal parliamentary republic with its capital in Baghdad.",
        "wikidata": "Q796",
        "aliases": [
            _a("Republic of Iraq"),
            _a("العراق", "ar", "Arab"),
            _a("جمهورية العراق", "ar", "Arab"),
        ],
    },
    {
        "key": "iran",
        "kind": "country",
        "name": "Iran",
        "country": "IR",
        "description": "Islamic Republic with its capital in Tehran; Iraq's eastern neighbour.",
        "wikidata": "Q794",
        "aliases": [
            _a("Islamic Republic of Iran"),
            _a("ایران", "fa", "Arab"),
            _a("إيران", "ar", "Arab"),
        ],
    },
    {
        "key": "syria",
        "kind": "country",
        "name": "Syria",
        "country": "SY",
        "description": ("Iraq's western neighbour; the Assad government fell in December 2024."),
        "wikidata": "Q858",
        "aliases": [
            _a("Syrian Arab Republic"),
            _a("سوريا", "ar", "Arab"),
            _a("سورية", "ar", "Arab"),
        ],
    },
    {
        "key": "united-states",
        "kind": "country",
        "name": "United States",
        "country": None,
        "description": "The United States of America.",
        "wikidata": "Q30",
        "aliases": [
            _a("United States of America"),
            _a("US", kind="abbreviation"),
            _a("USA", kind="abbreviation"),
            _a("U.S.", kind="abbreviation"),
            _a("الولايات المتحدة", "ar", "Arab"),
        ],
    },
    # --- Locations -------------------------------------------------------------
    {
        "key": "baghdad",
        "kind": "location",
        "name": "Baghdad",
        "country": "IQ",
        "description": "Capital and largest city of Iraq, on the Tigris.",
        "wikidata": "Q1530",
        "aliases": [
            _a("بغداد", "ar", "Arab"),
        ],
    },
    {
        "key": "anbar",
        "kind": "location",
        "name": "Anbar",
        "country": "IQ",
        "description": (
            "Iraq's largest province by area, predominantly Sunni Arab, "
            "bordering Syria, Jordan and Saudi Arabia; its capital is Ramadi."
        ),
        "wikidata": None,
        "aliases": [
            _a("Anbar Governorate"),
            _a("al-Anbar"),
            _a("Anbar province"),
            _a("الأنبار", "ar", "Arab"),
        ],
    },
    {
        "key": "diyala",
        "kind": "location",
        "name": "Diyala",
        "country": "IQ",
        "description": (
            "Ethnically and religiously mixed province north-east of Baghdad "
            "on the Iranian border; its capital is Baqubah."
        ),
        "wikidata": None,
        "aliases": [
            _a("Diyala Governorate"),
            _a("Diyala province"),
            _a("Diala", kind="weak"),
            _a("ديالى", "ar", "Arab"),
        ],
    },
    {
        "key": "nineveh",
        "kind": "location",
        "name": "Nineveh",
        "country": "IQ",
        "description": (
            "Northern province with Mosul as its capital, home to Arab, Kurdish, "
            "Yazidi, Christian, Shabak and Turkmen communities; largely under "
            "Islamic State control from 2014 to 2017."
        ),
        "wikidata": None,
        "aliases": [
            _a("Ninawa"),
            _a("Ninewa"),
            _a("Nineveh Governorate"),
            _a("Ninawa province"),
            _a("نينوى", "ar", "Arab"),
        ],
    },
    {
        "key": "camp-ashraf",
        "kind": "location",
        "name": "Camp Ashraf",
        "country": "IQ",
        "description": (
            "Former base north of Baqubah in Diyala province that housed the "
            "Iranian opposition Mujahedin-e Khalq from the 1980s until its "
            "residents were moved out in 2012-2013."
        ),
        "wikidata": None,
        "aliases": [
            _a("Ashraf camp"),
            _a("Ashraf", kind="weak"),
            _a("معسكر أشرف", "ar", "Arab"),
        ],
    },
    {
        "key": "jurf-al-sakhar",
        "kind": "location",
        "name": "Jurf al-Sakhar",
        "country": "IQ",
        "description": (
            "Town in northern Babil province south-west of Baghdad, retaken "
            "from the Islamic State in October 2014 and since held by Kata'ib "
            "Hezbollah as a closed zone; officially renamed Jurf al-Nasr."
        ),
        "wikidata": None,
        "aliases": [
            _a("Jurf al-Nasr"),
            _a("Jurf as-Sakhar"),
            _a("جرف الصخر", "ar", "Arab"),
            _a("جرف النصر", "ar", "Arab"),
        ],
    },
    # --- Events -------------------------------------------------------------
    {
        "key": "iraq-2025-parliamentary-election",
        "kind": "event",
        "name": "2025 Iraqi parliamentary election",
        "country": "IQ",
        "description": (
            "Election to the Council of Representatives held on 11 November "
            "2025, the sixth since 2005."
        ),
        "wikidata": None,
        "aliases": [
            _a("Iraqi parliamentary election 2025"),
            _a("November 2025 election", kind="weak"),
            _a("الانتخابات البرلمانية العراقية 2025", "ar", "Arab"),
        ],
    },
]

# ---------------------------------------------------------------------------
# Relationships.
# kind: member_of, leads, backed_by, allied_with, opposed_to, part_of, located_in
# ---------------------------------------------------------------------------

_FTO_PAGE = "https://www.state.gov/foreign-terrorist-organizations/"


def _r(
    subject: str,
    kind: str,
    obj: str,
    start: str | None = None,
    end: str | None = None,
    source: str = "Desk assessment",
    source_url: str | None = None,
    confidence: str = "high",
) -> dict[str, Any]:
    return {
        "subject": subject,
        "object": obj,
        "kind": kind,
        "start": start,
        "end": end,
        "source": source,
        "source_url": source_url,
        "confidence": confidence,
    }


RELATIONSHIPS: list[dict[str, Any]] = [
    # Leadership
    _r(
        "qais-al-khazali",
        "leads",
        "asaib-ahl-al-haq",
        "2006-01-01",
        source="US State Department designation of AAH, January 2020",
    ),
    _r(
        "akram-al-kaabi",
        "leads",
        "harakat-hezbollah-al-nujaba",
        "2013-01-01",
        source="US State Department media note, March 2019",
    ),
    _r(
        "abu-alaa-al-walai",
        "leads",
        "kataib-sayyid-al-shuhada",
        source="US State Department designation, November 2023",
    ),
    _r("hadi-al-amiri", "leads", "badr-organization", source="Desk assessment"),
    _r("nuri-al-maliki", "leads", "state-of-law-coalition", "2009-01-01"),
    _r("nuri-al-maliki", "leads", "islamic-dawa-party", "2007-01-01", confidence="moderate"),
    _r("muqtada-al-sadr", "leads", "sadrist-movement"),
    _r("muqtada-al-sadr", "leads", "saraya-al-salam", "2014-01-01"),
    _r(
        "falih-al-fayyadh",
        "leads",
        "popular-mobilization-forces",
        "2014-01-01",
        source="US Treasury press release, January 2021",
    ),
    _r(
        "abu-fadak-al-mohammedawi",
        "leads",
        "popular-mobilization-forces",
        "2020-01-01",
        source="Desk assessment (chief of staff)",
    ),
    _r(
        "abu-mahdi-al-muhandis",
        "leads",
        "popular-mobilization-forces",
        "2014-01-01",
        "2020-01-03",
        source="Desk assessment (deputy chairman)",
    ),
    _r(
        "abu-mahdi-al-muhandis",
        "leads",
        "kataib-hezbollah",
        None,
        "2020-01-03",
        source="US Treasury press release, July 2009",
        confidence="moderate",
    ),
    _r("qasem-soleimani", "leads", "irgc-quds-force", "1998-01-01", "2020-01-03"),
    _r("esmail-qaani", "leads", "irgc-quds-force", "2020-01-03"),
    _r("ali-khamenei", "leads", "iran", "1989-06-04"),
    _r("masoud-pezeshkian", "leads", "iran", "2024-07-28", source="Desk assessment (president)"),
    _r("faiq-zidan", "leads", "supreme-judicial-council", "2017-01-01", confidence="moderate"),
    # Membership
    _r("state-of-law-coalition", "member_of", "coordination-framework", "2021-01-01"),
    _r("badr-organization", "member_of", "coordination-framework", "2021-01-01"),
    _r(
        "asaib-ahl-al-haq",
        "member_of",
        "coordination-framework",
        "2021-01-01",
        confidence="moderate",
    ),
    _r(
        "mohammed-shia-al-sudani",
        "member_of",
        "coordination-framework",
        "2022-01-01",
        confidence="moderate",
    ),
    _r("abu-fadak-al-mohammedawi", "member_of", "kataib-hezbollah", confidence="moderate"),
    _r(
        "kataib-hezbollah",
        "member_of",
        "islamic-resistance-in-iraq",
        "2023-01-01",
        confidence="moderate",
    ),
    _r(
        "harakat-hezbollah-al-nujaba",
        "member_of",
        "islamic-resistance-in-iraq",
        "2023-01-01",
        source="US State Department FTO announcement, September 2025",
        confidence="moderate",
    ),
    _r(
        "kataib-sayyid-al-shuhada",
        "member_of",
        "islamic-resistance-in-iraq",
        "2023-01-01",
        source="US State Department FTO announcement, September 2025",
        confidence="moderate",
    ),
    # Structure
    _r("kataib-hezbollah", "part_of", "popular-mobilization-forces", "2014-01-01"),
    _r("asaib-ahl-al-haq", "part_of", "popular-mobilization-forces", "2014-01-01"),
    _r("badr-organization", "part_of", "popular-mobilization-forces", "2014-01-01"),
    _r(
        "harakat-hezbollah-al-nujaba",
        "part_of",
        "popular-mobilization-forces",
        "2014-01-01",
        confidence="moderate",
    ),
    _r(
        "kataib-sayyid-al-shuhada",
        "part_of",
        "popular-mobilization-forces",
        "2014-01-01",
        confidence="moderate",
    ),
    _r(
        "saraya-al-salam",
        "part_of",
        "popular-mobilization-forces",
        "2014-01-01",
        confidence="moderate",
    ),
    _r("irgc-quds-force", "part_of", "irgc"),
    _r("irgc", "part_of", "iran"),
    _r("ofac", "part_of", "united-states"),
    # Backing
    _r(
        "kataib-hezbollah",
        "backed_by",
        "irgc-quds-force",
        source="US Treasury press release, July 2009",
    ),
    _r(
        "asaib-ahl-al-haq",
        "backed_by",
        "irgc-quds-force",
        source="US State Department designation of AAH, January 2020",
        source_url=_FTO_PAGE,
    ),
    _r(
        "harakat-hezbollah-al-nujaba",
        "backed_by",
        "irgc-quds-force",
        source="US State Department media note, March 2019",
    ),
    _r(
        "kataib-sayyid-al-shuhada",
        "backed_by",
        "irgc-quds-force",
        source="US State Department designation, November 2023",
    ),
    _r(
        "fatemiyoun-brigade",
        "backed_by",
        "irgc-quds-force",
        source="US Treasury press release, January 2019",
    ),
    _r(
        "zaynabiyoun-brigade",
        "backed_by",
        "irgc-quds-force",
        source="US Treasury press release, January 2019",
    ),
    _r("badr-organization", "backed_by", "irgc-quds-force", confidence="moderate"),
    _r("islamic-resistance-in-iraq", "backed_by", "irgc-quds-force", confidence="moderate"),
    # Alliances and rivalries
    _r(
        "kurdistan-democratic-party",
        "allied_with",
        "sadrist-movement",
        "2022-01-01",
        "2022-06-12",
        confidence="moderate",
    ),
    _r(
        "sadrist-movement",
        "opposed_to",
        "coordination-framework",
        "2021-01-01",
        confidence="moderate",
    ),
    _r("popular-mobilization-forces", "opposed_to", "islamic-state", "2014-01-01"),
    # Places
    _r("baghdad", "located_in", "iraq"),
    _r("anbar", "located_in", "iraq"),
    _r("diyala", "located_in", "iraq"),
    _r("nineveh", "located_in", "iraq"),
    _r("camp-ashraf", "located_in", "diyala"),
    _r("jurf-al-sakhar", "located_in", "iraq"),
    _r("kataib-hezbollah", "located_in", "jurf-al-sakhar", "2014-01-01", confidence="moderate"),
    _r("council-of-representatives", "located_in", "baghdad"),
    _r("central-bank-of-iraq", "located_in", "baghdad"),
    _r("supreme-judicial-council", "located_in", "baghdad"),
    _r("iraq-2025-parliamentary-election", "located_in", "iraq"),
]

# ---------------------------------------------------------------------------
# Sanctions and terrorist designations (real, public actions).
# ---------------------------------------------------------------------------

_STATE = "US Department of State"
_OFAC = "US Department of the Treasury (OFAC)"

DESIGNATIONS: list[dict[str, Any]] = [
    {
        "entity": "kataib-hezbollah",
        "authority": _STATE,
        "programme": "Foreign Terrorist Organization",
        "listed_on": "2009-07-02",
        "reference": "",
    },
    {
        "entity": "abu-mahdi-al-muhandis",
        "authority": _OFAC,
        "programme": "EO 13438 (Iraq stabilisation)",
        "listed_on": "2009-07-02",
        "reference": "",
    },
    {
        "entity": "asaib-ahl-al-haq",
        "authority": _STATE,
        "programme": "Foreign Terrorist Organization",
        "listed_on": "2020-01-10",
        "reference": "85 FR 1369 (FR Doc. 2020-00253)",
    },
    {
        "entity": "qais-al-khazali",
        "authority": _OFAC,
        "programme": "Global Magnitsky (EO 13818)",
        "listed_on": "2019-12-06",
        "reference": "",
    },
    {
        "entity": "qais-al-khazali",
        "authority": _STATE,
        "programme": "SDGT (EO 13224)",
        "listed_on": "2020-01-03",
        "reference": "",
    },
    {
        "entity": "fatemiyoun-brigade",
        "authority": _OFAC,
        "programme": "SDGT (EO 13224)",
        "listed_on": "2019-01-24",
        "reference": "Treasury press release, 24 January 2019",
    },
    {
        "entity": "zaynabiyoun-brigade",
        "authority": _OFAC,
        "programme": "SDGT (EO 13224)",
        "listed_on": "2019-01-24",
        "reference": "Treasury press release, 24 January 2019",
    },
    {
        "entity": "irgc",
        "authority": _STATE,
        "programme": "Foreign Terrorist Organization",
        "listed_on": "2019-04-15",
        "reference": "",
    },
    {
        "entity": "irgc-quds-force",
        "authority": _OFAC,
        "programme": "SDGT (EO 13224)",
        "listed_on": "2007-10-25",
        "reference": "",
    },
    {
        "entity": "harakat-hezbollah-al-nujaba",
        "authority": _STATE,
        "programme": "SDGT (EO 13224)",
        "listed_on": "2019-03-05",
        "reference": "State Department media note, 5 March 2019",
    },
    {
        "entity": "harakat-hezbollah-al-nujaba",
        "authority": _STATE,
        "programme": "Foreign Terrorist Organization",
        "listed_on": None,
        "reference": "Announced 17 September 2025",
    },
    {
        "entity": "akram-al-kaabi",
        "authority": _STATE,
        "programme": "SDGT (EO 13224)",
        "listed_on": "2019-03-05",
        "reference": "State Department media note, 5 March 2019",
    },
    {
        "entity": "kataib-sayyid-al-shuhada",
        "authority": _STATE,
        "programme": "SDGT (EO 13224)",
        "listed_on": "2023-11-17",
        "reference": "",
    },
    {
        "entity": "kataib-sayyid-al-shuhada",
        "authority": _STATE,
        "programme": "Foreign Terrorist Organization",
        "listed_on": None,
        "reference": "Announced 17 September 2025",
    },
    {
        "entity": "abu-alaa-al-walai",
        "authority": _STATE,
        "programme": "SDGT (EO 13224)",
        "listed_on": "2023-11-17",
        "reference": "",
    },
    {
        "entity": "falih-al-fayyadh",
        "authority": _OFAC,
        "programme": "Global Magnitsky (EO 13818)",
        "listed_on": "2021-01-08",
        "reference": "Treasury press release, 8 January 2021",
    },
    {
        "entity": "islamic-state",
        "authority": _STATE,
        "programme": "Foreign Terrorist Organization",
        "listed_on": "2004-12-17",
        "reference": "Originally listed as Jama'at al-Tawhid wa'al-Jihad / al-Qa'ida in Iraq",
    },
    {
        "entity": "islamic-state",
        "authority": "UN Security Council",
        "programme": "ISIL (Da'esh) and Al-Qaida sanctions (resolution 1267)",
        "listed_on": "2004-10-18",
        "reference": "QDe.115",
    },
    {
        "entity": "ali-khamenei",
        "authority": _OFAC,
        "programme": "EO 13876 (Supreme Leader of Iran)",
        "listed_on": "2019-06-24",
        "reference": "",
    },
]

# ---------------------------------------------------------------------------
# Series.
# ---------------------------------------------------------------------------

SERIES: list[dict[str, Any]] = [
    {
        "slug": "iraq-militia-watch",
        "title": "Iraq Militia Watch",
        "description": (
            "A recurring series on Iraq's armed factions: who commands them, "
            "how they are paid, how they deal with Baghdad and Tehran, and "
            "what that means for people and assets on the ground."
        ),
    },
]

# ---------------------------------------------------------------------------
# Brief bodies (Markdown). Written for this demo; the desk and its earlier
# assessments are fictional.
# ---------------------------------------------------------------------------

_BODY_DISARMAMENT = """## Why this matters now

Since the spring, the phrase "weapons in the hands of the state" has migrated from protest banners into the statements of the very groups it was aimed at. Figures around Asa'ib Ahl al-Haq and Harakat Hezbollah al-Nujaba now talk openly about handing over heavy arms; Kata'ib Hezbollah has been more guarded. For clients with staff or assets in central and southern Iraq, the question is not whether the vocabulary has shifted. It plainly has. The question is whether anything on the ground will shift with it.

Our short answer: the factions are bargaining over the *form* of their power, not its substance. What they appear ready to give up is visibility: fewer checkpoints flying faction flags, fewer claimed attacks, heavy weapons moved into Popular Mobilization Forces (PMF) depots that their own men continue to guard. What they are not offering is control over personnel, payroll or the business networks that keep them solvent.

## The legal frame

The constitutional position has never been in doubt. Article 9 of the 2005 constitution says:

> "The formation of military militias outside the framework of the armed forces is prohibited."

The difficulty is that most of the groups in question sit, on paper, inside that framework. Through the PMF they draw state salaries, hold brigade numbers and report, formally, to the commander-in-chief. The 2016 PMF law made the arrangement permanent without settling who actually commands the units. The Supreme Judicial Council under Faiq Zidan has signalled in recent months that it regards the wartime case for parallel arms as exhausted. That hands any government a legal hook, but courts do not collect rifles.

## What is on the table

From conversations over the summer with Iraqi officials, party staff and regional diplomats, the desk understands the emerging offer to have four parts:

- **Consolidation of heavy weapons**: drones, rockets and longer-range missiles moved to designated PMF stores, with an inventory shared with the government.
- **Brand discipline**: no more attacks claimed under front names such as the Islamic Resistance in Iraq, at least while talks continue.
- **Political cover**: faction leaders keep their seats and ministerial shares, and the PMF keeps its budget line.
- **No purge**: no prosecutions for past attacks and no vetting of commanders by outside bodies.

Nothing on that list touches the chain of command. The PMF's operational leadership, with Falih al-Fayyadh as chairman and Abu Fadak al-Mohammedawi as chief of staff, would stay in place, and the brigade structure that lets each faction keep its fighters together would survive intact.

## Reading the players

The factions are not a single bloc. Asa'ib Ahl al-Haq, under Qais al-Khazali, has the most to lose from a confrontation because it has the most invested in politics: ministries, a parliamentary presence and a patronage network that depends on access to the state. It therefore has the strongest incentive to make a deal look real. Kata'ib Hezbollah has always kept electoral politics at arm's length and treats its arsenal as a matter for the wider Iran-led alliance rather than for Baghdad alone. Nujaba sits between the two: loud in its rhetoric, close to Tehran, light on political assets.

The Coordination Framework needs the disarmament story to satisfy Washington without costing it partners. Nouri al-Maliki and other Framework leaders have little interest in a process that weakens the armed wings of their allies, and every interest in one that keeps US financial pressure at bay. The US special envoy, Mark Savaya, has repeatedly framed Washington's demand in terms of verifiable action rather than declarations, which raises the bar for a purely cosmetic agreement.

## What we are watching

In our June outlook we wrote:

> "Expect the factions to trade symbols for time. The test is not a handover ceremony but whether drone and rocket stocks leave faction-controlled sites."

That is still the right test. Indicators that would change our view:

- Government or third-party access to closed sites such as Jurf al-Sakhar, which Kata'ib Hezbollah has sealed for more than a decade.
- Changes to PMF payroll procedures that move salaries off faction-controlled lists.
- An appointment at the top of the PMF that does not come from the factions' own ranks.

## Outlook

We assess that a partial, largely declaratory agreement is likely before the end of the year and that it will lower the tempo of claimed attacks on US-linked targets. We do not expect it to alter the factions' capacity to mobilise quickly if they judge their core interests threatened. Clients should read any announced deal as a change in signalling, not in capability.
"""

_BODY_FOREIGN_FIGHTERS = """## Summary

Almost two years after the Assad government fell in Damascus, the question of what became of the foreign Shia militias Iran built up in Syria has not gone away. Iraqi and regional reporting, together with the desk's own contacts, points to a residual presence of fighters from the Fatemiyoun Brigade (Afghans) and the Zaynabiyoun Brigade (Pakistanis) at a small number of sites in eastern Iraq, with Diyala the province most often named. Our working estimate remains in the low hundreds.

This brief sets out what we know, what we do not, and why a force of that size still matters for clients.

## What the reporting says

The core claims, which we rate as credible but unconfirmed, are:

- Fighters crossed from Syria in late 2024 and early 2025, mostly through Anbar and Nineveh, at the same time as Iraqi factions were pulling their own men back.
- Some were housed at former military facilities under PMF control, including the grounds of the former Camp Ashraf north of Baqubah.
- Movement in and out of Iraq has continued in small groups, sometimes blending into pilgrim traffic to the shrine cities.
- Day-to-day management sits with the IRGC Quds Force rather than with any Iraqi body, although Iraqi PMF units hold the perimeter.

Iraqi officials have repeatedly denied that foreign fighters are present in any organised form. We have seen nothing that settles the matter either way, and clients should treat specific locations with caution.

![Map of reported militia positions in Diyala province](/static/demo/diyala-map.svg "Reported positions, autumn 2026 (desk graphic)")

## Why Diyala

Diyala is a natural place to put people you would rather keep out of sight. It borders Iran. It has been a stronghold of the Badr Organization for two decades, and its leader Hadi al-Amiri has built dense political and security networks there. Its mixed population also gives Shia factions a ready argument that their presence shields local communities from a resurgent Islamic State. The province's security file is crowded and its local politics brittle, so an additional, deniable presence is easy to absorb.

Camp Ashraf carries its own symbolism. It was home to the Iranian opposition group Mujahedin-e Khalq for roughly a quarter of a century before its residents were moved out in 2012-2013. Any use of the site by forces organised from Tehran would be read, in Iran and across the opposition diaspora, as a pointed message.

## The Iranian logic

Seen from Tehran, keeping these units intact on Iraqi soil has three advantages. It preserves trained manpower that would otherwise have scattered after the Syrian collapse. It keeps that manpower close to Iran's own borders at a time of domestic strain. And it tests, cheaply, how much Baghdad is prepared to tolerate. Under Esmail Qaani the Quds Force has generally preferred quieter arrangements to the high-visibility style of his predecessor, and this fits the pattern.

In our February assessment we put it this way:

> "The foreign brigades are less a fighting force than a reserve: a pool of loyal manpower that Tehran can move without asking an Iraqi faction for permission."

We still hold that view.

## Exposure for Baghdad

The risk for the Iraqi government is political and financial rather than military. Mohammed Shia al-Sudani's cabinet spent much of its term telling Washington that the PMF is an Iraqi institution under Iraqi command. Foreign units sheltering inside PMF facilities cut directly against that argument, and both the Fatemiyoun and the Zaynabiyoun are already on the US Treasury's sanctions list. That opens a clear route to secondary measures against any Iraqi individual or company found to be supporting them.

There is a sectarian dimension too. Sunni politicians in Diyala and Salah al-Din already complain about PMF control of land and checkpoints; a foreign element sharpens that grievance and hands Islamic State propagandists fresh material.

## Indicators

We will revise our estimate if we see:

- Funerals or online commemorations of Afghan or Pakistani fighters killed inside Iraq.
- US Treasury or State Department actions that name Iraqi facilitators of the foreign brigades.
- Statements from Diyala's provincial council or Sunni MPs that identify specific sites.
- Signs of redeployment from Iraq into Iran during periods of unrest there.

## Bottom line

The foreign brigades are a small problem with a long tail. Their presence is unlikely to change the security picture in Diyala on its own, but it is likely to feature in any future US case for sanctions on PMF-linked entities, and it gives Baghdad's critics in Washington a concrete example to point to.
"""

_BODY_DOLLARS = """## The short version

Iran-aligned factions in Iraq have spent a decade converting battlefield gains into businesses: construction contracts, checkpoint fees, scrap metal, real estate, mobile money and a slice of the fuel trade. That economy runs on dollars, and dollars in Iraq still pass, one way or another, through the Central Bank of Iraq and its correspondent relationships in New York[^1]. This is where US leverage is greatest, and it is where we expect pressure to concentrate over the coming year.

## How the money moves

The mechanics are more mundane than they are often made to sound. Broadly:

- **Payroll**: the PMF's state budget pays tens of thousands of salaries. Where a faction controls the list, it controls a share of the cash, including pay for fighters who may not exist.
- **Contracts**: companies linked to PMF commanders, most of them registered to intermediaries, win provincial and federal work, particularly in areas retaken from the Islamic State.
- **Trade**: border crossings and fuel distribution offer margins that can be skimmed quietly.
- **Currency**: buying dollars at the official rate and reselling them on the parallel market was for years the most profitable line of all.

Since 2023 the central bank has moved most dollar transfers onto an electronic platform with tighter customer checks, and a number of Iraqi banks have been barred from dollar business. That has squeezed the crudest currency arbitrage, but it has also pushed activity toward cash, gold and regional exchange houses that are harder to see.

## The sanctions record

US designations of the factions are not new. Kata'ib Hezbollah was listed as a Foreign Terrorist Organization in 2009, and its founder Abu Mahdi al-Muhandis was sanctioned by the Treasury the same day; he was killed alongside Qasem Soleimani in January 2020. Asa'ib Ahl al-Haq followed in 2020[^2], and the chairman of the PMF Commission, Falih al-Fayyadh, was sanctioned in January 2021 under the Global Magnitsky programme[^3]. In September 2025 the State Department added several more factions to the FTO list[^4].

Far rarer has been action against the *commercial* edge of these networks: the front companies, the bank owners, the exchange houses. In a note to clients last year we observed:

> "Designating a militia leader changes his travel plans. Designating his bank changes his payroll."

## Where the exposure sits

We see three pressure points, in rising order of impact:

1. **Named individuals**: further designations of faction commanders. Symbolically important, but of limited financial effect on people who do not bank abroad.
2. **Front companies and exchange houses**: action here would disrupt specific revenue lines and raise compliance risk for anyone trading with them.
3. **Iraqi banks and state bodies**: tighter limits on dollar access for Iraqi banks or, in an extreme case, conditions on the central bank's own account. This would hit the whole economy, not only the factions, and is correspondingly less likely.

Any move on the third tier would put the government in an extremely awkward position and test the cohesion of the Coordination Framework, in which Nuri al-Maliki remains the most senior figure. The argument most often heard in Baghdad is that sanctions punish ordinary Iraqis for the conduct of a few; the view in Washington is that a government answers for whom it pays.

## The Jurf al-Sakhar problem

No place shows the gap between formal state authority and faction control more clearly than Jurf al-Sakhar, the town south-west of Baghdad that Kata'ib Hezbollah has kept sealed since 2014. Whatever is stored or produced there sits outside any audit. A credible disarmament or financial-transparency process would have to reach it; a process that leaves it untouched would not persuade Washington.

## What to expect

- We judge it **likely** that OFAC will designate further Iraqi companies linked to Iran-aligned factions within the next six months.
- We judge it **unlikely** that the US will directly restrict the central bank's dollar access in the same period, because the damage would fall on allies as well as adversaries.
- Compliance teams should expect more de-risking by regional correspondent banks, whatever the formal designations say.

## Notes for clients

Firms with Iraqi counterparties should refresh screening against the SDN list, look for beneficial-ownership links to PMF-affiliated individuals, and treat payments routed through exchange houses in third countries as elevated risk.

[^1]: Iraq's oil export revenue has been held in an account at the Federal Reserve Bank of New York since 2003; the central bank draws on it to supply dollars to the domestic market.
[^2]: Federal Register document 2020-00253 (85 FR 1369), published 10 January 2020, designating Asa'ib Ahl al-Haq as a Foreign Terrorist Organization.
[^3]: US Treasury press release, "Treasury Sanctions Iraqi Militia Leader Connected to Serious Human Rights Abuse", 8 January 2021.
[^4]: US State Department announcement of 17 September 2025 covering Harakat al-Nujaba, Kata'ib Sayyid al-Shuhada and two other factions.
"""

_BODY_FLASH = """## What happened

Local media and security sources reported a series of explosions late on Thursday 19 November at a storage site used by Popular Mobilization Forces units on the edge of Jurf al-Sakhar, in northern Babil province. Footage shared online shows secondary detonations consistent with stored munitions. There are no confirmed casualty figures and no claim of responsibility.

## Initial assessment

- The site lies inside the zone Kata'ib Hezbollah has controlled since 2014, so independent verification is unlikely in the short term.
- Earlier depot blasts in Iraq have been blamed variously on heat, poor storage and air strikes. Each explanation remains possible here.
- Faction-affiliated channels have hinted at foreign involvement without offering evidence. A formal PMF statement is expected.

Earlier this month we wrote of the town:

> "A credible disarmament or financial-transparency process would have to reach it; a process that leaves it untouched would not persuade Washington."

## What to watch

- Any accusation naming Israel or the US, which would raise the risk of retaliation against US-linked sites.
- Road closures on the Baghdad-Hillah highway.

We will update this alert as details are confirmed.
"""

_BODY_WEEKLY = """## The week in brief

Three threads will set the agenda: the fight over next year's federal spending in Baghdad, the aftermath of Thursday's explosions at a PMF site near Jurf al-Sakhar, and continuing economic strain in Iran. None is likely to reach a decisive point within seven days, but each carries tail risk for clients.

## Iraq: money and payroll

Parliament's committees are expected to keep working through the government's spending plans for 2027, and the Council of Representatives may hold a first reading before the end of the month. The wage bill is the heart of the argument. The public-sector hiring drive launched under Mohamed Shia al-Sudani in 2023 left salaries and pensions absorbing most of the oil revenue the state expects to earn, and there is little room left for capital spending.

What to watch:

- **PMF allocation**: whether the Popular Mobilization Forces' line grows again, and whether any committee asks for a biometric audit of its payroll.
- **Erbil transfers**: salary payments to the Kurdistan Region remain a recurring flashpoint, with the Kurdistan Democratic Party the main Kurdish voice in the dispute.
- **Dollar supply**: any change in the Central Bank of Iraq's rules for dollar transfers, which would move the parallel exchange rate within hours.

## Iraq: security

After the blasts in Babil, expect a round of claims and counter-claims on faction channels. The immediate risk is rhetorical escalation rather than action, but the pattern of past weeks suggests caution around diplomatic facilities and the sites in the Kurdistan Region where US personnel remain.

Our September assessment of the factions' disarmament talks still applies:

> "We do not expect it to alter the factions' capacity to mobilise quickly if they judge their core interests threatened."

Two further points deserve attention. First, faction media have tended to escalate their language for several days after unexplained blasts and then drop the subject once a technical explanation gains ground; a break from that pattern would be significant. Second, the Syrian border in western Anbar remains quiet, but any cross-border incident would quickly be folded into the same narrative of foreign interference. Clients moving staff between Baghdad and the south should keep contingency routes under review this week, and avoid the Babil corridor at night until the situation is clearer.

Muqtada al-Sadr remains the wild card. He has kept his movement outside parliament since 2022, but a statement from him on the budget or on the factions' weapons would raise the political temperature quickly.

## Iran

President Masoud Pezeshkian's government faces a familiar trade-off between fiscal repair and social calm. Energy subsidies are the pressure point: the last large fuel-price rise, in November 2019, set off nationwide unrest within days. The office of Supreme Leader Ali Khamenei has framed economic hardship as the product of sanctions, which leaves the government with limited political cover for unpopular measures.

What to watch:

- The open-market rate of the rial, and any intervention by the central bank in Tehran.
- Decisions on petrol quotas or prices.
- Electricity and water cuts as winter demand rises, particularly in the larger cities.

## Key dates

- **Throughout the week**: budget committee sessions in Baghdad.
- **Friday 27 November**: Friday prayers, a traditional platform for Sadrist messaging.
- **Any day**: a formal PMF statement on the cause of the Babil explosions, which will set the tone of faction messaging.

## Desk view

We expect a noisy but contained week. The most likely source of surprise is a miscalculation after the Babil explosions, not the budget.
"""

_BODY_QA = """*A question-and-answer brief for clients who follow Iraqi politics less closely. It draws on the desk's reporting since 2021.*

## Why is Muqtada al-Sadr still the question everyone asks about?

Because in Iraq he is the only Shia leader who can put very large crowds on the streets at short notice, and the only one who has shown he is prepared to confront Iran-aligned rivals by force. His movement draws on a loyal base in Baghdad's Sadr City and across the south, and his decisions are notoriously hard to predict, even for people close to him.

## What happened last time?

The Sadrist bloc came first in the October 2021 election and tried to form a "national majority" government with the Kurdistan Democratic Party and leading Sunni parties, leaving the parties that went on to form the Coordination Framework in opposition. The effort stalled when the Council of Representatives could not reach the two-thirds quorum needed to elect a president. In June 2022 Sadr ordered his deputies to resign. That summer his supporters occupied parliament, and in late August clashes in Baghdad's Green Zone between Saraya al-Salam and rival armed groups left dozens dead before he called his followers home.

Shortly afterwards we wrote:

> "Sadr has left the chamber, not the arena. His absence from parliament should be read as a pause, not a retirement."

Four years on, that still looks right.

## What could bring him back?

We see four plausible triggers:

- **Entrenchment of the PMF**: any move to give the Popular Mobilization Forces more autonomy or a larger share of the budget without reform.
- **Visible Iranian direction**: a cabinet or security appointment widely seen as dictated from Tehran.
- **A corruption scandal**: especially one that touches ministries held by Framework parties.
- **Religious succession**: Ali al-Sistani is in his nineties. A change of senior religious authority in Najaf would reshape the Shia political field, and Sadr would seek to position himself early.

## Does Saraya al-Salam still matter?

Yes. The Sadrists' armed wing is smaller and less well equipped than Kata'ib Hezbollah, but it is large, disciplined when Sadr wants it to be, and entrenched around Samarra and in parts of Baghdad. Its rivalry with Asa'ib Ahl al-Haq is personal as well as political: Qais al-Khazali's group began as a breakaway from the Mahdi Army, and the two have clashed repeatedly.

## What would a Sadrist return look like in practice?

Probably not a return to parliament, at least not at first. The more likely sequence is a statement from Sadr setting out a grievance, followed by Friday prayers that turn into marches, and then sit-ins near state institutions if the grievance is not addressed. Each step gives the other side time to make concessions, and Sadr has often used that ladder to extract a result without committing his full strength. The danger lies in the final rungs, when crowds, armed escorts and rival guards meet in a small space and nobody controls the outcome. That is what happened in August 2022, and it is the scenario clients should plan around, even though it remains the least likely one.

## How would the Framework respond?

Mostly by waiting. The Framework's instinct is to let Sadr's mobilisations burn out, offer concessions on personnel rather than policy, and rely on the courts to settle constitutional disputes. The risk is that a move it regards as routine is read by Sadr as a provocation.

## What should clients do?

- Treat any call by Sadr for protests in Baghdad as a potential multi-day disruption to movement in and around the Green Zone.
- Avoid scheduling senior visits around known political anniversaries in Sadrist circles.
- Map the exposure of staff and suppliers in Sadr City, Kufa and Samarra.
"""

_BODY_PROFILE = """> **Draft, not for circulation.** Editors: the date of the 2020 appointment and his current sanctions status need checking against primary sources before publication.

## At a glance

- **Name**: Abdul Aziz al-Mohammedawi, known as Abu Fadak
- **Role**: chief of staff of the Popular Mobilization Forces since 2020
- **Affiliation**: long-standing senior figure in Kata'ib Hezbollah
- **Public profile**: very low; rare interviews, few photographs

## Background

Public biographical detail is thin, and much of what circulates is unverified. Iraqi accounts describe a long association with Abu Mahdi al-Muhandis going back to the armed opposition to Saddam Hussein, and a leading role in Kata'ib Hezbollah after 2003. His ties to the IRGC Quds Force are widely assumed but thinly documented in the open record.

## The 2020 succession

The US strike at Baghdad airport on 3 January 2020 killed both Muhandis and Qasem Soleimani and left the PMF without its most powerful operational figure. Kata'ib Hezbollah pressed for Abu Fadak to take over the chief-of-staff role, and he was named to it within weeks. The appointment was contested. Units attached to the shrines in Karbala and Najaf, which look to Ali al-Sistani rather than to Tehran, objected to a Kata'ib Hezbollah figure in the post and moved to distance themselves from the PMF's central command.

Falih al-Fayyadh stayed on as chairman. At the time we described the division of labour bluntly:

> "The chairman signs; the chief of staff commands."

## Where his leverage lies

Abu Fadak's influence does not come from public office or a political base. It comes from control over the machinery of the force:

- **Operations**: deployment orders for PMF brigades pass through his staff.
- **Security and intelligence**: the PMF's internal security directorate gives his circle visibility over rival factions.
- **Payroll**: decisions on brigade strength shape who gets paid, and how much.
- **External ties**: his relationship with the Quds Force, now under Esmail Qaani, gives him a channel that does not run through Baghdad.

## Relationship with the chairman

Fayyadh is the PMF's political face: sanctioned by the US since January 2021, skilled at working with successive prime ministers, and useful to the factions as a negotiator. Abu Fadak is the operational core. As long as the two arrangements coexist, the PMF can present a state-facing profile while its centre of gravity remains inside Kata'ib Hezbollah.

## Why it matters for clients

For most clients the PMF is an abstraction until a convoy is stopped at a checkpoint or a contract dispute reaches a commander's office. In both cases the practical question is who can give an order and have it obeyed. Under the current arrangement the answer, more often than not, leads back to the chief of staff's office rather than to the chairman or the prime minister. Any disarmament or integration plan that leaves this office untouched should be read as a change of labels. Conversely, a genuine handover of his functions to a regular military officer would be the single most credible sign that the state is reasserting control over the force.

## What to watch

- Any move to replace him, which would be the clearest sign of a genuine change in who controls the PMF.
- New US designations of PMF office-holders, which would put his own position under scrutiny.
- His role in any arrangement for storing heavy weapons, where his staff would be the natural custodians.
"""

# ---------------------------------------------------------------------------
# Briefs.
# ---------------------------------------------------------------------------

BRIEFS: list[dict[str, Any]] = [
    {
        "slug": "militia-watch-disarmament-bargain",
        "title": "Iraq Militia Watch (1): The disarmament bargain and what the factions are really offering",
        "summary": (
            "Iran-aligned factions are talking about state control of weapons "
            "again. We set out what is on the table, what is missing, and why "
            "the offer is narrower than it sounds."
        ),
        "kind": "analysis",
        "access_tier": "standard",
        "regions": ["IQ", "IR"],
        "tags": ["militias", "disarmament", "popular-mobilization-forces", "iraq-politics"],
        "authors": ["writer"],
        "series": "iraq-militia-watch",
        "series_position": 1,
        "published_at": "2026-09-08T07:30:00+00:00",
        "status": "published",
        "body": _BODY_DISARMAMENT,
        "key_judgments": [
            {
                "statement": "A partial, largely declaratory disarmament agreement between the government and Iran-aligned factions is likely before the end of 2026.",
                "likelihood": "likely",
                "confidence": "moderate",
                "sources": [1],
                "assumptions": "Washington keeps its financial pressure on Baghdad until the end of the year.\nNo US-Iran escalation interrupts the talks.",
            },
            {
                "statement": "Any such agreement will highly likely leave the PMF chain of command, brigade structure and payroll under faction control.",
                "likelihood": "highly_likely",
                "confidence": "high",
                "sources": [0, 1],
                "assumptions": "The 2016 PMF law stays as it is.",
            },
            {
                "statement": "Claimed attacks on US-linked targets are likely to decline while talks continue, but the factions' ability to remobilise will remain intact.",
                "likelihood": "likely",
                "confidence": "moderate",
                "sources": [1],
                "update": {
                    "statement": "Claimed attacks on US-linked targets will highly likely stay low while talks continue, but the factions' ability to remobilise will remain intact.",
                    "likelihood": "highly_likely",
                    "confidence": "moderate",
                    "reason": "No attack has been claimed under a front name since mid-September, and two faction leaders have tied the pause to the talks in public: we now rate a continued decline highly likely.",
                    "at": "2026-10-20T08:00:00+00:00",
                },
            },
            {
                "statement": "There is a realistic possibility that Kata'ib Hezbollah stays outside any formal arrangement while tacitly observing its terms.",
                "likelihood": "realistic_possibility",
                "confidence": "low",
                "sources": [2],
                "assumptions": "Kata'ib Hezbollah's leadership keeps to the line Tehran has set since the spring.",
            },
        ],
        "sources": [
            {
                "title": "Constitution of the Republic of Iraq (2005)",
                "publisher": "Government of Iraq",
                "url": None,
                "published_on": None,
                "reliability": "A",
                "credibility": 1,
            },
            {
                "title": "Iraq and Iran outlook, June 2026",
                "publisher": "Advisory desk",
                "url": None,
                "published_on": "2026-06-02",
                "reliability": "B",
                "credibility": 2,
            },
            {
                "title": "Foreign Terrorist Organizations",
                "publisher": "US Department of State",
                "url": "https://www.state.gov/foreign-terrorist-organizations/",
                "published_on": None,
                "reliability": "A",
                "credibility": 1,
            },
        ],
        "scenarios": [
            {
                "title": "A deal on paper, capability intact",
                "likelihood": "likely",
                "description": "The government and the factions announce an agreement on heavy weapons that changes where they are stored, not who controls them.",
                "drivers": "US pressure on Iraq's access to dollars\nAsa'ib Ahl al-Haq's stake in ministries and contracts\nTehran's preference for a quiet Iraq",
                "indicators": "An inventory of drones and rockets shared with the government\nInspectors admitted to Jurf al-Sakhar\nPMF salaries moved off faction-held payroll lists",
                "review_on": "2026-12-01",
            },
            {
                "title": "Talks collapse after a strike on a faction leader",
                "likelihood": "unlikely",
                "description": "A targeted strike, by any party, ends the talks and brings back claimed attacks on US-linked sites.",
                "drivers": "Israeli or US action against a senior commander\nA breakdown in US-Iran contacts",
                "indicators": "Front names such as the Islamic Resistance in Iraq claiming attacks again\nFaction leaders leaving Baghdad for the south",
                "review_on": "2027-01-15",
            },
        ],
        "mentions": [
            {"entity": "popular-mobilization-forces", "role": "subject"},
            {"entity": "asaib-ahl-al-haq", "role": "subject"},
            {"entity": "kataib-hezbollah", "role": "subject"},
            {"entity": "harakat-hezbollah-al-nujaba", "role": "mentioned"},
            {"entity": "qais-al-khazali", "role": "mentioned"},
            {"entity": "falih-al-fayyadh", "role": "mentioned"},
            {"entity": "abu-fadak-al-mohammedawi", "role": "mentioned"},
            {"entity": "supreme-judicial-council", "role": "mentioned"},
            {"entity": "faiq-zidan", "role": "mentioned"},
            {"entity": "islamic-resistance-in-iraq", "role": "mentioned"},
            {"entity": "coordination-framework", "role": "mentioned"},
            {"entity": "nuri-al-maliki", "role": "mentioned"},
            {"entity": "mark-savaya", "role": "mentioned"},
            {"entity": "jurf-al-sakhar", "role": "mentioned"},
            {"entity": "iraq", "role": "mentioned"},
            {"entity": "iran", "role": "mentioned"},
            {"entity": "baghdad", "role": "mentioned"},
            {"entity": "united-states", "role": "mentioned"},
        ],
    },
    {
        "slug": "militia-watch-foreign-fighters-diyala",
        "title": "Iraq Militia Watch (2): Foreign fighters, Diyala and the Camp Ashraf question",
        "summary": (
            "Afghan and Pakistani fighters who left Syria after December 2024 "
            "appear to have settled into a handful of PMF-run sites in eastern "
            "Iraq. Their numbers are small; the political exposure for Baghdad "
            "is not."
        ),
        "kind": "analysis",
        "access_tier": "premium",
        "regions": ["IQ", "IR", "SY", "AF", "PK"],
        "tags": ["militias", "foreign-fighters", "diyala", "irgc"],
        "authors": ["writer", "writer2"],
        "series": "iraq-militia-watch",
        "series_position": 2,
        "published_at": "2026-10-06T08:00:00+00:00",
        "status": "published",
        "body": _BODY_FOREIGN_FIGHTERS,
        "key_judgments": [
            {
                "statement": "Fatemiyoun and Zaynabiyoun fighters are likely present in Iraq in the low hundreds, concentrated at a few PMF-controlled sites in Diyala.",
                "likelihood": "likely",
                "confidence": "low",
                "sources": [1],
                "assumptions": "Most fighters who left Syria did not go home to Afghanistan or Pakistan.",
            },
            {
                "statement": "The IRGC Quds Force, not any Iraqi body, almost certainly directs their movements and tasks.",
                "likelihood": "almost_certain",
                "confidence": "moderate",
                "sources": [0, 1],
            },
            {
                "statement": "The foreign brigades are unlikely to change the security balance in Diyala on their own.",
                "likelihood": "unlikely",
                "confidence": "moderate",
                "sources": [1],
            },
            {
                "statement": "It is likely that their presence will be cited in any future US case for sanctions on PMF-linked entities.",
                "likelihood": "likely",
                "confidence": "moderate",
                "sources": [0],
            },
        ],
        "sources": [
            {
                "title": "Treasury Designates Iran's Foreign Fighter Militias in Syria along with a Civilian Airline Ferrying Weapons to Syria",
                "publisher": "US Department of the Treasury",
                "url": "https://home.treasury.gov/news/press-releases",
                "published_on": "2019-01-24",
                "reliability": "A",
                "credibility": 1,
            },
            {
                "title": "Iran's foreign brigades after Syria (client note)",
                "publisher": "Advisory desk",
                "url": None,
                "published_on": "2026-02-17",
                "reliability": "B",
                "credibility": 3,
            },
        ],
        "mentions": [
            {"entity": "fatemiyoun-brigade", "role": "subject"},
            {"entity": "zaynabiyoun-brigade", "role": "subject"},
            {"entity": "diyala", "role": "subject"},
            {"entity": "camp-ashraf", "role": "subject"},
            {"entity": "irgc-quds-force", "role": "mentioned"},
            {"entity": "irgc", "role": "mentioned"},
            {"entity": "popular-mobilization-forces", "role": "mentioned"},
            {"entity": "badr-organization", "role": "mentioned"},
            {"entity": "hadi-al-amiri", "role": "mentioned"},
            {"entity": "esmail-qaani", "role": "mentioned"},
            {"entity": "mohammed-shia-al-sudani", "role": "mentioned"},
            {"entity": "islamic-state", "role": "mentioned"},
            {"entity": "anbar", "role": "mentioned"},
            {"entity": "nineveh", "role": "mentioned"},
            {"entity": "syria", "role": "mentioned"},
            {"entity": "iraq", "role": "mentioned"},
            {"entity": "iran", "role": "mentioned"},
            {"entity": "baghdad", "role": "mentioned"},
            {"entity": "united-states", "role": "mentioned"},
        ],
    },
    {
        "slug": "militia-watch-follow-the-dollars",
        "title": "Iraq Militia Watch (3): Follow the dollars, sanctions exposure in the PMF economy",
        "summary": (
            "As Washington leans on Iraq's dollar supply, the factions' "
            "commercial networks are the softest target. We map where the "
            "exposure sits and what a tougher Treasury posture would look like."
        ),
        "kind": "analysis",
        "access_tier": "standard",
        "regions": ["IQ", "IR"],
        "tags": ["sanctions", "finance", "militias", "central-bank"],
        "authors": ["writer2"],
        "series": "iraq-militia-watch",
        "series_position": 3,
        "published_at": "2026-11-03T07:00:00+00:00",
        "status": "published",
        "body": _BODY_DOLLARS,
        "key_judgments": [
            {
                "statement": "OFAC will likely designate further Iraqi companies linked to Iran-aligned factions within the next six months.",
                "likelihood": "likely",
                "confidence": "moderate",
                "sources": [1, 2],
            },
            {
                "statement": "Direct US restrictions on the Central Bank of Iraq's dollar access are unlikely in the same period.",
                "likelihood": "unlikely",
                "confidence": "moderate",
                "sources": [3],
                "assumptions": "Washington still values the Sudani government as a partner.",
            },
            {
                "statement": "Regional correspondent banks will almost certainly continue de-risking Iraqi counterparties regardless of new designations.",
                "likelihood": "almost_certain",
                "confidence": "high",
                "sources": [3],
            },
            {
                "statement": "There is a realistic possibility that pressure on exchange houses pushes faction revenue further into cash and gold.",
                "likelihood": "realistic_possibility",
                "confidence": "low",
            },
        ],
        "sources": [
            {
                "title": "In the Matter of the Designation of the Asa'ib Ahl al-Haq (and other aliases) as a Foreign Terrorist Organization",
                "publisher": "Federal Register",
                "url": "https://www.federalregister.gov",
                "published_on": "2020-01-10",
                "reliability": "A",
                "credibility": 1,
            },
            {
                "title": "Treasury Sanctions Iraqi Militia Leader Connected to Serious Human Rights Abuse",
                "publisher": "US Department of the Treasury",
                "url": "https://home.treasury.gov/news/press-releases",
                "published_on": "2021-01-08",
                "reliability": "A",
                "credibility": 1,
            },
            {
                "title": "Specially Designated Nationals and Blocked Persons List",
                "publisher": "Office of Foreign Assets Control",
                "url": "https://ofac.treasury.gov",
                "published_on": None,
                "reliability": "A",
                "credibility": 1,
            },
            {
                "title": "Central Bank of Iraq",
                "publisher": "Central Bank of Iraq",
                "url": "https://cbi.iq",
                "published_on": None,
                "reliability": "B",
                "credibility": 2,
            },
        ],
        "mentions": [
            {"entity": "central-bank-of-iraq", "role": "subject"},
            {"entity": "ofac", "role": "subject"},
            {"entity": "popular-mobilization-forces", "role": "subject"},
            {"entity": "kataib-hezbollah", "role": "mentioned"},
            {"entity": "abu-mahdi-al-muhandis", "role": "mentioned"},
            {"entity": "qasem-soleimani", "role": "mentioned"},
            {"entity": "asaib-ahl-al-haq", "role": "mentioned"},
            {"entity": "falih-al-fayyadh", "role": "mentioned"},
            {"entity": "harakat-hezbollah-al-nujaba", "role": "mentioned"},
            {"entity": "kataib-sayyid-al-shuhada", "role": "mentioned"},
            {"entity": "coordination-framework", "role": "mentioned"},
            {"entity": "nuri-al-maliki", "role": "mentioned"},
            {"entity": "jurf-al-sakhar", "role": "mentioned"},
            {"entity": "islamic-state", "role": "mentioned"},
            {"entity": "iraq", "role": "mentioned"},
            {"entity": "iran", "role": "mentioned"},
            {"entity": "baghdad", "role": "mentioned"},
            {"entity": "united-states", "role": "mentioned"},
        ],
    },
    {
        "slug": "flash-blasts-pmf-depot-jurf-al-sakhar",
        "title": "Flash alert: Blasts reported at PMF storage site near Jurf al-Sakhar",
        "summary": (
            "Explosions hit a PMF-used storage site in northern Babil late on "
            "19 November. Cause and casualties are unconfirmed; no claim so far."
        ),
        "kind": "flash_alert",
        "access_tier": "public",
        "regions": ["IQ"],
        "tags": ["security", "militias", "flash"],
        "authors": ["writer"],
        "series": None,
        "series_position": None,
        "published_at": "2026-11-20T06:45:00+00:00",
        "status": "published",
        "body": _BODY_FLASH,
        "key_judgments": [
            {
                "statement": "The cause of the explosions is unlikely to be independently established in the coming days.",
                "likelihood": "unlikely",
                "confidence": "moderate",
                "sources": [2],
                "outcome": {
                    "outcome": "did_not_happen",
                    "note": "A week on, no independent account of the cause had appeared; the PMF statement spoke of technical factors without evidence.",
                },
            },
            {
                "statement": "Faction messaging blaming foreign actors is likely to intensify over the weekend.",
                "likelihood": "likely",
                "confidence": "moderate",
                "sources": [1],
                "outcome": {
                    "outcome": "happened",
                    "note": "Faction channels blamed the United States and Israel daily from 21 to 23 November.",
                },
            },
            {
                "statement": "A retaliatory attack on US-linked sites within a week of the blasts is unlikely.",
                "likelihood": "unlikely",
                "confidence": "moderate",
                "sources": [0],
                "outcome": {
                    "outcome": "did_not_happen",
                    "note": "No attack on a US-linked site was reported in the week after the blasts.",
                },
            },
        ],
        "sources": [
            {
                "title": "Iraq Militia Watch (3): Follow the dollars",
                "publisher": "Advisory desk",
                "url": None,
                "published_on": "2026-11-03",
                "reliability": "B",
                "credibility": 2,
            },
            {
                "title": "Claims and counter-claims on faction-aligned channels, 19-20 November 2026",
                "publisher": "Faction-aligned Telegram channels",
                "url": None,
                "published_on": "2026-11-20",
                "reliability": "F",
                "credibility": 6,
            },
            {
                "title": "Statement on the Jurf al-Sakhar explosions",
                "publisher": "Babil Operations Command",
                "url": None,
                "published_on": "2026-11-20",
                "reliability": "C",
                "credibility": 3,
            },
        ],
        "mentions": [
            {"entity": "jurf-al-sakhar", "role": "subject"},
            {"entity": "popular-mobilization-forces", "role": "subject"},
            {"entity": "kataib-hezbollah", "role": "mentioned"},
            {"entity": "iraq", "role": "mentioned"},
            {"entity": "baghdad", "role": "mentioned"},
            {"entity": "united-states", "role": "mentioned"},
        ],
    },
    {
        "slug": "weekly-outlook-iraq-iran-2026-11-23",
        "title": "Weekly outlook: Iraq and Iran, 23-29 November 2026",
        "summary": (
            "Budget wrangling in Baghdad, militia messaging after the Babil "
            "blasts and Iran's economic squeeze set the agenda for the week "
            "ahead."
        ),
        "kind": "weekly_outlook",
        "access_tier": "public",
        "regions": ["middle-east"],
        "tags": ["weekly-outlook", "iraq-politics", "iran", "sanctions"],
        "authors": ["writer2"],
        "series": None,
        "series_position": None,
        "published_at": "2026-11-21T16:00:00+00:00",
        "status": "published",
        "body": _BODY_WEEKLY,
        "key_judgments": [
            {
                "statement": "Iraq's 2027 spending plans are unlikely to pass parliament before December.",
                "likelihood": "unlikely",
                "confidence": "high",
                "sources": [0],
                "outcome": {
                    "outcome": "did_not_happen",
                    "note": "Parliament rose on 30 November without a vote on the 2027 plans.",
                },
            },
            {
                "statement": "The PMF's budget allocation will likely be maintained or increased.",
                "likelihood": "likely",
                "confidence": "moderate",
                "sources": [0],
            },
            {
                "statement": "Significant unrest in Iran this week is unlikely, but a fuel-price decision would raise the risk sharply.",
                "likelihood": "unlikely",
                "confidence": "moderate",
                "outcome": {
                    "outcome": "did_not_happen",
                    "note": "No fuel-price decision was announced and no large protests were reported between 23 and 29 November.",
                },
            },
            {
                "statement": "A Sadr intervention on the budget or on faction weapons is a realistic possibility and would be the main political wild card.",
                "likelihood": "realistic_possibility",
                "confidence": "low",
                "outcome": {
                    "outcome": "happened",
                    "note": "Sadr's office published a statement on the budget and the PMF payroll on 27 November.",
                },
            },
        ],
        "sources": [
            {
                "title": "Council of Representatives of Iraq",
                "publisher": "Council of Representatives of Iraq",
                "url": "https://parliament.iq",
                "published_on": None,
                "reliability": "A",
                "credibility": 2,
            },
            {
                "title": "Central Bank of Iraq",
                "publisher": "Central Bank of Iraq",
                "url": "https://cbi.iq",
                "published_on": None,
                "reliability": "B",
                "credibility": 2,
            },
            {
                "title": "Flash alert: Blasts reported at PMF storage site near Jurf al-Sakhar",
                "publisher": "Advisory desk",
                "url": None,
                "published_on": "2026-11-20",
                "reliability": "B",
                "credibility": 2,
            },
        ],
        "mentions": [
            {"entity": "iraq", "role": "subject"},
            {"entity": "iran", "role": "subject"},
            {"entity": "council-of-representatives", "role": "mentioned"},
            {"entity": "mohammed-shia-al-sudani", "role": "mentioned"},
            {"entity": "popular-mobilization-forces", "role": "mentioned"},
            {"entity": "kurdistan-democratic-party", "role": "mentioned"},
            {"entity": "central-bank-of-iraq", "role": "mentioned"},
            {"entity": "jurf-al-sakhar", "role": "mentioned"},
            {"entity": "anbar", "role": "mentioned"},
            {"entity": "muqtada-al-sadr", "role": "mentioned"},
            {"entity": "masoud-pezeshkian", "role": "mentioned"},
            {"entity": "ali-khamenei", "role": "mentioned"},
            {"entity": "baghdad", "role": "mentioned"},
            {"entity": "united-states", "role": "mentioned"},
        ],
    },
    {
        "slug": "qa-could-sadr-upend-the-framework",
        "title": "Q&A: Could Muqtada al-Sadr upend the Framework's settlement?",
        "summary": (
            "The Sadrist leader has kept his movement out of parliament since "
            "2022. We answer clients' most frequent questions about what would "
            "bring him back and what it would mean."
        ),
        "kind": "qa",
        "access_tier": "premium",
        "regions": ["IQ"],
        "tags": ["iraq-politics", "sadrists", "coordination-framework"],
        "authors": ["writer"],
        "series": None,
        "series_position": None,
        "published_at": None,
        "status": "in_review",
        "body": _BODY_QA,
        "key_judgments": [
            {
                "statement": "A return by Muqtada al-Sadr to street mobilisation within the next six months is a realistic possibility.",
                "likelihood": "realistic_possibility",
                "confidence": "moderate",
                "sources": [1],
            },
            {
                "statement": "Such a return would most likely be triggered by a move to entrench the PMF or by an appointment seen as dictated from Tehran.",
                "likelihood": "likely",
                "confidence": "low",
                "sources": [1],
            },
            {
                "statement": "The Coordination Framework would likely respond with personnel concessions rather than policy change.",
                "likelihood": "likely",
                "confidence": "moderate",
                "sources": [1],
            },
            {
                "statement": "Armed clashes on the scale of August 2022 are unlikely but cannot be ruled out if protests reach the Green Zone.",
                "likelihood": "unlikely",
                "confidence": "moderate",
                "sources": [1],
                "assumptions": "Saraya al-Salam stays under Sadr's direct control.",
            },
        ],
        "sources": [
            {
                "title": "Office of Grand Ayatollah al-Sistani",
                "publisher": "sistani.org",
                "url": "https://www.sistani.org",
                "published_on": None,
                "reliability": "B",
                "credibility": 2,
            },
            {
                "title": "After the Green Zone clashes (client note)",
                "publisher": "Advisory desk",
                "url": None,
                "published_on": "2022-09-05",
                "reliability": "B",
                "credibility": 2,
            },
        ],
        "mentions": [
            {"entity": "muqtada-al-sadr", "role": "subject"},
            {"entity": "sadrist-movement", "role": "subject"},
            {"entity": "coordination-framework", "role": "subject"},
            {"entity": "saraya-al-salam", "role": "mentioned"},
            {"entity": "kurdistan-democratic-party", "role": "mentioned"},
            {"entity": "council-of-representatives", "role": "mentioned"},
            {"entity": "popular-mobilization-forces", "role": "mentioned"},
            {"entity": "ali-al-sistani", "role": "mentioned"},
            {"entity": "kataib-hezbollah", "role": "mentioned"},
            {"entity": "asaib-ahl-al-haq", "role": "mentioned"},
            {"entity": "qais-al-khazali", "role": "mentioned"},
            {"entity": "iran", "role": "mentioned"},
            {"entity": "iraq", "role": "mentioned"},
            {"entity": "baghdad", "role": "mentioned"},
        ],
    },
    {
        "slug": "profile-abu-fadak-al-mohammedawi",
        "title": "Profile: Abu Fadak al-Mohammedawi and the PMF chain of command",
        "summary": (
            "Rarely seen and seldom quoted, the PMF chief of staff is the "
            "clearest link between the force's formal structure and Kata'ib "
            "Hezbollah."
        ),
        "kind": "profile",
        "access_tier": "standard",
        "regions": ["IQ"],
        "tags": ["profiles", "militias", "popular-mobilization-forces"],
        "authors": ["writer2"],
        "series": None,
        "series_position": None,
        "published_at": None,
        "status": "draft",
        "body": _BODY_PROFILE,
        "key_judgments": [
            {
                "statement": "Abu Fadak al-Mohammedawi is highly likely to remain the PMF's most powerful operational figure through 2027.",
                "likelihood": "highly_likely",
                "confidence": "moderate",
                "sources": [1],
            },
            {
                "statement": "His replacement by a non-faction officer is unlikely without a broader settlement on the PMF's future.",
                "likelihood": "unlikely",
                "confidence": "moderate",
                "sources": [1],
            },
            {
                "statement": "He would likely be the custodian of any consolidated store of the factions' heavy weapons.",
                "likelihood": "likely",
                "confidence": "low",
            },
        ],
        "sources": [
            {
                "title": "Treasury Sanctions Iraqi Militia Leader Connected to Serious Human Rights Abuse",
                "publisher": "US Department of the Treasury",
                "url": "https://home.treasury.gov/news/press-releases",
                "published_on": "2021-01-08",
                "reliability": "A",
                "credibility": 1,
            },
            {
                "title": "The PMF after Muhandis (client note)",
                "publisher": "Advisory desk",
                "url": None,
                "published_on": "2020-03-10",
                "reliability": "C",
                "credibility": 3,
            },
        ],
        "mentions": [
            {"entity": "abu-fadak-al-mohammedawi", "role": "subject"},
            {"entity": "popular-mobilization-forces", "role": "subject"},
            {"entity": "kataib-hezbollah", "role": "mentioned"},
            {"entity": "abu-mahdi-al-muhandis", "role": "mentioned"},
            {"entity": "qasem-soleimani", "role": "mentioned"},
            {"entity": "irgc-quds-force", "role": "mentioned"},
            {"entity": "irgc", "role": "mentioned"},
            {"entity": "esmail-qaani", "role": "mentioned"},
            {"entity": "falih-al-fayyadh", "role": "mentioned"},
            {"entity": "ali-al-sistani", "role": "mentioned"},
            {"entity": "baghdad", "role": "mentioned"},
            {"entity": "united-states", "role": "mentioned"},
        ],
    },
]
