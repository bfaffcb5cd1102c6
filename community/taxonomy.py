"""The platform's vocabularies (working models, target groups, ...) with nl/fr/en labels.

Forms, filters, imports and exports read their codes and labels from here, so a code is
defined once. Dutch labels are what Flemish users know; importers accept them too.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property


@dataclass(frozen=True)
class Term:
    code: str
    nl: str
    fr: str
    en: str
    hint: str = ""

    def label(self, locale: str = "nl") -> str:
        return getattr(self, locale if locale in ("nl", "fr", "en") else "nl")


@dataclass(frozen=True)
class Vocabulary:
    name: str
    terms: tuple[Term, ...]

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(t.code for t in self.terms)

    def get(self, code: str) -> Term | None:
        return next((t for t in self.terms if t.code == code), None)

    def label(self, code: str, locale: str = "nl") -> str:
        term = self.get(code)
        return term.label(locale) if term else code

    def choices(self, locale: str = "nl") -> list[tuple[str, str]]:
        return [(t.code, t.label(locale)) for t in self.terms]

    @cached_property
    def _index(self) -> dict[str, str]:
        """Every accepted name -> code; the first term to claim a name keeps it, as the loop did."""
        index: dict[str, str] = {}
        for term in self.terms:
            for name in (term.code.replace("_", " "), term.nl.lower(), term.fr.lower(), term.en.lower()):
                index.setdefault(name, term.code)
        return index

    def lookup(self, text: str) -> str | None:
        """Code for a code or a label in any language, case and spacing ignored."""
        return self._index.get(" ".join(str(text).strip().lower().replace("_", " ").split()))


WORKING_MODELS = Vocabulary("working_model", (
    Term("competence", "Persoonlijke competentieversterking", "Renforcement des compétences personnelles",
         "Personal competence building", "cursussen en vorming om zelf een netwerk op te bouwen"),
    Term("buddy", "Persoonlijke vriend (buddywerking)", "Ami personnel (parrainage)",
         "Personal friend (buddy scheme)", "een vrijwilliger als vast aanspreekpunt, één op één"),
    Term("personal_network", "Persoonlijk netwerk", "Réseau personnel", "Personal network",
         "het netwerk dat de persoon zelf kiest, betrekken"),
    Term("peer", "Lotgenotennetwerk", "Réseau de pairs", "Peer network",
         "mensen met een gedeelde levenservaring"),
    Term("context", "Contextgericht werken", "Travail axé sur le contexte", "Context-oriented work",
         "professionele hulp samen met de omgeving"),
    Term("organisation", "Netwerkversterking via organisatie", "Renforcement du réseau par l'organisation",
         "Network building through organisations", "vrijwilligerswerk en participatie in organisaties"),
    Term("location", "Netwerkversterking via locatie/regio", "Renforcement du réseau par le lieu/la région",
         "Network building through place/area", "buurtwerk en ontmoetingsplekken in één buurt"),
))

TARGET_GROUPS = Vocabulary("target_group", (
    Term("everyone", "Iedereen in de buurt", "Tout le quartier", "Everyone in the neighbourhood"),
    Term("poverty", "Mensen met een krap budget", "Personnes avec un budget serré", "People on a tight budget"),
    Term("elderly", "Ouderen", "Personnes âgées", "Older people"),
    Term("disability", "Mensen met een beperking", "Personnes en situation de handicap", "People with a disability"),
    Term("families", "Kinderen en gezinnen", "Enfants et familles", "Children and families"),
    Term("youth", "Jongeren", "Jeunes", "Young people"),
    Term("newcomers", "Nieuwkomers", "Nouveaux arrivants", "Newcomers"),
    Term("mental_health", "Mensen met psychische kwetsbaarheid", "Personnes psychologiquement vulnérables",
         "People with psychological vulnerability"),
))

NETWORK_FUNCTIONS = Vocabulary("network_function", (
    Term("emotional", "Emotionele steun", "Soutien émotionnel", "Emotional support"),
    Term("belonging", "Erbij horen", "Appartenance", "Belonging"),
    Term("practical", "Praktische hulp", "Aide pratique", "Practical help"),
    Term("stability", "Houvast en veiligheid", "Stabilité et sécurité", "Stability and security"),
))

TIE_TYPES = Vocabulary("tie_type", (
    Term("bonding", "Verbinden binnen de groep (bonding)", "Liens au sein du groupe (bonding)",
         "Ties within the group (bonding)"),
    Term("bridging", "Bruggen naar anderen (bridging)", "Ponts vers d'autres (bridging)",
         "Bridges to others (bridging)"),
    Term("both", "Allebei", "Les deux", "Both"),
))

COSTS = Vocabulary("cost", (
    Term("free", "Gratis", "Gratuit", "Free"),
    Term("social_tariff", "Sociaal tarief", "Tarif social", "Social tariff"),
    Term("paid", "Betalend", "Payant", "Paid"),
))

CHILDCARE = Vocabulary("childcare", (
    Term("none", "Geen kinderen", "Pas d'enfants", "No children"),
    Term("children_welcome", "Kinderen welkom", "Enfants bienvenus", "Children welcome"),
    Term("childcare_provided", "Kinderopvang voorzien", "Garde d'enfants prévue", "Childcare provided"),
    Term("unknown", "Niet bekend", "Inconnu", "Unknown"),
))

WHEELCHAIR = Vocabulary("wheelchair", (
    Term("yes", "Rolstoeltoegankelijk", "Accessible en fauteuil roulant", "Wheelchair accessible"),
    Term("no", "Niet rolstoeltoegankelijk", "Non accessible en fauteuil roulant", "Not wheelchair accessible"),
    Term("unknown", "Toegankelijkheid niet bekend", "Accessibilité inconnue", "Accessibility unknown"),
))

STATUSES = Vocabulary("status", (
    Term("active", "Actief", "Actif", "Active"),
    Term("temporarily_closed", "Tijdelijk gesloten", "Temporairement fermé", "Temporarily closed"),
    Term("inactive", "Niet actief", "Inactif", "Inactive"),
    Term("defunct", "Gestopt", "Arrêté", "Discontinued"),
))

PLACE_KINDS = Vocabulary("place_kind", (
    Term("community_centre", "Buurtcentrum", "Maison de quartier", "Community centre"),
    Term("library", "Bibliotheek", "Bibliothèque", "Library"),
    Term("park", "Park", "Parc", "Park"),
    Term("neighbourhood_restaurant", "Buurtrestaurant", "Restaurant de quartier", "Neighbourhood restaurant"),
    Term("school", "School", "École", "School"),
    Term("sports", "Sportplek", "Lieu sportif", "Sports venue"),
    Term("religious", "Gebedshuis", "Lieu de culte", "Place of worship"),
    Term("cafe", "Café", "Café", "Café"),
    Term("outdoor", "Buitenplek", "Lieu en plein air", "Outdoor space"),
    Term("other", "Andere plek", "Autre lieu", "Other place"),
))

LANGUAGES = Vocabulary("language", (
    Term("nl", "Nederlands", "néerlandais", "Dutch"),
    Term("fr", "Frans", "français", "French"),
    Term("en", "Engels", "anglais", "English"),
    Term("ar", "Arabisch", "arabe", "Arabic"),
    Term("tr", "Turks", "turc", "Turkish"),
    Term("pl", "Pools", "polonais", "Polish"),
    Term("bg", "Bulgaars", "bulgare", "Bulgarian"),
    Term("ro", "Roemeens", "roumain", "Romanian"),
    Term("es", "Spaans", "espagnol", "Spanish"),
    Term("so", "Somalisch", "somali", "Somali"),
    Term("ti", "Tigrinya", "tigrigna", "Tigrinya"),
    Term("prs", "Dari", "dari", "Dari"),
    Term("uk", "Oekraïens", "ukrainien", "Ukrainian"),
    Term("ru", "Russisch", "russe", "Russian"),
    Term("ber", "Tamazight", "tamazight", "Tamazight"),
    Term("vgt", "Vlaamse Gebarentaal", "langue des signes flamande", "Flemish Sign Language"),
))

FREQUENCIES = Vocabulary("frequency", (
    Term("weekly", "Elke week", "Chaque semaine", "Every week"),
    Term("biweekly", "Om de twee weken", "Toutes les deux semaines", "Every two weeks"),
    Term("monthly", "Maandelijks", "Mensuel", "Monthly"),
    Term("once", "Eenmalig", "Unique", "Once"),
))

AREA_LEVELS = Vocabulary("area_level", (
    Term("municipality", "Gemeente", "Commune", "Municipality"),
    Term("district", "Wijk", "Quartier", "District"),
    Term("sector", "Statistische sector", "Secteur statistique", "Statistical sector"),
))

PARTS_OF_DAY = Vocabulary("part_of_day", (
    Term("morning", "Voormiddag", "Matin", "Morning"),
    Term("afternoon", "Namiddag", "Après-midi", "Afternoon"),
    Term("evening", "Avond", "Soir", "Evening"),
))

WEEKDAYS = Vocabulary("weekday", (
    Term("0", "maandag", "lundi", "Monday"),
    Term("1", "dinsdag", "mardi", "Tuesday"),
    Term("2", "woensdag", "mercredi", "Wednesday"),
    Term("3", "donderdag", "jeudi", "Thursday"),
    Term("4", "vrijdag", "vendredi", "Friday"),
    Term("5", "zaterdag", "samedi", "Saturday"),
    Term("6", "zondag", "dimanche", "Sunday"),
))

# Schemes stored in the initiative_term table (many values per initiative).
TERM_SCHEMES = {
    "working_model": WORKING_MODELS,
    "target_group": TARGET_GROUPS,
    "network_function": NETWORK_FUNCTIONS,
    "language": LANGUAGES,
}

ALL = {v.name: v for v in (
    WORKING_MODELS, TARGET_GROUPS, NETWORK_FUNCTIONS, TIE_TYPES, COSTS, CHILDCARE, WHEELCHAIR,
    STATUSES, PLACE_KINDS, LANGUAGES, FREQUENCIES, AREA_LEVELS, PARTS_OF_DAY, WEEKDAYS,
)}

# The network circle (/network-circle): words for the drawing a resident makes in the browser.
# These codes never reach the server; they are here so the labels live with the others.
CIRCLE_RINGS = Vocabulary("circle_ring", (
    Term("1", "Dichtbij", "Proche", "Close"),
    Term("2", "Tussenin", "Entre les deux", "In between"),
    Term("3", "Verder weg", "Plus loin", "Further away"),
))

CIRCLE_SECTORS = Vocabulary("circle_sector", (
    Term("family", "Familie", "Famille", "Family"),
    Term("friends", "Vrienden en kennissen", "Amis et connaissances", "Friends and acquaintances"),
    Term("community", "Buren, collega's, clubs en verenigingen", "Voisins, collègues, clubs et associations",
         "Neighbours, colleagues, clubs and associations"),
    Term("professional", "Hulpverleners en diensten", "Professionnels et services", "Professionals and services"),
    Term("none", "Nog geen sector gekozen", "Pas encore de secteur choisi", "No sector chosen yet"),
))

# What a contact brings: the finder's network functions, plus advice and information.
CIRCLE_FUNCTIONS = Vocabulary("circle_function", NETWORK_FUNCTIONS.terms + (
    Term("advice", "Advies en informatie", "Conseils et informations", "Advice and information"),
))

CIRCLE_FREQUENCIES = Vocabulary("circle_frequency", (
    Term("daily", "(Bijna) elke dag", "(Presque) tous les jours", "(Almost) every day"),
    Term("weekly", "Elke week", "Chaque semaine", "Every week"),
    Term("monthly", "Elke maand", "Chaque mois", "Every month"),
    Term("rarely", "Af en toe", "De temps en temps", "Now and then"),
))

CIRCLE_CHANNELS = Vocabulary("circle_channel", (
    Term("face", "Persoonlijk", "En personne", "Face to face"),
    Term("phone", "Telefoon", "Téléphone", "Phone"),
    Term("online", "Online", "En ligne", "Online"),
))

# Postcodes and the deelgemeenten (former municipalities) they stand for, as bpost names them: the
# address register gives only the municipality, residents also type "Drongen" or "9031". Ghent's ten
# postcodes (shared/data/README.md, ghent/addresses.csv); add a municipality's when its addresses come.
POSTCODE_PLACES = {
    "9000": ("Gent",), "9030": ("Mariakerke",), "9031": ("Drongen", "Baarle"), "9032": ("Wondelgem",),
    "9040": ("Sint-Amandsberg",), "9041": ("Oostakker",), "9042": ("Desteldonk", "Mendonk", "Sint-Kruis-Winkel"),
    "9050": ("Gentbrugge", "Ledeberg"), "9051": ("Afsnee", "Sint-Denijs-Westrem"), "9052": ("Zwijnaarde",),
}

# Words people use for the same thing, for the finder's full-text search (services/search.py
# expands a typed word, or words, into the whole group at query time, so a change here needs no
# re-index). Write them as people type them; accents and case do not matter. A group may hold
# several words in a row ("nederlands oefenen"): they must then follow each other in the text.
SYNONYMS: tuple[tuple[str, ...], ...] = (
    ("ouderen", "senioren", "seniors", "bejaarden", "gepensioneerden", "60-plussers", "65-plussers",
     "personnes âgées", "aînés", "older people", "elderly"),
    ("taalcafé", "praatcafé", "taalcafe", "taaloefening", "taal oefenen", "nederlands oefenen",
     "nederlands leren", "taalles", "taallessen", "language café", "language practice",
     "café des langues", "table de conversation"),
    ("huiswerkbegeleiding", "huiswerkklas", "huiswerkhulp", "huiswerk", "homework", "devoirs",
     "école des devoirs"),
    ("repair café", "repaircafé", "herstelcafé", "reparatie"),
    ("breien", "breicafé", "haken", "knitting", "tricot"),
    ("wandelen", "wandeling", "wandelclub", "walking", "promenade", "balade"),
    ("kinderen", "kids", "children", "enfants"),
    ("jongeren", "jeugd", "tieners", "youth", "jeunes", "ados"),
    ("computerhulp", "digitaal café", "digitale hulp", "smartphone", "computer", "numérique"),
    ("maaltijd", "middagmaal", "buurtrestaurant", "eten", "repas", "meal"),
    ("voormiddag", "ochtend", "morning", "matin"),
)

# Words that also lead to a synonym group (named by its first entry) without the group leading back:
# "language" finds language practice, "taalcafé" does not find every offer in Flemish Sign Language.
SEARCH_ALSO = {
    "language": "taalcafé", "langue": "taalcafé", "taal": "taalcafé",
    "senior": "ouderen",
}

# Little words a search leaves out when other words are typed ("voor ouderen" finds what
# "ouderen" finds); inside a synonym entry ("café des langues") they still count.
SEARCH_STOPWORDS = frozenset((
    "de", "het", "een", "en", "of", "voor", "met", "in", "op", "van", "aan", "bij", "naar", "te", "om",
    "le", "la", "les", "l", "un", "une", "des", "du", "d", "et", "ou", "pour", "avec", "dans", "au", "aux", "à",
    "the", "a", "an", "and", "or", "for", "with", "of", "on", "at", "to",
))
