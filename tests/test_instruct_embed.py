"""core.instruct.minilm against transformers' BertModel on the shipped MiniLM weights."""
import torch

from core.instruct import embed
from core.instruct.minilm import MiniLM, encode_batch, tokenizer

TEXTS = ["Speak a little faster, with pauses.", "Slow down toward the end; calm and sad.",
         "Ünïcode café — naïve résumé!!", "x"]


def test_minilm_gives_the_transformers_numbers():
    from transformers import AutoModel, AutoTokenizer
    folder = embed.model_dir()
    ref_tok = AutoTokenizer.from_pretrained(folder, local_files_only=True)
    ref = AutoModel.from_pretrained(folder, local_files_only=True).eval()
    want = ref_tok(TEXTS, return_tensors="pt", truncation=True, max_length=embed.MAX_TOKENS,
                   padding=True)
    ids, mask = encode_batch(tokenizer(folder, embed.MAX_TOKENS), TEXTS)
    assert torch.equal(ids, want["input_ids"]) and torch.equal(mask, want["attention_mask"])
    with torch.no_grad():
        ref_hidden = ref(**want).last_hidden_state
    hidden = MiniLM(folder)(ids, mask)
    assert ((hidden - ref_hidden).abs() * mask[..., None]).max() < 2e-5


def test_token_embeddings_one_and_many_agree_and_cut_long_text():
    one = embed.token_embeddings(TEXTS[0])
    many = embed.token_embeddings_many(TEXTS)
    assert one.shape == (10, embed.EMBED_DIM)                 # [CLS] 8 word pieces [SEP]
    assert torch.allclose(many[0], one, atol=1e-5)
    assert [m.shape[0] for m in many][-1] == 3                  # "x": [CLS] x [SEP]
    assert embed.token_embeddings("word " * 400).shape[0] == embed.MAX_TOKENS
    v = embed.sentence_embedding(TEXTS[1])
    assert abs(float(v.norm()) - 1) < 1e-5
