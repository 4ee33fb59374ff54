"""The optional MLLM backend, run for real on a tiny randomly initialised Llama
built here (so the local-directory loading and generation paths are exercised)."""
import os

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from core.errors import ModelMissingError  # noqa: E402
from core.video import mllm  # noqa: E402


def _tiny_model_dir(tmp_path):
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    words = set()
    for text in (mllm.RATE_PROMPT, mllm.EMOTION_PROMPT, "User: Assistant: Video observations: the mouth "
                 "opens and closes times per second pace is slow brisk happy sad calm"):
        words.update(text.replace(".", " . ").replace(",", " , ").replace("?", " ? ").split())
    vocab = {t: i for i, t in enumerate(["<unk>", "<pad>", "<s>", "</s>"] + sorted(words))}
    tk = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tk.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tok = PreTrainedTokenizerFast(tokenizer_object=tk, unk_token="<unk>", pad_token="<pad>",
                                  bos_token="<s>", eos_token="</s>")
    torch.manual_seed(0)
    cfg = LlamaConfig(vocab_size=len(vocab), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                      num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=256,
                      bos_token_id=2, eos_token_id=3, pad_token_id=1)
    d = tmp_path / "tiny-llm"
    LlamaForCausalLM(cfg).save_pretrained(d)
    tok.save_pretrained(d)
    return d


def test_backend_answers_both_paper_prompts(tmp_path):
    d = _tiny_model_dir(tmp_path)
    be = mllm.MllmBackend(d, device="cpu", max_new_tokens=6, min_new_tokens=3)
    assert not be.vision
    m = {"syllable_rate": 4.2, "trend": {"first": 5.0, "second": 3.1}, "pauses": [[1.0, 1.4]],
         "expression": {"sequence": [{"emotion": "happy"}, {"emotion": "sad"}]}}
    context = mllm.describe_measurements(m)
    assert "4.2 times per second" in context and "happy then sad" in context
    rate, emo = be.instructions("Why did you bring me here?", [np.zeros((8, 8, 3), np.uint8)], m)
    # a random model writes nonsense, but it is real decoded generation from the vocabulary
    for ans in (rate, emo):
        assert ans and all(w in be.tokenizer.get_vocab() for w in ans.split())
    # greedy decoding is deterministic
    assert be.instructions("Why did you bring me here?", [], m) == (rate, emo)


def test_prompts_are_the_papers():
    p = mllm.RATE_PROMPT.format(script="Hi.")
    assert p.startswith('The character\'s script is "Hi.". Based on the script and the changes')
    assert p.endswith("If the pace varies, describe the trend.")
    assert "analyze the emotional changes" in mllm.EMOTION_PROMPT


def test_missing_model_dir_is_a_clear_error(tmp_path):
    with pytest.raises(ModelMissingError, match="config.json"):
        mllm.MllmBackend(tmp_path / "nowhere")
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "config.json").write_text("{}")
    with pytest.raises(ModelMissingError):
        mllm.MllmBackend(tmp_path / "broken")


def test_analyze_with_the_mllm_backend_keeps_the_embedded_text(tmp_path):
    from _synth_video import syllable_openings, write_cartoon
    from core.analyze import AnalysisOptions, analyze
    from core.script import parse_text
    d = _tiny_model_dir(tmp_path)
    v = write_cartoon(tmp_path / "r.avi", syllable_openings(1.0, 4.0))
    p = analyze(v, parse_text("Beep boop."), AnalysisOptions(mllm_dir=str(d)))
    c = p.cues[0]
    assert c.measurements["instruction_source"] == "mllm:tiny-llm"
    assert "face could not be tracked" in c.measurements["embedded_instructions"]["rate"]
    assert c.rate_instruction and c.rate_instruction != c.measurements["embedded_instructions"]["rate"]


def _tiny_llava_dir(tmp_path):
    """A tiny random LLaVA (CLIP vision tower + Llama) with its processor, saved locally."""
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import (CLIPImageProcessor, CLIPVisionConfig, LlamaConfig, LlavaConfig,
                              LlavaForConditionalGeneration, LlavaProcessor, PreTrainedTokenizerFast)

    words = sorted(set(("the character's script is based on and changes in mouth movements video what "
                        "speaking pace ? if varies describe trend . please analyze emotional").split()))
    vocab = {t: i for i, t in enumerate(["<unk>", "<pad>", "<s>", "</s>", "<image>", "USER:", "ASSISTANT:"] + words)}
    tk = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tk.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tok = PreTrainedTokenizerFast(tokenizer_object=tk, unk_token="<unk>", pad_token="<pad>",
                                  bos_token="<s>", eos_token="</s>")
    tok.add_special_tokens({"additional_special_tokens": ["<image>"]})
    template = ("{% for m in messages %}{{ m['role'].upper() }}: {% if m['content'] is string %}"
                "{{ m['content'] }}{% else %}{% for c in m['content'] %}{% if c['type'] == 'image' %}"
                "<image> {% else %}{{ c['text'] }}{% endif %}{% endfor %}{% endif %} {% endfor %}"
                "{% if add_generation_prompt %}ASSISTANT:{% endif %}")
    proc = LlavaProcessor(image_processor=CLIPImageProcessor(size={"shortest_edge": 28},
                                                             crop_size={"height": 28, "width": 28}),
                          tokenizer=tok, patch_size=14, vision_feature_select_strategy="default",
                          chat_template=template, num_additional_image_tokens=1)
    cfg = LlavaConfig(
        vision_config=CLIPVisionConfig(hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                                       num_attention_heads=2, image_size=28, patch_size=14),
        text_config=LlamaConfig(vocab_size=len(vocab), hidden_size=32, intermediate_size=64,
                                num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                                max_position_embeddings=512, bos_token_id=2, eos_token_id=3, pad_token_id=1),
        image_token_index=vocab["<image>"], vision_feature_select_strategy="default", vision_feature_layer=-1)
    torch.manual_seed(0)
    d = tmp_path / "tiny-llava"
    LlavaForConditionalGeneration(cfg).save_pretrained(d)
    proc.save_pretrained(d)
    return d


def test_vision_model_gets_the_frames_as_images(tmp_path):
    be = mllm.MllmBackend(_tiny_llava_dir(tmp_path), device="cpu", max_new_tokens=5, min_new_tokens=2)
    assert be.vision
    rng = np.random.default_rng(0)
    frames = [rng.integers(0, 255, (40, 60, 3), dtype=np.uint8) for _ in range(3)]
    rate, emo = be.instructions("Hello there.", frames, {})
    assert rate and emo
    # the answer depends on the pixels: the frames really reach the model
    other = [np.zeros((40, 60, 3), np.uint8)] * 3
    answers = {be.instructions("Hello there.", f, {})[0] for f in (frames, other, [f[::-1] for f in frames])}
    assert rate in answers and len(answers) >= 2
