"""Accounts: creating and changing users, logging in with throttling, passwords and reset links."""
from __future__ import annotations

import hashlib
import secrets
import smtplib
import uuid
from datetime import timedelta
from functools import lru_cache
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext as _
from flask_mailman import EmailMessage
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from ..config import setting
from ..errors import Invalid, NotFound
from ..extensions import db, mail
from ..models import Area, Organisation, User, UserArea
from ..models.types import utcnow
from ..models.user import ROLES
from . import audit, sessions
from .permissions import can_manage_user, organisation_scope_of_user, refuse, require

MIN_PASSWORD_LENGTH = 10
RESET_VALID_FOR = timedelta(hours=48)
# Checked against when an e-mail address is unknown, so a wrong address takes as long as a
# wrong password and response times do not reveal which addresses have accounts.
_DUMMY_HASH = generate_password_hash("not a real password", method="scrypt")


Throttled = sessions.Throttled  # raised by authenticate; the rules are in services/sessions.py


def hash_password(password: str) -> str:
    return generate_password_hash(password, method="scrypt")


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    """The 30,000 most used passwords of zxcvbn's list (leaks, lower case)."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS
    return frozenset(FREQUENCY_LISTS["passwords"])


def password_problem(password: str) -> str | None:
    """ASVS 5 (L2) password rules: long enough, not one repeated character or only spaces, and
    not one of the passwords attackers try first."""
    password = password or ""
    if len(password) < MIN_PASSWORD_LENGTH:
        return _("The password must have at least %(n)s characters.", n=MIN_PASSWORD_LENGTH)
    if len(set(password)) == 1 or not password.strip():
        return _("The password cannot be one character repeated or only spaces.")
    if password.lower() in _common_passwords() or password.strip().lower() in _common_passwords():
        return _("This password is on the lists attackers try first. Choose another one.")
    return None


def email_problem(email: str) -> str | None:
    """An address as the e-mail standards allow it (email-validator; no DNS look-up)."""
    from email_validator import EmailNotValidError, validate_email
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        return _("Enter an e-mail address like name@example.org.")
    return None


def safe_next(target: str | None, default: str = "/work/") -> str:
    """Only a path on this site: never another host, scheme or protocol-relative URL."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    if any(ord(c) < 32 or ord(c) == 127 for c in target):
        # Browsers drop tabs and newlines: "/\t/evil.example" would become "//evil.example".
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


# ------------------------------------------------------------------ users

def _areas_by_code(codes) -> list[Area]:
    codes = [c.strip() for c in codes if c and c.strip()]
    found = {a.code: a for a in db.session.scalars(select(Area).where(Area.code.in_(codes)))}
    missing = [c for c in codes if c not in found]
    if missing:
        raise Invalid({"areas": _("Unknown area code: %(codes)s.", codes=", ".join(missing))})
    return [found[c] for c in codes]


def find_organisation(reference: str) -> Organisation | None:
    """An organisation by id or external id (the command line accepts either)."""
    try:
        found = db.session.get(Organisation, uuid.UUID(str(reference)))
        if found:
            return found
    except ValueError:
        pass
    return db.session.scalar(select(Organisation).where(Organisation.external_id == reference))


def _check_role_needs(role: str, areas: list, organisation_id) -> None:
    if role not in ROLES:
        raise Invalid({"role": _("Choose one of the roles: %(roles)s.", roles=", ".join(ROLES))})
    if role in ("worker", "coordinator") and not areas:
        raise Invalid({"areas": _("A worker or coordinator needs at least one area to work in.")})
    if role == "editor" and organisation_id is None:
        raise Invalid({"organisation": _("An organisation editor needs an organisation.")})
    if role == "editor" and db.session.get(Organisation, organisation_id) is None:
        raise Invalid({"organisation": _("Choose an organisation from the list.")})


def create_user(email: str, role: str, password: str, area_codes=(), organisation_id=None,
                *, by=None, demo: bool = False) -> User:
    """Create an account. `by` is the coordinator or admin doing it (None: the command line)."""
    email = normalise_email(email)
    problem = email_problem(email)
    if problem:
        raise Invalid({"email": problem})
    if db.session.scalar(select(User.id).where(func.lower(User.email) == email)):
        raise Invalid({"email": _("There is already an account with this e-mail address.")})
    problem = password_problem(password)
    if problem:
        raise Invalid({"password": problem})
    areas = _areas_by_code(area_codes)
    _check_role_needs(role, areas, organisation_id)
    user = User(email=email, role=role, password_hash=hash_password(password),
                organisation_id=organisation_id if role == "editor" else None, is_demo=demo,
                areas=[UserArea(area_id=a.id) for a in areas] if role in ("worker", "coordinator") else [])
    if by is not None and not can_manage_user(by, user, organisation_scope_of_user(user)):
        raise Invalid({"areas" if role != "editor" else "organisation":
                       _("You can only create accounts within your own areas.")})
    db.session.add(user)
    db.session.flush()
    audit.record(by, "user", user.id, "create", {"email": {"old": None, "new": email},
                                                  "role": {"old": None, "new": role}})
    return user


def users_visible_to(actor) -> list[User]:
    require(actor, "user.manage")
    users = db.session.scalars(select(User).order_by(User.role, User.email)).all()
    return [u for u in users if can_manage_user(actor, u, organisation_scope_of_user(u))]


def get_managed_user(actor, user_id: uuid.UUID) -> User:
    """A user the actor may manage; any other id is a 404 (accounts are private records)."""
    require(actor, "user.manage", record="user")
    user = db.session.get(User, user_id)
    if user is None or not can_manage_user(actor, user, organisation_scope_of_user(user)):
        refuse("user")
    return user


def update_user(actor, user: User, *, role: str, area_codes, organisation_id, is_enabled: bool) -> User:
    before = {"role": user.role, "areas": sorted(ua.area.code for ua in user.areas),
              "organisation_id": str(user.organisation_id) if user.organisation_id else None,
              "is_enabled": user.is_enabled}
    areas = _areas_by_code(area_codes)
    _check_role_needs(role, areas, organisation_id)
    if user.id == actor.id and (role != user.role or not is_enabled):
        raise Invalid({"role": _("You cannot change your own role or disable your own account.")})
    user.role = role
    user.organisation_id = organisation_id if role == "editor" else None
    wanted = {a.id for a in areas} if role in ("worker", "coordinator") else set()
    user.areas = [ua for ua in user.areas if ua.area_id in wanted] + [
        UserArea(area_id=i) for i in wanted - user.area_ids]
    if user.is_enabled and not is_enabled:
        sessions.end_all(user)  # a disabled user is logged out everywhere (user_for checks too)
    user.is_enabled = is_enabled
    if not can_manage_user(actor, user, organisation_scope_of_user(user)):
        raise Invalid({"areas": _("You can only give areas within your own areas.")})
    after = {"role": role, "areas": sorted(a.code for a in areas),
             "organisation_id": str(user.organisation_id) if user.organisation_id else None,
             "is_enabled": is_enabled}
    changes = audit.changed_fields(before, after)
    if changes:
        audit.record(actor, "user", user.id, "update", changes)
    return user


# ------------------------------------------------------------------ logging in

def authenticate(email: str, password: str, address: str, *, known_device: bool = False) -> User | None:
    """The user for these credentials, or None. Raises Throttled after too many attempts.

    The attempt is counted before the password is checked (services/sessions.py); the caller
    commits in every case, so the counts outlive a failed attempt.
    """
    email = normalise_email(email)
    sessions.count_attempt(email, address or "unknown", known_device)
    user = db.session.scalar(select(User).where(func.lower(User.email) == email))
    valid = check_password_hash(user.password_hash if user else _DUMMY_HASH, password or "")
    if user is None or not valid or not user.is_enabled:
        return None
    sessions.succeeded(email, address or "unknown", known_device)
    user.last_login_at = utcnow()
    return user


def end_sessions(user: User) -> None:
    """Log out everywhere: every session of the user ends (password change, disabled account)."""
    sessions.end_all(user)


def change_password(user: User, current: str, new: str) -> None:
    errors = {}
    if not check_password_hash(user.password_hash, current or ""):
        errors["current_password"] = _("The current password is not correct.")
    problem = password_problem(new)
    if problem:
        errors["new_password"] = problem
    if errors:
        raise Invalid(errors)
    user.password_hash = hash_password(new)
    end_sessions(user)
    audit.record(user, "user", user.id, "password_change")


# ------------------------------------------------------------------ reset links

def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_reset_link(actor, user: User) -> str:
    """A one-time token for a new password; only its hash is stored. Returns the token."""
    if not can_manage_user(actor, user, organisation_scope_of_user(user)):
            raise NotFound()
    token = secrets.token_urlsafe(32)
    user.reset_token_hash = _token_hash(token)
    user.reset_expires_at = utcnow() + RESET_VALID_FOR
    audit.record(actor, "user", user.id, "reset_link")
    return token


def user_for_reset(token: str) -> User | None:
    if not token:
        return None
    user = db.session.scalar(select(User).where(User.reset_token_hash == _token_hash(token)))
    if user is None or user.reset_expires_at is None or user.reset_expires_at < utcnow():
        return None
    return user


def reset_password(token: str, new: str) -> User:
    user = user_for_reset(token)
    if user is None:
        raise Invalid({"password": _("This link has expired or was already used. Ask your coordinator for a new one.")})
    problem = password_problem(new)
    if problem:
        raise Invalid({"password": problem})
    user.password_hash = hash_password(new)
    user.reset_token_hash = None
    user.reset_expires_at = None
    end_sessions(user)
    audit.record(user, "user", user.id, "password_reset")
    return user


def send_reset_mail(user: User, link: str) -> bool:
    """Send the link when MAIL_SERVER is configured; False means: hand the link over yourself.

    Flask-Mailman sends it. The MAIL_* settings are read when a mail goes out (app config
    first, then the environment), as before, so they are not frozen at start-up.
    """
    server = setting("MAIL_SERVER")
    if not server:
        return False
    try:
        connection = mail.get_connection(
            backend=setting("MAIL_BACKEND", "smtp"), host=server, port=int(setting("MAIL_PORT", 25)),
            username=setting("MAIL_USERNAME", ""), password=setting("MAIL_PASSWORD", ""),
            use_tls=_on(setting("MAIL_USE_TLS")), use_ssl=_on(setting("MAIL_USE_SSL")),
            timeout=int(setting("MAIL_TIMEOUT", 10)))
        EmailMessage(
            subject=_("Choose a new password for Buurtkracht"),
            body=_("Open this link within 48 hours to choose a new password: %(link)s", link=link),
            from_email=setting("MAIL_DEFAULT_SENDER", "buurtkracht@localhost"),
            to=[user.email], connection=connection,
        ).send()
    except (smtplib.SMTPException, OSError, ValueError) as exc:  # ValueError: MAIL_PORT, TLS and SSL both on
        # The account is already saved: show the link to hand over rather than lose it.
        current_app.logger.warning("reset mail not sent (%s); showing the link instead", exc.__class__.__name__)
        return False
    return True


def _on(value) -> bool:
    return str(value or "").strip().lower() in ("1", "true", "yes", "on")
