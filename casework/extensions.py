"""Extensions, created un-initialised; create_app() binds them to the app."""

from types import SimpleNamespace

import flask_babel
from flask import g
from flask_babel import Babel
from flask_bootstrap import Bootstrap5
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from casework.models import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
bootstrap = Bootstrap5()


def _babel_request_state() -> SimpleNamespace | None:
    """Flask-Babel's per-request state (`g._flask_babel`: locale, time zone, domain), or
    None outside an app context: what `flask_babel._get_current_context` returns, found
    with one context look-up instead of three trips through the `g` proxy.

    Flask-Babel asks for it two to four times per message translated or number and date
    formatted (6 us each, 20 us a message); a case page translates about 250 messages
    and the dashboard formats hundreds of numbers besides. Same object, same semantics:
    force_locale() and refresh() keep working (tests/unit/test_babel_state.py).
    """
    try:
        current = g._get_current_object()
    except RuntimeError:  # no app context
        return None
    state = current.__dict__.get("_flask_babel")
    if state is None:
        state = current.__dict__["_flask_babel"] = SimpleNamespace()
    return state


# Flask-Babel is pinned (pyproject.toml); the test fails if a release stops calling this.
flask_babel._get_current_context = _babel_request_state
