"""Several serving processes on one port, each with a listening socket of its own (``SO_REUSEPORT``).

Why not uvicorn's own ``workers=N``: it binds one socket in the supervisor and hands it to every process, so
whichever process wakes first accepts every connection waiting at that moment (asyncio accepts in a loop).
Keep-alive connections stay with the process that accepted them, so a burst of clients mostly lands on one
process: measured with 50 clients, `serve --workers 2` held 41/9 and 46/4 connections
(``bench/bench_concurrency.py``, "connections per serving process"), one process busy and the other idle.
With a socket per process the kernel spreads new connections over the processes' sockets by a hash of the
connection, so each gets its share however fast the clients connect.

Linux lets sockets share a port this way only when every one of them sets ``SO_REUSEPORT`` and belongs to
the same user, so another user's process cannot join the group. The supervisor holds a bound socket that
does not listen: it claims the port (a second ``serve`` on it fails at once, as before) without taking any
connections itself.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from multiprocessing.process import BaseProcess
from typing import Any

logger = logging.getLogger("uvicorn.error")

STARTUP_FAILURE = 3  # uvicorn's exit code for a server that could not start
RESTART_PAUSE_S = 1.0  # between restarts of a process that died, so a crash loop does not spin


def reuse_port_socket(host: str, port: int, *, listen: bool, backlog: int = 2048) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
        if listen:
            sock.listen(backlog)
    except OSError:
        sock.close()
        raise
    return sock


def serving_process(app: str, host: str, port: int, options: dict[str, Any]) -> None:
    """One serving process (runs in a spawned interpreter): its own listening socket, then uvicorn."""
    import uvicorn

    config = uvicorn.Config(app, host=host, port=port, **options)
    try:
        sock = reuse_port_socket(host, port, listen=True, backlog=config.backlog)
    except OSError as exc:
        logger.error("cannot listen on %s:%s: %s", host, port, exc)
        sys.exit(STARTUP_FAILURE)
    server = uvicorn.Server(config)
    server.run(sockets=[sock])
    if not server.started:
        sys.exit(STARTUP_FAILURE)


def run_supervised(
    app: str,
    *,
    host: str,
    port: int,
    workers: int,
    options: dict[str, Any],
    target: Callable[[str, str, int, dict[str, Any]], None] = serving_process,
) -> int:
    """Run ``workers`` serving processes until SIGINT/SIGTERM; a process that dies after it started is
    started again, one that cannot start stops them all. Returns the exit status for the command line."""
    context = multiprocessing.get_context("spawn")
    try:
        guard = reuse_port_socket(host, port, listen=False)
    except OSError as exc:
        logger.error("cannot listen on %s:%s: %s", host, port, exc)
        return STARTUP_FAILURE
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}

    def start() -> BaseProcess:
        process = context.Process(target=target, args=(app, host, port, options), daemon=False)
        process.start()
        logger.info("started serving process [%s]", process.pid)
        return process

    status = 0
    processes = [start() for _ in range(workers)]
    try:
        while not stop.wait(0.5):
            for index, process in enumerate(processes):
                if process.is_alive():
                    continue
                if process.exitcode == STARTUP_FAILURE:
                    logger.error("serving process [%s] could not start: stopping", process.pid)
                    status = STARTUP_FAILURE
                    stop.set()
                    break
                logger.warning(
                    "serving process [%s] ended (%s): starting another", process.pid, process.exitcode
                )
                time.sleep(RESTART_PAUSE_S)
                processes[index] = start()
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()  # SIGTERM: uvicorn finishes the requests in progress
        for process in processes:
            process.join(timeout=30)
            if process.is_alive():
                process.kill()
                process.join()
        guard.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return status
