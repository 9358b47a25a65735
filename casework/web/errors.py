"""Error pages that say what happened and leak nothing else."""

from flask import Flask, render_template
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from casework.extensions import db

MESSAGES = {
    400: (_l("The request could not be understood"),
          _l("Something in the request was missing or malformed. Go back, reload the page and "
             "try again.")),
    403: (_l("Not allowed"), _l("Your role does not give access to this page.")),
    404: (_l("Not found"),
          _l("There is nothing here, or you do not have access to it.")),
    405: (_l("Not allowed"), _l("This page cannot be used that way.")),
    409: (_l("Someone else changed this record"),
          _l("Reload the page to see the current version.")),
    413: (_l("Too large"), _l("What was sent is too large.")),
    429: (_l("Too many attempts"), _l("Wait a minute and try again.")),
    500: (_l("Something went wrong"),
          _l("Nothing was saved. The error has been recorded; please try again.")),
}


def render_error(code: int, detail=None):
    title, text = MESSAGES.get(code, MESSAGES[500])
    return render_template("errors/error.html", code=code, title=title,
                           text=detail or text), code


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        from flask import request

        from casework.web.access import refuse

        # A refusal like any other: audited (endpoint only, never what was posted).
        refuse("csrf.refused", details={"endpoint": request.endpoint})
        return render_error(400, _l("The form had expired or was sent from elsewhere. Reload "
                                    "the page and send it again."))

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if exc.code is None or exc.code < 400:
            return exc
        return render_error(exc.code)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        db.session.rollback()
        # The traceback goes to the log; its message may hold typed values, so the
        # page shows nothing of it.
        app.logger.error("unhandled %s", type(exc).__name__, exc_info=exc)
        return render_error(500)
