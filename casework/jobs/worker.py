"""The extraction worker: claims durable job rows and runs them; survives restarts and pulled cables.

A job is a row, not a request. The worker claims one with a compare-and-set on its state (safe with several
workers on PostgreSQL and on SQLite), re-checks the legal gate (consent may have been withdrawn since), opens
the source, records identity and the clock before and after, and runs the generic acquisition runner. A
disconnect leaves the job ``interrupted``; it is retried with the items already committed skipped. So does a lost
database (PostgreSQL restarted, a connection cut, SQLite locked past its timeout): the batch being written rolls
back whole, the worker waits for the database to record the interruption, and the next pass resumes the job
(the pool's pre-ping replaces dead connections). On start, jobs left ``running`` by a dead process become
``interrupted`` and resume.

Stations: a worker with a station name (``REISROUTE_STATION``, ``reisroute worker --station NAME``) claims
only the jobs pinned to that station, a worker without one only unpinned jobs. On PostgreSQL a claim is
``SELECT ... FOR UPDATE SKIP LOCKED`` (workers never wait on each other's candidate rows); on SQLite, one
station alone, the compare-and-set. A station's worker writes a heartbeat row (``casework.stations``); one
worker holds a station name at a time, so on start it takes back and resumes the jobs it left running.
"""

from __future__ import annotations

import errno
import logging
import os
import socket
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

import extractor
from casework.jobs.targets import Target, missing_fact_entries, open_target
from casework.state import AppState
from extractor.artifacts import default_registry
from extractor.artifacts.spec import DataCategory
from extractor.errors import DeviceDisconnected, DeviceTimeout, ExtractionError
from extractor.sources.base import ensure_registered_device
from legal_basis.services import gate_for
from store import audit
from store.errors import StoreUnavailable
from store.job_sink import DbJobSink
from store.models import Authorisation, Device, ExtractionJob
from store.types import utcnow

log = logging.getLogger("reisroute.worker")
RETRYABLE = (DeviceDisconnected, DeviceTimeout)
STORE_ERRORS: tuple[type[BaseException], ...] = (DBAPIError, PoolTimeoutError, StoreUnavailable)
try:  # a raw psycopg error (the records' COPY runs on the driver connection) is not wrapped by SQLAlchemy
    import psycopg

    STORE_ERRORS = (*STORE_ERRORS, psycopg.OperationalError)
except ImportError:  # pragma: no cover - SQLite-only installs
    pass


def store_lost(exc: BaseException) -> bool:
    """The database went away or stayed locked (a restart, a cut connection): the job is resumable."""
    if isinstance(exc, (DBAPIError, PoolTimeoutError, StoreUnavailable)):
        return audit.is_transient(exc)
    return isinstance(exc, STORE_ERRORS)  # psycopg.OperationalError: connection lost or refused


def parser_version(artifact: Any) -> str:
    """reisroute version plus the SHA-256 (first 16 hex) of the parser's source file: exactly which code ran."""
    import hashlib
    import inspect

    try:
        source = inspect.getsourcefile(artifact.parse)
        digest = hashlib.sha256(Path(source).read_bytes()).hexdigest()[:16] if source else "unknown"
    except (OSError, TypeError):
        digest = "unknown"
    return f"{extractor.__version__}+{digest}"


def _process_gone(worker_id: str | None, host: str) -> bool:
    """True when the worker id names a process on this host that no longer exists."""
    if not worker_id:
        return True
    parts = worker_id.split(":")
    if len(parts) < 2 or parts[0] != host or not parts[1].isdigit():
        return False
    pid = int(parts[1])
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


class JobCancelled(Exception):
    pass


def lower_thread_priority(nice: int) -> None:
    """Make the calling thread (Linux: a thread has its own nice value, and threads it starts inherit it)
    ``nice`` steps less urgent. Serving processes and request threads keep their priority, so on a busy
    machine a reader waits less behind an extraction or a route build (issue 18). Lowering needs no
    privilege; where it is refused or unsupported, nothing changes."""
    if nice <= 0:
        return
    try:
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid) + nice))
    except (OSError, AttributeError):
        log.warning("could not lower the worker thread's priority", exc_info=True)


class JobWorker:
    def __init__(
        self,
        state: AppState,
        *,
        poll_s: float | None = None,
        max_attempts: int = 6,
        retry_delay_s: float = 1.0,
        station: str | None = None,
    ) -> None:
        self.state = state
        self.station = station if station is not None else state.settings.station
        self.current_job_id: int | None = None
        self._heartbeat_thread: threading.Thread | None = None
        self.poll_s = poll_s if poll_s is not None else state.settings.worker_poll_s
        self.max_attempts = max_attempts
        self.retry_delay_s = retry_delay_s
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        # a job this worker could not mark interrupted while the database was away: marked on the next pass
        self._unrecorded: tuple[int, str] | None = None
        self.store_wait_s = 60.0  # how long a job that lost the database waits for it to come back

    # lifecycle -------------------------------------------------------------------------------------------
    def start(self) -> None:
        if self.station is not None:
            from casework.stations import register_station

            register_station(
                self.state.session_factory,
                self.station,
                self.worker_id,
                dead_after_s=self.state.settings.station_dead_after_s,
            )
            self._heartbeat_thread = threading.Thread(
                target=self._heartbeat_loop, name="reisroute-station-heartbeat", daemon=True
            )
            self._heartbeat_thread.start()
        self.recover_orphans()
        self._thread = threading.Thread(target=self._loop, name="reisroute-worker", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
        if self._heartbeat_thread is not None:
            self._heartbeat_thread.join(timeout_s)
            from casework.stations import stop_station

            stop_station(self.state.session_factory, self.station or "", self.worker_id)

    def _heartbeat_loop(self) -> None:
        from casework.stations import heartbeat

        interval = self.state.settings.station_heartbeat_s
        while not self._stop.wait(interval):
            try:
                heartbeat(
                    self.state.session_factory,
                    self.station or "",
                    self.worker_id,
                    current_job_id=self.current_job_id,
                )
            except Exception:  # noqa: BLE001 - a missed heartbeat is retried; the loop must survive
                log.exception("station heartbeat failed")

    def _loop(self) -> None:
        lower_thread_priority(self.state.settings.worker_nice)
        while not self._stop.is_set():
            try:
                worked = self.run_once()
            except Exception:  # noqa: BLE001 - the loop must survive; the job row holds the error
                log.exception("worker iteration failed")
                worked = False
            if not worked:
                self._stop.wait(self.poll_s)

    def recover_orphans(self, *, stale_after_s: float = 900.0) -> int:
        """Jobs left running by a dead process become interrupted (and so resumable).

        A job is orphaned when its worker ran on this host and that process is gone (known at once), when
        its heartbeat is older than ``stale_after_s`` (a worker on another station that died), or when it is
        pinned to this worker's station and another worker ran it (this worker holds the station name now:
        the station's previous worker died, so the station resumes its own job).
        """
        cutoff = utcnow() - timedelta(seconds=stale_after_s)
        host = socket.gethostname()
        with self.state.session_factory.begin() as session:
            running = session.execute(
                select(
                    ExtractionJob.id,
                    ExtractionJob.worker_id,
                    ExtractionJob.heartbeat_at,
                    ExtractionJob.station,
                ).where(ExtractionJob.state == "running")
            ).all()
            orphans = [
                job_id
                for job_id, worker_id, heartbeat, station in running
                if _process_gone(worker_id, host)
                or heartbeat is None
                or heartbeat <= cutoff
                or (self.station is not None and station == self.station and worker_id != self.worker_id)
            ]
            if orphans:
                session.execute(
                    update(ExtractionJob)
                    .where(ExtractionJob.id.in_(orphans), ExtractionJob.state == "running")
                    .values(state="interrupted", worker_id=None)
                )
            return len(orphans)

    # claiming --------------------------------------------------------------------------------------------
    def _claimable(self) -> list[Any]:
        station = (
            ExtractionJob.station == self.station
            if self.station is not None
            else ExtractionJob.station.is_(None)
        )
        return [
            ExtractionJob.state.in_(["queued", "interrupted"]),
            ExtractionJob.cancel_requested.is_(False),
            station,
        ]

    def _claim_values(self) -> dict[str, Any]:
        return {
            "state": "running",
            "worker_id": self.worker_id,
            "heartbeat_at": utcnow(),
            "attempts": ExtractionJob.attempts + 1,
            "started_at": func.coalesce(ExtractionJob.started_at, utcnow()),  # shown while connecting
        }

    def claim(self) -> int | None:
        """The oldest waiting job for this worker's station (or without one), now ``running`` under it."""
        if self.state.engine.dialect.name == "postgresql":
            with self.state.session_factory.begin() as session:
                job_id = session.scalar(
                    select(ExtractionJob.id)
                    .where(*self._claimable())
                    .order_by(ExtractionJob.id)
                    .limit(1)
                    .with_for_update(skip_locked=True)
                )
                if job_id is None:
                    return None
                session.execute(
                    update(ExtractionJob).where(ExtractionJob.id == job_id).values(**self._claim_values())
                )
                return int(job_id)
        with self.state.session_factory() as session:
            candidates = list(
                session.scalars(
                    select(ExtractionJob.id).where(*self._claimable()).order_by(ExtractionJob.id).limit(5)
                )
            )
        for job_id in candidates:
            with self.state.session_factory.begin() as session:
                result = session.execute(
                    update(ExtractionJob)
                    .where(ExtractionJob.id == job_id, ExtractionJob.state.in_(["queued", "interrupted"]))
                    .values(**self._claim_values())
                )
                if result.rowcount == 1:  # type: ignore[attr-defined]
                    return job_id
        return None

    def run_job_now(self, job_id: int) -> str:
        """Claim one specific job and run it in this thread (demo seeding, CLI); retries disconnects."""
        outcome = "interrupted"
        for _attempt in range(self.max_attempts):
            with self.state.session_factory.begin() as session:
                result = session.execute(
                    update(ExtractionJob)
                    .where(ExtractionJob.id == job_id, ExtractionJob.state.in_(["queued", "interrupted"]))
                    .values(
                        state="running",
                        worker_id=self.worker_id,
                        heartbeat_at=utcnow(),
                        attempts=ExtractionJob.attempts + 1,
                        started_at=func.coalesce(
                            ExtractionJob.started_at, utcnow()
                        ),  # shown while connecting
                    )
                )
            if result.rowcount != 1:  # type: ignore[attr-defined]
                break
            outcome = self.run_job(job_id)
            if outcome != "interrupted":
                break
        return outcome

    def run_once(self) -> bool:
        if self._unrecorded is not None:
            lost_id, error = self._unrecorded
            self._finish(lost_id, "interrupted", error=error, action="job.interrupted", only_if_mine=True)
            self._unrecorded = None
        job_id = self.claim()
        if job_id is None:
            return False
        self.current_job_id = job_id
        try:
            self.run_job(job_id)
        finally:
            self.current_job_id = None
        return True

    # running ---------------------------------------------------------------------------------------------
    def _finish(
        self, job_id: int, state: str, *, error: str | None = None, action: str, only_if_mine: bool = False
    ) -> None:
        with self.state.session_factory.begin() as session:
            job = session.get(ExtractionJob, job_id)
            assert job is not None
            if only_if_mine and (job.state != "running" or job.worker_id != self.worker_id):
                return  # another worker took it over meanwhile (recover_orphans)
            job.state = state
            job.error = error
            job.worker_id = None
            if state in ("completed", "failed", "cancelled"):
                job.finished_at = utcnow()
            audit.append(
                session,
                actor="worker",
                role="system",
                action=action,
                case_id=job.case_id,
                object_type="job",
                object_id=job_id,
                reason=error or "",
                details={"attempt": job.attempts, "items_done": job.items_done},
            )

    def run_job(self, job_id: int) -> str:
        """Run a claimed job to its end state. A database lost on the way (PostgreSQL restarted, the
        connection cut, SQLite locked past its timeout) interrupts the job: the batch being written rolled
        back whole, and the job resumes with the committed items skipped."""
        try:
            return self._run_job(job_id)
        except Exception as exc:
            if not store_lost(exc):
                raise
            return self._interrupt_store_lost(job_id, exc)

    def _interrupt_store_lost(self, job_id: int, exc: BaseException) -> str:
        cause = getattr(exc, "orig", None) or exc
        reason = str(cause).strip().splitlines()[0][:200] if str(cause).strip() else type(cause).__name__
        error = f"database unavailable ({reason}): the batch being written was rolled back; the job resumes"
        log.warning("job %s: %s", job_id, error)
        # the database may still be restarting: wait for it (the pool reconnects, pre-ping drops dead
        # connections) and record the interruption; if it stays away, the next pass records it
        deadline = time.monotonic() + self.store_wait_s
        while True:
            try:
                self._finish(job_id, "interrupted", error=error, action="job.interrupted")
                break
            except Exception as again:
                if not store_lost(again):
                    raise
                if time.monotonic() >= deadline or self._stop.is_set():
                    self._unrecorded = (job_id, error)  # still running under this worker: see run_once
                    raise
                time.sleep(0.25)
        time.sleep(self.retry_delay_s)
        return "interrupted"

    def _run_job(self, job_id: int) -> str:
        state = self.state
        with state.session_factory() as session:
            job = session.get(ExtractionJob, job_id)
            assert job is not None
            authorisation = session.get(Authorisation, job.authorisation_id)
            device = session.get(Device, job.device_id)
            assert authorisation is not None and device is not None
            unmet = gate_for(
                session, state.policy, job.authorisation_id, case_id=job.case_id, device_id=job.device_id
            )
            kind, params, attempts = job.kind, dict(job.params or {}), job.attempts
            categories = {DataCategory(c) for c in authorisation.categories}
            window = (authorisation.window_start, authorisation.window_end)
            registered = {"serial": device.serial, "model": device.model, "make": device.make}
            case_id = job.case_id
        if unmet:
            self._finish(
                job_id,
                "failed",
                error="legal gate closed: " + ", ".join(u.code for u in unmet),
                action="job.refused_by_gate",
            )
            return "failed"
        secrets: dict[str, str] = state.extras.get("job_secrets", {}).get(job_id, {})
        target: Target | None = None
        try:
            target = open_target(kind, params, data_dir=state.settings.data_dir, secrets=secrets)
            outcome = self._acquire(job_id, case_id, target, categories, window, registered)
        except RETRYABLE as exc:
            if attempts >= self.max_attempts:
                self._finish(
                    job_id,
                    "failed",
                    error=f"{type(exc).__name__}: {exc} (gave up after {attempts} attempts)",
                    action="job.failed",
                )
                return "failed"
            self._finish(
                job_id, "interrupted", error=f"{type(exc).__name__}: {exc}", action="job.interrupted"
            )
            time.sleep(self.retry_delay_s)
            return "interrupted"
        except OSError as exc:
            if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
                raise
            # the evidence disk is full: the batch being written rolled back with its rows, so nothing half
            # written is committed; the job pauses as interrupted and resumes once there is room again
            error = f"evidence store full ({exc.strerror}): free disk space under the data directory; the job resumes"
            if attempts >= self.max_attempts:
                self._finish(
                    job_id,
                    "failed",
                    error=f"{error} (gave up after {attempts} attempts)",
                    action="job.failed",
                )
                return "failed"
            self._finish(job_id, "interrupted", error=error, action="job.interrupted")
            time.sleep(self.retry_delay_s)
            return "interrupted"
        except JobCancelled:
            self._finish(job_id, "cancelled", action="job.cancelled")
            return "cancelled"
        except ExtractionError as exc:
            self._finish(job_id, "failed", error=f"{type(exc).__name__}: {exc}", action="job.failed")
            return "failed"
        finally:
            if target is not None:
                try:
                    target.close()
                except ExtractionError:
                    pass
        self._finish(job_id, "completed", action="job.completed")
        after = state.extras.get("after_job")
        if after is not None:
            after(state, case_id, job_id)
        return outcome

    def _refresh_notes(self, job_id: int, target: Target) -> None:
        """Sources may add notes while acquiring (e.g. what a filtered iPhone backup discarded)."""
        with self.state.session_factory.begin() as session:
            job = session.get(ExtractionJob, job_id)
            assert job is not None
            if (job.scope or {}).get("notes") != target.notes:
                job.scope = {**(job.scope or {}), "notes": list(target.notes)}

    def _acquire(
        self,
        job_id: int,
        case_id: int,
        target: Target,
        categories: set[DataCategory],
        window: tuple[Any, Any],
        registered: dict[str, str | None],
    ) -> str:
        from extractor.runner import run_acquisition

        state = self.state
        sink = DbJobSink(
            state.session_factory,
            state.evidence,
            job_id=job_id,
            case_id=case_id,
            data_dir=state.settings.data_dir,
        )
        identity = target.identity()
        missing_facts: list[str] = list(identity.missing) if identity is not None else []
        if identity is not None:
            sink.record_identity(identity)
            for note in ensure_registered_device(
                identity,
                serial=registered["serial"],
                model=registered["model"],
                manufacturer=registered["make"],
            ):
                sink.log(note)
        start_clock = target.read_clock()
        offset_s = 0.0
        if start_clock is not None:
            sink.record_clock(start_clock, phase="start")
            offset_s = start_clock.offset_s
        elif target.live_clock:
            missing_facts.append("device_clock")
        else:
            sink.log("no live device clock (offline input): device-clock times are not corrected")
        missing_entries = missing_fact_entries(missing_facts)
        for entry in missing_entries:
            sink.log(f"missing device fact ({entry['code']}): {entry['en_long']}")
        sink.clock_offset_s = offset_s
        artifacts = default_registry().in_scope(categories, target.platform)
        with state.session_factory.begin() as session:
            job = session.get(ExtractionJob, job_id)
            assert job is not None
            if job.started_at is None:
                job.started_at = utcnow()
            job.tool_versions = {
                "reisroute": extractor.__version__,
                **target.tool_versions,
                "parsers": {a.spec.id: parser_version(a) for a in artifacts},
            }
            job.scope = {
                "categories": sorted(str(c) for c in categories),
                "artifacts_in_scope": [a.spec.id for a in artifacts],
                "window": [window[0].isoformat(), window[1].isoformat()],
                "notes": target.notes,
            }
            if target.input_sha256 is not None:
                job.scope = {**job.scope, "input_sha256": target.input_sha256}
            if missing_entries:
                job.scope = {**job.scope, "missing_device_facts": missing_entries}
        if sink.is_cancelled():
            raise JobCancelled()
        outcomes = run_acquisition(
            target.source,
            artifacts=artifacts,
            sink=sink,
            window_start=window[0],
            window_end=window[1],
            parse_context=target.parse_context({a.spec.id for a in artifacts}),
            clock_offset_s=offset_s,
        )
        sink.record_outcomes(outcomes)
        self._refresh_notes(job_id, target)
        if sink.is_cancelled():
            raise JobCancelled()
        end_clock = target.read_clock()
        if end_clock is not None:
            sink.record_clock(end_clock, phase="end")
        sink.clean_staging()
        return "completed"
