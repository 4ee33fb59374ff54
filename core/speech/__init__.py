"""Speech analysis shared by the video analysis, voice cloning and evaluation, at
16 kHz mono (core.constants.ANALYSIS_SR):

- checks: loading a file's audio for measuring, and the checks every measurement makes;
- vad: speech activity (silero-vad);
- pitch: F0 tracks (swift-f0);
- asr: Whisper tiny.en transcripts and word timings;
- transcript: text normalisation and word error rate;
- speaker: d-vector speaker embeddings (ONNX, and a differentiable torch port).

Nothing here imports core.evaluate, core.voice_clone or core.analyze.
"""
