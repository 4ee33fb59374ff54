"""Progressive rendering: chunks join seamlessly, a newer edit cancels the rest, the
session serves the line as it fills in, and export renders previews in one piece."""
import numpy as np
import pytest
import torch

from core.constants import FRAME_SAMPLES
from core.edits import DrawCurve, Retime
from core.preview_decoder import window_features, line_features
from core.progressive import (NEAR, ProgressiveRender, chunk_plan, front_distance,
                              log_mel_distance, statistics_for)
from core.project import Cue, Project
from core.session import Cancelled, Session

SEAMLESS_DB = 1.3          # issue 11: joined chunks against a one-piece render
FAR_DB = 3.0               # statistics borrowed beyond NEAR (docs/preview.md)


def test_chunk_plan_covers_the_line_growing():
    assert chunk_plan(100, first=6, growth=2) == [(0, 6), (6, 18), (18, 42), (42, 100)]
    assert chunk_plan(200, first=6, growth=2) == [(0, 6), (6, 18), (18, 42), (42, 90),
                                                  (90, 200)]      # no 14-frame tail
    assert chunk_plan(45, first=6, growth=2) == [(0, 6), (6, 18), (18, 45)]
    assert chunk_plan(5, first=6) == [(0, 5)]
    for n in (1, 7, 13, 64, 193):
        p = chunk_plan(n)
        assert p[0][0] == 0 and p[-1][1] == n
        assert all(a[1] == b[0] for a, b in zip(p, p[1:]))


def test_log_mel_distance_sees_a_broken_seam(short_line):
    al, audio = short_line
    assert log_mel_distance(audio, audio) == 0.0
    broken = audio.copy()
    mid = len(audio) // 2
    broken[mid:mid + 2 * FRAME_SAMPLES] = 0          # 50 ms dropped at a "seam"
    assert log_mel_distance(broken, audio) > 0.3


@pytest.fixture(scope="module")
def torch_chunks(engine, short_line):
    """The short line in chunks, decoded in torch with the statistics of its one-piece
    render (shared by the seam test and the ONNX Runtime comparison)."""
    al, _ = short_line
    if engine._signature(al) not in engine._stats:     # evicted since: record them again
        engine.render(al)
    pr = ProgressiveRender(engine, al)
    return pr, list(pr.chunks())


def test_chunks_join_seamlessly(short_line, torch_chunks):
    al, whole = short_line
    pr, chunks = torch_chunks
    assert pr.source == "line" and len(chunks) >= 3
    assert [c.index for c in chunks] == list(range(len(chunks))) and chunks[-1].last
    assert chunks[0].hi - chunks[0].lo < al.n_frames // 4      # playback starts early
    joined = np.concatenate([c.audio for c in chunks])
    assert len(joined) == len(whole) == al.n_samples
    assert np.array_equal(joined, pr.audio)
    assert log_mel_distance(joined, whole) <= SEAMLESS_DB
    assert np.corrcoef(joined, whole)[0, 1] > 0.99           # the same waveform, seams too


def test_onnxruntime_generator_matches_torch(engine, short_line, torch_chunks):
    pytest.importorskip("onnxruntime")
    from core.preview_ort import disable_fast_generator, enable_fast_generator
    al, _ = short_line
    torch_audio = torch_chunks[0].audio
    with engine._lock:
        inputs = engine._inputs(al)
        front = line_features(engine, al, inputs).front_stats
        torch_front = window_features(engine, inputs, front, 5, 20).x
    enc = engine.encode(engine.phonemize("Why are you here?"))
    durs = [max(1, round(float(d))) for d in enc.base_durations]
    torch_curves = engine.prosody(enc, durs)
    assert enable_fast_generator(engine)
    try:
        assert engine.model.fast_prosody is not None
        ort_curves = engine.prosody(enc, durs)
        ort = ProgressiveRender(engine, al)
        ort_audio = ort.run()
        with engine._lock:
            ort_front = window_features(engine, inputs, front, 5, 20).x
    finally:
        disable_fast_generator(engine)
    assert np.allclose(ort_curves[0], torch_curves[0], atol=0.05)  # F0 (Hz), the predictor's
    assert np.allclose(ort_curves[1], torch_curves[1], atol=1e-3)  # energy
    assert (ort_curves[0] > 0).sum() == (torch_curves[0] > 0).sum()
    assert torch.allclose(ort_front, torch_front, atol=1e-3)      # the front on a window
    assert ort.source == "line"                    # chunked with the same statistics
    assert np.allclose(ort_audio, torch_audio, atol=1e-3)
    assert log_mel_distance(ort_audio, torch_audio) < 0.05


def test_a_small_text_edit_borrows_the_old_texts_statistics(engine):
    old = engine.predict(engine.phonemize("Put the sheet on the blue wall."))
    engine.render(old)
    new = engine.predict(engine.phonemize("Put the blue sheet on the wall."))
    with engine._lock:
        front = line_features(engine, new).front_stats
    assert statistics_for(engine, new, front)[:2] == ("other line", engine._signature(old))
    pr = ProgressiveRender(engine, new)
    audio = pr.run()
    assert pr.source == "other line" and pr.preview and pr.ready_frames == new.n_frames
    assert log_mel_distance(audio, engine.render(new)) <= SEAMLESS_DB
    # a rewritten line is not near enough to borrow from: its first chunk borrows (from the
    # line of the voice nearest in front input), then it renders in one piece, and the last
    # chunk, that whole render, replaces the first: exact audio, not a preview
    far = engine.predict(engine.phonemize("Get out!"))
    pr = ProgressiveRender(engine, far)
    chunks = list(pr.chunks())
    assert [c.last for c in chunks] == [False, True] and chunks[0].hi < far.n_frames // 2
    assert chunks[0].source == "other line" and pr.source == "exact" and not pr.preview
    assert chunks[1].lo == 0 and chunks[1].hi == far.n_frames
    assert np.allclose(pr.audio, engine.render(far), atol=1e-5)


def test_the_front_runs_on_a_window_alone(engine, short_line):
    """window_features (the front over a few frames only, given statistics) is the whole
    front's when given the line's own statistics; its harmonic source is the whole line's
    (to 1e-3: a window's phase is summed at the curve rate)."""
    al, _ = short_line
    with engine._lock:
        inputs = engine._inputs(al)
        whole = line_features(engine, al, inputs)
        head = window_features(engine, inputs, whole.front_stats, 0, 10)
        mid = window_features(engine, inputs, whole.front_stats, 12, 18)
        late = window_features(engine, inputs, whole.front_stats, al.n_frames - 6, al.n_frames, 4)
    assert head.x.shape[-1] == 20 and head.har.shape[-1] == 10 * FRAME_SAMPLES
    assert torch.allclose(head.x, whole.x[..., :20], atol=1e-4)
    assert torch.allclose(head.har, whole.har[:, :10 * FRAME_SAMPLES], atol=1e-3)
    assert torch.allclose(mid.x, whole.x[..., 24:36], atol=1e-4)        # a drag's window
    assert torch.allclose(mid.har, whole.har[:, 12 * FRAME_SAMPLES:18 * FRAME_SAMPLES], atol=1e-3)
    assert late.x.shape[-1] == 12                  # a smaller margin (a drag's), at the line's end
    assert torch.allclose(late.har, whole.har[:, -6 * FRAME_SAMPLES:], atol=1e-3)


def one_cue(text="Look at that."):
    """A 36-frame line: four chunks (2, 6, 18, 10 frames), renders kept short."""
    return Project(cues=[Cue(id="c1", text=text, start=0.0, end=0.9)])


def raise_pitch(s, factor=1.1):
    """An edit of the whole F0 curve: same phonemes, every frame changed."""
    f0 = np.asarray(s.project.cue("c1").alignment.f0) * factor
    s.apply(DrawCurve("c1", "f0", tuple(f0)))


def test_cancel_callback_or_newer_edit_stops_between_chunks(engine):
    s = Session(one_cue(), engine_factory=lambda: engine)
    s.update("c1")
    raise_pitch(s)
    got = []
    # the cancel callback is asked between chunks
    with pytest.raises(Cancelled):
        s.update_progressive("c1", lambda c, ch: got.append(ch), cancel=lambda: bool(got))
    assert len(got) == 1
    assert s.audio("c1") is None and s.needs("c1") == "render"
    got.clear()

    # a newer edit made while the chunks come cancels the older ones
    def on_chunk(cue_id, chunk):
        got.append(chunk)
        if chunk.index == 0:
            served = s.audio(cue_id)                       # the line, filled so far
            assert served is not None
            assert np.array_equal(served[:len(chunk.audio)], chunk.audio)
            assert not served[chunk.hi * FRAME_SAMPLES:].any()
            raise_pitch(s, 0.9)                            # a newer edit
    with pytest.raises(Cancelled):
        s.update_progressive("c1", on_chunk)
    assert len(got) == 1 and not got[0].last
    assert s.audio("c1") is None and s.needs("c1") == "render"    # nothing stale served
    r = s.update_progressive("c1", lambda c, ch: got.append(ch))
    assert r.current and got[-1].last and len(got) > 2
    assert np.array_equal(np.concatenate([c.audio for c in got[1:]]), r.audio)
    assert s.audio("c1") is r.audio


def test_preview_is_marked_and_export_renders_it_in_one_piece(engine):
    s = Session(one_cue(), engine_factory=lambda: engine)
    s.update("c1")
    assert not s.is_preview("c1")                  # a one-piece render
    raise_pitch(s)
    r = s.update_progressive("c1")
    assert s.is_preview("c1") and s.audio("c1") is r.audio
    out = s.render_all()                           # what export calls
    assert not s.is_preview("c1")
    assert np.allclose(out["c1"], engine.render(r.alignment), atol=1e-5)
    # a drag still re-renders in place, not in chunks; the splice is a preview, and
    # export renders the dragged line in one piece
    d = list(r.alignment.durations)
    d[3] += 2
    s.apply(Retime("c1", tuple(d)))
    dragged = s.update_progressive("c1", lambda c, ch: pytest.fail("chunked a drag"))
    assert dragged.partial and s.is_preview("c1")
    out = s.render_all()
    assert not s.is_preview("c1")
    assert np.allclose(out["c1"], engine.render(dragged.alignment), atol=1e-5)


def test_an_edit_beyond_near_still_starts_from_a_first_chunk(engine):
    """An edit that moves the line's front statistics beyond NEAR (here: twice as slow)
    borrows its previous statistics anyway: a first chunk before the whole line, a preview,
    and finalize gives the one-piece render."""
    s = Session(one_cue(), engine_factory=lambda: engine)
    old = s.update("c1").alignment
    s.apply(Retime("c1", tuple(2 * d for d in old.durations)))
    new = s.project.cue("c1").alignment
    with engine._lock:
        moved = front_distance(line_features(engine, new).front_stats,
                               line_features(engine, old).front_stats)
    assert moved > NEAR
    got = []
    r = s.update_progressive("c1", lambda c, ch: got.append((ch, s.audio(c) is not None)))
    assert len(got) >= 3 and not got[0][0].last and got[0][0].hi < new.n_frames // 4
    assert all(served for _, served in got)              # served as it filled in
    assert got[-1][0].source == "far line" and s.is_preview("c1")
    whole = engine.render(new)
    assert log_mel_distance(r.audio, whole) <= FAR_DB
    assert np.allclose(s.finalize("c1"), whole, atol=1e-5) and not s.is_preview("c1")


def test_player_patch_writes_into_the_sound_playing():
    from app.playback import Player
    p = Player(prefer="silent")
    p.play(np.zeros(24000, np.float32), 24000, t0=10.0)
    assert p.patch(10.5, np.ones(100, np.float32), 24000)
    assert p._buffer[12000:12100].sum() == 100 and not p._buffer[:12000].any()
    assert p.patch(10.99, np.ones(1000, np.float32), 24000)      # clipped at the end
    p.play(np.zeros(24000, np.float32), 24000, t0=10.0, speed=2.0)   # varispeed: a copy
    assert not p.patch(10.5, np.ones(100, np.float32), 24000)
    p.stop()
    assert not p.patch(10.5, np.ones(100, np.float32), 24000)
