"""Simulated phones for ``reisroute simulate`` and the demo: nothing here touches a real device."""

from __future__ import annotations

import signal
import threading
from pathlib import Path

import typer

from casework.demo.phones import demo_phone
from extractor.simulator.adb_server import serve_adb_simulator_forever, start_adb_simulator
from extractor.simulator.phone_builder import PhoneManifest, build_phone


def build_demo_phone(root: Path, **kwargs: int) -> PhoneManifest:
    return build_phone(root, **kwargs)  # type: ignore[arg-type]


def run_android(*, root: Path | None, port: int, photos: int) -> None:
    phone_root = root or demo_phone(Path("./data/demo/android-phone"), photos=photos)
    typer.echo(f"simulated Android phone (ADB protocol) on 127.0.0.1:{port}, files from {phone_root}")
    typer.echo(f"try: adb connect 127.0.0.1:{port} && adb shell getprop ro.product.model")
    serve_adb_simulator_forever(phone_root, host="127.0.0.1", port=port)


def run_iphone(*, socket_path: Path, root: Path | None) -> None:
    from extractor.simulator.ios_phone_builder import build_iphone_media
    from extractor.simulator.iphone import start_iphone_simulator

    media_root = root
    if media_root is None:
        media_root = Path("./data/demo/iphone-media")
        if not (media_root / "DCIM").exists():
            build_iphone_media(media_root)
    socket_path.parent.mkdir(parents=True, exist_ok=True)
    simulator = start_iphone_simulator(media_root, socket_path)
    typer.echo(f"simulated iPhone {simulator.udid} behind usbmuxd at {socket_path}")
    typer.echo(f"try: USBMUXD_SOCKET_ADDRESS={socket_path} pymobiledevice3 usbmux list")
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    finally:
        simulator.stop()


__all__ = ["demo_phone", "run_android", "run_iphone", "start_adb_simulator"]
