"""Insights for analysts: /insights/ (page, exports, tokens) and the public method page."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from markdown_it import MarkdownIt
from markupsafe import Markup

from directory.accounts.forms import EmptyForm
from directory.accounts.permissions import role_required
from directory.demand import disclosure, exports, tokens
from directory.demand.forms import TokenForm
from directory.demand.periods import INTERVALS
from directory.demand.queries import DemandQuery
from directory.demand.release import BASIS, RELEASE_TABLES, build_release
from directory.demand.service import (
    ExportRequest,
    ParameterError,
    build_export,
    build_workbook,
    parse_export_args,
    parse_release_args,
)
from directory.demand.tables import words
from directory.i18n import in_welsh
from directory.inputs import required_text
from directory.transactions import commit

blueprint = Blueprint("insights", __name__, url_prefix="/insights")
# A link to docs/demand-data.md, so an installed package carries the page's text.
DOCS_FILE = Path(__file__).resolve().parent / "demand-data.md"
# Its Welsh text, kept beside it (the same sections, updated with it).
WELSH_DOCS_FILE = DOCS_FILE.with_name("demand-data.cy.md")
TOP_TERMS = 20
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSVW = "application/csvm+json"
METADATA_SUFFIX = "-metadata.json"


@blueprint.get("/")
@role_required("analyst")
def index() -> ResponseReturnValue:
    """Top searches, the heat map, gaps, needs, the trend and demand by interface language,
    filterable and downloadable."""
    taxonomy = current_app.extensions["taxonomy"]
    try:
        query, interval = parse_release_args(request.args, taxonomy)
    except ParameterError as error:
        return render_template(
            "insights/index.html", error=error, release=None, args=request.args
        ), 400
    release = build_release(taxonomy, query, interval)
    return render_template(
        "insights/index.html",
        release=release,
        tables=release.tables,
        error=None,
        args=request.args,
        release_args=release_args(query, interval),
        downloads=RELEASE_TABLES,
        intervals=INTERVALS,
        interval_name=interval_name,
        method_rows=method_rows(release.method),
        top_terms=TOP_TERMS,
        heat_class=heat_class,
        # Founders waiting with alerts: the alerts package provides it (demand cannot import it).
        waiting=current_app.extensions["waiting_demand"](taxonomy),
    )


def release_args(query: DemandQuery, interval: str) -> dict[str, str]:
    """The page's parameters, for download links that give the same figures."""
    args = {"from": query.date_from.isoformat(), "to": query.date_to.isoformat()}
    if query.region:
        args["region"] = query.region
    if query.support:
        args["support"] = query.support
    if query.language:
        args["language"] = query.language
    args["period"] = interval
    return args


def interval_name(interval: str) -> str:
    """Week, Month or Quarter, in the current language (the trend's choices)."""
    return words(interval).heading


def method_rows(method: dict[str, Any]) -> list[tuple[str, str]]:
    """The method metadata as the page lists it, in the current language: its keys as
    headings (Threshold, Rounding...), its words translated, its values as they are."""
    rows = []
    for name, value in method.items():
        heading = METHOD_HEADINGS.get(name)
        rows.append(
            (heading() if heading else name.replace("_", " ").capitalize(), _method_value(value))
        )
    return rows


def _method_value(value: Any) -> str:
    """One value of the method, as the page shows it."""
    if isinstance(value, dict):
        return _("%(start)s to %(end)s", start=value.get("from"), end=value.get("to"))
    if value is None:
        return "\u2013"
    if isinstance(value, bool):
        return _("True") if value else _("False")
    if isinstance(value, str) and value in METHOD_WORDS:
        return METHOD_WORDS[value]()
    return str(value)


# The method's keys and words as a person reads them (the JSON keeps the keys and English).
METHOD_HEADINGS: dict[str, Any] = {
    "unit": lambda: _("Unit"),
    "threshold": lambda: _("Threshold"),
    "suppressed_marker": lambda: _("Suppressed marker"),
    "rounding": lambda: _("Rounding"),
    "secondary_suppression": lambda: _("Secondary suppression"),
    "free_text": lambda: _("Free text"),
    "period": lambda: _("Period"),
    "generated_at": lambda: _("Generated at"),
    "event_count_basis": lambda: _("Event count basis"),
    "synthetic_events": lambda: _("Synthetic events"),
    "documentation": lambda: _("Documentation"),
    "region": lambda: _("Region"),
    "support": lambda: _("Support"),
    "zero_results_only": lambda: _("Zero results only"),
    "trend_period": lambda: _("Trend period"),
    "language": lambda: _("Language"),
}
METHOD_WORDS: dict[str, Any] = {
    "distinct visitor-days": lambda: _("distinct visitor-days"),
    f"nearest {disclosure.ROUNDING}": lambda: _(
        "nearest %(rounding)s", rounding=disclosure.ROUNDING
    ),
    "totals and cells that would reveal a suppressed cell by subtraction are suppressed too": (
        lambda: _(
            "totals and cells that would reveal a suppressed cell by subtraction are suppressed too"
        )
    ),
    f"query terms are released only when they reach {disclosure.THRESHOLD} visitor-days": (
        lambda: _(
            "query terms are released only when they reach %(threshold)s visitor-days",
            threshold=disclosure.THRESHOLD,
        )
    ),
    BASIS: lambda: _(
        "searches on the search page and the API, and completed questionnaires "
        "(listing opens are counted separately)"
    ),
    "excluded": lambda: _("excluded"),
    "week": lambda: _("week"),
    "month": lambda: _("month"),
    "quarter": lambda: _("quarter"),
}


def heat_class(value: int | str, largest: int) -> str:
    """A shading class from 0 to 5 for a heat-map cell (the number is always shown too)."""
    if not isinstance(value, int) or not value or not largest:
        return "app-heat-0"
    return f"app-heat-{min(5, 1 + (value * 5 - 1) // largest)}"


def _export_request() -> ExportRequest:
    """The request's export parameters; raises ParameterError."""
    return parse_export_args(request.args, current_app.extensions["taxonomy"])


def _bad_parameter(error: ParameterError) -> Response:
    """A 400 naming the parameter, as plain text (the message in the request's language)."""
    return Response(f"{error.parameter}: {error.message}\n", 400, mimetype="text/plain")


@blueprint.get("/export.<fmt>")
@role_required("analyst")
def export(fmt: str) -> ResponseReturnValue:
    """The page's figures as CSV or JSON (one table) or XLSX (the release, or one table)."""
    if fmt not in ("csv", "json", "xlsx"):
        abort(404)
    try:
        export_request = _export_request()
    except ParameterError as error:
        return _bad_parameter(error)
    docs_url = url_for("insights.about", _external=True)
    query = export_request.query
    links = [f'<{docs_url}>; rel="describedby"; type="text/html"']
    if fmt == "xlsx":
        tables, method = build_workbook(export_request)
        name = f"demand-{query.date_from}-{query.date_to}"
        response = Response(exports.to_xlsx(tables, method, docs_url), mimetype=XLSX)
    else:
        released = build_export(export_request)
        name = f"demand-{released.table.id}-{query.date_from}-{query.date_to}"
        if fmt == "json":
            response = jsonify(exports.to_json(released, docs_url))
        else:
            response = Response(exports.to_csv(released), mimetype="text/csv")
            # Where CSVW tools look for a CSV's metadata (CSVW "Model for Tabular Data" 5.2).
            metadata_url = _with_query(request.base_url + METADATA_SUFFIX)
            links.insert(0, f'<{metadata_url}>; rel="describedby"; type="{CSVW}"')
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    response.headers["Link"] = ", ".join(links)
    return response


@blueprint.get("/export.csv-metadata.json")
@role_required("analyst")
def csv_metadata() -> ResponseReturnValue:
    """The CSVW metadata of the CSV at the same address without -metadata.json."""
    try:
        export_request = _export_request()
    except ParameterError as error:
        return _bad_parameter(error)
    csv_url = _with_query(request.base_url.removesuffix(METADATA_SUFFIX))
    document = exports.csv_metadata(
        build_export(export_request), csv_url, url_for("insights.about", _external=True)
    )
    response = Response(json.dumps(document, indent=2, ensure_ascii=False), mimetype=CSVW)
    response.headers["Link"] = f'<{csv_url}>; rel="describes"'
    return response


def _with_query(url: str) -> str:
    """An address with this request's query string, so a CSV and its metadata name each other."""
    # Kept as sent (order included), but quoted where it could end the <...> of a Link header.
    query = quote(request.query_string.decode("latin-1"), safe="=&%+,;:/?@!$'()*[]~")
    return f"{url}?{query}" if query else url


@blueprint.route("/tokens", methods=["GET", "POST"])
@role_required("analyst")
def api_tokens() -> ResponseReturnValue:
    """Create, name and list API tokens; a new token is shown once."""
    form = TokenForm()
    new_token = None
    if form.validate_on_submit():
        _, new_token = tokens.create_token(current_user, required_text(form.name))
        commit()
        form = TokenForm(formdata=None)
    return render_template(
        "insights/tokens.html",
        form=form,
        new_token=new_token,
        tokens=tokens.tokens_of(current_user),
        revoke_form=EmptyForm(),
    )


@blueprint.post("/tokens/<int:token_id>/revoke")
@role_required("analyst")
def revoke(token_id: int) -> ResponseReturnValue:
    """Revoke one of the analyst's own tokens."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    row = tokens.revoke_token(current_user, token_id) or abort(404)
    commit()
    flash(_("The token \u201c%(name)s\u201d is revoked.", name=row.name))
    return redirect(url_for("insights.api_tokens"))


@blueprint.get("/about-the-data")
def about() -> ResponseReturnValue:
    """What is counted, what is never stored, the disclosure rules (docs/demand-data.md), in
    Welsh from demand-data.cy.md beside it when the page is Welsh and that file is there."""
    path, language = DOCS_FILE, "en"
    if in_welsh() and WELSH_DOCS_FILE.is_file():
        path, language = WELSH_DOCS_FILE, "cy"
    return render_template(
        "insights/about.html",
        document=markdown_html(path.read_text(encoding="utf-8")),
        document_language=language,
    )


# GOV.UK Frontend styles elements by class, so each rendered element gets its class.
GOVUK_CLASSES = {
    "h1": "govuk-heading-l",
    "h2": "govuk-heading-m",
    "h3": "govuk-heading-s",
    "p": "govuk-body",
    "ul": "govuk-list govuk-list--bullet",
    "ol": "govuk-list govuk-list--number",
    "a": "govuk-link",
    "table": "govuk-table",
    "thead": "govuk-table__head",
    "tbody": "govuk-table__body",
    "tr": "govuk-table__row",
    "th": "govuk-table__header",
    "td": "govuk-table__cell",
}


def markdown_html(text: str) -> Markup:
    """Markdown as HTML in GOV.UK classes; HTML written in the Markdown is shown as text."""
    # html=False escapes raw HTML, and markdown-it refuses javascript:, vbscript: and data:
    # links, so the result is safe to mark as such.
    parser = MarkdownIt("commonmark", {"html": False}).enable("table")
    tokens = parser.parse(text)
    for token in tokens:
        for item in [token, *(token.children or [])]:
            if item.nesting == 1 and item.tag in GOVUK_CLASSES:
                item.attrSet("class", GOVUK_CLASSES[item.tag])
            if item.nesting == 1 and item.tag == "th":
                item.attrSet("scope", "col")  # Markdown tables have one header row
    return Markup(parser.renderer.render(tokens, parser.options, {}))  # noqa: S704
