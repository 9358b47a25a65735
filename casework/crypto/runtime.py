"""The application's keyring: loaded at start-up, checked, never in the database.

Every worker re-reads the keyring file when it changes on disk (one ``stat`` per
use), so after `flask casework keys rotate` new data keys are wrapped under the new
primary KEK everywhere, and after `keys retire` no worker keeps using a removed KEK.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, current_app

from casework.crypto.blind_index import BlindIndexer
from casework.crypto.errors import KeyringError
from casework.crypto.keyring import (
    Keyring,
    generate_development_keyring,
    known_answer_check,
    load_keyring,
)

_EXT = "casework.keyring"


def init_keyring(app: Flask) -> None:
    path = Path(app.config["CASEWORK_KEYRING"])
    production = app.config["NAME"] == "production"
    if not path.exists():
        if production:
            raise KeyringError("the production keyring file does not exist")
        generate_development_keyring(path)
    reload_keyring(app)


def _mtime(path: str) -> int | None:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return None


def set_keyring(app: Flask, keyring: Keyring, mtime: int | None = None) -> None:
    app.extensions[_EXT] = {"keyring": keyring, "indexer": BlindIndexer(keyring),
                            "mtime": mtime}


def reload_keyring(app: Flask | None = None) -> Keyring:
    """Read and check the keyring file (again, after rotation or retirement changed it)."""
    app = app or current_app._get_current_object()
    path = app.config["CASEWORK_KEYRING"]
    mtime = _mtime(path)
    keyring = load_keyring(Path(path))
    if app.config["NAME"] == "production" and keyring.is_development:
        raise KeyringError("production refuses a development keyring")
    known_answer_check(keyring)
    set_keyring(app, keyring, mtime)
    return keyring


def _state() -> dict:
    state = current_app.extensions[_EXT]
    if state["mtime"] is not None and _mtime(current_app.config["CASEWORK_KEYRING"]) not in (
        state["mtime"], None,
    ):
        reload_keyring()
        state = current_app.extensions[_EXT]
    return state


def current_keyring() -> Keyring:
    return _state()["keyring"]


def current_indexer() -> BlindIndexer:
    return _state()["indexer"]


def keyring_for(kek_id: str) -> Keyring:
    """The keyring, re-read once if it lacks ``kek_id`` (a file replaced within the
    clock's resolution keeps its mtime)."""
    keyring = current_keyring()
    if kek_id not in keyring.keks:
        keyring = reload_keyring()
    return keyring
