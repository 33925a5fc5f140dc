"""Site profiles: data-driven rules for sites a user cares about (one JSON file per site, no code).

Profiles are optional: the general rules in ``tasks.extract.selectors`` must work without them. A profile
adds what a user knows about one site. Files live in ``tasks/extract/profiles/`` (shipped examples) or any
folder passed to ``load_profiles``; each file is one JSON object:

```json
{
  "site": "example.org",
  "strip": ["^Support Example$", "^Sponsored$"],
  "body_end": ["^MORE ON THE TOPIC:?$"],
  "comments_start": ["^\\\\d+ Comments$"],
  "notes": "free text for the reader"
}
```

- ``site``: the registrable domain as in ``PAGES.site``.
- ``strip``: regexes (polars / RE2 syntax, matched anywhere in the stripped line; anchor them with
  ``^…$``) whose lines are boilerplate on this site (``strip_rule = "profile"``).
- ``body_end``: regexes of lines after which the article body never continues
  (``strip_rule = "profile_body_end"``).
- ``comments_start``: regexes of lines that open the comment section
  (``strip_rule = "profile_comments_start"``).
- ``notes``: ignored by the code.

Unknown keys are rejected, so a typo does not silently disable a rule.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROFILE_DIR = Path(__file__).with_name("profiles")
"""Folder of the profiles shipped with the package."""

_KEYS = {"site", "strip", "body_end", "comments_start", "notes"}


@dataclass(frozen=True)
class SiteProfile:
    """What a user knows about one site's page layout."""

    site: str
    strip: tuple[str, ...] = field(default_factory=tuple)
    body_end: tuple[str, ...] = field(default_factory=tuple)
    comments_start: tuple[str, ...] = field(default_factory=tuple)
    notes: str = ""


def profile_from_dict(data: dict[str, Any]) -> SiteProfile:
    """Build a profile from its JSON object.

    Raises:
        ValueError: on unknown keys, a missing site, or a non-list pattern field.
    """
    unknown = set(data) - _KEYS
    if unknown:
        raise ValueError(f"unknown profile keys: {sorted(unknown)}")
    site = data.get("site")
    if not isinstance(site, str) or not site:
        raise ValueError("profile needs a non-empty 'site'")
    lists: dict[str, tuple[str, ...]] = {}
    for key in ("strip", "body_end", "comments_start"):
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValueError(f"profile {site}: {key!r} must be a list of strings")
        lists[key] = tuple(value)
    return SiteProfile(site=site, notes=str(data.get("notes", "")), **lists)


def load_profiles(folder: Path = PROFILE_DIR) -> dict[str, SiteProfile]:
    """Read every ``*.json`` profile of a folder, keyed by site (missing folder: no profiles)."""
    profiles: dict[str, SiteProfile] = {}
    if not folder.is_dir():
        return profiles
    for path in sorted(folder.glob("*.json")):
        profile = profile_from_dict(json.loads(path.read_text(encoding="utf-8")))
        profiles[profile.site] = profile
    return profiles
