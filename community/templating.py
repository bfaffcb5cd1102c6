"""Template helpers: labels and dates in the reader's language (from `i18n`), URLs, the demo notice.

The template layer: nothing in services/ imports it.
"""
from __future__ import annotations

from flask import Flask, request
from flask_babel import format_date, format_datetime, format_decimal

from . import taxonomy
from .i18n import current_locale, filter_label, label


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


def radius_text(metres: int) -> str:
    """A search radius as people say it: "500 m", "1 km", "2,5 km" (in the reader's language)."""
    if metres < 1000:
        return f"{metres}\u00a0m"
    return f"{format_decimal(round(metres / 1000, 1))}\u00a0km"


def describe_schedule(schedule) -> str:
    from .scheduling import describe
    return describe(schedule.recurrence(), current_locale())


def _by_weekday(listings):
    from .services.public import by_weekday
    return by_weekday(listings)


def schedule_period(target):
    from .services.public import period_of
    return period_of(target)


def contact_parts(text):
    from .services.public import contact_parts as parts
    return parts(text)


def route_uri(place):
    from .services.public import route_uri as uri
    return uri(place)


def has_demo_data() -> bool:
    from sqlalchemy import select
    from .extensions import db
    from .models import Organisation
    return db.session.scalar(select(Organisation.id).where(Organisation.is_demo.is_(True)).limit(1)) is not None


def now_local():
    from datetime import datetime
    from .scheduling import TZ
    return datetime.now(TZ)


def base_map() -> dict:
    from .maps import base_map as config
    return config()


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.globals.update(
        base_map=base_map,
        label=label, taxonomy=taxonomy, current_locale=current_locale, url_with=url_with,
        format_date=format_date, format_datetime=format_datetime, describe_schedule=describe_schedule,
        filter_label=filter_label, now_local=now_local, by_weekday=_by_weekday, radius_text=radius_text,
        schedule_period=schedule_period, contact_parts=contact_parts, route_uri=route_uri,
    )

    @app.context_processor
    def demo_flag():
        return {"has_demo_data": has_demo_data()}
