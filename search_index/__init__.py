"""Whoosh full-text search over start-up support listings, behind a small engine-agnostic API.

Works on plain dicts and ids only; it knows nothing of Flask or the database.
"""

from .errors import IndexLocked, IndexUnavailable
from .requests import TIERS, Concept, PlaceScope, SearchRequest, SearchResponse
from .schema import FACET_SOURCES, FACETS, SCHEMA_VERSION, SearchDocument, name_words
from .searching import SearchIndex
from .storage import apply_changes, document_count, indexed_ids, read_position, rebuild

__all__ = [
    "FACET_SOURCES",
    "FACETS",
    "SCHEMA_VERSION",
    "TIERS",
    "Concept",
    "PlaceScope",
    "IndexLocked",
    "IndexUnavailable",
    "SearchDocument",
    "SearchIndex",
    "SearchRequest",
    "SearchResponse",
    "apply_changes",
    "document_count",
    "indexed_ids",
    "name_words",
    "read_position",
    "rebuild",
]
