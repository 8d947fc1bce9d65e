"""Walk every API route of an app, with the role rule it declares."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from fastapi import FastAPI
from fastapi.routing import APIRoute

from api.deps import RoleGate

PUBLIC_PATHS = {"/healthz", "/api/v1/auth/token", "/api/v1/catalogue"}


@dataclass(frozen=True)
class RouteRule:
    path: str
    methods: frozenset[str]
    gate: RoleGate | None
    route: APIRoute


def _iter_routes(routes: list) -> Iterator[APIRoute]:  # type: ignore[type-arg]
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):
            yield from _iter_routes(route.original_router.routes)


def _find_gate(dependant) -> RoleGate | None:  # type: ignore[no-untyped-def]
    for dependency in dependant.dependencies:
        if isinstance(dependency.call, RoleGate):
            return dependency.call
        found = _find_gate(dependency)
        if found is not None:
            return found
    return None


def api_routes(app: FastAPI) -> list[RouteRule]:
    return [
        RouteRule(path=r.path, methods=frozenset(r.methods or ()), gate=_find_gate(r.dependant), route=r)
        for r in _iter_routes(list(app.router.routes))
    ]
