"""`flask --app community create-user ...`: accounts from the command line (and scripts)."""
from __future__ import annotations

import os
import sys

import click
from flask.cli import with_appcontext

from ..models.user import ROLES

PASSWORD_ENV = "BUURTKRACHT_USER_PASSWORD"


@click.command("create-user")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--area", "areas", multiple=True, metavar="CODE",
              help="Area code a worker or coordinator works in (repeat for several), e.g. 44021W04.")
@click.option("--organisation", metavar="ID", help="Organisation id or external id (organisation editors).")
@click.option("--password-env", default=PASSWORD_ENV, show_default=True, metavar="NAME",
              help="Environment variable to read the password from; asked at the prompt when unset.")
@with_appcontext
def create_user_command(email, role, areas, organisation, password_env):
    """Create an account for a worker, organisation editor, coordinator or admin."""
    from ..extensions import db
    from ..services import accounts
    from ..errors import Invalid
    organisation_id = None
    if organisation:
        found = accounts.find_organisation(organisation)
        if found is None:
            click.echo(f"organisation: no organisation with id or external id {organisation!r}", err=True)
            sys.exit(1)
        organisation_id = found.id
    password = os.environ.get(password_env) or click.prompt(
        "Password", hide_input=True, confirmation_prompt=True)
    from flask import current_app
    try:
        # Messages are translated like on the pages, which pick the language per request.
        with current_app.test_request_context("/?lang=en"):
            user = accounts.create_user(email, role, password, areas, organisation_id)
        db.session.commit()
    except Invalid as problem:
        db.session.rollback()
        for name, message in (problem.errors or {"": problem.message}).items():
            click.echo(f"{name}: {message}" if name else message, err=True)
        click.echo("No account was created.", err=True)
        sys.exit(1)
    click.echo(f"Created {user.role} {user.email}"
               + (f" for {', '.join(areas)}" if areas else "")
               + (f" of organisation {organisation}" if organisation else "") + ".")
