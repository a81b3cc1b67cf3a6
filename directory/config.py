"""Configuration read from the environment, with embedded defaults for local use."""

import os
import secrets
from pathlib import Path


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


def from_environment(instance_path: Path) -> dict:
    """Build the configuration mapping from environment variables."""
    production = os.environ.get("DIRECTORY_ENV", "development") == "production"
    secret_key = os.environ.get("SECRET_KEY")
    if not secret_key:
        if production:
            raise RuntimeError("SECRET_KEY must be set when DIRECTORY_ENV=production")
        secret_key = _instance_secret_key(instance_path)
    return {
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": database_url(
            os.environ.get("DATABASE_URL", default_database_url(instance_path))
        ),
        "SEARCH_INDEX_DIR": os.environ.get("SEARCH_INDEX_DIR", str(instance_path / "search_index")),
        "GEO_LOOKUP_PATH": os.environ.get("GEO_LOOKUP_PATH", str(instance_path / "geo.sqlite3")),
        "SEED_DATA_DIR": os.environ.get(
            "SEED_DATA_DIR", str(Path(__file__).resolve().parent.parent / "seed_data")
        ),
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO"),
        "PRODUCTION": production,
        # Email: SMTP when MAIL_SMTP_HOST is set, otherwise files in instance/outbox/.
        "MAIL_FROM": os.environ.get("MAIL_FROM", "Start-up Support Directory <no-reply@localhost>"),
        "MAIL_SMTP_HOST": os.environ.get("MAIL_SMTP_HOST"),
        "MAIL_SMTP_PORT": int(os.environ.get("MAIL_SMTP_PORT", "587")),
        "MAIL_SMTP_USERNAME": os.environ.get("MAIL_SMTP_USERNAME"),
        "MAIL_SMTP_PASSWORD": os.environ.get("MAIL_SMTP_PASSWORD"),
        "MAIL_OUTBOX_DIR": os.environ.get("MAIL_OUTBOX_DIR", str(instance_path / "outbox")),
        # Rate limits count in memory per process unless pointed at Redis.
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_LOGIN": os.environ.get("RATELIMIT_LOGIN", "10/minute;50/hour"),
        "RATELIMIT_REGISTER": os.environ.get("RATELIMIT_REGISTER", "5/minute;20/hour"),
        "RATELIMIT_RESET": os.environ.get("RATELIMIT_RESET", "5/minute;20/hour"),
        "RATELIMIT_HEADERS_ENABLED": True,
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
