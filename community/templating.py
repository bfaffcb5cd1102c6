"""Template helpers: labels and dates in the reader's language (from `i18n`), URLs, the demo notice.

The template layer: nothing in services/ imports it.
"""
from __future__ import annotations

from flask import Flask, request
from markupsafe import Markup
from flask_babel import format_date, format_datetime, format_decimal
from flask_babel import gettext as _

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


def _by_weekday(listings, query=None):
    from .services.public import by_weekday
    return by_weekday(listings, day=query.day if query else None, part=(query.part or None) if query else None)


def schedule_period(target):
    from .services.public import period_of
    return period_of(target)


def contact_parts(text):
    from .services.public import contact_parts as parts
    return parts(text)


def route_uri(place):
    from .services.public import route_uri as uri
    return uri(place)


def describe_rhythm(schedule) -> str:
    from .scheduling import describe_rhythm as rhythm
    return rhythm(schedule.recurrence(), current_locale())


def filters_used(query, location=None) -> list[str]:
    """The finder's filters in words for a printed guide ("price: Free", "day: Wednesday", ...),
    always in the same order."""
    from .services.areas import district_label
    from .services.finder import MULTI_PARAMS
    words = []
    if query.text:
        words.append(f"{filter_label('text')}: “{query.text}”")
    for name, vocabulary in MULTI_PARAMS.items():
        codes = getattr(query, name)
        if codes:
            words.append(f"{filter_label(name)}: " + ", ".join(label(vocabulary.name, code) for code in codes))
    if query.cost:
        words.append(f"{filter_label('cost')}: " + (_("Free") if query.cost == "free" else _("Free or social tariff")))
    words += [filter_label(name) for name in ("childcare", "wheelchair", "noreg") if getattr(query, name)]
    if query.day is not None:
        words.append(f"{filter_label('day')}: {label('weekday', query.day)}")
    if query.part:
        words.append(f"{filter_label('part')}: {label('part_of_day', query.part)}")
    if query.when:
        words.append(_("On now") if query.when == "now" else _("This week"))
    if query.district:
        words.append(f"{filter_label('district')}: {district_label(query.district)}")
    if query.near:
        place = location.label if location is not None else query.near
        words.append(_("within %(distance)s of %(place)s", distance=radius_text(query.radius), place=place))
    return words


def qr_code(url: str) -> Markup:
    # Markup: the SVG is segno's drawing of the modules, numbers only (services/public.qr_svg).
    from .services.public import qr_svg
    return Markup(qr_svg(url))


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
        describe_rhythm=describe_rhythm, filters_used=filters_used, qr_code=qr_code,
    )

    @app.context_processor
    def demo_flag():
        return {"has_demo_data": has_demo_data()}
