"""A simulated Android phone that speaks the real ADB wire protocol on loopback TCP (like ``adbd`` over Wi-Fi).

One thread per connection. Each connection is an event loop over incoming messages: streams opened by the
host (``shell:``, ``shell,v2,...:``, ``exec:``, ``sync:``) queue their output, and the device sends the next
WRTE of a stream only after the host acknowledged the previous one with OKAY (ADB flow control).

Usage::

    sim = start_adb_simulator(phone_root, config=SimulatorConfig(clock_offset_s=3600))
    ... connect to 127.0.0.1:sim.port ...
    sim.stop()

Every request (service and argument, sync request and path) is logged in ``sim.requests`` so tests can assert
that out-of-scope data was never asked for.
"""

from __future__ import annotations

import json
import os
import socket
import socketserver
import struct
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from extractor.simulator import adb_protocol as proto
from extractor.simulator.adb_commands import DeviceState, Shell
from extractor.simulator.adb_filesystem import PhoneFilesystem

DEFAULT_FEATURES: tuple[str, ...] = (
    "shell_v2",
    "cmd",
    "stat_v2",
    "ls_v2",
    "fixed_push_mkdir",
    "apex",
    "abb",
    "fixed_push_symlink_timestamp",
    "abb_exec",
    "remount_shell",
    "track_app",
)


@dataclass(frozen=True, slots=True)
class SimulatorConfig:
    """How the simulated phone behaves. Defaults: a well-behaved phone that accepts a new station key."""

    require_auth: bool = True
    accept_new_keys: bool = True  # False: the owner never accepts the "Allow USB debugging?" prompt
    authorized_keys: tuple[bytes, ...] = ()  # adbkey.pub contents accepted without a prompt
    clock_offset_s: float | None = None  # device clock minus true time; None: as the phone builder wrote it
    drop_after_bytes: int | None = None  # close the socket after this many payload bytes were sent
    stall_after_bytes: int | None = None  # stop answering (socket stays open) after this many bytes
    misbehave_connections: int = 1  # how many connections (counted from the first) drop or stall
    hostile_names: bool = False  # virtual files with traversal, newline, 4,000-byte and non-UTF-8 names
    symlinks_as_directories: bool = False  # lie that symlinks are directories (a loop then never ends)
    features: tuple[str, ...] = DEFAULT_FEATURES
    max_payload: int = proto.DEVICE_MAX_PAYLOAD
    request_log_path: Path | None = None  # also append every request as a JSON line to this file


@dataclass(frozen=True, slots=True)
class RequestLogEntry:
    connection: int
    service: str  # "shell", "exec", "sync:RECV", "sync:LIS2", ...
    argument: str  # command line or device path; non-UTF-8 bytes as backslash escapes
    at_s: float


@dataclass(slots=True)
class _Stream:
    local_id: int
    remote_id: int
    kind: str  # "sync" | "output"
    pending: deque[Iterator[bytes]] = field(default_factory=deque)
    carry: bytes = b""
    inbox: bytearray = field(default_factory=bytearray)
    awaiting_okay: bool = False
    close_when_drained: bool = False
    closed: bool = False


class _ConnectionDropped(Exception):
    pass


def load_device_state(phone_root: Path, clock_offset_s: float | None) -> DeviceState:
    device_json = phone_root / "simulator" / "device.json"
    if device_json.is_file():
        info = json.loads(device_json.read_text("utf-8"))
        properties = {str(k): str(v) for k, v in info["properties"].items()}
        offset = float(info.get("clock_offset_s", 0.0)) if clock_offset_s is None else clock_offset_s
        boot = float(info.get("boot_time_utc_s", time.time() - 86400))
    else:
        properties = {
            "ro.product.name": "sim",
            "ro.product.model": "Simulated",
            "ro.product.device": "sim",
            "ro.product.manufacturer": "reisroute",
            "ro.serialno": "SIM0001",
            "ro.build.version.release": "14",
            "persist.sys.timezone": "UTC",
        }
        offset = clock_offset_s or 0.0
        boot = time.time() - 86400
    canned = phone_root / "simulator"
    return DeviceState(
        properties=properties,
        canned_dir=canned if canned.is_dir() else None,
        clock_offset_s=offset,
        boot_time_utc_s=boot,
    )


def _device_root(phone_root: Path) -> Path:
    device = phone_root / "device"
    return device if device.is_dir() else phone_root


class _Connection:
    """One host connection: handshake, then messages until the host hangs up."""

    def __init__(self, sock: socket.socket, simulator: RunningSimulator, number: int) -> None:
        self.sock = sock
        self.sim = simulator
        self.config = simulator.config
        self.number = number
        self.version = proto.VERSION_MIN
        self.max_payload = proto.LEGACY_MAX_PAYLOAD
        self.checksums = True
        self.streams: dict[int, _Stream] = {}
        self.next_local_id = 1
        self.bytes_sent = 0
        self.misbehaves = number <= self.config.misbehave_connections
        self.buffer = bytearray()

    # --- raw I/O -----------------------------------------------------------------------------------------

    def _recv_exact(self, length: int) -> bytes:
        while len(self.buffer) < length:
            chunk = self.sock.recv(max(65536, length - len(self.buffer)))
            if not chunk:
                raise _ConnectionDropped("host closed the connection")
            self.buffer += chunk
        data = bytes(self.buffer[:length])
        del self.buffer[:length]
        return data

    def read_message(self) -> proto.Message:
        header = proto.unpack_header(
            self._recv_exact(proto.HEADER_SIZE), max_payload=proto.DEVICE_MAX_PAYLOAD
        )
        data = self._recv_exact(header.data_length) if header.data_length else b""
        if self.version < proto.VERSION_SKIP_CHECKSUM and header.data_length:
            if proto.checksum(data) != header.data_checksum:
                raise proto.ProtocolError(f"bad checksum on {header.command.name}")
        return proto.Message(header.command, header.arg0, header.arg1, data)

    def send(self, message: proto.Message) -> None:
        packed = message.pack(with_checksum=self.checksums)
        if self.misbehaves and message.command is proto.Command.WRTE:
            limit_drop = self.config.drop_after_bytes
            limit_stall = self.config.stall_after_bytes
            if limit_drop is not None and self.bytes_sent + len(message.data) > limit_drop:
                allowed = max(0, limit_drop - self.bytes_sent)
                self.sock.sendall(packed[: proto.HEADER_SIZE + allowed])
                raise _ConnectionDropped("simulated cable pull")
            if limit_stall is not None and self.bytes_sent + len(message.data) > limit_stall:
                self.sim._stalled.wait()
                raise _ConnectionDropped("simulated stall ended by shutdown")
        self.bytes_sent += len(message.data)
        self.sim.bytes_sent_total += len(packed)  # one writer per connection; a benchmark reads it at rest
        self.sock.sendall(packed)

    # --- handshake ---------------------------------------------------------------------------------------

    def handshake(self) -> bool:
        message = self.read_message()
        while message.command is not proto.Command.CNXN:
            message = self.read_message()
        self.version = min(message.arg0, proto.DEVICE_VERSION)
        self.max_payload = min(message.arg1, self.config.max_payload)
        self.checksums = self.version < proto.VERSION_SKIP_CHECKSUM
        self.sim._log(self.number, "CNXN", message.data.split(b"\x00", 1)[0])
        if not self.config.require_auth:
            self._send_cnxn()
            return True
        token = os.urandom(proto.AUTH_TOKEN_SIZE)
        self.send(proto.Message(proto.Command.AUTH, proto.AUTH_TOKEN, 0, token))
        while True:
            message = self.read_message()
            if message.command is not proto.Command.AUTH:
                continue
            if message.arg0 == proto.AUTH_SIGNATURE:
                if any(
                    proto.verify_token_signature(key, token, message.data) for key in self.sim.known_keys()
                ):
                    self.sim._log(self.number, "AUTH", b"signature accepted")
                    self._send_cnxn()
                    return True
                token = os.urandom(proto.AUTH_TOKEN_SIZE)
                self.send(proto.Message(proto.Command.AUTH, proto.AUTH_TOKEN, 0, token))
            elif message.arg0 == proto.AUTH_RSAPUBLICKEY:
                if not self.config.accept_new_keys:
                    self.sim._log(self.number, "AUTH", b"public key refused")
                    return False
                try:
                    key = proto.decode_android_public_key(message.data)
                except proto.ProtocolError:
                    return False
                self.sim._remember_key(key)
                self.sim._log(self.number, "AUTH", b"public key accepted")
                self._send_cnxn()
                return True

    def _send_cnxn(self) -> None:
        banner = proto.device_banner(self.sim.state.properties, self.config.features)
        self.send(proto.Message(proto.Command.CNXN, self.version, self.config.max_payload, banner))

    # --- streams -----------------------------------------------------------------------------------------

    def serve(self) -> None:
        if not self.handshake():
            return
        while True:
            message = self.read_message()
            command = message.command
            if command is proto.Command.OPEN:
                self._open(message)
            elif command is proto.Command.OKAY:
                stream = self.streams.get(message.arg1)
                if stream is not None:
                    stream.awaiting_okay = False
                    self._pump(stream)
            elif command is proto.Command.WRTE:
                stream = self.streams.get(message.arg1)
                if stream is None:
                    continue
                self.send(proto.Message(proto.Command.OKAY, stream.local_id, stream.remote_id))
                stream.inbox += message.data
                if stream.kind == "sync":
                    self._sync_requests(stream)
                self._pump(stream)
            elif command is proto.Command.CLSE:
                stream = self.streams.pop(message.arg1, None)
                if stream is not None and not stream.closed:
                    stream.closed = True
                    self.send(proto.Message(proto.Command.CLSE, stream.local_id, stream.remote_id))

    def _open(self, message: proto.Message) -> None:
        remote_id = message.arg0
        service, options, argument = proto.parse_service(message.data)
        local_id = self.next_local_id
        self.next_local_id += 1
        if service == "sync":
            self.sim._log(self.number, "sync", b"")
            stream = _Stream(local_id, remote_id, "sync")
        elif service in ("shell", "exec"):
            self.sim._log(self.number, service, argument)
            stream = _Stream(local_id, remote_id, "output", close_when_drained=True)
            stream.pending.append(self._command_output(service, options, argument))
        else:
            self.sim._log(self.number, service or "?", argument)
            self.send(proto.Message(proto.Command.CLSE, 0, remote_id))
            return
        self.streams[local_id] = stream
        self.send(proto.Message(proto.Command.OKAY, local_id, remote_id))
        self._pump(stream)

    def _command_output(self, service: str, options: tuple[str, ...], argument: bytes) -> Iterator[bytes]:
        result = self.sim.shell.run(argument)
        if service == "shell" and "v2" in options:
            if result.stdout:
                yield proto.pack_shell_packet(proto.SHELL_STDOUT, bytes(result.stdout))
            if result.stderr:
                yield proto.pack_shell_packet(proto.SHELL_STDERR, bytes(result.stderr))
            yield proto.pack_shell_packet(proto.SHELL_EXIT, bytes([result.exit_code & 0xFF]))
            return
        yield bytes(result.stdout) + bytes(result.stderr)

    def _pump(self, stream: _Stream) -> None:
        """Send the stream's next WRTE if the host acknowledged the previous one; close when drained."""
        if stream.awaiting_okay or stream.closed:
            return
        payload = bytearray(stream.carry)
        stream.carry = b""
        while len(payload) < self.max_payload and stream.pending:
            try:
                payload += next(stream.pending[0])
            except StopIteration:
                stream.pending.popleft()
        if len(payload) > self.max_payload:
            stream.carry = bytes(payload[self.max_payload :])
            del payload[self.max_payload :]
        if payload:
            stream.awaiting_okay = True
            self.send(proto.Message(proto.Command.WRTE, stream.local_id, stream.remote_id, bytes(payload)))
            return
        if stream.close_when_drained:
            stream.closed = True
            self.streams.pop(stream.local_id, None)
            self.send(proto.Message(proto.Command.CLSE, stream.local_id, stream.remote_id))

    # --- file sync ---------------------------------------------------------------------------------------

    def _sync_requests(self, stream: _Stream) -> None:
        while len(stream.inbox) >= 8:
            request_id, length = struct.unpack_from(proto.SYNC_REQUEST_FORMAT, stream.inbox)
            if request_id == proto.ID_QUIT:
                stream.inbox.clear()
                stream.close_when_drained = True
                return
            if length > proto.SYNC_MAX_PATH:
                stream.pending.append(iter([proto.pack_fail("path too long")]))
                stream.inbox.clear()
                stream.close_when_drained = True
                return
            if len(stream.inbox) < 8 + length:
                return
            path = bytes(stream.inbox[8 : 8 + length])
            del stream.inbox[: 8 + length]
            stream.pending.append(self._sync_answer(request_id, path))

    def _sync_answer(self, request_id: int, path: bytes) -> Iterator[bytes]:
        name = struct.pack("<I", request_id).decode("latin-1")
        self.sim._log(self.number, f"sync:{name}", path)
        filesystem = self.sim.filesystem
        if request_id == proto.ID_STAT:
            yield proto.pack_stat_v1(filesystem.stat(path, follow=False))
        elif request_id in (proto.ID_STA2, proto.ID_LST2):
            yield proto.pack_stat_v2(request_id, filesystem.stat(path, follow=request_id == proto.ID_STA2))
        elif request_id in (proto.ID_LIST, proto.ID_LIS2):
            version = 2 if request_id == proto.ID_LIS2 else 1
            entries = filesystem.list_dir(path)
            for entry_name, info in entries or ():
                yield (
                    proto.pack_dent_v2(entry_name, info)
                    if version == 2
                    else proto.pack_dent_v1(entry_name, info)
                )
            yield proto.pack_list_done(version)
        elif request_id == proto.ID_RECV:
            chunks = filesystem.open_read(path)
            if chunks is None:
                yield proto.pack_fail(f"open failed: No such file or directory: {path!r}")
                return
            for chunk in chunks:
                for start in range(0, len(chunk), proto.SYNC_DATA_MAX):
                    yield proto.pack_data(chunk[start : start + proto.SYNC_DATA_MAX])
            yield proto.pack_done()
        else:
            yield proto.pack_fail(f"unsupported sync request {name!r} (this phone is read-only)")


class _Handler(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        simulator = self.server.simulator
        number = simulator._next_connection()
        sock: socket.socket = self.request
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        simulator._sockets.add(sock)
        try:
            _Connection(sock, simulator, number).serve()
        except (_ConnectionDropped, proto.ProtocolError, OSError):
            pass
        finally:
            simulator._sockets.discard(sock)
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    simulator: RunningSimulator


class RunningSimulator:
    """A simulated phone listening on ``host:port``. Call ``stop()`` (or use as a context manager)."""

    def __init__(self, root: Path, *, host: str, port: int, config: SimulatorConfig) -> None:
        self.root = root
        self.config = config
        self.state = load_device_state(root, config.clock_offset_s)
        hostile_content = b""
        if config.hostile_names:
            hostile_content = _first_photo_bytes(_device_root(root))
        self.filesystem = PhoneFilesystem(
            _device_root(root),
            hostile_names=config.hostile_names,
            hostile_content=hostile_content,
            symlinks_as_directories=config.symlinks_as_directories,
        )
        self.shell = Shell(self.filesystem, self.state)
        self.requests: list[RequestLogEntry] = []
        self.bytes_sent_total = 0  # bytes the phone sent on all connections (headers included)
        self._keys: list[object] = [proto.decode_android_public_key(k) for k in config.authorized_keys]
        self._lock = threading.Lock()
        self._connections = 0
        self._sockets: set[socket.socket] = set()
        self._stalled = threading.Event()
        self._server = _Server((host, port), _Handler)
        self._server.simulator = self
        self.host = host
        self.port: int = self._server.server_address[1]
        self._thread: threading.Thread | None = None

    @property
    def serial(self) -> str:
        return f"{self.host}:{self.port}"

    def known_keys(self) -> list:
        with self._lock:
            return list(self._keys)

    def _remember_key(self, key: object) -> None:
        with self._lock:
            self._keys.append(key)

    def _next_connection(self) -> int:
        with self._lock:
            self._connections += 1
            return self._connections

    def _log(self, connection: int, service: str, argument: bytes) -> None:
        entry = RequestLogEntry(
            connection, service, argument.decode("utf-8", "backslashreplace"), time.time()
        )
        self.requests.append(entry)
        if self.config.request_log_path is not None:
            with self._lock, open(self.config.request_log_path, "a", encoding="utf-8") as handle:
                handle.write(
                    json.dumps({"connection": connection, "service": service, "argument": entry.argument})
                    + "\n"
                )

    def requested(self, service_prefix: str) -> list[RequestLogEntry]:
        return [r for r in self.requests if r.service.startswith(service_prefix)]

    def start(self) -> RunningSimulator:
        self._thread = threading.Thread(
            target=self._server.serve_forever, name=f"adb-sim-{self.port}", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def stop(self) -> None:
        self._stalled.set()
        self._server.shutdown()
        self._server.server_close()
        for sock in list(self._sockets):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> RunningSimulator:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def _first_photo_bytes(device_root: Path) -> bytes:
    camera = device_root / "storage" / "emulated" / "0" / "DCIM" / "Camera"
    if camera.is_dir():
        for path in sorted(camera.iterdir()):
            if path.is_file() and path.suffix.lower() == ".jpg":
                return path.read_bytes()[: 1024 * 1024]
    return b"\xff\xd8\xff\xd9"


def start_adb_simulator(
    root: Path, *, host: str = "127.0.0.1", port: int = 0, config: SimulatorConfig | None = None
) -> RunningSimulator:
    """Start a simulated phone serving ``root`` (a phone built by ``build_phone``) in a background thread."""
    return RunningSimulator(root, host=host, port=port, config=config or SimulatorConfig()).start()


def serve_adb_simulator_forever(
    root: Path, *, host: str = "127.0.0.1", port: int = 5555, config: SimulatorConfig | None = None
) -> None:
    """Blocking variant for ``reisroute simulate android``; stops on KeyboardInterrupt."""
    simulator = RunningSimulator(root, host=host, port=port, config=config or SimulatorConfig())
    try:
        simulator.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        simulator.stop()
