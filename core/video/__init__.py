"""Video analysis: decoding, face and mouth tracking, expression, cue timing and
the instruction writer. Imports no Qt; heavy models load lazily."""
