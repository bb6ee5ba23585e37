"""Shared helpers for the model-stage tests (a plain module, imported by the test files): HF oracles, small trained fixture models, hostile words.

Every oracle is an HF `tokenizers.Tokenizer` holding ONLY a model (no normalizer, pre-tokenizer,
post-processor or decoder), so `encode(word)` runs the model on the whole string as one word and
reports character offsets. Fixture models are trained by HF inside the tests (nothing downloaded,
nothing hand-copied).
"""

from __future__ import annotations

import json
import random

import pytest

from lexica.tokenizers.models import model_from_dict

# Hostile words: empty, whitespace, accents, combining marks, CJK, emoji and ZWJ sequences, control
# characters, plus a 100k-character word (added in the tests that can afford it).
HOSTILE_WORDS = [
    "",
    " ",
    "   ",
    "\t\n\r",
    "\u00a0\u3000",
    "café",
    "cafe\u0301",
    "e\u0301\u0302\u0303",
    "\u0301",
    "naïve",
    "Ωμέγα",
    "日本語",
    "中文字符",
    "한국어",
    "😀",
    "👨\u200d👩\u200d👧\u200d👦",
    "🏳️\u200d🌈",
    "👍🏽",
    "\x00",
    "\x00\x01\x7f",
    "\u200b\u200c\u200d\ufeff",
    "a\x00b",
    "\ufffd",
    "\U0010ffff",
    "abc",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "abababababababababababababababababababababababababababababababab",
    "The",
    "Hello,",
    "world!",
    "1234567890",
    "x" * 300,
]


def hf_tokenizer(model_dict: dict):
    """An HF Tokenizer whose only component is `model_dict` (a tokenizer.json "model" object)."""
    tokenizers = pytest.importorskip("tokenizers")
    spec = {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [],
        "normalizer": None,
        "pre_tokenizer": None,
        "post_processor": None,
        "decoder": None,
        "model": model_dict,
    }
    return tokenizers.Tokenizer.from_str(json.dumps(spec))


def hf_model_json(hf_tok) -> dict:
    """The "model" object HF writes."""
    return json.loads(hf_tok.to_str())["model"]


def hf_tokens(hf_tok, word: str) -> list[tuple[int, str, tuple[int, int]]]:
    enc = hf_tok.encode(word)
    return list(zip(enc.ids, enc.tokens, [tuple(o) for o in enc.offsets]))


def our_tokens(model, word: str) -> list[tuple[int, str, tuple[int, int]]]:
    return [(t.id, t.value, t.offsets) for t in model.tokenize(word)]


def assert_parity(hf_tok, model, word: str) -> None:
    assert our_tokens(model, word) == hf_tokens(hf_tok, word), repr(word)


class Pair:
    """An HF oracle and the lexica model built from the same "model" object."""

    def __init__(self, model_dict: dict) -> None:
        self.model_dict = model_dict
        self.hf = hf_tokenizer(model_dict)
        self.ours = model_from_dict(json.loads(json.dumps(model_dict)))

    def check(self, word: str) -> None:
        assert_parity(self.hf, self.ours, word)


# ---- GPT-2's byte -> unicode table (what the ByteLevel pre-tokenizer feeds the model) ----------


def bytes_to_unicode() -> dict[int, str]:
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAD)) + list(range(0xAE, 0x100))
    table = {b: chr(b) for b in printable}
    extra = 0
    for b in range(256):
        if b not in table:
            table[b] = chr(256 + extra)
            extra += 1
    return table


BYTE_TO_CHAR = bytes_to_unicode()


def byte_level(text: str) -> str:
    """The string the ByteLevel pre-tokenizer hands the model: each UTF-8 byte as one character."""
    return "".join(BYTE_TO_CHAR[b] for b in text.encode("utf-8", "surrogatepass"))


# ---- small trained fixture models -------------------------------------------------------------

ALPHABET = "abcdeéxyz€😀"


def fixture_corpus(seed: int = 0, n_words: int = 3000, alphabet: str = ALPHABET) -> list[str]:
    """Deterministic pseudo-words with skewed letter frequencies, so merges have real structure."""
    rng = random.Random(seed)
    weights = [2.0 ** -(i % 6) for i in range(len(alphabet))]
    words = []
    for _ in range(n_words):
        length = rng.randint(1, 8)
        words.append("".join(rng.choices(alphabet, weights, k=length)))
    return [" ".join(words[i : i + 20]) for i in range(0, len(words), 20)]


def train_bpe(
    vocab_size: int = 120,
    continuing_subword_prefix: str | None = None,
    end_of_word_suffix: str | None = None,
    alphabet: str = ALPHABET,
) -> dict:
    """A BPE "model" object trained by HF on `fixture_corpus`, with "<unk>" as id 0."""
    tokenizers = pytest.importorskip("tokenizers")
    from tokenizers import models, pre_tokenizers, trainers

    affixes = {}
    if continuing_subword_prefix:
        affixes["continuing_subword_prefix"] = continuing_subword_prefix
    if end_of_word_suffix:
        affixes["end_of_word_suffix"] = end_of_word_suffix
    tok = tokenizers.Tokenizer(models.BPE(unk_token="<unk>", **affixes))
    tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    options = {"vocab_size": vocab_size, "special_tokens": ["<unk>"], "show_progress": False, **affixes}
    tok.train_from_iterator(fixture_corpus(alphabet=alphabet), trainers.BpeTrainer(**options))
    return hf_model_json(tok)


def train_wordpiece(vocab_size: int = 120) -> dict:
    """A WordPiece "model" object trained by HF on `fixture_corpus`."""
    tokenizers = pytest.importorskip("tokenizers")
    from tokenizers import models, pre_tokenizers, trainers

    tok = tokenizers.Tokenizer(models.WordPiece(unk_token="[UNK]", max_input_chars_per_word=12))
    tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    trainer = trainers.WordPieceTrainer(vocab_size=vocab_size, special_tokens=["[UNK]"], show_progress=False)
    tok.train_from_iterator(fixture_corpus(), trainer)
    return hf_model_json(tok)
