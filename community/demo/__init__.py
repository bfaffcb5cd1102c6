"""The demo district: Ghent's 25 wijken, generated sectors, indicators and fictional listings."""
from __future__ import annotations

import json
from pathlib import Path

from ..importers.addresses import import_addresses
from ..importers.areas import import_areas
from ..importers.common import ImportFailed, ImportSummary, Progress, no_progress
from ..importers.indicators import import_indicators
from ..fields import INITIATIVE
from ..services.schedules import recurrence_from
from ..services.writer import ListingWriter

DATA = Path(__file__).resolve().parent / "data"
LISTINGS = Path(__file__).resolve().parent / "listings.json"
WIJKEN_LICENCE = ("Modellicentie Gratis Hergebruik v1.0. Wijken voor omgevingsanalyse. © gemeentebesturen, "
                  "verzameld door Data & Analyse van de Vlaamse provincies")
WIJKEN_SOURCE = "provinciesincijfers/gebiedsniveaus, ggw7 (wijken 2025)"


def load_demo(progress: Progress = no_progress) -> list[ImportSummary]:
    """Load (or refresh) everything; running it twice changes nothing the second time."""
    summaries = [
        import_areas(DATA / "municipality_gent.geojson", level="municipality", generated=True,
                     demo=True, source="union of Ghent's 25 wijken (" + WIJKEN_SOURCE + ")",
                     licence=WIJKEN_LICENCE, progress=progress),
        import_areas(DATA / "wijken_gent.geojson", level="district", parent_level="municipality",
                     source=WIJKEN_SOURCE, licence=WIJKEN_LICENCE, progress=progress),
        import_areas(DATA / "sectors_generated.geojson", level="sector", parent_field="parent_code",
                     parent_level="district", generated=True, demo=True,
                     source="generated for the demo by splitting each wijk; not Statbel sectors",
                     licence=WIJKEN_LICENCE, progress=progress),
        import_indicators(DATA / "indicators_district.csv", level="district", progress=progress),
        import_indicators(DATA / "indicators_district_demo.csv", level="district", demo=True,
                          source="demo: generated", progress=progress),
        import_indicators(DATA / "indicators_sector_demo.csv", level="sector", demo=True,
                          source="demo: generated", progress=progress),
        load_demo_listings(progress=progress),
        import_addresses(DATA / "addresses_gent.csv.gz", progress=progress),
    ]
    from .activities import load_demo_workspace
    summaries.append(load_demo_workspace(progress=progress))
    return summaries


def load_demo_listings(path: Path = LISTINGS, progress: Progress = no_progress) -> ImportSummary:
    doc = json.loads(path.read_text(encoding="utf-8"))
    writer = ListingWriter(demo=True)
    orgs, places = {}, {}
    progress.start(len(doc["initiatives"]), "demo listings")
    for item in doc["organisations"]:
        orgs[item["external_id"]] = writer.organisation(item)
    for item in doc["meeting_places"]:
        places[item["external_id"]] = writer.place({k: v for k, v in item.items() if k != "wijk"})
    problems = []
    for item in doc["initiatives"]:
        values = {f.name: f.clean(item.get(f.name)) for f in INITIATIVE.column_fields}
        values["external_id"] = item["external_id"]
        codes = {f.scheme: item[f.name] for f in INITIATIVE.term_fields}
        initiative = writer.initiative(orgs[item["organisation"]], values, codes)
        for link in item["places"]:
            rules = []
            for spec in link["schedules"]:
                rule = recurrence_from(spec)
                problems += [f"{item['external_id']}: {p}" for p in rule.validate()]
                rules.append((rule, spec.get("note") or ""))
            writer.held_at(initiative, places[link["place"]], rules)
        progress.advance()
    if problems:
        raise ImportFailed(problems)
    writer.finish()
    total = len(doc["organisations"]) + len(doc["meeting_places"]) + len(doc["initiatives"])
    created, updated = sum(writer.created.values()), sum(writer.updated.values())
    summary = ImportSummary(what="demo listings", created=created, updated=updated,
                            unchanged=total - created - updated)
    summary.notes.append(f"{len(doc['organisations'])} organisations, {len(doc['meeting_places'])} "
                         f"meeting places, {len(doc['initiatives'])} initiatives (fictional)")
    return summary
