"""Insights for analysts: /insights/ (page, exports, tokens) and the public method page."""

from __future__ import annotations

from pathlib import Path

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

from directory.accounts.forms import EmptyForm
from directory.accounts.permissions import role_required
from directory.demand import exports, tokens
from directory.demand.forms import TokenForm
from directory.demand.service import (
    NOT_GIVEN,
    ParameterError,
    build_export,
    insights,
    parse_export_args,
    parse_period,
    parse_region,
)
from directory.inputs import required_text
from directory.transactions import commit

blueprint = Blueprint("insights", __name__, url_prefix="/insights")
# A link to docs/demand-data.md, so an installed package carries the page's text.
DOCS_FILE = Path(__file__).resolve().parent / "demand-data.md"


@blueprint.get("/")
@role_required("analyst")
def index() -> ResponseReturnValue:
    """Top queries, the heat map, the gap index and weekly trends, filterable."""
    taxonomy = current_app.extensions["taxonomy"]
    try:
        period = parse_period(request.args)
        region = parse_region(request.args, taxonomy)
        support = (request.args.get("support") or "").strip() or None
        if support and support not in taxonomy.slugs("support_types"):
            raise ParameterError("support", f"'{support[:60]}' is not a known support type")
    except ParameterError as error:
        return render_template(
            "insights/index.html", error=error, data=None, args=request.args
        ), 400
    data = insights(taxonomy, period, region, support)
    return render_template(
        "insights/index.html",
        data=data,
        error=None,
        args=request.args,
        not_given=NOT_GIVEN,
        heat_class=heat_class,
        need_label=need_label,
    )


def need_label(need: str) -> str:
    """The questionnaire's own words for a need key."""
    question = current_app.extensions["questionnaire"].by_key("need")
    option = question.option(need) if question else None
    return option.label if option else need


def heat_class(value: int | str, largest: int) -> str:
    """A shading class from 0 to 5 for a heat-map cell (the number is always shown too)."""
    if not isinstance(value, int) or not value or not largest:
        return "app-heat-0"
    return f"app-heat-{min(5, 1 + (value * 5 - 1) // largest)}"


@blueprint.get("/export.<fmt>")
@role_required("analyst")
def export(fmt: str) -> ResponseReturnValue:
    """The same figures as CSV, JSON or XLSX."""
    if fmt not in ("csv", "json", "xlsx"):
        abort(404)
    try:
        export_request = parse_export_args(request.args, current_app.extensions["taxonomy"])
    except ParameterError as error:
        return Response(f"{error.parameter}: {error.message}\n", 400, mimetype="text/plain")
    table = build_export(export_request)
    docs_url = url_for("insights.about", _external=True)
    name = f"demand-{export_request.query.date_from}-{export_request.query.date_to}"
    if fmt == "json":
        response = jsonify(exports.to_json(table, docs_url))
    elif fmt == "csv":
        response = Response(exports.to_csv(table, docs_url), mimetype="text/csv")
    else:
        response = Response(
            exports.to_xlsx(table, docs_url),
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    response.headers["Link"] = f'<{docs_url}>; rel="describedby"'
    return response


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
    return render_template("insights/about.html", text=DOCS_FILE.read_text(encoding="utf-8"))
