"""Recording demand events from searches, the API and listing opens."""

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select
from sqlalchemy.exc import OperationalError

from directory.demand import recording
from directory.demand.models import DemandAppearance, DemandEvent
from directory.demand.queries import DemandQuery, visitor_days
from directory.demand.service import today
from directory.extensions import db
from tests.demand_helpers import demand_rows, search_as, visitor


def test_a_search_records_one_event_with_its_filters_and_no_postcode(client):
    search_as(
        client,
        1,
        q="Grant LS1 4AP jane@example.com",
        region="yorkshire-and-the-humber",
        stage="start-up",
    )
    [row] = demand_rows()
    assert row.source == "search_page"
    assert row.query == "grant ls1"
    # "Grant" in the words counts as the kind of support asked for.
    assert (row.region, row.stage, row.support, row.sector) == (
        "yorkshire-and-the-humber",
        "start-up",
        "grant",
        None,
    )
    assert row.day == today() and 0 <= row.hour <= 23
    assert row.week.weekday() == 0
    assert row.result_count is not None and row.zero_results == (row.result_count == 0)
    assert 0 <= row.visitor_day_key < 2**63 and not row.synthetic


def test_several_filter_values_explode_into_rows_sharing_one_event(client):
    search_as(client, 1, region=["london", "wales"], support=["grant", "loan"])
    rows = demand_rows()
    assert len(rows) == 4
    assert len({row.event_id for row in rows}) == 1
    assert {(row.region, row.support) for row in rows} == {
        ("london", "grant"),
        ("london", "loan"),
        ("wales", "grant"),
        ("wales", "loan"),
    }
    counts = visitor_days(DemandQuery(today(), today()), ("region",))
    assert counts == {("london",): 1, ("wales",): 1}


def test_a_filter_with_many_values_is_recorded_as_not_given(client):
    search_as(client, 1, region=["london", "wales", "scotland", "north-east"])
    assert [row.region for row in demand_rows()] == [None]


def test_the_api_records_searches_and_zero_results(client):
    search_as(client, 1, "/api/v1/search", q="xyzzy-nothing-matches-this")
    [row] = demand_rows()
    assert row.source == "search_api" and row.zero_results and row.result_count == 0


def test_a_near_me_search_records_the_region_never_the_place(client):
    search_as(client, 1, near="LS1 4AP")
    rows = demand_rows()
    assert [row.region for row in rows] == ["yorkshire-and-the-humber"]
    assert all(row.query is None for row in rows)


def test_later_pages_are_not_recorded_again(client):
    search_as(client, 1, q="grant")
    search_as(client, 1, q="grant", page=2)
    assert len(demand_rows()) == 1


def test_results_link_with_their_rank_and_an_open_is_recorded_then_redirected(client):
    page = search_as(client, 1, q="loan").get_data(as_text=True)
    assert "?from=search&amp;rank=1" in page
    slug = next(
        row.listing_slug
        for row in db.session.scalars(select(DemandAppearance).where(DemandAppearance.rank == 1))
    )
    response = client.get(f"/listings/{slug}?from=search&rank=1", environ_base=visitor(1))
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/listings/{slug}")
    [opened] = demand_rows(source="listing_open")
    assert (opened.listing_slug, opened.rank) == (slug, 1)
    assert client.get(f"/listings/{slug}").status_code == 200
    assert len(demand_rows(source="listing_open")) == 1


def test_a_failure_to_record_never_fails_the_search(client, monkeypatch, caplog):
    def locked(*args, **kwargs):
        raise OperationalError("INSERT", {}, Exception("database is locked"))

    monkeypatch.setattr(recording, "write_events", locked)
    response = search_as(client, 1, q="grant")
    assert "result" in response.get_data(as_text=True)
    assert search_as(client, 1, "/api/v1/search", q="grant").get_json()["total"] >= 0
    assert demand_rows() == []
    assert "demand events not recorded" in caplog.text


def test_a_broken_database_connection_never_fails_the_search(app, client, monkeypatch):
    def broken():
        raise OperationalError("connect", {}, Exception("server closed the connection"))

    monkeypatch.setattr(recording, "Session", lambda *a, **k: broken())
    assert search_as(client, 1, q="grant").status_code == 200


def test_one_visitor_searching_50_times_in_a_day_counts_once(client):
    for _ in range(50):
        search_as(client, 7, q="grant", region="london")
    assert len({row.event_id for row in demand_rows()}) == 50
    assert visitor_days(DemandQuery(today(), today()), ("region",)) == {("london",): 1}


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.integers(min_value=1, max_value=6), min_size=1, max_size=6))
def test_visitor_days_count_each_visitor_once_however_often_they_search(app, repeats):
    db.session.execute(delete(DemandEvent))
    db.session.commit()
    drafts = [
        recording.EventDraft(
            "search_page",
            today(),
            12,
            f"203.0.{number}.0/24",
            query="grant",
            filters={"region": ["wales"]},
            result_count=3,
        )
        for number, times in enumerate(repeats)
        for _ in range(times)
    ]
    recording.write_events(db.session, drafts)
    db.session.commit()
    counts = visitor_days(DemandQuery(today(), today()), ("region",))
    assert counts == {("wales",): len(repeats)}


def test_keys_differ_between_days_and_salts_go_after_48_hours(app):
    salts = app.extensions["demand_salts"]
    day = today()
    draft = recording.EventDraft("search_page", day - timedelta(days=3), 9, "203.0.1.0/24")
    later = recording.EventDraft("search_page", day, 9, "203.0.1.0/24")
    recording.write_events(db.session, [draft])
    recording.write_events(db.session, [later])
    db.session.commit()
    keys = {row.day: row.visitor_day_key for row in demand_rows()}
    assert keys[day] != keys[day - timedelta(days=3)]
    assert salts.days() == [day]
    salts.salt_for(day - timedelta(days=1))
    assert salts.days() == [day - timedelta(days=1), day]


def test_the_background_recorder_writes_after_the_response(app):
    recorder = recording.Recorder(app, "background")
    recorder.record(recording.EventDraft("search_page", today(), 1, "203.0.9.0/24", query="grant"))
    recorder.flush()
    for _ in range(100):
        if db.session.scalar(select(func.count()).select_from(DemandEvent)):
            break
        __import__("time").sleep(0.02)
    assert db.session.scalar(select(func.count()).select_from(DemandEvent)) == 1


@pytest.mark.parametrize("mode", ["off"])
def test_recording_can_be_switched_off(app, client, mode):
    app.extensions["demand_recorder"].mode = mode
    search_as(client, 1, q="grant")
    assert demand_rows() == []
    assert app.extensions["demand_salts"].days() == []


def test_a_completed_questionnaire_records_its_answer_keys(app):
    answers = {"region": ["wales"], "stage": ["pre-start"], "support": ["grant", "advice"]}
    with app.test_request_context("/", environ_base=visitor(3)):
        recording.record_questionnaire(answers, result_count=4)
    rows = demand_rows(source="questionnaire")
    assert {(row.region, row.stage, row.support) for row in rows} == {
        ("wales", "pre-start", "grant"),
        ("wales", "pre-start", "advice"),
    }
    assert rows[0].answers == answers and rows[0].query is None
