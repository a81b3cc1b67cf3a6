"""Serving the test app on a real port and driving Debian's Chromium through Playwright."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from pathlib import Path

from werkzeug.serving import make_server

from tests.helpers import PASSWORD, unavailable

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def require_chromium() -> None:
    """Skip when Chromium is absent, unless CI says a browser is required."""
    if not CHROMIUM.exists():
        unavailable(
            "REQUIRE_BROWSER", "browser tests need Debian's chromium: apt-get install -y chromium"
        )


@contextmanager
def serve(app):
    """Serve the app on a free local port in a thread; yield its base URL."""
    app.config["SERVER_NAME"] = None
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()


@contextmanager
def chromium_pages(count: int):
    """Fresh headless Chromium pages, each in its own browser context (its own cookies)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield [_watched_page(browser) for _ in range(count)]
        finally:
            browser.close()


@contextmanager
def chromium_page():
    """One fresh headless Chromium page."""
    with chromium_pages(1) as (page,):
        yield page


def _watched_page(browser):
    """A page that collects script errors for the test to check."""
    page = browser.new_context(viewport={"width": 1024, "height": 900}).new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    # GOV.UK Frontend reports a broken component with console.log("ElementError: ...").
    page.on(
        "console",
        lambda message: (
            (message.type == "error" or "Error" in message.text)
            and page.errors.append(message.text)
        ),
    )
    return page


def serious_accessibility_violations(page) -> list[str]:
    """Run axe-core on the page; return serious or critical violations, described."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} "
        f"at {[node['target'] for node in violation['nodes']][:3]}"
        for violation in results.response["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


def sign_in(page, base_url, email, password=PASSWORD):
    """Use the sign-in form."""
    page.goto(base_url + "/account/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    # Wait for the sign-in's own request, so the next page load cannot cut it short.
    follow(page, "button", "Sign in")


def follow(page, role, name, first=False):
    """Click the button or link of that name and wait for the page it loads."""
    control = page.get_by_role(role, name=name)
    with page.expect_navigation():
        (control.first if first else control).click()
