"""Whole anonymous pages, kept per worker until what they show can have changed.

Founders mostly arrive without a cookie, and many ask the same few things ("grants",
"accelerator manchester"), so a worker keeps the response to each anonymous request for a page
that says so (`@cached_page`), keyed by its address and the catalogue's version: the search
index's generation and commit, the newest search outbox row in the shared database (every edit,
moderation decision, pause, close or import writes one in its own transaction) and the day (a
listing's availability depends on the date). Any change to the catalogue therefore changes the
key at once, on every host, and a page is never served stale beyond what the index shows.

Work a page does for every request, cached or not (recording a demand event for the visitor's
network and hour), is registered with `on_every_request` while it is built and replayed on each
hit. Responses carry an ETag, so a browser or a shared cache revalidates with a 304 instead of a
download; `Cache-Control: no-cache` has them ask each time, because each repeat is still demand.
Addresses with words, a postcode or a town the founder typed are `private`: only their browser
keeps those; filter-only searches and listing pages are `public`, so a shared cache may too.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from functools import wraps
from typing import ParamSpec, TypeVar

from flask import Flask, Response, current_app, g, make_response, request

P = ParamSpec("P")
R = TypeVar("R")

# Pages kept per worker: a few MB of HTML; the least recently used go first.
MAX_PAGES = 2000
# Headers a kept page is served with again (the security headers are added per response).
KEPT_HEADERS = ("Content-Type", "Content-Language")
# Parameters that carry what a founder typed (words, a postcode or town): a page whose address
# holds them is theirs, not for a shared cache (see DESIGN's privacy section).
TYPED_PARAMETERS = ("q", "near", "place")


@dataclass(frozen=True)
class KeptPage:
    """A response as sent once, with what to redo whenever it is sent again."""

    body: bytes
    headers: tuple[tuple[str, str], ...]
    etag: str
    redo: tuple[Callable[[], object], ...]


class PageCache:
    """One worker's anonymous pages, forgotten whenever the catalogue's version changes."""

    def __init__(self, version: Callable[[], Hashable | None], limit: int = MAX_PAGES) -> None:
        self.version = version
        self.limit = limit
        self._version: Hashable | None = None
        self._pages: OrderedDict[Hashable, KeptPage] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, version: Hashable) -> KeptPage | None:
        """The page kept for this key at this version, if any."""
        with self._lock:
            if version != self._version:
                self._pages.clear()
                self._version = version
                return None
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
            return page

    def put(self, key: Hashable, version: Hashable, page: KeptPage) -> None:
        """Keep a page built at this version (unless the version moved on meanwhile)."""
        with self._lock:
            if version != self._version:
                return
            self._pages[key] = page
            if len(self._pages) > self.limit:
                self._pages.popitem(last=False)

    def clear(self) -> None:
        """Forget every page (tests and settings changes)."""
        with self._lock:
            self._pages.clear()
            self._version = None


def init_app(app: Flask, version: Callable[[], Hashable | None]) -> None:
    """Give the app its page cache (PAGE_CACHE off: none), versioned by `version`."""
    if app.config["PAGE_CACHE"]:
        app.extensions["page_cache"] = PageCache(version, app.config["PAGE_CACHE_SIZE"])


def on_every_request(action: Callable[[], object]) -> None:
    """Do `action` now, and again whenever the page being built is served from the cache."""
    action()
    if hasattr(g, "page_redo"):
        g.page_redo.append(action)


def is_anonymous_request() -> bool:
    """A plain GET with no cookie or credentials: nothing can make its page differ per visitor."""
    return (
        request.method in ("GET", "HEAD")
        and not request.cookies
        and "Authorization" not in request.headers
    )


def cached_page(
    vary: Callable[[], Hashable] | None = None,
    cache_control: str | None = None,
) -> Callable[[Callable[P, R]], Callable[P, Response | R]]:
    """Serve a view's anonymous responses from the worker's page cache.

    The key is the request's path and query, plus what `vary` returns (anything else the page
    depends on, such as the search it was opened from). Only a 200 that sets no cookie is kept.
    `cache_control` replaces the default policy (see `cache_policy`).
    """

    def decorate(view: Callable[P, R]) -> Callable[P, Response | R]:
        @wraps(view)
        def serve(*args: P.args, **kwargs: P.kwargs) -> Response | R:
            cache: PageCache | None = current_app.extensions.get("page_cache")
            if cache is None or not is_anonymous_request():
                return view(*args, **kwargs)
            version = cache.version()
            if version is None:  # the index is away: pages say so, and are not kept
                return view(*args, **kwargs)
            key = (request.full_path, vary() if vary else None)
            page = cache.get(key, version)
            if page is None:
                g.page_redo = []
                response = make_response(view(*args, **kwargs))
                redo = tuple(g.pop("page_redo"))
                if response.status_code != 200 or "Set-Cookie" in response.headers:
                    return response
                body = response.get_data()
                page = KeptPage(
                    body=body,
                    headers=tuple(
                        (name, response.headers[name])
                        for name in KEPT_HEADERS
                        if name in response.headers
                    ),  # fmt: skip
                    etag=hashlib.blake2b(body, digest_size=16).hexdigest(),
                    redo=redo,
                )
                cache.put(key, version, page)
            else:
                for action in page.redo:
                    action()
            return _send(page, cache_control or cache_policy())

        return serve

    return decorate


def cache_policy() -> str:
    """Who may keep a page: caches must ask each time (a repeat is still a founder's demand),
    and only the founder's own browser may keep one whose address holds what they typed."""
    typed = any(request.args.get(name, "").strip() for name in TYPED_PARAMETERS)
    return "private, no-cache" if typed else "public, no-cache"


def _send(page: KeptPage, cache_control: str) -> Response:
    """A kept page as a response to this request: a 304 when the client holds it already."""
    response = Response(page.body, headers=list(page.headers))
    response.set_etag(page.etag)
    response.headers["Cache-Control"] = cache_control
    response.vary.add("Cookie")
    response.make_conditional(request)
    return response
