"""Web hygiene (issue 13, finding 8): docs without a CDN, headers on case data, no applicant words in logs."""

from __future__ import annotations

import logging
import re

from api.hygiene import redact_access_log


def test_api_docs_load_from_the_apps_own_files(anonymous) -> None:  # type: ignore[no-untyped-def]
    for path in ("/docs", "/redoc"):
        page = anonymous.get(path)
        assert page.status_code == 200
        assert "cdn" not in page.text.lower() and "googleapis" not in page.text
        assets = re.findall(r'(?:src|href)="(/static/vendor/[^"]+)"', page.text)
        assert assets, page.text
        for asset in assets:
            response = anonymous.get(asset)
            assert response.status_code == 200 and len(response.content) > 10_000, asset


def test_case_data_is_never_cached_and_never_framed(client_for) -> None:  # type: ignore[no-untyped-def]
    intake = client_for("intake")
    response = intake.get("/api/v1/cases")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    page = intake.get("/")
    assert page.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]


def test_the_access_log_keeps_no_query_strings() -> None:
    redact_access_log()
    logger = logging.getLogger("uvicorn.access")
    record = logger.makeRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/api/v1/gazetteer?q=Halab", "1.1", 200),
        None,
    )
    for log_filter in logger.filters:
        log_filter.filter(record)
    message = record.getMessage()
    assert "Halab" not in message and "/api/v1/gazetteer?[redacted]" in message
