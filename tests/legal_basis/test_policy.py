"""The policy is configuration: the shipped default, an organisation's override, and what is refused."""

from __future__ import annotations

import pytest

from extractor.artifacts.spec import DataCategory
from legal_basis.errors import PolicyError
from legal_basis.policy import Evaluation, load_policy


def test_default_policy_requires_consent_for_art_55() -> None:
    policy = load_policy()
    ground = policy.ground("vw2000-55-2-consent")
    assert ground is not None
    assert "55 lid 2" in ground.statute
    assert ground.requires_consent and ground.requires_information_notice and ground.requires_milder_means
    assert DataCategory.MESSAGE_CONTENT not in ground.allowed_categories
    assert policy.full_version.startswith("nl-default@")


def test_organisation_override_adds_a_statutory_power(tmp_path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(
        "policy_id: org\nversion: '7'\ngrounds:\n"
        "  - id: future-statute\n    statute: 'Hypothetical Act art. 1'\n    requires_consent: false\n"
        "    allowed_categories: [location]\n    max_window_days: 365\n"
        "    permitted_evaluations: [identity_nationality]\n"
    )
    policy = load_policy(path)
    assert policy.full_version == "org@7"
    ground = policy.ground("future-statute")
    assert ground is not None and not ground.requires_consent
    assert ground.allowed_categories == frozenset({DataCategory.LOCATION})
    assert ground.permitted_evaluations == frozenset({Evaluation.IDENTITY_NATIONALITY})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("policy_id: x\nversion: '1'\ngrounds: []\n", "defines no legal grounds"),
        (
            "policy_id: x\nversion: '1'\ngrounds:\n  - id: a\n    statute: s\n    requires_consent: true\n"
            "    allowed_categories: [message_content]\n    permitted_evaluations: []\n",
            "never acquires",
        ),
        (
            "policy_id: x\nversion: '1'\ngrounds:\n  - id: a\n    statute: s\n    requires_consent: true\n"
            "    allowed_categories: [dreams]\n    permitted_evaluations: []\n",
            "unknown data category",
        ),
        (
            "policy_id: x\nversion: '1'\ngrounds:\n  - id: a\n    requires_consent: true\n"
            "    permitted_evaluations: []\n",
            "missing required field 'statute'",
        ),
        (
            "version: '1'\ngrounds:\n  - id: a\n    statute: s\n    requires_consent: true\n"
            "    permitted_evaluations: []\n",
            "missing required field 'policy_id'",
        ),
        (
            "policy_id: x\nversion: '1'\ngrounds:\n  - id: a\n    statute: s\n    requires_consent: true\n",
            "missing required field 'permitted_evaluations'",
        ),
        (
            "policy_id: x\nversion: '1'\ngrounds:\n  - id: a\n    statute: s\n    requires_consent: true\n"
            "    permitted_evaluations: [claim_matching]\n",
            "needs route_reconstruction",
        ),
        (
            "policy_id: x\nversion: '1'\ngrounds:\n  - id: a\n    statute: s\n    requires_consent: true\n"
            "    permitted_evaluations: [mind_reading]\n",
            "unknown evaluation",
        ),
        (": : :\n", "not valid YAML"),
    ],
)
def test_bad_policies_are_refused_with_a_clear_message(tmp_path, text: str, message: str) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(text)
    with pytest.raises(PolicyError, match=message):
        load_policy(path)


def test_missing_policy_file(tmp_path) -> None:
    with pytest.raises(PolicyError, match="does not exist"):
        load_policy(tmp_path / "nope.yaml")
