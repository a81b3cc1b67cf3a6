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
            os.environ.get("DATABASE_URL", f"sqlite:///{instance_path / 'directory.sqlite3'}")
        ),
        "SEARCH_INDEX_DIR": os.environ.get("SEARCH_INDEX_DIR", str(instance_path / "search_index")),
        "SEED_DATA_DIR": os.environ.get(
            "SEED_DATA_DIR", str(Path(__file__).resolve().parent.parent / "seed_data")
        ),
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO"),
        "PRODUCTION": production,
    }


def database_url(url: str) -> str:
    """Point plain PostgreSQL URLs at the psycopg 3 driver, which is the one installed."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url
