"""The versioned policy of legal grounds and their conditions. Configuration, not code (LEGAL.md)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from extractor.artifacts.spec import NEVER_ACQUIRABLE, DataCategory
from legal_basis.errors import PolicyError

DEFAULT_POLICY_FILE = Path(__file__).parent / "policies" / "default.yaml"


class Evaluation(enum.StrEnum):
    """What a legal ground permits the acquired data to be evaluated for (LEGAL 21)."""

    IDENTITY_NATIONALITY = "identity_nationality"  # device identity, the countries the records fall in
    ROUTE_RECONSTRUCTION = "route_reconstruction"  # the route: stays, legs, crossings, the map
    CLAIM_MATCHING = "claim_matching"  # comparing the applicant's claims with the route


@dataclass(frozen=True, slots=True)
class LegalGround:
    id: str
    statute: str
    title_en: str
    title_nl: str
    rationale: str
    requires_consent: bool
    requires_information_notice: bool
    requires_milder_means: bool
    allowed_categories: frozenset[DataCategory]
    max_window_days: int
    max_validity_days: int
    retention_days: int
    permitted_evaluations: frozenset[Evaluation]
    # roles that may see the results of an evaluation under this ground (empty: every role the app allows)
    evaluator_roles: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class ReadReason:
    """A reason code for reading a case's data outside its own workflow (audit, complaint, court order…)."""

    code: str
    en: str
    nl: str


@dataclass(frozen=True, slots=True)
class Policy:
    policy_id: str
    version: str
    title_en: str
    title_nl: str
    information_notice_version: str
    retention_days_default: int
    grounds: tuple[LegalGround, ...]
    source_file: str
    read_reasons: tuple[ReadReason, ...] = ()

    @property
    def full_version(self) -> str:
        return f"{self.policy_id}@{self.version}"

    def ground(self, ground_id: str) -> LegalGround | None:
        return next((g for g in self.grounds if g.id == ground_id), None)


def _require(raw: dict[str, object], key: str, path: Path) -> object:
    if key not in raw:
        raise PolicyError(f"policy {path}: missing required field {key!r}")
    return raw[key]


def load_policy(path: Path | None = None) -> Policy:
    path = Path(path) if path else DEFAULT_POLICY_FILE
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise PolicyError(f"policy file {path} does not exist") from exc
    except yaml.YAMLError as exc:
        raise PolicyError(f"policy file {path} is not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise PolicyError(f"policy file {path} must hold a mapping")
    grounds = []
    seen: set[str] = set()
    raw_grounds = _require(raw, "grounds", path) or []
    if not isinstance(raw_grounds, list):
        raise PolicyError(f"policy {path}: 'grounds' must be a list")
    for item in raw_grounds:
        if not isinstance(item, dict):
            raise PolicyError(f"policy {path}: each ground must be a mapping")
        ground_id = str(_require(item, "id", path))
        if ground_id in seen:
            raise PolicyError(f"policy {path}: ground {ground_id!r} appears twice")
        seen.add(ground_id)
        try:
            categories = frozenset(DataCategory(c) for c in item.get("allowed_categories", []))
        except ValueError as exc:
            raise PolicyError(f"policy {path}: ground {ground_id}: unknown data category: {exc}") from exc
        raw_evaluations = _require(item, "permitted_evaluations", path)
        if not isinstance(raw_evaluations, list):
            raise PolicyError(f"policy {path}: ground {ground_id}: 'permitted_evaluations' must be a list")
        try:
            evaluations = frozenset(Evaluation(e) for e in raw_evaluations)
        except ValueError as exc:
            raise PolicyError(
                f"policy {path}: ground {ground_id}: unknown evaluation ({exc}); choose from "
                f"{', '.join(e.value for e in Evaluation)}"
            ) from exc
        if Evaluation.CLAIM_MATCHING in evaluations and Evaluation.ROUTE_RECONSTRUCTION not in evaluations:
            raise PolicyError(
                f"policy {path}: ground {ground_id}: claim matching compares claims with the route, so it "
                "needs route_reconstruction too"
            )
        forbidden = categories & NEVER_ACQUIRABLE
        if forbidden:
            raise PolicyError(
                f"policy {path}: ground {ground_id} allows {sorted(forbidden)}, which reisroute never acquires"
            )
        grounds.append(
            LegalGround(
                id=ground_id,
                statute=str(_require(item, "statute", path)),
                title_en=str(item.get("title_en", ground_id)),
                title_nl=str(item.get("title_nl", ground_id)),
                rationale=str(item.get("rationale", "")).strip(),
                requires_consent=bool(_require(item, "requires_consent", path)),
                requires_information_notice=bool(item.get("requires_information_notice", True)),
                requires_milder_means=bool(item.get("requires_milder_means", True)),
                allowed_categories=categories,
                max_window_days=int(item.get("max_window_days", 365)),
                max_validity_days=int(item.get("max_validity_days", 30)),
                retention_days=int(item.get("retention_days") or raw.get("retention_days_default") or 365),
                permitted_evaluations=evaluations,
                evaluator_roles=frozenset(str(r) for r in item.get("evaluator_roles") or ()),
            )
        )
    if not grounds:
        raise PolicyError(f"policy {path} defines no legal grounds")
    read_reasons = []
    for item in raw.get("read_reasons") or []:
        if not isinstance(item, dict) or not item.get("code") or not item.get("en") or not item.get("nl"):
            raise PolicyError(f"policy {path}: each read reason needs a code, 'en' and 'nl'")
        read_reasons.append(ReadReason(code=str(item["code"]), en=str(item["en"]), nl=str(item["nl"])))
    return Policy(
        policy_id=str(_require(raw, "policy_id", path)),
        version=str(_require(raw, "version", path)),
        title_en=str(raw.get("title_en", "")),
        title_nl=str(raw.get("title_nl", "")),
        information_notice_version=str(raw.get("information_notice_version", "notice")),
        retention_days_default=int(raw.get("retention_days_default", 365)),
        grounds=tuple(grounds),
        source_file=str(path),
        read_reasons=tuple(read_reasons),
    )


@lru_cache(maxsize=8)
def cached_policy(path: str | None) -> Policy:
    return load_policy(Path(path) if path else None)
