"""One identity check for every job kind: the serial decides; model and make decide only without a serial."""

from __future__ import annotations

import pytest

from extractor.errors import IdentityMismatch
from extractor.sources.base import DeviceIdentity, ensure_registered_device


def _identity(**overrides: str | None) -> DeviceIdentity:
    fields: dict[str, str | None] = {
        "platform": "android",
        "serial": "R58N12ABCDE",
        "model": "SM-A525F",
        "manufacturer": "samsung",
    }
    fields.update(overrides)
    return DeviceIdentity(**fields)  # type: ignore[arg-type]


def test_a_different_serial_is_another_device() -> None:
    with pytest.raises(IdentityMismatch, match="serial number"):
        ensure_registered_device(_identity(), serial="R58N99ZZZZZ")


def test_a_matching_serial_with_a_mistyped_model_is_a_note_not_a_refusal() -> None:
    notes = ensure_registered_device(_identity(), serial="r58n12abcde", model="SM-A515F")
    assert len(notes) == 1 and "SM-A515F" in notes[0] and "serial number matches" in notes[0]


def test_without_a_serial_the_model_decides() -> None:
    with pytest.raises(IdentityMismatch, match="model"):
        ensure_registered_device(_identity(serial=None), serial="R58N12ABCDE", model="Pixel 7")
    with pytest.raises(IdentityMismatch, match="manufacturer"):
        ensure_registered_device(_identity(), manufacturer="Xiaomi")


def test_a_registered_short_model_name_matches_the_reported_long_one() -> None:
    assert ensure_registered_device(_identity(model="Pixel 4a (5G)", serial=None), model=" pixel 4a ") == []


def test_facts_the_device_does_not_report_are_not_a_mismatch() -> None:
    assert ensure_registered_device(_identity(model=None, manufacturer=None), model="SM-A525F") == []
