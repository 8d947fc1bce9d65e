"""The route map for the PDF, drawn server-side with matplotlib (no tiles, no network).

The base map is the Natural Earth country polygons the app already ships (``routing.geography``). The
route comes from the stored route version: legs from its GeoJSON (observed pieces solid, interpolated
pieces dashed), gaps dotted, border-crossing brackets, stays as circles sized by duration and numbered as
in the report's stay table, the device's own points as small dots, and received photos (context only,
never the device's position) as hollow grey triangles.

Coordinates are WGS84 degrees drawn in an equirectangular view with the aspect corrected at the
map's middle latitude (distances in the scale bar in kilometres at that latitude).
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely

from api.reports.errors import ReportError

KM_PER_DEGREE = 111.32
MAP_SHARE = 0.87  # of the figure's height; the legend fills the rest


@dataclass(frozen=True, slots=True)
class MapLabels:
    """Legend wording in the report's language."""

    observed: str
    interpolated: str
    gap: str
    crossing: str
    stay: str
    points: str
    received: str
    visited: str


LABELS = {
    "en": MapLabels(
        observed="route, observed",
        interpolated="route, interpolated (no records)",
        gap="gap without records",
        crossing="border crossing (between records)",
        stay="stay (size: duration; number: stay table)",
        points="device's own positions",
        received="received photo (context only)",
        visited="country with records",
    ),
    "nl": MapLabels(
        observed="route, waargenomen",
        interpolated="route, geïnterpoleerd (geen gegevens)",
        gap="gat zonder gegevens",
        crossing="grensovergang (tussen gegevens)",
        stay="verblijf (grootte: duur; nummer: verblijventabel)",
        points="eigen posities van het toestel",
        received="ontvangen foto (alleen context)",
        visited="land met gegevens",
    ),
}

COLOUR_ROUTE = "#1f4e79"
COLOUR_GAP = "#c0392b"
COLOUR_CROSSING = "#7d3c98"
COLOUR_STAY = "#e67e22"
COLOUR_LAND = "#f2efe9"
COLOUR_VISITED = "#e3ecd9"
COLOUR_SEA = "#dbe9f4"
COLOUR_BORDER = "#9a9a9a"


@dataclass(frozen=True, slots=True)
class Extent:
    """Map window in degrees."""

    lon_min: float
    lon_max: float
    lat_min: float
    lat_max: float

    @property
    def mid_lat(self) -> float:
        return (self.lat_min + self.lat_max) / 2


def _route_arrays(route: dict[str, Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """lat, lon of usable points and of received points."""
    points = route.get("points") or {}
    if not points:
        empty = np.zeros(0)
        return empty, empty, empty, empty
    lat = np.asarray(points["lat"], dtype=np.float64)
    lon = np.asarray(points["lon"], dtype=np.float64)
    flags = np.asarray(points["flags"], dtype=np.int64)
    received_bit = int((route.get("flag_bits") or {}).get("RECEIVED", 1))
    usable = flags == 0
    received = (flags & received_bit) != 0
    return lat[usable], lon[usable], lat[received], lon[received]


def map_extent(
    lat: np.ndarray,
    lon: np.ndarray,
    *,
    aspect_w_over_h: float,
    padding: float = 0.08,
    min_span_deg: float = 1.0,
) -> Extent:
    """A window around the points with ``padding`` on each side, widened to the figure's aspect."""
    if len(lat) == 0:
        raise ReportError("the route has no usable points to draw a map of")
    lat_lo, lat_hi = float(np.min(lat)), float(np.max(lat))
    lon_lo, lon_hi = float(np.min(lon)), float(np.max(lon))
    lat_span = max(lat_hi - lat_lo, min_span_deg) * (1 + 2 * padding)
    lon_span = max(lon_hi - lon_lo, min_span_deg) * (1 + 2 * padding)
    lat_mid, lon_mid = (lat_lo + lat_hi) / 2, (lon_lo + lon_hi) / 2
    cos_lat = max(math.cos(math.radians(lat_mid)), 0.2)
    # on paper, one degree of longitude is cos(lat) as wide as one of latitude
    if lon_span * cos_lat / lat_span < aspect_w_over_h:
        lon_span = lat_span * aspect_w_over_h / cos_lat
    else:
        lat_span = lon_span * cos_lat / aspect_w_over_h
    lat_min = max(lat_mid - lat_span / 2, -89.0)
    lat_max = min(lat_mid + lat_span / 2, 89.0)
    return Extent(lon_mid - lon_span / 2, lon_mid + lon_span / 2, lat_min, lat_max)


def _nice_length_km(span_km: float) -> float:
    target = span_km / 8
    magnitude = 10 ** math.floor(math.log10(max(target, 1e-3)))
    for step in (1, 2, 5, 10):
        if step * magnitude >= target:
            return step * magnitude
    return 10 * magnitude


#: the scale bar's box as shares of the map window: its margin from the edges and the height of bar + label
SCALE_MARGIN = 0.04
SCALE_BOX_HEIGHT = 0.09
CORNERS = ("bottom right", "bottom left", "top right", "top left")  # in order of preference


def scale_bar_box(corner: str, extent: Extent, *, bar_deg: float) -> tuple[float, float, float, float]:
    """(lon_min, lon_max, lat_min, lat_max) of the bar and its label in one corner of the window."""
    width, height = extent.lon_max - extent.lon_min, extent.lat_max - extent.lat_min
    right = corner.endswith("right")
    top = corner.startswith("top")
    x1 = extent.lon_max - SCALE_MARGIN * width if right else extent.lon_min + SCALE_MARGIN * width + bar_deg
    y0 = (
        extent.lat_max - (SCALE_MARGIN + SCALE_BOX_HEIGHT) * height if top else extent.lat_min + 0.05 * height
    )
    pad = 0.02 * width
    return x1 - bar_deg - pad, x1 + pad, y0 - 0.02 * height, y0 + SCALE_BOX_HEIGHT * height


def scale_bar_position(
    lon: np.ndarray,
    lat: np.ndarray,
    extent: Extent,
    *,
    bar_deg: float,
    keep_clear: Sequence[tuple[float, float]] = (),
) -> tuple[float, float]:
    """The (right end, baseline) of the scale bar in the corner that covers the fewest route points and
    none of ``keep_clear`` (the journey's start and end) if any corner can; ties go to the bottom right."""

    def cost(corner: str) -> tuple[int, int, int]:
        x_lo, x_hi, y_lo, y_hi = scale_bar_box(corner, extent, bar_deg=bar_deg)
        inside = (lon >= x_lo) & (lon <= x_hi) & (lat >= y_lo) & (lat <= y_hi)
        covers_an_end = sum(1 for x, y in keep_clear if x_lo <= x <= x_hi and y_lo <= y <= y_hi)
        return covers_an_end, int(inside.sum()), CORNERS.index(corner)

    best = min(CORNERS, key=cost)
    x_lo, x_hi, y_lo, _ = scale_bar_box(best, extent, bar_deg=bar_deg)
    pad = 0.02 * (extent.lon_max - extent.lon_min)
    return x_hi - pad, y_lo + 0.02 * (extent.lat_max - extent.lat_min)


def _journey_ends(lon: np.ndarray, lat: np.ndarray) -> list[tuple[float, float]]:
    """The first and the last usable point in time (the route's points are in time order)."""
    if not len(lon):
        return []
    return [(float(lon[0]), float(lat[0])), (float(lon[-1]), float(lat[-1]))]


def _draw_countries(axes: Any, extent: Extent, visited: set[str], halo: list[Any]) -> None:
    """The Natural Earth countries in the window (visited ones tinted), named where there is room."""
    from routing.geography import country_polygons

    countries = country_polygons()
    window = countries.cx[extent.lon_min : extent.lon_max, extent.lat_min : extent.lat_max].copy()
    if not len(window):
        return
    # only what shows, and no more detail than the page can print (about 1/1500 of the width)
    margin = 0.02 * (extent.lon_max - extent.lon_min)
    window["geometry"] = shapely.simplify(
        shapely.clip_by_rect(
            window.geometry.values,
            extent.lon_min - margin,
            extent.lat_min - margin,
            extent.lon_max + margin,
            extent.lat_max + margin,
        ),
        (extent.lon_max - extent.lon_min) / 1500,
    )
    window = window[~window.geometry.is_empty]
    is_visited = window["iso_a2"].isin(visited)
    window[~is_visited].plot(ax=axes, color=COLOUR_LAND, edgecolor=COLOUR_BORDER, linewidth=0.5)
    if is_visited.any():
        window[is_visited].plot(ax=axes, color=COLOUR_VISITED, edgecolor=COLOUR_BORDER, linewidth=0.6)
    for name, clipped in zip(window["name"], window.geometry, strict=True):
        if clipped.area < 0.02 * (extent.lat_max - extent.lat_min) ** 2:
            continue
        anchor = clipped.representative_point()
        axes.text(
            anchor.x,
            anchor.y,
            str(name).upper(),
            fontsize=6.5,
            color="#6b6b6b",
            ha="center",
            va="center",
            path_effects=halo,
            zorder=2,
        )


def _draw_scale_bar(
    axes: Any,
    extent: Extent,
    lon: np.ndarray,
    lat: np.ndarray,
    keep_clear: Sequence[tuple[float, float]],
    halo: list[Any],
) -> None:
    span_km = (extent.lon_max - extent.lon_min) * KM_PER_DEGREE * math.cos(math.radians(extent.mid_lat))
    bar_km = _nice_length_km(span_km)
    bar_deg = bar_km / (KM_PER_DEGREE * math.cos(math.radians(extent.mid_lat)))
    x1, y0 = scale_bar_position(lon, lat, extent, bar_deg=bar_deg, keep_clear=keep_clear)
    axes.plot([x1 - bar_deg, x1], [y0, y0], color="black", linewidth=2.5, solid_capstyle="butt", zorder=9)
    axes.text(
        x1 - bar_deg / 2,
        y0,
        f"{bar_km:g} km\n",
        ha="center",
        va="bottom",
        fontsize=7,
        path_effects=halo,
        zorder=9,
    )


def render_route_map(
    route: dict[str, Any],
    geojson: dict[str, Any],
    *,
    language: str = "nl",
    width_in: float = 7.0,
    height_in: float = 5.6,
    dpi: int = 170,
) -> bytes:
    """PNG bytes of the route map. ``route`` is ``route_to_dict`` output (with points), ``geojson``
    ``route_to_geojson`` output, both as stored in a route version."""
    from matplotlib import patheffects
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    labels = LABELS.get(language, LABELS["en"])
    lat, lon, received_lat, received_lon = _route_arrays(route)
    stays = [f for f in geojson.get("features", []) if f["properties"].get("kind") == "stay"]
    stay_lat = np.array([f["geometry"]["coordinates"][1] for f in stays])
    stay_lon = np.array([f["geometry"]["coordinates"][0] for f in stays])
    extent = map_extent(
        np.r_[lat, stay_lat], np.r_[lon, stay_lon], aspect_w_over_h=width_in / (height_in * MAP_SHARE)
    )

    figure = Figure(figsize=(width_in, height_in), dpi=dpi)
    FigureCanvasAgg(figure)
    axes = figure.add_axes((0.0, 1.0 - MAP_SHARE, 1.0, MAP_SHARE))  # the legend goes in the strip below
    axes.set_facecolor(COLOUR_SEA)

    visited = set((route.get("statistics") or {}).get("countries") or [])
    halo = [patheffects.withStroke(linewidth=2.5, foreground="white")]
    _draw_countries(axes, extent, visited, halo)

    for feature in geojson.get("features", []):
        properties = feature["properties"]
        kind = properties.get("kind")
        coordinates = np.asarray(feature["geometry"]["coordinates"], dtype=np.float64)
        if kind == "leg":
            style = "-" if properties.get("observed") else (0, (4, 3))
            axes.plot(
                coordinates[:, 0],
                coordinates[:, 1],
                linestyle=style,
                color=COLOUR_ROUTE,
                linewidth=1.3,
                zorder=4,
            )
        elif kind == "gap":
            axes.plot(
                coordinates[:, 0],
                coordinates[:, 1],
                linestyle=(0, (1, 2)),
                color=COLOUR_GAP,
                linewidth=1.6,
                zorder=4,
            )
        elif kind == "border_crossing":
            axes.plot(
                coordinates[:, 0],
                coordinates[:, 1],
                linestyle=(0, (2, 2)),
                color=COLOUR_CROSSING,
                linewidth=1.2,
                zorder=5,
            )
            middle = coordinates.mean(axis=0)
            axes.plot(middle[0], middle[1], marker="X", color=COLOUR_CROSSING, markersize=6, zorder=6)

    if len(lat):
        axes.scatter(lon, lat, s=2.5, color=COLOUR_ROUTE, alpha=0.45, linewidths=0, zorder=3)
    if len(received_lat):
        axes.scatter(
            received_lon,
            received_lat,
            s=22,
            marker="^",
            facecolors="none",
            edgecolors="#555555",
            linewidths=0.8,
            zorder=5,
        )
    for number, feature in enumerate(stays, start=1):
        properties = feature["properties"]
        x, y = feature["geometry"]["coordinates"]
        hours = max(float(properties.get("duration_s") or 0.0) / 3600.0, 0.5)
        axes.scatter(
            [x],
            [y],
            s=18 + 10 * math.sqrt(hours),
            color=COLOUR_STAY,
            alpha=0.75,
            edgecolors="#7a4100",
            linewidths=0.7,
            zorder=7,
        )
        axes.annotate(
            str(number),
            (x, y),
            xytext=(4, 4),
            textcoords="offset points",
            fontsize=7,
            fontweight="bold",
            color="#3b2000",
            path_effects=halo,
            zorder=8,
        )

    axes.set_xlim(extent.lon_min, extent.lon_max)
    axes.set_ylim(extent.lat_min, extent.lat_max)
    axes.set_aspect(1.0 / max(math.cos(math.radians(extent.mid_lat)), 0.2))
    axes.set_xticks([])
    axes.set_yticks([])
    axes.set_xlabel("")
    axes.set_ylabel("")

    # scale bar in the corner that hides the least of the route (never the journey's start or end)
    _draw_scale_bar(axes, extent, np.r_[lon, stay_lon], np.r_[lat, stay_lat], _journey_ends(lon, lat), halo)

    handles = [
        Line2D([], [], color=COLOUR_ROUTE, linewidth=1.3, label=labels.observed),
        Line2D([], [], color=COLOUR_ROUTE, linewidth=1.3, linestyle=(0, (4, 3)), label=labels.interpolated),
        Line2D([], [], color=COLOUR_GAP, linewidth=1.6, linestyle=(0, (1, 2)), label=labels.gap),
        Line2D([], [], color=COLOUR_CROSSING, marker="X", linestyle=(0, (2, 2)), label=labels.crossing),
        Line2D([], [], color=COLOUR_STAY, marker="o", linestyle="none", markersize=7, label=labels.stay),
        Line2D([], [], color=COLOUR_ROUTE, marker=".", linestyle="none", alpha=0.6, label=labels.points),
    ]
    if len(received_lat):
        handles.append(
            Line2D(
                [],
                [],
                marker="^",
                markerfacecolor="none",
                markeredgecolor="#555555",
                linestyle="none",
                label=labels.received,
            )
        )
    figure.legend(handles=handles, loc="lower center", ncol=3, fontsize=6.5, frameon=False)

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


@dataclass(frozen=True, slots=True)
class ClaimMapLabels:
    place: str
    evidence_for: str
    evidence_against: str
    route: str


CLAIM_LABELS = {
    "en": ClaimMapLabels(
        place="claimed place (circle: what counts as there)",
        evidence_for="records for the claim",
        evidence_against="records against the claim",
        route="device's own positions",
    ),
    "nl": ClaimMapLabels(
        place="geclaimde plaats (cirkel: wat als daar telt)",
        evidence_for="gegevens voor de verklaring",
        evidence_against="gegevens tegen de verklaring",
        route="eigen posities van het toestel",
    ),
}
COLOUR_FOR = "#15803d"
COLOUR_AGAINST = "#b91c1c"


def record_positions(route: dict[str, Any], record_ids: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """lat, lon of the route points with these record ids (those the route holds; others left out)."""
    points = route.get("points") or {}
    raw_ids = points.get("record_id")
    ids = np.asarray(raw_ids if raw_ids is not None else [], dtype=np.int64)
    if not len(ids) or not len(record_ids):
        return np.zeros(0), np.zeros(0)
    wanted = np.isin(ids, np.asarray(list(record_ids), dtype=np.int64))
    return (
        np.asarray(points["lat"], dtype=np.float64)[wanted],
        np.asarray(points["lon"], dtype=np.float64)[wanted],
    )


def render_claim_map(
    route: dict[str, Any],
    *,
    place_lat: float,
    place_lon: float,
    place_extent_m: float | None,
    evidence_for: Sequence[int],
    evidence_against: Sequence[int],
    language: str = "nl",
    width_in: float = 6.8,
    height_in: float = 2.9,
    dpi: int = 150,
) -> bytes:
    """PNG of one claim's excerpt: the claimed place and its extent, the records cited for and against it,
    and the device's own positions around them, so a reader sees how far apart they are."""
    from matplotlib import patheffects
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    labels = CLAIM_LABELS.get(language, CLAIM_LABELS["en"])
    for_lat, for_lon = record_positions(route, evidence_for)
    against_lat, against_lon = record_positions(route, evidence_against)
    lat, lon, _, _ = _route_arrays(route)
    share = 0.84
    extent = map_extent(
        np.r_[place_lat, for_lat, against_lat],
        np.r_[place_lon, for_lon, against_lon],
        aspect_w_over_h=width_in / (height_in * share),
        padding=0.15,
        min_span_deg=0.6,
    )
    figure = Figure(figsize=(width_in, height_in), dpi=dpi)
    FigureCanvasAgg(figure)
    axes = figure.add_axes((0.0, 1.0 - share, 1.0, share))
    axes.set_facecolor(COLOUR_SEA)
    halo = [patheffects.withStroke(linewidth=2.5, foreground="white")]
    _draw_countries(axes, extent, set((route.get("statistics") or {}).get("countries") or []), halo)
    inside = (
        (lat >= extent.lat_min) & (lat <= extent.lat_max) & (lon >= extent.lon_min) & (lon <= extent.lon_max)
    )
    if inside.any():
        axes.scatter(lon[inside], lat[inside], s=3, color=COLOUR_ROUTE, alpha=0.35, linewidths=0, zorder=3)
    if len(against_lat):
        axes.scatter(
            against_lon, against_lat, s=40, color=COLOUR_AGAINST, edgecolors="white", linewidths=0.5, zorder=5
        )
    if len(for_lat):
        axes.scatter(for_lon, for_lat, s=40, color=COLOUR_FOR, edgecolors="white", linewidths=0.5, zorder=5)
    if place_extent_m:
        radius_lat = place_extent_m / 1000 / KM_PER_DEGREE
        radius_lon = radius_lat / max(math.cos(math.radians(place_lat)), 0.2)
        angles = np.linspace(0, 2 * math.pi, 60)
        axes.plot(
            place_lon + radius_lon * np.cos(angles),
            place_lat + radius_lat * np.sin(angles),
            color="black",
            linewidth=0.8,
            zorder=6,
        )
    axes.plot(
        place_lon, place_lat, marker="*", color="black", markersize=11, markeredgecolor="white", zorder=7
    )
    axes.set_xlim(extent.lon_min, extent.lon_max)
    axes.set_ylim(extent.lat_min, extent.lat_max)
    axes.set_aspect(1.0 / max(math.cos(math.radians(extent.mid_lat)), 0.2))
    axes.set_xticks([])
    axes.set_yticks([])
    axes.set_xlabel("")  # geopandas names the axes after the CRS; the map needs no axis titles
    axes.set_ylabel("")
    marks_lon = np.r_[place_lon, for_lon, against_lon]
    marks_lat = np.r_[place_lat, for_lat, against_lat]
    _draw_scale_bar(axes, extent, marks_lon, marks_lat, [(place_lon, place_lat)], halo)
    handles = [
        Line2D([], [], color="black", marker="*", linestyle="none", markersize=9, label=labels.place),
        Line2D(
            [], [], color=COLOUR_FOR, marker="o", linestyle="none", markersize=5, label=labels.evidence_for
        ),
        Line2D(
            [],
            [],
            color=COLOUR_AGAINST,
            marker="o",
            linestyle="none",
            markersize=5,
            label=labels.evidence_against,
        ),
        Line2D([], [], color=COLOUR_ROUTE, marker=".", linestyle="none", alpha=0.6, label=labels.route),
    ]
    figure.legend(handles=handles, loc="lower center", ncol=4, fontsize=6, frameon=False)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()
