"""The ``reisroute`` command line."""

from __future__ import annotations

import getpass
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from casework.settings import Settings

if TYPE_CHECKING:
    from casework.state import AppState

app = typer.Typer(
    help="reisroute: scoped phone location extraction, route reconstruction, fair claim matching.",
    no_args_is_help=True,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
user_app = typer.Typer(help="Local users.", no_args_is_help=True)
audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)
simulate_app = typer.Typer(
    help="Simulated phones for trying the service without hardware.", no_args_is_help=True
)
job_app = typer.Typer(help="Extraction jobs.", no_args_is_help=True)
retention_app = typer.Typer(help="Retention: cases due for deletion.", no_args_is_help=True)
keys_app = typer.Typer(help="The organisation key that wraps every case key.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
app.add_typer(retention_app, name="retention")
app.add_typer(job_app, name="job")
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
app.add_typer(audit_app, name="audit")
app.add_typer(simulate_app, name="simulate")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    demo: Annotated[bool, typer.Option(help="Seed demo users, simulated phones and a demo case")] = False,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="Serving processes, each with its own listening socket on the port (SO_REUSEPORT). "
            "Migrations, demo seeding and the extraction worker run once, in this process; each serving process has its own audit sequencer, route cache and "
            "sign-in throttle",
        ),
    ] = 1,
) -> None:
    """Run the service (migrates the database first)."""
    import gc

    import uvicorn

    from api.app import build_state, create_app
    from store.errors import StoreError

    settings = Settings()
    if demo:
        settings = settings.model_copy(update={"demo": True})
    try:
        state = build_state(settings)
    except StoreError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    if demo:
        from casework.demo.seed import seed_demo

        for line in seed_demo(state):
            typer.echo(line)
    typer.echo(
        f"reisroute on http://{host}:{port}/  (API docs: /docs; database: {state.engine.dialect.name}"
        + (f"; {workers} serving processes" if workers > 1 else "")
        + ")"
    )
    if workers > 1:
        _serve_workers(state, host=host, port=port, workers=workers)
        return
    application = create_app(settings, state=state)
    # What start-up built (policy, catalogue, indexes, seeded data) lives as long as the process: keep it
    # out of the cyclic garbage collector's full scans, which otherwise run under every busy read load.
    gc.collect()
    gc.freeze()
    uvicorn.run(application, host=host, port=port, log_level="info", timeout_keep_alive=30)


def _serve_workers(state: AppState, *, host: str, port: int, workers: int) -> None:
    """Several serving processes on one port, each with its own listening socket (``api.serving``: the
    kernel spreads connections over them; uvicorn's shared socket let one process take a burst of them).

    This process keeps what must exist once: it has migrated and seeded, and it runs the extraction worker
    (``run_worker``) and its audit log (job steps). Each serving process builds its own state from the same
    environment without migrating, with its own audit sequencer — sequencers of several processes meet at
    the chain head (SQLite: the write lock of ``BEGIN IMMEDIATE``; PostgreSQL: the advisory lock), one
    batch at a time, and each appends anchors and checkpoints of its own commits to the shared files.
    """
    from api.serving import run_supervised

    settings = state.settings
    if settings.demo:
        os.environ["REISROUTE_DEMO"] = "1"
    job_worker = None
    if settings.run_worker:
        from casework.jobs.worker import JobWorker

        job_worker = JobWorker(state, poll_s=settings.worker_poll_s)
        job_worker.start()
    try:
        status = run_supervised(
            "api.cli:serving_app",
            host=host,
            port=port,
            workers=workers,
            options={"factory": True, "log_level": "info", "timeout_keep_alive": 30},
        )
    finally:
        if job_worker is not None:
            job_worker.stop()
        state.extras["audit_log"].close()
    if status:
        raise typer.Exit(status)


def serving_app():  # type: ignore[no-untyped-def]  # noqa: ANN201 - a FastAPI app, imported lazily
    """The app of one serving process of ``serve --workers N`` (uvicorn calls this in each process)."""
    import gc

    from api.app import build_state, create_app

    settings = Settings().model_copy(update={"run_worker": False})  # the supervisor runs the job worker
    state = build_state(settings, migrate=False)  # the supervisor migrated
    application = create_app(settings, state=state)
    gc.collect()
    gc.freeze()
    return application


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply all migrations to REISROUTE_DATABASE_URL (or the SQLite file under REISROUTE_DATA_DIR)."""
    from store.db import make_engine
    from store.migrate import upgrade

    settings = Settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.resolved_database_url())
    upgrade(engine)
    typer.echo(f"database at head ({engine.dialect.name})")


@user_app.command("add")
def user_add(
    username: str,
    role: Annotated[list[str], typer.Option("--role", "-r", help="Role; repeat for several")],
    full_name: Annotated[str, typer.Option(help="Full name")] = "",
    password_env: Annotated[str | None, typer.Option(help="Read the password from this env var")] = None,
    team: Annotated[
        list[str] | None,
        typer.Option("--team", "-t", help="Team to join (made if missing); repeat for several"),
    ] = None,
) -> None:
    """Add a local user (asks for the password unless --password-env names a variable).

    Need-to-know: the user sees the cases assigned to them or to one of their teams; the cases a user creates
    belong to their team (see the admin screen and ``/api/v1/admin``)."""
    from casework.state import build_state
    from casework.teams import ensure_team
    from casework.users import UserError, add_user
    from store import audit
    from store.db import unit_of_work

    password = os.environ.get(password_env, "") if password_env else getpass.getpass("Password: ")
    state = build_state(Settings())
    try:
        with unit_of_work(state.session_factory) as session:
            add_user(session, username=username, password=password, roles=role, full_name=full_name)
            audit.append(
                session,
                actor="cli",
                role="admin",
                action="user.add",
                object_type="user",
                object_id=username,
                details={"roles": role},
            )
            for team_name in team or []:
                ensure_team(session, team_name, [username])
                audit.append(
                    session,
                    actor="cli",
                    role="admin",
                    action="admin.team.member.add",
                    object_type="team",
                    object_id=team_name,
                    details={"user": username},
                )
    except (UserError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    finally:
        state.extras["audit_log"].close()  # checkpoint the new head before the process ends
    joined = f"; teams {', '.join(team)}" if team else ""
    typer.echo(f"user {username} added with roles {', '.join(role)}{joined}")


@audit_app.command("verify")
def audit_verify(as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False) -> None:
    """Check every entry's MAC and link and the signed checkpoints; exit 1 on any problem.

    Fails on a missing checkpoint file, a checkpoint that is not authentic or does not match, entries cut
    off the end, and entries after the last checkpoint older than its interval. Writes nothing.
    """
    from casework.state import build_state
    from store.errors import StoreError

    try:
        state = build_state(Settings(), start_audit=False)
    except StoreError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    audit_log = state.extras["audit_log"]
    try:
        with state.session_factory() as session:
            result = audit_log.verify(session)
    except ValueError as exc:  # an unreadable checkpoint or anchor line
        typer.echo(f"BROKEN: {exc}", err=True)
        raise typer.Exit(1) from exc
    if as_json:
        typer.echo(json.dumps({f: getattr(result, f) for f in result.__slots__}, indent=2))  # type: ignore[attr-defined]
    else:
        typer.echo(
            f"entries checked: {result.entries_checked} (unkeyed from before keyed chaining: "
            f"{result.unkeyed_entries}); anchors checked: {result.anchors_checked}; "
            f"checkpoints checked: {result.checkpoints_checked} (last at entry {result.last_checkpoint_seq})"
        )
        typer.echo(f"head: {result.head_seq} {result.head_hash}")
        for warning in result.warnings:
            typer.echo(f"WARNING: {warning}")
        for problem in result.problems:
            typer.echo(f"BROKEN: {problem}")
        typer.echo("chain intact" if result.ok else f"chain broken at entry {result.first_broken_seq}")
    raise typer.Exit(0 if result.ok else 1)


@audit_app.command("keygen")
def audit_keygen(path: Path) -> None:
    """Create an audit key file (owner-read-only); point REISROUTE_AUDIT_KEY_FILE at it. Keep it outside
    the data directory, readable by the service's user only."""
    from store.audit import write_key_file

    try:
        key = write_key_file(path)
    except FileExistsError as exc:
        typer.echo(f"error: {path} exists; a key is never overwritten", err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"audit key {key.key_id} written to {path}")


@audit_app.command("verify-export")
def audit_verify_export(
    file: Annotated[Path, typer.Argument(help="An export from the compliance explorer (JSON or CSV)")],
    anchor: Annotated[
        list[str] | None,
        typer.Option(help="A checkpoint known from outside the file, as SEQ:HASH; repeat for several"),
    ] = None,
    anchors_file: Annotated[
        Path | None, typer.Option("--anchors", help="The station's checkpoint file (audit-anchors.jsonl)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """Check an exported range offline: each entry's hash, the links between consecutive entries, the
    checkpoints; exit 1 naming the first bad entry, 2 when the file is no audit export."""
    from casework.compliance.export import ExportError, TrustedAnchor, verify_export_file
    from store import audit

    trusted = []
    for value in anchor or []:
        seq, _, digest = value.partition(":")
        if not seq.isdigit() or len(digest) != 64:
            typer.echo(f"error: --anchor must be SEQ:HASH (64 hex digits), not {value!r}", err=True)
            raise typer.Exit(2)
        trusted.append(TrustedAnchor(seq=int(seq), hash=digest))
    if anchors_file is not None:
        trusted += [TrustedAnchor(seq=a.seq, hash=a.hash) for a in audit.read_anchors(anchors_file)]
    try:
        result = verify_export_file(file, trusted_anchors=trusted)
    except ExportError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    if as_json:
        typer.echo(json.dumps(result.as_dict(), indent=2, default=str))
    else:
        typer.echo(
            f"entries checked: {result.entries_checked} (seq {result.first_seq}–{result.last_seq}); "
            f"links checked: {result.links_checked}; gaps (filtered out): {result.gaps}; "
            f"checkpoints matched: {result.anchors_checked}"
        )
        for problem in result.problems:
            typer.echo(f"BAD: {problem}")
        typer.echo("export intact" if result.ok else f"export fails at entry {result.first_bad_seq}")
    raise typer.Exit(0 if result.ok else 1)


@retention_app.command("check")
def retention_check(
    days: Annotated[int, typer.Option(help="Warn about cases due within this many days")] = 30,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """List cases due for deletion soon and overdue ones; exit 1 when any case is overdue (for a scheduler)."""
    from dataclasses import asdict

    from casework.compliance.retention_watch import retention_report
    from casework.state import build_state
    from store import audit
    from store.db import unit_of_work
    from store.types import utcnow

    state = build_state(Settings())
    with unit_of_work(state.session_factory) as session:
        report = retention_report(session, state.policy, now=utcnow(), due_soon_days=days)
        audit.append(
            session,
            actor="cli",
            role="system",
            action="compliance.retention",
            details={"overdue": [c.case_id for c in report.overdue], "due_soon": len(report.due_soon)},
        )
    if as_json:
        payload = {
            "checked_at": report.checked_at,
            "policy": report.policy,
            "alarm": report.alarm,
            "overdue": [asdict(c) for c in report.overdue],
            "due_soon": [asdict(c) for c in report.due_soon],
        }
        typer.echo(json.dumps(payload, indent=2, default=str))
    else:
        typer.echo(f"retention check {report.checked_at:%Y-%m-%d %H:%M} UTC under policy {report.policy}")
        for item in report.overdue:
            typer.echo(
                f"OVERDUE  case {item.case_id} {item.reference}: due {item.due_at:%Y-%m-%d} "
                f"({-item.days_left:.0f} days ago; {item.basis})"
            )
        for item in report.due_soon:
            typer.echo(
                f"due soon case {item.case_id} {item.reference}: due {item.due_at:%Y-%m-%d} "
                f"(in {item.days_left:.0f} days; {item.basis})"
            )
        typer.echo(f"{len(report.overdue)} overdue, {len(report.due_soon)} due within {days} days")
    raise typer.Exit(1 if report.alarm else 0)


@simulate_app.command("android")
def simulate_android(
    root: Annotated[
        Path | None, typer.Option(help="Phone file tree; a demo phone is built if omitted")
    ] = None,
    port: Annotated[int, typer.Option(help="Loopback TCP port")] = 5555,
    photos: Annotated[int, typer.Option(help="Photos in a built demo phone")] = 40,
) -> None:
    """Run a simulated Android phone speaking the ADB protocol on 127.0.0.1."""
    from api.simulators import run_android

    run_android(root=root, port=port, photos=photos)


@simulate_app.command("iphone")
def simulate_iphone(
    socket: Annotated[Path, typer.Option(help="Unix socket path for the simulated usbmuxd")] = Path(
        "./data/usbmuxd.sock"
    ),
    root: Annotated[Path | None, typer.Option(help="Media tree; a demo one is built if omitted")] = None,
) -> None:
    """Run a simulated iPhone behind a simulated usbmuxd socket."""
    from api.simulators import run_iphone

    run_iphone(socket_path=socket, root=root)


def job_items_text(items_done: int, items_total: int | None) -> str:
    """ "12/40 items", or "12 items" while the total is not known (never "0/None")."""
    return f"{items_done}/{items_total} items" if items_total else f"{items_done} items"


@job_app.command("watch")
def job_watch(job_id: int, interval_s: Annotated[float, typer.Option(help="Refresh interval")] = 0.5) -> None:
    """Show a job's progress until it ends: items done/total and bytes in human units (kB, MB, GB)."""
    import time

    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    from casework.state import build_state
    from store.models import ExtractionJob

    state = build_state(Settings())
    with state.session_factory() as session:
        if session.get(ExtractionJob, job_id) is None:  # no bar for a job that does not exist
            typer.echo(
                f"no extraction job {job_id}: check the number (reisroute lists them per case)", err=True
            )
            raise typer.Exit(2)
    with Progress(
        TextColumn("[bold]job {task.fields[job]}[/] {task.fields[state]}"),
        BarColumn(),
        TextColumn("{task.fields[items]}"),
        DownloadColumn(binary_units=False),
        TimeRemainingColumn(),
    ) as bar:
        task = bar.add_task("extract", total=None, job=job_id, state="", items="")
        while True:
            with state.session_factory() as session:
                job = session.get(ExtractionJob, job_id)
                assert job is not None  # jobs are never deleted while watched (retention keeps the row)
                bar.update(
                    task,
                    completed=job.bytes_done,
                    total=job.bytes_total or None,
                    state=job.state,
                    items=job_items_text(job.items_done, job.items_total),
                )
                if job.state in ("completed", "failed", "cancelled"):
                    break
            time.sleep(interval_s)
    typer.echo(f"job {job_id}: {job.state}" + (f" — {job.error}" if job.error else ""))
    raise typer.Exit(0 if job.state == "completed" else 1)


@app.command()
def worker(
    poll_s: Annotated[float, typer.Option(help="Seconds between polls")] = 1.0,
    station: Annotated[
        str | None,
        typer.Option(
            help="This station's name (default REISROUTE_STATION): claim only the jobs pinned to it"
        ),
    ] = None,
) -> None:
    """Run an extraction worker on this station: claims queued jobs from the database and runs them."""
    import signal
    import threading

    from casework.jobs.worker import JobWorker
    from casework.state import build_state
    from casework.stations import StationTaken
    from store.errors import StoreError

    try:
        settings = Settings()
        if station is not None:
            settings = Settings(station=station)  # validated like REISROUTE_STATION
        state = build_state(settings)
    except (StoreError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    job_worker = JobWorker(state, poll_s=poll_s)
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        job_worker.start()
    except StationTaken as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    where = f"station {job_worker.station}" if job_worker.station else "no station (unpinned jobs)"
    typer.echo(
        f"worker {job_worker.worker_id} for {where} polling {state.engine.dialect.name} for jobs; "
        f"evidence: {state.evidence.location.split(':', 1)[0]}",
        err=False,
    )
    stop.wait()
    job_worker.stop()
    state.extras["audit_log"].close()


@keys_app.command("keygen")
def keys_keygen(path: Path) -> None:
    """Create an organisation key file (owner-read-only). Point REISROUTE_ORGANISATION_KEY_FILE at it on every
    station and the central service; keep it outside every data directory and back it up apart from them."""
    from store.keys import write_key_file

    try:
        wrapper = write_key_file(path)
    except FileExistsError as exc:
        typer.echo(f"error: {path} exists; a key is never overwritten", err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"organisation key {wrapper.key_id} written to {path}")


@keys_app.command("status")
def keys_status() -> None:
    """How many case keys each organisation key wraps (and how many the old per-directory master key)."""
    from sqlalchemy import func, select

    from casework.state import build_state
    from store.errors import StoreError
    from store.models import CaseKey

    try:
        state = build_state(Settings(), start_audit=False)
    except StoreError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    with state.session_factory() as session:
        rows = session.execute(select(CaseKey.wrapped_by, func.count()).group_by(CaseKey.wrapped_by)).all()
    current = state.evidence.keyring.current.key_id
    typer.echo(f"current organisation key: {current}")
    for key_id, count in rows:
        name = key_id or "old per-directory master key"
        typer.echo(f"{count} case key(s) wrapped by {name}" + (" (current)" if key_id == current else ""))


@keys_app.command("rotate")
def keys_rotate(
    new_key_file: Annotated[Path, typer.Option(help="The new organisation key (reisroute keys keygen PATH)")],
) -> None:
    """Re-wrap every case key under a new organisation key; evidence is not re-encrypted. Run with the old key
    still configured; then set REISROUTE_ORGANISATION_KEY_FILE to the new file (and, until every station has
    restarted, REISROUTE_ORGANISATION_KEY_PREVIOUS_FILE to the old one). Also moves case keys from the old
    per-directory master key under the organisation key."""
    from casework.state import build_state
    from store import audit
    from store.db import unit_of_work
    from store.errors import StoreError
    from store.keys import LocalKeyWrapper, rewrap_case_keys

    try:
        settings = Settings()
        state = build_state(settings)
        new = LocalKeyWrapper.from_file(new_key_file)
    except StoreError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    if not settings.demo and new_key_file.resolve().is_relative_to(settings.data_dir.resolve()):
        typer.echo(f"error: the new key file {new_key_file} is inside the data directory", err=True)
        raise typer.Exit(2)
    try:
        with unit_of_work(state.session_factory) as session:
            result = rewrap_case_keys(session, state.evidence.keyring, new)
            audit.append(
                session,
                actor="cli",
                role="admin",
                action="keys.rotate",
                details={
                    "from": state.evidence.keyring.current.key_id,
                    "to": result.new_key_id,
                    "rewrapped": result.rewrapped,
                    "already_current": result.already_current,
                },
            )
    except StoreError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    finally:
        state.extras["audit_log"].close()
    typer.echo(
        f"{result.rewrapped} case key(s) re-wrapped under {result.new_key_id} "
        f"({result.already_current} already were); evidence untouched. Now set "
        f"REISROUTE_ORGANISATION_KEY_FILE={new_key_file} on every station and the central service."
    )


def main() -> None:
    app()


if __name__ == "__main__":
    main()
