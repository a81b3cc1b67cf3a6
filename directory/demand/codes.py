"""ONS (GSS) codes for the service's regions: the one place the mapping from slugs lives."""

from __future__ import annotations

# Used for "all regions": every figure of the service is about searches for UK support.
UNITED_KINGDOM = "K02000001"

# England's regions are E12 codes; Wales, Scotland and Northern Ireland are countries.
REGION_CODES: dict[str, str] = {
    "north-east": "E12000001",
    "north-west": "E12000002",
    "yorkshire-and-the-humber": "E12000003",
    "east-midlands": "E12000004",
    "west-midlands": "E12000005",
    "eastern": "E12000006",  # East of England: GOV.UK's finders call it "eastern"
    "london": "E12000007",
    "south-east": "E12000008",
    "south-west": "E12000009",
    "wales": "W92000004",
    "scotland": "S92000003",
    "northern-ireland": "N92000002",
}


def region_code(slug: str) -> str | None:
    """The ONS code of a region slug, or None when the slug is not a region."""
    return REGION_CODES.get(slug)
