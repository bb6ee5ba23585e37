"""WordLevel parity with HF `tokenizers`, and lexica's own CharLevel model."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models_oracle import HOSTILE_WORDS, Pair, hf_model_json, hf_tokenizer, hf_tokens, our_tokens
from lexica.errors import TokenizerFileError
from lexica.tokenizers.models import CharLevel, WordLevel, model_from_dict

tokenizers = pytest.importorskip("tokenizers")

COURSE_WORDS = ["Jim", "Henson", "was", "a", "puppeteer", "I've", "been", "waiting", "for", "HuggingFace", "course"]
WORDLEVEL = {
    "type": "WordLevel",
    "vocab": {"[UNK]": 0, **{w: i + 1 for i, w in enumerate(COURSE_WORDS)}, "日本": 20, "😀": 21, "": 22},
    "unk_token": "[UNK]",
}


def test_course_words_and_hostile() -> None:
    p = Pair(WORDLEVEL)
    for word in COURSE_WORDS + HOSTILE_WORDS + ["日本", "😀", "jim", "a" * 100_000]:
        p.check(word)


@settings(max_examples=2000, deadline=None)
@given(word=st.sampled_from(COURSE_WORDS) | st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=12))
def test_generated_words(word: str) -> None:
    p = _pair()
    assert our_tokens(p.ours, word) == hf_tokens(p.hf, word)


_PAIR: list[Pair] = []


def _pair() -> Pair:
    if not _PAIR:
        _PAIR.append(Pair(WORDLEVEL))
    return _PAIR[0]


def test_to_dict_is_what_hf_writes() -> None:
    p = _pair()
    assert p.ours.to_dict() == hf_model_json(p.hf)
    assert list(p.ours.to_dict()) == list(hf_model_json(p.hf))


def test_missing_unk_is_an_error_like_hf() -> None:
    p = Pair({**WORDLEVEL, "unk_token": "<nope>"})
    p.check("Jim")
    with pytest.raises(Exception, match="Missing"):
        p.hf.encode("zzz")
    with pytest.raises(TokenizerFileError, match="unk_token"):
        p.ours.tokenize("zzz")


def test_vocab_accessors_match_hf() -> None:
    p = _pair()
    assert p.ours.get_vocab() == p.hf.get_vocab()
    assert p.ours.get_vocab_size() == p.hf.get_vocab_size()
    for token in ["Jim", "nope", "[UNK]"]:
        assert p.ours.token_to_id(token) == p.hf.token_to_id(token)
    for index in [0, 5, 21, 999]:
        assert p.ours.id_to_token(index) == p.hf.id_to_token(index)


# ---- CharLevel (no HF counterpart) ---------------------------------------------------------------


def test_charlevel_course_example() -> None:
    model = CharLevel.from_texts(["Let's do tokenization!"])
    tokens = model.tokenize("Let's")
    assert [t.value for t in tokens] == ["L", "e", "t", "'", "s"]
    assert [t.offsets for t in tokens] == [(0, 1), (1, 2), (2, 3), (3, 4), (4, 5)]
    assert model.tokenize("Lé") == [(model.token_to_id("L"), "L", (0, 1)), (0, "[UNK]", (1, 2))]
    assert model.tokenize("") == []


@settings(max_examples=2000, deadline=None)
@given(word=st.text(max_size=20))
def test_charlevel_one_token_per_character(word: str) -> None:
    model = _charlevel()
    tokens = model.tokenize(word)
    assert len(tokens) == len(word)
    for index, (token, ch) in enumerate(zip(tokens, word)):
        assert token.offsets == (index, index + 1)
        assert token.value == (ch if ch in model.vocab else "[UNK]")
        assert model.id_to_token(token.id) == token.value


_CHARLEVEL: list[CharLevel] = []


def _charlevel() -> CharLevel:
    if not _CHARLEVEL:
        _CHARLEVEL.append(CharLevel.from_texts(["abcdefghijklmnopqrstuvwxyz é日😀\u0301"]))
    return _CHARLEVEL[0]


def test_charlevel_to_dict_round_trip_and_hf_rejects_it() -> None:
    model = _charlevel()
    d = model.to_dict()
    assert list(d) == ["type", "vocab", "unk_token"] and d["type"] == "CharLevel"
    again = model_from_dict(json.loads(json.dumps(d)))
    assert isinstance(again, CharLevel) and again.to_dict() == d
    with pytest.raises(Exception):
        hf_tokenizer(d)  # documented: HF has no CharLevel model


def test_charlevel_missing_unk() -> None:
    model = CharLevel({"a": 0}, unk_token="[UNK]")
    assert model.tokenize("a") == [(0, "a", (0, 1))]
    with pytest.raises(TokenizerFileError, match="unk_token"):
        model.tokenize("b")


def test_wordlevel_python_construction() -> None:
    model = WordLevel({"hello": 0, "<unk>": 1})
    assert model.tokenize("hello") == [(0, "hello", (0, 5))]
    assert model.tokenize("bye") == [(1, "<unk>", (0, 3))]


def test_charlevel_hostile_words() -> None:
    model = _charlevel()
    for word in HOSTILE_WORDS + ["\ud800x\udfff", "a" * 100_000]:
        tokens = model.tokenize(word)
        assert [t.offsets for t in tokens] == [(i, i + 1) for i in range(len(word))]
        assert all(t.value in (ch, "[UNK]") for t, ch in zip(tokens, word))
