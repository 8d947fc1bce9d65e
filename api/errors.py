"""Errors map to HTTP in one place, as JSON with a clear message."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from extractor.errors import ExtractionError
from legal_basis.errors import Conflict, LegalBasisError, NotFound, NotPermitted, PolicyError
from store.errors import EvidenceIntegrityError, EvidenceKeyDestroyed, StoreError


def _json(status_code: int, message: str, **extra: object) -> JSONResponse:
    return JSONResponse(status_code=status_code, content={"detail": message, **extra})


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(NotFound)
    async def _not_found(_request: Request, exc: NotFound) -> JSONResponse:
        return _json(404, str(exc))

    @app.exception_handler(NotPermitted)
    async def _not_permitted(_request: Request, exc: NotPermitted) -> JSONResponse:
        return _json(403, str(exc), conditions=exc.conditions)

    @app.exception_handler(Conflict)
    async def _conflict(_request: Request, exc: Conflict) -> JSONResponse:
        return _json(409, str(exc))

    @app.exception_handler(PolicyError)
    async def _policy(_request: Request, exc: PolicyError) -> JSONResponse:
        return _json(500, f"policy error: {exc}")

    @app.exception_handler(LegalBasisError)
    async def _legal(_request: Request, exc: LegalBasisError) -> JSONResponse:
        return _json(400, str(exc))

    @app.exception_handler(EvidenceKeyDestroyed)
    async def _destroyed(_request: Request, exc: EvidenceKeyDestroyed) -> JSONResponse:
        return _json(410, str(exc))

    @app.exception_handler(EvidenceIntegrityError)
    async def _integrity(_request: Request, exc: EvidenceIntegrityError) -> JSONResponse:
        return _json(500, f"evidence integrity check failed: {exc}")

    @app.exception_handler(StoreError)
    async def _store(_request: Request, exc: StoreError) -> JSONResponse:
        return _json(500, str(exc))

    @app.exception_handler(ExtractionError)
    async def _extraction(_request: Request, exc: ExtractionError) -> JSONResponse:
        return _json(422, str(exc), error=type(exc).__name__)
