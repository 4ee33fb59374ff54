"""The instruction writer: deterministic text whose numbers are the measured ones."""
from core.video import writer

MOUTH = {"visible": True, "face_found_share": 1.0, "syllable_rate": 5.2, "active": [1.0, 3.0],
         "pauses": [[1.9, 2.3]], "trend": {"first": 6.1, "second": 3.4, "ratio": 0.56}}
EXPR = {"mean": {"happy": 0.55, "angry": 0.0, "disgust": 0.0, "fear": 0.0, "neutral": 0.1,
                 "sad": 0.0, "surprise": 0.35},
        "dominant": "happy", "frames": 12,
        "sequence": [{"emotion": "surprise", "start": 1.0, "end": 1.6},
                     {"emotion": "happy", "start": 1.6, "end": 3.0}]}
TEXT = "You see, babies aren't getting as much love."


def test_rate_from_the_mouth():
    s = writer.rate_instruction(TEXT, 2.0, MOUTH, None)
    assert s.startswith("The speaking pace looks fast")       # 5.2 cycles x 1.5
    assert "5.2 times per second" in s and "slows towards the end" in s and "6.1 then 3.4 cycles" in s
    assert "the mouth closes for 0.4 s after about the" in s
    assert s == writer.rate_instruction(TEXT, 2.0, MOUTH, None)        # deterministic


def test_guide_audio_leads_when_present():
    guide = {"speech_found": True, "speech_seconds": 2.5, "syllable_rate": 3.0, "onset": 1.0,
             "offset": 3.0, "pauses": [], "trend": {"first": 3.0, "second": 3.1, "ratio": 1.03},
             "f0_median": 231.0, "f0_range_st": 9.4}
    s = writer.rate_instruction(TEXT, 2.0, MOUTH, guide)
    # the script's 10 syllables over 2.5 s of measured speech
    assert s.startswith("The speaking pace is moderate: the original voice speaks the line's 10 "
                        "syllables in 2.5 s of speech, about 4.0 per second")
    assert "pace stays even" in s
    assert "5.2 times per second" in s                                 # the mouth still reported
    e = writer.emotion_instruction(TEXT, EXPR, guide, 1.0)
    assert "231 Hz" in e and "lively" in e and "melody, word by word" not in e
    words = TEXT.split()
    guide["melody"] = [[w, "high" if i == 0 else None] for i, w in enumerate(words)]
    e = writer.emotion_instruction(TEXT, EXPR, guide, 1.0)
    assert f'The melody, word by word: "{words[0]}" high.' in e


def test_emotion_sequence_and_weights():
    e = writer.emotion_instruction(TEXT, EXPR, None, 1.0)
    assert e.startswith("The character looks surprised, then pleased")
    assert "55% happy" in e and "35% surprise" in e and "12 face crops" in e
    w = writer.entity_weights(EXPR)
    assert set(w) == {"happy", "surprise", "neutral"} and abs(sum(w.values()) - 1) < 0.01
    assert writer.emotion_instruction("Why?", EXPR, None, 1.0).endswith("The line is a question.")


def test_no_face_says_so_and_measures_nothing():
    gone = {"visible": False, "face_found_share": 0.0}
    s = writer.rate_instruction("Sly fox, dumb bunny.", 2.0, gone, None)
    assert "face could not be tracked" in s and "No pace was measured" in s
    assert "5 syllables in a 2.0 s slot" in s and "an unhurried, even pace fits" in s
    e = writer.emotion_instruction("Sly fox, dumb bunny.", None, None, 0.0)
    assert "could not be tracked" in e and "neutral" in e
    assert writer.entity_weights(None) == {"neutral": 1.0}


def test_pause_place_follows_the_beats():
    # 6 beats before the pause, 2 after: the pause falls after the 6th of 8 syllables
    # ("one two three four five six | seven eight"), though it sits mid-way in time
    text = "one two three four five six seven eight"
    mouth = {"visible": True, "face_found_share": 1.0, "syllable_rate": 4.0, "active": [0.0, 4.0],
             "pauses": [[2.0, 2.5]], "trend": None,
             "peak_times": [0.2, 0.5, 0.8, 1.1, 1.4, 1.7, 3.0, 3.5]}
    assert "after about the sixth word ('six')" in writer.rate_instruction(text, 4.0, mouth, None)
    del mouth["peak_times"]
    assert "after about the fourth word ('four')" in writer.rate_instruction(text, 4.0, mouth, None)


def test_heard_words_place_the_pauses():
    from core.speech.asr import word_pauses
    words = [{"word": "You", "start": 0.2, "end": 0.4}, {"word": "see", "start": 0.4, "end": 1.0},
             {"word": "babies", "start": 1.4, "end": 1.6}, {"word": "aren't", "start": 1.6, "end": 1.9}]
    pauses = word_pauses(words)
    assert pauses == [{"after": "see", "index": 1, "start": 1.0, "end": 1.4}]
    guide = {"speech_found": True, "speech_seconds": 1.5, "syllable_rate": 3.0, "onset": 0.2,
             "offset": 1.9, "pauses": [], "trend": None, "words": words, "word_pauses": pauses}
    mouth = dict(MOUTH, pauses=[[1.62, 1.9]])
    s = writer.rate_instruction("You see, babies aren't", 2.0, mouth, guide)
    assert "the voice pauses for 0.4 s after 'see'" in s
    assert "it stays closed for 0.3 s after 'babies'" in s


def test_misheard_words_are_mapped_back_to_the_script():
    # heard "I'm sorry Amy I'm Sam" for "Wow, they're shiny. I'm Sam."
    heard = [{"word": w, "start": i * 0.3, "end": i * 0.3 + 0.2}
             for i, w in enumerate(["I'm", "sorry", "Amy", "I'm", "Sam"])]
    from core.video.writer import _script_word
    text = "Wow, they're shiny. I'm Sam."
    assert _script_word(text, heard, 3) == "I'm" and _script_word(text, heard, 4) == "Sam"
    assert _script_word(text, heard, 2) == "shiny"          # unmatched: placed by share
