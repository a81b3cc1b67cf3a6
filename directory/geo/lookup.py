"""Resolving a postcode, sector, district, area or place name to a point, offline.

Reads the SQLite file that `flask geo build` writes; each thread keeps one read-only connection,
so a web worker holds a few pages of cache rather than the postcode table.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from directory.geo.authorities import local_authorities
from directory.geo.fileformat import FORMAT_VERSION, SCALE
from directory.geo.places import place_key, split_qualifier
from directory.geo.postcodes import CROWN_DEPENDENCY_AREAS, PostcodeQuery, area_of, read_postcode

REGION_LABELS = {
    "north-east": "North East",
    "north-west": "North West",
    "yorkshire-and-the-humber": "Yorkshire and the Humber",
    "east-midlands": "East Midlands",
    "west-midlands": "West Midlands",
    "eastern": "East of England",
    "london": "London",
    "south-east": "South East",
    "south-west": "South West",
    "wales": "Wales",
    "scotland": "Scotland",
    "northern-ireland": "Northern Ireland",
}
NATIONS = {
    "E": ("england",),
    "W": ("wales", "cymru"),
    "S": ("scotland",),
    "N": ("northern ireland", "ni"),
}
UK_NAMES = ("uk", "united kingdom", "great britain", "gb", "britain")
# One town this many times bigger than every other of its name is what people mean by it.
DOMINANT_POPULATION = 20
MAX_QUERY_CHARS = 100
MAX_CANDIDATES = 10


# Where a Crown Dependency's place is, a whole sentence each (Welsh mutates after "yn").
OUTSIDE_SENTENCES = {
    CROWN_DEPENDENCY_AREAS["GY"]: _l(
        "%(place)s is in Guernsey, in the Channel Islands, a Crown Dependency outside the UK's "
        "12 nations and regions that this directory covers."
    ),
    CROWN_DEPENDENCY_AREAS["JE"]: _l(
        "%(place)s is in Jersey, in the Channel Islands, a Crown Dependency outside the UK's "
        "12 nations and regions that this directory covers."
    ),
    CROWN_DEPENDENCY_AREAS["IM"]: _l(
        "%(place)s is in the Isle of Man, a Crown Dependency outside the UK's 12 nations and "
        "regions that this directory covers."
    ),
}


class GeoError(Exception):
    """A lookup that found no single point; the message is written for the person who asked."""


class NotFound(GeoError):
    """Nothing by that name or postcode."""


class Unavailable(GeoError):
    """The lookup file has not been built (run `flask geo build`)."""


class Ambiguous(GeoError):
    """Several places share the name; candidates says which."""

    def __init__(self, query: str, candidates: list[GeoResult]) -> None:
        super().__init__(_("There is more than one ‘%(place)s’. Which did you mean?", place=query))
        self.query = query
        self.candidates = candidates


@dataclass(frozen=True)
class GeoResult:
    """Where some text resolved to."""

    query: str
    kind: str  # "postcode", "sector", "district", "area" or "place"
    label: str  # what to show: "LS1 4AP", "Sheffield", "Newport, Isle of Wight"
    lat: float | None
    lon: float | None
    lad_code: str | None = None
    lad_name: str | None = None
    region: str | None = None
    # Set for the Channel Islands and the Isle of Man, which are outside the 12 regions.
    outside: str | None = None
    population: int = field(default=0, compare=False)

    @property
    def point(self) -> tuple[float, float] | None:
        """(latitude, longitude), or None when the place has no coordinates."""
        if self.lat is None or self.lon is None:
            return None
        return self.lat, self.lon

    @property
    def message(self) -> str | None:
        """An explanation when the result lies outside the 12 nations and regions."""
        if not self.outside:
            return None
        return _(OUTSIDE_SENTENCES[self.outside], place=self.label)

    def as_dict(self) -> dict:
        """The JSON shape of the geo API."""
        document = {
            "query": self.query,
            "kind": self.kind,
            "label": self.label,
            "lat": self.lat,
            "lon": self.lon,
            "lad_code": self.lad_code,
            "lad_name": self.lad_name,
            "region": self.region,
        }
        if self.outside:
            document["outside_regions"] = True
            document["message"] = self.message
        return document


def _degrees(value: int | None) -> float | None:
    return None if value is None else round(value / SCALE, 5)


class GeoLookup:
    """Answers lookups from the built file; opens it lazily, one connection per thread."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._local = threading.local()

    def is_current(self) -> bool:
        """Whether the lookup file exists, is readable and has this version's format."""
        try:
            self._connection()
        except Unavailable:
            return False
        return True

    def _connection(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            if not self.path.is_file():
                raise Unavailable(
                    _("Postcode and place search is not set up yet (run `flask geo build`).")
                )
            # immutable=1: the file is replaced, never changed in place, so no locking needed.
            uri = f"file:{self.path}?mode=ro&immutable=1"
            connection = sqlite3.connect(uri, uri=True, check_same_thread=False)
            try:
                found = connection.execute(
                    "SELECT value FROM meta WHERE key = 'format_version'"
                ).fetchone()
            except sqlite3.DatabaseError as error:
                connection.close()
                raise Unavailable(f"The postcode lookup is unreadable: {error}") from error
            if found is None or found[0] != str(FORMAT_VERSION):
                connection.close()
                raise Unavailable("The postcode lookup is out of date (run `flask geo build`).")
            self._local.connection = connection
            self._local.authority_codes = None
        return connection

    def close(self) -> None:
        """Close this thread's connection."""
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None
            self._local.authority_codes = None

    def _authority(self, number: int | None) -> str | None:
        if number is None:
            return None
        connection = self._connection()
        # Numbers are per file, so the table is kept with this thread's connection to it.
        codes = getattr(self._local, "authority_codes", None)
        if codes is None:
            codes = self._local.authority_codes = dict(
                connection.execute("SELECT id, code FROM authority").fetchall()
            )
        return codes.get(number)

    def _result(
        self,
        query: str,
        kind: str,
        label: str,
        lat: int | None,
        lon: int | None,
        authority: int | None,
        population: int = 0,
        crown_dependency: str | None = None,
    ) -> GeoResult:
        lad_code = self._authority(authority)
        info = local_authorities().get(lad_code or "")
        return GeoResult(
            query=query,
            kind=kind,
            label=label,
            lat=_degrees(lat),
            lon=_degrees(lon),
            lad_code=lad_code if info else None,
            lad_name=info.name if info else None,
            region=info.region if info else None,
            outside=None if info else CROWN_DEPENDENCY_AREAS.get(crown_dependency or ""),
            population=population,
        )

    def resolve(self, text: str) -> GeoResult:
        """Resolve text to a point; raise NotFound, Ambiguous or Unavailable."""
        query = " ".join(text.split())[:MAX_QUERY_CHARS]
        if not query:
            raise NotFound(_("Enter a postcode or the name of a town or city."))
        postcode = read_postcode(query)
        if postcode is not None:
            found = self._postcode(query, postcode)
            if found is not None:
                return found
            # Something shaped like a postcode may still be a place name, so try that too.
        found_place = self._place(query)
        if found_place is not None:
            return found_place
        if postcode is not None and postcode.kind in ("postcode", "sector"):
            raise NotFound(
                _(
                    "We could not find the postcode %(postcode)s. Check it and try again.",
                    postcode=postcode.label,
                )
            )
        raise NotFound(
            _(
                "We could not find ‘%(place)s’. Try a UK postcode, such as LS1 4AP, or a town "
                "or city.",
                place=query,
            )
        )

    def _postcode(self, query: str, postcode: PostcodeQuery) -> GeoResult | None:
        connection = self._connection()
        if postcode.kind == "postcode":
            row = connection.execute(
                "SELECT lat, lon, authority FROM postcode WHERE code = ?", (postcode.key,)
            ).fetchone()
        else:
            row = connection.execute(
                "SELECT lat, lon, authority FROM outcode WHERE code = ? AND kind = ?",
                (postcode.key, postcode.kind),
            ).fetchone()
        area = area_of(postcode.key)
        if row is None:
            if postcode.alternative is not None:
                return self._postcode(query, postcode.alternative)
            if area not in CROWN_DEPENDENCY_AREAS:
                return None
            # Recognised by its area even when this postcode is not in the directory.
            row = (None, None, None)
        lat, lon, authority = row
        return self._result(
            query, postcode.kind, postcode.label, lat, lon, authority, crown_dependency=area
        )

    def _place_rows(self, key: str) -> list[GeoResult]:
        rows = (
            self._connection()
            .execute(
                "SELECT name, exact, lat, lon, authority, population, crown_dependency "
                "FROM place WHERE key = ?",
                (key,),
            )
            .fetchall()
        )
        # A name people use for the place itself beats another place's alternative name
        # ("London" is London, not the City of London that is also called so), unless the
        # other place dwarfs it ("Newcastle" is Newcastle upon Tyne, not Newcastle, Co Down).
        exact = [row for row in rows if row[1]] or rows
        largest_exact = max((row[5] for row in exact), default=0)
        if any(row[5] >= DOMINANT_POPULATION * max(largest_exact, 1) for row in rows):
            exact = rows
        best: dict[tuple[str, str | None, str | None], GeoResult] = {}
        for name, _exact, lat, lon, authority, population, crown_dependency in exact:
            result = self._result(
                key, "place", name, lat, lon, authority, population, crown_dependency
            )
            identity = (name, result.lad_code, result.outside)
            if identity not in best or best[identity].population < population:
                best[identity] = result
        return sorted(best.values(), key=lambda result: -result.population)

    def _place(self, query: str) -> GeoResult | None:
        name, qualifier = split_qualifier(query)
        candidates = self._place_rows(place_key(name))
        if not candidates and qualifier is not None:
            return self._place(query.replace(",", " "))
        if not candidates:
            return None
        labelled = _with_labels(candidates, query)
        if qualifier is not None:
            chosen = _qualified(labelled, qualifier)
            if chosen:
                return chosen[0]
            # The comma may belong to the name itself ("Bristol, City of").
            return self._place(query.replace(",", " ")) if "," in query else None
        if len(labelled) == 1 or (
            labelled[0].population >= DOMINANT_POPULATION * max(labelled[1].population, 1)
        ):
            # One place of the name, or one that dwarfs the rest: no need for "Leeds, Leeds".
            return _replace(labelled[0], label=candidates[0].label)
        raise Ambiguous(query, labelled[:MAX_CANDIDATES])

    def place_in_regions(self, text: str, regions: list[str]) -> GeoResult:
        """Resolve a town, choosing among places of that name the one in the given regions."""
        try:
            return self.resolve(text)
        except Ambiguous as ambiguous:
            inside = [c for c in ambiguous.candidates if c.region in regions]
            if inside:
                return inside[0]
            raise


def _replace(result: GeoResult, **changes: Any) -> GeoResult:
    values = {name: getattr(result, name) for name in result.__dataclass_fields__}
    values.update(changes)
    return GeoResult(**values)


def _qualified(candidates: list[GeoResult], qualifier: str) -> list[GeoResult]:
    """The candidates a qualifier such as "Isle of Wight", "Wales" or "UK" picks out."""
    key = place_key(qualifier)
    authorities = local_authorities()
    tests = (
        lambda c: place_key(c.lad_name or "") == key,
        lambda c: (
            c.lad_code in authorities and place_key(authorities[c.lad_code].upper_tier) == key
        ),
        lambda c: place_key(REGION_LABELS.get(c.region or "", "")) == key,
        lambda c: c.lad_code is not None and key in NATIONS.get(c.lad_code[0], ()),
        lambda c: c.outside is not None and key in place_key(c.outside),
        lambda c: c.lad_code is not None and key in UK_NAMES,
    )
    for test in tests:
        chosen = [candidate for candidate in candidates if test(candidate)]
        if chosen:
            return chosen[:1]
    return []


def _with_labels(candidates: list[GeoResult], query: str) -> list[GeoResult]:
    """Give each candidate a label that tells it apart and resolves back to it."""
    if len(candidates) == 1:
        return [_replace(candidates[0], query=query)]
    labelled = []
    for candidate in candidates:
        name = candidate.label
        if candidate.outside:
            where = candidate.outside.split(",")[0]
        elif candidate.lad_name and place_key(candidate.lad_name) != place_key(name):
            where = candidate.lad_name
        else:
            authority = local_authorities().get(candidate.lad_code or "")
            where = (
                authority.upper_tier if authority else REGION_LABELS.get(candidate.region or "", "")
            )
        labelled.append(_replace(candidate, query=query, label=f"{name}, {where}"))
    return labelled
