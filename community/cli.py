"""`flask --app community ...` commands: importers, demo data and user administration."""
from __future__ import annotations

import sys
from contextlib import contextmanager

import click
from flask import Flask
from flask.cli import with_appcontext

from .extensions import db
from .importers.common import ImportFailed, Progress


class BarProgress(Progress):
    """A click progress bar on stderr, so piped output stays clean."""

    def __init__(self):
        self.bar = None

    def start(self, total: int, label: str = "") -> None:
        self.finish()
        self.bar = click.progressbar(length=max(total, 1), label=label, file=sys.stderr,
                                     show_pos=True, show_percent=True)
        self.bar.__enter__()

    def advance(self, steps: int = 1) -> None:
        if self.bar is not None:
            self.bar.update(steps)

    def finish(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


@contextmanager
def one_transaction(dry_run: bool):
    """Commit everything or nothing; a dry run always rolls back."""
    progress = BarProgress()
    try:
        yield progress
        progress.finish()
        if dry_run:
            db.session.rollback()
        else:
            db.session.commit()
    except ImportFailed as exc:
        progress.finish()
        db.session.rollback()
        for problem in exc.problems:
            click.echo(problem, err=True)
        click.echo("Nothing was imported.", err=True)
        sys.exit(1)
    except BaseException:
        progress.finish()
        db.session.rollback()
        raise


def echo_summary(summary) -> None:
    for line in summary.lines():
        click.echo(line)


dry_run_option = click.option("--dry-run", is_flag=True, help="Check the file; write nothing.")


@click.command("import-areas")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--level", required=True, type=click.Choice(["municipality", "district", "sector"]))
@click.option("--code-field", help="Column with the area code (default: code).")
@click.option("--name-field", help="Column with the area name (default: name).")
@click.option("--parent-level", type=click.Choice(["municipality", "district"]),
              help="Link each area to the area of this level it lies in.")
@click.option("--parent-field", help="Column with the parent area's code (instead of by location).")
@click.option("--crs", help="Coordinate system when the file has none, e.g. EPSG:31370.")
@click.option("--where", multiple=True, metavar="FIELD=PREFIX",
              help="Only features whose FIELD starts with PREFIX, e.g. code=44021W.")
@click.option("--source", default="", help="Where the data comes from (stored per area).")
@click.option("--licence", default="", help="The data's licence and attribution.")
@dry_run_option
@with_appcontext
def import_areas_command(file, level, code_field, name_field, parent_level, parent_field, crs,
                         where, source, licence, dry_run):
    """Import area boundaries (GeoJSON, GeoPackage, zipped Shapefile, CSV) at one level."""
    from .importers.areas import import_areas
    conditions = {}
    for item in where:
        if "=" not in item:
            raise click.BadParameter(f"{item!r} is not FIELD=PREFIX", param_hint="--where")
        field, prefix = item.split("=", 1)
        conditions[field] = prefix
    with one_transaction(dry_run) as progress:
        summary = import_areas(file, level=level, code_field=code_field, name_field=name_field,
                               parent_level=parent_level, parent_field=parent_field, crs=crs,
                               where=conditions or None, source=source, licence=licence,
                               progress=progress, dry_run=dry_run)
    echo_summary(summary)


@click.command("import-indicators")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--level", required=True, type=click.Choice(["municipality", "district", "sector"]))
@click.option("--source", default="", help="Source to store with each value.")
@dry_run_option
@with_appcontext
def import_indicators_command(file, level, source, dry_run):
    """Import indicator values per area from CSV (long or one column per indicator)."""
    from .importers.indicators import import_indicators
    with one_transaction(dry_run) as progress:
        summary = import_indicators(file, level=level, source=source, progress=progress,
                                    dry_run=dry_run)
    echo_summary(summary)


@click.command("import-listings")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--crs", help="Coordinate system of x/y columns, e.g. EPSG:31370 (default: detected).")
@dry_run_option
@with_appcontext
def import_listings_command(file, crs, dry_run):
    """Import organisations, initiatives and meeting places from CSV or GeoJSON."""
    from .importers.listings import import_listings
    with one_transaction(dry_run) as progress:
        summary = import_listings(file, crs=crs, progress=progress, dry_run=dry_run)
    echo_summary(summary)


@click.command("export-listings")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--delimiter", default=";", type=click.Choice([";", ","]), help="Column separator (default ;).")
@with_appcontext
def export_listings_command(file, delimiter):
    """Write every listing to a CSV file in the import format (import-listings reads it back)."""
    from .services.listing_export import write_csv
    with open(file, "w", encoding="utf-8-sig", newline="") as handle:
        count = write_csv(handle, delimiter)
    click.echo(f"{count} rows written to {file}.")


@click.command("import-addresses")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--crs", help="Coordinate system of x/y columns (default: detected).")
@dry_run_option
@with_appcontext
def import_addresses_command(file, crs, dry_run):
    """Import address points (CSV or GeoJSON) for looking up places near a typed address."""
    from .importers.addresses import import_addresses
    with one_transaction(dry_run) as progress:
        summary = import_addresses(file, crs=crs, progress=progress, dry_run=dry_run)
    echo_summary(summary)


@click.command("load-demo")
@with_appcontext
def load_demo_command():
    """Load the demo district (Ghent's 25 wijken) with fictional listings. Safe to run again."""
    from .demo import load_demo
    with one_transaction(False) as progress:
        summaries = load_demo(progress=progress)
    for summary in summaries:
        echo_summary(summary)


@click.command("coverage")
@click.option("--level", default="district", show_default=True,
              type=click.Choice(["municipality", "district", "sector"]))
@click.option("--method", default="2sfca", show_default=True,
              type=click.Choice(["2sfca", "e2sfca", "cumulative", "nearest"]))
@click.option("--distance", default=800, show_default=True, type=click.IntRange(100, 5000),
              help="Walking distance in metres.")
@click.option("--period", default=90, show_default=True, type=click.IntRange(7, 730),
              help="Days of activity log to count.")
@click.option("--weight", "weights", multiple=True, metavar="INDICATOR=WEIGHT",
              help="Weight of a need indicator, e.g. deprivation_index=0.5 (repeatable).")
@click.option("--out", required=True, type=click.Path(dir_okay=False, writable=True),
              help="FILE.csv or FILE.geojson")
@click.option("--lang", default="nl", show_default=True, type=click.Choice(["nl", "fr", "en"]),
              help="Language of the blind-spot sentences.")
@with_appcontext
def coverage_command(level, method, distance, period, weights, out, lang):
    """Compute the coverage review per area and write every measure to CSV or GeoJSON."""
    import json
    from flask import current_app
    from .services.coverage import cache, exports, parameters
    from .services.spreadsheet import records_csv
    if not out.lower().endswith((".csv", ".geojson", ".json")):
        raise click.BadParameter("give a file name ending in .csv or .geojson", param_hint="--out")
    chosen = dict(parameters.DEFAULT_WEIGHTS)
    for item in weights:
        name, _, value = item.partition("=")
        if name not in chosen:
            raise click.BadParameter(f"{name!r} is not one of {', '.join(chosen)}", param_hint="--weight")
        try:
            chosen[name] = float(value)
        except ValueError:
            raise click.BadParameter(f"{value!r} is not a number", param_hint="--weight") from None
        if not 0 <= chosen[name] <= 10:
            raise click.BadParameter(f"the weight of {name} must be from 0 to 10", param_hint="--weight")
    if not any(v > 0 for v in chosen.values()):
        raise click.BadParameter("at least one weight must be above 0", param_hint="--weight")
    params = parameters.ReviewParams(level=level, method=method, distance=distance, period=period,
                                     weights=tuple(sorted(chosen.items())))
    progress = BarProgress()
    # The sentences are translated like on the pages, which pick the language per request.
    with current_app.test_request_context(f"/?lang={lang}"):
        try:
            result = cache.compute(params, progress=progress)
        finally:
            progress.finish()
        if out.lower().endswith(".csv"):
            text = records_csv(exports.export_records(result, level))
        else:
            text = json.dumps(exports.export_geojson(result, level), ensure_ascii=False)
    with open(out, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)
    ranked = result.level(level)
    click.echo(f"{len(ranked)} {level} areas written to {out} ({method}, {distance} m).")


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False))
@with_appcontext
def backup_command(file):
    """Write a consistent backup of the database to FILE, also while the site is writing."""
    from . import backup
    try:
        backup.backup(db.engine, file)
    except backup.BackupFailed as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    click.echo(f"Backup of the {db.engine.dialect.name} database written to {file}.")


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, exists=True))
@click.option("--force", is_flag=True, help="Replace a database that already holds data.")
@with_appcontext
def restore_command(file, force):
    """Restore a backup made by `backup` into an empty database (stop the site first)."""
    from . import backup
    try:
        backup.restore(db.engine, file, force=force)
    except backup.BackupFailed as exc:
        click.echo(str(exc), err=True)
        click.echo("Nothing was restored.", err=True)
        sys.exit(1)
    counts = backup.row_counts(db.engine)
    click.echo(f"Restored {sum(counts.values())} rows in {len(counts)} tables from {file}.")
    click.echo("Run `flask --app community db upgrade` if the backup is from an older version.")


@click.command("refresh-next-sessions")
@with_appcontext
def refresh_next_sessions_command():
    """Store again the next session of every link whose stored one has passed (for cron; the
    finder also starts this in the background every few minutes)."""
    from .services.next_sessions import refresh
    with db.engine.begin() as connection:
        written = refresh(connection)
    click.echo(f"{written} links' next sessions stored")


def register_cli(app: Flask) -> None:
    for command in (import_areas_command, import_indicators_command, import_listings_command,
                    import_addresses_command, load_demo_command, coverage_command, export_listings_command,
                    backup_command, restore_command, refresh_next_sessions_command):
        app.cli.add_command(command)
    from .work.cli import create_user_command
    app.cli.add_command(create_user_command)
