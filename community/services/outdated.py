"""Residents' 'outdated information' reports: stored with the message only."""
from __future__ import annotations

import re

from ..extensions import db
from ..models import Initiative, MeetingPlace, OutdatedReport

# A resident may type contact details by mistake; we do not keep them.
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
PHONE = re.compile(r"(?:\+|00)?\d[\d ./-]{7,}\d")


def scrub(message: str) -> str:
    return PHONE.sub("[…]", EMAIL.sub("[…]", message)).strip()


def report_outdated(target: Initiative | MeetingPlace, message: str) -> OutdatedReport:
    report = OutdatedReport(message=scrub(message))
    if isinstance(target, Initiative):
        report.initiative_id = target.id
    else:
        report.place_id = target.id
    db.session.add(report)
    db.session.commit()
    return report
