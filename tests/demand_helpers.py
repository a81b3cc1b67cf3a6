"""Helpers for the demand tests: searches by distinct visitors, rows read back."""

from sqlalchemy import select

from directory.demand.models import DemandEvent
from directory.extensions import db


def visitor(number: int) -> dict:
    """Request settings for one visitor: an address on their own network, and a browser."""
    return {
        "REMOTE_ADDR": f"10.{number // 250 % 250}.{number % 250}.7",
        "HTTP_USER_AGENT": f"Browser/{number}",
    }


def search_as(client, number: int, path: str = "/search", **params):
    """One search by visitor `number`, asserting it worked."""
    response = client.get(path, query_string=params, environ_base=visitor(number))
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response


def searches_by(client, visitors: int, path: str = "/search", **params) -> None:
    """The same search by several distinct visitors."""
    for number in range(visitors):
        search_as(client, number, path, **params)


def demand_rows(**conditions) -> list[DemandEvent]:
    """Demand rows as stored, read fresh."""
    query = select(DemandEvent).filter_by(**conditions).order_by(DemandEvent.id)
    return list(db.session.scalars(query.execution_options(populate_existing=True)))
