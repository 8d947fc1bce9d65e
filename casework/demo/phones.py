"""The demo's simulated phones: built once under the data directory and reused."""

from __future__ import annotations

from pathlib import Path

from extractor.simulator.phone_builder import build_phone


def demo_phone(root: Path, *, photos: int = 300, timeline_points: int = 20_000, seed: int = 2024) -> Path:
    """A phone tree with a synthetic Aleppo → Ter Apel journey; built once and reused."""
    marker = root / "ground_truth.json"
    if not marker.exists():
        root.mkdir(parents=True, exist_ok=True)
        build_phone(root, photos=photos, timeline_points=timeline_points, seed=seed)
    return root
