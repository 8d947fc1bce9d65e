"""The report's look: paragraph styles, tables, and the page frame (header, watermark, "page N of M").

Tables size their columns from their content: no column is narrower than its longest word (header or
cell), so a heading never breaks inside a word ("Machtigi ng"); the width left over is shared by the
weights a section gives. Header cells wrap only between words.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any
from xml.sax.saxutils import escape

from api.reports.fonts import FontFamily
from api.reports.formatting import format_utc
from api.reports.text import DRAFT_WATERMARK, Words
from casework.report_facts import CaseReportData

PAGE_MARGIN_MM = 18.0
CELL_PADDING_PT = 6.0  # left + right padding reportlab puts into each table cell (3 pt each side)
_TAGS = re.compile(r"<[^>]+>")


class Layout:
    """Paragraph styles and small builders over one font family."""

    def __init__(self, fonts: FontFamily) -> None:
        from reportlab.lib import colors
        from reportlab.lib.pagesizes import A4
        from reportlab.lib.styles import ParagraphStyle
        from reportlab.lib.units import mm

        self.fonts = fonts
        self.colors = colors
        self.mm = mm
        self.frame_width_pt = A4[0] - 2 * PAGE_MARGIN_MM * mm
        base = ParagraphStyle("base", fontName=fonts.regular, fontSize=8.5, leading=11)
        self.body = base
        self.small = ParagraphStyle("small", parent=base, fontSize=7.5, leading=9.5)
        self.mono = ParagraphStyle("mono", parent=base, fontName=fonts.mono, fontSize=7, leading=9)
        self.label = ParagraphStyle("label", parent=base, fontName=fonts.bold, fontSize=7.5, leading=9.5)
        # a table heading: wraps between words, never inside one
        self.header = ParagraphStyle("header", parent=self.label, splitLongWords=0)
        self.h3 = ParagraphStyle(
            "h3", parent=base, fontName=fonts.bold, fontSize=8, leading=10, spaceBefore=5, spaceAfter=2
        )
        self.title = ParagraphStyle("title", parent=base, fontName=fonts.bold, fontSize=18, leading=22)
        self.subtitle = ParagraphStyle("subtitle", parent=base, fontSize=10, leading=13, textColor="#444444")
        self.h1 = ParagraphStyle(
            "h1",
            parent=base,
            fontName=fonts.bold,
            fontSize=12.5,
            leading=16,
            spaceBefore=10,
            spaceAfter=5,
            textColor="#1f4e79",
        )
        self.h2 = ParagraphStyle(
            "h2", parent=base, fontName=fonts.bold, fontSize=9.5, leading=12, spaceBefore=7, spaceAfter=3
        )
        self.notice = ParagraphStyle(
            "notice",
            parent=base,
            fontSize=8.5,
            leading=11.5,
            backColor="#eef3f8",
            borderColor="#1f4e79",
            borderWidth=0.6,
            borderPadding=6,
            spaceBefore=6,
            spaceAfter=10,
        )
        self.draft = ParagraphStyle(
            "draft",
            parent=base,
            fontName=fonts.bold,
            fontSize=10,
            leading=13,
            textColor="#a61b1b",
            backColor="#fbe3e3",
            borderColor="#a61b1b",
            borderWidth=0.8,
            borderPadding=5,
            spaceAfter=8,
        )

    def p(self, text: str, style: Any = None) -> Any:
        from reportlab.platypus import Paragraph

        return Paragraph(text, style or self.body)

    def t(self, text: object, style: Any = None) -> Any:
        """A paragraph from plain (untrusted) text: escaped."""
        return self.p(escape(str(text)), style)

    def key_values(self, rows: Sequence[tuple[str, Any]], *, label_width_mm: float = 52) -> Any:
        from reportlab.platypus import Table, TableStyle

        cells = [
            [self.t(label, self.label), value if not isinstance(value, str) else self.t(value)]
            for label, value in rows
        ]
        table = Table(cells, colWidths=[label_width_mm * self.mm, None], hAlign="LEFT")
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("FONTNAME", (0, 0), (-1, -1), self.fonts.regular),
                    ("LINEBELOW", (0, 0), (-1, -1), 0.25, self.colors.HexColor("#d0d0d0")),
                    ("TOPPADDING", (0, 0), (-1, -1), 2),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                    ("LEFTPADDING", (0, 0), (-1, -1), 2),
                ]
            )
        )
        return table

    def longest_word_pt(self, text: str, font_name: str, font_size: float) -> float:
        from reportlab.pdfbase.pdfmetrics import stringWidth

        words = _TAGS.sub(" ", text).split()
        return max((stringWidth(word, font_name, font_size) for word in words), default=0.0)

    def column_widths(
        self, header: Sequence[str], rows: Sequence[Sequence[Any]], weights: Sequence[float]
    ) -> list[float]:
        """Column widths in points over the frame's width: each at least its longest word (a heading's in
        the bold label font, a text cell's in the small font), the rest shared in proportion to ``weights``."""
        floors = []
        for index, heading in enumerate(header):
            widest = self.longest_word_pt(heading, self.fonts.bold, self.header.fontSize)
            for row in rows:
                cell = row[index]
                if isinstance(cell, str):
                    widest = max(widest, self.longest_word_pt(cell, self.fonts.regular, self.small.fontSize))
            floors.append(widest + CELL_PADDING_PT + 1.0)
        total = self.frame_width_pt
        spare = total - sum(floors)
        if spare <= 0:  # cannot fit every long word: keep the floors and let the table run wide
            return floors
        weight_sum = float(sum(weights)) or 1.0
        # widths by weight, but never under the floor: grow the floored columns, shrink the others
        widths = [total * w / weight_sum for w in weights]
        for _ in range(len(widths)):
            short = [i for i, w in enumerate(widths) if w < floors[i]]
            if not short:
                break
            for i in short:
                widths[i] = floors[i]
            free = [i for i in range(len(widths)) if i not in short and widths[i] > floors[i]]
            excess = sum(widths) - total
            free_total = sum(widths[i] - floors[i] for i in free)
            if excess <= 0 or free_total <= 0:
                break
            for i in free:
                widths[i] -= excess * (widths[i] - floors[i]) / free_total
        return widths

    def grid(self, header: Sequence[str], rows: Sequence[Sequence[Any]], weights: Sequence[float]) -> Any:
        """A table with a heading row repeated on every page; ``weights`` share the frame's width."""
        from reportlab.platypus import Table, TableStyle

        cells = [[self.t(h, self.header) for h in header]]
        cells += [[c if not isinstance(c, str) else self.t(c, self.small) for c in row] for row in rows]
        table = Table(cells, colWidths=self.column_widths(header, rows, weights), repeatRows=1, hAlign="LEFT")
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("FONTNAME", (0, 0), (-1, -1), self.fonts.regular),
                    ("BACKGROUND", (0, 0), (-1, 0), self.colors.HexColor("#e4eaf1")),
                    ("GRID", (0, 0), (-1, -1), 0.25, self.colors.HexColor("#b8b8b8")),
                    ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
                ]
            )
        )
        return table


def page_decorator(data: CaseReportData, words: Words, fonts: FontFamily) -> Callable[[Any, Any], None]:
    """Header, footer (without the page count: see :func:`numbered_canvas`) and the draft watermark."""
    from reportlab.lib.units import mm

    def decorate(canvas: Any, document: Any) -> None:
        width, height = document.pagesize
        canvas.saveState()
        if not data.released:
            canvas.saveState()
            canvas.setFillColorRGB(0.75, 0.1, 0.1, alpha=0.16)
            canvas.setFont(fonts.bold, 30)
            canvas.translate(width / 2, height / 2)
            canvas.rotate(55)
            canvas.drawCentredString(0, 0, DRAFT_WATERMARK)
            canvas.restoreState()
        canvas.setFillColorRGB(0.35, 0.35, 0.35)
        canvas.setFont(fonts.regular, 7)
        canvas.drawString(
            PAGE_MARGIN_MM * mm, height - 11 * mm, f"reisroute — {words('title')} — {data.reference}"
        )
        status = words("released") if data.released else DRAFT_WATERMARK
        canvas.drawRightString(
            width - PAGE_MARGIN_MM * mm,
            height - 11 * mm,
            f"{words('finding_set')} #{data.finding_set_id}: {status}",
        )
        canvas.drawString(
            PAGE_MARGIN_MM * mm,
            10 * mm,
            f"{words('generated')}: {format_utc(data.generated_at, seconds=True)}",
        )
        canvas.restoreState()

    return decorate


def numbered_canvas(words: Words, fonts: FontFamily) -> type:
    """A canvas class that holds every page until the end, then stamps "page N of M" on each."""
    from reportlab.lib.units import mm
    from reportlab.pdfgen.canvas import Canvas

    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 (reportlab's name)
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for page in self._pages:
                self.__dict__.update(page)
                self.saveState()
                self.setFillColorRGB(0.35, 0.35, 0.35)
                self.setFont(fonts.regular, 7)
                width = self._pagesize[0]
                self.drawRightString(
                    width - PAGE_MARGIN_MM * mm, 10 * mm, words("page", page=self._pageNumber, pages=total)
                )
                self.restoreState()
                super().showPage()
            super().save()

    return NumberedCanvas
