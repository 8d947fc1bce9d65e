"""The records table and the exports of a released case (issue 14), through the HTTP API.

Every record paged through once (no record twice, none missing, time order), the filters (artifact,
accuracy, own/received, window, a claim's place at/away), the custody columns against the custody table,
local time beside UTC; records as CSV, GeoJSON and KML and the finding set as CSV, each an audit entry;
bad filters answered with 4xx; caseworkers see nothing before release (the module's case is released).
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from xml.etree import ElementTree

from sqlalchemy import select

import catalogue
from store.db import unit_of_work
from store.models import AuditEntry, CustodyRecord, LocationRow
from tests.reports.conftest import ReleasedCase


def _all_pages(client, case_id: int, limit: int, **params) -> tuple[list[dict], int]:  # type: ignore[no-untyped-def]
    rows: list[dict] = []
    offset: int | None = 0
    total = -1
    while offset is not None:
        response = client.get(
            f"/api/v1/cases/{case_id}/records", params={**params, "offset": offset, "limit": limit}
        )
        assert response.status_code == 200, response.text
        body = response.json()
        total = body["total"]
        rows.extend(body["rows"])
        offset = body["next_offset"]
    return rows, total


def test_the_records_table_pages_through_every_record(released_case: ReleasedCase) -> None:
    case, caseworker = released_case, released_case.clients["caseworker"]
    rows, total = _all_pages(caseworker, case.case_id, limit=700)
    with unit_of_work(case.state.session_factory) as session:
        stored = session.execute(
            select(LocationRow.id, CustodyRecord.device_path, CustodyRecord.sha256_acquired)
            .join(CustodyRecord, CustodyRecord.id == LocationRow.custody_id)
            .where(LocationRow.case_id == case.case_id)
        ).all()
    assert total == len(stored) == len(rows) > 1000
    ids = [r["record_id"] for r in rows]
    assert len(set(ids)) == len(ids) and set(ids) == {s[0] for s in stored}
    assert [r["time_utc"] for r in rows] == sorted(r["time_utc"] for r in rows)
    custody = {s[0]: (s[1], s[2]) for s in stored}
    for row in rows[:: max(1, len(rows) // 50)]:
        assert (row["device_path"], row["item_sha256"]) == custody[row["record_id"]]
        # a file's device path, or the command a content-provider item was read with (MediaStore rows)
        assert len(row["item_sha256"]) == 64 and row["device_path"].startswith(("/", "cmd:"))
    # local time beside UTC: the same instant in the record's zone
    zoned = next(r for r in rows if r["time_zone"] and r["time_zone"] != "UTC")
    assert datetime.fromisoformat(zoned["time_local"]) == datetime.fromisoformat(zoned["time_utc"])
    assert datetime.fromisoformat(zoned["time_local"]).utcoffset() is not None
    assert zoned["time_local"][:19] != zoned["time_utc"][:19]


def test_filters_and_the_page_that_holds_a_record(released_case: ReleasedCase) -> None:
    case, reviewer = released_case, released_case.clients["reviewer"]
    base = f"/api/v1/cases/{case.case_id}/records"
    body = reviewer.get(base, params={"limit": 1}).json()
    artifacts = {a["artifact_id"]: a["records"] for a in body["artifacts"]}
    assert len(artifacts) >= 2 and sum(artifacts.values()) == body["total"]
    for artifact, count in artifacts.items():
        page = reviewer.get(base, params={"artifact": artifact, "limit": 50}).json()
        assert page["total"] == count and {r["artifact_id"] for r in page["rows"]} == {artifact}
    two = list(artifacts)[:2]
    both = reviewer.get(base, params={"artifact": two, "limit": 1}).json()
    assert both["total"] == artifacts[two[0]] + artifacts[two[1]]

    own, _ = _all_pages(reviewer, case.case_id, 2000, observation="own")
    received, _ = _all_pages(reviewer, case.case_id, 2000, observation="received")
    assert received and {r["observation"] for r in received} == {"received"}
    assert len(own) + len(received) == body["total"] and "received" not in {r["observation"] for r in own}

    precise, _ = _all_pages(reviewer, case.case_id, 2000, max_accuracy_m=50)
    assert precise and all(r["accuracy_m"] is not None and r["accuracy_m"] <= 50 for r in precise)
    assert len(precise) < body["total"]

    assert len(own) > 100
    start, end = own[len(own) // 4]["time_utc"], own[len(own) // 2]["time_utc"]
    start_s = datetime.fromisoformat(start).timestamp()
    end_s = datetime.fromisoformat(end).timestamp()
    window, _ = _all_pages(reviewer, case.case_id, 2000, start_s=start_s, end_s=end_s)
    assert window[0]["time_utc"] >= start and window[-1]["time_utc"] <= end
    assert len(own) // 4 <= len(window) < body["total"]

    # open the table at one record: the page that holds it
    target = own[len(own) // 3]["record_id"]
    page = reviewer.get(base, params={"record_id": target, "limit": 100}).json()
    assert target in [r["record_id"] for r in page["rows"]] and page["offset"] % 100 == 0

    # a claim's place: distances and at/away add up; "at" rows are within extent + factor × accuracy
    claim_id = case.claim_ids[0]
    at = reviewer.get(base, params={"claim_id": claim_id, "side": "at", "claim_window": True, "limit": 2000})
    away = reviewer.get(base, params={"claim_id": claim_id, "side": "away", "claim_window": True, "limit": 1})
    every = reviewer.get(base, params={"claim_id": claim_id, "claim_window": True, "limit": 2000})
    assert at.status_code == away.status_code == every.status_code == 200, at.text
    usable = [r for r in every.json()["rows"] if r["set_aside"] == 0]  # at/away: the records a finding judges
    assert every.json()["total"] <= 2000
    assert at.json()["total"] + away.json()["total"] == len(usable)
    assert at.json()["total"] == sum(1 for r in usable if r["at_place"])
    assert all(r["at_place"] is True and r["distance_m"] is not None for r in at.json()["rows"])

    # bad filters: 4xx with a message, never a 500
    for params in ({"side": "at"}, {"observation": "theirs"}, {"limit": 0}, {"max_accuracy_m": -1}):
        response = reviewer.get(base, params=params)
        assert 400 <= response.status_code < 500 and response.json().get("detail"), (params, response.text)
    assert reviewer.get(base, params={"record_id": 10**12}).status_code == 404
    assert reviewer.get(base, params={"claim_id": 10**9}).status_code == 404


def _audited(case: ReleasedCase, action: str) -> list[AuditEntry]:
    with unit_of_work(case.state.session_factory) as session:
        entries = list(
            session.scalars(
                select(AuditEntry).where(AuditEntry.action == action, AuditEntry.case_id == case.case_id)
            )
        )
        session.expunge_all()
    return entries


def test_records_and_findings_export_and_each_export_is_audited(released_case: ReleasedCase) -> None:
    case, caseworker = released_case, released_case.clients["caseworker"]
    base = f"/api/v1/cases/{case.case_id}"
    total = caseworker.get(f"{base}/records", params={"limit": 1}).json()["total"]
    before = len(_audited(case, "records.export"))

    response = caseworker.get(f"{base}/records/export", params={"format": "csv"})
    assert response.status_code == 200, response.text
    assert "attachment" in response.headers["content-disposition"]
    table = list(csv.DictReader(io.StringIO(response.text)))
    assert len(table) == total
    assert {"time_utc", "time_local", "device_path", "item_sha256", "accuracy_m"} <= set(table[0])

    geo = caseworker.get(f"{base}/records/export", params={"format": "geojson", "observation": "received"})
    assert geo.status_code == 200 and geo.headers["content-type"].startswith("application/geo+json")
    features = json.loads(geo.content)["features"]
    assert features and all(f["properties"]["observation"] == "received" for f in features)
    lon, lat = features[0]["geometry"]["coordinates"]
    assert -180 <= lon <= 180 and -90 <= lat <= 90

    kml = caseworker.get(f"{base}/records/export", params={"format": "kml", "max_accuracy_m": 50})
    assert kml.status_code == 200
    placemarks = ElementTree.fromstring(kml.content).findall(".//{http://www.opengis.net/kml/2.2}Placemark")
    precise = caseworker.get(f"{base}/records", params={"limit": 1, "max_accuracy_m": 50}).json()["total"]
    assert len(placemarks) == precise > 0

    entries = _audited(case, "records.export")
    assert len(entries) == before + 3
    assert [e.details["format"] for e in entries[-3:]] == ["csv", "geojson", "kml"]
    assert entries[-3].details["records"] == total and entries[-1].details["max_accuracy_m"] == 50
    assert caseworker.get(f"{base}/records/export", params={"format": "shp"}).status_code == 422

    findings = caseworker.get(f"{base}/findings/export", params={"language": "nl"})
    assert findings.status_code == 200, findings.text
    rows = list(csv.DictReader(io.StringIO(findings.text)))
    assert {int(r["claim_id"]) for r in rows} == set(case.statuses)
    for row in rows:
        assert row["status"] == catalogue.label("finding_status", row["status_code"], "nl")
        assert case.statuses[int(row["claim_id"])] == row["status_code"]
    exported = _audited(case, "findings.export")
    assert exported and exported[-1].object_id == str(case.released_set_id)
