"""The application's keyring: loaded once at start-up, checked, never in the database."""

from __future__ import annotations

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
    keyring = load_keyring(path)
    if production and keyring.is_development:
        raise KeyringError("production refuses a development keyring")
    known_answer_check(keyring)
    set_keyring(app, keyring)


def set_keyring(app: Flask, keyring: Keyring) -> None:
    app.extensions[_EXT] = {"keyring": keyring, "indexer": BlindIndexer(keyring)}


def current_keyring() -> Keyring:
    return current_app.extensions[_EXT]["keyring"]


def current_indexer() -> BlindIndexer:
    return current_app.extensions[_EXT]["indexer"]
