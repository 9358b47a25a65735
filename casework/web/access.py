"""Deny by default: every endpoint declares who may use it.

A view carries its declaration as an attribute set by one of the decorators
below. `enforce_access` runs before every request and refuses an endpoint that
declared nothing; `check_declarations` makes create_app() fail for one, so an
undeclared route cannot even be deployed.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable

from flask import Flask, abort, current_app, redirect, request, url_for
from flask_login import current_user

from casework.accounts.roles import Role

ACCESS_ATTR = "_casework_access"
POST_ACCESS_ATTR = "_casework_post_access"  # narrower roles for changes, when declared
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
PUBLIC = "public"
ANY_USER = "any-user"
# Signed in with a password, second factor not yet given: the MFA pages and sign-out.
MFA_STEP = "mfa-step"
# Endpoints that Flask and extensions add; they serve static files only.
BUILTIN_PUBLIC = {"static", "bootstrap.static"}


def public(view: Callable) -> Callable:
    setattr(view, ACCESS_ATTR, PUBLIC)
    return view


def signed_in(view: Callable) -> Callable:
    setattr(view, ACCESS_ATTR, ANY_USER)
    return view


def mfa_step(view: Callable) -> Callable:
    setattr(view, ACCESS_ATTR, MFA_STEP)
    return view


def roles(*allowed: Role, post: Iterable[Role] | None = None) -> Callable[[Callable], Callable]:
    """Who may use a view; `post`, when given, narrows who may send changes to it
    (for example a supervisor reads a screening but only a paralegal records one)."""
    post_roles = None if post is None else frozenset(post)
    for role in (*allowed, *(post_roles or ())):
        if not isinstance(role, Role):
            raise TypeError(f"unknown role {role!r}")
    if post_roles is not None and not post_roles <= frozenset(allowed):
        raise ValueError("post roles must be a subset of the view's roles")

    def decorate(view: Callable) -> Callable:
        setattr(view, ACCESS_ATTR, frozenset(allowed))
        if post_roles is not None:
            setattr(view, POST_ACCESS_ATTR, post_roles)
        return view

    return decorate


CASE_STAFF = (Role.CASEWORKER, Role.PARALEGAL, Role.ATTORNEY, Role.SUPERVISOR)
LEGAL_STAFF = (Role.PARALEGAL, Role.ATTORNEY)


def declaration(app: Flask, endpoint: str, method: str = "GET"):
    """PUBLIC, ANY_USER, a frozenset of roles, or None (undeclared) for this method."""
    if endpoint in BUILTIN_PUBLIC:
        return PUBLIC
    view = app.view_functions.get(endpoint)
    if method not in SAFE_METHODS and hasattr(view, POST_ACCESS_ATTR):
        return getattr(view, POST_ACCESS_ATTR)
    return getattr(view, ACCESS_ATTR, None)


def may_open(endpoint: str, user) -> bool:
    """Whether `user`'s role may GET `endpoint` by its declaration: links to pages that
    would answer 403 are not shown (the menu, the checklist's form links)."""
    from flask import current_app

    rule = declaration(current_app, endpoint)
    if rule in (PUBLIC, ANY_USER):
        return True
    return isinstance(rule, frozenset) and getattr(user, "role", None) in rule


def check_declarations(app: Flask) -> None:
    missing = sorted(e for e in app.view_functions if declaration(app, e) is None)
    if missing:
        raise RuntimeError(f"endpoints without an access declaration: {missing}")


def enforce_access():
    """before_request hook."""
    if request.endpoint is None:
        return None  # 404 or 405: nothing to protect
    rule = declaration(current_app, request.endpoint, request.method)
    if rule == PUBLIC:
        return None
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
    if rule == MFA_STEP:
        return None
    from casework.accounts.mfa import session_satisfied

    if not session_satisfied(current_user):
        # Every page after sign-in answers only once the second factor is given.
        step = "accounts.mfa_verify" if current_user.mfa_enrolled else "accounts.mfa_setup"
        return redirect(url_for(step))
    if rule is None or (rule != ANY_USER and current_user.role not in rule):
        refuse("access.forbidden", details={"endpoint": request.endpoint})
        abort(403)
    return None


def refuse(action: str, *, case_id: uuid.UUID | None = None, details: dict | None = None):
    """Audit a refusal; committed on its own so a rolled-back request still leaves it."""
    from casework.audit.services import Outcome, record
    from casework.extensions import db

    db.session.rollback()
    record(
        action,
        actor_id=current_user.id if current_user.is_authenticated else None,
        case_id=case_id,
        outcome=Outcome.REFUSED,
        details=details,
    )
    db.session.commit()


def get_case_or_404(case_id: str | uuid.UUID):
    """The only way a view loads a case: scoped to the user, 404 outside it."""
    from casework.cases.queries import find_visible_case

    try:
        key = case_id if isinstance(case_id, uuid.UUID) else uuid.UUID(str(case_id))
    except ValueError:
        abort(404)
    case = find_visible_case(current_user, key)
    if case is None:
        refuse("case.not_found", case_id=key, details={"endpoint": request.endpoint})
        abort(404)
    return case


def role_names(allowed: Iterable[Role]) -> list[str]:
    return sorted(r.value for r in allowed)
