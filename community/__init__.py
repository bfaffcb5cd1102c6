"""Buurtkracht: maps of neighbourhood offers, activity logs and coverage review (Flask app)."""
from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, jsonify, request
from sqlalchemy import text

from .config import from_environment
from .extensions import babel, compress, csrf, db, limiter, login_manager, mail, migrate

ROOT = Path(__file__).resolve().parent.parent


def select_locale() -> str:
    from flask import current_app, has_request_context
    from .i18n import LANGUAGE_COOKIE
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # the command line and background jobs: the site's default
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    wanted = request.args.get("lang") or request.cookies.get(LANGUAGE_COOKIE)
    if wanted in languages:
        return wanted
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def create_app(config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    if config and config.get("INSTANCE_PATH"):
        app.instance_path = config["INSTANCE_PATH"]
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.update(from_environment(app.instance_path))
    if config:
        app.config.update(config)

    proxies = int(app.config.get("BUURTKRACHT_PROXY_COUNT") or 0)
    if proxies:
        # Behind a reverse proxy the client's address is in X-Forwarded-For; rate limits and
        # login throttling per address need it, or every resident shares the proxy's bucket.
        from werkzeug.middleware.proxy_fix import ProxyFix
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"),
                     render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories=str(Path(__file__).parent / "translations"))
    from .i18n import remember_chosen_language
    app.after_request(remember_chosen_language)
    limiter.init_app(app)
    from .caching import init_cache
    init_cache(app)
    login_manager.init_app(app)
    mail.init_app(app)

    from . import data_version, models  # noqa: F401  (register the tables; data versions follow every write)
    from .services import next_sessions  # noqa: F401  (stored next sessions follow every write)
    from .cli import register_cli
    from .public.routes import bp as public_bp
    from .templating import register_template_helpers
    from .review.routes import bp as review_bp
    app.register_blueprint(review_bp)

    @login_manager.user_loader
    def load_user(token: str):
        from .services.sessions import user_for
        return user_for(token)

    app.register_blueprint(public_bp)
    from .api.routes import bp as api_bp
    app.register_blueprint(api_bp)
    from .auth.routes import bp as auth_bp
    from .feeds.routes import bp as feeds_bp
    from .work import bp as work_bp
    app.register_blueprint(auth_bp)
    app.register_blueprint(work_bp)
    app.register_blueprint(feeds_bp)
    login_manager.login_view = "auth.login"
    register_cli(app)
    from .errors import register_error_handlers
    register_error_handlers(app)
    from .guards import register_guards
    register_guards(app)
    register_template_helpers(app)
    # Registered last so it compresses the final body (after the templates and guards ran).
    compress.init_app(app)

    @app.get("/healthz")
    def healthz():
        try:
            db.session.execute(text("SELECT 1"))
        except Exception as exc:  # the point is to report any failure, not to crash
            db.session.rollback()
            return jsonify(status="error", database="unreachable",
                           reason=exc.__class__.__name__), 503
        return jsonify(status="ok", database="ok")

    @app.after_request
    def security_headers(response):
        # Our pages make no third-party requests; the policy makes a slip visible. Scripts come
        # and styles from our own files only (no inline script, handler or style attribute: data
        # travels as JSON islands; scripts set styles through the DOM, which the policy allows).
        tiles = app.config["BUURTKRACHT_TILE_URL"]
        tile_origin = "/".join(tiles.split("/")[:3]) if tiles.startswith("http") else ""
        tile_origin = tile_origin.replace("{s}.", "*.")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data: " + tile_origin + "; "
            "style-src 'self'; script-src 'self'; "
            "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    # How to make this app again: a background job in a child process (services/coverage/jobs.py).
    app.extensions["buurtkracht_factory"] = create_app
    return app
