"""Configuration, read from the environment.

Three configurations: development (the default), testing and production.
Production refuses to start without its secrets: no secret has a default there.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent


class ConfigError(RuntimeError):
    """A configuration that must not be used to serve children's data."""


def instance_path(env: os._Environ[str] | dict[str, str] = os.environ) -> Path:
    return Path(env.get("CASEWORK_INSTANCE_PATH") or ROOT / "instance").resolve()


class Config:
    NAME = "base"
    DEBUG = False
    TESTING = False

    # hide_parameters: SQL errors must not carry values into logs.
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True, "hide_parameters": True}
    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = 8 * 3600

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_NAME = "casework_session"
    REMEMBER_COOKIE_DURATION = 0  # no "remember me": sessions are server-side records

    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    LANGUAGES = ("es", "en")
    BABEL_TRANSLATION_DIRECTORIES = str(ROOT / "casework" / "translations")

    BOOTSTRAP_SERVE_LOCAL = True

    # argon2id parameters (RFC 9106 second recommendation: 64 MiB, 3 passes).
    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_COST = 64 * 1024
    ARGON2_PARALLELISM = 2

    SESSION_IDLE_MINUTES = 30
    SESSION_ABSOLUTE_HOURS = 12

    # Second factor (TOTP): every user must enrol in production; optional elsewhere.
    MFA_REQUIRED = False
    # Failed sign-ins allowed per window, counted in the database (accounts/throttle.py).
    LOGIN_THROTTLE_WINDOW_SECONDS = 60
    LOGIN_ATTEMPTS_PER_ACCOUNT = 5
    LOGIN_ATTEMPTS_PER_ADDRESS = 30
    MFA_ATTEMPTS_PER_ACCOUNT = 5

    # Days a closed case is kept before `flask casework purge` may destroy its data key.
    RETENTION_DAYS = 7 * 365

    CASES_PER_PAGE = 25
    # The case list counts its cases up to this many and then says "more than": an
    # exact count of a national caseload is a scan of every visible case per page view.
    CASE_COUNT_CAP = 1000
    # The organisation's deadline overrides, by checkpoint key, or "key:clock" for a checkpoint
    # with several deadlines (see workflow/policy.py with_overrides).
    CASEWORK_DEADLINES: dict = {}

    @classmethod
    def from_env(cls, env: os._Environ[str] | dict[str, str] = os.environ) -> dict:
        """The settings of this configuration with the environment applied, validated."""
        settings = {k: getattr(cls, k) for k in dir(cls) if k.isupper()}
        inst = instance_path(env)
        settings["INSTANCE_PATH"] = str(inst)
        settings["SQLALCHEMY_DATABASE_URI"] = env.get("DATABASE_URL") or (
            f"sqlite:///{inst / 'casework.sqlite3'}"
        )
        settings["CASEWORK_KEYRING"] = env.get("CASEWORK_KEYRING") or str(inst / "keyring.json")
        settings["REDIS_URL"] = env.get("REDIS_URL") or None
        settings["SECRET_KEY"] = env.get("SECRET_KEY") or None
        for name in ("RETENTION_DAYS", "SESSION_IDLE_MINUTES", "SESSION_ABSOLUTE_HOURS"):
            if env.get(f"CASEWORK_{name}"):
                settings[name] = int(env[f"CASEWORK_{name}"])
        cls.validate(settings, env)
        return settings

    @classmethod
    def validate(cls, settings: dict, env) -> None:
        if not settings["SECRET_KEY"]:
            raise ConfigError("SECRET_KEY must be set")


class DevelopmentConfig(Config):
    NAME = "development"
    DEBUG = False  # the Werkzeug debugger would execute code for anyone who reaches the port

    @classmethod
    def from_env(cls, env=os.environ) -> dict:
        env = dict(env)
        if not env.get("SECRET_KEY"):
            env["SECRET_KEY"] = _development_secret(instance_path(env))
        return super().from_env(env)


class TestingConfig(Config):
    NAME = "testing"
    TESTING = True
    WTF_CSRF_ENABLED = False  # the CSRF tests switch it back on
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 8
    ARGON2_PARALLELISM = 1

    @classmethod
    def from_env(cls, env=os.environ) -> dict:
        env = dict(env)
        env.setdefault("SECRET_KEY", "testing-only-secret")
        if env.get("TEST_DATABASE_URL"):
            env["DATABASE_URL"] = env["TEST_DATABASE_URL"]
        return super().from_env(env)


class ProductionConfig(Config):
    NAME = "production"
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-casework_session"
    PREFERRED_URL_SCHEME = "https"
    MFA_REQUIRED = True

    @classmethod
    def validate(cls, settings: dict, env) -> None:
        super().validate(settings, env)
        if len(settings["SECRET_KEY"]) < 32:
            raise ConfigError("SECRET_KEY must be at least 32 characters in production")
        if not env.get("CASEWORK_KEYRING"):
            raise ConfigError("CASEWORK_KEYRING must name the production keyring")
        if not env.get("DATABASE_URL"):
            raise ConfigError("DATABASE_URL must be set in production")
        if not settings["MFA_REQUIRED"]:
            raise ConfigError("MFA_REQUIRED must be on in production")


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def load(name: str | None = None, env=os.environ) -> dict:
    name = name or env.get("CASEWORK_CONFIG") or "development"
    try:
        return CONFIGS[name].from_env(env)
    except KeyError:
        raise ConfigError(
            f"unknown CASEWORK_CONFIG {name!r}; use one of {sorted(CONFIGS)}"
        ) from None


def _development_secret(inst: Path) -> str:
    """A random secret kept in the instance folder, so development needs no setup."""
    import secrets

    path = inst / "secret_key"
    if path.exists():
        return path.read_text().strip()
    inst.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(value)
    return value
