"""Sign-in throttling: exponential backoff per user name and per client address (issue 13, finding 3).

After ``free_failures`` consecutive failed sign-ins for a key (a user name, or a client address with its own,
higher allowance), further attempts are refused until ``base_delay_s * 2**(extra failures)`` seconds after
the last failure, capped at ``max_delay_s``: a temporary lockout that grows with every failure. A
successful sign-in clears the user name's count (not the address's: one valid account must not reset the
counter an attacker guesses other accounts behind).

Own code, not a library: the rate limiters kept on PyPI (``limits``/``slowapi``, ``pyrate-limiter``) count
requests per fixed window or leaky bucket; none keeps a consecutive-failure count that a success resets,
with a delay that doubles per failure. This is about sixty lines over a dict and a lock.

The state is per process. A deployment that runs several API processes behind one address shares no
counter between them; each still locks out on its own, so the attempts an attacker gets grow with the
number of processes only (the audit log records every failure whichever process served it).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

MAX_TRACKED_KEYS = 100_000  # oldest entries are dropped beyond this (bounded memory under a spray)


@dataclass
class _Failures:
    count: int
    last_failure_s: float


class SignInThrottle:
    def __init__(
        self,
        *,
        free_failures: int = 3,
        address_free_failures: int = 20,
        base_delay_s: float = 1.0,
        max_delay_s: float = 900.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.free_failures = free_failures
        self.address_free_failures = address_free_failures
        self.base_delay_s = base_delay_s
        self.max_delay_s = max_delay_s
        self._clock = clock
        self._failures: OrderedDict[str, _Failures] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def _keys(username: str, address: str) -> tuple[str, str]:
        return f"user:{username.strip().casefold()}", f"address:{address}"

    def _delay_s(self, failures: _Failures, allowance: int) -> float:
        extra = failures.count - allowance
        if extra < 0:
            return 0.0
        delay = self.base_delay_s * 2.0 ** min(extra, 40)
        return min(delay, self.max_delay_s) - (self._clock() - failures.last_failure_s)

    def retry_after_s(self, username: str, address: str) -> float:
        """Seconds until a sign-in for this user name from this address may be tried (0: now)."""
        user_key, address_key = self._keys(username, address)
        with self._lock:
            waits = [
                self._delay_s(found, allowance)
                for key, allowance in (
                    (user_key, self.free_failures),
                    (address_key, self.address_free_failures),
                )
                if (found := self._failures.get(key)) is not None
            ]
        return max([0.0, *waits])

    def failed(self, username: str, address: str) -> None:
        now = self._clock()
        with self._lock:
            for key in self._keys(username, address):
                found = self._failures.pop(key, None) or _Failures(0, now)
                found.count += 1
                found.last_failure_s = now
                self._failures[key] = found  # most recent last
            while len(self._failures) > MAX_TRACKED_KEYS:
                self._failures.popitem(last=False)

    def succeeded(self, username: str) -> None:
        user_key, _ = self._keys(username, "")
        with self._lock:
            self._failures.pop(user_key, None)
