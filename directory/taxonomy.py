"""The fixed taxonomies of DESIGN section 4, read from seed_data/taxonomies.yaml."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from directory.yamlfiles import read_yaml

UK_WIDE = "uk-wide"


@dataclass(frozen=True)
class Facet:
    """A way to filter listings by one taxonomy: the one registry of them."""

    name: str  # the query parameter and the search index's facet: "support"
    taxonomy: str  # the taxonomy its values come from: "support_types"


FACETS = (
    Facet("region", "regions"),
    Facet("stage", "stages"),
    Facet("support", "support_types"),
    Facet("sector", "sectors"),
)
# Query-string parameter name -> taxonomy name, shared by the search page and the API.
FILTER_TAXONOMIES = {facet.name: facet.taxonomy for facet in FACETS}


@dataclass(frozen=True)
class Term:
    """One taxonomy entry: a stable slug, a label, and any extra attributes."""

    slug: str
    label: str
    extra: tuple[tuple[str, str], ...] = ()

    def get(self, key: str) -> str | None:
        """Return an extra attribute such as `itl1` or `govuk`."""
        return dict(self.extra).get(key)


@dataclass(frozen=True)
class Taxonomy:
    """All fixed taxonomies, in display order."""

    regions: tuple[Term, ...]
    stages: tuple[Term, ...]
    support_types: tuple[Term, ...]
    sectors: tuple[Term, ...]
    business_sizes: tuple[Term, ...]

    def terms(self, name: str) -> tuple[Term, ...]:
        """Return the terms of one taxonomy by its name, e.g. `regions`."""
        return getattr(self, name)

    def slugs(self, name: str) -> list[str]:
        """Return the slugs of one taxonomy in display order."""
        return [term.slug for term in self.terms(name)]

    def label(self, name: str, slug: str) -> str:
        """Return the label for a slug, or the slug itself when unknown."""
        if name == "regions" and slug == UK_WIDE:
            return "UK-wide"
        return next((term.label for term in self.terms(name) if term.slug == slug), slug)


TAXONOMY_NAMES = ("regions", "stages", "support_types", "sectors", "business_sizes")


def load_taxonomy(path: Path) -> Taxonomy:
    """Read the taxonomies file into a Taxonomy."""
    raw = read_yaml(path)
    return Taxonomy(
        **{
            name: tuple(
                Term(
                    slug=entry["slug"],
                    label=entry["label"],
                    extra=tuple(
                        (key, str(value))
                        for key, value in entry.items()
                        if key not in ("slug", "label")
                    ),
                )
                for entry in raw[name]
            )
            for name in TAXONOMY_NAMES
        }
    )
