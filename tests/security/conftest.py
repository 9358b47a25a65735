from __future__ import annotations

import os
import shutil

import pytest

from casework.crypto.runtime import reload_keyring


@pytest.fixture
def private_keyring(app, tmp_path, monkeypatch):
    """A copy of the keyring that the test may rotate and retire without touching the
    session's; restored afterwards."""
    original = app.config["CASEWORK_KEYRING"]
    copy = tmp_path / "keyring.json"
    shutil.copy(original, copy)
    os.chmod(copy, 0o600)
    monkeypatch.setitem(app.config, "CASEWORK_KEYRING", str(copy))
    reload_keyring(app)
    yield copy
    monkeypatch.setitem(app.config, "CASEWORK_KEYRING", original)
    reload_keyring(app)


from tests.migrations.test_migrations import scratch_url  # noqa: E402, F401  (a fixture)
