"""Search throughput under gunicorn against a trivial Flask endpoint on the same settings.

Both run under gunicorn with the same workers on this machine and are loaded by wrk over the
same set of distinct search URLs; demand logging is on (its default background writer). DESIGN
section 11 wants the search endpoint at 25% or more of the trivial endpoint's requests per second.

    python bench/throughput.py [--seconds 20] [--workers 2] [--connections 8] [--write-readme]

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
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from search_latency import cpu_description, scratch_config, seed_scratch, write_readme  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from directory.catalogue.models import Listing  # noqa: E402
from directory.extensions import db  # noqa: E402

WORDS = [
    "accelerator",
    "angel",
    "grant",
    "loan",
    "mentoring",
    "workspace",
    "export",
    "skills",
    "innovation",
    "crowdfunding",
    "incubator",
    "network",
    "university",
    "manufacturing",
    "digital",
    "life sciences",
    "green",
    "social enterprise",
    "investment",
    "advice",
]
REGIONS = ["", "london", "wales", "scotland", "north-east", "south-west", "eastern"]
STAGES = ["", "pre-start", "start-up", "growth"]


def distinct_paths(count: int = 400) -> list[str]:
    """Distinct search URLs: words crossed with regions and stages."""
    paths = []
    for word, region, stage in itertools.product(WORDS, REGIONS, STAGES):
        params = {"q": word, "region": region, "stage": stage}
        paths.append("/search?" + urlencode({k: v for k, v in params.items() if v}))
    return paths[:count]


def wrk_script(paths: list[str], folder: Path) -> Path:
    """A wrk Lua script that walks the URLs in turn."""
    script = folder / "paths.lua"
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


def wait_until_up(port: int, timeout: float = 30.0) -> None:
    """Wait for a server to accept connections."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise SystemExit(f"server on port {port} did not start")


def measure(app_path: str, env: dict, script: Path, args) -> float:
    """Requests per second wrk reaches against one gunicorn app."""
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            str(args.workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            app_path,
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        wait_until_up(port)
        # Warm every worker's searcher and caches before measuring.
        subprocess.run(
            ["wrk", "-t1", "-c4", "-d3s", "-s", str(script), f"http://127.0.0.1:{port}"],
            check=True,
            capture_output=True,
        )
        result = subprocess.run(
            [
                "wrk",
                "-t1",
                f"-c{args.connections}",
                f"-d{args.seconds}s",
                "-s",
                str(script),
                f"http://127.0.0.1:{port}",
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        errors = re.search(r"Non-2xx or 3xx responses: (\d+)", result.stdout)
        if errors:
            raise SystemExit(f"{app_path}: {errors.group(1)} failed requests\n{result.stdout}")
        return float(re.search(r"Requests/sec:\s+([\d.]+)", result.stdout).group(1))
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    """Seed a scratch catalogue, measure both apps, print and optionally write the README."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--write-readme", action="store_true")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install -y wrk")
    scratch = Path(tempfile.mkdtemp(prefix="bench-throughput-"))
    app = seed_scratch(scratch)
    with app.app_context():
        listings = db.session.scalar(select(func.count()).select_from(Listing))
    config = scratch_config(scratch)
    env = {
        **os.environ,
        "DATABASE_URL": config["SQLALCHEMY_DATABASE_URI"],
        "SEARCH_INDEX_DIR": config["SEARCH_INDEX_DIR"],
        "SECRET_KEY": "bench",
        "LOG_LEVEL": "WARNING",
        "DEMAND_RECORDING": "background",
    }
    paths = distinct_paths()
    script = wrk_script(paths, scratch)
    trivial = measure("bench.trivial_app:app", env, script, args)
    search = measure("wsgi:app", env, script, args)
    text = "\n".join(
        [
            f"Measured by `bench/throughput.py` on {time.strftime('%Y-%m-%d')}: gunicorn, "
            f"{args.workers} sync workers, wrk with {args.connections} connections for "
            f"{args.seconds} s over {len(paths)} distinct search URLs, demand logging on, "
            f"{listings} listings, SQLite; {cpu_description()} (wrk shares the machine).",
            "",
            "| endpoint | requests/s |",
            "|---|---|",
            f"| trivial Flask endpoint (the framework's ceiling) | {trivial:.0f} |",
            f"| `/search` | {search:.0f} |",
            f"| ratio | {search / trivial:.0%} (target at least 25%) |",
        ]
    )
    print(text)
    if args.write_readme:
        write_readme(text, "throughput")


if __name__ == "__main__":
    main()
