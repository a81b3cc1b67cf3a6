"""After a batch of searches, no table holds an address, browser, cookie, session or exact time."""

import logging

from sqlalchemy import DateTime, Time, func, inspect, select, text

from directory.extensions import db
from tests.helpers import make_user, sign_in

ADDRESS = "192.0.2.77"
USER_AGENT = "PrivacyProbe/9.9 (unique-agent-7731)"
DEMAND_TABLES = {"demand_event", "demand_appearance"}


def row_counts() -> dict[str, int]:
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


def test_no_table_stores_identifying_data_after_a_batch_of_searches(app, client, caplog):
    make_user("founder@example.org", roles=("owner",))
    sign_in(client, "founder@example.org")  # a session cookie travels with every search
    cookies = [cookie.value for cookie in client._cookies.values()]
    assert cookies
    before = row_counts()
    environ = {"REMOTE_ADDR": ADDRESS, "HTTP_USER_AGENT": USER_AGENT}
    caplog.set_level(logging.INFO, logger="directory.access")
    searches = [
        ("/search", {"q": "grant jo@example.com 07700 900123", "region": "london"}),
        ("/search", {"q": "seed", "near": "LS1 4AP"}),
        ("/search", {"q": "loan", "stage": ["start-up", "growth"], "support": "loan"}),
        ("/api/v1/search", {"q": "accelerator SW1A 1AA"}),
        ("/api/v1/search", {"q": "nothing-matches-qwxz", "sector": "health"}),
    ]
    for path, params in searches:
        assert client.get(path, query_string=params, environ_base=environ).status_code == 200
    page = client.get("/search", query_string={"q": "loan"}, environ_base=environ)
    assert "rank=1" in page.get_data(as_text=True)
    slug = page.get_data(as_text=True).split('href="/listings/')[1].split("?")[0]
    client.get(f"/listings/{slug}?from=search&rank=1", environ_base=environ)

    after = row_counts()
    changed = {name for name in after if after[name] != before[name]}
    assert changed == DEMAND_TABLES

    # Distinctive fragments only (random hex ids elsewhere could hold short digit runs).
    forbidden = [
        ADDRESS,
        "192.0.2.0",  # the network is keyed, never stored
        USER_AGENT.lower(),
        "privacyprobe",
        "unique-agent",
        "jo@example.com",
        "07700 900123",
        "ls1 4ap",
        "ls14ap",
        "4ap",
        "sw1a 1aa",
        "sw1a1aa",
        *[cookie.lower() for cookie in cookies],
    ]
    with db.engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            for row in connection.execute(table.select()):
                for column, value in zip(table.columns, row, strict=True):
                    if not isinstance(value, str | dict | list | bytes):
                        continue  # numbers, dates and flags cannot hold these strings
                    for fragment in forbidden:
                        assert fragment not in str(value).lower(), (table.name, column.name)
    for table in db.metadata.sorted_tables:
        if table.name.startswith("demand_") and table.name != "demand_api_token":
            for column in table.columns:
                # Only day and hour buckets: no timestamp or time column in a demand table.
                assert not isinstance(column.type, DateTime | Time), (table.name, column.name)
                assert "address" not in column.name and "agent" not in column.name
                assert "session" not in column.name and "cookie" not in column.name
    hours = {row.hour for row in db.session.execute(text("SELECT hour FROM demand_event"))}
    assert hours <= set(range(24))
    # The day's salt is outside the database, in a file only the service's user can read.
    salts = app.extensions["demand_salts"]
    assert salts.days() and "salt" not in " ".join(inspect(db.engine).get_table_names())
    assert all(
        (path.stat().st_mode & 0o077) == 0 for path in [salts.folder, *salts.folder.iterdir()]
    )
    # The tables in the database are the tables of the models: nothing stored elsewhere.
    assert set(inspect(db.engine).get_table_names()) - {"alembic_version"} == set(after)

    access = [record for record in caplog.records if record.name == "directory.access"]
    assert access
    for record in access:
        logged = str(vars(record))
        assert "grant" not in logged and "4AP" not in logged and "jo@example" not in logged
        assert "?" not in record.path
