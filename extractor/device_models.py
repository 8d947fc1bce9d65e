"""One canonical device model from whatever spelling a source uses: lockdown, getprop or EXIF.

A phone names itself in several ways. An iPhone's lockdown says ``ProductType`` ``iPhone10,4``; pymobiledevice3's
device table calls that ``iPhone 8 (GSM)``; the camera writes EXIF Make ``Apple``, Model ``iPhone 8``. An Android
phone says ``ro.product.manufacturer`` ``Xiaomi``, ``ro.product.brand`` ``Redmi``, ``ro.product.model``
``Redmi Note 8 Pro``; its camera may write Make ``Xiaomi`` or ``Redmi``. :func:`canonical_model` maps each to one
``CanonicalModel`` (a manufacturer family and a model name) so two spellings of the same phone compare equal.

Apple product types come from the kept table pymobiledevice3 ships (``pymobiledevice3.irecv_devices``); the
variant suffixes its display names carry (``(GSM)``, ``(Global)``, ``(China)``, ``(CDMA)``, ``(US)``) name radio or
market variants of one model and never appear in EXIF, so they are dropped. Generations (``(2nd gen)``) are part
of the model and are spelt as EXIF spells them (``(2nd generation)``); the first iPhone SE's EXIF says only
``iPhone SE``. Android has no kept table of manufacturer spellings that we know of as a package, so the few
families whose brands differ from the manufacturer (Xiaomi/Redmi/POCO, Huawei/Honor before 2021, OPPO/OnePlus
are separate) are listed here; model strings are taken as the phone writes them (``ro.product.model`` is what
the camera app writes as EXIF Model).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_PRODUCT_TYPE = re.compile(r"^(iPhone|iPad|iPod|Watch|AppleTV|AudioAccessory)\d+,\d+$")
_VARIANT_SUFFIX = re.compile(r"\s*\((GSM|Global|China|CDMA|US|GSM\+CDMA|Wi-?Fi|Cellular)\)", re.IGNORECASE)
_GENERATION = re.compile(r"\((\d+)(st|nd|rd|th) gen(eration)?\)", re.IGNORECASE)

# Manufacturer and brand spellings → one family. Keys are case-folded.
_FAMILIES: dict[str, str] = {
    "apple": "apple",
    "samsung": "samsung",
    "samsung electronics": "samsung",
    "xiaomi": "xiaomi",
    "redmi": "xiaomi",
    "poco": "xiaomi",
    "pocophone": "xiaomi",
    "mi": "xiaomi",
    "huawei": "huawei",
    "google": "google",
    "pixel": "google",
    "oppo": "oppo",
    "realme": "realme",
    "oneplus": "oneplus",
    "vivo": "vivo",
    "motorola": "motorola",
    "moto": "motorola",
    "lenovo": "motorola",
    "nokia": "nokia",
    "hmd global": "nokia",
    "honor": "honor",
    "tecno": "tecno",
    "infinix": "infinix",
    "itel": "itel",
    "sony": "sony",
    "lge": "lg",
    "lg electronics": "lg",
    "lg": "lg",
}
# Model prefixes a family writes in front of its model names in some places and not in others, besides every
# spelling of the family itself ("Redmi Note 9S" from make "Redmi" or "Xiaomi" is the model "note 9s").
_EXTRA_MODEL_PREFIXES: dict[str, tuple[str, ...]] = {"samsung": ("galaxy",)}


@dataclass(frozen=True, slots=True)
class CanonicalModel:
    family: str  # "apple", "samsung", "xiaomi", ... (case-folded); "" when unknown
    model: (
        str  # case-folded, single-spaced, family prefix removed: "iphone 8", "sm-a525f", "redmi note 8 pro"
    )

    @property
    def known(self) -> bool:
        return bool(self.model)


def _normalise(text: str) -> str:
    return " ".join(text.casefold().replace("_", " ").split())


def family_of(make: str) -> str:
    """The manufacturer family of a make or brand spelling (``SAMSUNG`` → ``samsung``, ``Redmi`` → ``xiaomi``)."""
    normalised = _normalise(make)
    if normalised in _FAMILIES:
        return _FAMILIES[normalised]
    first = normalised.split(" ")[0] if normalised else ""
    return _FAMILIES.get(first, normalised)


@lru_cache(maxsize=1)
def _apple_table() -> dict[str, str]:
    """ProductType → display name, from pymobiledevice3's kept device table (first entry wins)."""
    try:
        from pymobiledevice3.irecv_devices import IRECV_DEVICES
    except ImportError:  # pragma: no cover - pymobiledevice3 is a declared dependency
        return {}
    table: dict[str, str] = {}
    for device in IRECV_DEVICES:
        table.setdefault(device.product_type, device.display_name)
    return table


def apple_product_types() -> tuple[str, ...]:
    """Every product type the kept table knows (for tests and for showing what is covered)."""
    return tuple(_apple_table())


def apple_display_name(product_type: str) -> str | None:
    """pymobiledevice3's display name of a ProductType (``iPhone10,4`` → ``iPhone 8 (GSM)``), or None."""
    return _apple_table().get(product_type.strip())


def apple_model_name(name: str) -> str:
    """A display name as EXIF spells it: variant suffixes dropped, generations as ``(2nd generation)``."""
    text = _VARIANT_SUFFIX.sub("", name).strip()
    match = _GENERATION.search(text)
    if match:
        if match.group(1) == "1" and text.lower().startswith("iphone se"):
            text = _GENERATION.sub("", text).strip()  # the first iPhone SE's EXIF says "iPhone SE"
        else:
            text = _GENERATION.sub(f"({match.group(1)}{match.group(2).lower()} generation)", text)
    return " ".join(text.split())


def _strip_family_prefix(model: str, family: str, make: str) -> str:
    spellings = [name for name, of in _FAMILIES.items() if of == family]
    prefixes = (_normalise(make), family, *spellings, *_EXTRA_MODEL_PREFIXES.get(family, ()))
    changed = True
    while changed:
        changed = False
        for prefix in prefixes:
            if prefix and model.startswith(prefix + " "):
                model = model[len(prefix) + 1 :]
                changed = True
    return model


def canonical_model(make: str | None, model: str | None) -> CanonicalModel:
    """One canonical model for a make/model pair from lockdown, getprop or EXIF (see the module docstring)."""
    raw_make = (make or "").strip()
    raw_model = (model or "").strip()
    family = family_of(raw_make) if raw_make else ""
    if _PRODUCT_TYPE.match(raw_model.replace(" ", "")):
        display = apple_display_name(raw_model.replace(" ", ""))
        family = family or "apple"
        if display is None:
            return CanonicalModel(family, _normalise(raw_model))
        raw_model = display
    if family == "apple" or raw_model.lower().startswith(("iphone", "ipad", "ipod")):
        family = family or "apple"
        raw_model = apple_model_name(raw_model)
    normalised = _normalise(raw_model)
    if not family and normalised:
        family = family_of(normalised.split(" ")[0]) if normalised.split(" ")[0] in _FAMILIES else ""
    return CanonicalModel(family, _strip_family_prefix(normalised, family, raw_make))


def same_model(make_a: str, model_a: str, make_b: str, model_b: str) -> bool:
    """True when the two make/model pairs name the same device model (both must be known)."""
    first, second = canonical_model(make_a, model_a), canonical_model(make_b, model_b)
    if not (first.known and second.known):
        return False
    if first.family and second.family and first.family != second.family:
        return False
    return first.model == second.model
