"""The database fallback and the search index agree on every search (issue 13).

Hypothesis draws search requests over the seeded catalogue: words from listings and from the
vocabulary (now and then a nonsense word), concepts with real taxonomy slugs and the
vocabulary's groups (tags, as the service sends them), filters (regions with `uk-wide`), places
from the geo lookup, council areas and listings' own sites, typed names and the runs they start
with, open now, partial or not, each sort (distance only with a point) and pages 1 to 3. Each
request goes to both, as asked and with every result on one page, and they agree when:

- they count the same: total, complete, concepts, tier_totals, complete_tiers and every facet;
- every result has the same place tier, distance and number of concepts met in both;
- each one's page is its own list of every result cut at the page, so the pages hold the same
  listings wherever the order is defined;
- they agree on the order as far as the engine defines it (docs/search.md, "Order"). Each result
  has a band, worked out here from its search document: (name strength, concepts met, words read
  as concepts that its text holds when it meets them all, place tier weight, open today). For
  sort=relevance both lists descend by band and hold the same ids in each band; inside a band
  the engine orders by word weights, which the fallback does not reproduce, so the order inside
  a band is compared only when there are no words to weigh (no text and no boost): then the name
  decides and both lists are the same. For sort=distance the results located there come first,
  nearest first, in the same order in both, and the rest follow by band as above. For
  sort=deadline both lists are the same.

Listing names are unique in the catalogue (checked), so ordering by name is a total order and
"the same list" is well defined. The fallback does not correct misspellings, so requests whose
words the index corrected are discarded rather than compared. FALLBACK_EXAMPLES raises the
number of examples locally.
"""

from __future__ import annotations

import itertools
import os
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from directory.extensions import db
from directory.geo.areas import named_area
from directory.search.documents import search_document
from directory.search.fallback import FallbackBudget, database_search
from directory.search.indexing import public_listings_query
from directory.search.params import SORTS, STATUSES
from directory.taxonomy import UK_WIDE
from search_index import TIERS, Concept, PlaceScope, SearchRequest, SearchResponse, name_words
from search_index.planning import literal_clauses
from search_index.query import SynonymTable, words_of
from search_index.schema import TEXT_FIELDS, loose_name, name_prefixes, name_strength
from search_index.synonyms import DEFAULT_SYNONYMS

SYNONYMS = SynonymTable(DEFAULT_SYNONYMS)

EXAMPLES = int(os.environ.get("FALLBACK_EXAMPLES", "60"))
# Generous, so a slow shared machine never turns a comparison into a 503.
BUDGET_SECONDS = 60.0
TOWNS = ("Leeds", "Manchester", "Cardiff", "Edinburgh", "Belfast", "Bristol", "Cambridge",
         "LS1 4AP", "EC2V 7HH", "G1 1XQ", "NE1 4ST")  # fmt: skip
AREAS = ("Kent", "Greater Manchester", "West Yorkshire", "Highland", "Wales", "north east")
# Listings' own sites used as places, one in this many of those with a point.
SITE_SAMPLE = 10
RADII_KM = (5.0, 25.0, 100.0)
# A place's tier as a weight: located there, serving the region, UK-wide (or no place at all).
TIER_WEIGHTS = {"local": 3, "region": 1, "uk": 0, None: 0}


class Catalogue:
    """The seeded catalogue's search documents and the values requests are drawn from."""

    def __init__(self, app) -> None:
        listings = db.session.scalars(public_listings_query())
        documents = sorted(map(search_document, listings), key=lambda d: int(d["id"]))
        self.documents = {document["id"]: document for document in documents}
        names = [document["name"].casefold() for document in documents]
        assert len(set(names)) == len(names), "ties by name must be decidable"
        texts = (" ".join([d["name"], d["organisation"], d["summary"] or "", *d["tags"]])
                 for d in documents)  # fmt: skip
        self.words = sorted({w.text for text in texts for w in words_of(text) if w.text.isalpha()})
        typed = set()
        for document in documents:
            for key in (name_words(document["name"]), name_words(document["organisation"])):
                # Whole names, and the runs a longer name starts with ("invest ni").
                typed.update([key, *name_prefixes(key)])
        self.names = sorted(typed - {""})
        vocabulary = yaml.safe_load(
            Path(app.config["SEED_DATA_DIR"], "vocabulary.yaml").read_text(encoding="utf-8")
        )
        self.phrases = sorted(
            {str(phrase) for section in ("support_types", "stages", "sectors", "tags")
             for group in vocabulary[section].values() for phrase in group}
            | {str(phrase) for phrase in vocabulary["ignore"]}
        )  # fmt: skip
        self.tags = sorted(vocabulary["tags"])
        taxonomy = app.extensions["taxonomy"]
        self.slugs = {
            "region": [*taxonomy.slugs("regions"), UK_WIDE],
            "stage": taxonomy.slugs("stages"),
            "support": taxonomy.slugs("support_types"),
            "sector": taxonomy.slugs("sectors"),
            "status": list(STATUSES),
        }
        self.places = self._places(app.extensions["geo"], documents)

    @staticmethod
    def _places(geo, documents: list[dict]) -> list[PlaceScope]:
        """Towns and postcodes, council areas and regions, and some listings' own sites."""
        places = []
        for town in TOWNS:
            found = geo.resolve(town)
            places.append(PlaceScope(found.point, lads=(found.lad_code,), region=found.region))
        for name in AREAS:
            area = named_area(name)
            places.append(PlaceScope(lads=area.lads, region=area.region))
        sited = [document for document in documents if document["points"]]
        for document in sited[::SITE_SAMPLE]:
            latitude, longitude, _precise = document["points"][0]
            places.append(
                PlaceScope((latitude, longitude), lads=tuple(document["lads"]),
                           region=document["regions"][0])
            )  # fmt: skip
        return places

    def __repr__(self) -> str:
        # Hypothesis prints a failing example's arguments: not 500 documents, please.
        return f"<Catalogue of {len(self.documents)} listings>"

    def id_of(self, slug: str) -> str:
        """The search id of a listing."""
        return next(i for i, document in self.documents.items() if document["slug"] == slug)


@pytest.fixture
def catalogue(app) -> Catalogue:
    """The seeded catalogue, read once per test."""
    return Catalogue(app)


def one_of_many(values: list) -> st.SearchStrategy:
    """One of a long list (sampled_from would spell the whole list out in its repr)."""
    return st.integers(0, len(values) - 1).map(values.__getitem__)


def some_of(values: list[str]) -> st.SearchStrategy[tuple[str, ...]]:
    """One to three different values."""
    return st.lists(st.sampled_from(values), min_size=1, max_size=3, unique=True).map(tuple)


@st.composite
def search_requests(draw, catalogue: Catalogue) -> SearchRequest:
    """A search as the service could send it, over the catalogue's own words and values."""
    text = boost = ""
    # Half the searches have no words to weigh, so that their whole order is defined.
    if draw(st.booleans()):
        word = one_of_many(catalogue.words) | one_of_many(catalogue.phrases)
        words = draw(st.lists(word, min_size=1, max_size=3))
        if draw(st.integers(0, 5)) == 0:
            words.append(draw(st.text(alphabet="qxzj", min_size=6, max_size=9)))
        text = " ".join(words)
        boost = draw(st.just("") | one_of_many(catalogue.phrases))
    # The words read as sectors or tags; they rank by a band of their own, exact in both.
    literal = draw(st.just("") | one_of_many(catalogue.phrases))
    concept = st.one_of(
        *(st.builds(Concept, st.just(facet), some_of(catalogue.slugs[facet]))
          for facet in ("support", "stage", "sector")),
        st.builds(Concept, st.just("tags"), some_of(catalogue.tags)),
    )  # fmt: skip
    # A filter or two: more would leave nothing to compare most of the time.
    filtered = draw(st.lists(st.sampled_from(sorted(catalogue.slugs)), max_size=2, unique=True))
    sort = draw(st.sampled_from(SORTS))
    # Sorting by distance needs a point to measure from.
    places = [p for p in catalogue.places if p.point] if sort == "distance" else catalogue.places
    place = st.builds(replace, one_of_many(places), radius_km=st.sampled_from(RADII_KM))
    today = date.today() + timedelta(days=draw(st.sampled_from((0, 120, -400))))
    return SearchRequest(
        text=text,
        boost=boost,
        literal=literal,
        filters={facet: draw(some_of(catalogue.slugs[facet])) for facet in filtered},
        sort=sort,
        page=draw(st.integers(1, 3)),
        concepts=tuple(draw(st.lists(concept, max_size=2))),
        place=draw(place if sort == "distance" else st.none() | place),
        names=tuple(draw(st.lists(one_of_many(catalogue.names), max_size=2, unique=True))),
        # As the service asks, mostly; both answers to "meets the whole search" must agree.
        partial=draw(st.sampled_from((True, True, False))),
        today=today.toordinal(),
        open_now=draw(st.sampled_from((False, False, True))),
    )


def search_both(app, request: SearchRequest) -> tuple[SearchResponse, SearchResponse]:
    """The index's answer and the fallback's."""
    index = app.extensions["search_index"].search(request)
    return index, database_search(db.session, request, FallbackBudget(BUDGET_SECONDS))


def details(answer: SearchResponse) -> dict[str, tuple[str | None, float | None, int]]:
    """Each result's place tier, distance and concepts met."""
    return {
        listing_id: (tier, distance, met)
        for listing_id, tier, distance, met in zip(
            answer.ids, answer.tiers, answer.distances, answer.met, strict=True
        )
    }


def typed_name_strength(names: tuple[str, ...], document: dict) -> int:
    """How strongly the typed names match a listing's or its organisation's name (0: not)."""
    own = {loose_name(name_words(document[field])) for field in ("name", "organisation")}
    strength = max(
        (name_strength(len(key.split()), True) for key in names if loose_name(key) in own),
        default=0,
    )
    if names:
        # The whole text (the longest name) may also start a longer name.
        whole = max(names, key=lambda key: len(key.split()))
        if any(loose_name(whole) in name_prefixes(name) for name in own):
            strength = max(strength, name_strength(len(whole.split()), False))
    return strength


def is_open(document: dict, today: int) -> bool:
    """Whether founders can apply to a listing on a day (an ordinal)."""
    start, end = document["open_from"], document["open_until"]
    return bool(end) and start.toordinal() <= today <= end.toordinal()


def literals_held(request: SearchRequest, document: dict) -> int:
    """How many of the words read as concepts (the first few) a listing's text holds."""
    text = " ".join(
        " , ".join(value) if isinstance(value := document[name], list) else str(value or "")
        for name, _boost in TEXT_FIELDS
    )
    stems = {w.stem for w in words_of(text)}
    return sum(
        any(set(alt) <= stems for alt in clause.alternatives)
        for clause in literal_clauses(request.literal, SYNONYMS)
    )


def bands(catalogue: Catalogue, request: SearchRequest, answer: SearchResponse) -> dict:
    """Each result's band: (name, concepts met, literals held, place tier weight, open today)."""
    found = {}
    for listing_id, (tier, _distance, met) in details(answer).items():
        document = catalogue.documents[listing_id]
        weight = TIER_WEIGHTS[tier]
        if tier == "region" and set(document["regions"]) == {request.place.region}:
            weight += 1  # serving only that region ranks above serving it among others
        found[listing_id] = (
            typed_name_strength(request.names, document),
            met,
            literals_held(request, document) if met == answer.concepts else 0,
            weight,
            bool(request.today) and is_open(document, request.today),
        )
    return found


def assert_same_order(
    catalogue: Catalogue, request: SearchRequest, index: SearchResponse, fallback: SearchResponse
) -> None:
    """Both lists of every result are in the same order, as far as the engine defines it."""
    if request.sort == "deadline":
        assert fallback.ids == index.ids
        return
    index_ids, fallback_ids = index.ids, fallback.ids
    if request.sort == "distance":
        located = index.tier_totals["local"]
        assert fallback_ids[:located] == index_ids[:located], "nearest first"
        index_ids, fallback_ids = index_ids[located:], fallback_ids[located:]
    band = bands(catalogue, request, index)
    for answer, ids in (("index", index_ids), ("fallback", fallback_ids)):
        in_order = [band[listing_id] for listing_id in ids]
        assert in_order == sorted(in_order, reverse=True), f"the {answer}'s bands descend"
    if not request.text and not request.boost:
        assert fallback_ids == index_ids, "no words to weigh: names decide ties"
    else:

        def runs(ids: list[str]) -> list[tuple[tuple, set[str]]]:
            return [(key, set(group)) for key, group in itertools.groupby(ids, band.get)]

        assert runs(fallback_ids) == runs(index_ids), "the same listings in each band"


def assert_agree(
    app, catalogue: Catalogue, request: SearchRequest
) -> tuple[SearchResponse, SearchResponse]:
    """Assert the index and the fallback agree; return both lists of every result."""
    index_page, fallback_page = search_both(app, request)
    index, fallback = search_both(app, replace(request, page=1, per_page=len(catalogue.documents)))
    for name in ("total", "complete", "concepts", "tier_totals", "complete_tiers", "facets"):
        assert getattr(fallback_page, name) == getattr(index_page, name), name
    assert details(fallback) == details(index)
    start = (request.page - 1) * request.per_page
    for page, whole in ((index_page, index), (fallback_page, fallback)):
        assert page.ids == whole.ids[start : start + request.per_page]
        every = details(whole)
        assert details(page) == {listing_id: every[listing_id] for listing_id in page.ids}
    assert_same_order(catalogue, request, index, fallback)
    return index, fallback


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_the_fallback_agrees_with_the_index(app, catalogue, data):
    request = data.draw(search_requests(catalogue), label="request")
    # The fallback searches the words as typed; the index may correct a misspelt one.
    assume(not app.extensions["search_index"].search(request).corrections)
    assert_agree(app, catalogue, request)


def request_for(**fields) -> SearchRequest:
    """A request as the service sends it: partial matches count, open judged on today."""
    return SearchRequest(partial=True, today=date.today().toordinal(), **fields)


def test_a_region_filter_keeps_uk_wide_listings(app, catalogue):
    request = request_for(concepts=(Concept("support", ("loan",)),), filters={"region": ("wales",)})
    _index, fallback = assert_agree(app, catalogue, request)
    regions = [catalogue.documents[listing_id]["regions"] for listing_id in fallback.ids]
    assert [UK_WIDE] in regions
    assert any("wales" in served for served in regions)


def test_a_place_and_a_concept_rank_what_is_there_first(app, catalogue):
    leeds = app.extensions["geo"].resolve("Leeds")
    place = PlaceScope(leeds.point, lads=(leeds.lad_code,), region=leeds.region)
    request = request_for(concepts=(Concept("support", ("workspace",)),), place=place)
    _index, fallback = assert_agree(app, catalogue, request)
    # Workspace in Leeds first, then serving Yorkshire, then UK-wide; then whatever serves Leeds.
    both = [tier for tier, met in zip(fallback.tiers, fallback.met, strict=True) if met == 2]
    assert fallback.met[: len(both)] == [2] * len(both)
    assert both[0] == "local" and both == sorted(both, key=TIERS.index)


def test_sort_by_distance_lists_what_is_located_there_nearest_first(app, catalogue):
    found = app.extensions["geo"].resolve("EC2V 7HH")
    place = PlaceScope(found.point, lads=(found.lad_code,), region=found.region)
    request = request_for(sort="distance", place=place, concepts=(Concept("support", ("advice",)),))
    _index, fallback = assert_agree(app, catalogue, request)
    located = fallback.tier_totals["local"]
    shown = [km for km in fallback.distances[:located] if km is not None]
    assert located and fallback.tiers[:located] == ["local"] * located
    assert len(shown) > 1 and shown == sorted(shown)


def test_open_now_leaves_only_what_founders_can_apply_to_today(app, catalogue):
    request = request_for(concepts=(Concept("support", ("grant",)),), open_now=True)
    _index, fallback = assert_agree(app, catalogue, request)
    assert fallback.total
    assert all(is_open(catalogue.documents[i], request.today) for i in fallback.ids)
    _index, closed_too = assert_agree(app, catalogue, replace(request, open_now=False))
    assert closed_too.total > fallback.total


def test_a_typed_name_comes_first(app, catalogue):
    # "start up loans" as the service reads it: a kind of support, and the runs of its words.
    request = request_for(
        concepts=(Concept("support", ("loan",)),),
        boost="start up loans",
        names=("start up", "start up loans", "up loans"),
    )
    _index, fallback = assert_agree(app, catalogue, request)
    # The whole name first, then the longer name it starts.
    assert fallback.ids[:2] == [
        catalogue.id_of("start-up-loans"),
        catalogue.id_of("start-up-loans-business-guidance"),
    ]


def test_a_listing_naming_the_narrow_word_comes_first(app, catalogue):
    # "fashion designer grant" as the service reads it: grants in the creative sector, where
    # "fashion" and "designer" are narrower than the sector (film and games funds are in it too).
    request = request_for(
        concepts=(
            Concept("support", ("grant",)),
            Concept("sector", ("information-technology-digital-and-creative",)),
        ),
        boost="fashion designer grant",
        literal="fashion designer",
    )
    _index, fallback = assert_agree(app, catalogue, request)
    fashion = {catalogue.id_of(slug) for slug in ("bfc-fashion-trust-grants",
                                                   "bfc-vogue-designer-fashion-fund",
                                                   "bfc-gq-designer-fashion-fund")}  # fmt: skip
    assert set(fallback.ids[:3]) == fashion
    # Without the narrow words the same concepts put open creative grants first.
    _index, broad = assert_agree(app, catalogue, replace(request, literal=""))
    assert not fashion <= set(broad.ids[:3])


@pytest.mark.parametrize("tag", ["Women", "start-up-loans"])
def test_a_tag_concept_matches_the_tag_words_as_indexed(app, catalogue, tag):
    request = request_for(concepts=(Concept("tags", (tag,)),))
    index, _fallback = assert_agree(app, catalogue, request)
    assert index.total
