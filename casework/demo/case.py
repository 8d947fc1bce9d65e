"""The demo: simulated phones, one complete case and one waiting for approval.

Case V-DEMO-0001: an approved authorisation with consent and notice, an extraction from the simulated
Android phone (a multi-country journey with photos and a Timeline export), the route, a dozen claims whose
findings cover every status, released by the demo legal reviewer. Case V-DEMO-0002 waits for approval.
Seeding is idempotent: an existing demo case is left as it is.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from casework.jobs.worker import JobWorker
from casework.state import AppState
from legal_basis import services
from legal_basis.roles import Role
from legal_basis.services import Actor
from store.db import unit_of_work
from store.models import Case, ExtractionJob, FindingRow, User

DEMO_REFERENCE = "V-DEMO-0001"
WAITING_REFERENCE = "V-DEMO-0002"
GROUND = "vw2000-55-2-consent"

# (kind, place as said, time as said) — in the applicant's words, Dutch and English mixed on purpose.
DEMO_CLAIMS: tuple[tuple[str, str, str], ...] = (
    ("departed", "Halab", "maart 2024"),
    ("stayed", "Gaziantep", "from 20 March to 10 April 2024"),
    ("passed_through", "Izmir", "eind april 2024"),
    ("arrived", "Midilli", "6 May 2024"),
    ("stayed", "Athene", "van 25 tot 31 mei 2024"),
    ("passed_through", "Idomeni", "June 2024"),
    ("passed_through", "Röszke", "rond 26 juni 2024"),
    ("stayed", "Wenen", "begin juli 2024"),
    ("arrived", "Ter Apel", "July 2024"),
    ("stayed", "Damascus", "2023"),
    ("stayed", "Edirne", "11 March 2024"),
    ("stayed", "Istanbul", "from 1 to 10 June 2024"),
    ("passed_through", "Sofia", "two weeks after Eid"),
)


def _actor(state: AppState, username: str, role: Role) -> Actor:
    with state.session_factory() as session:
        user = session.scalar(select(User).where(User.username == username))
        assert user is not None, f"demo user {username} missing"
        return Actor(user_id=user.id, username=username, role=role)


def start_demo_simulators(state: AppState) -> dict[str, object]:
    """Start the simulated Android phone (loopback TCP) and iPhone (usbmuxd socket) for this process."""
    from casework.demo.phones import demo_phone
    from extractor.simulator.adb_server import start_adb_simulator

    demo_dir = Path(state.settings.data_dir) / "demo"
    running = state.extras.setdefault("simulators", {})
    if "android" not in running:
        phone_root = demo_phone(demo_dir / "android-phone")
        running["android"] = start_adb_simulator(phone_root, port=0)
        running["android_root"] = phone_root
    if "iphone" not in running:
        try:
            from extractor.simulator.ios_phone_builder import build_iphone_media
            from extractor.simulator.iphone import start_iphone_simulator

            media = demo_dir / "iphone-media"
            if not (media / "DCIM").exists():
                build_iphone_media(media)
            socket_path = demo_dir / "usbmuxd.sock"
            socket_path.unlink(missing_ok=True)
            running["iphone"] = start_iphone_simulator(media, socket_path)
        except OSError as exc:  # a unix socket path too long, etc.: the Android demo still works
            running["iphone_error"] = str(exc)
    return running


def seed_demo_cases(state: AppState) -> Iterator[str]:
    import json

    running = start_demo_simulators(state)
    android = running["android"]
    truth = json.loads((Path(running["android_root"]) / "ground_truth.json").read_text())  # type: ignore[arg-type]
    yield f"simulated Android phone: adb on 127.0.0.1:{android.port}"  # type: ignore[attr-defined]
    if "iphone" in running:
        iphone: Any = running["iphone"]
        yield f"simulated iPhone {iphone.udid}: usbmuxd socket {iphone.socket_path}"
    with state.session_factory() as session:
        exists = session.scalar(select(Case.id).where(Case.reference == DEMO_REFERENCE))
    if exists is not None:
        yield f"demo case {DEMO_REFERENCE} already present (case {exists})"
        return

    intake = _actor(state, "intake", Role.INTAKE_OFFICER)
    authoriser = _actor(state, "authoriser", Role.AUTHORISING_OFFICIAL)
    caseworker = _actor(state, "caseworker", Role.CASEWORKER)
    reviewer = _actor(state, "reviewer", Role.LEGAL_REVIEWER)
    now = datetime.now(UTC)
    properties = dict(truth.get("properties", {}))
    serial = truth.get("serial") or properties.get("ro.serialno")
    with unit_of_work(state.session_factory) as session:
        case = services.create_case(
            session, intake, reference=DEMO_REFERENCE, title="Demo: route Aleppo – Ter Apel"
        )
        device = services.register_device(
            session,
            intake,
            case.id,
            platform="android",
            make=truth.get("make", ""),
            model=truth.get("model", ""),
            serial=serial,
            seal_number="BAG-DEMO-001",
            notes="Simulated phone (demo)",
        )
        authorisation = services.request_authorisation(
            session,
            intake,
            state.policy,
            case.id,
            device_id=device.id,
            ground_id=GROUND,
            purpose="Establish the travel route stated in the asylum account",
            necessity="No travel documents; the route cannot otherwise be established",
            milder_means=[
                {
                    "means": "Applicant asked for travel documents and tickets",
                    "tried_at": "2024-07-21",
                    "result": "None available",
                },
                {"means": "Eurodac, VIS and SIS checked", "tried_at": "2024-07-21", "result": "No hit"},
            ],
            categories=["location", "photo_metadata", "device_time", "device_identity", "device_history"],
            window_start=datetime(2024, 1, 1, tzinfo=UTC),
            window_end=datetime(2024, 12, 31, tzinfo=UTC),
        )
        case_id, device_id, authorisation_id = case.id, device.id, authorisation.id
    with unit_of_work(state.session_factory) as session:
        services.decide_authorisation(
            session,
            authoriser,
            authorisation_id,
            approve=True,
            reason="Milder means exhausted; location categories only",
        )
        services.record_consent(
            session,
            intake,
            authorisation_id,
            language="ar",
            interpreter="Tolk 4411 (demo)",
            refusal_without_consequence_explained=True,
            given=True,
            given_at=now,
        )
        services.record_notice(
            session,
            intake,
            state.policy,
            case_id,
            language="ar",
            interpreter="Tolk 4411 (demo)",
            given_at=now,
        )
        job = ExtractionJob(
            case_id=case_id,
            device_id=device_id,
            authorisation_id=authorisation_id,
            kind="adb",
            params={"host": "127.0.0.1", "port": android.port},  # type: ignore[attr-defined]
            created_by=intake.user_id,
        )
        session.add(job)
        session.flush()
        services.record(session, intake, "job.create", case_id=case_id, object_type="job", object_id=job.id)
        job_id = job.id
    JobWorker(state, retry_delay_s=0).run_job_now(job_id)
    yield f"demo case {DEMO_REFERENCE}: extraction job {job_id} finished"

    from casework.findings import gazetteer, place_to_dict, rematch_case, understand_time
    from store.models import ClaimRow

    places = gazetteer(state)
    with unit_of_work(state.session_factory) as session:
        for position, (kind, place_text, time_text) in enumerate(DEMO_CLAIMS):
            candidates = places.resolve(place_text, limit=1)
            understood = understand_time(time_text)
            row = ClaimRow(
                case_id=case_id,
                position=position,
                kind=kind,
                place_text=place_text,
                time_text=time_text,
                place=place_to_dict(candidates[0]) if candidates else None,
                interval=understood.get("interval"),
                created_by=caseworker.user_id,
                extra={"place_confirmed": bool(candidates), "candidates": [], "time_understood": understood},
            )
            session.add(row)
            session.flush()
            services.record(
                session,
                caseworker,
                "claim.create",
                case_id=case_id,
                object_type="claim",
                object_id=row.id,
                details={"kind": kind, "place_text": place_text, "time_text": time_text},
            )
    finding_set = rematch_case(state, case_id, actor="caseworker")
    assert finding_set is not None
    with unit_of_work(state.session_factory) as session:
        services.release_findings(
            session, reviewer, finding_set.id, note="Evidence, uncertainty and limitations checked (demo)"
        )
        statuses = sorted(
            set(session.scalars(select(FindingRow.status).where(FindingRow.finding_set_id == finding_set.id)))
        )
    yield (
        f"demo case {DEMO_REFERENCE}: {len(DEMO_CLAIMS)} claims matched and released; "
        f"statuses: {', '.join(statuses)}"
    )

    with unit_of_work(state.session_factory) as session:
        waiting = services.create_case(
            session, intake, reference=WAITING_REFERENCE, title="Demo: waiting for approval"
        )
        device = services.register_device(
            session,
            intake,
            waiting.id,
            platform="ios",
            make="Apple",
            model="iPhone",
            serial=None,
            seal_number="BAG-DEMO-002",
        )
        services.request_authorisation(
            session,
            intake,
            state.policy,
            waiting.id,
            device_id=device.id,
            ground_id=GROUND,
            purpose="Establish the travel route stated in the asylum account",
            necessity="No documents; account lacks dates",
            milder_means=[{"means": "Documents asked for", "tried_at": "2024-07-21", "result": "None"}],
            categories=["location", "photo_metadata"],
            window_start=datetime(2024, 1, 1, tzinfo=UTC),
            window_end=datetime(2024, 12, 31, tzinfo=UTC),
        )
    yield f"demo case {WAITING_REFERENCE}: authorisation requested, waiting for the authorising official"
