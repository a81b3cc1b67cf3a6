"""Email alerts: asking, double opt-in, digests, sending (idempotent, resumable, SMTP failures),
unsubscribing, the alerts page, rate limits, retention, and waiting demand."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select, update

from directory.alerts import sending, services
from directory.alerts.models import Alert, AlertDelivery, AlertTerm, Subscriber
from directory.catalogue.models import Listing
from directory.clock import utcnow
from directory.demand.models import DemandEvent
from directory.extensions import db
from tests.factories import make_listing
from tests.helpers import page_text, signed_in
from tests.smtp_server import smtp_server

SEARCH = {"support": "accelerator", "region": "north-east"}


@pytest.fixture(autouse=True)
def catalogue_published_long_ago(app):
    """The seeded catalogue was loaded moments ago; to alerts it is old news."""
    db.session.execute(update(Listing).values(published_at=utcnow() - timedelta(days=90)))
    db.session.commit()


def messages(app) -> list[EmailMessage]:
    """Every email in the offline outbox, oldest first."""
    folder = Path(app.config["MAIL_OUTBOX_DIR"])
    paths = (
        sorted(folder.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns) if folder.exists() else []
    )
    return [message_from_bytes(path.read_bytes(), policy=default) for path in paths]


def text_of(message: EmailMessage) -> str:
    """An email's plain-text part."""
    return message.get_body(preferencelist=("plain",)).get_content()


def link_in(text: str, part: str) -> str:
    """The path of the first link to this site containing `part`."""
    return re.search(rf"http://localhost(\S*{part}\S*)", text).group(1)


def ask(
    client, email: str, args: dict | None = None, kind: str = "search", frequency: str = "daily"
):
    """Open the alert form for a search (or answers) and send it, as a browser would."""
    query = urlencode({"kind": kind, **(args or SEARCH)}, doseq=True)
    page = client.get(f"/alerts/new?{query}")
    assert page.status_code == 200, page.get_data(as_text=True)
    body = page.get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', body).group(1)
    kept = html.unescape(
        re.search(r'id="query" name="query" type="hidden" value="([^"]*)"', body).group(1)
    )
    data = {
        "csrf_token": token,
        "email": email,
        "frequency": frequency,
        "kind": kind,
        "query": kept,
    }
    return client.post("/alerts/new", data=data)


def confirmed_alert(app, client, email: str = "founder@example.org", **kwargs) -> Alert:
    """Ask for an alert and follow the confirmation link in the email."""
    before = len(messages(app))
    assert ask(client, email, **kwargs).status_code == 200
    confirm = messages(app)[before:]
    assert len(confirm) == 1
    response = client.get(link_in(text_of(confirm[0]), "/alerts/confirm/"))
    assert response.status_code == 200, response.get_data(as_text=True)
    return db.session.scalars(select(Alert).order_by(Alert.id.desc())).first()


def back_date(alert: Alert, days: int = 1) -> None:
    """Pretend the alert's last digest was `days` ago."""
    alert.covered_until = utcnow() - timedelta(days=days)
    db.session.commit()


def send(app, frequency: str = "daily", now=None):
    """Run the send step as `flask alerts send` does."""
    report = sending.send_alerts(frequency, now)
    db.session.expire_all()
    return report


def digests(app) -> list[EmailMessage]:
    """The digest emails in the outbox."""
    return [m for m in messages(app) if "for your support alert" in m["Subject"]]


# Asking and confirming


def test_results_pages_offer_an_alert_for_the_same_search(client):
    page = client.get("/search?support=accelerator&region=north-east&page=1")
    link = re.search(r'href="([^"]*/alerts/new[^"]*)"', page.get_data(as_text=True)).group(1)
    form = client.get(html.unescape(link))
    text = page_text(form.get_data(as_text=True))
    assert "Support: Accelerator" in text and "Region: North East" in text
    assert form.headers["Cache-Control"] == "no-store"


def test_asking_sends_a_confirmation_and_starts_nothing_until_it_is_followed(app, client):
    response = ask(client, "Founder@Example.org")
    assert "Check your email" in page_text(response.get_data(as_text=True))
    (confirm,) = messages(app)
    assert confirm["To"] == "founder@example.org"
    assert "/alerts/confirm/" in text_of(confirm)
    alert = db.session.scalars(select(Alert)).one()
    assert alert.confirmed_at is None
    make_listing(app, support_types=["accelerator"], regions=["north-east"])
    back_date(alert)
    assert send(app).sent == 0 and not digests(app)

    client.get(link_in(text_of(confirm), "/alerts/confirm/"))
    db.session.expire_all()
    assert db.session.get(Alert, alert.id).confirmed_at is not None


def test_only_the_address_and_a_scrubbed_search_are_kept(app, client):
    args = {"q": "fintech jane@example.com 07700 900123", "near": "LS1 4AP", "support": "grant"}
    ask(client, "founder@example.org", args)
    alert = db.session.scalars(select(Alert)).one()
    assert "jane" not in alert.query and "07700" not in alert.query
    assert "near=LS1&" in alert.query + "&" and "4AP" not in alert.query
    assert "q=fintech" in alert.query and "support=grant" in alert.query
    assert db.session.scalars(select(Subscriber.email)).all() == ["founder@example.org"]


def test_the_answer_is_the_same_whether_or_not_the_address_has_the_alert(app, client):
    first = ask(client, "founder@example.org").get_data(as_text=True)
    client.get(link_in(text_of(messages(app)[-1]), "/alerts/confirm/"))
    again = ask(client, "founder@example.org").get_data(as_text=True)
    other = ask(client, "someone-else@example.org").get_data(as_text=True)
    strip = lambda page: re.sub(r"[\w.-]+@example\.org", "ADDRESS", page_text(page))  # noqa: E731
    assert strip(first) == strip(again) == strip(other)
    # The address's owner is told, not the person at the keyboard.
    assert "already have" in text_of(messages(app)[-2])
    assert db.session.scalar(select(func.count(Alert.id))) == 2


def test_bad_addresses_and_missing_tokens_are_refused_without_losing_the_search(app, client):
    page = client.get("/alerts/new?kind=search&support=loan")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True)).group(
        1
    )
    bad = client.post(
        "/alerts/new",
        data={"csrf_token": token, "email": "not an address", "frequency": "daily",
              "kind": "search", "query": "support=loan"},
    )  # fmt: skip
    text = page_text(bad.get_data(as_text=True))
    assert "Enter an email address in the correct format" in text
    assert "Support: Loan" in text
    no_token = client.post(
        "/alerts/new",
        data={"email": "founder@example.org", "frequency": "daily", "kind": "search",
              "query": "support=loan"},
    )  # fmt: skip
    assert no_token.status_code == 400
    assert db.session.scalar(select(func.count(Alert.id))) == 0


def test_confirming_counts_the_alert_as_demand(app, client):
    confirmed_alert(app, client)
    events = db.session.scalars(select(DemandEvent).where(DemandEvent.source == "alert")).all()
    assert {(e.region, e.support) for e in events} == {("north-east", "accelerator")}
    assert all(e.query is None for e in events)


def test_a_tampered_or_unknown_confirmation_link_says_so(app, client):
    ask(client, "founder@example.org")
    link = link_in(text_of(messages(app)[-1]), "/alerts/confirm/")
    response = client.get(link[:-3] + "xyz")
    assert response.status_code == 400
    assert "not valid" in page_text(response.get_data(as_text=True))


# Digests


def test_a_digest_lists_new_opening_and_closing_support_with_reasons(app, client):
    alert = confirmed_alert(app, client)
    today = date.today()
    new = make_listing(app, name="Tyne deep tech accelerator", support_types=["accelerator"],
                       regions=["north-east"])  # fmt: skip
    opening = make_listing(app, name="Wear founders accelerator", support_types=["accelerator"],
                           regions=["north-east"], application_status="opens",
                           opens_on=today)  # fmt: skip
    closing = make_listing(app, name="Tees cohort accelerator", support_types=["accelerator"],
                           regions=["uk-wide"], application_status="open",
                           deadline=today + timedelta(days=14))  # fmt: skip
    later = make_listing(app, name="Far deadline accelerator", support_types=["accelerator"],
                         regions=["north-east"], application_status="open",
                         deadline=today + timedelta(days=20))  # fmt: skip
    make_listing(app, name="Somewhere else accelerator", support_types=["accelerator"],
                 regions=["london"])  # fmt: skip
    make_listing(app, name="North East grant", support_types=["grant"], regions=["north-east"])
    long_ago = utcnow() - timedelta(days=60)
    for listing in (opening, closing, later):
        db.session.get(Listing, listing.id).published_at = long_ago
    db.session.commit()
    back_date(alert)

    report = send(app)
    assert (report.planned, report.sent) == (1, 1)
    (digest,) = digests(app)
    text = text_of(digest)
    assert "Tyne deep tech accelerator" in text and "Newly listed" in text
    assert "Wear founders accelerator" in text and "Open for applications from" in text
    assert "Tees cohort accelerator" in text and "Deadline:" in text
    for absent in ("Far deadline", "Somewhere else", "North East grant"):
        assert absent not in text
    assert "Offers the help you need: Accelerator" in text
    assert "Serves North East" in text and "Available anywhere in the UK" in text
    assert f"http://localhost/listings/{new.slug}" in text
    html_part = digest.get_body(preferencelist=("html",)).get_content()
    assert '<html lang="en">' in html_part and "Tyne deep tech accelerator" in html_part
    assert digest["List-Unsubscribe"].startswith("<http://localhost/alerts/unsubscribe/")
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/alerts/manage/" in text


def test_nothing_is_sent_when_nothing_is_new_and_a_second_run_sends_nothing(app, client):
    alert = confirmed_alert(app, client)
    back_date(alert)
    assert send(app).sent == 0 and not digests(app)
    make_listing(app, support_types=["accelerator"], regions=["north-east"])
    assert send(app).sent == 1
    assert send(app).sent == 0
    assert len(digests(app)) == 1


def test_a_questionnaire_alert_explains_matches_with_the_questionnaires_reasons(app, client):
    answers = {"region": "wales", "stage": "start-up", "sector": "skip", "need": "advice",
               "about": "skip", "size": "skip"}  # fmt: skip
    alert = confirmed_alert(app, client, args=answers, kind="check")
    assert alert.kind == "check"
    make_listing(app, name="Cardiff founders clinic", support_types=["advice"], regions=["wales"],
                 stages=["start-up"])  # fmt: skip
    back_date(alert)
    send(app)
    text = text_of(digests(app)[0])
    assert "Cardiff founders clinic" in text
    assert "For your stage: Start-up" in text


def test_a_weekly_alert_gets_one_digest_a_week(app, client):
    alert = confirmed_alert(app, client, frequency="weekly")
    make_listing(app, support_types=["accelerator"], regions=["north-east"])
    back_date(alert, 3)
    assert send(app, "daily").alerts == 0
    assert send(app, "weekly").sent == 1
    make_listing(app, support_types=["accelerator"], regions=["north-east"])
    assert send(app, "weekly").sent == 0  # the same week: next week's digest


# Sending: crashes, SMTP failures


def _alerts_with_news(app, client, count: int) -> list[Alert]:
    alerts = [confirmed_alert(app, client, f"founder{n}@example.org") for n in range(count)]
    make_listing(app, support_types=["accelerator"], regions=["north-east"])
    for alert in alerts:
        back_date(alert)
    return alerts


def test_a_crash_part_way_through_sending_neither_repeats_nor_skips_anyone(
    app, client, monkeypatch
):
    _alerts_with_news(app, client, 4)
    real = sending.send_email
    calls = {"n": 0}

    def crash_after_second(*args, **kwargs):
        real(*args, **kwargs)
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt  # the process dies after the server took the message

    monkeypatch.setattr(sending, "send_email", crash_after_second)
    with pytest.raises(KeyboardInterrupt):
        send(app)
    db.session.rollback()
    monkeypatch.setattr(sending, "send_email", real)
    send(app)
    send(app)
    recipients = sorted(m["To"] for m in digests(app))
    assert recipients == [f"founder{n}@example.org" for n in range(4)]
    statuses = db.session.scalars(select(AlertDelivery.status)).all()
    assert statuses == ["sent"] * 4


def test_a_crash_while_planning_loses_the_batch_not_the_news(app, client, monkeypatch):
    _alerts_with_news(app, client, 3)
    real = sending.Matcher.items
    seen = {"n": 0}

    def crash_on_third(self, alert):
        seen["n"] += 1
        if seen["n"] == 3:
            raise KeyboardInterrupt
        return real(self, alert)

    monkeypatch.setattr(sending.Matcher, "items", crash_on_third)
    with pytest.raises(KeyboardInterrupt):
        send(app)
    db.session.rollback()
    assert db.session.scalar(select(func.count(AlertDelivery.id))) == 0
    monkeypatch.setattr(sending.Matcher, "items", real)
    assert send(app).sent == 3


def test_smtp_refusals_are_retried_later_and_bounces_delete_the_address(app, client):
    alerts = _alerts_with_news(app, client, 2)
    with smtp_server() as (port, mailbox):
        app.config.update(MAIL_SMTP_HOST="127.0.0.1", MAIL_SMTP_PORT=port, MAIL_SMTP_STARTTLS=False)
        mailbox.rcpt_reply = "451 try again later"
        report = send(app)
        assert (report.sent, report.retrying) == (0, 2)
        pending = db.session.scalars(select(AlertDelivery)).all()
        assert all(d.status == "pending" and d.attempts == 1 and d.last_error for d in pending)
        assert send(app).sent == 0  # not due again yet

        mailbox.rcpt_reply = "250 OK"
        later = utcnow() + timedelta(hours=2)
        assert send(app, now=later).sent == 2
        assert {to for to, _ in mailbox.messages} == {
            "founder0@example.org",
            "founder1@example.org",
        }

        news = make_listing(app, support_types=["accelerator"], regions=["north-east"])
        # Published after `later`: when `later` falls on the next day a new daily window has
        # already begun there, and a listing from before it would not be news.
        db.session.get(Listing, news.id).published_at = later + timedelta(minutes=1)
        db.session.commit()
        mailbox.rcpt_reply = "550 no such user"
        report = send(app, now=later + timedelta(days=1))
        assert report.bounced == 2
        assert db.session.scalar(select(func.count(Subscriber.id))) == 0
        # Nothing of the addresses is left behind (SQLite does not cascade foreign keys).
        for model in (Alert, AlertTerm, AlertDelivery):
            assert db.session.scalar(select(func.count(model.id))) == 0
    assert alerts


def test_an_unreachable_mail_server_leaves_digests_pending_and_fails_the_command(app, client):
    _alerts_with_news(app, client, 1)
    with smtp_server() as (port, _mailbox):
        pass  # closed again: nothing listens on the port now
    app.config.update(MAIL_SMTP_HOST="127.0.0.1", MAIL_SMTP_PORT=port, MAIL_SMTP_STARTTLS=False)
    result = app.test_cli_runner().invoke(args=["alerts", "send"])
    assert result.exit_code == 1 and "not sent" in result.output
    db.session.expire_all()
    (delivery,) = db.session.scalars(select(AlertDelivery)).all()
    assert delivery.status == "pending" and "unavailable" in delivery.last_error


# Unsubscribing and the alerts page


def test_unsubscribing_by_link_deletes_the_alert_and_then_the_address(app, client):
    alert_id = confirmed_alert(app, client).id
    confirmed_alert(app, client, args={"support": "loan"})
    make_listing(app, support_types=["accelerator", "loan"], regions=["north-east"])
    for each in db.session.scalars(select(Alert)):
        back_date(each)
    send(app)
    first = next(m for m in digests(app) if "Accelerator" in text_of(m))
    link = link_in(text_of(first), "/alerts/unsubscribe/")
    assert "Stop this alert?" in page_text(client.get(link).get_data(as_text=True))
    assert client.post(link).status_code == 200
    db.session.expire_all()
    assert db.session.get(Alert, alert_id) is None
    assert db.session.scalar(select(func.count(Subscriber.id))) == 1  # one alert left
    last = next(m for m in digests(app) if m["Message-ID"] != first["Message-ID"])
    client.post(link_in(text_of(last), "/alerts/unsubscribe/"))
    assert db.session.scalar(select(func.count(Subscriber.id))) == 0


def test_one_click_unsubscribe_from_the_header_needs_no_form(app, client):
    alert = confirmed_alert(app, client)
    make_listing(app, support_types=["accelerator"], regions=["north-east"])
    back_date(alert)
    send(app)
    target = digests(app)[0]["List-Unsubscribe"].strip("<>").removeprefix("http://localhost")
    response = client.post(target, data="List-Unsubscribe=One-Click",
                           content_type="application/x-www-form-urlencoded")  # fmt: skip
    assert response.status_code == 200
    assert db.session.scalar(select(func.count(Alert.id))) == 0
    assert db.session.scalar(select(func.count(Subscriber.id))) == 0
    assert client.post(target).status_code == 200  # again: already done


def test_the_alerts_page_lists_and_deletes_alerts_without_an_account(app, client):
    confirmed_alert(app, client)
    confirmed_alert(app, client, args={"support": "loan", "region": "wales"})
    link = link_in(text_of(messages(app)[-1]), "/alerts/confirm/")
    page = client.get(link).get_data(as_text=True)
    manage = html.unescape(re.search(r'href="(/alerts/manage/[^"]+)"', page).group(1))
    text = page_text(client.get(manage).get_data(as_text=True))
    assert "Region: Wales" in text and "Region: North East" in text
    body = client.get(manage).get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', body).group(1)
    first_id = db.session.scalars(select(Alert.id).order_by(Alert.id)).first()
    client.post(manage, data={"csrf_token": token, "delete": first_id})
    assert "Region: North East" not in page_text(client.get(manage).get_data(as_text=True))
    client.post(manage, data={"csrf_token": token, "forget": "1"})
    assert db.session.scalar(select(func.count(Subscriber.id))) == 0
    assert client.get(manage).status_code == 400


# Limits and retention


def test_asking_is_rate_limited_by_address_and_by_network(app, client):
    app.config.update(RATELIMIT_ALERTS_ADDRESS="2/hour", RATELIMIT_ALERTS_NETWORK="3/hour")
    assert ask(client, "a@example.org").status_code == 200
    assert ask(client, "a@example.org", {"support": "loan"}).status_code == 200
    assert ask(client, "a@example.org", {"support": "grant"}).status_code == 429
    assert ask(client, "b@example.org").status_code == 200
    assert ask(client, "c@example.org").status_code == 429  # the network's fourth
    other = app.test_client()
    query = {"environ_base": {"REMOTE_ADDR": "192.0.2.9"}}
    page = other.get("/alerts/new?kind=search&support=loan", **query)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True)).group(
        1
    )
    response = other.post("/alerts/new", data={"csrf_token": token, "email": "c@example.org",
                          "frequency": "daily", "kind": "search", "query": "support=loan"},
                          **query)  # fmt: skip
    assert response.status_code == 200


def test_retention_deletes_unconfirmed_alerts_after_a_week_and_unused_addresses(app, client):
    ask(client, "late@example.org")
    confirmed_alert(app, client, "kept@example.org")
    stale = confirmed_alert(app, client, "stale@example.org")
    late = db.session.scalars(
        select(Alert).join(Subscriber).where(Subscriber.email == "late@example.org")
    ).one()
    late.created_at = utcnow() - timedelta(days=8)
    stale.subscriber.last_used_at = utcnow() - timedelta(days=400)
    db.session.commit()
    tidied = services.tidy()
    db.session.commit()
    assert (tidied.unconfirmed, tidied.unused) == (1, 1)
    assert db.session.scalar(select(func.count(Alert.id))) == 1
    assert db.session.scalar(select(func.count(AlertTerm.id))) == len(
        db.session.scalars(select(Alert)).one().terms
    )
    emails = db.session.scalars(select(Subscriber.email)).all()
    assert emails == ["kept@example.org"]


# Waiting demand


def _waiting(app, count: int, **terms) -> None:
    """Confirmed alerts from `count` addresses asking for the given facets."""
    for number in range(count):
        subscriber = Subscriber(email=f"waiting{number}-{terms}@example.org".replace(" ", ""))
        alert = Alert(subscriber=subscriber, kind="search", query=urlencode(terms),
                      frequency="weekly", confirmed_at=utcnow(),
                      terms=[AlertTerm(facet=f, value=v) for f, v in terms.items()])  # fmt: skip
        db.session.add(alert)
    db.session.commit()


def test_owners_see_how_many_founders_wait_for_support_like_their_listings(app, owner):
    client, _organisation = owner
    _waiting(app, 9, support="loan")
    assert "Founders with email alerts waiting for support like this: [c]" in page_text(
        client.get("/manage/").get_data(as_text=True)
    )
    _waiting(app, 3, support="loan", region="wales")
    _waiting(app, 5, support="grant")  # not like a loan
    text = page_text(client.get("/manage/").get_data(as_text=True))
    assert "Founders with email alerts waiting for support like this: 10" in text


def test_analysts_see_waiting_demand_beside_supply(app):
    client = signed_in(app, "analyst@example.org", ("analyst",))
    _waiting(app, 12, support="crowdfunding", region="northern-ireland")
    _waiting(app, 4, support="loan", region="wales")
    page = client.get("/insights/").get_data(as_text=True)
    row = re.search(
        r'<tr[^>]*data-region="northern-ireland" data-support="crowdfunding".*?</tr>', page
    )
    assert row and ">10<" in row.group(0)
    assert 'data-region="wales" data-support="loan"' not in page  # under 10: not shown


def test_supply_beside_waiting_demand_counts_every_listing_serving_a_cell(app):
    from directory.alerts.waiting import supply_by_region_support
    from directory.states import ListingStatus, ModerationState

    taxonomy = app.extensions["taxonomy"]
    expected: dict[tuple[str, str], int] = {}
    for listing in db.session.scalars(select(Listing)):
        if listing.moderation_state != ModerationState.PUBLISHED:
            continue
        if listing.status != ListingStatus.ACTIVE:
            continue
        regions = taxonomy.slugs("regions") if listing.uk_wide else listing.region_slugs
        for region in regions:
            for support in listing.support_types:
                key = (region, support.slug)
                expected[key] = expected.get(key, 0) + 1
    assert supply_by_region_support(taxonomy) == expected
