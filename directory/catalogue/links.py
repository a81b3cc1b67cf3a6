"""Checking every web address the catalogue gives founders and cites as a source.

Run from the command line (`flask catalogue links`, from cron), never inside a web request:
it makes outbound requests, many at once, with timeouts, an honest user agent and at most a
few requests per host at a time. Broken, moved and unreachable addresses are recorded for
moderators, who see them on the moderation page with the records that use them.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from directory.catalogue.models import LinkCheck, Listing, Organisation
from directory.states import ModerationState

OUTCOMES = ("ok", "redirected", "broken", "unreachable")
# A redirect that says the address has moved for good: the catalogue should follow it.
PERMANENT = (301, 308)


@dataclass(frozen=True)
class LinkUse:
    """Where an address appears: which record, and in which field."""

    kind: str  # listing or organisation
    slug: str
    name: str
    field: str


@dataclass(frozen=True)
class LinkResult:
    """What one address answered."""

    url: str
    outcome: str
    status: int | None = None
    final_url: str | None = None
    error: str | None = None


def collect_links(session: Session) -> dict[str, list[LinkUse]]:
    """Every web address in published records: websites, contact forms and sources."""
    links: dict[str, list[LinkUse]] = defaultdict(list)
    organisations = session.scalars(
        select(Organisation).where(Organisation.moderation_state == ModerationState.PUBLISHED)
    )
    for organisation in organisations:
        use = ("organisation", organisation.slug, organisation.name)
        if organisation.website:
            links[organisation.website].append(LinkUse(*use, "website"))
        for source in organisation.sources or []:
            links[source["url"]].append(LinkUse(*use, "sources"))
    listings = session.scalars(
        select(Listing)
        .where(Listing.moderation_state == ModerationState.PUBLISHED)
        .options(selectinload(Listing.organisation))
    )
    for listing in listings:
        use = ("listing", listing.slug, listing.name)
        for field in ("website", "contact_form"):
            if getattr(listing, field):
                links[getattr(listing, field)].append(LinkUse(*use, field))
        for source in listing.sources or []:
            links[source["url"]].append(LinkUse(*use, "sources"))
    return dict(links)


async def _check_one(
    client: httpx.AsyncClient,
    url: str,
    limits: dict[str, asyncio.Semaphore],
    per_host: int,
    overall: asyncio.Semaphore,
) -> LinkResult:
    host = urlsplit(url).hostname or ""
    semaphore = limits.setdefault(host, asyncio.Semaphore(per_host))
    async with overall, semaphore:
        try:
            # GET, not HEAD: many servers answer HEAD wrongly. The body is never read.
            async with client.stream("GET", url, follow_redirects=True) as response:
                status = response.status_code
                final = str(response.url)
                moved = any(step.status_code in PERMANENT for step in response.history)
        except httpx.TimeoutException:
            return LinkResult(url, "unreachable", error="timed out")
        except (httpx.HTTPError, ValueError) as error:
            return LinkResult(url, "unreachable", error=f"{type(error).__name__}: {error}"[:200])
    if status >= 400:
        return LinkResult(url, "broken", status, final)
    if moved and final != url:
        return LinkResult(url, "redirected", status, final)
    return LinkResult(url, "ok", status, final)


async def check_links(
    urls: list[str],
    user_agent: str,
    concurrency: int = 20,
    per_host: int = 2,
    timeout: float = 10.0,
    progress: Callable[[int], None] | None = None,
) -> list[LinkResult]:
    """Request every address, `concurrency` at once and `per_host` per host at most."""
    limits: dict[str, asyncio.Semaphore] = {}
    overall = asyncio.Semaphore(concurrency)
    headers = {"User-Agent": user_agent}
    async with httpx.AsyncClient(headers=headers, timeout=timeout, max_redirects=5) as client:
        tasks = [_check_one(client, url, limits, per_host, overall) for url in urls]
        results = []
        for done, task in enumerate(asyncio.as_completed(tasks), start=1):
            results.append(await task)
            if progress:
                progress(done)
    return results


def record_results(session: Session, results: list[LinkResult]) -> None:
    """Upsert each address's latest result (flushes)."""
    existing = {row.url: row for row in session.scalars(select(LinkCheck))}
    now = datetime.now(UTC)
    for result in results:
        row = existing.get(result.url) or LinkCheck(url=result.url)
        row.outcome, row.status = result.outcome, result.status
        row.final_url, row.error, row.checked_at = result.final_url, result.error, now
        session.add(row)
    session.flush()


def problem_links(session: Session) -> list[tuple[LinkCheck, list[LinkUse]]]:
    """Broken, moved and unreachable addresses still in use, with the records that use them."""
    uses = collect_links(session)
    rows = session.scalars(
        select(LinkCheck)
        .where(LinkCheck.outcome != "ok")
        .order_by(LinkCheck.outcome, LinkCheck.url)
    )
    return [(row, uses[row.url]) for row in rows if row.url in uses]
