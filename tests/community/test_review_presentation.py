"""Review text for people: numbers through Babel in the page's locale, settings read from the config."""
from __future__ import annotations

import math
from contextlib import contextmanager

from flask_babel import refresh

from community.services.coverage.presentation import (blind_spot_text, format_access, format_value, norm_label,
                                                      number, percent)


@contextmanager
def page(app, lang: str):
    """A request in ``lang`` (the test holds one app context, where Flask-Babel keeps the locale it chose)."""
    with app.test_request_context(f"/?lang={lang}"):
        refresh()
        yield


def test_numbers_in_dutch_have_a_decimal_comma_and_a_grouping_dot(app):
    with page(app, "nl"):
        assert format_value("need_index", 1.5) == "1,50"
        assert format_value("share_within", 0.425) == "42,5%"
        assert format_value("nearest_m", 1234.4) == "1.234 m"
        assert format_value("activities_per_1000", 2.25) == "2,2"  # half to even, like round()
        assert format_value("gap", 0.0123).startswith("+1,2 ")
        assert format_value("gap", -0.0123).startswith("-1,2 ")
        assert format_access("2sfca", 0.00125) == "1,25"
        assert format_access("cumulative", 2.0) == "2,0"
        assert percent(0.425) == "42%" and number(15000) == "15.000"
        assert norm_label({"code": "local_service_centre", "per_inhabitants": 15000}).count("15.000") == 1


def test_numbers_in_french_and_english(app):
    with page(app, "fr"):
        assert percent(0.425) == "42\u00a0%"
        assert format_value("need_index", 1.5) == "1,50"
        assert format_value("nearest_m", 1234.4) == "1\u202f234 m"
    with page(app, "en"):
        assert percent(0.425) == "42%"
        assert format_value("need_index", 1.5) == "1.50"
        assert format_value("nearest_m", 1234.4) == "1,234 m"


def test_missing_numbers_say_so(app):
    with page(app, "en"):
        assert format_value("need_index", math.nan) == "no data"
        assert format_value("nearest_m", math.inf) == "no offer"
        assert format_access("nearest", math.inf) == "no offer"
        assert percent(None) == "no data" and number(math.nan) == "no data"


def test_blind_spot_sentences_write_numbers_in_the_locale(app):
    elderly = {"group": "elderly", "ratio": 1.46, "group_share": 0.281, "share": 0.2}
    with page(app, "nl"):
        sentence = blind_spot_text("group_without_offer", elderly, 1200)
        assert "1,5" in sentence and "28%" in sentence and "20%" in sentence and "1.200 m" in sentence
    with page(app, "en"):
        sentence = blind_spot_text("group_without_offer", elderly, 1200)
        assert "1.5 times the average" in sentence and "within 1,200 m" in sentence
        assert blind_spot_text("few_models", {"count": 2}, 800).startswith(
            "Little variety: only 2 of the 7 working models are within reach")


def test_the_stale_period_in_sentences_comes_from_the_config(app):
    with page(app, "en"):
        assert "checked in the last 12 months:" in blind_spot_text("stale", {"share": 0.3}, 800)
        app.config["BUURTKRACHT_STALE_MONTHS"] = 6
        assert "checked in the last 6 months:" in blind_spot_text("stale", {"share": 0.3}, 800)
        app.config["BUURTKRACHT_STALE_MONTHS"] = 1
        assert "checked in the last 1 month:" in blind_spot_text("stale", {"share": 0.3}, 800)
