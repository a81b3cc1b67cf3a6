"""`flask catalogue links` against a local server that answers 200, 301, 404, 500, and hangs."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from directory.catalogue.models import LinkCheck
from directory.extensions import db
from tests.helpers import listing, make_user, page_text, sign_in

SEEN_AGENTS: list[str] = []
IN_FLIGHT = {"now": 0, "most": 0}
LOCK = threading.Lock()


class Answers(BaseHTTPRequestHandler):
    """A web server with one path per kind of answer."""

    def do_GET(self):  # noqa: N802 (http.server's naming)
        # A hanging request is abandoned by the client long before it ends here: not counted.
        counted = not self.path.startswith("/hang")
        with LOCK:
            SEEN_AGENTS.append(self.headers.get("User-Agent", ""))
            IN_FLIGHT["now"] += counted
            IN_FLIGHT["most"] = max(IN_FLIGHT["most"], IN_FLIGHT["now"])
        try:
            time.sleep(0.05)  # long enough for concurrent requests to overlap
            if self.path.startswith("/hang"):
                time.sleep(3)
            if self.path.startswith("/moved"):
                self.send_response(301)
                self.send_header("Location", "/ok-new")
                self.end_headers()
                return
            status = {"/gone": 404, "/error": 500}.get(self.path, 200)
            self.send_response(status)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(b"<p>hello</p>")
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            with LOCK:
                IN_FLIGHT["now"] -= counted

    def log_message(self, *args):
        pass


@pytest.fixture
def local_site():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Answers)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_links_are_checked_and_problems_shown_to_moderators(app, client, local_site, monkeypatch):
    paths = ["ok", "moved", "gone", "error", "hang"]
    slugs = ["start-up-loans", "knowledge-transfer-partnerships"]
    for number, path in enumerate(paths):
        found = listing(slugs[number % 2]) if number < 2 else None
        if found is not None:
            found.website = f"{local_site}/{path}"
        else:
            first = listing(slugs[0])
            first.sources = [
                *first.sources,
                {"url": f"{local_site}/{path}", "retrieved": "2026-11-30", "supports": ["name"]},
            ]
    # Many more addresses on the same host: at most --per-host of them at once.
    extra = listing(slugs[1])
    extra.sources = [*extra.sources, *({"url": f"{local_site}/ok?{n}", "retrieved": "2026-11-30",
                                        "supports": ["name"]} for n in range(12))]  # fmt: skip
    db.session.commit()
    # Every other address of the catalogue is a real site on the internet, which this machine
    # (and CI) cannot reach: leave only the local server's addresses in the check.
    from directory.catalogue import links as links_module

    real = links_module.collect_links
    monkeypatch.setattr(
        links_module,
        "collect_links",
        lambda session: {u: uses for u, uses in real(session).items() if u.startswith(local_site)},
    )
    result = app.test_cli_runner().invoke(
        args=["catalogue", "links", "--timeout", "0.5", "--per-host", "2"]
    )
    monkeypatch.undo()
    assert result.exit_code == 0, result.output
    assert "1 redirected, 2 broken, 1 unreachable" in result.output
    outcomes = {
        row.url.removeprefix(local_site): row for row in db.session.scalars(select(LinkCheck))
    }
    assert outcomes["/ok"].outcome == "ok"
    assert outcomes["/moved"].outcome == "redirected"
    assert outcomes["/moved"].final_url == f"{local_site}/ok-new"
    assert (outcomes["/gone"].outcome, outcomes["/gone"].status) == ("broken", 404)
    assert (outcomes["/error"].outcome, outcomes["/error"].status) == ("broken", 500)
    assert (outcomes["/hang"].outcome, outcomes["/hang"].error) == ("unreachable", "timed out")
    assert IN_FLIGHT["most"] <= 2
    assert all(agent.startswith("StartupSupportDirectory-LinkCheck/1.0") for agent in SEEN_AGENTS)

    make_user("mod@example.org", roles=("moderator",))
    sign_in(client, "mod@example.org")
    page = page_text(client.get("/moderate/").get_data(as_text=True))
    assert f"{local_site}/gone" in page and "Broken (404)" in page
    assert f"Moved to {local_site}/ok-new" in page and "Unreachable (timed out)" in page
    assert listing("start-up-loans").name in page


@pytest.mark.parametrize(
    ("option", "value"), [("--concurrency", "0"), ("--per-host", "0"), ("--timeout", "0")]
)
def test_settings_that_could_never_finish_are_refused_before_any_request(app, option, value):
    # No request slot (or no time) would leave the run waiting for ever: refuse it at once.
    result = app.test_cli_runner().invoke(args=["catalogue", "links", option, value])
    assert result.exit_code == 2
    assert f"Invalid value for '{option}'" in result.output
    assert db.session.scalars(select(LinkCheck)).first() is None
