"""Quality of detected stays against known (true) stays.

A detection *matches* a true stay when their time spans overlap with an intersection-over-union of at
least ``min_iou`` (0.5) and their centres are within ``max_distance_m`` (500 m).

- one-to-one precision/recall/F1: each true stay is matched to at most one detection and vice versa
  (maximum-IoU assignment, Hungarian algorithm); a stay found as three fragments counts once, the two
  other fragments are false positives, and a fragment too short for IoU ≥ 0.5 does not count at all.
- lenient precision: share of detections lying mostly (≥ 50 % of their own duration) inside a true
  stay within ``max_distance_m``; lenient recall: share of true stays that have at least one such detection.
- fragmentation: detections lying mostly inside a true stay, per true stay that has any (1.0 is ideal).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

METRES_PER_DEGREE = 111_320.0


@dataclass(frozen=True)
class StayQuality:
    n_true: int
    n_detected: int
    precision_1to1: float
    recall_1to1: float
    f1_1to1: float
    precision_lenient: float
    recall_lenient: float
    fragmentation: float


def _distance_m(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    dy = (lat2 - lat1) * METRES_PER_DEGREE
    dx = (lon2 - lon1) * METRES_PER_DEGREE * np.cos(np.radians((lat1 + lat2) / 2))
    return np.hypot(dx, dy)


def stay_quality(
    *,
    true_start_s: np.ndarray,
    true_end_s: np.ndarray,
    true_lat: np.ndarray,
    true_lon: np.ndarray,
    detected_start_s: np.ndarray,
    detected_end_s: np.ndarray,
    detected_lat: np.ndarray,
    detected_lon: np.ndarray,
    min_iou: float = 0.5,
    max_distance_m: float = 500.0,
) -> StayQuality:
    n_true, n_det = len(true_start_s), len(detected_start_s)
    if n_det == 0:
        return StayQuality(n_true, 0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    ts, te = true_start_s[:, None], true_end_s[:, None]
    ds, de = detected_start_s[None, :], detected_end_s[None, :]
    overlap = np.clip(np.minimum(te, de) - np.maximum(ts, ds), 0.0, None)
    union = np.maximum(te, de) - np.minimum(ts, ds)
    iou = np.where(union > 0, overlap / np.maximum(union, 1e-9), 0.0)
    near = _distance_m(true_lat[:, None], true_lon[:, None], detected_lat[None, :], detected_lon[None, :])
    near = near <= max_distance_m
    valid = (iou >= min_iou) & near
    score = np.where(valid, iou, 0.0)
    rows, cols = linear_sum_assignment(-score)
    matched = int(np.count_nonzero(valid[rows, cols]))
    precision = matched / n_det
    recall = matched / n_true if n_true else 0.0
    f1 = 2 * precision * recall / (precision + recall) if matched else 0.0

    own_duration = np.maximum(de - ds, 1e-9)
    mostly_inside = (overlap / own_duration >= 0.5) & near
    detections_inside = mostly_inside.any(axis=0)
    true_found = mostly_inside.any(axis=1)
    fragments = int(mostly_inside.sum())
    return StayQuality(
        n_true=n_true,
        n_detected=n_det,
        precision_1to1=precision,
        recall_1to1=recall,
        f1_1to1=f1,
        precision_lenient=float(detections_inside.mean()),
        recall_lenient=float(true_found.mean()) if n_true else 0.0,
        fragmentation=fragments / max(int(true_found.sum()), 1),
    )
