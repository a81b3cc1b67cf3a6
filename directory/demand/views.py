"""Insights for analysts: /insights/ (page, exports, tokens) and the public method page."""

from __future__ import annotations

import json
from pathlib import Path
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
from flask_login import current_user
from markdown_it import MarkdownIt
from markupsafe import Markup

from directory.accounts.forms import EmptyForm
from directory.accounts.permissions import role_required
from directory.demand import exports, tokens
from directory.demand.forms import TokenForm
from directory.demand.periods import INTERVALS
from directory.demand.queries import DemandQuery
from directory.demand.release import RELEASE_TABLES, build_release
from directory.demand.service import (
    ExportRequest,
    ParameterError,
    build_export,
    build_workbook,
    parse_export_args,
    parse_release_args,
)
from directory.inputs import required_text
from directory.transactions import commit

blueprint = Blueprint("insights", __name__, url_prefix="/insights")
# A link to docs/demand-data.md, so an installed package carries the page's text.
DOCS_FILE = Path(__file__).resolve().parent / "demand-data.md"
TOP_TERMS = 20
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSVW = "application/csvm+json"
METADATA_SUFFIX = "-metadata.json"


@blueprint.get("/")
@role_required("analyst")
def index() -> ResponseReturnValue:
    """Top searches, the heat map, gaps, needs and the trend, filterable and downloadable."""
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
    args["period"] = interval
    return args


def heat_class(value: int | str, largest: int) -> str:
    """A shading class from 0 to 5 for a heat-map cell (the number is always shown too)."""
    if not isinstance(value, int) or not value or not largest:
        return "app-heat-0"
    return f"app-heat-{min(5, 1 + (value * 5 - 1) // largest)}"


def _export_request() -> ExportRequest:
    """The request's export parameters; raises ParameterError."""
    return parse_export_args(request.args, current_app.extensions["taxonomy"])


def _bad_parameter(error: ParameterError) -> Response:
    """A 400 naming the parameter, as plain text."""
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
    flash(f"The token \u201c{row.name}\u201d is revoked.")
    return redirect(url_for("insights.api_tokens"))


@blueprint.get("/about-the-data")
def about() -> ResponseReturnValue:
    """What is counted, what is never stored, the disclosure rules (docs/demand-data.md)."""
    return render_template(
        "insights/about.html", document=markdown_html(DOCS_FILE.read_text(encoding="utf-8"))
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
