"""The one catalogue of user-facing words (en + nl), for the web page and any other front end."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

import catalogue

router = APIRouter(prefix="/api/v1", tags=["catalogue"])


@router.get("/catalogue")
def read_catalogue() -> dict[str, dict[str, dict[str, Any]]]:
    """Group → code → words: finding statuses, job and authorisation states, artifact outcomes, claim kinds.

    Words only, no case data: readable before sign-in (the sign-in page speaks both languages too)."""
    return catalogue.catalogue_json()
