"""Configuration read from the environment, with embedded defaults for local use."""

import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

# The data the app reads at start-up (taxonomies, questions, vocabulary) and the catalogue:
# directory/seed_data links to the project's seed_data/, so an installed package carries it.
SEED_DATA = Path(__file__).resolve().parent / "seed_data"

# The local development server's address: links in emails and exports point here unless
# BASE_URL says otherwise.
LOCAL_BASE_URL = "http://127.0.0.1:5000"
LOCAL_HOSTS = ("localhost", "127.0.0.1")


def _instance_secret_key(instance_path: Path) -> str:
    """Return a development secret key kept in instance/, creating it on first use."""
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def from_environment(instance_path: Path) -> dict[str, Any]:
    """Build the configuration mapping from environment variables."""
    production = os.environ.get("DIRECTORY_ENV", "development") == "production"
    secret_key = os.environ.get("SECRET_KEY")
    if not secret_key:
        if production:
            raise RuntimeError("SECRET_KEY must be set when DIRECTORY_ENV=production")
        secret_key = _instance_secret_key(instance_path)
    base_url = os.environ.get("BASE_URL", "").strip().rstrip("/")
    if not base_url:
        if production:
            raise RuntimeError("BASE_URL must be set when DIRECTORY_ENV=production")
        base_url = LOCAL_BASE_URL
    ratelimit_storage = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    if production and ratelimit_storage.startswith("memory"):
        # Each worker would keep its own counts, multiplying every limit by the worker count.
        raise RuntimeError(
            "RATELIMIT_STORAGE_URI must point at Redis when DIRECTORY_ENV=production"
        )
    return {
        "SECRET_KEY": secret_key,
        # Every absolute link (emails, exports, API links) is built on this address, never on
        # the request's Host header, which a client chooses.
        "BASE_URL": base_url,
        # Requests for any other Host get a 400 (Flask checks it at the start of each request).
        "TRUSTED_HOSTS": trusted_hosts(os.environ.get("TRUSTED_HOSTS"), base_url),
        # How many reverse proxies stand in front: only then are X-Forwarded-For and -Proto
        # believed, and only that many hops of them.
        "PROXY_HOPS": _whole_number("PROXY_HOPS", 0),
        "SQLALCHEMY_DATABASE_URI": database_url(
            os.environ.get("DATABASE_URL", default_database_url(instance_path))
        ),
        # How long a request waits for a lock another connection holds before it gets a 503.
        "DATABASE_LOCK_TIMEOUT_MS": _whole_number("DATABASE_LOCK_TIMEOUT_MS", 5000),
        "SEARCH_INDEX_DIR": os.environ.get("SEARCH_INDEX_DIR", str(instance_path / "search_index")),
        "GEO_LOOKUP_PATH": os.environ.get("GEO_LOOKUP_PATH", str(instance_path / "geo.sqlite3")),
        "SEED_DATA_DIR": os.environ.get("SEED_DATA_DIR", str(SEED_DATA)),
        # The words founders type for kinds of support, stages and sectors (seed_data/).
        "SEARCH_VOCABULARY_PATH": os.environ.get(
            "SEARCH_VOCABULARY_PATH", str(SEED_DATA / "vocabulary.yaml")
        ),
        # The tailoring questions (seed_data/).
        "QUESTIONNAIRE_PATH": os.environ.get(
            "QUESTIONNAIRE_PATH", str(SEED_DATA / "questionnaire.yaml")
        ),
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO"),
        "PRODUCTION": production,
        # Email: SMTP when MAIL_SMTP_HOST is set, otherwise files in instance/outbox/.
        "MAIL_FROM": os.environ.get("MAIL_FROM", "Start-up Support Directory <no-reply@localhost>"),
        "MAIL_SMTP_HOST": os.environ.get("MAIL_SMTP_HOST"),
        "MAIL_SMTP_PORT": _whole_number("MAIL_SMTP_PORT", 587),
        # STARTTLS on the SMTP connection; turn off only for a local relay without TLS.
        "MAIL_SMTP_STARTTLS": _flag("MAIL_SMTP_STARTTLS", True),
        "MAIL_SMTP_USERNAME": os.environ.get("MAIL_SMTP_USERNAME"),
        "MAIL_SMTP_PASSWORD": os.environ.get("MAIL_SMTP_PASSWORD"),
        "MAIL_OUTBOX_DIR": os.environ.get("MAIL_OUTBOX_DIR", str(instance_path / "outbox")),
        # Rate limits count in memory per process unless pointed at Redis.
        "RATELIMIT_STORAGE_URI": ratelimit_storage,
        # Keeps this deployment's counts apart from another's in a shared Redis.
        "RATELIMIT_KEY_PREFIX": os.environ.get("RATELIMIT_KEY_PREFIX", ""),
        # Redis down: count in each worker's memory (with a logged warning) rather than fail.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_LOGIN": os.environ.get("RATELIMIT_LOGIN", "10/minute;50/hour"),
        # One account from every address together: counted by the minute, so it slows a
        # spread-out attack without locking the owner out for long.
        "RATELIMIT_LOGIN_ACCOUNT": os.environ.get("RATELIMIT_LOGIN_ACCOUNT", "30/minute"),
        "RATELIMIT_REGISTER": os.environ.get("RATELIMIT_REGISTER", "5/minute;20/hour"),
        "RATELIMIT_RESET": os.environ.get("RATELIMIT_RESET", "5/minute;20/hour"),
        "RATELIMIT_FEEDBACK": os.environ.get("RATELIMIT_FEEDBACK", "5/hour;20/day"),
        # Asking for alerts: per address asked for, and per client network (/24 or /48).
        "RATELIMIT_ALERTS_ADDRESS": os.environ.get("RATELIMIT_ALERTS_ADDRESS", "3/hour;10/day"),
        "RATELIMIT_ALERTS_NETWORK": os.environ.get("RATELIMIT_ALERTS_NETWORK", "20/hour;100/day"),
        "RATELIMIT_HEADERS_ENABLED": True,
        # Demand events: background (a writer thread per worker), inline, or off.
        "DEMAND_RECORDING": _choice("DEMAND_RECORDING", ("background", "inline", "off"), None),
        # Daily salts of visitor-day keys live outside the database: a folder only the service
        # can read, or redis:// (needed when several hosts record demand).
        "DEMAND_SALT_STORAGE": os.environ.get(
            "DEMAND_SALT_STORAGE", str(instance_path / "demand-salts")
        ),
        # The background writer commits at most this often: figures are this fresh.
        "DEMAND_BATCH_SECONDS": float(os.environ.get("DEMAND_BATCH_SECONDS", "1")),
        # Drafts not yet written, kept on disk so a killed worker's events are recovered.
        "DEMAND_SPOOL_DIR": os.environ.get("DEMAND_SPOOL_DIR", str(instance_path / "demand-spool")),
        # Anonymous search, listing and results pages kept per worker until the catalogue or
        # the index changes (directory/pages.py); off rebuilds every page.
        "PAGE_CACHE": _flag("PAGE_CACHE", True),
        "PAGE_CACHE_SIZE": _whole_number("PAGE_CACHE_SIZE", 2000),
        # Seconds one request may spend searching the database while the index is away.
        "FALLBACK_BUDGET_SECONDS": float(os.environ.get("FALLBACK_BUDGET_SECONDS", "2")),
        # Edits reach the index at once on a single host; with a `flask search sync --follow`
        # indexer running (production), set SEARCH_SYNC_AFTER_EDIT=0.
        "SEARCH_SYNC_AFTER_EDIT": _flag("SEARCH_SYNC_AFTER_EDIT", True),
        "SESSION_COOKIE_SECURE": _flag("SESSION_COOKIE_SECURE", True),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": _flag("SESSION_COOKIE_SECURE", True),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        # Request bodies (forms and CSV uploads) larger than this are refused with a 413.
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_CONTENT_LENGTH", str(5 * 1024 * 1024))),
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
    }


def trusted_hosts(setting: str | None, base_url: str) -> list[str]:
    """Host names this service answers to: TRUSTED_HOSTS, else BASE_URL's and local ones."""
    if setting:
        return [host.strip() for host in setting.split(",") if host.strip()]
    host = urlsplit(base_url).hostname
    return list(dict.fromkeys([*([host] if host else []), *LOCAL_HOSTS]))


def _whole_number(name: str, default: int) -> int:
    """Read a whole-number setting, refusing anything else with the setting's name."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    if not (value.isascii() and value.isdigit()):
        raise RuntimeError(f"{name} must be a whole number, not {value!r}")
    return int(value)


def _choice(name: str, choices: tuple[str, ...], default: str | None) -> str | None:
    """Read a setting that must be one of a few words."""
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value not in choices:
        raise RuntimeError(f"{name} must be one of {', '.join(choices)}, not {value!r}")
    return value


def _flag(name: str, default: bool) -> bool:
    """Read a yes/no setting such as SESSION_COOKIE_SECURE=0."""
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in ("1", "true", "yes", "on")


def default_database_url(instance_path: Path) -> str:
    """The embedded SQLite database under instance/."""
    return f"sqlite:///{instance_path / 'directory.sqlite3'}"


def database_url(url: str) -> str:
    """Point plain PostgreSQL URLs at the psycopg 3 driver, which is the one installed."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url
