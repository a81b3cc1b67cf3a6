"""/alerts/: ask for an alert, confirm it, stop it, and see every alert an address has.

An alert keeps the language it was asked for in (`?lang=cy` gives Welsh): its confirmation
email and its digests are written in it, with links that keep it.
"""

from __future__ import annotations

from functools import partial
from urllib.parse import parse_qsl

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask.blueprints import BlueprintSetupState
from flask.typing import ResponseReturnValue
from flask_babel import force_locale
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from directory.accounts.forms import EmptyForm
from directory.accounts.services import normalise_email
from directory.alerts import services
from directory.alerts.criteria import Criteria, CriteriaError, canonical, criteria_for
from directory.alerts.forms import AlertForm
from directory.alerts.models import Alert
from directory.alerts.waiting import waiting_by_region_support
from directory.demand.recording import draft_for_request, record
from directory.demand.visitors import network_of
from directory.extensions import csrf, limiter
from directory.i18n import PARAMETER as LANGUAGE
from directory.i18n import current_language
from directory.inputs import required_text
from directory.mail import send_email
from directory.transactions import after_commit, commit

blueprint = Blueprint("alerts", __name__, url_prefix="/alerts")
# Pages here hold personal links and addresses: never kept by any cache.
NO_STORE = {"Cache-Control": "no-store"}


@blueprint.record_once
def provide_waiting_demand(state: BlueprintSetupState) -> None:
    """Give the insights page its table of founders waiting with alerts."""
    state.app.extensions["waiting_demand"] = waiting_by_region_support


def _network() -> str:
    """Rate-limit key: the client's network (/24 or /48), as demand data counts visitors."""
    return "alerts-network:" + network_of(request.remote_addr)


def _address() -> str:
    """Rate-limit key: the address asked for, whoever asks."""
    return "alerts-address:" + normalise_email(request.form.get("email", ""))[:254]


def _asked_for() -> Criteria:
    """The search to watch: from the page's query string, or the form's hidden fields."""
    if request.method == "GET":
        kind = request.args.get("kind", "search")
        args = MultiDict(
            [(k, v) for k, v in request.args.items(multi=True) if k not in ("kind", LANGUAGE)]
        )
    else:
        kind = request.form.get("kind") or "search"
        args = MultiDict(parse_qsl(request.form.get("query", "")))
    return criteria_for(kind, canonical(kind, args))


@blueprint.route("/new", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["RATELIMIT_ALERTS_NETWORK"], methods=["POST"], key_func=_network
)
@limiter.limit(
    lambda: current_app.config["RATELIMIT_ALERTS_ADDRESS"], methods=["POST"], key_func=_address
)
def new() -> ResponseReturnValue:
    """The form for an alert on the search in the query string; the same answer for every
    address, whether or not it already has alerts."""
    form = AlertForm()
    try:
        criteria = _asked_for()
    except CriteriaError as error:
        return render_template("alerts/problem.html", message=str(error)), 400, NO_STORE
    if request.method == "GET":
        form.kind.data, form.query.data = criteria.kind, criteria.query
    if form.validate_on_submit():
        email = normalise_email(required_text(form.email))
        subscription = services.subscribe(
            email, criteria.kind, criteria.query, form.frequency.data, current_language()
        )
        after_commit(partial(_tell_address, subscription, email, criteria.description))
        commit()
        return render_template("alerts/check_email.html", email=email), 200, NO_STORE
    return render_template("alerts/new.html", form=form, criteria=criteria), 200, NO_STORE


def _tell_address(subscription: services.Subscription, email: str, description: list[str]) -> None:
    """Email the address, in the alert's language: a link to confirm, or word that it already
    has this alert (`description`, the search in the page's words, is put in that language)."""
    alert = subscription.alert
    page_language = current_language()
    language = services.language_of(alert)
    with force_locale(language):
        if language != page_language:
            description = criteria_description(alert)
        if subscription.needs_confirming:
            link = url_for(
                "alerts.confirm", token=services.alert_token(alert, "confirm"), _external=True
            )
            body = render_template("alerts/email/confirm.txt", link=link, description=description)
            send_email(email, _("Confirm your support alert"), body)
        else:
            manage = url_for(
                "alerts.manage", token=services.subscriber_token(alert.subscriber), _external=True
            )
            body = render_template(
                "alerts/email/already.txt", manage=manage, description=description
            )
            send_email(email, _("You already have this support alert"), body)


@blueprint.get("/confirm/<token>")
def confirm(token: str) -> ResponseReturnValue:
    """From the emailed link: start the alert, and count it as demand."""
    try:
        alert = services.alert_from_token(token, "confirm", services.CONFIRM_MAX_AGE)
        criteria = criteria_for(alert.kind, alert.query)
    except (services.LinkProblem, CriteriaError) as error:
        return render_template("alerts/problem.html", message=str(error)), 400, NO_STORE
    started = services.confirm(alert, criteria)
    manage = url_for("alerts.manage", token=services.subscriber_token(alert.subscriber))
    commit()
    if started and not alert.synthetic:
        _record_demand(criteria)
    return (
        render_template(
            "alerts/confirmed.html",
            alert=alert,
            criteria=criteria,
            manage_url=manage,
            started=started,
        ),
        200,
        NO_STORE,
    )


def _record_demand(criteria: Criteria) -> None:
    """An alert is demand: what it asks for, and how much meets all of it today."""
    try:
        index = current_app.extensions["search_index"]
        result_count = sum(index.search(watch.request).complete for watch in criteria.watches)
    except Exception:
        result_count = None
    record(
        draft_for_request(
            "alert",
            filters={facet: list(values) for facet, values in criteria.terms.items()},
            result_count=result_count,
        )
    )


@blueprint.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # one-click unsubscribe: mail systems POST here without a form (RFC 8058)
def unsubscribe(token: str) -> ResponseReturnValue:
    """Stop one alert (deleting the address when it was the last): a button, or one click."""
    try:
        alert = services.alert_from_token(token, "unsubscribe")
    except services.LinkProblem as error:
        if request.method == "POST":
            # Already gone is what was asked for.
            return render_template("alerts/unsubscribed.html"), 200, NO_STORE
        return render_template("alerts/problem.html", message=str(error)), 400, NO_STORE
    if request.method == "GET":
        description = criteria_description(alert)
        return render_template("alerts/unsubscribe.html", description=description), 200, NO_STORE
    services.unsubscribe(alert)
    commit()
    return render_template("alerts/unsubscribed.html"), 200, NO_STORE


def criteria_description(alert: Alert) -> list[str]:
    """An alert's search in words, or a plain line when it no longer reads."""
    try:
        return criteria_for(alert.kind, alert.query).description
    except CriteriaError:
        return [_("A search that no longer matches our questions")]


@blueprint.route("/manage/<token>", methods=["GET", "POST"])
def manage(token: str) -> ResponseReturnValue:
    """Every alert an address has, each with a delete button, and one to delete them all."""
    try:
        subscriber = services.subscriber_from_token(token)
    except services.LinkProblem as error:
        return render_template("alerts/problem.html", message=str(error)), 400, NO_STORE
    form = EmptyForm()
    if request.method == "POST" and form.validate_on_submit():
        if request.form.get("forget"):
            services.forget(subscriber)
            commit()
            return render_template("alerts/unsubscribed.html", everything=True), 200, NO_STORE
        chosen = request.form.get("delete", type=int)
        alert = next((a for a in subscriber.alerts if a.id == chosen), None)
        if alert is not None:
            last = len(subscriber.alerts) == 1
            services.unsubscribe(alert)
            commit()
            if last:
                return render_template("alerts/unsubscribed.html", everything=True), 200, NO_STORE
        return redirect(url_for("alerts.manage", token=token), 303)
    subscriber.last_used_at = services.utcnow()
    commit()
    alerts = [(alert, criteria_description(alert)) for alert in subscriber.alerts]
    return (
        render_template("alerts/manage.html", subscriber=subscriber, alerts=alerts, form=form),
        200,
        NO_STORE,
    )
