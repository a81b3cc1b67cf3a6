"""A normal (non-editable) install of the wheel serves every page, away from the checkout."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# What the wheel is built from: the package sources and the files they link to.
SOURCES = ("pyproject.toml", "README.md", "directory", "search_index", "seed_data", "docs")

SERVE_EVERY_PAGE = """
import json, sys
import directory
assert "/site/" in directory.__file__, directory.__file__  # the installed copy, not the checkout
from flask_migrate import upgrade
from directory import create_app
from directory.catalogue.seed import load_catalogue, read_catalogue
from directory.extensions import db
from directory.search.indexing import rebuild_index

app = create_app({"SECRET_KEY": "packaging", "TESTING": True})
with app.app_context():
    upgrade()
    taxonomy = app.extensions["taxonomy"]
    seed = app.config["SEED_DATA_DIR"]
    load_catalogue(db.session, taxonomy, read_catalogue(seed, taxonomy))
    db.session.commit()
    rebuild_index(app.config["SEARCH_INDEX_DIR"])
client = app.test_client()
pages = ["/", "/search?q=grant+leeds", "/listings/start-up-loans",
         "/organisations/welsh-government", "/check/", "/check/location", "/about",
         "/accessibility", "/privacy", "/feedback", "/insights/about-the-data",
         "/account/login", "/api/v1/taxonomy"]
print(json.dumps({page: client.get(page).status_code for page in pages}))
print(json.dumps({"instance": app.instance_path}))
"""


def test_the_installed_wheel_serves_every_page(tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, source / name, symlinks=True,
                            ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
        else:
            shutil.copy(path, source / name)
    # Offline: setuptools comes from the test environment, not the package index.
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "--no-build-isolation",
         "--quiet", "--wheel-dir", str(tmp_path / "wheel")],
        check=True,
    )  # fmt: skip
    (wheel,) = (tmp_path / "wheel").glob("*.whl")
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    work = tmp_path / "work"
    work.mkdir()
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_URL", "SEARCH_INDEX_DIR", "SEED_DATA_DIR", "INSTANCE"))
    }
    environment["PYTHONPATH"] = str(site)
    result = subprocess.run(
        [sys.executable, "-c", SERVE_EVERY_PAGE],
        cwd=work,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    statuses, where = (json.loads(line) for line in result.stdout.strip().splitlines()[-2:])
    assert statuses == dict.fromkeys(statuses, 200), statuses
    # Its own files go in the working directory, never into site-packages.
    assert where["instance"] == str(work / "instance")
    assert (work / "instance" / "directory.sqlite3").exists()
