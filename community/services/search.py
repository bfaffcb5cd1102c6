"""The finder's full-text search: one search document per listing, in the database's own index.

Every listing (an initiative at a place) has a row in search_document with its words folded here
(accents and case dropped, so "Taalcafé" and "taalcafe" are one word on both databases): the
initiative's name; its description, organisation, place name and street; and the nl, fr and en
labels of its vocabulary terms and cost (taxonomy.py), so "ouderen", "seniors" and "personnes
âgées" all find an offer tagged for older people. SQLite reads them through the FTS5 table
search_fts (bm25), PostgreSQL through the generated tsvector column `document` ('simple'
configuration: no stemming, so a word finds itself and its compounds, not look-alikes) and its
GIN index (ts_rank). Migration 0009 makes both.

A query is the resident's words folded the same way, every word required, each word also
matching as the start of a longer one ("koffie" finds "Koffiehoek"), and each word or run of
words in taxonomy.SYNONYMS standing for its whole group; little words (taxonomy.SEARCH_STOPWORDS)
left out when others are typed. Nothing typed reaches the engine's query
syntax: only folded letters and digits, quoted.

The index is kept by session hooks, so that no write path has to remember it: a flush of an
initiative, its terms or links, an organisation or a meeting place, and the writer's bulk
inserts, mark the initiatives concerned; their documents are written again just before the
commit (and before a search in the same transaction).
"""
from __future__ import annotations

import re
import unicodedata
import uuid
from itertools import chain, product

from sqlalchemy import bindparam, column, delete, event, func, insert, literal_column, select, table
from sqlalchemy.orm import Session

from .. import taxonomy
from ..models import (Initiative, InitiativeAtPlace, InitiativeTerm, MeetingPlace, Organisation,
                      SearchDocument)

FTS_TABLE = "search_fts"        # SQLite: FTS5, external content search_document
VOCAB_TABLE = "search_vocab"    # SQLite: fts5vocab over it, for "did you mean"
PG_DOCUMENT = "document"        # PostgreSQL: generated tsvector column of search_document
PG_INDEX = "ix_search_document_document"
#: What migration 0009 makes beside the mapped table (the models-and-migrations test skips them;
#: backup.BOOKKEEPING names the FTS5 tables, which hold rows of their own in an empty database).
UNMAPPED = {FTS_TABLE, VOCAB_TABLE, f"{FTS_TABLE}_data", f"{FTS_TABLE}_idx", f"{FTS_TABLE}_docsize",
            f"{FTS_TABLE}_config", PG_INDEX}
WEIGHTS = (10.0, 4.0, 2.0)      # bm25: name, body, terms (PostgreSQL: weights A, B, C)
MAX_WORDS = 10                  # words of a query used (200 characters hold about 30)
_PENDING = "buurtkracht.search_pending"
_ALL = "all"
# Letters that NFKD does not take apart.
_EXTRA = str.maketrans({"ø": "o", "ł": "l", "đ": "d", "ħ": "h", "ı": "i", "æ": "ae", "œ": "oe", "þ": "th"})
_WORD = re.compile(r"[^\W_]+")


# ------------------------------------------------------------------ words

def fold(text: str) -> str:
    """Lower case without accents: 'Personnes Âgées' -> 'personnes agees', 'Straße' -> 'strasse'."""
    text = str(text or "")
    if text.isascii():  # nothing to decompose or translate: the same as below, without its loop
        return text.casefold()
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return bare.casefold().translate(_EXTRA)


def words(text: str) -> list[str]:
    """The folded words (letters and digits) of a text, as both indexes store them."""
    return _WORD.findall(fold(text))


def _text(*parts) -> str:
    return " ".join(chain.from_iterable(words(part) for part in parts if part))


def term_labels(codes: dict[str, list[str]], cost: str | None = None) -> str:
    """The nl, fr and en labels of an initiative's terms (and cost), folded."""
    labels = []
    for scheme, vocabulary in taxonomy.TERM_SCHEMES.items():
        for code in codes.get(scheme, ()):
            term = vocabulary.get(code)
            if term is not None:
                labels += [term.nl, term.fr, term.en]
    term = taxonomy.COSTS.get(cost or "")
    if term is not None:
        labels += [term.nl, term.fr, term.en]
    return _text(*labels)


# ------------------------------------------------------------------ the documents

def _document_rows(connection, initiative_ids: list | None) -> list[dict]:
    stmt = (select(InitiativeAtPlace.id, Initiative.id, Initiative.name, Initiative.description, Initiative.cost,
                   Organisation.name, MeetingPlace.name, MeetingPlace.street)
            .select_from(InitiativeAtPlace)
            .join(Initiative, Initiative.id == InitiativeAtPlace.initiative_id)
            .join(MeetingPlace, MeetingPlace.id == InitiativeAtPlace.place_id)
            .outerjoin(Organisation, Organisation.id == Initiative.organisation_id))
    terms = select(InitiativeTerm.initiative_id, InitiativeTerm.scheme, InitiativeTerm.code)
    if initiative_ids is not None:
        stmt = stmt.where(InitiativeAtPlace.initiative_id.in_(initiative_ids))  # its index: SQLite scanned every link per chunk
        terms = terms.where(InitiativeTerm.initiative_id.in_(initiative_ids))
    codes: dict = {}
    for initiative_id, scheme, code in connection.execute(terms):
        codes.setdefault(initiative_id, {}).setdefault(scheme, []).append(code)
    rows = []
    for link_id, initiative_id, name, description, cost, org, place, street in connection.execute(stmt):
        rows.append({"location_id": link_id, "initiative_id": initiative_id, "name": _text(name),
                     "body": _text(description, org, place, street),
                     "terms": term_labels(codes.get(initiative_id, {}), cost)})
    return rows


def reindex(connection, initiative_ids=None, chunk: int = 500) -> int:
    """Write the search documents of these initiatives again (all of them when None); the number written."""
    document = SearchDocument.__table__
    written = 0
    if initiative_ids is None:
        connection.execute(delete(document))
        rows = _document_rows(connection, None)
        for start in range(0, len(rows), 2000):
            connection.execute(insert(document), rows[start:start + 2000])
        return len(rows)
    ids = sorted(set(initiative_ids), key=str)
    for start in range(0, len(ids), chunk):
        part = ids[start:start + chunk]
        connection.execute(delete(document).where(document.c.initiative_id.in_(part)))
        rows = _document_rows(connection, part)
        if rows:
            connection.execute(insert(document), rows)
        written += len(rows)
    return written


# ------------------------------------------------------------------ keeping it current

def _pending(session: Session) -> dict:
    return session.info.setdefault(_PENDING, {"initiatives": set(), "organisations": set(), "places": set()})


def mark(session: Session, initiative_ids) -> None:
    """The documents of these initiatives are written again before the commit."""
    _pending(session)["initiatives"].update(initiative_ids)


_WATCHED = (Initiative, InitiativeTerm, InitiativeAtPlace, Organisation, MeetingPlace)


@event.listens_for(Session, "after_flush")
def _note_flushed(session: Session, _context) -> None:
    # session.dirty is worked out anew at every access (a walk over the identity map): asked once,
    # not per object, or a first import of 6,000 rows spent 11 of its 23 s here (quadratic).
    dirty = [obj for obj in session.dirty if isinstance(obj, _WATCHED) and session.is_modified(obj)]
    for obj in chain(session.new, dirty, session.deleted):
        if isinstance(obj, Initiative):
            _pending(session)["initiatives"].add(obj.id)
        elif isinstance(obj, (InitiativeTerm, InitiativeAtPlace)):
            if obj.initiative_id is not None:
                _pending(session)["initiatives"].add(obj.initiative_id)
        elif isinstance(obj, Organisation):
            _pending(session)["organisations"].add(obj.id)
        elif isinstance(obj, MeetingPlace):
            _pending(session)["places"].add(obj.id)


_BULK = {"initiative": "id", "initiative_term": "initiative_id", "initiative_at_place": "initiative_id"}
_CONTENT = {"organisation", "meeting_place", *_BULK}


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state) -> None:
    """Insert statements through the session (the writer's bulk rows) name their initiatives;
    another statement on a listing table makes every document be written again."""
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    name = getattr(getattr(state.statement, "table", None), "name", None)
    if name not in _CONTENT:
        return
    parameters = state.parameters
    rows = parameters if isinstance(parameters, list) else [parameters] if parameters else []
    if state.is_insert and name in _BULK and rows and all(_BULK[name] in row for row in rows):
        mark(state.session, (row[_BULK[name]] for row in rows))
    elif not (state.is_insert and name in ("organisation", "meeting_place")):  # a new one has no listing yet
        _pending(state.session)[_ALL] = True


def sync(session: Session) -> None:
    """Write the pending documents now (in the session's transaction)."""
    # Flush first: the objects of a commit are flushed by the first before_commit listener that
    # flushes, and when this one ran before the others nothing was pending yet, so a listing added
    # through the ORM got no document (whether it did hung on the order the modules were imported).
    session.flush()
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    connection = session.connection()
    if pending.get(_ALL):
        reindex(connection)
        return
    ids = set(pending["initiatives"])
    if pending["organisations"]:
        ids |= set(connection.scalars(select(Initiative.id).where(
            Initiative.organisation_id.in_(list(pending["organisations"])))))
    if pending["places"]:
        ids |= set(connection.scalars(select(InitiativeAtPlace.initiative_id).where(
            InitiativeAtPlace.place_id.in_(list(pending["places"])))))
    if ids:
        reindex(connection, ids)


@event.listens_for(Session, "before_commit")
def _write_before_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # the outer commit writes them
    sync(session)


# ------------------------------------------------------------------ queries

def _synonym_groups() -> list[tuple[list[tuple[str, ...]], list[tuple[str, ...]]]]:
    """(what leads to the group, the group's entries) for each group of taxonomy.SYNONYMS."""
    groups = []
    for group in taxonomy.SYNONYMS:
        entries = [tuple(words(entry)) for entry in group]
        also = [tuple(words(w)) for w, name in taxonomy.SEARCH_ALSO.items() if name == group[0]]
        groups.append((entries + also, entries))
    return groups


def query_words(text: str) -> list[str]:
    """The words of a query that count: single letters only when nothing else is typed."""
    typed = words(text)[:MAX_WORDS]
    return [w for w in typed if len(w) > 1] or typed[:1]


def parse(text: str) -> list[list[tuple[tuple[str, ...], bool]]]:
    """The query as units that must all match; each unit is alternatives (words in a row, prefix?).

    The last word typed always matches as a prefix (the resident may still be typing); the others
    from three letters on (Dutch compounds: "taal" finds "taalcafé"). A run of words that is an
    entry in taxonomy.SYNONYMS is one unit with the group's every entry.
    """
    typed = query_words(text)
    groups = _synonym_groups()
    units, i = [], 0
    while i < len(typed):
        found = None
        for size in (3, 2, 1):
            run = tuple(typed[i:i + size])
            if len(run) == size and (group := next((g for lead, g in groups if run in lead), None)):
                found = (size, group if run in group else [run, *group])
                break
        last = i + (found[0] if found else 1) >= len(typed)
        if found:
            size, group = found
            units.append([(entry, True) for entry in group])
            i += size
        else:
            word = typed[i]
            units.append([((word,), len(word) >= 3 or (last and len(word) == 2))])
            i += 1
    stop = {words(w)[0] for w in taxonomy.SEARCH_STOPWORDS if words(w)}
    kept = [unit for unit in units if not (len(unit) == 1 and len(unit[0][0]) == 1 and unit[0][0][0] in stop)]
    return kept or units


def fts5_expression(units) -> str:
    """A MATCH expression for SQLite FTS5: quoted words only, so no operator can come from the text."""
    def alternative(entry, prefix):
        return '"' + " ".join(entry) + '"' + ("*" if prefix else "")
    return " AND ".join("(" + " OR ".join(alternative(e, p) for e, p in unit) + ")" for unit in units)


def tsquery_expression(units) -> str:
    """A to_tsquery text for PostgreSQL: quoted lexemes, <-> between words in a row, :* for a prefix."""
    def alternative(entry, prefix):
        lexemes = [f"'{w}'" for w in entry]
        if prefix:
            lexemes[-1] += ":*"
        return "(" + " <-> ".join(lexemes) + ")"
    return " & ".join("(" + " | ".join(alternative(e, p) for e, p in unit) + ")" for unit in units)


def hits(text: str, dialect: str):
    """A select of (location_id, rank) for the listings matching `text`, best first when ordered by
    rank ascending; None when the text holds no word (then nothing matches)."""
    units = parse(text)
    if not units:
        return None
    document = SearchDocument.__table__
    if dialect == "postgresql":
        vector = literal_column(f"search_document.{PG_DOCUMENT}")
        tsquery = func.to_tsquery(literal_column("'simple'::regconfig"),
                                  bindparam("search_query", tsquery_expression(units)))
        return (select(document.c.location_id, (-func.ts_rank(vector, tsquery)).label("rank"))
                .where(vector.op("@@")(tsquery)))
    fts = table(FTS_TABLE, column("rowid"))
    return (select(document.c.location_id, func.bm25(literal_column(FTS_TABLE), *WEIGHTS).label("rank"))
            .select_from(fts).join(document, document.c.id == fts.c.rowid)
            .where(literal_column(FTS_TABLE).op("MATCH")(bindparam("search_query", fts5_expression(units)))))


# ------------------------------------------------------------------ did you mean

_VOCABULARY: dict = {}


def vocabulary(connection) -> dict[str, int]:
    """Every indexed word -> the number of documents holding it, cached until the listings change."""
    from ..data_version import current
    token = current().get("listings", "")
    cache_key = (str(connection.engine.url), token)
    if token and cache_key in _VOCABULARY:
        return _VOCABULARY[cache_key]
    if connection.dialect.name == "postgresql":
        rows = connection.exec_driver_sql(
            f"SELECT word, ndoc FROM ts_stat('SELECT {PG_DOCUMENT} FROM search_document')")
    else:
        rows = connection.exec_driver_sql(f"SELECT term, doc FROM {VOCAB_TABLE}")
    found = {word: count for word, count in rows}
    if token:
        _VOCABULARY.clear()  # one data version at a time
        _VOCABULARY[cache_key] = found
    return found


def suggest(connection, text: str, has_results, tries: int = 4) -> str | None:
    """The nearest spelling of `text` whose search has results (`has_results(text) -> bool`), or None.

    Each word not in the index is replaced by its nearest indexed words (rapidfuzz, edit distance
    as a ratio); the combinations are tried best first.
    """
    from rapidfuzz import fuzz, process
    typed = query_words(text)
    if not typed:
        return None
    known = vocabulary(connection)
    if not known:
        return None
    choices = list(known)
    options = []
    for word in typed:
        near = [(word, 100.0)] if word in known or len(word) < 3 else []
        if not near:
            found = process.extract(word, choices, scorer=fuzz.ratio, limit=3, score_cutoff=80)
            near = sorted(((w, score) for w, score, _i in found), key=lambda ws: (-ws[1], -known[ws[0]], ws[0]))
        options.append(near or [(word, 0.0)])
    combos = sorted(product(*options), key=lambda combo: -sum(score for _w, score in combo))
    for combo in combos[:tries]:
        candidate = " ".join(w for w, _s in combo)
        if candidate != " ".join(typed) and has_results(candidate):
            return candidate
    return None
