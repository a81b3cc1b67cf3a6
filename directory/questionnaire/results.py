"""From complete answers to results grouped by need, each with why it fits and what may not.

Each need becomes one search (its support types, the founder's stage and its neighbours, the
sector or any sector, the region) through the same search service as the search page; funding
is split into the kinds the founder chose (grants, loans, investment, crowdfunding), investment
only if they will give up a share. Results are explained and ordered here: the best fit first,
then the nearest; support for a group the founder is not in (students, women, researchers)
last, saying who it is for; programmes not open now are left out of the top results unless
they have a known opening date.

Reasons and cautions are whole sentences in the language being written (a Welsh page, or an
alert's Welsh digest), taxonomy labels in it too.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import reduce

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from geopy.distance import great_circle
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from directory.catalogue.availability import AvailabilityState, availability
from directory.catalogue.models import Listing
from directory.extensions import db
from directory.i18n import label as term_label
from directory.presentation import funding_range, long_date, money
from directory.questionnaire.answers import Answers
from directory.questionnaire.questions import Option, Questionnaire
from directory.search.params import SearchParams
from directory.search.places import NearMe, locate
from directory.search.service import search_listings
from directory.spreadsheets import escape_cell
from directory.taxonomy import Taxonomy

ANY_SECTOR = "any"
# Listings considered per need: enough for every need in the real catalogue, bounded for huge ones.
MAX_CANDIDATES = 500
# Results shown per need at first; "show all" and the CSV have them all.
SHOWN_PER_NEED = 3
# Who support can be restricted to, and how a listing says so (its tags or eligibility).
GROUPS = {
    "student": (_l("students and recent graduates"),
                r"\bstudent|\bgraduates?\b|\balumni\b|student-founders|student-enterprise"),
    "woman": (_l("women founders"), r"\bwomen\b|\bfemale\b|women-founders|women-led"),
    "young": (_l("people aged 30 or under"),
              r"\bunder[- ]3[05]\b|aged (?:16|18) ?(?:to|-) ?(?:24|25|29|30)|young-founders"),
    "researcher": (_l("university staff and researchers"),
                   r"\bresearchers?\b|\bacademics?\b|university staff|\bspin-?outs?\b"),
}  # fmt: skip
# States that are not open now, left out of the top results unless an opening date is known.
MAX_ELIGIBILITY_CHARS = 200


@dataclass(frozen=True)
class Place:
    """Where the business is, as far as the answers say."""

    region: str | None = None
    label: str | None = None  # the postcode or town as resolved, for "3.2 km from LS1 4AP"
    point: tuple[float, float] | None = None


@dataclass(frozen=True)
class Profile:
    """What the answers mean for matching."""

    place: Place
    stage: str
    sector: str | None
    needs: tuple[Option, ...]
    amount: Option | None
    equity: str | None
    size: str | None
    funding: tuple[Option, ...] = ()
    about: tuple[str, ...] = ()


@dataclass
class Match:
    """One listing in one need's results, with its reasons."""

    listing: Listing
    distance_km: float | None
    reasons: list[str] = field(default_factory=list)
    cautions: list[str] = field(default_factory=list)
    # Higher is a closer fit; only used to order listings without a distance.
    fit: int = 0
    # Cautions that could rule the listing out, as opposed to things to check.
    blockers: int = 0
    # For a group the founder did not say they belong to.
    restricted: bool = False
    # Not open now and no opening date known: kept out of the top results.
    closed: bool = False


@dataclass
class NeedGroup:
    """The results for one need (or one kind of funding)."""

    need: Option
    support: tuple[str, ...]
    matches: list[Match]
    total: int
    search_args: dict[str, list[str]]
    # The kind of funding, when funding is split by kind.
    kind: Option | None = None

    @property
    def label(self) -> str:
        """The group's heading."""
        if self.kind is None:
            return self.need.label
        return _("%(need)s: %(kind)s", need=self.need.label, kind=self.kind.label.lower())

    @property
    def anchor(self) -> str:
        """The group's fragment identifier."""
        return f"need-{self.need.value}" + (f"-{self.kind.value}" if self.kind else "")

    @property
    def shown(self) -> list[Match]:
        """The best few, open now or with a known opening date."""
        return [match for match in self.matches if not match.closed][:SHOWN_PER_NEED]

    @property
    def more(self) -> list[Match]:
        """Every other match, behind "show all"."""
        shown = {id(match) for match in self.shown}
        return [match for match in self.matches if id(match) not in shown]


@dataclass
class Results:
    """Everything the results page and its CSV show."""

    profile: Profile
    groups: list[NeedGroup]
    search_args: dict[str, list[str]]
    degraded: bool = False

    @property
    def listing_count(self) -> int:
        """Distinct listings across every need."""
        return len({match.listing.id for group in self.groups for match in group.matches})

    @property
    def support(self) -> list[str]:
        """Every support type searched for, in need order."""
        return list(dict.fromkeys(s for group in self.groups for s in group.support))


class PlaceProblem(ValueError):
    """A postcode or town in the answers that no longer resolves to one place in the UK."""


def resolve_place(text: str) -> tuple[Place | None, NearMe]:
    """Resolve a postcode or town offline; the Place is None when it cannot be used."""
    near = locate(text)
    if near.problem or near.place is None or near.point is None:
        return None, near
    return Place(near.place.region, near.place.label, near.point), near


def profile_for(questionnaire: Questionnaire, answers: Answers) -> Profile:
    """Interpret complete answers; raises PlaceProblem for a place that does not resolve."""
    place = Place()
    place_text = answers.one("place")
    if place_text:
        resolved, near = resolve_place(place_text)
        if resolved is None:
            raise PlaceProblem(
                near.message or _("We could not find ‘%(place)s’.", place=place_text)
            )
        place = resolved
    elif answers.given("region"):
        place = Place(region=answers.given("region"))
    need_question = questionnaire.question_for("need")
    needs = tuple(need_question.chosen(value) for value in answers.get("need"))
    funding_question = questionnaire.question_for("funding")
    funding = tuple(funding_question.chosen(value) for value in answers.get("funding"))
    if any(kind.value == "any" for kind in funding):
        # "Any kind": each kind as its own list, so grants are never mixed up with loans.
        funding = tuple(kind for kind in funding_question.options if kind.value != "any")
    amount_value = answers.given("amount")
    amount = questionnaire.question_for("amount").chosen(amount_value) if amount_value else None
    return Profile(
        place=place,
        stage=answers.required("stage"),
        sector=answers.given("sector"),
        needs=needs,
        funding=funding,
        amount=amount if amount and (amount.minimum or amount.maximum) else None,
        equity=answers.given("equity"),
        size=answers.given("size"),
        about=tuple(v for v in answers.get("about") if v not in ("skip", "none")),
    )


def demand_answers(answers: Answers, profile: Profile, support: list[str]) -> dict[str, list[str]]:
    """The answer keys a demand event keeps: the region derived from a place, never the place."""
    kept = {
        key: list(values)
        for key, values in answers.values.items()
        if key not in ("place", "region") and values != ("skip",)
    }
    if profile.place.region:
        kept["region"] = [profile.place.region]
    kept["support"] = support
    return kept


def support_for(need: Option, profile: Profile) -> tuple[str, ...]:
    """The support types a need stands for, without equity ones if the founder said no."""
    if profile.equity == "no":
        return tuple(s for s in need.support if s not in need.equity_support)
    return need.support


def searches_for(need: Option, profile: Profile) -> list[tuple[Option | None, tuple[str, ...]]]:
    """(kind of funding or None, support types) for each list a need is shown as.

    Funding is one list per kind the founder chose ("any kind": every kind), so grants are
    never mixed up with loans or investment; investment only if they will give up a share.
    """
    if not need.equity_support or not profile.funding:
        support = support_for(need, profile)
        return [(None, support)] if support else []
    searches: list[tuple[Option | None, tuple[str, ...]]] = []
    for kind in profile.funding:
        support = support_for(kind, profile)
        if support:
            searches.append((kind, support))
    return searches


def neighbouring_stages(stage: str, taxonomy: Taxonomy) -> tuple[str, ...]:
    """The founder's stage and the stages either side of it."""
    stages = taxonomy.slugs("stages")
    at = stages.index(stage)
    return tuple(stages[max(0, at - 1) : at + 2])


def search_filters(
    profile: Profile, support: tuple[str, ...], taxonomy: Taxonomy | None = None
) -> dict[str, tuple[str, ...]]:
    """The search filters for one need (a region filter also admits UK-wide support).

    With the taxonomy, neighbouring stages come too, each shown with a note to check it.
    """
    stages = neighbouring_stages(profile.stage, taxonomy) if taxonomy else (profile.stage,)
    filters: dict[str, tuple[str, ...]] = {"support": support, "stage": stages}
    if profile.sector:
        filters["sector"] = (profile.sector, ANY_SECTOR)
    if profile.place.region:
        filters["region"] = (profile.place.region,)
    return filters


def find_support(questionnaire: Questionnaire, profile: Profile, taxonomy: Taxonomy) -> Results:
    """Search once per need (per kind of funding), then explain and order the results."""
    groups = []
    degraded = False
    for need in profile.needs:
        for kind, support in searches_for(need, profile):
            filters = search_filters(profile, support, taxonomy)
            params = SearchParams(filters=filters, per_page=MAX_CANDIDATES)
            outcome = search_listings(params, with_cards=False)
            degraded = degraded or outcome.degraded
            listings = outcome.load_listings()
            _load_business_sizes(listings)
            matches = []
            for listing in listings:
                if need.equity_support and profile.equity == "no" and listing.equity_taken:
                    continue  # funding that takes a share, when the founder said no
                matches.append(explain(listing, need, support, profile, taxonomy))
            matches.sort(key=_order)
            # The same filters, so full search shows the same listings as this group.
            groups.append(
                NeedGroup(need, support, matches, len(matches), _query_args(filters), kind)
            )
    every_support = tuple(dict.fromkeys(s for group in groups for s in group.support))
    search_args = _query_args(search_filters(profile, every_support, taxonomy))
    return Results(profile, groups, search_args, degraded)


def _load_business_sizes(listings: list[Listing]) -> None:
    """Load size limits for all the listings in one query (the search loads the rest)."""
    if listings:
        ids = [listing.id for listing in listings]
        query = select(Listing).where(Listing.id.in_(ids))
        db.session.scalars(query.options(selectinload(Listing.business_sizes))).all()


def _query_args(filters: dict[str, tuple[str, ...]]) -> dict[str, list[str]]:
    """Search page arguments for the same filters."""
    return {name: list(values) for name, values in filters.items()}


def _order(match: Match) -> tuple[bool, bool, int, int, float, str]:
    """Open first; then for the founder's groups; fewest blockers; closest fit; nearest."""
    distance = match.distance_km if match.distance_km is not None else float("inf")
    return (match.closed, match.restricted, match.blockers, -match.fit, distance,
            match.listing.name.lower())  # fmt: skip


def distance_km(listing: Listing, point: tuple[float, float]) -> float | None:
    """Kilometres from the point to the listing's nearest site with a postcode, if any.

    A site known only by its town has no honest distance; UK-wide support has none at all.
    """
    if listing.uk_wide:
        return None
    distances = [
        great_circle(point, (location.latitude, location.longitude)).km
        for location in listing.locations
        if location.postcode and location.latitude is not None and location.longitude is not None
    ]
    return round(min(distances), 1) if distances else None


def _term_label(taxonomy: Taxonomy, name: str, slug: str) -> str:
    """A taxonomy slug's label in the current language."""
    return term_label(taxonomy.terms(name), slug)


def _either(names: list[str]) -> str:
    """Names as alternatives: A or B or C."""
    return reduce(lambda first, second: _("%(first)s or %(second)s", first=first,
                                          second=second), names)  # fmt: skip


def restricted_to(listing: Listing) -> list[str]:
    """The groups a listing is only for, from its tags and eligibility."""
    text = " ".join([*(listing.tags or []), listing.eligibility or ""]).lower()
    return [group for group, (_label, pattern) in GROUPS.items() if re.search(pattern, text)]


def explain(
    listing: Listing, need: Option, support: tuple[str, ...], profile: Profile, taxonomy: Taxonomy
) -> Match:
    """Why a listing fits the answers, and anything that may rule it out."""
    place = profile.place
    distance = distance_km(listing, place.point) if place.point else None
    match = Match(listing, distance)
    offered = [t.slug for t in listing.support_types if t.slug in support]
    labels = ", ".join(_term_label(taxonomy, "support_types", slug) for slug in offered)
    match.reasons.append(_("Offers the help you need: %(labels)s", labels=labels))
    _explain_stage(match, listing, profile.stage, taxonomy)
    _explain_place(match, listing, place, taxonomy)
    _explain_sector(match, listing, profile, taxonomy)
    if need.equity_support:
        _explain_amount(match, listing, profile.amount)
    _explain_equity(match, listing, profile.equity)
    _explain_size(match, listing, profile.size, taxonomy)
    _explain_groups(match, listing, profile.about)
    _explain_availability(match, listing)
    return match


def _explain_stage(match: Match, listing: Listing, stage: str, taxonomy: Taxonomy) -> None:
    """The founder's stage, or a neighbouring one to check."""
    stages = [term.slug for term in listing.stages]
    if stage in stages:
        match.fit += 2
        match.reasons.append(
            _("For your stage: %(stage)s", stage=_term_label(taxonomy, "stages", stage))
        )
    else:
        named = ", ".join(_term_label(taxonomy, "stages", slug).split(" (")[0] for slug in stages)
        match.cautions.append(_("Check the stage: it is for %(stages)s", stages=named))


def _explain_groups(match: Match, listing: Listing, about: tuple[str, ...]) -> None:
    """Support only for a group the founder did not say they belong to comes last."""
    groups = restricted_to(listing)
    if not groups:
        return
    if set(groups) & set(about):
        match.fit += 1
        group = GROUPS[next(g for g in groups if g in about)][0]
        match.reasons.append(_("For %(group)s, as you are", group=group))
        return
    match.restricted = True
    named = _either([str(GROUPS[group][0]) for group in groups])
    match.cautions.append(_("Only for %(groups)s", groups=named))


def _explain_place(match: Match, listing: Listing, place: Place, taxonomy: Taxonomy) -> None:
    """Distance from the place given, and the region served."""
    if match.distance_km is not None:
        match.reasons.append(
            _("%(distance)s km from %(place)s", distance=format(match.distance_km, ".1f"),
              place=place.label)
        )  # fmt: skip
    elif place.point is not None and not listing.uk_wide:
        towns = list(dict.fromkeys(location.town for location in listing.locations))
        if towns:
            match.reasons.append(_("In %(towns)s", towns=", ".join(towns[:3])))
    if listing.uk_wide:
        match.reasons.append(_("Available anywhere in the UK"))
    elif place.region:
        match.fit += 1
        match.reasons.append(
            _("Serves %(region)s", region=_term_label(taxonomy, "regions", place.region))
        )
    else:
        match.blockers += 1
        regions = ", ".join(_term_label(taxonomy, "regions", r.slug) for r in listing.regions)
        match.cautions.append(_("Only for businesses in %(regions)s", regions=regions))


def _explain_sector(match: Match, listing: Listing, profile: Profile, taxonomy: Taxonomy) -> None:
    """A sector specialism, or support open to any sector."""
    sectors = [sector.slug for sector in listing.sectors]
    if profile.sector and profile.sector in sectors:
        match.fit += 2
        match.reasons.append(
            _("Specialises in %(sector)s", sector=_term_label(taxonomy, "sectors", profile.sector))
        )
    elif ANY_SECTOR in sectors:
        match.reasons.append(_("Open to businesses in any sector"))
    elif sectors:
        match.blockers += 1
        named = ", ".join(_term_label(taxonomy, "sectors", slug) for slug in sectors)
        match.cautions.append(_("Only for some sectors: %(sectors)s", sectors=named))


def _explain_amount(match: Match, listing: Listing, amount: Option | None) -> None:
    """Whether the funding offered covers the amount the founder is looking for."""
    offered = funding_range(listing.funding_min, listing.funding_max)
    if amount is None or not offered:
        return
    low, high = amount.minimum or 0, amount.maximum
    if listing.funding_max is not None and listing.funding_max < low:
        match.blockers += 1
        match.cautions.append(
            _(
                "Offers at most %(amount)s, less than you are looking for",
                amount=money(listing.funding_max),
            )
        )
    elif listing.funding_min is not None and high is not None and listing.funding_min > high:
        match.blockers += 1
        match.cautions.append(
            _(
                "Starts at %(amount)s, more than you are looking for",
                amount=money(listing.funding_min),
            )
        )
    else:
        match.fit += 2
        match.reasons.append(
            _(
                "Funding offered (%(offered)s) fits the amount you need",
                offered=offered[0].lower() + offered[1:],
            )
        )


def _explain_equity(match: Match, listing: Listing, equity: str | None) -> None:
    """Whether the listing takes a share of the business, against the founder's answer."""
    if listing.equity_taken is None:
        return
    if not listing.equity_taken:
        if equity in ("no", "not-sure"):
            match.fit += 1
            match.reasons.append(_("Does not take a share of your business"))
    elif equity == "yes":
        match.reasons.append(_("Invests in return for shares, which you are open to"))
    else:
        if equity == "no":
            match.blockers += 1
        match.cautions.append(_("Takes a share of your business (equity)"))


def _explain_size(match: Match, listing: Listing, size: str | None, taxonomy: Taxonomy) -> None:
    """Size limits on who can apply."""
    sizes = [band.slug for band in listing.business_sizes]
    if not size or not sizes:
        return
    if size in sizes:
        match.fit += 1
        match.reasons.append(_("For businesses of your size"))
    else:
        match.blockers += 1
        named = _either([_term_label(taxonomy, "business_sizes", s).lower() for s in sizes])
        match.cautions.append(_("Only for businesses with %(sizes)s", sizes=named))


def _explain_availability(match: Match, listing: Listing) -> None:
    """Whether it is open now, its dates, and its own eligibility rules."""
    state = availability(listing)
    if state.is_closed:
        match.closed = True
        match.blockers += 1
        match.cautions.append(_closed_caution(state.state, state.next_round))
    elif state.state == AvailabilityState.OPENS:
        match.cautions.append(
            _("Opens for applications on %(date)s", date=long_date(state.opens_on))
        )
    elif state.state == AvailabilityState.UNCONFIRMED:
        if state.last_checked_on:
            match.cautions.append(
                _(
                    "Dates not confirmed lately (last checked %(date)s)",
                    date=long_date(state.last_checked_on),
                )
            )
        else:
            match.cautions.append(_("Dates not confirmed lately (last checked never)"))
    if state.closes_on and state.state in (AvailabilityState.OPEN, AvailabilityState.OPENS):
        match.cautions.append(_("Closing date: %(date)s", date=long_date(state.closes_on)))
    if listing.eligibility:
        text = " ".join(listing.eligibility.split())
        if len(text) > MAX_ELIGIBILITY_CHARS:
            text = text[: MAX_ELIGIBILITY_CHARS - 1].rsplit(" ", 1)[0] + "…"
        match.cautions.append(_("Check who can apply: %(text)s", text=text))


def _closed_caution(state: AvailabilityState, next_round: str | None) -> str:
    """Why a listing is not open now, with what is known of its next round."""
    if state == AvailabilityState.ENDED:
        return _("This programme has ended")
    if state == AvailabilityState.PAUSED:
        if next_round:
            return _("Paused just now: %(next_round)s", next_round=next_round)
        return _("Paused just now")
    if next_round:
        return _("Not taking applications just now: %(next_round)s", next_round=next_round)
    return _("Not taking applications just now")


CSV_COLUMNS = [
    "need",
    "rank",
    "listing",
    "organisation",
    "link",
    "distance_km",
    "support",
    "stages",
    "regions",
    "funding",
    "why_it_fits",
    "may_rule_it_out",
    "website",
]


def results_csv(results: Results, taxonomy: Taxonomy, listing_url: Callable[[str], str]) -> str:
    """Every result of every need as CSV, spreadsheet-safe; listing_url(slug) gives links."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for group in results.groups:
        for rank, match in enumerate(group.matches, start=1):
            listing = match.listing
            row = [
                group.label,
                rank,
                listing.name,
                listing.organisation.name,
                listing_url(listing.slug),
                "" if match.distance_km is None else f"{match.distance_km:.1f}",
                "; ".join(
                    _term_label(taxonomy, "support_types", t.slug) for t in listing.support_types
                ),
                "; ".join(_term_label(taxonomy, "stages", s.slug) for s in listing.stages),
                "; ".join(_term_label(taxonomy, "regions", r) for r in listing.region_slugs),
                funding_range(listing.funding_min, listing.funding_max),
                "; ".join(match.reasons),
                "; ".join(match.cautions),
                listing.website or "",
            ]
            writer.writerow([escape_cell(str(cell)) for cell in row])
    return out.getvalue()
