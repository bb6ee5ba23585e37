"""BPE parity on real files: GPT-2 (encoder.json + vocab.bpe) and the DeepSeek and Anthropic
tokenizer.json models shipped in litellm. Words are fed already mapped through GPT-2's byte ->
unicode table, which is what the ByteLevel pre-tokenizer hands the model."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models_oracle import HOSTILE_WORDS, Pair, byte_level, hf_model_json, hf_tokens, our_tokens
from lexica.tokenizers.models import BPE

tokenizers = pytest.importorskip("tokenizers")

COURSE = "I've been waiting for a HuggingFace course my whole life."
# GPT-2's pre-tokenizer splits the course sentence into these pieces (spaces kept in front).
COURSE_PIECES = ["I", "'ve", " been", " waiting", " for", " a", " HuggingFace", " course", " my", " whole", " life", "."]
texts = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=16)


@pytest.fixture(scope="module")
def gpt2(gpt2_files):
    vocab, merges = gpt2_files
    hf = tokenizers.Tokenizer(tokenizers.models.BPE.from_file(str(vocab), str(merges)))
    return hf, BPE.from_files(vocab, merges)


def test_gpt2_course_sentence(gpt2) -> None:
    hf, ours = gpt2
    ids = [t.id for piece in COURSE_PIECES for t in ours.tokenize(byte_level(piece))]
    assert ids == [40, 1053, 587, 4953, 329, 257, 12905, 2667, 32388, 1781, 616, 2187, 1204, 13]
    assert "".join(COURSE_PIECES) == COURSE
    for piece in COURSE_PIECES:
        word = byte_level(piece)
        assert our_tokens(ours, word) == hf_tokens(hf, word)


def test_gpt2_hostile_words(gpt2) -> None:
    hf, ours = gpt2
    for text in HOSTILE_WORDS + ["a" * 100_000, ("Hello 😀 wörld 日本 " * 6000)[:100_000]]:
        word = byte_level(text)
        assert our_tokens(ours, word) == hf_tokens(hf, word), text[:40]


def test_gpt2_to_dict(gpt2) -> None:
    hf, ours = gpt2
    expected = hf_model_json(hf)
    got = ours.to_dict()
    assert got == expected
    assert list(got) == list(expected) and list(got["vocab"]) == list(expected["vocab"])
    assert ours.get_vocab_size() == 50257 and len(got["merges"]) == 50000


@settings(max_examples=2000, deadline=None)
@given(text=texts)
def test_gpt2_generated(gpt2, text: str) -> None:
    hf, ours = gpt2
    word = byte_level(text)
    assert our_tokens(ours, word) == hf_tokens(hf, word)


@pytest.fixture(scope="module", params=["deepseek_tokenizer.json", "anthropic_tokenizer.json"])
def litellm_pair(request, litellm_tokenizers_dir):
    path = litellm_tokenizers_dir / request.param
    model_dict = json.loads(path.read_text(encoding="utf-8"))["model"]
    return model_dict, Pair(model_dict)


def test_litellm_models(litellm_pair) -> None:
    model_dict, p = litellm_pair
    for text in HOSTILE_WORDS + [" HuggingFace", " 日本語のテキスト", "  \n\n", "x" * 20_000, COURSE]:
        p.check(byte_level(text))
    # Round trip: the object HF writes (merges as pairs); we keep the file's "a b" strings.
    expected = hf_model_json(p.hf)
    got = p.ours.to_dict()
    assert got["merges"] == [f"{a} {b}" for a, b in expected["merges"]]
    assert {k: v for k, v in got.items() if k != "merges"} == {k: v for k, v in expected.items() if k != "merges"}
    assert list(got) == list(expected)
    assert got == {**expected, "merges": model_dict["merges"]}


@settings(max_examples=2000, deadline=None)
@given(text=texts)
def test_litellm_generated(litellm_pair, text: str) -> None:
    _, p = litellm_pair
    p.check(byte_level(text))
