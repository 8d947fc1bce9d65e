"""Route rebuild parameters as a typed input: a mistyped or unknown name is refused and named.

The model is derived from the routing dataclasses (``RouteParameters`` and its groups ``cleaning``,
``stays``, ``legs``, ``visits``), so a parameter added to routing is accepted here without a second list to keep in
step. Every field is optional: what is not given keeps routing's default.
"""

from __future__ import annotations

import dataclasses
import typing
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, create_model

from routing.cleaning import CleaningParameters
from routing.legs import LegParameters
from routing.route import ClockEvidence, RouteParameters
from routing.stays import StayParameters
from routing.visits import VisitParameters

_GROUPS: dict[str, type] = {
    "cleaning": CleaningParameters,
    "stays": StayParameters,
    "legs": LegParameters,
    "visits": VisitParameters,
}
_NOT_SETTABLE = {"clock"}  # the clock evidence comes from the extraction, never from a request


def _optional_fields(dataclass_type: type) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    hints = typing.get_type_hints(dataclass_type)
    for field in dataclasses.fields(dataclass_type):
        if field.name in _NOT_SETTABLE or field.name in _GROUPS:
            continue
        fields[field.name] = (hints[field.name] | None, None)
    return fields


_STRICT = ConfigDict(extra="forbid")

CleaningInput = create_model("CleaningInput", __config__=_STRICT, **_optional_fields(CleaningParameters))
StaysInput = create_model("StaysInput", __config__=_STRICT, **_optional_fields(StayParameters))
LegsInput = create_model("LegsInput", __config__=_STRICT, **_optional_fields(LegParameters))
VisitsInput = create_model("VisitsInput", __config__=_STRICT, **_optional_fields(VisitParameters))

RouteParametersInput: type[BaseModel] = create_model(
    "RouteParametersInput",
    __config__=_STRICT,
    __doc__="Route rebuild parameters; units in the names (see routing/README.md). Unknown names: 422.",
    cleaning=(CleaningInput | None, None),
    stays=(StaysInput | None, None),
    legs=(LegsInput | None, None),
    visits=(VisitsInput | None, None),
    **_optional_fields(RouteParameters),
)


def route_parameters(
    overrides: BaseModel | dict[str, Any] | None, *, extraction_time_utc: datetime
) -> RouteParameters:
    """RouteParameters from the typed input (or a dict, validated the same way). Raises pydantic's
    ``ValidationError`` for unknown names or wrong types and routing's ``ParameterError`` for values out of
    range."""
    if overrides is None:
        given: dict[str, Any] = {}
    elif isinstance(overrides, BaseModel):
        given = overrides.model_dump(exclude_none=True)
    else:
        given = RouteParametersInput.model_validate(overrides).model_dump(exclude_none=True)
    defaults = RouteParameters()
    changes: dict[str, Any] = {}
    for name, value in given.items():
        if name in _GROUPS:
            changes[name] = dataclasses.replace(getattr(defaults, name), **value)
        else:
            changes[name] = value
    changes["clock"] = ClockEvidence(extraction_time_utc=extraction_time_utc)
    return dataclasses.replace(defaults, **changes)
