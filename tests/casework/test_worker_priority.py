"""The extraction worker's thread runs at a lower priority than the service's request threads (issue 18):
on a busy machine readers wait less behind an extraction or a route build. Read back from the kernel."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from casework.jobs.worker import lower_thread_priority


def _nice_of(tid: int) -> int:
    fields = Path(f"/proc/self/task/{tid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[16])  # field 19 of stat, counted after the command name


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads the kernel's per-thread nice (Linux)")
def test_the_worker_thread_gives_way_and_the_rest_of_the_process_does_not() -> None:
    seen: dict[str, int] = {}

    def worker() -> None:
        lower_thread_priority(10)
        seen["worker"] = _nice_of(threading.get_native_id())

        def child() -> None:  # a thread the worker starts (e.g. a route build) inherits it
            seen["child"] = _nice_of(threading.get_native_id())

        started = threading.Thread(target=child)
        started.start()
        started.join()

    base = _nice_of(threading.get_native_id())
    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert seen["worker"] == min(19, base + 10) and seen["child"] == seen["worker"]
    assert _nice_of(threading.get_native_id()) == base  # the caller (a request thread) is untouched
    assert os.getpriority(os.PRIO_PROCESS, 0) == base


def test_no_change_when_switched_off() -> None:
    before = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    lower_thread_priority(0)
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == before
