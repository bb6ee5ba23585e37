"""ByteBPE (lexica/tokenizers/byte_bpe.py) gives exactly the BPE model's tokens, from a word's bytes.

``ByteBPE.tokenize(word)`` is compared (ids, token strings, byte offsets) with lexica's own
``BPE.tokenize`` on the word's byte-level characters and with HF ``tokenizers``' BPE model on the
same characters, for GPT-2 (encoder.json + vocab.bpe), for GPT-2 with ``ignore_merges``, and for
GPT-2 with every id shifted by 3 (byte tokens no longer at ids 0..255: the general setup path).
Words: the words of the committed hostile strings, evenly spread unique words of the benchmark
corpora (bench/.cache/corpora, skipped when absent) and hypothesis texts (any Unicode, emoji
included), all cut by the ByteLevel pre-tokenizer's regex.
"""

from __future__ import annotations

import json
import pathlib
from itertools import accumulate

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hostile import hf_safe, hostile_strings
from lexica.tokenizers import byte_bpe
from lexica.tokenizers.byte_bpe import ByteBPE, byte_chars
from lexica.tokenizers.bytes_unicode import BYTES_TO_UNICODE
from lexica.tokenizers.fast_path import _GPT2_RE
from lexica.tokenizers.models.bpe import BPE, read_merges_txt

hf = pytest.importorskip("tokenizers")

CORPORA = pathlib.Path(__file__).resolve().parents[2] / "bench" / ".cache" / "corpora"
WORDS_PER_CORPUS = 8_000  # evenly spread unique words (all of them take minutes)
DOCS_PER_CORPUS = 40_000  # read evenly spread lines only
VARIANTS = ["gpt2", "ignore_merges", "shifted"]


@pytest.fixture(scope="module")
def gpt2_data(gpt2_files) -> tuple[dict[str, int], list[tuple[str, str]]]:
    vocab_path, merges_path = gpt2_files
    return json.loads(vocab_path.read_text(encoding="utf-8")), read_merges_txt(merges_path)


@pytest.fixture(scope="module")
def trios(gpt2_data) -> dict[str, tuple[ByteBPE, BPE, object]]:
    """variant -> (ByteBPE, lexica BPE, HF BPE model), built once."""
    vocab, merges = gpt2_data
    shifted = {token: i + 3 for token, i in vocab.items()}
    out = {}
    for name, v, ignore in (("gpt2", vocab, False), ("ignore_merges", vocab, True), ("shifted", shifted, False)):
        model = BPE(v, merges, ignore_merges=ignore)
        bpe = ByteBPE.build(model)
        assert bpe is not None
        out[name] = (bpe, model, hf.models.BPE(v, merges, ignore_merges=ignore))
    return out


def _reference(model, chars: str) -> tuple[tuple[int, ...], tuple[str, ...], list[tuple[int, int]]]:
    tokens = model.tokenize(chars)
    return tuple(t.id for t in tokens), tuple(t.value for t in tokens), [tuple(t.offsets) for t in tokens]


def check_words(trio, words) -> None:
    """ids, token strings and offsets equal lexica's model on the byte-level characters (whose
    offsets count characters, i.e. the word's bytes); HF's model gives the same ids and strings,
    and offsets in the UTF-8 bytes of the byte-level characters (2 for U+0080 and above)."""
    bpe, model, hf_model = trio
    for word in words:
        got = bpe.tokenize(word)
        if got is None:  # only long words go back to the model
            assert len(word.encode("utf-8")) > byte_bpe.MAX_BYTES, word
            continue
        assert type(got[0]) is tuple and type(got[1]) is tuple and type(got[2]) is list
        chars = byte_chars(word)
        assert got == _reference(model, chars), word
        at = [0, *accumulate(len(c.encode("utf-8")) for c in chars)]  # byte-level char -> HF offset
        assert (got[0], got[1], [(at[s], at[e]) for s, e in got[2]]) == _reference(hf_model, chars), word


def _corpus_words(name: str) -> list[str]:
    path = CORPORA / f"{name}.jsonl"
    if not path.exists():
        pytest.skip(f"benchmark corpus {path} is missing (bench/corpora.py makes it)")
    lines = path.read_text(encoding="utf-8").splitlines()
    seen: dict[str, None] = {}
    for line in lines[:: max(1, len(lines) // DOCS_PER_CORPUS)]:
        seen.update(dict.fromkeys(_GPT2_RE.findall(json.loads(line))))
    words = list(seen)
    step = max(1, len(words) // WORDS_PER_CORPUS)
    return words[::step]


def test_build_kinds(trios, gpt2_data) -> None:
    """The GPT-2 byte tokens are ids 0..255 (the byte table); shifted ones take the general setup."""
    bpe = trios["gpt2"][0]
    assert sorted(bpe.byte_ids) == list(range(256))
    assert sorted(trios["shifted"][0].byte_ids) == list(range(3, 259))
    vocab, merges = gpt2_data
    prefixed = {("##" + t if i >= 256 else t): i for t, i in vocab.items()}
    assert ByteBPE.build(BPE(prefixed, [], continuing_subword_prefix="##")) is None  # not plain
    no_bytes = {t: i for t, i in vocab.items() if t != BYTES_TO_UNICODE[0]}
    assert ByteBPE.build(BPE(no_bytes, [])) is None  # a byte character missing from the vocab


@pytest.mark.parametrize("variant", VARIANTS)
def test_hostile_words(trios, variant: str) -> None:
    words = {w for _, text in hostile_strings() for w in _GPT2_RE.findall(hf_safe(text))}
    words |= {chr(b) for b in range(128)} | {"\u00e9", "\U0001f600", " " * 70, "a" * 64, "a" * 65}
    words |= {"aaaa", " aaaaaaa", "abababab", "\u00e9" * 32, "\u00e9" * 33}
    check_words(trios[variant], sorted(words))


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_byte(trios, variant: str) -> None:
    """Every ASCII character (the one-byte table) and every two-byte character, alone, after a
    space and tripled; and the empty word."""
    for b in range(256):
        word = chr(b) if b < 0x80 else bytes([0xC0 | b >> 6, 0x80 | b & 0x3F]).decode("utf-8")
        check_words(trios[variant], [word, " " + word, word * 3])
    assert trios[variant][0].tokenize("") == ((), (), [])  # the fast path never asks; exact anyway


@pytest.mark.parametrize("shift", [0, 5])
@pytest.mark.parametrize("ignore_merges", [False, True])
def test_small_model(shift: int, ignore_merges: bool) -> None:
    """A hand-made model with a token no merge reaches ("abc"): ignore_merges picks it whole."""
    vocab = {BYTES_TO_UNICODE[b]: b + shift for b in range(256)}
    vocab.update({"ab": 256 + shift, "bc": 257 + shift, "abc": 258 + shift, "ĠĠ": 259 + shift})
    merges = [("a", "b"), ("b", "c"), ("Ġ", "Ġ")]
    model = BPE(vocab, merges, ignore_merges=ignore_merges)
    trio = (ByteBPE.build(model), model, hf.models.BPE(vocab, merges, ignore_merges=ignore_merges))
    words = ["abc", "abcabc", " abc", "xabc", "ab", "bc", "abcd", "bbc", "    ", "     ", "\u00e9abc"]
    check_words(trio, words)
    assert trio[0].tokenize("abc")[0] == ((258 + shift,) if ignore_merges else (256 + shift, ord("c") + shift))


@pytest.mark.parametrize("corpus", ["english", "code", "multilingual"])
def test_corpus_words(trios, corpus: str) -> None:
    """Evenly spread unique words of the benchmark corpora, GPT-2 and the two variants."""
    words = _corpus_words(corpus)
    check_words(trios["gpt2"], words)
    check_words(trios["ignore_merges"], words[::4])
    check_words(trios["shifted"], words[::4])


TEXT = st.text(
    st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from(list(" \t\n'sldtrevm-.,!?0123456789aeiouAEIOU\u00e9\u00fc\u4e2d\u0928\U0001f600\U0001f468\u200d")),
    ),
    max_size=60,
)


@settings(max_examples=2000, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(text=TEXT)
def test_hypothesis(trios, text: str) -> None:
    words = _GPT2_RE.findall(text)
    for variant in VARIANTS:
        check_words(trios[variant], words)


# ------------------------------------------------------------------ ByteBPE.batch (numpy, many words)


def _entry(word: str, result) -> tuple:
    """The fast path's cache entry for ``word`` from ``tokenize``'s result, as the oracle: byte
    offsets widened to whole characters, the compact form for one token."""
    ids, values, byte_offsets = result
    char_of_byte = [i for i, c in enumerate(word) for _ in c.encode("utf-8")]
    rel = tuple((char_of_byte[s], char_of_byte[e - 1] + 1) for s, e in byte_offsets)
    if len(ids) == 1:
        assert rel == ((0, len(word)),)
        return ids[0], values[0], None
    return tuple(ids), tuple(values), tuple(x for pair in rel for x in pair), (0,) * len(ids), 1


def check_batch(bpe: ByteBPE, words: list[str]) -> None:
    """``batch`` on all the words at once (each 1 to MAX_BYTES bytes) equals ``tokenize`` word by word."""
    words = [w for w in words if 0 < len(w.encode("utf-8")) <= byte_bpe.MAX_BYTES]
    batch = bpe.batch()
    assert batch is not None
    got = batch(words) if words else []
    assert len(got) == len(words)
    for word, entry in zip(words, got):
        assert entry == _entry(word, bpe.tokenize(word)), word


@pytest.mark.parametrize("variant", ["gpt2", "shifted"])
def test_batch_hostile_and_every_byte(trios, variant: str) -> None:
    bpe = trios[variant][0]
    words = sorted({w for _, text in hostile_strings() for w in _GPT2_RE.findall(hf_safe(text))})
    words += ["aaaa", " aaaaaaa", "abababab", "\u00e9" * 16, "a" * 64, " " * 64, "\x00", "a\x00b"]
    for b in range(256):
        word = chr(b) if b < 0x80 else bytes([0xC0 | b >> 6, 0x80 | b & 0x3F]).decode("utf-8")
        words += [word, " " + word, word * 3]
    check_batch(bpe, words)
    check_batch(bpe, words[:1])  # one word alone


def test_batch_needs_a_monotone_table_and_merges() -> None:
    """None when a merge ranks before a merge that makes one of its inputs (merging all occurrences
    of a pair at once would then differ), and with ignore_merges (whole-word lookups first)."""
    vocab = {BYTES_TO_UNICODE[b]: b for b in range(256)}
    vocab.update({"ab": 256, "abc": 257})
    assert ByteBPE.build(BPE(vocab, [("a", "b"), ("ab", "c")])).batch() is not None
    assert ByteBPE.build(BPE(vocab, [("ab", "c"), ("a", "b")])).batch() is None
    assert ByteBPE.build(BPE(vocab, [("a", "b"), ("ab", "c")], ignore_merges=True)).batch() is None


@pytest.mark.parametrize("shift", [0, 5])
def test_batch_runs_of_one_pair(shift: int) -> None:
    """A pair of two equal symbols: overlapping matches merge leftmost first, as one at a time."""
    vocab = {BYTES_TO_UNICODE[b]: b + shift for b in range(256)}
    vocab.update({"aa": 256 + shift, "aaaa": 257 + shift, "Ġa": 258 + shift, "Ġaa": 259 + shift})
    merges = [("a", "a"), ("aa", "aa"), ("Ġ", "a"), ("Ġa", "a")]
    model = BPE(vocab, merges)
    bpe = ByteBPE.build(model)
    words = ["a" * k for k in range(1, 20)] + [" " + "a" * k for k in range(1, 12)] + ["abaaab", "aabaa", "baaaa"]
    check_batch(bpe, words)
    hf_model = hf.models.BPE(vocab, merges)
    for word in words:
        assert bpe.tokenize(word) == _reference(model, byte_chars(word)), word
        assert [t.id for t in hf_model.tokenize(byte_chars(word))] == list(bpe.tokenize(word)[0]), word


@pytest.mark.parametrize("corpus", ["english", "code", "multilingual"])
def test_batch_corpus_words(trios, corpus: str) -> None:
    check_batch(trios["gpt2"][0], _corpus_words(corpus))


@settings(max_examples=500, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(texts=st.lists(TEXT, max_size=8))
def test_batch_hypothesis(trios, texts: list[str]) -> None:
    words = [w for text in texts for w in _GPT2_RE.findall(text)]
    check_batch(trios["gpt2"][0], words)
    check_batch(trios["shifted"][0], words)
