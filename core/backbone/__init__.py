"""The Kokoro-82M backbone (a StyleTTS2-class model): weights, conversion, network."""
