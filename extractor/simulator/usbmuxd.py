"""Simulated usbmuxd on a unix socket, speaking the plist protocol (version 1).

Packet: a 16-byte little-endian header ``(length incl. header, version, message type, tag)`` then the
payload; plist requests and answers use message type 8 and the answer repeats the request's tag.
Requests: ``ReadBUID``, ``ListDevices``, ``Listen`` (then ``Attached`` notifications with tag 0),
``ReadPairRecord``/``SavePairRecord``/``DeletePairRecord`` and ``Connect``. ``Connect`` carries the device
port in network byte order; after ``Result 0`` the very same socket becomes a byte pipe to that port on the
phone (here: the simulated lockdownd or one of the services it started).
"""

from __future__ import annotations

import plistlib
import socket
import socketserver
import struct
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from extractor.simulator.ios_common import Channel, PeerClosed, RequestLogEntry

if TYPE_CHECKING:
    from extractor.simulator.iphone import SimulatedIphone

_HEADER = struct.Struct("<IIII")
PLIST_VERSION = 1
MESSAGE_PLIST = 8
RESULT_OK = 0
RESULT_BADDEV = 2
RESULT_CONNREFUSED = 3
BUID = "5B1F6A2E-0D44-4C1B-9E8A-51A0C0FFEE01"
_DEVICE_ID = 1


class UsbmuxdServer:
    """Accepts usbmuxd clients on ``socket_path`` and forwards ``Connect`` to the simulated phone."""

    def __init__(self, device: SimulatedIphone, socket_path: Path) -> None:
        self.device = device
        self.socket_path = socket_path
        server_self = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                server_self._serve(self.request)

        class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
            daemon_threads = True

        if socket_path.exists():
            socket_path.unlink()
        self._server = Server(str(socket_path), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="usbmuxd-sim", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        if self.socket_path.exists():
            self.socket_path.unlink()

    # -- one client connection --------------------------------------------------------------------
    def _serve(self, sock: socket.socket) -> None:
        channel = Channel(sock)
        try:
            while True:
                header = channel.recv_exact(_HEADER.size)
                length, version, message_type, tag = _HEADER.unpack(header)
                if length < _HEADER.size or length > 1 << 20:
                    return
                payload = channel.recv_exact(length - _HEADER.size)
                if version != PLIST_VERSION or message_type != MESSAGE_PLIST:
                    self._send(channel, tag, {"MessageType": "Result", "Number": 1})
                    continue
                request = plistlib.loads(payload)
                if self._handle(channel, tag, request):
                    return  # the socket now belongs to a device service
        except PeerClosed:
            return
        finally:
            channel.close()

    def _handle(self, channel: Channel, tag: int, request: dict[str, Any]) -> bool:
        device = self.device
        kind = str(request.get("MessageType", ""))
        device.log.add(RequestLogEntry("usbmuxd", kind))
        if kind == "ReadBUID":
            self._send(channel, tag, {"BUID": BUID})
        elif kind == "ListDevices":
            self._send(channel, tag, {"DeviceList": [self._attached()]})
        elif kind == "Listen":
            self._send(channel, tag, {"MessageType": "Result", "Number": RESULT_OK})
            self._send(channel, 0, self._attached())
            channel.recv_exact(1)  # holds the connection until the client goes away
        elif kind == "ReadPairRecord":
            record = device.usbmux_pair_record(str(request.get("PairRecordID", "")))
            if record is None:
                self._send(channel, tag, {"MessageType": "Result", "Number": RESULT_BADDEV})
            else:
                self._send(channel, tag, {"PairRecordData": record})
        elif kind == "SavePairRecord":
            device.save_usbmux_pair_record(
                str(request.get("PairRecordID", "")), bytes(request["PairRecordData"])
            )
            self._send(channel, tag, {"MessageType": "Result", "Number": RESULT_OK})
        elif kind == "DeletePairRecord":
            device.delete_usbmux_pair_record(str(request.get("PairRecordID", "")))
            self._send(channel, tag, {"MessageType": "Result", "Number": RESULT_OK})
        elif kind == "Connect":
            port = socket.ntohs(int(request.get("PortNumber", 0)))
            if int(request.get("DeviceID", -1)) != _DEVICE_ID or not device.accepts_port(port):
                self._send(channel, tag, {"MessageType": "Result", "Number": RESULT_CONNREFUSED})
                return False
            self._send(channel, tag, {"MessageType": "Result", "Number": RESULT_OK})
            device.serve_port(port, channel)
            return True
        else:
            self._send(channel, tag, {"MessageType": "Result", "Number": 1})
        return False

    def _attached(self) -> dict[str, Any]:
        udid = self.device.config.udid
        return {
            "DeviceID": _DEVICE_ID,
            "MessageType": "Attached",
            "Properties": {
                "ConnectionSpeed": 480000000,
                "ConnectionType": "USB",
                "DeviceID": _DEVICE_ID,
                "LocationID": 0x14100000,
                "ProductID": 0x12A8,
                "SerialNumber": udid,
                "USBSerialNumber": udid.replace("-", ""),
            },
        }

    @staticmethod
    def _send(channel: Channel, tag: int, body: dict[str, Any]) -> None:
        payload = plistlib.dumps(body)
        channel.send(_HEADER.pack(_HEADER.size + len(payload), PLIST_VERSION, MESSAGE_PLIST, tag) + payload)
