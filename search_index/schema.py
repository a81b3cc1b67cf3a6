"""The Whoosh schema, the analyzers shared by indexing and querying, and document conversion."""

from __future__ import annotations

import datetime
import struct
from collections.abc import Iterable, Mapping
from typing import Any

from whoosh import columns, fields, formats
from whoosh.analysis import (
    Analyzer,
    CommaSeparatedTokenizer,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
)
from whoosh.lang.porter import stem

# Bump when the schema or analysis changes: an index built by another version is treated as
# missing (read_position returns None, searching raises IndexUnavailable) so it gets rebuilt.
SCHEMA_VERSION = 2

FACETS = ("region", "stage", "support", "sector", "status")

# Facet name -> key of the input document that feeds it.
FACET_SOURCES = {
    "region": "regions",
    "stage": "stages",
    "support": "support_types",
    "sector": "sectors",
    "status": "status",
}

UK_WIDE = "uk-wide"

# The fixed region slugs (DESIGN section 4). UK-wide listings count towards every one of them,
# including regions no listing names explicitly.
REGIONS = (
    "north-east",
    "north-west",
    "yorkshire-and-the-humber",
    "east-midlands",
    "west-midlands",
    "eastern",
    "london",
    "south-east",
    "south-west",
    "wales",
    "scotland",
    "northern-ireland",
)

# Searchable text fields with their query-time boosts: a match in the name says most about
# what a listing is, the description least.
TEXT_FIELDS: tuple[tuple[str, float], ...] = (
    ("name", 6.0),
    ("organisation", 3.0),
    ("tags", 3.0),
    ("summary", 2.0),
    ("description", 1.0),
)

# Keep "&" and "." inside words so "R&D" stays one token instead of two dropped letters.
WORD_PATTERN = r"\w+(?:[&.]\w+)*"

# Words shorter than two characters carry no meaning on their own ("a", the "s" of "prince's").
_MIN_WORD = 2

WORD_ANALYZER = RegexTokenizer(WORD_PATTERN) | LowercaseFilter() | StopFilter(minsize=_MIN_WORD)
STEM_ANALYZER = WORD_ANALYZER | StemFilter(stemfn=stem)
# Facet values are slugs, kept exactly as given; a document lists several separated by commas.
FACET_ANALYZER = CommaSeparatedTokenizer()


def stem_word(word: str) -> str:
    """Stem one lower-case word exactly as the indexing analyzer does."""
    return stem(word)


def _words_field(analyzer: Analyzer) -> fields.FieldType:
    # Postings record only which documents hold a word: phrases are matched as an AND of their
    # words and relevance weighs fields and rarity, not term counts, so positions and
    # frequencies would only slow the rebuild. scorable=True is not for scoring: without a
    # field-length column Whoosh's segment writer stats a missing file once per posting.
    return fields.FieldType(formats.Existence(), analyzer=analyzer, scorable=True)


SCHEMA = fields.Schema(
    id=fields.ID(stored=True, unique=True, sortable=True),
    name=_words_field(STEM_ANALYZER),
    organisation=_words_field(STEM_ANALYZER),
    tags=_words_field(STEM_ANALYZER),
    summary=_words_field(STEM_ANALYZER),
    description=_words_field(STEM_ANALYZER),
    # Unstemmed words of all text fields: the vocabulary that misspelt query words are
    # corrected against (a stem such as "accelar" would make a poor suggestion).
    vocabulary=_words_field(WORD_ANALYZER),
    region=_words_field(FACET_ANALYZER),
    stage=_words_field(FACET_ANALYZER),
    support=_words_field(FACET_ANALYZER),
    sector=_words_field(FACET_ANALYZER),
    status=_words_field(FACET_ANALYZER),
    # Sort keys live in columns only: reading a column is far cheaper than stored fields.
    name_sort=fields.COLUMN(columns.VarBytesColumn()),
    deadline=fields.COLUMN(columns.NumericColumn("i", default=0)),
    # Where the listing is: (latitude, longitude) pairs packed as doubles; empty when it has no
    # place (UK-wide or online only). Near-me search reads this column once per searcher.
    points=fields.COLUMN(columns.VarBytesColumn()),
)

_POINT = struct.Struct("<dd")


def pack_points(points: Iterable[tuple[float, float]] | None) -> bytes:
    """Pack (latitude, longitude) pairs for the points column."""
    return b"".join(_POINT.pack(float(lat), float(lon)) for lat, lon in points or ())


def unpack_points(packed: bytes) -> list[tuple[float, float]]:
    """The (latitude, longitude) pairs of a points column value."""
    return list(_POINT.iter_unpack(packed)) if packed else []


def _join_values(values: Any) -> str:
    if values is None:
        return ""
    if isinstance(values, str):
        return values
    return ",".join(str(value) for value in values)


def name_key(name: str) -> bytes:
    """Return the byte string that orders names A-Z regardless of case."""
    return name.casefold().encode("utf-8")


def to_fields(document: Mapping[str, Any]) -> dict[str, Any]:
    """Convert an input document dict into keyword arguments for a Whoosh writer."""
    tags = " , ".join(document.get("tags") or ())
    texts = {
        "name": document.get("name") or "",
        "organisation": document.get("organisation") or "",
        "tags": tags,
        "summary": document.get("summary") or "",
        "description": document.get("description") or "",
    }
    deadline = document.get("deadline")
    if isinstance(deadline, datetime.datetime):
        deadline = deadline.date()
    record: dict[str, Any] = {
        "id": str(document["id"]),
        **texts,
        "vocabulary": "\n".join(texts.values()),
        "name_sort": name_key(texts["name"]),
        # 0 means "no deadline"; every real date has a positive ordinal.
        "deadline": deadline.toordinal() if deadline else 0,
        "points": pack_points(document.get("points")),
    }
    for facet, source in FACET_SOURCES.items():
        record[facet] = _join_values(document.get(source))
    return record
