"""The emotion analyzers: the MiniLM zero-shot baseline and the shipped LoRA SmolLM2."""
import pytest

from core.instruct.analyzer import LLMAnalyzer, MiniLMAnalyzer, prune
from core.instruct.pipeline import analyze_emotion


def test_prune_renormalises():
    out = prune({"angry": 0.6, "sad": 0.3, "fear": 0.1})
    assert out == {"angry": 0.67, "sad": 0.33}
    assert prune({"angry": 0.1, "sad": 0.12}) == {"sad": 1.0}


def test_minilm_baseline_plain_labels():
    an = MiniLMAnalyzer()
    assert max(an.scores("she is furious and hostile").items(), key=lambda kv: kv[1])[0] == "angry"
    assert list(an("sorrowful, grieving"))[0] == "sad"


def test_empty_instruction_is_neutral():
    assert analyze_emotion("   ") == {"neutral": 1.0}


@pytest.mark.slow
def test_lora_analyzer_on_heldout_phrasings():
    """Held-out families (director's notes, casual talk) were never used in training."""
    an = LLMAnalyzer()
    cases = {"Director's note: you're terrified, something is coming for you": "fear",
             "really mad": "angry",
             "Note: play it mournful, close to tears": "sad"}
    for text, want in cases.items():
        scores = an.scores(text)
        assert abs(sum(scores.values()) - 1) < 1e-4
        assert max(scores, key=scores.get) == want, (text, scores)
        assert scores[want] > 0.4
