"""Simulated lockdownd: the daemon on port 62078 that answers values, pairs hosts and starts services.

Wire format: each message is a 4-byte big-endian length followed by an XML plist. Requests carry
``Request`` (and ``Label``); every answer echoes ``Request`` and reports failures in ``Error``
(``InvalidHostID``, ``UserDeniedPairing``, ``PairingDialogResponsePending``, ``MissingValue``,
``InvalidService``, ``SessionInactive``...). ``StartSession`` answers ``EnableSessionSSL`` and then the same
socket is switched to TLS: the phone presents the ``DeviceCertificate`` the host issued at pairing and
requires the host certificate of that pair record as client certificate.
"""

from __future__ import annotations

import os
import uuid
from typing import TYPE_CHECKING, Any

from extractor.simulator.ios_common import Channel, PeerClosed, RequestLogEntry

if TYPE_CHECKING:
    from extractor.simulator.iphone import SimulatedIphone

_PRE_SESSION_KEYS = (
    "BuildVersion",
    "DeviceClass",
    "DeviceName",
    "DevicePublicKey",
    "HardwareModel",
    "ProductName",
    "ProductType",
    "ProductVersion",
    "UniqueChipID",
    "UniqueDeviceID",
    "WiFiAddress",
    "ActivationState",
    "PasswordProtected",
)


def serve_lockdown(device: SimulatedIphone, channel: Channel) -> None:
    """Answer lockdown requests on one connection until the host hangs up."""
    session_host_id: str | None = None
    while True:
        try:
            message = channel.recv_plist()
        except PeerClosed:
            return
        if not isinstance(message, dict):
            return
        request = str(message.get("Request", ""))
        device.log.add(RequestLogEntry("lockdownd", request, detail=_detail(message)))
        reply: dict[str, Any] = {"Request": request}
        if request == "QueryType":
            reply["Type"] = "com.apple.mobile.lockdown"
        elif request == "GetValue":
            _get_value(device, message, reply, in_session=session_host_id is not None)
        elif request == "SetValue":
            reply["Error"] = "SetProhibited"
        elif request == "Pair":
            _pair(device, message, reply)
        elif request == "ValidatePair":
            record = message.get("PairRecord") or {}
            if not device.is_trusted(str(record.get("HostID", ""))):
                reply["Error"] = "InvalidHostID"
        elif request == "Unpair":
            record = message.get("PairRecord") or {}
            device.forget_host(str(record.get("HostID", "")))
        elif request == "StartSession":
            host_id = str(message.get("HostID", ""))
            if not device.is_trusted(host_id):
                reply["Error"] = "InvalidHostID"
                channel.send_plist(reply)
                continue
            reply["SessionID"] = str(uuid.uuid4()).upper()
            reply["EnableSessionSSL"] = True
            channel.send_plist(reply)
            channel.start_tls(device.tls_context_for(host_id))
            session_host_id = host_id
            continue
        elif request == "StopSession":
            reply["Result"] = "Success"
        elif request == "StartService":
            if session_host_id is None:
                reply["Error"] = "SessionInactive"
            else:
                _start_service(device, message, reply, session_host_id)
        elif request == "Goodbye":
            reply["Result"] = "Success"
            channel.send_plist(reply)
            return
        else:
            reply["Error"] = "UnknownRequest"
        channel.send_plist(reply)


def _detail(message: dict[str, Any]) -> str | None:
    parts = [f"{key}={message[key]}" for key in ("Domain", "Key", "Service") if key in message]
    return ", ".join(parts) or None


def _get_value(
    device: SimulatedIphone, message: dict[str, Any], reply: dict[str, Any], *, in_session: bool
) -> None:
    domain = message.get("Domain")
    key = message.get("Key")
    values = device.lockdown_values(domain=domain, in_session=in_session)
    if domain:
        reply["Domain"] = domain
    if values is None:
        reply["Error"] = "MissingValue"
        return
    if not in_session and not domain:
        values = {k: v for k, v in values.items() if k in _PRE_SESSION_KEYS}
    omitted = set(device.config.omit_lockdown_values)
    if omitted:
        values = {
            k: v for k, v in values.items() if k not in omitted or (not in_session and k in _PRE_SESSION_KEYS)
        }
    if key:
        reply["Key"] = key
        if key not in values:
            if key in omitted and not device.config.missing_value_as_error:
                return  # answered, but without a Value
            reply["Error"] = "MissingValue"
            return
        reply["Value"] = values[key]
    else:
        reply["Value"] = values


def _pair(device: SimulatedIphone, message: dict[str, Any], reply: dict[str, Any]) -> None:
    if device.config.pairing_prompt_pending:
        reply["Error"] = "PairingDialogResponsePending"
        return
    if device.config.refuse_pairing:
        reply["Error"] = "UserDeniedPairing"
        return
    record = message.get("PairRecord")
    required = ("DeviceCertificate", "HostCertificate", "HostID", "RootCertificate")
    if not isinstance(record, dict) or any(name not in record for name in required):
        reply["Error"] = "InvalidPairRecord"
        return
    escrow_bag = os.urandom(64)
    device.trust_host(str(record["HostID"]), record, escrow_bag)
    reply["EscrowBag"] = escrow_bag


def _start_service(
    device: SimulatedIphone, message: dict[str, Any], reply: dict[str, Any], host_id: str
) -> None:
    name = str(message.get("Service", ""))
    ticket = device.open_service(name, host_id)
    if ticket is None:
        reply["Error"] = "InvalidService"
        return
    reply["Service"] = name
    reply["Port"] = ticket.port
    reply["EnableServiceSSL"] = ticket.ssl
