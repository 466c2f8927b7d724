"""Configuration, read from the environment.

`Config` is what a deployment runs with; `DevelopmentConfig` (the default for `make run`)
and `TestConfig` adjust it. Every value a school may need to change is an environment
variable, listed in README.md.
"""

import os
import secrets
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("INSTANCE_PATH", BASE_DIR / "instance"))


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return default if value in (None, "") else int(value)


def _list(name: str) -> list[str]:
    return [part.strip() for part in os.environ.get(name, "").split(",") if part.strip()]


def database_url() -> str:
    """DATABASE_URL, with plain postgres:// URLs pointed at psycopg 3."""
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        return f"sqlite:///{INSTANCE_DIR / 'assets.sqlite'}"
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Config:
    ENV_NAME = "production"
    SECRET_KEY = os.environ.get("SECRET_KEY", "")
    SQLALCHEMY_DATABASE_URI = database_url()
    # And pool_use_lifo, but for an in-memory database (assets/database.py).
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

    SCHOOL_NAME = os.environ.get("SCHOOL_NAME", "Ashbrook Infant and Nursery School")
    # Absolute links (QR codes, emails) are built from this, never from the Host header.
    BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000").rstrip("/")
    # Host names the app answers to (Flask answers any other with 400); none given: any. Pages
    # link by path only, so a forged Host header cannot reach a link either way.
    TRUSTED_HOSTS = _list("TRUSTED_HOSTS") or None
    TIMEZONE = os.environ.get("TIMEZONE", "Europe/London")
    DATE_FORMAT = os.environ.get("DATE_FORMAT", "%d/%m/%Y")
    # `flask release-bookings`: an approved booking not collected this long after its start
    # is released and the booker told.
    BOOKING_RELEASE_MINUTES = _int("BOOKING_RELEASE_MINUTES", 30)
    # The host in every booking's iCalendar UID (none: BASE_URL's). Set it before moving
    # BASE_URL, or calendar apps will hold each booking twice.
    CALENDAR_UID_HOST = os.environ.get("CALENDAR_UID_HOST") or None

    # Section 12.3: change at least termly. A school term is about 13 weeks.
    PASSWORD_MAX_AGE_DAYS = _int("PASSWORD_MAX_AGE_DAYS", 91)
    LOGIN_MAX_FAILURES = _int("LOGIN_MAX_FAILURES", 5)
    LOGIN_LOCKOUT_MINUTES = _int("LOGIN_LOCKOUT_MINUTES", 15)
    # "Forgot your password?": how long an emailed link works, and how many reset emails one
    # address, and one client (network address), may ask for in PASSWORD_RESET_WINDOW_MINUTES.
    # A school behind one NAT address shares the per-client limit.
    PASSWORD_RESET_LINK_MINUTES = _int("PASSWORD_RESET_LINK_MINUTES", 30)
    PASSWORD_RESET_WINDOW_MINUTES = _int("PASSWORD_RESET_WINDOW_MINUTES", 60)
    PASSWORD_RESET_PER_ADDRESS = _int("PASSWORD_RESET_PER_ADDRESS", 3)
    PASSWORD_RESET_PER_CLIENT = _int("PASSWORD_RESET_PER_CLIENT", 10)
    # How many proxies (the school's HTTPS proxy: 1) stand in front of the app. Their
    # X-Forwarded-For and X-Forwarded-Proto are trusted that many hops deep; 0 trusts none,
    # and then a request from loopback (a proxy on the same machine) has no known client.
    PROXY_COUNT = _int("PROXY_COUNT", 0)

    MAX_CONTENT_LENGTH = _int("MAX_CONTENT_LENGTH", 16 * 1024 * 1024)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_DURATION = 60 * 60 * 24 * 14
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session

    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = _int("MAIL_PORT", 25)
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", False)
    MAIL_USE_SSL = _bool("MAIL_USE_SSL", False)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "it-desk@school.invalid")
    # Seconds to wait for the mail server before giving up (the page then says so).
    MAIL_TIMEOUT = _int("MAIL_TIMEOUT", 10)

    # Sign in with Microsoft 365 (Entra ID, the school's tenant only) or Google Workspace
    # (the school's domain only, by the ID token's hd claim). A provider shows on the login
    # page only when its client id and secret (and tenant or domain) are set. The *_METADATA_URL
    # and MICROSOFT_ISSUER overrides exist for the tests' own OpenID provider.
    MICROSOFT_TENANT_ID = os.environ.get("MICROSOFT_TENANT_ID", "").strip()
    MICROSOFT_CLIENT_ID = os.environ.get("MICROSOFT_CLIENT_ID", "").strip()
    MICROSOFT_CLIENT_SECRET = os.environ.get("MICROSOFT_CLIENT_SECRET", "")
    MICROSOFT_METADATA_URL = os.environ.get("MICROSOFT_METADATA_URL", "").strip()
    MICROSOFT_ISSUER = os.environ.get("MICROSOFT_ISSUER", "").strip()
    GOOGLE_CLIENT_ID = os.environ.get("GOOGLE_CLIENT_ID", "").strip()
    GOOGLE_CLIENT_SECRET = os.environ.get("GOOGLE_CLIENT_SECRET", "")
    GOOGLE_WORKSPACE_DOMAIN = os.environ.get("GOOGLE_WORKSPACE_DOMAIN", "").strip().lower()
    GOOGLE_METADATA_URL = os.environ.get("GOOGLE_METADATA_URL", "").strip()
    GOOGLE_ISSUER = os.environ.get("GOOGLE_ISSUER", "").strip()
    # Someone signing in with the school's account for the first time who has no login yet:
    # "refuse" (see the IT desk) or "link" (a staff login for the active member of staff with
    # that email). A login that already has the email is linked either way.
    SSO_UNKNOWN_PEOPLE = os.environ.get("SSO_UNKNOWN_PEOPLE", "refuse").strip().lower()
    # "off": staff logins sign in only with Microsoft 365 or Google (admins, technicians and
    # office staff keep their passwords). Honoured only while a provider is configured.
    STAFF_PASSWORDS = os.environ.get("STAFF_PASSWORDS", "on").strip().lower()

    # `flask backup` writes here when given no directory, and keeps the newest BACKUP_KEEP of
    # its backups there. POSTGRES_BIN_DIR: where pg_dump and pg_restore are, when not found.
    BACKUP_DIR = os.environ.get("BACKUP_DIR", "").strip()
    BACKUP_KEEP = _int("BACKUP_KEEP", 14)
    POSTGRES_BIN_DIR = os.environ.get("POSTGRES_BIN_DIR", "").strip()

    ASSETS_PER_PAGE = _int("ASSETS_PER_PAGE", 25)
    # The asset list counts this many matches at most and then says "1,000+ assets": counting
    # every match of a broad search costs more than the page itself.
    ASSETS_COUNT_CAP = _int("ASSETS_COUNT_CAP", 1000)


class DevelopmentConfig(Config):
    """`make run`: SQLite under instance/, plain-http cookies, a generated secret key."""

    ENV_NAME = "development"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE


class TestConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "test-secret-key-not-for-production"  # noqa: S105
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    BASE_URL = "https://assets.school.test"
    MAIL_SERVER = ""
    # Hashing is deliberately slow in production; tests log in hundreds of times.
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # noqa: S105


CONFIGS = {"production": Config, "development": DevelopmentConfig, "testing": TestConfig}

# Signing keys anyone could guess: from examples, tutorials and this repository's tests.
KNOWN_SECRET_KEYS = frozenset(
    {
        TestConfig.SECRET_KEY,
        "secret",
        "secret-key",
        "secret_key",
        "secretkey",
        "changeme",
        "change-me",
        "dev",
        "development",
        "test",
        "testing",
        "your-secret-key",
        "super-secret-key",
        "you-will-never-guess",
    }
)
MIN_SECRET_KEY_LENGTH = 32


def production_problems(config) -> list[str]:
    """What makes `config` unsafe to serve a school with, in words; empty when it is fine."""
    problems = []
    if config.get("DEBUG"):
        problems.append(
            "debug mode is on (FLASK_DEBUG): an error page would show the Werkzeug debugger, "
            "which runs any code it is sent. Unset FLASK_DEBUG"
        )
    key = config.get("SECRET_KEY") or ""
    if isinstance(key, bytes):
        key = key.decode("utf-8", "replace")
    if not key.strip():
        problems.append("SECRET_KEY is not set")
    elif key.strip().lower() in KNOWN_SECRET_KEYS or key in KNOWN_SECRET_KEYS:
        problems.append("SECRET_KEY is a well-known value that anyone can look up")
    elif len(key.strip()) < MIN_SECRET_KEY_LENGTH:
        problems.append(f"SECRET_KEY is shorter than {MIN_SECRET_KEY_LENGTH} characters")
    elif len(set(key)) < 8:
        problems.append("SECRET_KEY repeats a few characters: it is easy to guess")
    return problems


def development_secret_key(instance_dir: Path) -> str:
    """A random key generated once into instance/ so sessions survive a restart."""
    path = instance_dir / "secret_key"
    if not path.exists():
        instance_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
