"""A tiny read-only subset of the Android shell (toybox) for the simulated phone.

Supports command lists separated by ``;`` or ``&&``, single/double quotes (POSIX rules), ``2>/dev/null``
and these commands: getprop, date, dumpsys (location, alarm, package <name>), content query, head -c, sha256sum, stat -c,
ls, cat, echo, true. Anything else answers like Android's shell does for an unknown command (exit 127).
Output is bytes; file names are bytes (a path that is not UTF-8 travels as surrogate escapes).
"""

from __future__ import annotations

import hashlib
import re
import shlex
import stat as stat_module
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from extractor.simulator.adb_filesystem import PhoneFilesystem

_ENCODING = "utf-8"
_PACKAGE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)+$")
_ERRORS = "surrogateescape"


def _encode(text: str) -> bytes:
    return text.encode(_ENCODING, _ERRORS)


@dataclass(slots=True)
class CommandResult:
    stdout: bytearray = field(default_factory=bytearray)
    stderr: bytearray = field(default_factory=bytearray)
    exit_code: int = 0


@dataclass(frozen=True, slots=True)
class DeviceState:
    """What the shell knows besides files: properties, canned outputs, and the (possibly wrong) clock."""

    properties: dict[str, str]
    canned_dir: Path | None  # holds dumpsys_*.txt and content_*.txt templates from the phone builder
    clock_offset_s: float
    boot_time_utc_s: float  # true UTC of boot, for elapsed realtime
    host_clock: Callable[[], float] = time.time

    def device_now_s(self) -> float:
        return self.host_clock() + self.clock_offset_s

    def elapsed_realtime_ms(self) -> int:
        return int((self.host_clock() - self.boot_time_utc_s) * 1000)


CONTENT_URIS = {
    "content://media/external/images/media": "content_images.txt",
    "content://media/external/video/media": "content_video.txt",
}


class Shell:
    def __init__(self, filesystem: PhoneFilesystem, state: DeviceState) -> None:
        self.filesystem = filesystem
        self.state = state
        self._commands: dict[str, Callable[[list[str], CommandResult], None]] = {
            "getprop": self._getprop,
            "date": self._date,
            "dumpsys": self._dumpsys,
            "content": self._content,
            "head": self._head,
            "sha256sum": self._sha256sum,
            "stat": self._stat,
            "ls": self._ls,
            "cat": self._cat,
            "echo": self._echo,
            "true": lambda args, result: None,
        }

    def run(self, command_line: bytes) -> CommandResult:
        result = CommandResult()
        text = command_line.decode(_ENCODING, _ERRORS)
        lexer = shlex.shlex(text, posix=True, punctuation_chars=";&|<>")
        lexer.whitespace_split = True
        try:
            tokens = list(lexer)
        except ValueError as exc:
            result.stderr += _encode(f"/system/bin/sh: syntax error: {exc}\n")
            result.exit_code = 2
            return result
        for simple, connector in _split_lists(tokens):
            if connector == "&&" and result.exit_code != 0:
                continue
            self._run_simple(simple, result)
        return result

    def _run_simple(self, tokens: list[str], result: CommandResult) -> None:
        args: list[str] = []
        discard_stderr = False
        index = 0
        while index < len(tokens):
            token = tokens[index]
            if token == ">" and args and args[-1] == "2" and index + 1 < len(tokens):
                args.pop()
                discard_stderr = tokens[index + 1] == "/dev/null"
                index += 2
                continue
            if token in ("|", "<", ">", ">>", "&", "||"):
                result.stderr += _encode(f"/system/bin/sh: unsupported operator {token!r}\n")
                result.exit_code = 2
                return
            args.append(token)
            index += 1
        if not args:
            return
        sub = CommandResult()
        handler = self._commands.get(args[0])
        if handler is None:
            sub.stderr += _encode(f"/system/bin/sh: {args[0]}: inaccessible or not found\n")
            sub.exit_code = 127
        else:
            handler(args[1:], sub)
        result.stdout += sub.stdout
        if not discard_stderr:
            result.stderr += sub.stderr
        result.exit_code = sub.exit_code

    # --- commands ----------------------------------------------------------------------------------------

    def _getprop(self, args: list[str], result: CommandResult) -> None:
        properties = self.state.properties
        if args:
            result.stdout += _encode(properties.get(args[0], args[1] if len(args) > 1 else "") + "\n")
            return
        for key in sorted(properties):
            result.stdout += _encode(f"[{key}]: [{properties[key]}]\n")

    def _date(self, args: list[str], result: CommandResult) -> None:
        now_s = self.state.device_now_s()
        if args == ["+%s"]:
            result.stdout += _encode(f"{int(now_s)}\n")
            return
        if not args:
            moment = datetime.fromtimestamp(now_s, tz=UTC)
            result.stdout += _encode(moment.strftime("%a %b %d %H:%M:%S UTC %Y") + "\n")
            return
        result.stderr += b"date: unsupported format in simulator\n"
        result.exit_code = 1

    def _canned(self, name: str) -> bytes | None:
        if self.state.canned_dir is None:
            return None
        path = self.state.canned_dir / name
        if not path.is_file():
            return None
        template = path.read_bytes()
        now_rtc_ms = int(self.state.device_now_s() * 1000)
        rtc_text = datetime.fromtimestamp(now_rtc_ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
        return (
            template.replace(b"@NOW_RTC_MS@", str(now_rtc_ms).encode())
            .replace(b"@NOW_RTC_TEXT@", rtc_text.encode())
            .replace(b"@NOW_ELAPSED_MS@", str(self.state.elapsed_realtime_ms()).encode())
        )

    def _dumpsys(self, args: list[str], result: CommandResult) -> None:
        if len(args) == 2 and args[0] == "package":
            # one package's block, canned as dumpsys_package_<name>.txt; an unknown package dumps no block
            package = args[1]
            canned = self._canned(f"dumpsys_package_{package}.txt") if _PACKAGE_NAME.match(package) else None
            result.stdout += (
                canned
                if canned is not None
                else b"Dexopt state:\n  Unable to find package: " + (_encode(package) + b"\n")
            )
            return
        if len(args) != 1 or args[0] not in ("location", "alarm"):
            result.stderr += _encode(f"Can't find service: {' '.join(args)}\n")
            result.exit_code = 1
            return
        output = self._canned(f"dumpsys_{args[0]}.txt")
        if output is None:
            result.stdout += _encode(f"DUMP OF SERVICE {args[0]}:\n")
            return
        result.stdout += output

    def _content(self, args: list[str], result: CommandResult) -> None:
        if not args or args[0] != "query" or "--uri" not in args:
            result.stderr += b"usage: content query --uri <URI> [--projection <PROJECTION>]\n"
            result.exit_code = 1
            return
        uri = args[args.index("--uri") + 1] if args.index("--uri") + 1 < len(args) else ""
        canned_name = CONTENT_URIS.get(uri)
        output = self._canned(canned_name) if canned_name else None
        if output is None:
            result.stdout += b"No result found.\n"
            return
        result.stdout += output

    @staticmethod
    def _paths(args: list[str]) -> list[bytes]:
        paths = [a for a in args if a != "--"]
        return [_encode(p) for p in paths]

    def _head(self, args: list[str], result: CommandResult) -> None:
        if len(args) < 2 or args[0] != "-c" or not args[1].isdigit():
            result.stderr += b"head: simulator supports only head -c N FILE...\n"
            result.exit_code = 1
            return
        length = int(args[1])
        paths = self._paths(args[2:])
        for index, path in enumerate(paths):
            data = self.filesystem.read_head(path, length)
            if data is None:
                result.stderr += b"head: " + path + b": No such file or directory\n"
                result.exit_code = 1
                continue
            if len(paths) > 1:
                result.stdout += (b"\n" if index else b"") + b"==> " + path + b" <==\n"
            result.stdout += data

    def _sha256sum(self, args: list[str], result: CommandResult) -> None:
        for path in self._paths(args):
            chunks = self.filesystem.open_read(path)
            if chunks is None:
                result.stderr += b"sha256sum: " + path + b": No such file or directory\n"
                result.exit_code = 1
                continue
            digest = hashlib.sha256()
            for chunk in chunks:
                digest.update(chunk)
            result.stdout += digest.hexdigest().encode() + b"  " + path + b"\n"

    def _stat(self, args: list[str], result: CommandResult) -> None:
        if len(args) < 2 or args[0] != "-c":
            result.stderr += b"stat: simulator supports only stat -c FORMAT FILE...\n"
            result.exit_code = 1
            return
        template = args[1]
        for path in self._paths(args[2:]):
            info = self.filesystem.stat(path, follow=False)
            if info is None:
                result.stderr += b"stat: " + path + b": No such file or directory\n"
                result.exit_code = 1
                continue
            kind = (
                "directory"
                if stat_module.S_ISDIR(info.mode)
                else "symbolic link"
                if stat_module.S_ISLNK(info.mode)
                else "regular file"
            )
            line = (
                template.replace("%W", "?")  # toybox stat knows no birth time: unknown escapes print '?'
                .replace("%s", str(info.size))
                .replace("%Y", str(info.mtime_s))
                .replace("%F", kind)
                .replace("%f", f"{info.mode:x}")
            )
            encoded = _encode(line).replace(b"%n", path)
            result.stdout += encoded + b"\n"

    def _ls(self, args: list[str], result: CommandResult) -> None:
        paths = [p for p in self._paths(args) if not p.startswith(b"-")] or [b"/"]
        for path in paths:
            entries = self.filesystem.list_dir(path)
            if entries is None:
                info = self.filesystem.stat(path)
                if info is None:
                    result.stderr += b"ls: " + path + b": No such file or directory\n"
                    result.exit_code = 1
                else:
                    result.stdout += path + b"\n"
                continue
            for name, _info in entries:
                result.stdout += name + b"\n"

    def _cat(self, args: list[str], result: CommandResult) -> None:
        for path in self._paths(args):
            chunks = self.filesystem.open_read(path)
            if chunks is None:
                result.stderr += b"cat: " + path + b": No such file or directory\n"
                result.exit_code = 1
                continue
            for chunk in chunks:
                result.stdout += chunk

    def _echo(self, args: list[str], result: CommandResult) -> None:
        result.stdout += _encode(" ".join(args) + "\n")


def _split_lists(tokens: list[str]) -> list[tuple[list[str], str]]:
    """Split tokens at ``;`` and ``&&``; each part comes with the connector that precedes it."""
    parts: list[tuple[list[str], str]] = []
    current: list[str] = []
    connector = ";"
    for token in tokens:
        if token in (";", "&&"):
            parts.append((current, connector))
            current = []
            connector = token
        else:
            current.append(token)
    parts.append((current, connector))
    return parts
