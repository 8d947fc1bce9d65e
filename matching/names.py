"""Normalisation of place names into index keys.

A key is the name decomposed (NFKD), without diacritics, case-folded, with the Turkish dotless ı
and a few letters that do not decompose (ø, ł, đ, æ, œ, ß) mapped to ASCII, and with every
character that is not a letter or digit removed (spaces, hyphens, apostrophes, dots). So
"Kapıkule", "Kapikule" and "KAPI-KULE" share the key "kapikule"; "A'zaz" and "Azaz" share "azaz";
"Μυτιλήνη" becomes "μυτιληνη"; "حلب" keeps its Arabic letters without vowel marks.
"""

from __future__ import annotations

import unicodedata

_NON_DECOMPOSING = str.maketrans(
    {
        "ı": "i",
        "ø": "o",
        "Ø": "o",
        "ł": "l",
        "Ł": "l",
        "đ": "d",
        "Đ": "d",
        "æ": "ae",
        "Æ": "ae",
        "œ": "oe",
        "Œ": "oe",
        "ð": "d",
        "þ": "th",
        # Arabic letter variants that people type interchangeably
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ة": "ه",
        "ى": "ي",
    }
)


def normalise_name(text: str) -> str:
    """Return the index key of a place name (see module docstring). Empty if nothing is left."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_NON_DECOMPOSING))
    kept: list[str] = []
    for char in decomposed:
        if unicodedata.combining(char):
            continue
        category = unicodedata.category(char)
        if category[0] in ("L", "N"):
            kept.append(char)
    return "".join(kept).casefold().translate(_NON_DECOMPOSING)
