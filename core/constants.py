"""Numbers and names used across the engine, in one place.

Units are Kokoro's: 24 kHz audio; one duration frame is 600 samples (25 ms);
F0 and energy have two values per duration frame (12.5 ms).
"""
SAMPLE_RATE = 24000                       # the backbone's audio rate
FRAME_SAMPLES = 600                       # one duration frame, 25 ms
FRAME_SECONDS = FRAME_SAMPLES / SAMPLE_RATE
FRAMES_PER_SECOND = SAMPLE_RATE // FRAME_SAMPLES   # 40
CURVE_PER_FRAME = 2                       # f0/energy values per duration frame
CURVE_SAMPLES = FRAME_SAMPLES // CURVE_PER_FRAME   # 300: audio samples per f0/energy value,
                                          # a step of the generator's input
ANALYSIS_SR = 16000                       # VAD, pitch tracking, ASR and speaker embeddings

DEFAULT_VOICE = "en_lj"                   # the voice a new cue or `say` uses (resources/voices)
CLONE_STEPS = 18                          # acoustic steps of a clone (editor, `voices clone`)
STYLE_DIM = 256                           # 128 acoustic dims, then 128 prosodic

# F0 below this counts as unvoiced, everywhere: the decoder's harmonic source is
# silent under it, and the predictor's "unvoiced" frames sit far below it.
UNVOICED_HZ = 10.0

# The original track under the dub, in the editor's preview and in the exported mix.
ORIGINAL_GAIN_DB = -12.0

MAX_TOKENS = 510                          # the backbone's phoneme limit, pads included

# Training: weight of IDD's line-head term (tempo, trend, pauses as stated; 2 left
# the trends flat, docs/method.md run 8).
IDD_LINE_WEIGHT = 10.0
