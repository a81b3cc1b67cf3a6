"""The service's own YAML files (catalogue, taxonomies, vocabulary, questionnaire), read safely."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

# libyaml's parser, bundled in PyYAML's wheels, reads these files about ten times faster than the
# pure-Python one, and every app start, check and test reads them; the pure-Python one is the
# fallback. Both build only plain data (SafeLoader's constructors): no arbitrary objects.
try:
    from yaml import CSafeLoader as SafeLoader
except ImportError:  # a PyYAML built without libyaml
    from yaml import SafeLoader  # type: ignore[assignment]


def read_yaml(path: Path | str, loader: type[SafeLoader] = SafeLoader) -> Any:
    """A YAML file's content, parsed by a safe loader (an empty file reads as an empty mapping)."""
    return yaml.load(Path(path).read_text(encoding="utf-8"), Loader=loader) or {}  # noqa: S506
