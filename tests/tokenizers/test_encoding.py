"""Encoding methods, truncation and padding against HF ``tokenizers.Encoding``.

The HF encodings come from a tiny WordPiece tokenizer (so words span several tokens). The lexica
encodings are built from HF's base output and run through lexica's own truncate / process code, then
every mapping method is compared with HF on the same inputs, including out-of-range indices.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lexica.errors import InvalidInputError, TokenizerFileError
from lexica.tokenizers.encoding import Encoding, PaddingParams, TruncationParams, pad_encodings, truncate_encodings
from lexica.tokenizers.processors import BertProcessing, TemplateProcessing, default_process

hf = pytest.importorskip("tokenizers")

LETTERS = "abcdefgh"
VOCAB = {t: i for i, t in enumerate(["[UNK]", "[CLS]", "[SEP]", "[PAD]", ",", "!"] + list(LETTERS)
                                    + ["##" + c for c in LETTERS] + ["ab", "##cd"])}
TEXTS = ["abc de, f!", "h", "", "gg hh aab", "a b c d e f g h", "dcba, abcd ,!"]


def _hf_tokenizer() -> object:
    tok = hf.Tokenizer(hf.models.WordPiece(VOCAB, unk_token="[UNK]"))
    tok.pre_tokenizer = hf.pre_tokenizers.BertPreTokenizer()
    return tok


BASE = _hf_tokenizer()


def from_hf(e: object, type_id: int | None = None) -> Encoding:
    """A lexica Encoding with the same fields as an HF *base* encoding (no sequence ranges)."""
    return Encoding(
        ids=list(e.ids),
        type_ids=list(e.type_ids) if type_id is None else [type_id] * len(e.ids),
        tokens=list(e.tokens),
        offsets=[tuple(o) for o in e.offsets],
        words=list(e.word_ids),
        special_tokens_mask=list(e.special_tokens_mask),
        attention_mask=list(e.attention_mask),
    )


def assert_same(ours: Encoding, theirs: object, where: str = "") -> None:
    for name in ("ids", "tokens", "type_ids", "word_ids", "sequence_ids", "special_tokens_mask",
                 "attention_mask", "n_sequences"):
        assert getattr(ours, name) == getattr(theirs, name), f"{where} {name}"
    assert ours.offsets == [tuple(o) for o in theirs.offsets], where
    assert len(ours.overflowing) == len(theirs.overflowing), where
    for i, (o, t) in enumerate(zip(ours.overflowing, theirs.overflowing)):
        assert_same(o, t, f"{where}.overflowing[{i}]")


def assert_same_mappings(ours: Encoding, theirs: object) -> None:
    n = len(theirs.ids)
    for token in range(n + 2):
        assert ours.token_to_sequence(token) == theirs.token_to_sequence(token), token
        got_chars = ours.token_to_chars(token)
        expected = theirs.token_to_chars(token)
        assert got_chars == (tuple(expected) if expected is not None else None), token
        assert ours.token_to_word(token) == theirs.token_to_word(token), token
    max_char = max((end for _, end in ours.offsets), default=0) + 2
    max_word = max((w for w in ours.words if w is not None), default=0) + 2
    for seq in (0, 1, 2):
        for char in range(max_char):
            assert ours.char_to_token(char, seq) == theirs.char_to_token(char, seq), (char, seq)
            assert ours.char_to_word(char, seq) == theirs.char_to_word(char, seq), (char, seq)
        for word in range(max_word):
            assert ours.word_to_tokens(word, seq) == theirs.word_to_tokens(word, seq), (word, seq)
            expected = theirs.word_to_chars(word, seq)
            assert ours.word_to_chars(word, seq) == (tuple(expected) if expected else None), (word, seq)
    for overflow_ours, overflow_theirs in zip(ours.overflowing, theirs.overflowing):
        assert_same_mappings(overflow_ours, overflow_theirs)


PROCESSORS = {
    "none": (None, None),
    "bert": (BertProcessing(("[SEP]", 2), ("[CLS]", 1)), hf.processors.BertProcessing(("[SEP]", 2), ("[CLS]", 1))),
    "template": (
        TemplateProcessing("[CLS] $A [SEP]", "[CLS] $A [SEP] $B:1 [SEP]:1", [("[CLS]", 1), ("[SEP]", 2)]),
        hf.processors.TemplateProcessing(single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
                                         special_tokens=[("[CLS]", 1), ("[SEP]", 2)]),
    ),
}


@pytest.mark.parametrize("name", list(PROCESSORS))
@pytest.mark.parametrize("truncate", [None, (5, 1), (8, 2)])
@pytest.mark.parametrize("pair_index", [None, 0, 1, 2, 5])
@pytest.mark.parametrize("seq_index", [0, 2, 3, 5])
def test_mappings_match_hf(name: str, truncate: tuple[int, int] | None, pair_index: int | None, seq_index: int) -> None:
    ours_proc, hf_proc = PROCESSORS[name]
    tok = _hf_tokenizer()
    if hf_proc is not None:
        tok.post_processor = hf_proc
    seq = TEXTS[seq_index]
    pair = TEXTS[pair_index] if pair_index is not None else None
    enc = from_hf(BASE.encode(seq, add_special_tokens=False), 0)
    pair_enc = from_hf(BASE.encode(pair, add_special_tokens=False), 1) if pair is not None else None
    if truncate is not None:
        tok.enable_truncation(truncate[0], stride=truncate[1])
        added = ours_proc.added_tokens(pair is not None) if ours_proc is not None else 0
        try:
            enc, pair_enc = truncate_encodings(enc, pair_enc, TruncationParams(*truncate), added)
        except InvalidInputError:
            with pytest.raises(BaseException):
                tok.encode(seq, pair)
            return
    theirs = tok.encode(seq, pair)
    ours = ours_proc.process(enc, pair_enc, True) if ours_proc is not None else default_process(enc, pair_enc)
    assert_same(ours, theirs)
    assert_same_mappings(ours, theirs)


def test_course_mapping_example() -> None:
    """The Rust test suite's mapping example, which has hand-written sequence ranges."""
    enc = Encoding(
        ids=[0] * 11,
        tokens=["He", "llo", "won", "der", "ful", "friend", "!", "How", "are", "you", "?"],
        offsets=[(0, 2), (2, 5), (7, 10), (10, 13), (13, 16), (17, 23), (23, 24), (0, 3), (4, 7), (8, 11), (11, 12)],
        words=[0, 0, 1, 1, 1, 2, 3, 0, 1, 2, 3],
        sequence_ranges={0: (0, 7), 1: (7, 11)},
    )
    assert [enc.word_to_tokens(w, s) for s in (0, 1) for w in range(4)] == [
        (0, 2), (2, 5), (5, 6), (6, 7), (7, 8), (8, 9), (9, 10), (10, 11)
    ]
    assert enc.word_to_chars(1, 0) == (7, 16) and enc.word_to_chars(1, 1) == (4, 7)
    assert enc.token_to_chars(7) == (0, 3) and enc.token_to_word(9) == 2 and enc.token_to_word(11) is None
    assert enc.char_to_token(16, 0) is None and enc.char_to_token(23, 0) == 6 and enc.char_to_token(9, 1) == 9
    assert enc.char_to_word(8, 0) == 1 and enc.char_to_word(2, 1) == 0


def test_negative_and_bad_indices_raise_lexica_errors() -> None:
    enc = from_hf(BASE.encode("abc de"))
    for call in (lambda: enc.char_to_token(-1), lambda: enc.token_to_word(-1), lambda: enc.word_to_tokens(-2),
                 lambda: enc.char_to_word(0, -1), lambda: enc.token_to_chars("1")):
        with pytest.raises(InvalidInputError):
            call()
    with pytest.raises(InvalidInputError, match="direction"):
        enc.truncate(1, 0, "up")
    with pytest.raises(InvalidInputError, match="direction"):
        enc.pad(10, direction=0)


_WORDS = st.lists(st.sampled_from(["abc", "de", ",", "f", "!", "gh", "aab", "x"]), max_size=12).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(text=_WORDS, max_length=st.integers(0, 14), stride=st.integers(0, 5),
       direction=st.sampled_from(["left", "right"]))
def test_truncate_matches_hf_encoding_truncate(text: str, max_length: int, stride: int, direction: str) -> None:
    theirs = BASE.encode(text, add_special_tokens=False)
    ours = from_hf(theirs)
    fits = max_length >= len(ours) or max_length == 0 or stride < max_length
    if not fits:
        with pytest.raises(InvalidInputError, match="stride"):
            ours.truncate(max_length, stride, direction)
        return
    theirs.truncate(max_length, stride=stride, direction=direction)
    ours.truncate(max_length, stride, direction)
    assert_same(ours, theirs)
    assert all(len(e) <= max_length for e in [ours, *ours.overflowing]) or max_length == 0


@settings(max_examples=300, deadline=None)
@given(texts=st.lists(_WORDS, min_size=1, max_size=4), growing=st.booleans(), length=st.integers(0, 20),
       direction=st.sampled_from(["left", "right"]), cut=st.integers(1, 6))
def test_merge_and_pad_match_hf(texts: list[str], growing: bool, length: int, direction: str, cut: int) -> None:
    theirs = [BASE.encode(t, add_special_tokens=False) for t in texts]
    ours = [from_hf(e) for e in theirs]
    for i, (o, t) in enumerate(zip(ours, theirs)):  # give some parts overflowing windows and ranges
        if i % 2:
            o.truncate(cut, 0, "right")
            t.truncate(cut)
        o.set_sequence_id(i % 2)
        t.set_sequence_id(i % 2)
    merged_theirs = hf.Encoding.merge(theirs, growing_offsets=growing)
    merged_ours = Encoding.merge(ours, growing_offsets=growing)
    assert_same(merged_ours, merged_theirs)
    merged_theirs.pad(length, direction=direction, pad_id=3, pad_type_id=4, pad_token="[PAD]")
    merged_ours.pad(length, direction, 3, 4, "[PAD]")
    assert_same(merged_ours, merged_theirs)


def test_truncate_zero_keeps_everything_in_overflowing() -> None:
    theirs = BASE.encode("abc de f", add_special_tokens=False)
    ours = from_hf(theirs)
    ours.set_sequence_id(1)
    theirs.set_sequence_id(1)
    ours.truncate(0)
    theirs.truncate(0)
    assert_same(ours, theirs)
    assert len(ours) == 0 and len(ours.overflowing[0]) == 5


def test_truncate_encodings_errors() -> None:
    enc = from_hf(BASE.encode("abc de f"))
    with pytest.raises(InvalidInputError, match="pair"):
        truncate_encodings(enc, None, TruncationParams(2, strategy="only_second"))
    with pytest.raises(InvalidInputError, match="too few"):
        truncate_encodings(enc.copy(), from_hf(BASE.encode("h")), TruncationParams(2, strategy="only_second"))
    with pytest.raises(InvalidInputError, match="stride"):
        truncate_encodings(enc.copy(), None, TruncationParams(4, stride=2), n_added_tokens=2)
    # More special tokens than max_length: HF's unsigned subtraction wraps and nothing is cut.
    kept, _ = truncate_encodings(enc.copy(), None, TruncationParams(1), n_added_tokens=2)
    assert len(kept) == len(enc) and not kept.overflowing


def test_pad_encodings_empty_batch_and_multiple() -> None:
    assert pad_encodings([], PaddingParams()) == []
    enc = from_hf(BASE.encode("abc"))
    pad_encodings([enc], PaddingParams(pad_to_multiple_of=4, pad_token="<p>", pad_id=9))
    assert enc.tokens[-1] == "<p>" and len(enc) == 4 and enc.attention_mask[-1] == 0 and enc.words[-1] is None


@pytest.mark.parametrize(
    "params",
    [TruncationParams(), TruncationParams(128, 3, "only_second", "left"), TruncationParams(7, 0, "only_first")],
)
def test_truncation_json_matches_hf(params: TruncationParams) -> None:
    tok = _hf_tokenizer()
    tok.enable_truncation(params.max_length, stride=params.stride, strategy=params.strategy,
                          direction=params.direction)
    expected = json.loads(tok.to_str())["truncation"]
    assert json.dumps(params.to_dict()) == json.dumps(expected)
    assert TruncationParams.from_dict(expected) == params


@pytest.mark.parametrize(
    "params",
    [PaddingParams(), PaddingParams(length=128, direction="left", pad_to_multiple_of=8, pad_id=1, pad_type_id=2,
                                    pad_token="<pad>")],
)
def test_padding_json_matches_hf(params: PaddingParams) -> None:
    tok = _hf_tokenizer()
    tok.enable_padding(direction=params.direction, pad_id=params.pad_id, pad_type_id=params.pad_type_id,
                       pad_token=params.pad_token, length=params.length, pad_to_multiple_of=params.pad_to_multiple_of)
    expected = json.loads(tok.to_str())["padding"]
    assert json.dumps(params.to_dict()) == json.dumps(expected)
    assert PaddingParams.from_dict(expected) == params


def test_old_truncation_json_defaults_direction() -> None:
    old = {"max_length": 256, "strategy": "LongestFirst", "stride": 0}
    assert TruncationParams.from_dict(old) == TruncationParams(256)


@pytest.mark.parametrize(
    "payload,cls,path",
    [
        ({"max_length": -1, "strategy": "LongestFirst", "stride": 0}, TruncationParams, "truncation.max_length"),
        ({"max_length": 5, "strategy": "Longest", "stride": 0}, TruncationParams, "truncation.strategy"),
        ({"max_length": 5, "strategy": "OnlyFirst", "stride": 0, "direction": "Up"}, TruncationParams,
         "truncation.direction"),
        ({"strategy": {"Fixed": "1"}, "direction": "Right", "pad_id": 0, "pad_type_id": 0, "pad_token": "x"},
         PaddingParams, "padding.strategy.Fixed"),
        ({"strategy": "Longest", "direction": "Right", "pad_id": 0, "pad_type_id": 0, "pad_token": "x"},
         PaddingParams, "padding.strategy"),
        ({"strategy": "BatchLongest", "direction": "Right", "pad_id": 0, "pad_type_id": 0, "pad_token": 1},
         PaddingParams, "padding.pad_token"),
        ([], PaddingParams, "padding"),
    ],
)
def test_bad_params_json_names_the_path(payload: object, cls: type, path: str) -> None:
    with pytest.raises(TokenizerFileError, match=path):
        cls.from_dict(payload)


def test_fields_read_as_fresh_lists_and_are_set_by_assignment() -> None:
    """As in HF: a field reads as a new list; changing that list leaves the encoding alone."""
    enc = Encoding.from_tokens([5, 6], ["a", "b"], [(0, 1), (2, 3)])
    ids = enc.ids
    ids.append(7)
    assert enc.ids == [5, 6] and type(enc.ids) is list and type(enc.offsets) is list
    enc.ids = (8, 9)
    assert enc.ids == [8, 9]
    enc.sequence_ranges = {1: (0, 2)}
    ranges = enc.sequence_ranges
    ranges[0] = (0, 0)
    assert enc.sequence_ranges == {1: (0, 2)} and enc.token_to_sequence(1) == 1


def test_copy_equality_and_pickle_round_trip() -> None:
    import pickle

    enc = Encoding.from_tokens([5, 6, 7], ["a", "b", "c"], [(0, 1), (2, 3), (3, 4)], [0, 1, 1])
    enc.set_sequence_id(0)
    enc.truncate(2, stride=1)
    assert len(enc.overflowing) == 1
    clone = enc.copy()
    assert clone == enc and clone is not enc and clone.overflowing[0] is not enc.overflowing[0]
    clone.pad(4)
    assert clone != enc and len(enc) == 2
    back = pickle.loads(pickle.dumps(enc))
    assert back == enc and back.overflowing == enc.overflowing
    with pytest.raises(TypeError):
        hash(enc)


def test_offsets_are_stored_flat_and_read_as_pairs() -> None:
    """Offsets live in one flat tuple (start0, end0, ...); they read, are set, and pickle as pairs
    did, and a state pickled when they were stored as pairs still loads."""
    enc = Encoding.from_tokens([5, 6], ["a", "b"], [(0, 1), [2, 3]])
    assert enc.offsets == [(0, 1), (2, 3)] and enc._offsets == (0, 1, 2, 3)
    assert enc.token_to_chars(1) == (2, 3) and enc.char_to_token(2) == 1
    enc.offsets = [(4, 5), (6, 7)]
    assert enc.offsets == [(4, 5), (6, 7)]
    with pytest.raises(InvalidInputError, match="offsets: expected \\(start, end\\) pairs"):
        enc.offsets = [(1, 2), (3,)]
    old = Encoding.__new__(Encoding)
    state = list(enc.__getstate__())
    state[3] = ((4, 5), (6, 7))  # the offsets field, as older versions pickled it
    old.__setstate__(tuple(state))
    assert old == enc and old.offsets == [(4, 5), (6, 7)]
