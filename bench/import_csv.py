"""A 5 MB catalogue CSV import through the admin page, timed server side (index refresh included).

    python bench/import_csv.py [--megabytes 5] [--postgres postgresql://...] [--write-readme]

The file is the seeded catalogue's own export with its rows repeated under new slugs until it
reaches the size: every row is validated, created, audited and indexed, as a real import is.
Gunicorn's default worker timeout is 30 s; the target is to finish well inside it.
"""

from __future__ import annotations

import argparse
import csv
import io
import platform
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from demand import postgres_scratch  # noqa: E402
from search_latency import cpu_description, seed_scratch, write_readme  # noqa: E402

from directory.accounts.services import create_user  # noqa: E402
from directory.extensions import db  # noqa: E402

PASSWORD = "bench import password"


def big_csv(export: str, size: int) -> tuple[str, int]:
    """The export's rows repeated with new slugs and names until the text reaches `size`."""
    rows = list(csv.reader(io.StringIO(export)))
    header, body = rows[0], rows[1:]
    slug, name = header.index("slug"), header.index("name")
    out = io.StringIO()
    csv.writer(out).writerow(header)
    count = 0
    copy = 0
    while True:
        copy += 1
        for row in body:
            row = list(row)
            row[slug] = f"{row[slug]}-copy-{copy}"[:120]
            row[name] = f"{row[name]} (copy {copy})"[:200]
            line = io.StringIO()
            csv.writer(line).writerow(row)
            if out.tell() + len(line.getvalue().encode()) > size:
                return out.getvalue(), count
            out.write(line.getvalue())
            count += 1


def measure(url: str | None, megabytes: float) -> tuple[float, int, int]:
    """Seconds for one import request, the file's bytes and its listings."""
    with tempfile.TemporaryDirectory() as folder:
        scratch = Path(folder)
        config = {"SQLALCHEMY_DATABASE_URI": url} if url else {}
        app = seed_scratch(scratch, SERVER_NAME="localhost", BASE_URL="http://localhost",
                           DEMAND_SALT_STORAGE=str(scratch / "salts"), **config)  # fmt: skip
        with app.app_context():
            create_user("admin@example.org", PASSWORD, roles=("admin",))
            db.session.commit()
        client = app.test_client()
        page = client.get("/account/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        client.post("/account/login", data={"csrf_token": token, "email": "admin@example.org",
                                            "password": PASSWORD})  # fmt: skip
        export = client.get("/admin/catalogue/export.csv").get_data(as_text=True)
        text, listings = big_csv(export, int(megabytes * 1_000_000))
        page = client.get("/admin/catalogue").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        started = time.perf_counter()
        response = client.post(
            "/admin/catalogue/import",
            data={"csrf_token": token, "file": (io.BytesIO(text.encode()), "catalogue.csv")},
            content_type="multipart/form-data",
        )
        seconds = time.perf_counter() - started
        if response.status_code != 302:
            raise SystemExit(f"import failed: {response.status_code} {response.get_data()[:500]}")
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        app.extensions["search_index"].close()
        return seconds, len(text.encode()), listings


def main() -> None:
    """Measure on SQLite and, when asked, on PostgreSQL; print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=float, default=5.0)
    parser.add_argument("--postgres", help="a PostgreSQL URL; a scratch database is made beside it")
    parser.add_argument("--write-readme", action="store_true")
    args = parser.parse_args()
    rows = [("SQLite", *measure(None, args.megabytes))]
    if args.postgres:
        url, drop = postgres_scratch(args.postgres)
        try:
            rows.append(("PostgreSQL", *measure(url, args.megabytes)))
        finally:
            drop()
    lines = [
        f"Measured by `bench/import_csv.py` on {time.strftime('%Y-%m-%d')}: "
        f"{platform.machine()}, Python {platform.python_version()}, {cpu_description()}; "
        "one import request through the admin page (Flask test client), validation, audit "
        "trail and index refresh included.",
        "",
        "| database | file | listings created | seconds | target |",
        "|---|---|---|---|---|",
    ]
    for name, seconds, size, listings in rows:
        lines.append(f"| {name} | {size / 1_000_000:.1f} MB | {listings:,} | {seconds:.1f} | "
                     "well inside gunicorn's 30 s |")  # fmt: skip
    text = "\n".join(lines)
    print(text)
    if args.write_readme:
        write_readme(text, "import_csv")


if __name__ == "__main__":
    main()
