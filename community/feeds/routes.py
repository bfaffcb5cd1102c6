"""The secret-token ICS feed: outside the workspace blueprint because calendar apps cannot log in."""
from __future__ import annotations

from flask import Blueprint, Response

from ..errors import NotFound
from ..services import calendar_feeds

# The same /work/... path as when the feed lived in the workspace, so subscriptions keep working.
bp = Blueprint("feeds", __name__, url_prefix="/work")


@bp.get("/calendar/<token>.ics")
def feed(token: str):
    """The secret feed URL: no login, the token is the key."""
    found = calendar_feeds.feed_activities(token)
    if found is None:
        raise NotFound()
    name, items = found
    response = Response(calendar_feeds.to_ics(name, items), content_type="text/calendar; charset=utf-8")
    response.headers["Cache-Control"] = "private, max-age=300"
    response.headers["X-Robots-Tag"] = "noindex"
    return response
