"""core.render_cache: the engine keeps recent full renders by content; a hit is what
rendering again gives, and any change to what the decoder reads is a miss."""
import numpy as np
import pytest
import torch

from core.render_cache import RenderCache, has_render, render_key


def test_a_hit_is_the_render_and_the_gain_is_applied_after(engine):
    al = engine.predict(engine.phonemize("Bin."), "jm_kumo")
    engine.renders.clear()
    misses = engine.renders.misses
    first = engine.render(al)
    assert engine.renders.misses == misses + 1 and has_render(engine, al)
    hits = engine.renders.hits
    again = engine.render(al.copy())
    assert engine.renders.hits == hits + 1
    assert np.array_equal(again, first) and again is not first
    again[:] = 0                                   # a caller's array is its own
    assert np.array_equal(engine.render(al), first)
    quieter = al.copy()
    quieter.extra["gain_db"] = -6.0                # the gain scales the kept render
    out = engine.render(quieter)
    assert engine.renders.hits == hits + 3
    assert np.allclose(out, first * 10 ** (-6 / 20), atol=1e-6)
    # the statistics come back with a hit: an edit then re-renders only its span
    engine._stats.clear()
    engine.render(al)
    edited = al.copy()
    edited.f0[4] += 20.0
    assert len(engine.render_edit(al, first, edited)) == len(first)
    assert engine.renders.hits == hits + 4 and not has_render(engine, edited)


def test_the_key_changes_with_everything_the_decoder_reads(engine):
    al = engine.predict(engine.phonemize("Bin blue."), "jm_kumo")
    style = engine._style(al.voice, len(al.phonemes))
    key = render_key(al, style, 0, "cpu")
    assert render_key(al.copy(), style.clone(), 0, "cpu") == key
    changed = []
    for field, i, delta in (("f0", 7, 1e-3), ("energy", 3, 1e-4), ("durations", 2, 1)):
        other = al.copy()
        getattr(other, field)[i] += delta
        changed.append(render_key(other, style, 0, "cpu"))
    other = al.copy()
    other.phonemes[2] = "p" if other.phonemes[2] != "p" else "t"
    changed.append(render_key(other, style, 0, "cpu"))
    changed.append(render_key(al, engine._style("jf_alpha", len(al.phonemes)), 0, "cpu"))
    changed.append(render_key(al, style + 1e-6, 0, "cpu"))
    changed.append(render_key(al, style, 1, "cpu"))
    changed.append(render_key(al, style, 0, "cuda:0"))
    assert key not in changed and len(set(changed)) == len(changed)
    other = al.copy()
    other.extra["gain_db"] = -3.0                  # applied after the decoder: the same key
    assert render_key(other, style, 0, "cpu") == key


def test_least_recently_used_out_by_count_and_bytes():
    stats = [(torch.zeros(1, 4, 1), torch.ones(1, 4, 1))]
    cache = RenderCache(max_entries=2, max_bytes=10_000)
    for k in "abc":
        cache.put(k, np.full(100, ord(k), np.float32), stats)
        if k == "b":
            assert cache.get("a") is not None      # a is now the most recent
    assert "b" not in cache and "a" in cache and "c" in cache and len(cache) == 2
    cache.put("big", np.zeros(2400, np.float32), stats)    # 9.6 kB: the others go
    assert list(cache._entries) == ["big"]
    cache.put("huge", np.zeros(3000, np.float32), stats)   # over the limit: not kept
    assert "huge" not in cache and cache.get("huge") is None
    audio, got = cache.get("big")
    assert got is stats and audio.dtype == np.float32 and not audio.any()
    cache.clear()
    assert len(cache) == 0
