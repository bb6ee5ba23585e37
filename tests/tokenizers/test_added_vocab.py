"""Added tokens: the trie, id assignment, extraction semantics (lstrip/rstrip/single_word/normalized/
special), all against HF `tokenizers` on small WordLevel tokenizers built in both libraries."""

from __future__ import annotations

import json
import random
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hostile import encoding_diff
from lexica.errors import InvalidInputError, TokenizerFileError
from lexica.tokenizers import AddedToken, Tokenizer
from lexica.tokenizers import normalizers as lxn
from lexica.tokenizers import pre_tokenizers as lxp
from lexica.tokenizers.added_vocab import AddedVocabulary, TokenTrie
from lexica.tokenizers.models import WordLevel

hf = pytest.importorskip("tokenizers")

VOCAB = {"[UNK]": 0, "my": 1, "name": 2, "is": 3, "test": 4, "tost": 5}


def _pair(lowercase: bool = True, whitespace: bool = True) -> tuple[Tokenizer, object]:
    ours = Tokenizer(WordLevel.from_dict({"type": "WordLevel", "vocab": dict(VOCAB), "unk_token": "[UNK]"}))
    ref = hf.Tokenizer(hf.models.WordLevel(dict(VOCAB), unk_token="[UNK]"))
    if lowercase:
        ours.normalizer, ref.normalizer = lxn.Lowercase(), hf.normalizers.Lowercase()
    if whitespace:
        ours.pre_tokenizer, ref.pre_tokenizer = lxp.WhitespaceSplit(), hf.pre_tokenizers.WhitespaceSplit()
    return ours, ref


def _both_add(ours, ref, tokens: list[dict], special: bool = False) -> None:
    ours_add = ours.add_special_tokens if special else ours.add_tokens
    ref_add = ref.add_special_tokens if special else ref.add_tokens
    n1 = ours_add([AddedToken(**t) for t in tokens])
    n2 = ref_add([hf.AddedToken(**t) for t in tokens])
    assert n1 == n2


def _same(ours, ref, text: str) -> None:
    diff = encoding_diff(ours.encode(text), ref.encode(text))
    assert diff is None, (text, diff)


# ------------------------------------------------------------------ trie


def test_trie_leftmost_longest() -> None:
    trie = TokenTrie(["ab", "abc", "b", "bcd", "d"])
    assert list(trie.finditer("abcd")) == [(0, 3, 1), (3, 4, 4)]
    assert list(trie.finditer("xbcdab")) == [(1, 4, 3), (4, 6, 0)]
    assert list(trie.finditer("")) == []
    assert list(TokenTrie([]).finditer("abc")) == []


def test_trie_equal_patterns_first_wins() -> None:
    assert list(TokenTrie(["x", "x"]).finditer("xx")) == [(0, 1, 0), (1, 2, 0)]


@settings(max_examples=200, deadline=None)
@given(
    patterns=st.lists(st.text(alphabet="abc ", min_size=1, max_size=4), min_size=1, max_size=6),
    text=st.text(alphabet="abc d", max_size=30),
)
def test_trie_matches_hf_splits(patterns: list[str], text: str) -> None:
    """Non-normalized added tokens on a bare model: the splits equal HF's Aho-Corasick ones."""
    ours, ref = _pair(lowercase=False, whitespace=False)
    _both_add(ours, ref, [{"content": p, "normalized": False} for p in patterns])
    _same(ours, ref, text)


# ------------------------------------------------------------------ ids


def test_ids_follow_hf() -> None:
    ours, ref = _pair()
    _both_add(ours, ref, [{"content": "added_1"}, {"content": "test"}, {"content": "added_2"}])
    _both_add(ours, ref, [{"content": "added_2"}, {"content": "added_2"}, {"content": "x", "special": True}], True)
    _both_add(ours, ref, [{"content": "tost", "special": True}, {"content": "another"}])
    _both_add(ours, ref, [{"content": ""}])
    assert ours.get_vocab() == ref.get_vocab()
    assert ours.get_vocab_size() == ref.get_vocab_size()
    assert ours.get_vocab_size(False) == ref.get_vocab_size(False)
    assert {i: repr(t) for i, t in ours.get_added_tokens_decoder().items()} == {
        i: repr(t) for i, t in ref.get_added_tokens_decoder().items()
    }
    assert ours.to_str() == ref.to_str()


def test_added_token_defaults_and_dict() -> None:
    assert AddedToken("x").is_normalized and not AddedToken("x", special=True).is_normalized
    assert AddedToken("x", normalized=True, special=True).is_normalized
    d = AddedToken("x", lstrip=True).to_dict(7)
    assert list(d) == ["id", "content", "single_word", "lstrip", "rstrip", "normalized", "special"]
    assert AddedToken.from_dict(d) == AddedToken("x", lstrip=True, normalized=True)
    with pytest.raises(TokenizerFileError, match=r"added_tokens\[3\]\.lstrip"):
        AddedToken.from_dict({"content": "x", "lstrip": "yes"}, "added_tokens[3]")
    with pytest.raises(TokenizerFileError, match="content"):
        AddedToken.from_dict({"id": 1}, "added_tokens[0]")
    with pytest.raises(InvalidInputError):
        AddedToken(3)  # type: ignore[arg-type]


# ------------------------------------------------------------------ extraction semantics

SENTENCES = [
    "[CLS] My name is Anthony [SEP]",
    "<mask> My name <mask> A<mask> <mask>ony <mask>",
    "<mask>, <mask>- \u25cc\u0330<mask>",
    "Hi <mask> there\t<mask>\t<mask>\u2000",
    "  my   MY my\u00a0name  [SEP][SEP] a[CLS]b ",
    "",
    "   ",
]


@pytest.mark.parametrize(
    "flags",
    [
        {},
        {"lstrip": True},
        {"rstrip": True},
        {"lstrip": True, "rstrip": True},
        {"single_word": True},
        {"single_word": True, "lstrip": True, "rstrip": True},
        {"normalized": False},
        {"normalized": False, "lstrip": True, "rstrip": True, "single_word": True},
    ],
)
def test_flags_match_hf(flags: dict) -> None:
    ours, ref = _pair()
    # No two contents may normalize alike: HF then picks one at random (its trie is built from a
    # HashMap, in a different order per process); lexica takes the first added.
    tokens = [{"content": c, **flags} for c in ("my", "<mask>", "name", "ony", "IS")]
    _both_add(ours, ref, tokens)
    _both_add(ours, ref, [{"content": "[CLS]"}, {"content": "[SEP]", **flags}], special=True)
    for text in SENTENCES:
        _same(ours, ref, text)


def test_encode_special_tokens_switch() -> None:
    ours, ref = _pair()
    _both_add(ours, ref, [{"content": "[CLS]"}, {"content": "[SEP]"}], special=True)
    _both_add(ours, ref, [{"content": "name"}])
    ours.encode_special_tokens = ref.encode_special_tokens = True
    for text in SENTENCES:
        _same(ours, ref, text)


def test_normalizer_change_refreshes_normalized_tokens() -> None:
    ours, ref = _pair(lowercase=False)
    _both_add(ours, ref, [{"content": "Name"}])
    _same(ours, ref, "my NAME Name name")
    ours.normalizer, ref.normalizer = lxn.Lowercase(), hf.normalizers.Lowercase()
    _same(ours, ref, "my NAME Name name")


def test_decode_skips_special_tokens() -> None:
    ours, ref = _pair()
    _both_add(ours, ref, [{"content": "[CLS]"}], special=True)
    _both_add(ours, ref, [{"content": "hello"}])
    ids = ref.encode("[CLS] hello my name").ids + [999]
    for skip in (True, False):
        assert ours.decode(ids, skip) == ref.decode(ids, skip_special_tokens=skip)


def test_many_added_tokens_stay_linear() -> None:
    """50,000 added tokens: building and encoding work (the trie is linear; no timed assert)."""
    rng = random.Random(0)
    words = sorted({"".join(rng.choices(string.ascii_lowercase, k=rng.randint(3, 9))) for _ in range(52_000)})[:50_000]
    ours, ref = _pair()
    assert ours.add_tokens(words) == ref.add_tokens(words) == 50_000
    assert ours.get_vocab_size() == ref.get_vocab_size()
    text = " ".join(rng.choice(words) + rng.choice(["", "x", "Q"]) for _ in range(300))
    _same(ours, ref, text)
    assert ours.added_vocabulary.has_tokens and len(ours.added_vocabulary) == 50_000


def test_many_added_tokens_load() -> None:
    """A tokenizer.json with 50,000 added tokens loads, encodes like HF and saves back the same."""
    rng = random.Random(1)
    words = sorted({"".join(rng.choices(string.ascii_lowercase, k=rng.randint(3, 9))) for _ in range(52_000)})[:50_000]
    ours, _ = _pair()
    data = ours.to_dict()
    data["added_tokens"] = [
        {"id": len(VOCAB) + i, "content": w, "single_word": False, "lstrip": False, "rstrip": False,
         "normalized": i % 2 == 0, "special": i % 7 == 0}
        for i, w in enumerate(words)
    ]
    saved = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    again, ref = Tokenizer.from_str(saved), hf.Tokenizer.from_str(saved)
    assert again.to_str() == ref.to_str() == saved
    text = " ".join(rng.choice(words) + rng.choice(["", "x", "Q"]) for _ in range(300))
    _same(again, ref, text)
    # Matched in one pass with tries (raw and normalized), not a regex alternation of 50,000 tokens.
    vocab = again.added_vocabulary
    assert isinstance(vocab._ntrie, TokenTrie) and vocab._ntrie.size + vocab._trie.size == 50_000


def test_empty_vocabulary() -> None:
    vocab = AddedVocabulary()
    assert vocab.find_matches("", normalized=False) == [(None, (0, 0))]
    assert vocab.find_matches("abc", normalized=True) == [(None, (0, 3))]
    assert vocab.to_list() == []
