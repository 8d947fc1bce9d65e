from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text

from api.deps import ReadRoute, StateDep

router = APIRouter(route_class=ReadRoute, tags=["health"])


@router.get("/healthz")
def healthz(state: StateDep) -> dict[str, str]:
    with state.engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    return {"status": "ok", "database": state.engine.dialect.name, "policy": state.policy.full_version}
