"""``GET /queues``: what waits for the signed-in role (see ``casework/queues.py``); the read is audited."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from api.deps import CASE_READERS, ReadRoute, SessionDep
from casework.queues import queues
from legal_basis import services
from legal_basis.services import Actor

router = APIRouter(route_class=ReadRoute, prefix="/api/v1", tags=["queues"])


@router.get("/queues")
def read_queues(
    session: SessionDep, actor: Annotated[Actor, Depends(CASE_READERS)]
) -> dict[str, list[dict[str, Any]]]:
    """Queue name → items (case reference, since when, who by name); only the queues of this role."""
    found = queues(session, actor)
    services.record(
        session, actor, "queues.read", details={name: len(items) for name, items in found.items()}
    )
    return found
