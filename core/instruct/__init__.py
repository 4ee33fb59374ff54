"""Instruction-driven duration (IDD) and prosody (IEC), after InstructDubber.

embed.py     MiniLM token and sentence embeddings (stand-in for the paper's GTE)
slots.py     slot attention over learned duration prototypes
idd.py       Instructed Duration Distilling + exact-sum rescaling to a slot
iec.py       Instructed Emotion Calibrating: zero-initialised F0/energy residual
analyzer.py  emotion instruction -> {entity: weight} (LoRA SmolLM2, MiniLM fallback)
corpus.py    synthetic training corpus: rate profiles, emotion transforms, instructions
train.py     feature cache and the training loop
pipeline.py  instructed_predict(): what `say`, the editor and the evaluator call
"""
