"""The Whoosh schema, the analyzers shared by indexing and querying, and document conversion."""

from __future__ import annotations

import datetime
import re
import struct
from collections.abc import Iterable, Sequence
from typing import Literal, Required, TypedDict

from whoosh import columns, fields, formats
from whoosh.analysis import (
    Analyzer,
    CommaSeparatedTokenizer,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
)
from whoosh.analysis.filters import STOP_WORDS
from whoosh.lang.porter import stem

# Bump when the schema or analysis changes: an index built by another version is treated as
# missing (read_position returns None, searching raises IndexUnavailable) so it gets rebuilt.
SCHEMA_VERSION = 3

FACETS = ("region", "stage", "support", "sector", "status")

# Facet name -> key of the input document that feeds it.
FACET_SOURCES: dict[str, Literal["regions", "stages", "support_types", "sectors", "status"]] = {
    "region": "regions",
    "stage": "stages",
    "support": "support_types",
    "sector": "sectors",
    "status": "status",
}

UK_WIDE = "uk-wide"
# Local authority (LAD) codes of a document's locations: a place searched for as a council
# area or county matches the documents located in it.
LAD_FIELD = "lad"

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
    lad=_words_field(FACET_ANALYZER),
    # Sort keys live in columns only: reading a column is far cheaper than stored fields.
    name_sort=fields.COLUMN(columns.VarBytesColumn()),
    deadline=fields.COLUMN(columns.NumericColumn("i", default=0)),
    # Where the listing is: (latitude, longitude, precise) packed; precise points come from a
    # postcode, the others from a town's centre. Empty for UK-wide or online support.
    points=fields.COLUMN(columns.VarBytesColumn()),
    # The listing's and its organisation's names, normalised, for exact name matches.
    name_words=fields.COLUMN(columns.VarBytesColumn()),
    organisation_words=fields.COLUMN(columns.VarBytesColumn()),
    # The days (ordinals; 0 for none) between which founders can apply as far as the directory
    # knows, so "open now" is decided against the day of each search, not the day of indexing.
    open_from=fields.COLUMN(columns.NumericColumn("i", default=0)),
    open_until=fields.COLUMN(columns.NumericColumn("i", default=0)),
)

# (latitude, longitude, precise); a point without the flag counts as precise.
Point = tuple[float, float, bool] | tuple[float, float]


class SearchDocument(TypedDict, total=False):
    """A listing as the index takes it in (directory/search/documents.py builds it)."""

    id: Required[str]
    name: str
    organisation: str
    summary: str
    description: str
    tags: Sequence[str]
    # Facet slugs, each feeding the facet FACET_SOURCES names.
    support_types: Sequence[str]
    stages: Sequence[str]
    sectors: Sequence[str]
    regions: Sequence[str]
    status: str
    deadline: datetime.date | None
    points: Sequence[Point]
    # Local authority codes of the listing's locations (LAD_FIELD).
    lads: Sequence[str]
    # The first and last days founders can apply on, as far as the directory knows.
    open_from: datetime.date | None
    open_until: datetime.date | None
    # Carried for directory/'s own use; the index does not read them.
    slug: str
    application_status: str


# The keyword arguments of a Whoosh writer's add_document: one value per schema field.
Record = dict[str, str | bytes | int]

_POINT = struct.Struct("<ddB")


def pack_points(points: Iterable[Point] | None) -> bytes:
    """Pack (latitude, longitude[, precise]) points for the points column."""
    return b"".join(
        _POINT.pack(float(point[0]), float(point[1]), bool(point[2]) if len(point) > 2 else 1)
        for point in points or ()
    )


def unpack_points(packed: bytes) -> list[tuple[float, float, bool]]:
    """The (latitude, longitude, precise) points of a points column value."""
    return (
        [(lat, lon, bool(precise)) for lat, lon, precise in _POINT.iter_unpack(packed)]
        if packed
        else []
    )


def name_words(name: str) -> str:
    """A name as the words a person would type for it: "Start Up Loans" -> "start up loans"."""
    return " ".join(re.findall(r"[a-z0-9]+", name.casefold().replace("&", " and ")))


def loose_name(words: str) -> str:
    """Name words compared loosely, so "smart grant" finds "Smart grants": plurals dropped."""
    return " ".join(
        word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word
        for word in words.split()
    )


def name_prefixes(key: str) -> list[str]:
    """The runs of two or more words a name starts with, short of the whole name."""
    words = key.split()
    return [" ".join(words[:size]) for size in range(2, len(words))]


def name_strength(words: int, whole_name: bool) -> int:
    """How strongly a name matches the words typed: longer runs of the name beat shorter
    ones, and the whole name beats the same words at the start of a longer one ("Invest NI"
    is the start of "Invest NI business growth and export support")."""
    return 2 * words if whole_name else 2 * words - 1


def _join_values(values: str | Iterable[str] | None) -> str:
    if values is None:
        return ""
    if isinstance(values, str):
        return values
    return ",".join(str(value) for value in values)


def name_key(name: str) -> bytes:
    """Return the byte string that orders names A-Z regardless of case."""
    return name.casefold().encode("utf-8")


_WORD = re.compile(WORD_PATTERN)


def vocabulary_words(text: str) -> set[str]:
    """The distinct words WORD_ANALYZER finds in a text, found without its token pipeline."""
    return {
        word
        for word in _WORD.findall(text.lower())
        if len(word) >= _MIN_WORD and word not in STOP_WORDS
    }


def to_fields(document: SearchDocument, seen_words: set[str] | None = None) -> Record:
    """Convert an input document dict into keyword arguments for a Whoosh writer.

    Spelling correction needs only the vocabulary's words, not which documents hold them, so
    a full build passes `seen_words` and each word goes into the vocabulary field of the first
    document that has it: a tenth of the postings, a third less work for the whole build.
    """
    tags = " , ".join(document.get("tags") or ())
    texts = {
        "name": document.get("name") or "",
        "organisation": document.get("organisation") or "",
        "tags": tags,
        "summary": document.get("summary") or "",
        "description": document.get("description") or "",
    }
    deadline = _ordinal(document.get("deadline"))
    record: Record = {
        "id": str(document["id"]),
        **texts,
        "vocabulary": _vocabulary(texts.values(), seen_words),
        "name_sort": name_key(texts["name"]),
        # 0 means "no deadline"; every real date has a positive ordinal.
        "deadline": deadline,
        "points": pack_points(document.get("points")),
        "name_words": name_words(texts["name"]).encode(),
        "organisation_words": name_words(texts["organisation"]).encode(),
        "open_from": _ordinal(document.get("open_from")),
        "open_until": _ordinal(document.get("open_until")),
    }
    for facet, source in FACET_SOURCES.items():
        record[facet] = _join_values(document.get(source))
    record[LAD_FIELD] = _join_values(document.get("lads"))
    return record


def _vocabulary(texts: Iterable[str], seen_words: set[str] | None) -> str:
    """The vocabulary field's text: every word, or only words no earlier document had."""
    if seen_words is None:
        return "\n".join(texts)
    new = vocabulary_words(" ".join(texts)) - seen_words
    seen_words.update(new)
    return " ".join(sorted(new))


def _ordinal(day: datetime.date | None) -> int:
    """A date as its ordinal (0 for none), for the numeric columns."""
    if isinstance(day, datetime.datetime):
        day = day.date()
    return day.toordinal() if day else 0
