"""Residents' 'outdated information' reports: stored with the message only."""
from __future__ import annotations

from ..extensions import db
from ..models import Initiative, MeetingPlace, OutdatedReport
from .activities import EMAIL_PATTERN, PHONE_PATTERN


def scrub(message: str) -> str:
    """A resident may type contact details by mistake; we do not keep them. Times and dates
    ("10.00 - 12.00", "01/09/2025") have fewer than 9 digits and stay: they are what changed."""
    return PHONE_PATTERN.sub("[…]", EMAIL_PATTERN.sub("[…]", message)).strip()


def report_outdated(target: Initiative | MeetingPlace, message: str) -> OutdatedReport:
    report = OutdatedReport(message=scrub(message))
    if isinstance(target, Initiative):
        report.initiative_id = target.id
    else:
        report.place_id = target.id
    db.session.add(report)
    db.session.commit()
    return report
