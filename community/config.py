"""Configuration read from the environment, with safe defaults for a fresh machine."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

def setting(name: str, default=None):
    """A setting at run time: app config first (tests set it there), then the environment
    (operators set it there), then `default`."""
    from flask import current_app
    value = current_app.config.get(name)
    if value in (None, ""):
        value = os.environ.get(name)
    return default if value in (None, "") else value


DEFAULT_TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
DEFAULT_TILE_ATTRIBUTION = (
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
)

DEFAULT_AREAS_ATTRIBUTION = ("Wijken: © gemeentebesturen, verzameld door Data & Analyse van de Vlaamse "
                             "provincies (Modellicentie Gratis Hergebruik)")


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def secret_key_for(instance_path: str) -> str:
    """Return SECRET_KEY from the environment, or one generated once into the instance folder.

    A constant in code would be the same on every installation; a key regenerated at each
    start would log everybody out and break CSRF tokens between processes.
    """
    from_env = os.environ.get("SECRET_KEY")
    if from_env:
        return from_env
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    # O_EXCL so two processes starting at once agree on one key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def from_environment(instance_path: str) -> dict:
    database_url = os.environ.get("DATABASE_URL") or (
        "sqlite:///" + str(Path(instance_path) / "buurtkracht.db")
    )
    # Heroku-style URLs name the old driver; we use psycopg 3.
    if database_url.startswith("postgres://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgres://"):]
    elif database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://"):]
    return {
        "SECRET_KEY": secret_key_for(instance_path),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "BUURTKRACHT_TILE_URL": os.environ.get("BUURTKRACHT_TILE_URL", DEFAULT_TILE_URL),
        "BUURTKRACHT_TILE_ATTRIBUTION": os.environ.get(
            "BUURTKRACHT_TILE_ATTRIBUTION", DEFAULT_TILE_ATTRIBUTION
        ),
        "BUURTKRACHT_AREAS_ATTRIBUTION": os.environ.get("BUURTKRACHT_AREAS_ATTRIBUTION", DEFAULT_AREAS_ATTRIBUTION),
        # Static files (Leaflet, our CSS and scripts) may be reused for an hour without asking.
        "SEND_FILE_MAX_AGE_DEFAULT": int(os.environ.get("BUURTKRACHT_STATIC_MAX_AGE", "3600")),
        "BUURTKRACHT_PROXY_COUNT": int(os.environ.get("BUURTKRACHT_PROXY_COUNT", "0")),
        "BUURTKRACHT_STALE_MONTHS": int(os.environ.get("BUURTKRACHT_STALE_MONTHS", "12")),
        "BUURTKRACHT_COVERAGE_CACHE_SIZE": int(os.environ.get("BUURTKRACHT_COVERAGE_CACHE_SIZE", "16")),
        "BUURTKRACHT_REVIEW_PUBLIC": _bool(os.environ.get("BUURTKRACHT_REVIEW_PUBLIC")),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        # The shared cache (community/caching.py): Redis when REDIS_URL is set (or the rate
        # limiter already uses Redis), else files in the instance folder that the app processes
        # of this machine share (BUURTKRACHT_CACHE=simple: a SimpleCache per process), bounded
        # by CACHE_THRESHOLD entries.
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
        "BUURTKRACHT_CACHE": os.environ.get("BUURTKRACHT_CACHE", ""),
        "CACHE_THRESHOLD": int(os.environ.get("BUURTKRACHT_CACHE_THRESHOLD", "500")),
        "CACHE_KEY_PREFIX": os.environ.get("BUURTKRACHT_CACHE_PREFIX", "buurtkracht:"),
        "RATELIMIT_HEADERS_ENABLED": True,
        "BABEL_DEFAULT_LOCALE": "nl",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Brussels",
        "LANGUAGES": ("nl", "fr", "en"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool(os.environ.get("SESSION_COOKIE_SECURE")),
        # Strict-Transport-Security max-age when cookies are HTTPS-only (0: no header).
        "BUURTKRACHT_HSTS_SECONDS": int(os.environ.get("BUURTKRACHT_HSTS_SECONDS", 31_536_000)),
        # Sessions end after this long without use, and this long after the login.
        "BUURTKRACHT_SESSION_IDLE_MINUTES": int(os.environ.get("BUURTKRACHT_SESSION_IDLE_MINUTES", 120)),
        "BUURTKRACHT_SESSION_MAX_HOURS": int(os.environ.get("BUURTKRACHT_SESSION_MAX_HOURS", 12)),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": 64 * 1024 * 1024,
        # Flask-Compress for our own dynamic pages: residents on a small data plan get a third
        # of the bytes (or less with Brotli). Static files are left to the web server.
        "COMPRESS_ALGORITHM": ["br", "gzip"],
        "COMPRESS_MIMETYPES": ["text/html", "application/json", "text/csv", "application/geo+json",
                               "text/calendar"],
        "COMPRESS_MIN_SIZE": 1024,
        "COMPRESS_LEVEL": 6,
        "COMPRESS_BR_LEVEL": 5,
    }
