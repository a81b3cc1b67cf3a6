"""From complete answers to results grouped by need, each with why it fits and what may not.

Each need becomes one search (its support types, the stage, the sector or any sector, the
region) through the same search service as the search page; results are then explained and
ordered here: nearest first when a postcode or town was given, else the best fit first.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from geopy.distance import great_circle
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from directory.catalogue.csv_io import escape_cell
from directory.catalogue.models import Listing
from directory.extensions import db
from directory.presentation import funding_range, long_date, money
from directory.questionnaire.answers import Answers
from directory.questionnaire.questions import Option, Questionnaire
from directory.search.params import SearchParams
from directory.search.service import NearMe, locate, search_listings
from directory.taxonomy import Taxonomy

ANY_SECTOR = "any"
# Listings considered per need: enough for every need in the real catalogue, bounded for huge ones.
MAX_CANDIDATES = 500
# Results shown per need on the page; the CSV has them all.
SHOWN_PER_NEED = 10
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


@dataclass
class NeedGroup:
    """The results for one need."""

    need: Option
    support: tuple[str, ...]
    matches: list[Match]
    total: int
    search_args: dict[str, list[str]]

    @property
    def shown(self) -> list[Match]:
        """The matches shown on the page."""
        return self.matches[:SHOWN_PER_NEED]


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
            raise PlaceProblem(near.message or f"We could not find ‘{place_text}’.")
        place = resolved
    elif answers.given("region"):
        place = Place(region=answers.given("region"))
    need_question = questionnaire.by_key("need")
    needs = tuple(need_question.option(value) for value in answers.get("need"))
    amount_value = answers.given("amount")
    amount = questionnaire.by_key("amount").option(amount_value) if amount_value else None
    return Profile(
        place=place,
        stage=answers.one("stage"),
        sector=answers.given("sector"),
        needs=needs,
        amount=amount if amount and (amount.minimum or amount.maximum) else None,
        equity=answers.given("equity"),
        size=answers.given("size"),
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


def search_filters(profile: Profile, support: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """The search filters for one need (a region filter also admits UK-wide support)."""
    filters: dict[str, tuple[str, ...]] = {"support": support, "stage": (profile.stage,)}
    if profile.sector:
        filters["sector"] = (profile.sector, ANY_SECTOR)
    if profile.place.region:
        filters["region"] = (profile.place.region,)
    return filters


def find_support(questionnaire: Questionnaire, profile: Profile, taxonomy: Taxonomy) -> Results:
    """Search once per need, then explain and order each need's results."""
    groups = []
    degraded = False
    for need in profile.needs:
        support = support_for(need, profile)
        filters = search_filters(profile, support)
        outcome = search_listings(SearchParams(filters=filters, per_page=MAX_CANDIDATES))
        degraded = degraded or outcome.degraded
        _load_business_sizes(outcome.listings)
        matches = []
        excluded = 0
        for listing in outcome.listings:
            if need.equity_support and profile.equity == "no" and listing.equity_taken:
                excluded += 1  # funding that takes a share, when the founder said no
                continue
            matches.append(explain(listing, need, support, profile, taxonomy))
        matches.sort(key=_order_with_distance if profile.place.point else _order_by_fit)
        groups.append(
            NeedGroup(need, support, matches, outcome.total - excluded, _query_args(filters))
        )
    every_support = tuple(dict.fromkeys(s for group in groups for s in group.support))
    search_args = _query_args(search_filters(profile, every_support))
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


def _order_with_distance(match: Match):
    """Nearest first; listings with no fixed place after, best fit first."""
    return (match.distance_km is None, match.distance_km or 0, _order_by_fit(match))


def _order_by_fit(match: Match):
    """Fewest possible blockers, then the closest fit, then by name."""
    return (match.blockers, -match.fit, match.listing.name.lower())


def distance_km(listing: Listing, point: tuple[float, float]) -> float | None:
    """Kilometres from the point to the listing's nearest placed location, if any."""
    distances = [
        great_circle(point, (location.latitude, location.longitude)).km
        for location in listing.locations
        if location.latitude is not None and location.longitude is not None
    ]
    return round(min(distances), 1) if distances else None


def explain(
    listing: Listing, need: Option, support: tuple[str, ...], profile: Profile, taxonomy: Taxonomy
) -> Match:
    """Why a listing fits the answers, and anything that may rule it out."""
    place = profile.place
    distance = distance_km(listing, place.point) if place.point else None
    match = Match(listing, distance)
    offered = [t.slug for t in listing.support_types if t.slug in support]
    labels = ", ".join(taxonomy.label("support_types", slug) for slug in offered)
    match.reasons.append(f"Offers the help you need: {labels}")
    match.reasons.append(f"For your stage: {taxonomy.label('stages', profile.stage)}")
    _explain_place(match, listing, place, taxonomy)
    _explain_sector(match, listing, profile, taxonomy)
    if need.equity_support:
        _explain_amount(match, listing, profile.amount)
    _explain_equity(match, listing, profile.equity)
    _explain_size(match, listing, profile.size, taxonomy)
    _explain_availability(match, listing)
    return match


def _explain_place(match: Match, listing: Listing, place: Place, taxonomy: Taxonomy) -> None:
    """Distance from the place given, and the region served."""
    if match.distance_km is not None:
        match.reasons.append(f"{match.distance_km:.1f} km from {place.label}")
    if listing.uk_wide:
        match.reasons.append("Available anywhere in the UK")
    elif place.region:
        match.fit += 1
        match.reasons.append(f"Serves {taxonomy.label('regions', place.region)}")
    else:
        match.blockers += 1
        regions = ", ".join(taxonomy.label("regions", r.slug) for r in listing.regions)
        match.cautions.append(f"Only for businesses in {regions}")


def _explain_sector(match: Match, listing: Listing, profile: Profile, taxonomy: Taxonomy) -> None:
    """A sector specialism, or support open to any sector."""
    sectors = [sector.slug for sector in listing.sectors]
    if profile.sector and profile.sector in sectors:
        match.fit += 2
        match.reasons.append(f"Specialises in {taxonomy.label('sectors', profile.sector)}")
    elif ANY_SECTOR in sectors:
        match.reasons.append("Open to businesses in any sector")
    elif sectors:
        match.blockers += 1
        named = ", ".join(taxonomy.label("sectors", slug) for slug in sectors)
        match.cautions.append(f"Only for some sectors: {named}")


def _explain_amount(match: Match, listing: Listing, amount: Option | None) -> None:
    """Whether the funding offered covers the amount the founder is looking for."""
    offered = funding_range(listing.funding_min, listing.funding_max)
    if amount is None or not offered:
        return
    low, high = amount.minimum or 0, amount.maximum
    if listing.funding_max is not None and listing.funding_max < low:
        match.blockers += 1
        match.cautions.append(
            f"Offers at most {money(listing.funding_max)}, less than you are looking for"
        )
    elif listing.funding_min is not None and high is not None and listing.funding_min > high:
        match.blockers += 1
        match.cautions.append(
            f"Starts at {money(listing.funding_min)}, more than you are looking for"
        )
    else:
        match.fit += 2
        match.reasons.append(
            f"Funding offered ({offered[0].lower() + offered[1:]}) fits the amount you need"
        )


def _explain_equity(match: Match, listing: Listing, equity: str | None) -> None:
    """Whether the listing takes a share of the business, against the founder's answer."""
    if listing.equity_taken is None:
        return
    if not listing.equity_taken:
        if equity in ("no", "not-sure"):
            match.fit += 1
            match.reasons.append("Does not take a share of your business")
    elif equity == "yes":
        match.reasons.append("Invests in return for shares, which you are open to")
    else:
        if equity == "no":
            match.blockers += 1
        match.cautions.append("Takes a share of your business (equity)")


def _explain_size(match: Match, listing: Listing, size: str | None, taxonomy: Taxonomy) -> None:
    """Size limits on who can apply."""
    sizes = [band.slug for band in listing.business_sizes]
    if not size or not sizes:
        return
    if size in sizes:
        match.fit += 1
        match.reasons.append("For businesses of your size")
    else:
        match.blockers += 1
        named = " or ".join(taxonomy.label("business_sizes", s).lower() for s in sizes)
        match.cautions.append(f"Only for businesses with {named}")


def _explain_availability(match: Match, listing: Listing) -> None:
    """Whether it is open now, its closing date, and its own eligibility rules."""
    if listing.status == "paused":
        match.blockers += 1
        match.cautions.append("Paused just now")
    if listing.application_status == "closed":
        match.blockers += 1
        match.cautions.append("Not taking applications just now")
    elif listing.application_status == "opens" and listing.opens_on:
        match.cautions.append(f"Opens for applications on {long_date(listing.opens_on)}")
    if listing.deadline and listing.application_status != "closed":
        match.cautions.append(f"Closing date: {long_date(listing.deadline)}")
    if listing.eligibility:
        text = " ".join(listing.eligibility.split())
        if len(text) > MAX_ELIGIBILITY_CHARS:
            text = text[: MAX_ELIGIBILITY_CHARS - 1].rsplit(" ", 1)[0] + "…"
        match.cautions.append(f"Check who can apply: {text}")


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


def results_csv(results: Results, taxonomy: Taxonomy, listing_url) -> str:
    """Every result of every need as CSV, spreadsheet-safe; listing_url(slug) gives links."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for group in results.groups:
        for rank, match in enumerate(group.matches, start=1):
            listing = match.listing
            row = [
                group.need.label,
                rank,
                listing.name,
                listing.organisation.name,
                listing_url(listing.slug),
                "" if match.distance_km is None else f"{match.distance_km:.1f}",
                "; ".join(taxonomy.label("support_types", t.slug) for t in listing.support_types),
                "; ".join(taxonomy.label("stages", s.slug) for s in listing.stages),
                "; ".join(taxonomy.label("regions", r) for r in listing.region_slugs),
                funding_range(listing.funding_min, listing.funding_max),
                "; ".join(match.reasons),
                "; ".join(match.cautions),
                listing.website or "",
            ]
            writer.writerow([escape_cell(str(cell)) for cell in row])
    return out.getvalue()
