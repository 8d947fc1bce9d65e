"""Quality of detected visits against known visits (written for the visit evaluation, see bench/README.md).

The truth a detector can see is the *observable* span of a true visit: its first to its last record.
Both spans are padded by ``pad_s`` (30 min) on each side so that a visit of one photo has a length.

- A detection *matches* a true visit when the padded spans have a temporal IoU ≥ ``min_iou`` (0.5) and
  the detection's centre is within ``max_distance_m`` (10 km) of the town centre.
- **1:1** precision / recall / F1: each true visit is matched to at most one detection and vice versa,
  by maximum IoU. Both sides are sequences of disjoint intervals, so a greedy assignment in order of IoU
  gives the maximum-IoU matching here (two disjoint detections cannot both overlap more than half of the
  union with one true visit); a visit found as three fragments counts once, the other two are false
  positives.
- **fragmentation**: detections lying mostly (≥ 50 % of their padded span) inside a true visit's padded
  observable span, per true visit that has any (1.0 is ideal).

True visits without any record are not observable and not counted (their number is reported).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

EARTH_M = 6_371_000.0


@dataclass(frozen=True)
class VisitQuality:
    n_true: int
    n_unobservable: int
    n_detected: int
    precision: float
    recall: float
    f1: float
    fragmentation: float


def _distance_m(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    north = np.radians(lat2 - lat1) * EARTH_M
    east = np.radians(lon2 - lon1) * EARTH_M * np.cos(np.radians((lat1 + lat2) / 2))
    return np.hypot(east, north)


def visit_quality(
    *,
    record_time_s: np.ndarray,
    true_start_s: np.ndarray,
    true_end_s: np.ndarray,
    true_lat: np.ndarray,
    true_lon: np.ndarray,
    detected_start_s: np.ndarray,
    detected_end_s: np.ndarray,
    detected_lat: np.ndarray,
    detected_lon: np.ndarray,
    min_iou: float = 0.5,
    max_distance_m: float = 10_000.0,
    pad_s: float = 1800.0,
) -> VisitQuality:
    t = np.sort(np.asarray(record_time_s))
    first = np.searchsorted(t, true_start_s, side="left")
    last = np.searchsorted(t, true_end_s, side="right") - 1
    observable = last >= first
    n_unobservable = int(np.count_nonzero(~observable))
    ts = t[first[observable]] - pad_s
    te = t[last[observable]] + pad_s
    tlat, tlon = true_lat[observable], true_lon[observable]
    ds = np.asarray(detected_start_s) - pad_s
    de = np.asarray(detected_end_s) + pad_s
    n_true, n_det = len(ts), len(ds)
    if n_det == 0 or n_true == 0:
        return VisitQuality(n_true, n_unobservable, n_det, 0.0, 0.0, 0.0, 0.0)
    # candidate pairs by time overlap (sorted, disjoint-ish sequences: search a window)
    pairs_true, pairs_det, pairs_iou, pairs_inside = [], [], [], []
    lo = np.searchsorted(de, ts, side="left")  # first detection ending after the truth starts
    for i in range(n_true):
        j = int(lo[i])
        while j < n_det and ds[j] < te[i]:
            overlap = min(te[i], de[j]) - max(ts[i], ds[j])
            if overlap > 0:
                union = max(te[i], de[j]) - min(ts[i], ds[j])
                near = _distance_m(tlat[i], tlon[i], detected_lat[j], detected_lon[j]) <= max_distance_m
                pairs_true.append(i)
                pairs_det.append(j)
                pairs_iou.append(overlap / union if near else 0.0)
                pairs_inside.append(near and overlap >= 0.5 * (de[j] - ds[j]))
            j += 1
    order = np.argsort(-np.asarray(pairs_iou)) if pairs_iou else np.zeros(0, dtype=np.int64)
    used_true, used_det = set(), set()
    for k in order.tolist():
        if pairs_iou[k] < min_iou:
            break
        if pairs_true[k] in used_true or pairs_det[k] in used_det:
            continue
        used_true.add(pairs_true[k])
        used_det.add(pairs_det[k])
    matched = len(used_true)
    precision = matched / n_det
    recall = matched / n_true
    f1 = 2 * precision * recall / (precision + recall) if matched else 0.0
    inside_per_true: dict[int, int] = {}
    for i, inside in zip(pairs_true, pairs_inside, strict=True):
        if inside:
            inside_per_true[i] = inside_per_true.get(i, 0) + 1
    fragmentation = float(np.mean(list(inside_per_true.values()))) if inside_per_true else 0.0
    return VisitQuality(n_true, n_unobservable, n_det, precision, recall, f1, fragmentation)
