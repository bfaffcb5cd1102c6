"""The role x action matrix's roles and how each route refuses a role (shared by the read and the
write matrix, tests/community/test_work_matrix*.py).

Roles: anonymous (residents need no account), a worker inside district D1 and one outside it (D2),
the editor of O1 (this organisation) and of O2 (another), the municipality's coordinator, an admin.
The target records (A1, I1, P1, O1, report, change request, worker_in's account and calendar link)
all lie in D1 / belong to O1 / to worker_in; A2 lies in D2.

Anonymous visitors are not refused but sent to the login page (302 to /login?next=): that is
authentication. A logged-in user without the right is refused with the route's status below.
"""
from __future__ import annotations

from dataclasses import dataclass

ROLES = ("anonymous", "worker_in", "worker_out", "editor_this", "editor_other", "coordinator", "admin")
STAFF = frozenset(ROLES) - {"anonymous"}
WORKERS = frozenset({"worker_in", "worker_out", "coordinator", "admin"})
IN = frozenset({"worker_in", "coordinator", "admin"})
OUT = frozenset({"worker_out", "coordinator", "admin"})
MANAGERS = frozenset({"coordinator", "admin"})


@dataclass(frozen=True)
class Refusal:
    """How a route refuses a logged-in user: 403, or 404 where the record's existence is private
    (community/services/permissions.py PRIVATE_RECORDS names those records)."""

    status: int
    reason: str
    record: str | None = None  # the private record's kind, for a 404


PAGE = Refusal(403, "a page of the workspace, not a record: nothing to hide about its existence")
LISTING = Refusal(403, "listings are published on the public site: their existence is no secret")
ACTIVITY = Refusal(403, "activities share rooms across districts (room clashes show them to any worker)")
PROPOSAL = Refusal(403, "a proposal or report is about a listing, whose existence is public")
ACCOUNT = Refusal(404, "an account is personal data: only those who manage it learn that it exists", "user")
FEED = Refusal(404, "a calendar link is its owner's secret: nobody else learns that it exists", "feed")


def route_id(method: str, template: str) -> str:
    """'/work/activities/{a1}' -> 'GET /work/activities/<a1>' (the test id names the route)."""
    return f"{method} " + template.replace("{", "<").replace("}", ">")
