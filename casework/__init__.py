"""casework: case management for unaccompanied and separated migrant children."""

from __future__ import annotations

import logging
import secrets

from flask import Flask, g, has_request_context, request, session, url_for
from flask_babel import get_locale
from flask_login import current_user

import config as config_module


def create_app(config_name: str | None = None, overrides: dict | None = None) -> Flask:
    settings = config_module.load(config_name)
    if overrides:
        settings.update(overrides)
    app = Flask(
        __name__,
        instance_path=settings["INSTANCE_PATH"],
        template_folder="../templates",
        static_folder="static",
    )
    app.config.update(settings)
    logging.basicConfig(level=logging.INFO)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    from casework.web.logging import install as install_log_filters

    install_log_filters()
    import_models()

    register_extensions(app)
    register_blueprints(app)
    register_hooks(app)

    from casework.web.formatting import register_filters

    register_filters(app)

    from casework.web.errors import register_error_handlers

    register_error_handlers(app)

    from casework.cli import register_cli

    register_cli(app)

    from casework.web.access import check_declarations

    check_declarations(app)
    check_policy(app)
    return app


def check_policy(app: Flask) -> None:
    """Refuse to start with a catalogue that the code cannot enforce."""
    from casework.workflow import policy
    from casework.workflow.registry import ANCHORS, CONDITIONS

    catalogue = policy.with_overrides(app.config.get("CASEWORK_DEADLINES") or {})
    problems = policy.validate(catalogue, set(CONDITIONS), set(ANCHORS),
                               endpoints=set(app.view_functions))
    if problems:
        raise RuntimeError("the checkpoint catalogue cannot be enforced:\n  "
                           + "\n  ".join(problems))


def import_models() -> None:
    """Every table, condition and sign-off queue module, so metadata, the catalogue and
    the supervisors' queue see them all."""
    from casework import modules

    modules.load("models")
    modules.load("conditions")
    modules.load("queue")


def register_extensions(app: Flask) -> None:
    from casework.crypto.runtime import init_keyring
    from casework.extensions import babel, bootstrap, csrf, db, login_manager, migrate
    from casework.web.formatting import office_zone_name

    db.init_app(app)
    migrate.init_app(app, db, directory=str(_root() / "migrations"))
    csrf.init_app(app)
    bootstrap.init_app(app)
    babel.init_app(app, locale_selector=_select_locale, timezone_selector=office_zone_name)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.session_protection = None  # the server-side session record is the protection

    from casework.accounts.views import load_user

    login_manager.user_loader(load_user)
    init_keyring(app)

    from casework.database import configure_engine

    with app.app_context():
        configure_engine(app)


def register_blueprints(app: Flask) -> None:
    from casework import modules
    from casework.accounts.admin_views import bp as admin_bp
    from casework.web.home import bp as home_bp

    for bp in (home_bp, admin_bp, *modules.blueprints()):
        app.register_blueprint(bp)


def register_hooks(app: Flask) -> None:
    from casework.web.access import enforce_access
    from casework.web.security import set_security_headers

    @app.before_request
    def assign_request_id():
        g.request_id = secrets.token_hex(8)

    app.before_request(enforce_access)

    @app.after_request
    def headers(response):
        response.headers["X-Request-ID"] = g.get("request_id", "")
        return set_security_headers(response)

    @app.context_processor
    def template_helpers():
        from casework.web.access import may_open

        return {"current_locale": lambda: get_locale().language, "nav_items": _nav_items,
                "may_open": lambda endpoint: may_open(endpoint, current_user)}


def _select_locale() -> str:
    from casework.web.formatting import babel_locale

    return babel_locale(_select_language())


def _select_language() -> str:
    """The user's saved choice, else the browser's languages, else the office's country
    (Spanish in Mexico). The switcher saves the choice on the account, or on the session
    before sign-in."""
    from flask import current_app

    langs = current_app.config["LANGUAGES"]
    if not has_request_context():  # commands and jobs: the organisation's default
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    signed_in = bool(current_user and current_user.is_authenticated)
    if signed_in and current_user.locale in langs:
        return current_user.locale
    if session.get("language") in langs:
        return session["language"]
    browser = request.accept_languages.best_match(langs)
    if browser:
        return browser
    if signed_in:
        return current_user.language
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def _nav_items() -> list[dict]:
    from flask_babel import gettext as _

    from casework.accounts.mfa import session_satisfied
    from casework.web.access import may_open

    if not session_satisfied(current_user):
        return []
    items = [
        ("cases.list_cases", _("Cases")),
        ("cases.new_case", _("Register a child")),
        ("supervision.dashboard_page", _("Supervision")),
        ("supervision.sign_offs", _("Sign-offs")),
        ("legal.calendar", _("My calendar")),
        ("admin.users", _("Users")),
        ("admin.offices", _("Offices")),
        ("audit.users", _("Audit")),
    ]
    visible = []
    for endpoint, label in items:
        if not may_open(endpoint, current_user):
            continue
        visible.append({"url": url_for(endpoint), "label": label,
                        "active": request.endpoint == endpoint})
    return visible


def _root():
    from pathlib import Path

    return Path(__file__).resolve().parent.parent
