"""Reads the catalogue (``labels.toml``) once; typed access to its labels."""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

Language = Literal["en", "nl"]
CATALOGUE_FILE = Path(__file__).with_name("labels.toml")
GROUPS = (
    "finding_status",
    "job_state",
    "authorisation_state",
    "artifact_outcome",
    "claim_kind",
    "crossing_confidence",
    "device_platform",
    "source_kind",
    "point_flag",
    "travel_mode",
    "place_reason",
    "audit_action",
    "data_category",
    "role",
    "evaluation",
    "admin_screen",
    "message",
    "web_word",
    "station_state",
    "station_screen",
    "device_fact_missing",
)


class CatalogueError(Exception):
    """The catalogue file is malformed: a label lacks one of its languages, or a group is unknown."""


@dataclass(frozen=True, slots=True)
class Label:
    """One code's words. ``en_long``/``nl_long``: the sentence form where a group has one."""

    group: str
    code: str
    en: str
    nl: str
    en_long: str | None = None
    nl_long: str | None = None
    colour: str | None = None

    def text(self, language: Language, *, long: bool = False) -> str:
        if long:
            sentence = self.en_long if language == "en" else self.nl_long
            if sentence:
                return sentence
        return self.en if language == "en" else self.nl


@functools.cache
def _load(path: Path = CATALOGUE_FILE) -> dict[str, dict[str, Label]]:
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    unknown = set(raw) - set(GROUPS)
    if unknown:
        raise CatalogueError(f"unknown label group(s) in {path.name}: {sorted(unknown)}")
    groups: dict[str, dict[str, Label]] = {}
    for group_name in GROUPS:
        entries = raw.get(group_name, {})
        labels: dict[str, Label] = {}
        for code, words in entries.items():
            if not words.get("en") or not words.get("nl"):
                raise CatalogueError(f"{group_name}.{code} needs both 'en' and 'nl'")
            labels[code] = Label(group=group_name, code=code, **words)
        groups[group_name] = labels
    return groups


def group(name: str) -> dict[str, Label]:
    """All labels of one group, by code."""
    try:
        return _load()[name]
    except KeyError:
        raise CatalogueError(f"no label group {name!r}; the groups are {', '.join(GROUPS)}") from None


def label(group_name: str, code: str, language: Language, *, long: bool = False) -> str:
    """The word for ``code`` in ``language``; an unknown code is shown as itself (never hidden)."""
    found = group(group_name).get(code)
    return found.text(language, long=long) if found is not None else code


def message(code: str, language: Language, **values: object) -> str:
    """An API message (group ``message``) in ``language`` with its ``{placeholders}`` filled in."""
    return label("message", code, language).format(**values)


def message_pair(code: str, **values: object) -> dict[str, str]:
    """``{"detail": English, "detail_nl": Dutch}`` for a JSON error body."""
    return {"detail": message(code, "en", **values), "detail_nl": message(code, "nl", **values)}


def catalogue_json() -> dict[str, dict[str, dict[str, Any]]]:
    """The whole catalogue as JSON for the web page: group → code → {en, nl, en_long, nl_long, colour}."""
    return {
        name: {
            code: {k: v for k, v in vars_of(item).items() if k not in ("group", "code") and v is not None}
            for code, item in labels.items()
        }
        for name, labels in _load().items()
    }


def vars_of(item: Label) -> dict[str, Any]:
    return {field: getattr(item, field) for field in item.__slots__}
