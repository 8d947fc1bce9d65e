"""The compliance view's own sentences exist in English and Dutch, and every one it uses is defined."""

from __future__ import annotations

import re
from pathlib import Path

import catalogue

VIEW = Path(__file__).resolve().parents[2] / "api" / "web" / "static" / "js" / "views" / "compliance.js"


def dictionary(source: str, language: str) -> set[str]:
    block = re.search(rf"^  {language}: \{{\n(.*?)^  \}},", source, flags=re.M | re.S)
    assert block, f"no {language} dictionary in compliance.js"
    return set(re.findall(r"^    ([a-z0-9_]+):", block.group(1), flags=re.M))


def test_every_word_of_the_view_in_both_languages() -> None:
    source = VIEW.read_text(encoding="utf-8")
    english, dutch = dictionary(source, "en"), dictionary(source, "nl")
    assert english == dutch, {"only English": english - dutch, "only Dutch": dutch - english}
    used = set(re.findall(r"\bw\(\"([a-z0-9_]+)\"", source))
    assert used and used <= english, used - english
    # words built from API values: table and column codes of the statistics, bases of the retention watch
    dynamic = {f"basis_{b}" for b in ("policy_ground", "retention_until", "withdrawn_consent")}
    dynamic |= {f"outcome_{o}" for o in ("given", "refused", "withdrawn")}
    dynamic |= {f"deletion_{d}" for d in ("deleted_on_time", "deleted_late")}
    assert dynamic <= english, dynamic - english
    # the view never spells a catalogue word itself (actions come from the catalogue)
    for item in catalogue.group("audit_action").values():
        assert f'"{item.en}"' not in source and f'"{item.nl}"' not in source, item.code


def test_statistics_tables_and_columns_have_words(state) -> None:  # type: ignore[no-untyped-def]
    from datetime import timedelta

    from casework.compliance.statistics import period_statistics
    from store.types import utcnow

    source = VIEW.read_text(encoding="utf-8")
    english = dictionary(source, "en")
    with state.session_factory() as session:
        result = period_statistics(session, state.policy, since=utcnow() - timedelta(days=1), until=utcnow())
    for table in result.tables:
        assert f"table_{table.code}" in english
        assert {f"col_{c}" for c in table.columns} <= english, table.code
