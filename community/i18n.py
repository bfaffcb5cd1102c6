"""The reader's language and the labels in it, for every layer (services, forms, templates).

Services and forms import these from here, never from the template layer (`templating.py`
registers them as template globals and imports from here too).
"""
from __future__ import annotations

from flask import current_app, request
from flask_babel import get_locale, gettext

from . import taxonomy


LANGUAGE_COOKIE = "lang"
LANGUAGE_COOKIE_DAYS = 365


def set_language_cookie(response, code: str):
    """A functional preference cookie, not tracking: it holds only the language."""
    response.set_cookie(LANGUAGE_COOKIE, code, max_age=LANGUAGE_COOKIE_DAYS * 24 * 3600, samesite="Lax",
                        httponly=True)
    return response


def remember_chosen_language(response):
    """A link with ?lang=fr keeps French on the next click: the choice goes into the cookie."""
    wanted = request.args.get("lang")
    if wanted in current_app.config["LANGUAGES"] and request.cookies.get(LANGUAGE_COOKIE) != wanted:
        set_language_cookie(response, wanted)
    return response


def current_locale() -> str:
    return str(get_locale() or "nl")


def label(vocabulary: str, code) -> str:
    """A taxonomy term's label in the reader's language."""
    return taxonomy.ALL[vocabulary].label(str(code), current_locale())


def filter_label(name: str) -> str:
    """What a finder URL parameter is called for people."""
    # The msgids are listed literally so that extraction finds them.
    labels = {
        "text": gettext("search text"), "model": gettext("kind of offer"), "group": gettext("for whom"),
        "function": gettext("what it does for you"), "language": gettext("language"), "cost": gettext("price"),
        "childcare": gettext("children welcome"), "wheelchair": gettext("wheelchair accessible"),
        "noreg": gettext("no registration"), "day": gettext("day"), "part": gettext("part of the day"),
        "when": gettext("on now / this week"), "district": gettext("neighbourhood"), "near": gettext("near"),
    }
    return labels.get(name, name)
