"""Optional MLLM backend: a user-supplied local transformers model answers the
paper's two prompts (speaking rate, emotion) for a cue.

Nothing is downloaded: the model directory is loaded with local_files_only=True.
A vision-language model (its config has a `vision_config`, e.g. Qwen2.5-VL or
LLaVA-NeXT-Video) gets the cue's frames as images; a text-only causal LM gets the
embedded analyser's measurements written out as text in front of the prompt.
The embedded analyser stays the default; this runs only when asked for.
"""
from __future__ import annotations

import logging
from pathlib import Path

from core.errors import ModelMissingError, UserError

log = logging.getLogger(__name__)

RATE_PROMPT = ("The character's script is \"{script}\". Based on the script and the changes in the "
               "character's mouth movements in the video, what is the speaking pace? If the pace "
               "varies, describe the trend.")
EMOTION_PROMPT = ("The character's script is \"{script}\". Please analyze the emotional changes of the "
                  "characters in this video based on the video content and the script.")


def describe_measurements(m: dict) -> str:
    """The measured facts, in words, for a model that cannot see the frames."""
    parts = []
    mouth_rate = m.get("syllable_rate")
    if mouth_rate is not None:
        parts.append(f"the mouth opens and closes {mouth_rate:.1f} times per second")
        t = m.get("trend") or {}
        if t.get("first") is not None:
            parts.append(f"{t['first']:.1f} per second in the first half and {t['second']:.1f} in the second")
        if m.get("pauses"):
            parts.append(f"the mouth stays closed {len(m['pauses'])} time(s) for "
                         + ", ".join(f"{b - a:.1f} s" for a, b in m["pauses"]))
    else:
        parts.append("the face could not be tracked")
    ex = m.get("expression")
    if ex:
        seq = " then ".join(s["emotion"] for s in ex["sequence"])
        parts.append(f"facial expression over time: {seq}")
    g = m.get("guide") or {}
    if g.get("speech_found"):
        parts.append(f"the original voice says {g['syllable_rate']:.1f} syllables per second")
        if "f0_median" in g:
            parts.append(f"its median pitch is {g['f0_median']:.0f} Hz with a range of "
                         f"{g.get('f0_range_st', 0):.0f} semitones")
    return "Video observations: " + "; ".join(parts) + "."


class MllmBackend:
    """Loads `model_dir` once; `instructions()` answers both prompts for one cue."""

    def __init__(self, model_dir: str | Path, device: str | None = None, max_new_tokens: int = 96,
                 min_new_tokens: int = 1):
        import torch
        import transformers as tf
        from core.device import pick_device

        self.dir = Path(model_dir)
        if not (self.dir / "config.json").is_file():
            raise ModelMissingError(
                f"no transformers model in {self.dir} (config.json missing); give the folder of a "
                "downloaded model such as Qwen2.5-VL-7B-Instruct")
        self.device = pick_device(device)
        self.max_new_tokens, self.min_new_tokens = max_new_tokens, min_new_tokens
        dtype = torch.bfloat16 if self.device.type == "cuda" else torch.float32
        kw = {"local_files_only": True}
        try:
            config = tf.AutoConfig.from_pretrained(self.dir, **kw)
            self.vision = getattr(config, "vision_config", None) is not None
            if self.vision:
                self.processor = tf.AutoProcessor.from_pretrained(self.dir, **kw)
                self.tokenizer = getattr(self.processor, "tokenizer", self.processor)
                self.model = self._load_vision_model(tf, dtype, kw)
            else:
                self.processor = None
                self.tokenizer = tf.AutoTokenizer.from_pretrained(self.dir, **kw)
                self.model = tf.AutoModelForCausalLM.from_pretrained(self.dir, dtype=dtype, **kw)
        except (OSError, ValueError, KeyError) as e:
            raise ModelMissingError(f"cannot load the model in {self.dir}: {e}") from None
        self.model.to(self.device).eval()
        log.info("MLLM backend: %s (%s) on %s", self.dir.name,
                 "vision" if self.vision else "text only", self.device)

    def _load_vision_model(self, tf, dtype, kw):
        """The image-text-to-text auto class covers Qwen2/2.5-VL, LLaVA(-NeXT) and most
        others; some (e.g. omni models) register only as causal LMs."""
        errors = []
        for auto in ("AutoModelForImageTextToText", "AutoModelForCausalLM"):
            cls = getattr(tf, auto, None)
            if cls is None:
                continue
            try:
                return cls.from_pretrained(self.dir, dtype=dtype, **kw)
            except ValueError as e:       # this auto class does not know the architecture
                errors.append(f"{auto}: {e}")
        raise ValueError("; ".join(errors) or "no transformers auto class fits")

    def _chat_text(self, content: str, n_images: int = 0) -> str:
        tok = self.processor if self.vision else self.tokenizer
        if getattr(tok, "chat_template", None):
            parts = [{"type": "image"} for _ in range(n_images)] + [{"type": "text", "text": content}]
            msg = [{"role": "user", "content": parts if self.vision else content}]
            return tok.apply_chat_template(msg, add_generation_prompt=True, tokenize=False)
        return f"User: {content}\nAssistant:"

    def ask(self, prompt: str, frames: list | None = None, context: str = "") -> str:
        """One answer, greedy. `frames`: RGB uint8 arrays (used by vision models)."""
        import torch
        frames = list(frames or [])
        if self.vision and frames:
            from PIL import Image
            images = [Image.fromarray(f) for f in frames]
            text = self._chat_text(prompt, len(images))
            inputs = self.processor(text=[text], images=images, return_tensors="pt")
        else:
            text = self._chat_text(f"{context}\n{prompt}".strip())
            inputs = self.tokenizer(text, return_tensors="pt")
        inputs = {k: v.to(self.device) for k, v in inputs.items() if hasattr(v, "to")}
        pad = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else self.tokenizer.eos_token_id
        with torch.inference_mode():
            out = self.model.generate(**inputs, do_sample=False, max_new_tokens=self.max_new_tokens,
                                      min_new_tokens=self.min_new_tokens, pad_token_id=pad)
        new = out[0, inputs["input_ids"].shape[1]:]
        answer = self.tokenizer.decode(new, skip_special_tokens=True).strip()
        if not answer:
            raise UserError(f"the model in {self.dir} gave an empty answer; try another model "
                            "or use the embedded analyser")
        return answer

    def instructions(self, script: str, frames: list, measurements: dict) -> tuple[str, str]:
        """(rate instruction, emotion instruction) for one cue."""
        context = "" if (self.vision and frames) else describe_measurements(measurements)
        rate = self.ask(RATE_PROMPT.format(script=script), frames, context)
        emotion = self.ask(EMOTION_PROMPT.format(script=script), frames, context)
        return rate, emotion
