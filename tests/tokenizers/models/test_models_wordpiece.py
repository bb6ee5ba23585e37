"""WordPiece model parity with HF `tokenizers`: an HF-trained fixture and the real MiniLM vocab.txt."""

from __future__ import annotations

import functools
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models_oracle import ALPHABET, HOSTILE_WORDS, Pair, hf_model_json, hf_tokens, our_tokens, train_wordpiece
from lexica.errors import TokenizerFileError
from lexica.tokenizers.models import WordPiece, model_from_dict
from lexica.tokenizers.models.wordpiece import read_vocab_txt

tokenizers = pytest.importorskip("tokenizers")

WORD_CHARS = ALPHABET + "q!🙂\u0301日"


@functools.cache
def variants() -> dict[str, dict]:
    trained = train_wordpiece()
    return {
        "trained": trained,
        "long_words": {**trained, "max_input_chars_per_word": 1000},
        "short_words": {**trained, "max_input_chars_per_word": 3},
        "other_prefix": {
            **trained,
            "continuing_subword_prefix": "▁",
            "vocab": {k.replace("##", "▁", 1) if k.startswith("##") else k: v for k, v in trained["vocab"].items()},
        },
    }


@functools.cache
def pair(name: str) -> Pair:
    return Pair(variants()[name])


@pytest.mark.parametrize("name", ["trained", "long_words", "short_words", "other_prefix"])
def test_hostile_words(name: str) -> None:
    for word in HOSTILE_WORDS + ["abc" * 400, "a" * 100_000]:
        pair(name).check(word)


@settings(max_examples=2000, deadline=None)
@given(word=st.text(alphabet=WORD_CHARS, max_size=30))
def test_generated_words(word: str) -> None:
    for name in variants():
        p = pair(name)
        assert our_tokens(p.ours, word) == hf_tokens(p.hf, word), (name, word)


@pytest.mark.parametrize("name", ["trained", "long_words", "short_words", "other_prefix"])
def test_to_dict_is_what_hf_writes(name: str) -> None:
    p = pair(name)
    expected = hf_model_json(p.hf)
    assert p.ours.to_dict() == expected
    assert list(p.ours.to_dict()) == list(expected)
    assert list(p.ours.to_dict()["vocab"]) == list(expected["vocab"])


def test_missing_unk_is_an_error_like_hf() -> None:
    d = {**variants()["trained"], "unk_token": "<nope>"}
    p = Pair(d)
    p.check("abc")
    with pytest.raises(Exception, match="Missing"):
        p.hf.encode("q")
    with pytest.raises(TokenizerFileError, match="unk_token"):
        p.ours.tokenize("q")


# ---- the real BERT vocab (MiniLM ships bert-base-uncased's vocab.txt) -------------------------


@pytest.fixture(scope="module")
def minilm_pair(minilm_dir):
    hf = tokenizers.Tokenizer(tokenizers.models.WordPiece.from_file(str(minilm_dir / "vocab.txt"), unk_token="[UNK]"))
    ours = WordPiece.from_vocab_file(minilm_dir / "vocab.txt")
    return hf, ours


def test_minilm_vocab_txt(minilm_pair) -> None:
    hf, ours = minilm_pair
    assert ours.get_vocab() == hf.get_vocab()
    assert ours.get_vocab_size() == 30522
    words = "i ' ve been waiting for a huggingface course my whole life .".split()
    assert [t.id for w in words for t in ours.tokenize(w)] == [
        1045, 1005, 2310, 2042, 3403, 2005, 1037, 17662, 12172, 2607, 2026, 2878, 2166, 1012
    ]
    for word in words + HOSTILE_WORDS + ["unaffable", "tokenization", "x" * 100, "x" * 101, "a" * 100_000]:
        assert our_tokens(ours, word) == hf_tokens(hf, word), word
    assert ours.to_dict() == hf_model_json(hf)


def test_minilm_tokenizer_json_model(minilm_dir) -> None:
    model_dict = json.loads((minilm_dir / "tokenizer.json").read_text(encoding="utf-8"))["model"]
    p = Pair(model_dict)
    assert p.ours.to_dict() == model_dict == hf_model_json(p.hf)
    for word in ["huggingface", "course", "##ing", "straße", "日本"]:
        p.check(word)


lower_words = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=20) | st.from_regex(
    r"[a-z]{1,25}", fullmatch=True
)


@settings(max_examples=2000, deadline=None)
@given(word=lower_words)
def test_minilm_generated_words(minilm_pair, word: str) -> None:
    hf, ours = minilm_pair
    assert our_tokens(ours, word) == hf_tokens(hf, word)


def test_read_vocab_txt_trims_like_hf(tmp_path) -> None:
    path = tmp_path / "vocab.txt"
    path.write_text("[UNK]\r\na \nb\x1f\nab\u3000\n\nc\na\n", encoding="utf-8")
    hf = tokenizers.models.WordPiece.read_file(str(path))
    assert read_vocab_txt(path) == hf


def test_vocab_file_errors(tmp_path) -> None:
    with pytest.raises(TokenizerFileError, match="missing.txt"):
        WordPiece.from_vocab_file(tmp_path / "missing.txt")
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\xff\xfe\n")
    with pytest.raises(TokenizerFileError, match="UTF-8"):
        WordPiece.from_vocab_file(bad)


def test_round_trip_through_model_from_dict() -> None:
    for name in variants():
        d = pair(name).ours.to_dict()
        assert model_from_dict(d).to_dict() == d


def test_cache_is_bounded_and_transparent() -> None:
    d = variants()["trained"]
    model = WordPiece.from_dict(d, cache_capacity=50)
    uncached = WordPiece.from_dict(d, cache_capacity=0)
    words = ["".join(sorted(set(w))) + w for w in ALPHABET * 40]
    for i in range(3000):
        word = words[i % len(words)][: 1 + i % 9] + str(i % 97)
        assert model.tokenize(word) == uncached.tokenize(word)
        assert len(model._cache) <= 50
