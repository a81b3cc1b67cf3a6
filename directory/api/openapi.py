"""The OpenAPI 3.1 description of every public JSON endpoint, built from the fixed taxonomies.

Written by hand beside the views it describes, and held to them by tests/test_openapi.py, which
runs schemathesis over every operation against the running app: no 500s, every response as
described here.
"""

from __future__ import annotations

from typing import Any

from directory.catalogue.records import WELSH_LISTING_FIELDS
from directory.inputs import MAX_QUERY_VALUE_CHARS, MAX_VALUES_PER_PARAMETER
from directory.search.params import MAX_NEAR_CHARS, MAX_PER_PAGE, MAX_QUERY_CHARS, STATUSES
from directory.taxonomy import FILTER_TAXONOMIES, Taxonomy
from search_index.requests import SORTS

JSON = "application/json"
NULLABLE_STRING = {"type": ["string", "null"]}
NULLABLE_DATE = {"type": ["string", "null"], "format": "date"}
NULLABLE_INTEGER = {"type": ["integer", "null"]}
SLUGS = {"type": "array", "items": {"type": "string"}}
# Text in an address holds no control characters: every request is refused one (inputs.py).
NO_CONTROL = "^[^\\u0000-\\u001f\\u007f]*$"


def ref(name: str) -> dict[str, str]:
    """A reference to a schema among the components."""
    return {"$ref": f"#/components/schemas/{name}"}


def answer(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    """A JSON response."""
    return {"description": description, "content": {JSON: {"schema": schema}}}


def error_answer(description: str) -> dict[str, Any]:
    """A JSON error response."""
    return answer(description, ref("Error"))


def bounded(schema: dict[str, Any]) -> dict[str, Any]:
    """A parameter's schema within what every request may carry (directory/inputs.py)."""
    if schema.get("type") == "string":
        return {"maxLength": MAX_QUERY_VALUE_CHARS, "pattern": NO_CONTROL, **schema}
    if schema.get("type") == "array":
        return {"maxItems": MAX_VALUES_PER_PARAMETER, **schema, "items": bounded(schema["items"])}
    return schema


def query(name: str, schema: dict[str, Any], description: str, **extra: Any) -> dict[str, Any]:
    """A query-string parameter."""
    return {"name": name, "in": "query", "required": False, "schema": bounded(schema),
            "description": description, **extra}  # fmt: skip


def repeated(name: str, item: dict[str, Any], description: str) -> dict[str, Any]:
    """A query-string parameter that may be given several times (`?region=a&region=b`)."""
    return query(name, {"type": "array", "items": item}, description, style="form", explode=True)


def path(name: str, description: str) -> dict[str, Any]:
    """A part of the address."""
    return {"name": name, "in": "path", "required": True, "description": description,
            "schema": bounded({"type": "string", "minLength": 1, "maxLength": 200})}  # fmt: skip


def with_refusals(operation: dict[str, Any]) -> dict[str, Any]:
    """Every operation may refuse unusable input (too long, too many values) with a 400."""
    responses = {"400": error_answer("The request's input cannot be used (named in the "
                                     "message)"), **operation["responses"]}  # fmt: skip
    return {**operation, "responses": responses}


def openapi_document(taxonomy: Taxonomy, server: str) -> dict[str, Any]:
    """The whole description, for a server at `server` (the configured BASE_URL)."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Start-up Support Directory API",
            "version": "1.0.0",
            "summary": "UK start-up support: search, listings, the taxonomies, Open Referral "
            "(HSDS 3.0) and demand figures.",
            "license": {
                "name": "Open Government Licence v3.0 (the data)",
                "url": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
            },
        },
        "servers": [{"url": server}],
        "paths": {
            route: {method: with_refusals(operation) for method, operation in methods.items()}
            for route, methods in {**_v1_paths(taxonomy), **_hsds_paths()}.items()
        },
        "components": {
            "schemas": {**_schemas(taxonomy), **_hsds_schemas()},
            "securitySchemes": {
                "analystToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An analyst's API token, made on the insights pages.",
                }
            },
        },
    }


def _filter_parameters(taxonomy: Taxonomy) -> list[dict[str, Any]]:
    """One repeatable parameter per facet, its values the taxonomy's slugs."""
    parameters = [
        repeated(
            name,
            {"type": "string", "enum": sorted(taxonomy.slugs(taxonomy_name))},
            f"Only listings with any of these {taxonomy_name.replace('_', ' ')}; repeat the "
            "parameter for several.",
        )
        for name, taxonomy_name in FILTER_TAXONOMIES.items()
    ]
    parameters.append(
        repeated(
            "status",
            {"type": "string", "enum": [str(s) for s in STATUSES]},
            "Listing status; by default active and paused listings (ended ones are kept for "
            "the record).",
        )
    )
    return parameters


def _v1_paths(taxonomy: Taxonomy) -> dict[str, Any]:
    """The directory's own API, version 1."""
    return {
        "/api/v1/search": {
            "get": {
                "operationId": "search",
                "summary": "Search the catalogue as the results page does",
                "description": "Words are read for places, kinds of support, stages and sectors "
                "(interpret=0 turns that off); every listing meeting any of it is ranked. Each "
                "search is recorded, anonymously, as a demand event.",
                "parameters": [
                    query(
                        "q",
                        {"type": "string", "maxLength": MAX_QUERY_CHARS * 4},
                        f"Words, as a founder types them (the first {MAX_QUERY_CHARS} "
                        "characters count).",
                    ),  # fmt: skip
                    query(
                        "near",
                        {"type": "string", "maxLength": MAX_NEAR_CHARS * 4},
                        "A UK postcode, district or town: nearest first within radius_km.",
                    ),  # fmt: skip
                    query("radius_km", {"type": "integer", "minimum": 1}, "Radius for near."),
                    *_filter_parameters(taxonomy),
                    query(
                        "open",
                        {"type": "string", "enum": ["", "now"]},
                        "now: only listings a founder can apply to today.",
                    ),  # fmt: skip
                    query("sort", {"type": "string", "enum": ["", *SORTS]}, "Order of results."),
                    query("page", {"type": "integer", "minimum": 1}, "Page, from 1."),
                    query(
                        "per_page",
                        {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
                        "Results per page.",
                    ),  # fmt: skip
                    query(
                        "interpret",
                        {"type": "string", "enum": ["", "0", "1"]},
                        "0: take the words literally.",
                    ),  # fmt: skip
                ],
                "responses": {
                    "200": answer("A page of results", ref("SearchResults")),
                    "300": answer(
                        "The place named in near is ambiguous: choose one", ref("AmbiguousPlace")
                    ),  # fmt: skip
                    "400": error_answer("A parameter is not valid (named in `parameter`)"),
                    "503": error_answer("The postcode lookup is unavailable"),
                },
            }
        },
        "/api/v1/listings/{slug}": {
            "get": {
                "operationId": "listing",
                "summary": "One published listing in full",
                "parameters": [path("slug", "The listing's slug, as in its page's address.")],
                "responses": {
                    "200": answer("The listing", ref("ListingDetail")),
                    "404": error_answer("No published listing has this slug"),
                },
            }
        },
        "/api/v1/taxonomy": {
            "get": {
                "operationId": "taxonomy",
                "summary": "The fixed taxonomies: slugs, labels and codes",
                "responses": {"200": answer("Every taxonomy", ref("Taxonomies"))},
            }
        },
        "/api/v1/geo/{text}": {
            "get": {
                "operationId": "geo",
                "summary": "Where a postcode, district or town is",
                "parameters": [path("text", "A postcode, district or town.")],
                "responses": {
                    "200": answer("The place", ref("Place")),
                    "300": answer("Several places have this name", ref("AmbiguousPlace")),
                    "404": error_answer("Not a UK postcode or place this service knows"),
                    "503": error_answer("The postcode lookup is unavailable"),
                },
            }
        },
        "/api/v1/demand": {
            "get": {
                "operationId": "demand",
                "summary": "Demand figures for analysts, under disclosure control",
                "description": "The insights exports' figures: counts of visitor-days, with "
                "small cells suppressed as `[c]`. Needs an analyst's token.",
                "security": [{"analystToken": []}],
                "parameters": [
                    query("from", {"type": "string", "format": "date"}, "First day."),
                    query("to", {"type": "string", "format": "date"}, "Last day."),
                    query(
                        "group_by",
                        {"type": "string"},
                        "Comma-separated dimensions to group by (region, stage, support, sector, "
                        "language).",
                    ),  # fmt: skip
                    query("region", {"type": "string"}, "Only this region's demand."),
                    query("support", {"type": "string"}, "Only demand for this type of support."),
                    query(
                        "language",
                        {"type": "string", "enum": ["", "en", "cy"]},
                        "Only searches made in this interface language (cy: Welsh).",
                    ),  # fmt: skip
                    query(
                        "period",
                        {"type": "string", "enum": ["", "week", "month", "quarter"]},
                        "The trend's periods.",
                    ),  # fmt: skip
                    query(
                        "table",
                        {"type": "string"},
                        "One of the release's tables, instead of group_by.",
                    ),  # fmt: skip
                    query(
                        "zero_results_only",
                        {"type": "string"},
                        "true: only searches that found nothing.",
                    ),  # fmt: skip
                ],
                "responses": {
                    "200": answer("The released table, with its method", ref("DemandRelease")),
                    "400": error_answer("A parameter is not valid"),
                    "401": error_answer("No live analyst token was sent"),
                },
            }
        },
        "/api/openapi.json": {
            "get": {
                "operationId": "openapi",
                "summary": "This description",
                "responses": {"200": answer("OpenAPI 3.1", {"type": "object"})},
            }
        },
    }


# HSDS objects as this service gives them (docs/hsds.md); the full HSDS 3.0 schemas are the
# Open Referral project's, and tests/test_hsds.py checks every answer against them.
HSDS_KINDS = {
    "services": ("HsdsService", "service", ["id", "name", "status"]),
    "organizations": ("HsdsOrganization", "organization", ["id", "name"]),
    "locations": ("HsdsLocation", "location", ["id", "location_type"]),
    "service_at_locations": (
        "HsdsServiceAtLocation",
        "service at a location",
        ["id", "service_id", "location_id"],
    ),  # fmt: skip
    "taxonomies": ("HsdsTaxonomy", "taxonomy", ["id", "name"]),
    "taxonomy_terms": ("HsdsTaxonomyTerm", "taxonomy term", ["id", "name"]),
}
UUID = {"type": "string", "format": "uuid"}
BY_TERM = repeated("taxonomy_term_id", UUID, "Services with any of these terms.")


def _hsds_paths() -> dict[str, Any]:
    """The Open Referral (HSDS 3.0) read API: a page of each kind, and one of each by id."""
    paging = [
        query("page", {"type": "integer", "minimum": 1, "maximum": 10_000}, "Page, from 1."),
        query(
            "per_page",
            {"type": "integer", "minimum": 1, "maximum": 500},
            "Items per page (50 unless asked).",
        ),  # fmt: skip
    ]
    flag = {"type": "string", "enum": ["true", "false"]}
    words = query("search", {"type": "string"}, "Words in the name or description.")
    filters: dict[str, list[dict[str, Any]]] = {
        "services": [
            words,
            BY_TERM,
            repeated("taxonomy_id", UUID, "Services with a term of these taxonomies."),  # fmt: skip
            query("organization_id", UUID, "One organization's services."),
            query(
                "modified_after",
                {"type": "string", "format": "date-time"},
                "Changed after this time.",
            ),  # fmt: skip
            query("full", flag, "true: each service fully nested."),
        ],
        "organizations": [
            words,
            query("full", flag, "true: with locations and services."),
            query("full_service", flag, "true: with services fully nested."),
        ],
        "service_at_locations": [
            query("search", {"type": "string"}, "Words in the service's name or description."),
            BY_TERM,
            query("organization_id", UUID, "One organization's services."),
            query("full", flag, "true: service and location fully nested."),
        ],
        "taxonomies": [query("search", {"type": "string"}, "Words in the name.")],
        "taxonomy_terms": [
            words,
            repeated("taxonomy_id", UUID, "Terms of these taxonomies."),  # fmt: skip
        ],
    }
    paths: dict[str, Any] = {
        "/api/hsds/": {
            "get": {
                "operationId": "hsdsInfo",
                "summary": "The HSDS version this API follows",
                "responses": {
                    "200": answer(
                        "Version and profile",
                        {
                            "type": "object",
                            "required": ["version"],
                            "properties": {
                                "version": {"type": "string"},
                                "profile": {"type": "string"},
                                "openapi_url": {"type": "string"},
                            },
                        },
                    )
                },
            }  # fmt: skip
        }
    }
    for kind, (schema, label, _required) in HSDS_KINDS.items():
        paths[f"/api/hsds/{kind}"] = {
            "get": {
                "operationId": f"hsds_{kind}",
                "summary": f"A page of {kind.replace('_', ' ')} (Open Referral HSDS 3.0)",
                "parameters": [*filters.get(kind, []), *paging],
                "responses": {
                    "200": answer(
                        "A page",
                        {
                            "allOf": [ref("HsdsPage")],
                            "properties": {"contents": {"type": "array", "items": ref(schema)}},
                        },
                    ),
                    "400": error_answer("A parameter is not valid (named in `parameter`)"),
                },
            }  # fmt: skip
        }
        paths[f"/api/hsds/{kind}/{{id}}"] = {
            "get": {
                "operationId": f"hsds_{kind}_one",
                "summary": f"One {label} by its id",
                "parameters": [path("id", "Its uuid, as listed.")],
                "responses": {
                    "200": answer(f"The {label}", ref(schema)),
                    "404": error_answer(f"No published {label} has this id"),
                },
            }
        }
    return paths


def _hsds_schemas() -> dict[str, Any]:
    """The paging object of HSDS lists, and the kinds of object in them."""
    schemas: dict[str, Any] = {
        "HsdsPage": {
            "type": "object",
            "required": [
                "total_items",
                "total_pages",
                "page_number",
                "size",
                "first_page",
                "last_page",
                "empty",
                "contents",
            ],  # fmt: skip
            "properties": {
                "total_items": {"type": "integer", "minimum": 0},
                "total_pages": {"type": "integer", "minimum": 0},
                "page_number": {"type": "integer", "minimum": 1},
                "size": {"type": "integer", "minimum": 0},
                "first_page": {"type": "boolean"},
                "last_page": {"type": "boolean"},
                "empty": {"type": "boolean"},
                "contents": {"type": "array"},
            },
        }
    }
    for schema, _label, required in HSDS_KINDS.values():
        properties: dict[str, Any] = {name: {"type": "string"} for name in required}
        properties["id"] = UUID
        schemas[schema] = {"type": "object", "required": required, "properties": properties}
    return schemas


def _schemas(taxonomy: Taxonomy) -> dict[str, Any]:
    """The shapes the endpoints answer with."""
    availability = {
        "type": "object",
        "required": ["state", "open"],
        "properties": {
            "state": {"type": "string"},
            "open": {"type": "boolean"},
            "opens_on": NULLABLE_DATE,
            "closes_on": NULLABLE_DATE,
            "ended_on": NULLABLE_DATE,
            "next_round": NULLABLE_STRING,
            "last_checked_on": NULLABLE_DATE,
        },
    }
    funding = {
        "type": "object",
        "properties": {
            "min_gbp": NULLABLE_INTEGER,
            "max_gbp": NULLABLE_INTEGER,
            "equity_taken": {"type": ["boolean", "null"]},
        },
    }
    summary_properties = {
        "slug": {"type": "string"},
        "name": {"type": "string"},
        "organisation": {"type": "string"},
        "summary": {"type": "string"},
        "support_types": SLUGS,
        "stages": SLUGS,
        "sectors": SLUGS,
        "regions": SLUGS,
        "availability": availability,
        "act": {
            "type": ["object", "null"],
            "properties": {"kind": {"type": "string"}, "url": {"type": "string"}},
        },
        "funding": funding,
        "url": {"type": "string", "format": "uri"},
    }
    place = {
        "type": "object",
        "required": ["kind", "label"],
        "properties": {
            "kind": {"type": "string"},
            "label": {"type": "string"},
            "query": {"type": "string"},
            "lat": {"type": ["number", "null"]},
            "lon": {"type": ["number", "null"]},
            "region": NULLABLE_STRING,
            "lad_code": NULLABLE_STRING,
            "lad_name": NULLABLE_STRING,
        },
    }
    counts = {"type": "object", "additionalProperties": {"type": "integer"}}
    return {
        "Error": {
            "type": "object",
            "required": ["error", "message"],
            "properties": {
                "error": {"type": "string"},
                "message": {"type": "string"},
                "parameter": {"type": "string"},
                "errors": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "parameter": {"type": "string"},
                            "message": {"type": "string"},
                        },
                    },
                },
            },
        },
        "Place": place,
        "AmbiguousPlace": {
            "type": "object",
            "required": ["candidates"],
            "properties": {
                "error": {"type": "string"},
                "message": {"type": "string"},
                "candidates": {"type": "array", "items": ref("Place")},
            },
        },
        "ListingSummary": {
            "type": "object",
            "required": list(summary_properties),
            "properties": summary_properties,
        },
        "SearchResult": {
            "allOf": [ref("ListingSummary")],
            "type": "object",
            "required": ["tier", "distance_km", "matches_all"],
            "properties": {
                "tier": {"type": ["string", "null"], "enum": ["local", "region", "uk", None]},
                "distance_km": {"type": ["number", "null"]},
                "located_in": NULLABLE_STRING,
                "matches_all": {"type": "boolean"},
            },
        },
        "SearchResults": {
            "type": "object",
            "required": ["total", "complete", "page", "per_page", "results", "facets", "degraded"],
            "properties": {
                "total": {"type": "integer", "minimum": 0},
                "complete": {"type": "integer", "minimum": 0},
                "page": {"type": "integer", "minimum": 1},
                "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
                "understood": {"type": ["object", "null"]},
                "place": {"oneOf": [ref("Place"), {"type": "null"}]},
                "radius_km": NULLABLE_INTEGER,
                "tiers": {"type": ["object", "null"]},
                "results": {"type": "array", "items": ref("SearchResult")},
                "facets": {
                    "type": "object",
                    "properties": {
                        name: counts for name in ("region", "stage", "support", "sector")
                    },  # fmt: skip
                },
                "suggestion": NULLABLE_STRING,
                "degraded": {"type": "boolean"},
                "links": {"type": "object", "properties": {"html": {"type": "string"}}},
            },
        },
        "ListingDetail": {
            "type": "object",
            "required": [
                *summary_properties,
                "description",
                "sources",
                "locations",
                "contact",
                "status",
            ],  # fmt: skip
            "properties": {
                **summary_properties,
                "organisation": {
                    "type": "object",
                    "required": ["slug", "name", "url"],
                    "properties": {
                        "slug": {"type": "string"},
                        "name": {"type": "string"},
                        "name_cy": NULLABLE_STRING,
                        "website": NULLABLE_STRING,
                        "url": {"type": "string", "format": "uri"},
                    },
                },
                "description": {"type": "string"},
                "website": NULLABLE_STRING,
                "contact": {
                    "type": "object",
                    "properties": {
                        "email": NULLABLE_STRING,
                        "phone": NULLABLE_STRING,
                        "form": NULLABLE_STRING,
                    },  # fmt: skip
                },
                "business_sizes": SLUGS,
                "tags": SLUGS,
                "locations": {"type": "array", "items": {"type": "object"}},
                "how_to_apply": NULLABLE_STRING,
                "eligibility": NULLABLE_STRING,
                "cost": NULLABLE_STRING,
                "application_status": NULLABLE_STRING,
                "opens_on": NULLABLE_DATE,
                "deadline": NULLABLE_DATE,
                "next_round": NULLABLE_STRING,
                "status": {"type": "string", "enum": [str(s) for s in STATUSES]},
                "closed_on": NULLABLE_DATE,
                "last_checked_on": NULLABLE_DATE,
                "last_checked_how": NULLABLE_STRING,
                "welsh": {
                    "type": "object",
                    "description": "The listing's own text in Welsh, where it has some.",
                    "properties": {
                        field.removesuffix("_cy"): NULLABLE_STRING for field in WELSH_LISTING_FIELDS
                    },
                },
                "sources": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["url"],
                        "properties": {
                            "url": {"type": "string"},
                            "retrieved": {"type": ["string", "null"]},
                            "supports": SLUGS,
                        },
                    },
                },
                "updated_at": NULLABLE_STRING,
            },
        },
        "Taxonomies": {
            "type": "object",
            "properties": {
                name: {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["slug", "label"],
                        "properties": {"slug": {"type": "string"}, "label": {"type": "string"}},
                    },
                }
                for name in sorted(set(FILTER_TAXONOMIES.values()))
            },
        },
        "DemandRelease": {
            "type": "object",
            "required": ["rows"],
            "properties": {"rows": {"type": "array"}},
        },  # fmt: skip
    }


def schema_label(schema: dict[str, Any]) -> str:
    """A schema in a few words, for the documentation page."""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    kind = schema.get("type", "object")
    if kind == "array":
        items = schema.get("items", {})
        values = items.get("enum")
        if values:
            shown = ", ".join(str(v) for v in values[:8])
            return f"list of: {shown}{', ...' if len(values) > 8 else ''}"
        return f"list of {schema_label(items)}"
    if "enum" in schema:
        return "one of: " + ", ".join(str(v) or '""' for v in schema["enum"])
    label = " or ".join(kind) if isinstance(kind, list) else str(kind)
    if "format" in schema:
        label += f" ({schema['format']})"
    if "minimum" in schema or "maximum" in schema:
        label += f", {schema.get('minimum', '')}..{schema.get('maximum', '')}"
    return label
