"""instructed_predict with the real engine and the shipped checkpoints."""
import numpy as np
import pytest

from core.errors import UserError
from core.instruct import checkpoints
from core.instruct.idd import SlotTooShortError
from core.instruct.pipeline import (NO_EMOTION_NOTE, NO_RATE_NOTE, instructed_predict,
                                    parse_entities)

# Held-out phrasings: from the "director" and "casual" families, never used in training.
FAST = ["Director's note: really push the tempo here, rapid-fire, no breathing room",
        "rattle it off super fast"]
SLOW = ["Director's note: way down on the tempo, slow and heavy, really stretch it out",
        "take your sweet time, nice and sloooow"]
LINES = ["Wait, we can look at that colour intensity together.",
         "Place blue with O eight please.",
         "They are a terrific carbon alloy, and I can fly."]


@pytest.fixture(scope="module")
def phon(engine):
    return engine.phonemize(LINES[0])


def test_shipped_checkpoints_load():
    idd, iec = checkpoints.load_idd(), checkpoints.load_iec()
    assert idd.use_slots and idd.slot_attn.slots.shape[0] == 10
    assert iec.pitch_head.weight.abs().sum() > 0          # trained, not the zero init
    side = checkpoints.read_sidecar()
    assert "command" in side and "idd.pt" in side["files"]
    total = sum(p.stat().st_size for p in checkpoints.CHECKPOINT_DIR.iterdir())
    assert total < 8e6


def test_empty_instructions_mean_neutral_and_steady(engine, phon):
    al = instructed_predict(engine, phon, "jm_kumo")
    base = engine.predict(phon, "jm_kumo")
    assert np.array_equal(al.durations, base.durations)
    assert np.allclose(al.f0, base.f0) and np.allclose(al.energy, base.energy)
    assert NO_RATE_NOTE in al.extra["notes"] and NO_EMOTION_NOTE in al.extra["notes"]
    assert al.entities == {"neutral": 1.0}
    al.validate()


def test_slot_exact_and_recorded(engine, phon):
    al = instructed_predict(engine, phon, "jm_kumo", rate_instruction="a bit faster",
                            entities="angry=0.7,sad=0.3", slot_seconds=2.37)
    assert sum(al.durations) == round(2.37 * 40) and min(al.durations) >= 1
    assert al.instructions == {"rate": "a bit faster", "emotion": ""}
    assert al.entities == {"angry": 0.7, "sad": 0.3} and al.extra["entity_source"] == "explicit"
    assert len(al.f0) == 2 * sum(al.durations)
    al.validate()


def test_absurd_slot_is_a_clear_error(engine, phon):
    with pytest.raises(SlotTooShortError, match="at least one frame"):
        instructed_predict(engine, phon, "jm_kumo", rate_instruction="faster", slot_seconds=0.1)


def test_bad_entities_are_clear():
    with pytest.raises(UserError, match="unknown emotion entity"):
        parse_entities("grumpy=1")
    with pytest.raises(UserError, match="angry=0.7"):
        parse_entities("angry=lots")


def test_rate_direction_on_heldout_phrasings(engine):
    """'much faster' must give a clearly shorter pre-slot total than 'much slower'."""
    for text in LINES:
        phon = engine.phonemize(text)
        for fast, slow in zip(FAST, SLOW):
            t_fast = instructed_predict(engine, phon, "jm_kumo", rate_instruction=fast).extra[
                "idd_frames_before_slot"]
            t_slow = instructed_predict(engine, phon, "jm_kumo", rate_instruction=slow).extra[
                "idd_frames_before_slot"]
            assert t_fast < 0.8 * t_slow, (text, fast, t_fast, t_slow)


def test_emotion_direction(engine, phon):
    """Explicit entities move F0 and level the way RAVDESS's actors do against their
    neutral reading (the shipped IEC learned from them; measured on the training actors:
    angry +10.8 st / +22.5 dB, happy +9.7 / +14.1, sad +4.9 / +3.7). Acted sadness is
    higher, not lower, than a neutral reading."""
    def run(entities):
        al = instructed_predict(engine, phon, "jm_kumo", entities=entities)
        f0 = np.asarray(al.f0)
        return np.log(f0[f0 > 40]), al.extra.get("gain_db", 0.0)
    semitone = 12 / np.log(2)
    neutral, g_neutral = run({"neutral": 1})
    (sad, g_sad), (happy, g_happy), (angry, g_angry) = (run({e: 1}) for e in ("sad", "happy", "angry"))
    rise = {name: (x.mean() - neutral.mean()) * semitone
            for name, x in (("sad", sad), ("happy", happy), ("angry", angry))}
    assert rise["happy"] > 3 and rise["angry"] > 3, rise
    assert rise["sad"] < min(rise["happy"], rise["angry"]) - 1.5, rise
    assert abs(g_neutral) < 1.5 and g_angry > g_happy > g_sad + 3, (g_neutral, g_angry, g_happy, g_sad)
    # not asserted: sad's narrower F0 range (RAVDESS: x0.91 against happy's x1.11); the
    # shipped IEC gives both about the same spread (std of log-F0 0.19 on this line)


def test_slot_plan_keeps_the_lead_in_for_prediction_and_trims_it_after():
    from core.instruct.idd import FINAL_MAX_FRAMES, slot_plan, trim_to_plan
    tokens = ["$", "h", "i", ".", "$"]
    predict, keep = slot_plan(tokens, [15.0, 2.0, 12.0, 6.0, 4.0], 1.0)
    assert sum(keep) == 40
    assert keep[0] == 1 and keep[3] == keep[4] == 2          # edges trimmed
    assert keep[1] + keep[2] == 35                           # the speech takes the rest
    assert keep[2] / keep[1] == pytest.approx(FINAL_MAX_FRAMES / 2.0, rel=0.15)
    assert predict[0] == 15 and predict[3:] == [6, 4]        # predicted with natural edges
    curve = [float(i) for i in range(2 * sum(predict))]
    kept = trim_to_plan(curve, predict, keep)
    assert len(kept) == 2 * sum(keep)
    assert kept[:2] == curve[28:30]                          # the lead pad keeps its end
    assert kept[2:4] == curve[30:32]                         # speech starts right after
    # a tight slot still sums exactly (everything scaled, nothing trimmed)
    predict, keep = slot_plan(tokens, [15.0, 2.0, 12.0, 6.0, 4.0], 0.15)
    assert sum(keep) == 6 and predict == keep


def test_instructed_line_speaks_from_the_slot_start(engine):
    phon = engine.phonemize("Bin blue with e four now.")
    al = instructed_predict(engine, phon, "jm_kumo", rate_instruction="steady", slot_seconds=2.0)
    assert al.n_frames == 80 and al.durations[0] == 1
    audio = engine.render(al)
    first_word = audio[600:sum(al.durations[:5]) * 600]       # "bˈɪn" right after the pad
    assert np.sqrt(np.mean(first_word ** 2)) > 0.02             # voiced, not a silent lead-in
