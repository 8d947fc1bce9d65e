"""Embedded fonts for the PDF report.

DejaVu covers Latin (including Turkish ı İ ş ğ), Greek and Cyrillic, so place names and the applicant's
words print as written. The TrueType files come from matplotlib's own data folder (matplotlib is a
dependency, so they are always installed); Debian's ``fonts-dejavu-core`` is the fallback. reportlab
embeds a subset of every ``TTFont`` it draws with, so the PDF reads the same on any machine.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from api.reports.errors import FontNotFound

DEBIAN_DEJAVU_DIR = Path("/usr/share/fonts/truetype/dejavu")


@dataclass(frozen=True, slots=True)
class FontFamily:
    """reportlab names of the registered faces."""

    regular: str
    bold: str
    italic: str
    bold_italic: str
    mono: str


FAMILY = FontFamily(
    regular="ReisrouteSans",
    bold="ReisrouteSans-Bold",
    italic="ReisrouteSans-Oblique",
    bold_italic="ReisrouteSans-BoldOblique",
    mono="ReisrouteMono",
)
_FILES = {
    FAMILY.regular: "DejaVuSans.ttf",
    FAMILY.bold: "DejaVuSans-Bold.ttf",
    FAMILY.italic: "DejaVuSans-Oblique.ttf",
    FAMILY.bold_italic: "DejaVuSans-BoldOblique.ttf",
    FAMILY.mono: "DejaVuSansMono.ttf",
}
_lock = threading.Lock()
_registered = False


def font_directories() -> list[Path]:
    """Where DejaVu is looked for, in order: matplotlib's bundled fonts, then Debian's."""
    directories = []
    try:
        import matplotlib

        directories.append(Path(matplotlib.get_data_path()) / "fonts" / "ttf")
    except ImportError:  # matplotlib is a dependency; the Debian folder still works without it
        pass
    directories.append(DEBIAN_DEJAVU_DIR)
    return directories


def font_file(file_name: str) -> Path:
    for directory in font_directories():
        candidate = directory / file_name
        if candidate.is_file():
            return candidate
    searched = ", ".join(str(d) for d in font_directories())
    raise FontNotFound(
        f"font {file_name} not found in {searched}: install matplotlib or Debian's fonts-dejavu-core"
    )


def register_fonts() -> FontFamily:
    """Register the DejaVu faces with reportlab once per process; returns their names."""
    global _registered
    with _lock:
        if _registered:
            return FAMILY
        from reportlab.lib.fonts import addMapping
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.ttfonts import TTFont

        for name, file_name in _FILES.items():
            pdfmetrics.registerFont(TTFont(name, str(font_file(file_name))))
        addMapping(FAMILY.regular, 0, 0, FAMILY.regular)
        addMapping(FAMILY.regular, 1, 0, FAMILY.bold)
        addMapping(FAMILY.regular, 0, 1, FAMILY.italic)
        addMapping(FAMILY.regular, 1, 1, FAMILY.bold_italic)
        _registered = True
    return FAMILY
