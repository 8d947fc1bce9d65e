"""The places of the evaluation: route stops, border crossings and places off the route.

Written for this evaluation only (not shared with bench/generate_journey.py or the test journeys).
Coordinates are town centres / crossing points from public maps, rounded to ~100 m; each row has the
names applicants use for it (English, Dutch, local, and a common misspelling). The evaluation hands the
matcher resolved places (the gazetteer is its own issue and would confound this one); the names are
kept as the claim's place text.
"""

from __future__ import annotations

from dataclasses import dataclass

from matching.places import Place, PlaceKind


@dataclass(frozen=True, slots=True)
class EvalPlace:
    key: str
    lat: float
    lon: float
    country: str
    zone: str
    radius_m: float
    names: tuple[str, ...]  # as applicants say it: first English, then Dutch / local / misspelt
    kind: PlaceKind = PlaceKind.CITY

    def place(self) -> Place:
        return Place(
            id=f"eval:{self.key}",
            name=self.names[0],
            kind=self.kind,
            country_iso2=self.country,
            lat=self.lat,
            lon=self.lon,
            extent_radius_m=self.radius_m,
            population=None,
            source="bench.findings_eval",
            matched_name=self.names[0],
            timezone=self.zone,
        )


def _p(key: str, lat: float, lon: float, country: str, zone: str, radius_km: float, *names: str) -> EvalPlace:
    return EvalPlace(key, lat, lon, country, zone, radius_km * 1000.0, names)


STOPS: dict[str, EvalPlace] = {
    place.key: place
    for place in (
        _p("aleppo", 36.202, 37.134, "SY", "Asia/Damascus", 10, "Aleppo", "Halab", "Alepo", "Haleb"),
        _p("gaziantep", 37.066, 37.383, "TR", "Europe/Istanbul", 10, "Gaziantep", "Antep", "Gazientep"),
        _p("istanbul", 41.008, 28.978, "TR", "Europe/Istanbul", 25, "Istanbul", "Istanboel", "Stanbul"),
        _p("izmir", 38.419, 27.129, "TR", "Europe/Istanbul", 15, "Izmir", "Smyrna", "Ismir"),
        _p("edirne", 41.677, 26.556, "TR", "Europe/Istanbul", 6, "Edirne", "Adrianopel", "Edirna"),
        _p(
            "mytilene", 39.107, 26.555, "GR", "Europe/Athens", 4, "Mytilene", "Mytilini", "Lesbos", "Mitilini"
        ),
        _p("athens", 37.984, 23.728, "GR", "Europe/Athens", 15, "Athens", "Athene", "Athina", "Atene"),
        _p(
            "thessaloniki",
            40.640,
            22.944,
            "GR",
            "Europe/Athens",
            10,
            "Thessaloniki",
            "Saloniki",
            "Tesaloniki",
        ),
        _p("plovdiv", 42.150, 24.750, "BG", "Europe/Sofia", 8, "Plovdiv", "Filippopel", "Plovdif"),
        _p("sofia", 42.698, 23.322, "BG", "Europe/Sofia", 12, "Sofia", "Sofija", "Sophia"),
        _p("skopje", 41.998, 21.425, "MK", "Europe/Skopje", 8, "Skopje", "Skopie", "Uskub"),
        _p("nis", 43.321, 21.896, "RS", "Europe/Belgrade", 7, "Nis", "Niš", "Nish"),
        _p("belgrade", 44.787, 20.457, "RS", "Europe/Belgrade", 12, "Belgrade", "Belgrado", "Beograd"),
        _p("subotica", 46.100, 19.667, "RS", "Europe/Belgrade", 5, "Subotica", "Szabadka", "Subotiza"),
        _p("szeged", 46.253, 20.148, "HU", "Europe/Budapest", 6, "Szeged", "Segedin", "Seged"),
        _p("budapest", 47.498, 19.040, "HU", "Europe/Budapest", 14, "Budapest", "Boedapest", "Budapesht"),
        _p("vienna", 48.208, 16.372, "AT", "Europe/Vienna", 12, "Vienna", "Wenen", "Wien", "Viena"),
        _p("salzburg", 47.809, 13.055, "AT", "Europe/Vienna", 6, "Salzburg", "Salzburgo", "Saltsburg"),
        _p("munich", 48.137, 11.575, "DE", "Europe/Berlin", 12, "Munich", "München", "Munchen", "Monaco"),
        _p("hanover", 52.375, 9.732, "DE", "Europe/Berlin", 9, "Hanover", "Hannover", "Hanofer"),
        _p("terapel", 52.876, 7.060, "NL", "Europe/Amsterdam", 3, "Ter Apel", "Terapel", "Ter Appel"),
    )
}

# Border crossings between consecutive stops of different countries (road crossings, on the border).
CROSSINGS: dict[tuple[str, str], EvalPlace] = {
    ("SY", "TR"): EvalPlace(
        "oncupinar",
        36.642,
        37.085,
        "TR",
        "Europe/Istanbul",
        2_000,
        ("Öncüpınar", "Bab al-Salameh", "Oncupinar"),
        PlaceKind.BORDER_CROSSING,
    ),
    ("TR", "BG"): EvalPlace(
        "kapikule",
        41.720,
        26.350,
        "TR",
        "Europe/Istanbul",
        2_000,
        ("Kapıkule", "Kapitan Andreevo", "Kapikule"),
        PlaceKind.BORDER_CROSSING,
    ),
    ("BG", "RS"): EvalPlace(
        "kalotina",
        42.985,
        22.868,
        "BG",
        "Europe/Sofia",
        2_000,
        ("Kalotina", "Gradina", "Kalotino"),
        PlaceKind.BORDER_CROSSING,
    ),
    ("GR", "MK"): EvalPlace(
        "idomeni",
        41.125,
        22.510,
        "GR",
        "Europe/Athens",
        2_000,
        ("Idomeni", "Eidomeni", "Gevgelija"),
        PlaceKind.BORDER_CROSSING,
    ),
    ("MK", "RS"): EvalPlace(
        "tabanovce",
        42.215,
        21.705,
        "MK",
        "Europe/Skopje",
        2_000,
        ("Tabanovce", "Preševo", "Tabanovtse"),
        PlaceKind.BORDER_CROSSING,
    ),
    ("RS", "HU"): EvalPlace(
        "roszke",
        46.178,
        20.012,
        "HU",
        "Europe/Budapest",
        2_000,
        ("Röszke", "Horgoš", "Roszke"),
        PlaceKind.BORDER_CROSSING,
    ),
    ("HU", "AT"): EvalPlace(
        "nickelsdorf",
        47.945,
        17.070,
        "AT",
        "Europe/Vienna",
        2_000,
        ("Nickelsdorf", "Hegyeshalom", "Nikelsdorf"),
        PlaceKind.BORDER_CROSSING,
    ),
    ("AT", "DE"): EvalPlace(
        "freilassing",
        47.826,
        12.985,
        "DE",
        "Europe/Berlin",
        2_000,
        ("Freilassing", "Saalbrücke", "Freilasing"),
        PlaceKind.BORDER_CROSSING,
    ),
    ("DE", "NL"): EvalPlace(
        "bentheim",
        52.300,
        7.030,
        "DE",
        "Europe/Berlin",
        2_000,
        ("Bad Bentheim", "Oldenzaal", "Bentheim"),
        PlaceKind.BORDER_CROSSING,
    ),
    ("TR", "GR"): EvalPlace(
        "mytilene_port",
        39.100,
        26.560,
        "GR",
        "Europe/Athens",
        3_000,
        ("Mytilene harbour", "Lesbos", "Lesvos"),
        PlaceKind.BORDER_CROSSING,
    ),
}

# Corridors: stops in the order travelled (a journey is a run of consecutive stops of one corridor).
CORRIDORS: tuple[tuple[str, ...], ...] = (
    ("aleppo", "gaziantep", "istanbul", "edirne", "plovdiv", "sofia", "nis", "belgrade", "subotica", "szeged",
     "budapest", "vienna", "salzburg", "munich", "hanover", "terapel"),
    ("aleppo", "gaziantep", "izmir", "mytilene", "athens", "thessaloniki", "skopje", "nis", "belgrade",
     "subotica", "szeged", "budapest", "vienna", "salzburg", "munich", "hanover", "terapel"),
)  # fmt: skip

# Places no journey visits, for false claims off the route.
OFF_ROUTE: tuple[EvalPlace, ...] = (
    _p("rome", 41.903, 12.496, "IT", "Europe/Rome", 15, "Rome", "Rome", "Roma"),
    _p("milan", 45.464, 9.190, "IT", "Europe/Rome", 12, "Milan", "Milaan", "Milano"),
    _p("paris", 48.857, 2.352, "FR", "Europe/Paris", 15, "Paris", "Parijs", "Pariz"),
    _p("warsaw", 52.230, 21.012, "PL", "Europe/Warsaw", 14, "Warsaw", "Warschau", "Warszawa"),
    _p("kyiv", 50.450, 30.523, "UA", "Europe/Kyiv", 15, "Kyiv", "Kiev", "Kyjiv"),
    _p("bucharest", 44.427, 26.103, "RO", "Europe/Bucharest", 13, "Bucharest", "Boekarest", "Bukarest"),
    _p("ankara", 39.934, 32.860, "TR", "Europe/Istanbul", 15, "Ankara", "Angora", "Ankra"),
    _p("beirut", 33.894, 35.502, "LB", "Asia/Beirut", 8, "Beirut", "Beiroet", "Bayrut"),
    _p("baghdad", 33.315, 44.366, "IQ", "Asia/Baghdad", 18, "Baghdad", "Bagdad", "Bagdat"),
    _p("tirana", 41.327, 19.819, "AL", "Europe/Tirane", 8, "Tirana", "Tirana", "Tiranë"),
    _p("prague", 50.076, 14.438, "CZ", "Europe/Prague", 12, "Prague", "Praag", "Praha"),
    _p("zurich", 47.377, 8.540, "CH", "Europe/Zurich", 9, "Zurich", "Zürich", "Zurig"),
    _p("copenhagen", 55.676, 12.568, "DK", "Europe/Copenhagen", 10, "Copenhagen", "Kopenhagen", "København"),
    _p("tbilisi", 41.716, 44.783, "GE", "Asia/Tbilisi", 10, "Tbilisi", "Tbilisi", "Tiflis"),
    _p("amman", 31.955, 35.945, "JO", "Asia/Amman", 12, "Amman", "Amman", "Aman"),
    _p("venice", 45.440, 12.316, "IT", "Europe/Rome", 6, "Venice", "Venetië", "Venezia"),
    _p("krakow", 50.065, 19.945, "PL", "Europe/Warsaw", 9, "Krakow", "Krakau", "Kraków"),
    _p("bratislava", 48.149, 17.107, "SK", "Europe/Bratislava", 8, "Bratislava", "Bratislava", "Pressburg"),
    _p("split", 43.508, 16.440, "HR", "Europe/Zagreb", 6, "Split", "Split", "Spalato"),
    _p("constanta", 44.160, 28.635, "RO", "Europe/Bucharest", 7, "Constanta", "Constanța", "Konstanza"),
)
