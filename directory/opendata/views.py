"""The open data page and its downloads: the catalogue as CSV and JSON, and its change log."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Callable
from datetime import UTC, date, datetime

from babel.dates import format_date
from flask import Blueprint, Response, current_app, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from directory.catalogue.csv_io import export_csv
from directory.demand.codes import region_code
from directory.i18n import current_language, in_welsh, label
from directory.opendata.catalogue import LICENCE, catalogue_document, weekly_changes
from directory.opendata.datapackage import datapackage_zip
from directory.opendata.demand import (
    BUDGET,
    NOT_GIVEN,
    TABLES,
    complete_months,
    releases,
    table_values,
)
from directory.opendata.models import OpenDemandRelease
from directory.pages import cached_page
from directory.taxonomy import Taxonomy

blueprint = Blueprint("opendata", __name__, url_prefix="/open-data")


@blueprint.get("/")
@cached_page()
def index() -> ResponseReturnValue:
    """What can be downloaded, under which licence, and how the catalogue changed lately."""
    return render_template("opendata/index.html", licence=page_licence(), weeks=weekly_changes(12))


# The licence's own Welsh text, for Welsh pages (files and headers name the English one).
WELSH_LICENCE_URL = (
    "https://www.nationalarchives.gov.uk/doc/open-government-licence-cymraeg/version/3/"
)


def page_licence() -> dict[str, str]:
    """The licence as a page names it: in Welsh on a Welsh page, with its Welsh text."""
    if not in_welsh():
        return LICENCE
    return {
        **LICENCE,
        "name": _("Open Government Licence v3.0"),
        "url": WELSH_LICENCE_URL,
        "attribution": _(
            "Contains information from the Start-up Support Directory, licensed under the "
            "Open Government Licence v3.0."
        ),
    }


def download(body: Callable[[], str | bytes], mimetype: str) -> Response:
    """A download whose ETag is the catalogue's version: a client holding the current file gets
    a 304 before anything is built."""
    version = current_app.extensions["catalogue_version"]()
    etag = hashlib.blake2b(repr((request.path, version)).encode(), digest_size=16).hexdigest()
    # Weak: the same data, though a JSON file's "generated" time differs from build to build.
    if version is not None and request.if_none_match.contains_weak(etag):
        response = Response(status=304)
    else:
        response = Response(body(), mimetype=mimetype)
    if version is not None:
        response.set_etag(etag, weak=True)
    # Open data: any cache may keep it, but asks whether the catalogue has changed since.
    response.headers["Cache-Control"] = "public, no-cache"
    response.headers["Link"] = f'<{LICENCE["url"]}>; rel="license"'
    return response


@blueprint.get("/catalogue.csv")
def catalogue_csv() -> ResponseReturnValue:
    """Every published listing, one row each, in the admin import's own columns."""
    return download(lambda: export_csv(published_only=True), "text/csv")


@blueprint.get("/catalogue.json")
def catalogue_json() -> ResponseReturnValue:
    """Every published listing in full, with its organisation, sources and last check."""
    return download(
        lambda: json.dumps(catalogue_document(datetime.now(UTC)), ensure_ascii=False, indent=1),
        "application/json",
    )


@blueprint.get("/hsds.zip")
def hsds_datapackage() -> ResponseReturnValue:
    """The catalogue as an Open Referral HSDS tabular data package."""
    return download(lambda: datapackage_zip(datetime.now(UTC)), "application/zip")


@blueprint.get("/changes.csv")
def changes_csv() -> ResponseReturnValue:
    """Listings added, changed and closed in each of the last 52 weeks."""

    def body() -> str:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["week_starting", "listings_added", "listings_changed", "listings_closed"])
        for week in weekly_changes(52):
            writer.writerow([week.week.isoformat(), week.added, week.changed, week.closed])
        return buffer.getvalue()

    return download(body, "text/csv")


# Months of demand shown on the page and in the download.
DEMAND_MONTHS = 12


def demand_releases() -> list[OpenDemandRelease]:
    """The last complete months' releases, newest first (made on first request if need be)."""
    taxonomy = current_app.extensions["taxonomy"]
    return releases(taxonomy, complete_months(date.today(), DEMAND_MONTHS))


@blueprint.get("/demand")
def demand() -> ResponseReturnValue:
    """Monthly demand by region, stage and type of support, with differential privacy."""
    found = demand_releases()
    taxonomy = current_app.extensions["taxonomy"]
    tables = [
        (
            dimension,
            [
                (value, _page_label(taxonomy, dimension, value))
                for value in table_values(taxonomy, dimension)
            ],
        )  # fmt: skip
        for dimension in TABLES
    ]
    language = current_language()
    months = {
        release.month: format_date(release.month, "MMMM y", locale=language) for release in found
    }
    figures = {
        (release.month, figure.dimension, figure.value): figure.visitor_days
        for release in found
        for figure in release.figures
    }
    return render_template("opendata/demand.html", releases=found[:6], tables=tables,
                           figures=figures, budget=BUDGET, licence=page_licence(),
                           months=months)  # fmt: skip


@blueprint.get("/demand.csv")
def demand_csv() -> ResponseReturnValue:
    """The same figures, one row per month, table and value (metadata: demand-metadata.json)."""
    taxonomy = current_app.extensions["taxonomy"]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["month", "dimension", "value", "code", "label", "visitor_days"])
    for release in demand_releases():
        for figure in release.figures:
            code = region_code(figure.value) if figure.dimension == "region" else None
            writer.writerow([release.month.strftime("%Y-%m"), figure.dimension, figure.value,
                             code or "", _label(taxonomy, figure.dimension, figure.value),
                             figure.visitor_days])  # fmt: skip
    response = Response(buffer.getvalue(), mimetype="text/csv")
    response.headers["Link"] = (
        f'<{url_for("opendata.demand_metadata", _external=True)}>; rel="describedby", '
        f'<{LICENCE["url"]}>; rel="license"'
    )
    return response


@blueprint.get("/demand-metadata.json")
def demand_metadata() -> ResponseReturnValue:
    """The CSV's description (CSV on the Web), with the privacy budget of its releases."""
    found = demand_releases()
    document = {
        "@context": "http://www.w3.org/ns/csvw",
        "url": url_for("opendata.demand_csv", _external=True),
        "dc:title": "Demand for start-up support by month: region, stage and type of support",
        "dc:description": "Visitor-days of searches and completed questionnaires on the "
        "Start-up Support Directory, by month, with differential privacy: each figure has "
        "discrete Laplace noise added; negative results are shown as 0.",
        "dc:license": {"@id": LICENCE["url"]},
        "dc:publisher": "Start-up Support Directory",
        "privacy": {
            "definition": "pure epsilon-differential privacy per network-day (an IPv4 /24 or "
            "IPv6 /48 on one day); a network active on d days is covered at d x epsilon",
            "epsilon_per_release": str(BUDGET.epsilon),
            "tables_per_release": BUDGET.tables,
            "epsilon_per_table": str(BUDGET.epsilon_per_table),
            "values_per_network_day_per_table": BUDGET.cells_per_table,
            "l1_sensitivity_per_table": BUDGET.cells_per_table,
            "mechanism": "discrete Laplace (geometric), exact sampler of Canonne, Kamath and "
            "Steinke (2020)",
            "noise_scale": str(BUDGET.scale),
            "noise_standard_deviation": round(BUDGET.noise_sd, 2),
            "releases": [
                {
                    "month": release.month.strftime("%Y-%m"),
                    "epsilon": release.epsilon,
                    "released_at": release.released_at.isoformat(timespec="seconds"),
                }
                for release in found
            ],  # fmt: skip
        },
        "tableSchema": {
            "columns": [
                {"name": "month", "titles": "Month", "datatype": {"base": "gYearMonth"}},
                {
                    "name": "dimension",
                    "titles": "Table",
                    "datatype": {"base": "string", "format": "region|stage|support"},
                },
                {"name": "value", "titles": "Value (slug)", "datatype": "string"},
                {"name": "code", "titles": "ONS code (regions)", "datatype": "string", "null": ""},
                {"name": "label", "titles": "Value", "datatype": "string"},
                {
                    "name": "visitor_days",
                    "titles": "Visitor-days (with noise)",
                    "datatype": "nonNegativeInteger",
                },
            ],  # fmt: skip
            "primaryKey": ["month", "dimension", "value"],
        },
    }
    return Response(json.dumps(document, indent=1), mimetype="application/csvm+json")


def _label(taxonomy: Taxonomy, dimension: str, value: str) -> str:
    """A value's label in the CSV: always English (the open data's published format)."""
    if value == NOT_GIVEN:
        return "Not given"
    return taxonomy.label(TABLES[dimension], value)


def _page_label(taxonomy: Taxonomy, dimension: str, value: str) -> str:
    """A value's label as the page's reader reads it, in the page's language."""
    if value == NOT_GIVEN:
        return _("Not given")
    return label(taxonomy.terms(TABLES[dimension]), value)
