"""Bounded integer parameters for every route (issue 13, finding 8).

A database id is a signed 64-bit integer on SQLite and PostgreSQL; a larger number used to reach the driver
and end as an ``OverflowError`` (500). These aliases bound ids and sequence numbers at the edge, so such a
request is a 422 that names the parameter and its range.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query
from pydantic import Field

MAX_DATABASE_INTEGER = 2**63 - 1  # BIGINT / SQLite INTEGER

PathId = Annotated[int, Path(ge=1, le=MAX_DATABASE_INTEGER, description="A database id (1 … 2^63−1)")]
QueryId = Annotated[
    int | None, Query(ge=1, le=MAX_DATABASE_INTEGER, description="A database id (1 … 2^63−1)")
]
QuerySeq = Annotated[
    int | None, Query(ge=0, le=MAX_DATABASE_INTEGER, description="An audit sequence number (0 … 2^63−1)")
]
QueryVersion = Annotated[
    int | None, Query(ge=1, le=MAX_DATABASE_INTEGER, description="A route version (1 …)")
]
QueryYear = Annotated[int | None, Query(ge=1900, le=2200, description="A calendar year")]

# the same bounds for ids and small counts inside request bodies
BodyId = Annotated[int, Field(ge=1, le=MAX_DATABASE_INTEGER)]
BodyPosition = Annotated[int, Field(ge=0, le=2**31 - 1)]
BodyDays = Annotated[int, Field(ge=1, le=36_500)]
BodyPort = Annotated[int, Field(ge=1, le=65_535)]
BodyYear = Annotated[int, Field(ge=1900, le=2200)]
