"""Small lockdown services the backup client opens around a backup.

- ``com.apple.mobile.notification_proxy``: the host posts/observes Darwin notifications (sync lock
  handshake); plists in, nothing has to come back.
- ``com.apple.mobile.installation_proxy``: ``Browse`` lists installed apps; answered with a short list of
  user apps without store metadata, then ``Status: Complete``.
- ``com.apple.springboardservices``: icon requests; answered with an empty PNG.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from extractor.simulator.ios_common import Channel, PeerClosed, RequestLogEntry

if TYPE_CHECKING:
    from extractor.simulator.iphone import SimulatedIphone


def serve_notification_proxy(device: SimulatedIphone, channel: Channel) -> None:
    try:
        while True:
            message = channel.recv_plist()
            if isinstance(message, dict):
                device.log.add(
                    RequestLogEntry(
                        "notification_proxy", str(message.get("Command")), detail=message.get("Name")
                    )
                )
                if message.get("Command") == "Shutdown":
                    channel.send_plist({"Command": "ProxyDeath"})
                    return
    except PeerClosed:
        return


def serve_installation_proxy(device: SimulatedIphone, channel: Channel) -> None:
    try:
        while True:
            message = channel.recv_plist()
            command = str(message.get("Command", "")) if isinstance(message, dict) else ""
            device.log.add(RequestLogEntry("installation_proxy", command))
            if command == "Browse":
                apps = [
                    {"CFBundleIdentifier": "com.google.Maps"},
                    {"CFBundleIdentifier": "net.whatsapp.WhatsApp"},
                ]
                channel.send_plist(
                    {
                        "CurrentIndex": 0,
                        "CurrentAmount": len(apps),
                        "CurrentList": apps,
                        "Status": "BrowsingApplications",
                    }
                )
                channel.send_plist({"Status": "Complete"})
            else:
                channel.send_plist(
                    {"Error": "UnknownCommand", "ErrorDescription": f"{command} is not simulated"}
                )
    except PeerClosed:
        return


def serve_springboard(device: SimulatedIphone, channel: Channel) -> None:
    try:
        while True:
            message = channel.recv_plist()
            command = str(message.get("command", "")) if isinstance(message, dict) else ""
            device.log.add(RequestLogEntry("springboardservices", command))
            channel.send_plist({"pngData": b""})
    except PeerClosed:
        return
