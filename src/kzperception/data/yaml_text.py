"""YAML text read one way everywhere: PyYAML's safe loader, in libyaml's C build where PyYAML has it.

Why: the vocabulary files (``partners.yaml``, ``websites.yaml``, ``codebook.yaml``) are read by
every command and every chapter's kernel, and PyYAML's pure-Python parser took about 60 ms for the
codebook alone, most of ``validate``'s reading of the vocabulary. The C build parses the same
safe subset (no Python objects are ever built from tags) into the same values and nodes, with the
same line and column in its errors; a PyYAML without libyaml falls back to the pure-Python loader,
so nothing depends on the C build being there.
"""

from __future__ import annotations

from typing import Any

import yaml

__all__ = ["LOADER", "compose", "load"]

#: The safe loader: libyaml's where PyYAML was built with it, else PyYAML's own.
LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load(text: str) -> Any:
    """The data of one YAML document (``yaml.safe_load``, through :data:`LOADER`)."""
    return yaml.load(text, Loader=LOADER)


def compose(text: str) -> yaml.Node | None:
    """The node tree of one YAML document, with each node's line and column (for error messages)."""
    return yaml.compose(text, Loader=LOADER)
