"""Helpers for importer tests: run a CLI command and count what is in the database."""
from __future__ import annotations

from sqlalchemy import func, select


def run_cli(app, *args):
    result = app.test_cli_runner(mix_stderr=False).invoke(args=list(args)) if _supports_mix() else \
        app.test_cli_runner().invoke(args=list(args))
    return result


def _supports_mix() -> bool:
    import inspect
    from click.testing import CliRunner
    return "mix_stderr" in inspect.signature(CliRunner.__init__).parameters


def output(result) -> str:
    text = result.output or ""
    try:
        text += result.stderr or ""
    except ValueError:
        pass
    return text


def counts(db) -> dict[str, int]:
    from community import models
    names = ("Area", "IndicatorValue", "Organisation", "Initiative", "MeetingPlace", "Schedule",
             "InitiativeAtPlace", "AddressPoint", "PlaceArea")
    return {n: db.session.scalar(select(func.count()).select_from(getattr(models, n))) for n in names}


def assert_refused(app, db, args, *expected) -> str:
    """The command fails, names every expected fragment, and leaves the database as it was."""
    before = counts(db)
    result = run_cli(app, *args)
    text = output(result)
    assert result.exit_code != 0, text
    for fragment in expected:
        assert fragment in text, text
    assert "Nothing was imported" in text
    assert counts(db) == before
    return text
