"""One bad claim never blocks the rest (issue 16): malformed claims the schema allows are refused with 422
naming the field, or accepted and then listed as *not judged* with their reason; POST /match never 500."""

from __future__ import annotations

import pytest

from tests.legal_basis.helpers import new_case

VALID = {"kind": "passed_through", "place_text": "Halab", "time_text": "12 maart 2016"}

# Refused when entered: (body, field named in the 422)
REFUSED = [
    ({"kind": "crossed_border", "place_text": "Röszke", "time_text": "14 September 2015"}, "from_country"),
    (
        {
            "kind": "crossed_border",
            "place_text": "Röszke",
            "time_text": "14 September 2015",
            "from_country": "RS",
        },
        "to_country",
    ),
    (
        {
            "kind": "crossed_border",
            "place_text": "Röszke",
            "time_text": "14 September 2015",
            "to_country": "HU",
        },
        "from_country",
    ),
    (
        {
            "kind": "crossed_border",
            "place_text": "Röszke",
            "time_text": "14 September 2015",
            "from_country": "RS",
            "to_country": "rs",
        },
        "to_country",
    ),
    (
        {
            "kind": "crossed_border",
            "place_text": "Röszke",
            "time_text": "14 September 2015",
            "from_country": "Serbia",
            "to_country": "HU",
        },
        "from_country",
    ),
    ({**VALID, "from_country": "SY"}, "from_country"),
    ({**VALID, "kind": "stayed", "to_country": "TR"}, "to_country"),
    ({**VALID, "kind": "arrived", "from_country": "SY", "to_country": "TR"}, "from_country"),
    ({**VALID, "time_text": "from 17 to 3 March 2016"}, "time_text"),
    ({**VALID, "time_text": "van 17 tot 3 maart 2016"}, "time_text"),
]

# Out of the bounded ranges (issue 13: every integer in a body is bounded): refused with 422, never 500.
OUT_OF_RANGE = [
    {**VALID, "time_text": "10 May", "reference_year": 99_999},  # absurd reference year
    {**VALID, "time_text": "10 May", "reference_year": -5},
    {**VALID, "position": -7},
]

# Accepted, then not judged (with a reason) — or judged; never an error for the case.
ACCEPTED = [
    {**VALID, "place_text": "Xqzvyxq Wzzkrt"},  # the gazetteer finds nothing
    {**VALID, "time_text": "two weeks after Eid"},  # relative
    {**VALID, "time_text": "10 May"},  # no year, no reference year
    {**VALID, "time_text": "the thirty-second of Smarch"},
    {**VALID, "place_text": "0, 0"},  # coordinates at sea
    {**VALID, "place_text": "36.2, 37.15"},
    {**VALID, "place_text": "x" * 5_000},
    {**VALID, "place_text": "حلب"},
    {
        "kind": "crossed_border",
        "place_text": "Hungary",
        "time_text": "September 2015",
        "from_country": "rs",
        "to_country": "hu",
    },
    {
        "kind": "crossed_border",
        "place_text": "Röszke",
        "time_text": "2015",
        "from_country": "XX",
        "to_country": "QQ",
    },
    {**VALID, "kind": "stayed", "time_text": "from 3 to 17 March 2016"},
    VALID,
]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_every_malformed_claim_is_refused_by_field_or_not_judged_and_match_never_500(client_for) -> None:
    intake, caseworker, reviewer = client_for("intake"), client_for("caseworker"), client_for("reviewer")
    case_id, _device = new_case(intake, "V-MALFORMED")
    for body, field in REFUSED:
        response = caseworker.post(f"/api/v1/cases/{case_id}/claims", json=body)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["field"] == field, (body, response.json())
        assert response.json()["detail_nl"], response.json()
    for body in OUT_OF_RANGE:
        response = caseworker.post(f"/api/v1/cases/{case_id}/claims", json=body)
        assert response.status_code == 422, (body, response.text)
    accepted = []
    for body in ACCEPTED:
        response = caseworker.post(f"/api/v1/cases/{case_id}/claims", json=body)
        assert response.status_code < 500, (body, response.text)
        if response.status_code == 201:
            accepted.append((response.json()["id"], body))
    assert len(accepted) >= len(ACCEPTED) - 2  # at most the odd coordinates are refused (4xx), never 500

    # an unknown confirmed place id: refused (4xx), not 500
    response = caseworker.post(f"/api/v1/cases/{case_id}/claims", json={**VALID, "place_id": "geonames:-1"})
    assert 400 <= response.status_code < 500, response.text
    # editing a valid claim into an invalid one is refused the same way
    claim_id = accepted[-1][0]
    response = caseworker.put(
        f"/api/v1/cases/{case_id}/claims/{claim_id}", json={**VALID, "from_country": "SY", "to_country": "SY"}
    )
    assert response.status_code == 422 and response.json()["field"] == "from_country", response.text

    response = caseworker.post(f"/api/v1/cases/{case_id}/match")
    assert response.status_code == 200, response.text
    findings = reviewer.get(f"/api/v1/cases/{case_id}/findings").json()["findings"]
    by_claim = {finding["claim_id"]: finding for finding in findings}
    # every claim is in the finding set: none silently left out
    assert set(by_claim) == {claim_id for claim_id, _ in accepted}
    statuses = {claim_id: by_claim[claim_id]["status"] for claim_id, _ in accepted}
    reasons = [
        by_claim[claim_id]["not_judged_reason_en"]
        for claim_id, _ in accepted
        if statuses[claim_id] == "not_judged"
    ]
    assert any("not found" in reason for reason in reasons), reasons
    assert any("Relative times" in reason for reason in reasons), reasons
    assert any("No year" in reason for reason in reasons), reasons
    for claim_id, _body in accepted:
        finding = by_claim[claim_id]
        assert finding["status"] in ("not_judged", "no_data"), finding  # no records in this case
        assert finding["explanation_en"] and finding["explanation_nl"]
        if finding["status"] == "not_judged":
            assert finding["not_judged_reason_nl"]
