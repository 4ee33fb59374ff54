"""Cloning through the voice fit, made small for tests of its plumbing."""


def small_fit(monkeypatch):
    """Cloning through the fit, made small: 2 prosody steps, one short validation crop, the
    clone's start (en_lj), d-vector-only acoustic loss and unmeasured start (test_voice_fit
    checks what the fit does); fits that choose among packs take 2."""
    from core.voice_fit import FitSettings
    monkeypatch.setattr("core.voice_fit.START_PACKS", ("jf_alpha", "jm_kumo"))
    monkeypatch.setattr("core.voice_fit.clone.clone_settings", lambda steps: FitSettings(
        prosody_steps=2, prosody_batch=1, acoustic_steps=steps, crop_frames=24, val_crops=1,
        mel_weight=0.0, acoustic_start="average", measure_start=False))
