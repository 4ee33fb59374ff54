"""Progressive previews in a Session (Session.update_progressive, finalize, is_preview).

A render that would decode most of a line runs through core.progressive: `on_chunk`
is called as each chunk is ready, and `Session.audio` serves the line filled so far,
so playback can start on the first chunk. A small edit (a drag) still re-renders in
place (Engine.render_edit). Audio decoded with estimated statistics, or spliced from a
partial re-render, is a *preview*; `finalize` renders it again in one piece, and
`Session.render_all` (export) does so.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from core.cue_audio import alignment_key, same_line
from core.errors import Cancelled
from core.render_cache import has_render

PARTIAL_SPAN = 24      # frames: an edit that changes at most this span renders in place

ChunkCallback = Callable[[str, "Chunk"], None]    # core.progressive.Chunk


def _small_edit(old, new) -> bool:
    if not same_line(old, new):
        return False
    from core.edit_splice import changed_frames
    lo, hi_new, hi_old = changed_frames(old, new)
    return max(hi_new, hi_old) - lo <= PARTIAL_SPAN


class Previews:
    """Which audio of a session is a preview, and the line being filled now."""

    def __init__(self, session):
        self.session = session
        self.preview_keys: set[str] = set()     # alignment keys whose audio is a preview
        self.partial: dict[str, tuple[int, np.ndarray]] = {}   # cue id -> (rev, buffer)

    def filling(self, cue_id: str, st) -> np.ndarray | None:
        """The buffer a progressive render is filling for the cue's current revision."""
        p = self.partial.get(cue_id)
        return p[1] if p is not None and p[0] == st.rev else None

    def is_preview(self, cue_id: str) -> bool:
        st = self.session.state(cue_id)
        return (st.audio is not None and st.alignment is not None
                and alignment_key(st.alignment) in self.preview_keys)

    # ------------------------------------------------ work (any thread)
    def update(self, cue_id: str, on_chunk: ChunkCallback | None = None, cancel=None,
               progress=None):
        s = self.session
        try:
            return s.update(cue_id, progress, cancel,
                            render=lambda st, al, check: self._render(cue_id, st, al, check,
                                                                      on_chunk))
        finally:
            with s._lock:
                self.partial.pop(cue_id, None)

    def _render(self, cue_id, st, al, check, on_chunk):
        s = self.session
        key = alignment_key(al)
        with s._lock:
            rev = st.rev
            prev_al = st.alignment if st.audio is not None else None
            cached = key in st.renders
        if cached or _small_edit(prev_al, al) or has_render(s.engine, al):
            audio, partial, cached = s._render_cached(st, al, check)
            if not cached:       # a splice (a drag) is a preview too: export renders it whole
                self._mark(key, partial)
            return audio, partial, cached
        if check():
            raise Cancelled(cue_id)
        from core.progressive import ProgressiveRender   # torch: not before the window shows
        pr = ProgressiveRender(s.engine, al)
        chunks = pr.chunks(check)
        while True:
            chunk = next(chunks, None)          # each step holds the engine's lock
            if chunk is None:
                break
            with s._lock:
                if st.rev != rev:
                    break
                self.partial[cue_id] = (rev, pr.audio)
            if on_chunk is not None:
                on_chunk(cue_id, chunk)
        if pr.ready_frames < al.n_frames or check():
            raise Cancelled(cue_id)
        with s._lock:
            st.renders[key] = pr.audio
            while len(st.renders) > s.cache_size:
                st.renders.popitem(last=False)
        self._mark(key, pr.preview)
        return pr.audio, False, False

    def _mark(self, key: str, preview: bool) -> None:
        (self.preview_keys.add if preview else self.preview_keys.discard)(key)

    def finalize(self, cue_id: str) -> np.ndarray | None:
        """Render a preview line again in one piece (what export uses); its audio otherwise."""
        s = self.session
        st = s.state(cue_id)
        with s._lock:
            if not self.is_preview(cue_id):
                return st.audio
            al, rev = st.alignment, st.rev
        audio = s.engine.render(al)
        key = alignment_key(al)
        with s._lock:
            st.renders[key] = audio
            self._mark(key, False)
            if st.rev == rev and st.alignment is al:
                st.audio = audio
        return audio
