"""Throughput under gunicorn against a trivial Flask endpoint on the same settings, in one run.

Each kind of page (the search page, the search API, listing pages, questionnaire results) is
loaded by wrk over 400 distinct URLs; a trivial endpoint on the same gunicorn settings gives the
framework's ceiling. Demand logging is on (its default background writer). The targets: each at
25% or more of the ceiling on the seeded catalogue, the search page and API at 20% or more with
100,000 SYNTHETIC listings; p99 under 8 connections below 50 ms; the first request after a
worker starts below 1 s.

    python bench/throughput.py [--database sqlite|postgresql] [--synthetic 100000]
                               [--page-cache on|off] [--seconds 20] [--workers 2]
                               [--connections 8] [--write-readme]

Needs gunicorn (pip) and wrk (apt-get install wrk). It only talks to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import itertools
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from search_latency import cpu_description, scratch_config, write_readme  # noqa: E402
from sqlalchemy import create_engine, func, select, text  # noqa: E402

from directory import create_app  # noqa: E402
from directory.catalogue.models import Listing  # noqa: E402
from directory.catalogue.seed import load_catalogue, read_catalogue  # noqa: E402
from directory.catalogue.synth import synthetic_catalogue  # noqa: E402
from directory.extensions import db  # noqa: E402
from directory.search.indexing import rebuild_index  # noqa: E402

POSTGRES_SERVER = "postgresql://root@127.0.0.1:5432"
WORDS = [
    "accelerator", "angel", "grant", "loan", "mentoring", "workspace", "export", "skills",
    "innovation", "crowdfunding", "incubator", "network", "university", "manufacturing",
    "digital", "life sciences", "green", "social enterprise", "investment", "advice",
]  # fmt: skip
REGIONS = ["", "london", "wales", "scotland", "north-east", "south-west", "eastern"]
STAGES = ["", "pre-start", "start-up", "growth"]
NEEDS = ["advice", "programme", "workspace", "export", "innovation", "skills", "networks"]
DISTINCT = 400


@dataclass
class Load:
    """What wrk measured against one app."""

    requests_per_second: float
    p99_ms: float


def search_paths(prefix: str = "/search") -> list[str]:
    """Distinct search URLs: words crossed with regions and stages."""
    paths = []
    for word, region, stage in itertools.product(WORDS, REGIONS, STAGES):
        params = {"q": word, "region": region, "stage": stage}
        paths.append(prefix + "?" + urlencode({k: v for k, v in params.items() if v}))
    return paths[:DISTINCT]


def listing_paths(slugs: list[str]) -> list[str]:
    """Distinct listing pages."""
    return [f"/listings/{slug}" for slug in slugs[:DISTINCT]]


def questionnaire_paths() -> list[str]:
    """Distinct, complete questionnaire answers (needs that ask nothing more)."""
    paths = []
    for region, stage, need, size in itertools.product(
        REGIONS[1:] + ["northern-ireland", "east-midlands"], STAGES[1:], NEEDS,
        ["under-10", "skip"],
    ):  # fmt: skip
        answers = {"region": region, "stage": stage, "sector": "skip", "need": need,
                   "about": "skip", "size": size}  # fmt: skip
        paths.append("/check/results?" + urlencode(answers))
    return paths[:DISTINCT]


def wrk_script(paths: list[str], folder: Path, name: str) -> Path:
    """A wrk Lua script that walks the URLs in turn."""
    script = folder / f"{name}.lua"
    quoted = ",\n".join(f'  "{path}"' for path in paths)
    script.write_text(
        "local paths = {\n" + quoted + "\n}\nlocal i = 0\n"
        "request = function()\n  i = i % #paths + 1\n"
        "  return wrk.format('GET', paths[i])\nend\n"
    )
    return script


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(port: int, timeout: float = 60.0) -> None:
    """Wait for a server to accept connections."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise SystemExit(f"server on port {port} did not start")


class Server:
    """One gunicorn app on a free port, for as long as the `with` lasts."""

    def __init__(self, app_path: str, env: dict, workers: int):
        self.port = free_port()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind",
             f"127.0.0.1:{self.port}", "--log-level", "warning", app_path],
            cwd=ROOT, env=env,
        )  # fmt: skip

    def __enter__(self) -> Server:
        wait_until_up(self.port)
        return self

    def __exit__(self, *_exc) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)

    def first_response_seconds(self, path: str) -> float:
        """How long the first request takes once the port accepts connections."""
        started = time.perf_counter()
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=60) as answer:  # noqa: S310
            answer.read()
        return time.perf_counter() - started

    def load(self, script: Path, seconds: int, connections: int) -> Load:
        """Warm the workers (10 s, so each has met most of the addresses), then load the app
        with wrk; the cold cost of every address is what `--page-cache off` measures."""
        url = f"http://127.0.0.1:{self.port}"
        subprocess.run(["wrk", "-t1", "-c4", "-d10s", "-s", str(script), url],
                       check=True, capture_output=True)  # fmt: skip
        result = subprocess.run(
            ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script),
             url],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        errors = re.search(r"Non-2xx or 3xx responses: (\d+)", result.stdout)
        if errors:
            raise SystemExit(f"{errors.group(1)} failed requests\n{result.stdout}")
        rate = float(re.search(r"Requests/sec:\s+([\d.]+)", result.stdout).group(1))
        p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", result.stdout)
        scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
        return Load(rate, float(p99.group(1)) * scale)


def scratch_database(kind: str, scratch: Path) -> str:
    """A fresh database of the kind asked for: an SQLite file, or a new PostgreSQL database."""
    if kind == "sqlite":
        return scratch_config(scratch)["SQLALCHEMY_DATABASE_URI"]
    name = "bench_throughput"
    engine = create_engine(f"{POSTGRES_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return f"{POSTGRES_SERVER}/{name}"


def seed(scratch: Path, database: str, synthetic: int) -> tuple[dict, list[str]]:
    """Load the real catalogue, or `synthetic` SYNTHETIC listings; index; return config, slugs."""
    config = {**scratch_config(scratch), "SQLALCHEMY_DATABASE_URI": database}
    app = create_app(config)
    with app.app_context():
        db.create_all()
        taxonomy = app.extensions["taxonomy"]
        folder = ROOT / "seed_data"
        if synthetic:
            folder = scratch / "synthetic"
            synthetic_catalogue(synthetic, folder, taxonomy)
        load_catalogue(db.session, taxonomy, read_catalogue(folder, taxonomy))
        db.session.commit()
        rebuild_index(config["SEARCH_INDEX_DIR"])
        slugs = list(db.session.scalars(select(Listing.slug).order_by(func.random())))
        db.session.remove()
        db.engine.dispose()
    return config, slugs


def run(args) -> str:
    """Seed, then measure the trivial endpoint and each page kind in one run; a Markdown table."""
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install -y wrk")
    scratch = Path(tempfile.mkdtemp(prefix="bench-throughput-"))
    database = scratch_database(args.database, scratch)
    config, slugs = seed(scratch, database, args.synthetic)
    env = {
        **os.environ,
        "DATABASE_URL": database,
        "SEARCH_INDEX_DIR": config["SEARCH_INDEX_DIR"],
        "SECRET_KEY": "bench",
        "LOG_LEVEL": "WARNING",
        "DEMAND_RECORDING": "background",
        "PAGE_CACHE": "1" if args.page_cache == "on" else "0",
    }
    kinds = {
        "search page `/search`": search_paths(),
        "search API `/api/v1/search`": search_paths("/api/v1/search"),
        "listing pages `/listings/<slug>`": listing_paths(slugs),
        "questionnaire results `/check/results`": questionnaire_paths(),
    }
    if args.synthetic:  # the catalogue's own pages do not grow with it
        kinds = {name: paths for name, paths in kinds.items() if "search" in name}
    with Server("bench.trivial_app:app", env, args.workers) as trivial:
        ceiling = trivial.load(
            wrk_script(search_paths(), scratch, "trivial"), args.seconds, args.connections
        )
    loads, first = {}, None
    with Server("wsgi:app", env, args.workers) as server:
        first = server.first_response_seconds(search_paths()[0])
        for name, paths in kinds.items():
            script = wrk_script(paths, scratch, re.sub(r"\W+", "-", name))
            loads[name] = server.load(script, args.seconds, args.connections)
    listings = f"{args.synthetic:,} SYNTHETIC" if args.synthetic else f"{len(slugs)} seeded"
    target = 20 if args.synthetic else 25
    lines = [
        f"Measured by `bench/throughput.py` on {time.strftime('%Y-%m-%d')}, one run: gunicorn, "
        f"{args.workers} sync workers, wrk with {args.connections} connections for "
        f"{args.seconds} s per page kind over {DISTINCT} distinct URLs each, demand logging on, "
        f"{listings} listings, {args.database}, page cache {args.page_cache}; "
        f"{cpu_description()} (wrk shares the machine). "
        f"First response after the workers start: {first * 1000:.0f} ms.",
        "",
        "| endpoint | requests/s | share of the ceiling | p99 ms | target |",
        "|---|---|---|---|---|",
        f"| trivial Flask endpoint (the ceiling) | {ceiling.requests_per_second:,.0f} | 100% "
        f"| {ceiling.p99_ms:.1f} | |",
    ]
    for name, load in loads.items():
        share = load.requests_per_second / ceiling.requests_per_second
        lines.append(
            f"| {name} | {load.requests_per_second:,.0f} | {share:.0%} | {load.p99_ms:.1f} "
            f"| {target}% or more; p99 < 50 ms |"
        )
    return "\n".join(lines)


def main() -> None:
    """Parse arguments, run, print, and optionally write the README."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--synthetic", type=int, default=0)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument(
        "--page-cache", choices=("on", "off"), default="on",
        help="off: every request builds its page (what a cold cache costs)",
    )  # fmt: skip
    parser.add_argument("--write-readme", action="store_true")
    args = parser.parse_args()
    text_ = run(args)
    print(text_)
    if args.write_readme:
        section = f"throughput_{args.database}" + ("_synthetic" if args.synthetic else "")
        section += "_uncached" if args.page_cache == "off" else ""
        write_readme(text_, section)


if __name__ == "__main__":
    main()
