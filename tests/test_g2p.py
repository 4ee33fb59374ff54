import pytest

from core.g2p import G2PError, ipa_to_tokens, phonemize, vocab


def test_english_text_becomes_kokoro_tokens():
    tokens = phonemize("Hello, world! Take the boat.")
    text = "".join(tokens)
    assert "," in text and "!" in text                  # punctuation kept
    assert "O" in text and "A" in text                  # diphthongs in Kokoro's notation
    assert all(t in vocab() for t in tokens)


def test_corpus_ipa_without_ties_maps_to_the_same_symbols():
    # a line of ../shared/corpus as written there (espeak IPA, no tie marks)
    tokens = ipa_to_tokens("ðɛɹz nˈoʊ sˈʌtʃ θˈɪŋ")
    assert "".join(tokens) == "ðɛɹz nˈO sˈʌʧ θˈɪŋ"


@pytest.mark.parametrize("text, bad", [("hello 日本", "日"), ("smile 🙂", "🙂")])
def test_unknown_characters_are_reported_not_dropped(text, bad):
    with pytest.raises(G2PError) as err:
        phonemize(text)
    assert bad in str(err.value)


def test_unknown_ipa_symbols_are_reported():
    with pytest.raises(G2PError, match=r"U\+0298"):
        ipa_to_tokens("ʘa")


def test_empty_text_is_an_error():
    with pytest.raises(G2PError, match="empty"):
        phonemize("   ")
