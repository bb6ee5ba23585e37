"""DecodeStream: the chunks of any id sequence join to ``tokenizer.decode(ids)``, and match HF's
``tokenizers.decoders.DecodeStream`` chunk for chunk except where HF's are wrong (byte-fallback runs).

Tokenizers: GPT-2 byte-level BPE (encoder.json + vocab.bpe, as transformers converts it), the
byte-fallback Llama-style fixture (Replace + ByteFallback + Fuse + Strip decoder), MiniLM's WordPiece
tokenizer.json, the Metaspace fixture, and the SentencePiece Unigram fixture ``unigram_nfkc.model``
loaded from the ``.model`` file (its decoder follows sentencepiece, not HF, so only the join is checked).
"""

from __future__ import annotations

import pathlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hostile import hf_safe, hostile_strings
from lexica.errors import InvalidInputError, UnsupportedError
from lexica.tokenizers import Tokenizer
from lexica.tokenizers import decoders as lxd
from lexica.tokenizers import pre_tokenizers as lxp
from lexica.tokenizers import processors as lxproc
from lexica.tokenizers.decode_stream import DecodeStream
from lexica.tokenizers.models import BPE
from lexica.tokenizers.sentencepiece import tokenizer_from_model_file

hf = pytest.importorskip("tokenizers")
HFStream = hf.decoders.DecodeStream

FIXTURES = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "tokenizers"
SP_FIXTURES = FIXTURES.parent / "sentencepiece"
NAMES = ["gpt2", "byte_fallback", "wordpiece", "metaspace", "sp_unigram"]
SETTINGS = settings(max_examples=200, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
FULL = settings(SETTINGS, max_examples=2000)


@pytest.fixture(scope="module")
def tokenizers(request: pytest.FixtureRequest):
    """name -> (lexica Tokenizer, HF Tokenizer, ids worth drawing often), loaded once per module."""
    cache: dict[str, tuple[Tokenizer, object, list[int]]] = {}

    def get(name: str) -> tuple[Tokenizer, object, list[int]]:
        if name not in cache:
            cache[name] = _load(name, request)
        return cache[name]

    return get


def _load(name: str, request: pytest.FixtureRequest) -> tuple[Tokenizer, object, list[int]]:
    if name == "sp_unigram":  # remove_extra_whitespaces: "▁" is dropped while the text so far is ""
        ours, ref = tokenizer_from_model_file(SP_FIXTURES / "unigram_nfkc.model"), None
    elif name == "gpt2":
        vocab, merges = (str(p) for p in request.getfixturevalue("gpt2_files"))
        ours = Tokenizer(BPE.from_files(vocab, merges))
        ours.pre_tokenizer = lxp.ByteLevel(add_prefix_space=False)
        ours.decoder = lxd.ByteLevel()
        ours.post_processor = lxproc.ByteLevel(trim_offsets=False)
        ref = hf.Tokenizer(hf.models.BPE.from_file(vocab, merges))
        ref.pre_tokenizer = hf.pre_tokenizers.ByteLevel(add_prefix_space=False)
        ref.decoder = hf.decoders.ByteLevel()
        ref.post_processor = hf.processors.ByteLevel(trim_offsets=False)
    else:
        if name == "wordpiece":
            path = request.getfixturevalue("minilm_dir") / "tokenizer.json"
        else:
            path = FIXTURES / {"byte_fallback": "bpe_byte_fallback_llama.json", "metaspace": "metaspace.json"}[name]
        ours, ref = Tokenizer.from_file(path), hf.Tokenizer.from_file(str(path))
        for tok in (ours, ref):  # MiniLM's file pads every encoding to 128 [PAD]s: not what is generated
            tok.no_padding()
            tok.no_truncation()
    vocab = ours.get_vocab()
    # Tokens that are parts of characters (byte-level bytes >= 0x80, <0xNN>), specials, "##" pieces
    # and lone "▁": the ids where streaming is hard. Drawn often, next to any id at all.
    hard = sorted(i for t, i in vocab.items() if _hard(t) or ours.added_vocabulary.is_special_token(t))
    return ours, ref, hard


def _hard(token: str) -> bool:
    if token.startswith(("<0x", "##")) or token in ("\u2581", " ", "\u0120"):
        return True
    return len(token) == 1 and 0x80 <= ord(token) < 0x200  # byte-level chars of bytes >= 0x80


def _id_lists(ours: Tokenizer, _ref: object, hard: list[int]) -> st.SearchStrategy[list[int]]:
    size = ours.get_vocab_size()
    any_id = st.integers(0, size + 2)
    one = st.one_of(st.sampled_from(hard), any_id) if hard else any_id  # + 2: unknown ids are skipped
    return st.lists(one, max_size=16)


def stream_all(tokenizer: Tokenizer, ids: list[int], skip: bool) -> list[str | None]:
    stream = DecodeStream(skip_special_tokens=skip)
    chunks = [stream.step(tokenizer, i) for i in ids]
    return chunks + [stream.flush(tokenizer)]


def joined(chunks: list[str | None]) -> str:
    return "".join(c for c in chunks if c)


def hf_chunks(ref: object, ids: list[int], skip: bool) -> list[str | None] | None:
    """HF's chunks, or None when HF raises (it does on some byte-fallback runs)."""
    stream = HFStream(skip_special_tokens=skip)
    try:
        return [stream.step(ref, i) for i in ids]
    except Exception:  # noqa: BLE001 - HF's DecodeStreamError surfaces as a plain Exception
        return None


def _check(tokenizers, name: str, ids: list[int]) -> None:
    ours, ref, _ = tokenizers(name)
    for skip in (False, True):
        chunks = stream_all(ours, ids, skip)
        assert joined(chunks) == ours.decode(ids, skip), (ids, skip, chunks)
        assert all(c is None or c for c in chunks)  # None, never ""
        if ref is None:
            continue  # no HF counterpart for this decoder
        theirs = hf_chunks(ref, ids, skip)
        byte_tokens = any((ours.id_to_token(i) or "").startswith("<0x") for i in ids)
        if name != "byte_fallback" or not byte_tokens:
            # Same chunks at the same steps; HF has no flush, so its last held text is lost.
            assert chunks[:-1] == theirs, (ids, skip)


# ---------------------------------------------------------------------------------- properties


@pytest.mark.parametrize("name", NAMES)
@SETTINGS
@given(data=st.data())
def test_any_id_sequence_joins_to_decode(tokenizers, name: str, data: st.DataObject) -> None:
    ids = data.draw(_id_lists(*tokenizers(name)))
    _check(tokenizers, name, ids)


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
@FULL
@given(data=st.data())
def test_any_id_sequence_joins_to_decode_2000(tokenizers, name: str, data: st.DataObject) -> None:
    ids = data.draw(_id_lists(*tokenizers(name)))
    _check(tokenizers, name, ids)


_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)


@pytest.mark.parametrize("name", NAMES)
@SETTINGS
@given(text=st.one_of(_TEXT, st.sampled_from([t[:200] for _, t in hostile_strings()])))
def test_encodings_of_texts_join_to_decode(tokenizers, name: str, text: str) -> None:
    ours, _, _ = tokenizers(name)
    ids = ours.encode(text).ids
    _check(tokenizers, name, ids)
    if name == "gpt2":
        assert joined(stream_all(ours, ids, True)) == hf_safe(text)  # byte-level is lossless


# ---------------------------------------------------------------------------------- examples


def test_gpt2_chunks_like_hf(tokenizers) -> None:
    ours, ref, _ = tokenizers("gpt2")
    ids = ours.encode("Hello 中文 world 😀!").ids
    chunks = stream_all(ours, ids, False)
    assert chunks == ["Hello", " ", "中", None, "文", " world", None, " 😀", "!", None]
    assert chunks[:-1] == hf_chunks(ref, ids, False)


def test_partial_utf8_is_flushed_at_the_end(tokenizers) -> None:
    ours, _, _ = tokenizers("gpt2")
    ids = [ours.token_to_id("\u00e4")]  # byte 0xE4 alone: the first of the 3 bytes of "中"
    stream = DecodeStream()
    assert stream.step(ours, ids[0]) is None
    assert stream.flush(ours) == "\ufffd" == ours.decode(ids)
    assert stream.flush(ours) is None


def test_byte_fallback_run_is_held_until_it_ends(tokenizers) -> None:
    """A later byte token can turn a valid run into one U+FFFD per byte: HF emits "中" too early
    (then fails), we hold the run until a non-byte token ends it."""
    ours, ref, _ = tokenizers("byte_fallback")
    ids = [ours.token_to_id(t) for t in ("<0xE4>", "<0xB8>", "<0xAD>", "<0xFF>", "\u2581a")]
    assert ours.decode(ids) == "\ufffd" * 4 + " a"
    assert stream_all(ours, ids, False) == [None, None, None, None, "\ufffd" * 4 + " a", None]
    assert hf_chunks(ref, ids, False) is None  # HF: DecodeStreamError (invalid prefix)
    valid = ids[:3] + ids[4:]
    assert stream_all(ours, valid, False) == [None, None, None, "中 a", None]
    assert joined(hf_chunks(ref, valid, False)) == "中 a"


def test_wordpiece_continuations_and_specials(tokenizers) -> None:
    ours, ref, _ = tokenizers("wordpiece")
    ids = [101, 1045, 1005, 2310, 2042, 3403, 17662, 12172, 1012, 102]  # [CLS] i ' ve been waiting hugging ##face . [SEP]
    for skip in (False, True):
        chunks = stream_all(ours, ids, skip)
        assert joined(chunks) == ours.decode(ids, skip)
        assert chunks[:-1] == hf_chunks(ref, ids, skip)
    assert stream_all(ours, ids, True)[6:8] == [" hugging", "face"]


def test_metaspace_leading_space(tokenizers) -> None:
    ours, ref, _ = tokenizers("metaspace")
    ids = ours.encode(" Hello  world").ids
    chunks = stream_all(ours, ids, False)
    assert joined(chunks) == ours.decode(ids, False)
    assert chunks[:-1] == hf_chunks(ref, ids, False)


def test_prefill_and_lists_like_hf(tokenizers) -> None:
    ours, ref, _ = tokenizers("gpt2")
    ids = ours.encode("Hello 中文 world 😀!").ids
    ours_stream, ref_stream = DecodeStream(ids[:2]), HFStream(ids[:2])
    assert [ours_stream.step(ours, i) for i in ids[2:]] == [ref_stream.step(ref, i) for i in ids[2:]]
    ours_stream, ref_stream = DecodeStream(), HFStream()
    assert ours_stream.step(ours, ids[:3]) == ref_stream.step(ref, ids[:3]) == "Hello 中"
    assert ours_stream.step(ours, ids[3:]) == ref_stream.step(ref, ids[3:])


def test_prefill_ending_inside_a_character(tokenizers) -> None:
    """The prompt ends with the first byte of "中": the character comes out whole, the prompt's "a"
    does not (HF emits "a中" there)."""
    ours, ref, _ = tokenizers("gpt2")
    e4, b8, ad = (ours.token_to_id(c) for c in ("\u00e4", "\u00b8", "\u0143"))
    prompt = [ours.token_to_id("a"), e4]
    assert ours.decode([b8, ad]) != "中" and ours.decode([e4, b8, ad]) == "中"
    stream = DecodeStream(prompt)
    assert [stream.step(ours, i) for i in (b8, ad, ours.token_to_id("b"))] == [None, "中", "b"]
    hf_stream = HFStream(prompt)
    assert [hf_stream.step(ref, i) for i in (b8, ad, ours.token_to_id("b"))] == [None, "a中", "b"]


class _Index:
    def __init__(self, value: int) -> None:
        self.value = value

    def __index__(self) -> int:
        return self.value


def test_bad_input(tokenizers) -> None:
    ours, _, _ = tokenizers("gpt2")
    stream = DecodeStream()
    with pytest.raises(InvalidInputError, match="id: expected a non-negative int, found 'a'"):
        stream.step(ours, "a")
    with pytest.raises(InvalidInputError, match="ids: expected a list of ints, found int"):
        DecodeStream(3)  # type: ignore[arg-type]
    assert stream.step(ours, _Index(40)) == "I"  # numpy / torch integers work through __index__
    with pytest.raises(InvalidInputError, match=r"id\[1\]: expected a non-negative int, found -1"):
        stream.step(ours, [1, -1])
    with pytest.raises(InvalidInputError, match="skip_special_tokens"):
        DecodeStream(skip_special_tokens="yes")  # type: ignore[arg-type]


def test_decoder_that_rewrites_earlier_text_is_refused() -> None:
    """A decoder must only add text; one that rewrites what it produced is reported, not streamed wrong."""
    tok = Tokenizer(BPE({"a": 0, "b": 1}, []))
    tok.decoder = lxd.Sequence([lxd.Fuse(), lxd.Replace("ab", "X")])
    stream = DecodeStream()
    assert stream.step(tok, 0) == "a"
    with pytest.raises(UnsupportedError, match="cannot be decoded incrementally"):
        stream.step(tok, [1, 1])


def test_sentencepiece_lone_spaces_keep_their_space(tokenizers) -> None:
    """With remove_extra_whitespaces, a "▁" alone decodes to "" at the start of a text: a window that
    started on it lost the space it adds after "|" ("| has" instead of "|  has")."""
    ours, _, _ = tokenizers("sp_unigram")
    ids = [ours.token_to_id(t) for t in ("|", "\u2581", "\u2581has")]
    assert ours.decode(ids) == "|  has"
    assert stream_all(ours, ids, False) == ["|", " ", " has", None]
    spaces = [ours.token_to_id("\u2581")] * 5
    assert joined(stream_all(ours, spaces + ids + spaces + ids, False)) == ours.decode(spaces + ids + spaces + ids)
