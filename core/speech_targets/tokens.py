"""Kokoro tokens of a transcript: what kind each is, its ARPAbet phone, the words the
aligner sees, and the groups durations are compared on."""
from __future__ import annotations

PAD = "$"
STRESS = set("ˈˌ")
# Kokoro phone tokens -> ARPAbet (pocketsphinx en-us); two-token r-coloured vowels first
PAIR_ARPA = {("ɜ", "ɹ"): "ER", ("ə", "ɹ"): "ER"}
TOKEN_ARPA = {
    "A": "EY", "I": "AY", "W": "AW", "O": "OW", "Y": "OY", "ʧ": "CH", "ʤ": "JH",
    "ə": "AH", "ᵊ": "AH", "ʌ": "AH", "ɪ": "IH", "ᵻ": "IH", "ɛ": "EH", "æ": "AE", "ʊ": "UH",
    "i": "IY", "u": "UW", "ɑ": "AA", "ɔ": "AO", "ɒ": "AA", "ɜ": "ER", "a": "AE",
    "θ": "TH", "ð": "DH", "ʃ": "SH", "ʒ": "ZH", "ŋ": "NG", "ɹ": "R", "T": "T", "ɡ": "G",
    "g": "G", "j": "Y", "h": "HH", "w": "W", "p": "P", "b": "B", "t": "T", "d": "D",
    "k": "K", "f": "F", "v": "V", "s": "S", "z": "Z", "m": "M", "n": "N", "l": "L",
}
VOWELS = {"EY", "AY", "AW", "OW", "OY", "AH", "IH", "EH", "AE", "UH", "IY", "UW", "AA",
          "AO", "ER"}


def last_vowel_tokens(arpabet: list[str], phone_index: list[int]) -> list[int]:
    vowels = [i for i, a in enumerate(arpabet) if a in VOWELS]
    return [i for i in vowels if phone_index[i] == phone_index[vowels[-1]]] if vowels else []


def token_kinds(tokens: list[str]) -> list[str]:
    def kind(t):
        if t == PAD:
            return "pad"
        if t in STRESS:
            return "stress"
        if t == " ":
            return "space"
        return "phone" if t in TOKEN_ARPA else "punct"
    return [kind(t) for t in tokens]


def token_groups(kinds: list[str], phone_index: list[int], durations) -> list[tuple[list[int], str]]:
    """See SpeechTargets.groups; durations decide which spaces are pauses."""
    phones = [i for i, k in enumerate(kinds) if k == "phone"]
    first, last = phones[0], phones[-1]
    groups: list[tuple[list[int], str]] = [(list(range(0, first)), "edge")]
    pending: list[int] = []                       # stress marks waiting for their phone
    i = first
    while i <= last:
        k = kinds[i]
        if k == "phone":
            idx = pending + [i]
            pending = []
            while i + 1 <= last and phone_index[i + 1] == phone_index[i]:
                idx.append(i + 1)                 # the second token of an r-coloured vowel
                i += 1
            groups.append((idx, "phone"))
        elif k == "stress":
            pending.append(i)
        elif k == "space" and durations[i] == 0 and groups[-1][1] == "phone":
            groups[-1][0].append(i)
        elif groups[-1][1] == "pause":
            groups[-1][0].append(i)
        else:
            groups.append(([i], "pause"))
        i += 1
    groups.append((list(range(last + 1, len(kinds))), "edge"))
    return groups


def token_words(tokens: list[str]) -> list[list[tuple[list[int], str]]]:
    """Words as lists of (token indices, ARPAbet phone); a word ends at a space or
    punctuation. r-coloured vowel pairs become one phone over two tokens."""
    kinds = token_kinds(tokens)
    words, cur, i = [], [], 0
    while i < len(tokens):
        if kinds[i] == "phone":
            pair = tuple(tokens[i:i + 2])
            if pair in PAIR_ARPA:
                cur.append(([i, i + 1], PAIR_ARPA[pair]))
                i += 2
                continue
            cur.append(([i], TOKEN_ARPA[tokens[i]]))
        elif kinds[i] in ("space", "punct", "pad") and cur:
            words.append(cur)
            cur = []
        i += 1
    if cur:
        words.append(cur)
    return words
