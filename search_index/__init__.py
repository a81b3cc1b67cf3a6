"""Whoosh full-text search over start-up support listings, behind a small engine-agnostic API.

Works on plain dicts and ids only; it knows nothing of Flask or the database.
"""

from .errors import IndexLocked, IndexUnavailable
from .schema import FACET_SOURCES, FACETS, SCHEMA_VERSION, name_words
from .searching import TIERS, Concept, PlaceScope, SearchIndex, SearchRequest, SearchResponse
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
