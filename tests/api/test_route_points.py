"""The route's points through the API: versions, GeoJSON and summary without the points; the map's points
by window, box and zoom (overview within budget); the records table paged; bounded parameters."""

from __future__ import annotations

import numpy as np
from sqlalchemy import select

from casework.route_versions import rebuild_route
from casework.state import AppState
from store.location_rows import insert_location_rows
from store.models import CustodyRecord
from store.route_store import POINTS_FORMAT, forget_case
from tests.store.route_builders import journey_points, make_case_with_job, record_rows

N_POINTS = 30_000


def _case_with_route(state: AppState) -> int:
    points = journey_points(N_POINTS, seed=9)
    with state.session_factory.begin() as session:
        case_id, job_id, custody_id = make_case_with_job(session, "V-POINTS-1")
        insert_location_rows(session, record_rows(case_id, job_id, custody_id, points))
    row = rebuild_route(state, case_id)
    assert row is not None and row.points_format == POINTS_FORMAT
    forget_case(case_id)  # the first read decodes from the store
    return case_id


def test_route_points_by_window_zoom_and_page(state: AppState, client_for) -> None:  # type: ignore[no-untyped-def]
    case_id = _case_with_route(state)
    reviewer = client_for("reviewer")
    base = f"/api/v1/cases/{case_id}/route"

    versions = reviewer.get(f"{base}/versions").json()
    assert [v["version"] for v in versions] == [1]
    assert versions[0]["points_format"] == POINTS_FORMAT and versions[0]["records"] == N_POINTS
    summary = reviewer.get(f"{base}/summary").json()
    assert "points" not in summary and summary["statistics"]["points"] == N_POINTS and summary["stays"]
    geojson = reviewer.get(base).json()
    assert geojson["properties"]["records"] == N_POINTS

    # everything at full detail when the budget allows: the page's contract (one column per field)
    full = reviewer.get(f"{base}/points", params={"max_points": 100_000}).json()
    assert full["count"] == full["total"] == N_POINTS and full["simplified"] is False
    columns = full["columns"]
    assert set(columns) >= {
        "record_id",
        "time_s",
        "lat",
        "lon",
        "accuracy_m",
        "fix_kind",
        "flags",
        "time_zone",
    }
    time_s = np.asarray(columns["time_s"])
    assert np.all(np.diff(time_s) >= 0)
    assert None in columns["accuracy_m"] and "received" in columns["observation"]
    assert {"gnss", "wifi", "cell"} == set(columns["fix_kind"])

    # the overview: within budget, every point counted once, every class kept, cited records included
    cited = [columns["record_id"][k] for k in (3, 12_345, N_POINTS - 1)]
    overview = reviewer.get(
        f"{base}/points", params={"max_points": 2_000, "record_ids": ",".join(map(str, cited))}
    )
    assert overview.status_code == 200
    body = overview.json()
    assert body["simplified"] is True and body["count"] <= 2_000 and body["total"] == N_POINTS
    assert sum(body["columns"]["represents"]) >= N_POINTS
    assert set(cited) <= set(body["columns"]["record_id"])
    assert set(body["columns"]["fix_kind"]) == {"gnss", "wifi", "cell"}
    assert "received" in body["columns"]["observation"]
    assert len(overview.content) < 400_000

    # a window at a zoom: only that window's points, more of them than the overview had there
    start, end = float(time_s[10_000]), float(time_s[11_000])
    window = reviewer.get(
        f"{base}/points", params={"start_s": start, "end_s": end, "zoom": 14, "max_points": 2_000}
    ).json()
    window_times = np.asarray(window["columns"]["time_s"])
    assert window["total"] == int(np.count_nonzero((time_s >= start) & (time_s <= end)))
    assert np.all((window_times >= start - 0.001) & (window_times <= end + 0.001))
    overview_times = np.asarray(body["columns"]["time_s"])
    assert window["count"] > np.count_nonzero((overview_times >= start) & (overview_times <= end))

    # a bounding box: only points inside it
    box = {"west": 26.0, "south": 38.5, "east": 27.0, "north": 39.5}
    boxed = reviewer.get(f"{base}/points", params={**box, "max_points": 100_000}).json()
    lat, lon = np.asarray(boxed["columns"]["lat"]), np.asarray(boxed["columns"]["lon"])
    inside = (np.asarray(columns["lat"]) >= 38.5) & (np.asarray(columns["lat"]) <= 39.5)
    inside &= (np.asarray(columns["lon"]) >= 26.0) & (np.asarray(columns["lon"]) <= 27.0)
    assert boxed["total"] == int(np.count_nonzero(inside)) > 0
    assert np.all((lat >= 38.5) & (lat <= 39.5) & (lon >= 26.0) & (lon <= 27.0))

    # dictionary encoding: same values, smaller
    compact = reviewer.get(f"{base}/points", params={"max_points": 100_000, "encoding": "dictionary"})
    fix = compact.json()["columns"]["fix_kind"]
    assert [fix["labels"][c] for c in fix["codes"]] == columns["fix_kind"]

    # the records table: pages in time order add up to every point exactly once
    seen: list[int] = []
    offset: int | None = 0
    while offset is not None:
        page = reviewer.get(f"{base}/points/page", params={"offset": offset, "limit": 5_000}).json()
        assert page["count"] <= 5_000 and page["total"] == N_POINTS
        seen.extend(page["columns"]["record_id"])
        offset = page["next_offset"]
    assert seen == columns["record_id"]
    windowed = reviewer.get(
        f"{base}/points/page", params={"start_s": start, "end_s": end, "offset": 100, "limit": 50}
    ).json()
    assert (
        windowed["columns"]["record_id"]
        == [r for r, t in zip(columns["record_id"], time_s, strict=True) if start <= t <= end][100:150]
    )

    # parameters are bounded
    for params in (
        {"limit": 5_001},
        {"limit": 0},
        {"offset": -1},
        {"max_points": 0},
        {"zoom": 23},
        {"encoding": "xml"},
        {"west": 1.0},
        {"record_ids": "1,x"},
    ):
        path = f"{base}/points/page" if "limit" in params or "offset" in params else f"{base}/points"
        assert reviewer.get(path, params=params).status_code == 422, params


def test_caseworker_needs_release_for_points(state: AppState, client_for) -> None:  # type: ignore[no-untyped-def]
    case_id = _case_with_route(state)
    caseworker = client_for("caseworker")
    for path in ("points", "points/page", "summary", "versions", ""):
        response = caseworker.get(f"/api/v1/cases/{case_id}/route/{path}".rstrip("/"))
        assert response.status_code == 403, path


def test_rebuild_reuses_the_stored_points_and_gives_the_same_route(state: AppState) -> None:
    """A rebuild while the records are unchanged reads the version's columnar points, not the rows; the
    result equals a build from the rows. A new record makes the rebuild read the rows again."""
    import json

    from casework.route_versions import load_point_table, reusable_point_table
    from routing.route import route_to_dict
    from store.models import RouteVersion
    from store.route_store import load_route

    case_id = _case_with_route(state)
    with state.session_factory() as session:
        reused = reusable_point_table(session, state, case_id)
        from_rows = load_point_table(session, case_id)
    assert reused is not None and from_rows is not None
    for name in (
        "time_s",
        "lat",
        "lon",
        "accuracy_m",
        "accuracy_known",
        "fix_kind",
        "time_source",
        "observation",
        "record_id",
        "artifact",
        "altitude_m",
    ):
        assert np.array_equal(getattr(reused, name), getattr(from_rows, name), equal_nan=True), name
    assert reused.artifact_ids == from_rows.artifact_ids
    second = rebuild_route(state, case_id)
    assert second is not None and second.version == 2
    with state.session_factory() as session:
        first_row = session.scalars(select(RouteVersion).where(RouteVersion.version == 1)).one()
        second_row = session.get(RouteVersion, second.id)
        first = route_to_dict(load_route(session, state.evidence, first_row))
        again = route_to_dict(load_route(session, state.evidence, second_row))
    assert json.dumps(first, sort_keys=True) == json.dumps(again, sort_keys=True)

    points = journey_points(1, seed=1)
    with state.session_factory.begin() as session:
        job_id, custody_id = session.execute(
            select(CustodyRecord.job_id, CustodyRecord.id).where(CustodyRecord.case_id == case_id)
        ).one()
        insert_location_rows(session, record_rows(case_id, job_id, custody_id, points))
    with state.session_factory() as session:
        assert reusable_point_table(session, state, case_id) is None  # a new record: read the rows


def test_cached_route_documents_follow_the_version_and_every_read_is_audited(  # type: ignore[no-untyped-def]
    state: AppState, client_for
) -> None:
    """The summary and GeoJSON answers are kept serialised per version (issue 18): a repeated read gives the
    same bytes and still writes its audit entry, a new version is not answered from the old one's cache,
    and a reader the case's grounds refuse gets 403 even when the answer is cached."""
    from sqlalchemy import func

    from store.models import AuditEntry

    case_id = _case_with_route(state)
    reviewer = client_for("reviewer")
    base = f"/api/v1/cases/{case_id}/route"

    def reads() -> int:
        with state.session_factory() as session:
            return int(
                session.scalar(
                    select(func.count())
                    .select_from(AuditEntry)
                    .where(
                        AuditEntry.case_id == case_id,
                        AuditEntry.action.in_(("route.read", "route.summary.read")),
                    )
                )
                or 0
            )

    before = reads()
    first = [reviewer.get(f"{base}/summary"), reviewer.get(base)]
    again = [reviewer.get(f"{base}/summary"), reviewer.get(base)]
    assert all(r.status_code == 200 for r in first + again)
    assert [r.content for r in first] == [r.content for r in again]
    assert reads() - before == 4  # a cached answer is still an audited read
    assert first[0].json()["version"] == 1 and first[1].json()["properties"]["version"] == 1

    second = rebuild_route(state, case_id)
    assert second is not None and second.version == 2
    latest = reviewer.get(f"{base}/summary").json()
    assert latest["version"] == 2 and reviewer.get(base).json()["properties"]["version"] == 2
    assert reviewer.get(f"{base}/summary", params={"version": 1}).content == first[0].content

    caseworker = client_for("caseworker")  # no released findings: refused, cache or not
    assert caseworker.get(f"{base}/summary").status_code == 403
    assert caseworker.get(base).status_code == 403


def test_cached_points_answers_differ_per_question_and_every_read_is_audited(  # type: ignore[no-untyped-def]
    state: AppState, client_for
) -> None:
    """The map's points are kept per version and per question (issue 18): the same question gets the same
    bytes and an audit entry with the counts each time; another window, zoom or pin is another answer; a
    new version is not answered from the old one's cache; a refused reader gets 403 with the answer cached."""

    from store.models import AuditEntry

    case_id = _case_with_route(state)
    reviewer = client_for("reviewer")
    base = f"/api/v1/cases/{case_id}/route/points"

    def audited() -> list[dict]:  # type: ignore[type-arg]
        with state.session_factory() as session:
            return [
                dict(details)
                for details in session.scalars(
                    select(AuditEntry.details)
                    .where(AuditEntry.case_id == case_id, AuditEntry.action == "route.points.read")
                    .order_by(AuditEntry.seq)
                )
            ]

    overview, again = reviewer.get(base), reviewer.get(base)
    assert overview.status_code == again.status_code == 200 and overview.content == again.content
    first = overview.json()
    assert first["simplified"] is True and first["total"] == N_POINTS
    entries = audited()
    assert len(entries) == 2 and entries[0] == entries[1]
    assert entries[0]["points"] == first["count"] and entries[0]["of"] == N_POINTS

    start = float(first["columns"]["time_s"][0])
    window = reviewer.get(base, params={"start_s": start, "end_s": start + 3600, "zoom": 14}).json()
    assert window["count"] < first["count"] and window["total"] < N_POINTS
    shown = set(first["columns"]["record_id"])
    every = reviewer.get(base, params={"max_points": 100_000}).json()["columns"]["record_id"]
    pinned_id = next(i for i in every if i not in shown)  # a record the overview left out
    pinned = reviewer.get(base, params={"record_ids": str(pinned_id)}).json()
    assert pinned_id in pinned["columns"]["record_id"] and pinned_id not in first["columns"]["record_id"]
    assert (
        reviewer.get(base, params={"record_ids": f"{pinned_id},{pinned_id}"}).content
        == reviewer.get(base, params={"record_ids": str(pinned_id)}).content
    )
    assert [e["window"] for e in audited()[2:5]] == [[start, start + 3600], [None, None], [None, None]]

    second = rebuild_route(state, case_id)
    assert second is not None and second.version == 2
    assert reviewer.get(base).json()["version"] == 2
    assert reviewer.get(base, params={"version": 1}).content == overview.content
    assert client_for("caseworker").get(base).status_code == 403  # not released: refused, cache or not


def test_reading_the_summary_warms_the_overview_without_an_audited_read(  # type: ignore[no-untyped-def]
    state: AppState, client_for
) -> None:
    """The case page reads the summary, then the overview: the summary read starts building the overview in
    the background (issue 18), so the first overview request finds it built. Warming returns nothing to
    anyone and writes no read entry; the overview request itself is audited as always."""
    import threading
    import time

    from api.web.route_points import OVERVIEW
    from store.models import AuditEntry, RouteVersion
    from store.route_store import cached_answer

    case_id = _case_with_route(state)
    reviewer = client_for("reviewer")
    assert reviewer.get(f"/api/v1/cases/{case_id}/route/summary").status_code == 200
    deadline = time.monotonic() + 60
    while any(t.name.startswith("warm-overview-") for t in threading.enumerate()):
        assert time.monotonic() < deadline, "the warm-up did not finish"
        time.sleep(0.05)

    def must_not_build() -> tuple[bytes, dict]:  # type: ignore[type-arg]
        raise AssertionError("the overview was not built by the warm-up")

    with state.session_factory() as session:
        row = session.scalars(select(RouteVersion).where(RouteVersion.case_id == case_id)).one()
        warmed, facts = cached_answer(session, row, OVERVIEW.key(), must_not_build)
        reads = session.scalars(
            select(AuditEntry.action).where(
                AuditEntry.case_id == case_id, AuditEntry.action == "route.points.read"
            )
        ).all()
    assert reads == []  # warming is not a read
    overview = reviewer.get(f"/api/v1/cases/{case_id}/route/points")
    assert overview.status_code == 200 and overview.content == warmed
    assert facts["of"] == N_POINTS
    with state.session_factory() as session:
        assert session.scalar(
            select(AuditEntry.details).where(
                AuditEntry.case_id == case_id, AuditEntry.action == "route.points.read"
            )
        ) == {**facts, "window": [None, None]}
