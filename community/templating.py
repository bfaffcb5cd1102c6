"""Template helpers: taxonomy labels in the reader's language, dates, and the demo notice."""
from __future__ import annotations

from flask import Flask, request
from flask_babel import format_date, format_datetime, get_locale

from . import taxonomy


def current_locale() -> str:
    return str(get_locale() or "nl")


def label(vocabulary: str, code) -> str:
    return taxonomy.ALL[vocabulary].label(str(code), current_locale())


def url_with(**changes) -> str:
    """The current URL with some query parameters changed (None removes one)."""
    args = request.args.to_dict(flat=False)
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = value if isinstance(value, list) else [value]
    from urllib.parse import urlencode
    query = urlencode([(k, v) for k, vs in args.items() for v in vs])
    return request.path + ("?" + query if query else "")


def describe_schedule(schedule) -> str:
    from .scheduling import describe
    return describe(schedule.recurrence(), current_locale())


def _by_weekday(listings):
    from .services.public import by_weekday
    return by_weekday(listings)


def has_demo_data() -> bool:
    from sqlalchemy import select
    from .extensions import db
    from .models import Organisation
    return db.session.scalar(select(Organisation.id).where(Organisation.is_demo.is_(True)).limit(1)) is not None


def filter_label(name: str) -> str:
    from flask_babel import gettext
    # The msgids are listed literally so that extraction finds them.
    labels = {
        "text": gettext("search text"), "model": gettext("kind of offer"), "group": gettext("for whom"),
        "function": gettext("what it does for you"), "language": gettext("language"), "cost": gettext("price"),
        "childcare": gettext("children welcome"), "wheelchair": gettext("wheelchair accessible"),
        "noreg": gettext("no registration"), "day": gettext("day"), "part": gettext("part of the day"),
        "when": gettext("on now / this week"), "district": gettext("neighbourhood"), "near": gettext("near"),
    }
    return labels.get(name, name)


def now_local():
    from datetime import datetime
    from .scheduling import TZ
    return datetime.now(TZ)


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.globals.update(
        label=label, taxonomy=taxonomy, current_locale=current_locale, url_with=url_with,
        format_date=format_date, format_datetime=format_datetime, describe_schedule=describe_schedule,
        filter_label=filter_label, now_local=now_local, by_weekday=_by_weekday,
    )

    @app.context_processor
    def demo_flag():
        return {"has_demo_data": has_demo_data()}
