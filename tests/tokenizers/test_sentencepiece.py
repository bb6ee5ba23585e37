"""SentencePiece ``.model`` files: lexica's reader and Tokenizer against ``sentencepiece`` itself.

Models: Mistral's v1, v2, v3 and v7 ``tokenizer.model`` (BPE, byte fallback, split_digits, identity
normalization, control pieces; v3/v7 also user-defined pieces), shipped by the mistral_common
package, and the fixture models of tests/fixtures/sentencepiece (scripts/fixtures/make_unigram_fixtures.py):
Unigram with nmt_nfkc normalization, Unigram with identity normalization + split_digits + byte
fallback, Unigram without dummy prefix or whitespace cleanup, and BPE with split_digits + bytes.

Every model must agree with sentencepiece exactly: ids, pieces and decode, on the hostile strings and
hypothesis texts, and decode on random id sequences. The tokenizer.json these tokenizers save is
what transformers' converter writes; reloaded from it, a tokenizer behaves as HF `tokenizers` does
(the differences from sentencepiece that this brings back are pinned in
`test_reloaded_json_is_hf_behaviour`; see docs/unicode.md).
"""

from __future__ import annotations

import functools
import importlib.util
import json
import pathlib
import random
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lexica.errors import LexicaError, TokenizerFileError, UnsupportedError
from lexica.tokenizers.sentencepiece import (
    load_model_file,
    read_model_proto,
    special_pieces_from_model_file,
    tokenizer_from_model_file,
)
from lexica.tokenizers.tokenizer import Tokenizer

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))  # tests/tokenizers: hostile.py
from hostile import hf_safe, hostile_strings  # noqa: E402

spm = pytest.importorskip("sentencepiece")

FIXTURES = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "sentencepiece"
FIXTURE_MODELS = ["unigram_nfkc", "unigram_identity_digits_bytes", "unigram_raw_spaces", "bpe_digits_bytes"]
MISTRAL_FILES = {
    "v1": "tokenizer.model.v1",
    "v2": "mistral_instruct_tokenizer_240216.model.v2",
    "v3": "mistral_instruct_tokenizer_240323.model.v3",
    "v7": "mistral_instruct_tokenizer_241114.model.v7",
}
FAST_EXAMPLES, SLOW_EXAMPLES = 200, 2000


def mistral_path(version: str) -> pathlib.Path:
    spec = importlib.util.find_spec("mistral_common")  # located, never imported
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("mistral_common is not installed (pip install --no-deps mistral-common==1.13.1)")
    path = pathlib.Path(spec.submodule_search_locations[0]) / "data" / MISTRAL_FILES[version]
    if not path.exists():
        pytest.skip(f"{path} is missing")
    return path


def model_path(name: str) -> pathlib.Path:
    return mistral_path(name[len("mistral-"):]) if name.startswith("mistral-") else FIXTURES / f"{name}.model"


@functools.cache
def loaded(name: str):
    path = model_path(name)
    return tokenizer_from_model_file(path), spm.SentencePieceProcessor(model_file=str(path)), load_model_file(path)


MISTRAL = [f"mistral-{v}" for v in MISTRAL_FILES]
ALL_MODELS = MISTRAL + FIXTURE_MODELS


def texts_strategy() -> st.SearchStrategy[str]:
    """Words, digits, runs of spaces, ▁, newlines, accents and combining marks, CJK, emoji and
    arbitrary characters (no lone surrogates: sentencepiece cannot take them)."""
    words = st.sampled_from(["the", "Hello", "tokenization", "café", "naïve", "12345", "3.14", "日本語", "😀",
                             "👨\u200d👩\u200d👧", "  ", "   ", "\n", "\t", "\u2581", "[INST]", "<s>", "@@", "ﬁ",
                             "e\u0301", "Ａ", "①", "\u00a0", "x²"])
    chars = st.characters(blacklist_categories=("Cs",))
    return st.lists(st.one_of(words, chars, st.just(" ")), max_size=24).map("".join)


# ---------------------------------------------------------------------- comparing with sentencepiece


def overlapping_user_defined(model, text: str) -> bool:
    """Two occurrences of user-defined pieces overlap in the normalized text ("@@@" with "@@")."""
    pieces = [p.piece for p in model.pieces if p.type == 4]
    spans = sorted((i, i + len(u)) for u in pieces for i in range(len(text)) if text.startswith(u, i))
    return any(b < a_end for (_, a_end), (b, _) in zip(spans, spans[1:]))


def check(name: str, text: str) -> None:
    """Ids, pieces and decode identical to sentencepiece; decode also with the specials kept.
    The one documented exception: a Unigram text where user-defined pieces overlap (docs/unicode.md)."""
    tokenizer, sp, model = loaded(name)
    encoding = tokenizer.encode(text)
    ids = sp.encode(text)
    if encoding.ids != ids and model.trainer_spec.model_type == 1 and overlapping_user_defined(model, sp.normalize(text)):
        return
    assert encoding.ids == ids, (text, encoding.tokens, sp.encode(text, out_type=str))
    assert encoding.tokens == sp.encode(text, out_type=str), text
    assert tokenizer.decode(ids) == sp.decode(ids), (text, ids)


def hostile_texts() -> list[str]:
    return [hf_safe(text) for _, text in hostile_strings()]


# ---------------------------------------------------------------------- the reader


@pytest.mark.parametrize("name", ALL_MODELS)
def test_reader_matches_sentencepiece(name: str) -> None:
    """Every piece, score (float32, exactly) and type; the special ids; the normalizer flags."""
    _, sp, model = loaded(name)
    assert len(model.pieces) == sp.get_piece_size()
    for i, piece in enumerate(model.pieces):
        assert piece.piece == sp.id_to_piece(i)
        assert piece.score == sp.get_score(i)
        kind = 2 if sp.is_unknown(i) else 3 if sp.is_control(i) else 5 if sp.is_unused(i) else 6 if sp.is_byte(i) else None
        assert kind is None and piece.type in (1, 4) or piece.type == kind, (i, piece)
    info = special_pieces_from_model_file(model_path(name))
    none = -1
    assert (info.unk_id, info.bos_id, info.eos_id, info.pad_id) == tuple(
        None if i == none else i for i in (sp.unk_id(), sp.bos_id(), sp.eos_id(), sp.pad_id()))
    assert info.unk_token == sp.id_to_piece(sp.unk_id()) and info.bos_token == sp.id_to_piece(sp.bos_id())
    assert info.eos_token == sp.id_to_piece(sp.eos_id())
    assert info.pad_token is None if sp.pad_id() < 0 else info.pad_token == sp.id_to_piece(sp.pad_id())
    assert info.add_dummy_prefix == (sp.normalize("a") == "\u2581a")


def test_mistral_metadata() -> None:
    info = special_pieces_from_model_file(mistral_path("v3"))
    assert (info.unk_token, info.bos_token, info.eos_token, info.pad_token) == ("<unk>", "<s>", "</s>", None)
    assert (info.unk_id, info.bos_id, info.eos_id, info.pad_id) == (0, 1, 2, None)
    assert info.model_type == "BPE" and info.byte_fallback and info.add_dummy_prefix
    assert not info.remove_extra_whitespaces
    assert "[INST]" in info.control_pieces and "[REFERENCE_DOC_0]" in info.user_defined_pieces
    assert loaded("mistral-v1")[2].trainer_spec.split_digits


@pytest.mark.parametrize("name", FIXTURE_MODELS)
def test_dict_matches_transformers_converter(name: str) -> None:
    """The pipeline is the converted fixture NAME.json (transformers' build_tokenizer_from_spm_proto)
    except: control pieces are special added tokens, and the trailing-space regex also strips "▁"."""
    ours = loaded(name)[0].to_dict()
    raw = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    assert [t["content"] for t in ours["added_tokens"]] == [p.piece for p in loaded(name)[2].pieces if p.type == 3]
    assert all(t["special"] and not t["normalized"] for t in ours["added_tokens"])
    for key in ("pre_tokenizer", "decoder", "post_processor", "truncation", "padding"):
        assert ours[key] == raw[key], key
    # The model as the converter wrote it: exact float32 scores, merges in the same order.
    assert json.loads(json.dumps(ours["model"])) == raw["model"]
    theirs_norm = json.dumps(raw["normalizer"]).replace(r"\\A +| +\\z", r"\\A +|[ \u2581]+\\z")
    assert json.dumps(ours["normalizer"]) == theirs_norm


# ---------------------------------------------------------------------- parity with sentencepiece


@pytest.mark.parametrize("name", ALL_MODELS)
def test_hostile_strings(name: str) -> None:
    for text in hostile_texts():
        check(name, text)


@pytest.mark.parametrize("name", ALL_MODELS)
def test_hypothesis_fast(name: str) -> None:
    loaded(name)

    @settings(max_examples=FAST_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(texts_strategy())
    def run(text: str) -> None:
        check(name, text)

    run()


@pytest.mark.slow
@pytest.mark.parametrize("name", ALL_MODELS)
def test_hypothesis_full(name: str) -> None:
    loaded(name)

    @settings(max_examples=SLOW_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(texts_strategy())
    def run(text: str) -> None:
        check(name, text)

    run()


@pytest.mark.parametrize("name", MISTRAL)
def test_mistral_exact_on_sentences(name: str) -> None:
    """No divergence at all allowed here: plain, code, digits, whitespace runs, control-piece text."""
    tokenizer, sp, _ = loaded(name)
    texts = ["I've been waiting for a HuggingFace course my whole life.", "  two  spaces\tand\ttabs\n\nend  ",
             "[INST] What is 12345 + 678? [/INST]", "<s>hello</s> <unk>", "def f(x):\n    return x**2  # ok",
             "Ünïcödé → 日本語 😀 \u2581lead", "[REFERENCE_DOC_1] [IMG]", " ", "", "\u2581", "0123456789" * 3]
    for text in texts:
        encoding = tokenizer.encode(text)
        assert encoding.ids == sp.encode(text), text
        assert encoding.tokens == sp.encode(text, out_type=str), text
        assert tokenizer.decode(encoding.ids) == sp.decode(encoding.ids), text


def test_decode_skips_control_pieces_like_sentencepiece() -> None:
    tokenizer, sp, _ = loaded("mistral-v3")
    ids = [1, 3] + sp.encode("Hello world") + [4, 2]
    assert tokenizer.decode(ids) == sp.decode(ids) == "Hello world"


def test_split_digits() -> None:
    for name in ("mistral-v1", "unigram_identity_digits_bytes", "bpe_digits_bytes"):
        tokenizer, sp, _ = loaded(name)
        pieces = tokenizer.encode("year 20241231").tokens
        assert pieces == sp.encode("year 20241231", out_type=str)
        assert all(not any(c.isdigit() for c in p) or len(p.strip("\u2581")) == 1 for p in pieces), pieces


@pytest.mark.parametrize("name", ALL_MODELS)
def test_decode_random_ids(name: str) -> None:
    """Decode of 1,000 random id sequences (short ▁ pieces, bytes, control, unk, anything)."""
    tokenizer, sp, _ = loaded(name)
    rng = random.Random(7)
    size = sp.get_piece_size()
    pool = list(range(min(size, 40))) + [i for i in range(size) if sp.is_byte(i)][:60]
    pool += [i for i in range(size) if sp.id_to_piece(i).startswith("\u2581") and len(sp.id_to_piece(i)) < 3]
    pool += [rng.randrange(size) for _ in range(60)]
    for _ in range(1000):
        ids = [rng.choice(pool) for _ in range(rng.randint(0, 8))]
        expected = sp.decode(ids)
        assert tokenizer.decode(ids) == expected, [sp.id_to_piece(i) for i in ids]
        assert tokenizer.decode(ids, skip_special_tokens=False) == expected, [sp.id_to_piece(i) for i in ids]


def test_reloaded_json_is_hf_behaviour(tmp_path: pathlib.Path) -> None:
    """tokenizer.json cannot say "SentencePiece rules"; reloaded, the tokenizer is HF's, which differs
    from sentencepiece exactly where docs/unicode.md says. Pinned, so a change shows up here."""
    tokenizer, sp, _ = loaded("unigram_nfkc")
    tokenizer.save(tmp_path / "tokenizer.json")
    again = Tokenizer.from_file(tmp_path / "tokenizer.json")
    again.encode_special_tokens = True
    text = "A\u02b7\u0301"  # ʷ + combining acute: HF looks the grapheme up whole and drops the accent
    assert again.encode(text).tokens != tokenizer.encode(text).tokens == sp.encode(text, out_type=str)
    text = "x<s>y"  # HF's Unigram lattice also holds control pieces
    assert "<s>" in again.encode(text).tokens and "<s>" not in tokenizer.encode(text).tokens
    # User-defined pieces: sentencepiece finds them in its lattice and resolves "@@@" by score ties
    # ("@" + "@@"); the converter's Split, which both run here, isolates them left to right.
    assert tokenizer.encode("@@@").tokens == ["\u2581", "@@", "@"] != sp.encode("@@@", out_type=str)
    ids = sp.encode("a\u0915b")  # an unknown character (Devanagari KA)
    assert sp.unk_id() in ids
    assert again.decode(ids) == "a<unk>b" and tokenizer.decode(ids) == sp.decode(ids) == "a \u2047 b"


# ---------------------------------------------------------------------- tokenizer.json


@pytest.mark.parametrize("name", ["mistral-v7", "unigram_nfkc", "unigram_identity_digits_bytes", "bpe_digits_bytes"])
def test_save_and_reload(name: str, tmp_path: pathlib.Path) -> None:
    """The saved tokenizer.json loads in lexica and in HF `tokenizers`, and the two agree on it. For
    BPE models (no SentencePiece-only switches) the reloaded tokenizer still encodes as the original."""
    tokenizer, _, model = loaded(name)
    path = tmp_path / "tokenizer.json"
    tokenizer.save(path)
    again = Tokenizer.from_file(path)
    again.encode_special_tokens = True  # not part of tokenizer.json
    tokenizers = pytest.importorskip("tokenizers")
    hf = tokenizers.Tokenizer.from_file(str(path))
    hf.encode_special_tokens = True
    assert again.to_dict() == json.loads(hf.to_str())
    texts = [t for t in hostile_texts() if len(t) < 5000] + ["Hello  world \u2581x", "12345 \ufb01"]
    for text in texts:
        ids = again.encode(text).ids
        assert ids == hf.encode(text).ids, text
        if model.trainer_spec.model_type == 2:
            assert ids == tokenizer.encode(text).ids, text


# ---------------------------------------------------------------------- bad files


def _file(tmp_path: pathlib.Path, data: bytes, name: str = "bad.model") -> pathlib.Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("cut", [1, 2, 3, 10, 100, 1000, 5000, -40, -5, -1])
def test_truncated_file_names_file_and_field(tmp_path: pathlib.Path, cut: int) -> None:
    data = (FIXTURES / "unigram_identity_digits_bytes.model").read_bytes()
    path = _file(tmp_path, data[:cut])
    with pytest.raises(TokenizerFileError) as err:
        tokenizer_from_model_file(path)
    message = str(err.value)
    assert str(path) in message
    assert any(field in message for field in ("pieces", "trainer_spec", "normalizer_spec", "message")), message


def test_corrupt_files_raise_lexica_errors_only(tmp_path: pathlib.Path) -> None:
    """500 random corruptions (byte flips, cuts, insertions): a LexicaError or a valid model, never
    an IndexError, struct.error or protobuf traceback."""
    data = (FIXTURES / "bpe_digits_bytes.model").read_bytes()
    rng = random.Random(1234)
    for _ in range(500):
        corrupt = bytearray(data)
        for _ in range(rng.randint(1, 4)):
            op = rng.random()
            i = rng.randrange(len(corrupt))
            if op < 0.6:
                corrupt[i] = rng.randrange(256)
            elif op < 0.8:
                del corrupt[i : i + rng.randint(1, 50)]
            else:
                corrupt[i:i] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        try:
            read_model_proto(bytes(corrupt), "corrupt.model")
        except LexicaError as err:
            assert "corrupt.model" in str(err)


def _varint(value: int) -> bytes:
    out = bytearray()
    value &= (1 << 64) - 1
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _field(number: int, wire: int, payload: bytes) -> bytes:
    if wire == 2:
        return _varint(number << 3 | 2) + _varint(len(payload)) + payload
    return _varint(number << 3 | wire) + payload


def _piece(text: bytes, score: bytes = b"\x00\x00\x80\xbf", kind: int | None = None) -> bytes:
    body = _field(1, 2, text) + _field(2, 5, score) + (b"" if kind is None else _field(3, 0, _varint(kind)))
    return _field(1, 2, body)


MINIMAL = _piece(b"<unk>", b"\x00\x00\x00\x00", 2) + _piece(b"a") + _piece(b"b")


@pytest.mark.parametrize(
    ("data", "error", "match"),
    [
        (b"", TokenizerFileError, "empty file"),
        (b"this is not a model\n", TokenizerFileError, r"bad\.model: .*"),
        (_field(2, 2, _field(3, 0, _varint(3))) + MINIMAL, UnsupportedError, r"trainer_spec\.model_type: .*WORD"),
        (_field(2, 2, _field(24, 0, b"\x01")) + MINIMAL, UnsupportedError, "treat_whitespace_as_suffix"),
        (MINIMAL + _piece(b"a"), TokenizerFileError, r"pieces\[3\]\.piece: 'a' is already pieces\[1\]"),
        (_piece(b"a") + _piece(b"b"), TokenizerFileError, r"trainer_spec\.unk_id"),
        (MINIMAL + _piece(b"\xff\xfe"), TokenizerFileError, r"pieces\[3\]\.piece: expected UTF-8"),
        (MINIMAL + _piece(b"c", kind=9), TokenizerFileError, r"pieces\[3\]\.type: expected one of"),
        (MINIMAL + _field(1, 2, _field(1, 2, b"c") + _field(2, 0, b"\x01")), TokenizerFileError,
         r"pieces\[3\]\.score: expected wire type 5"),
        (MINIMAL + _field(1, 2, _field(1, 2, b"c") + b"\x15\x00"), TokenizerFileError,
         r"pieces\[3\]\.score: truncated"),
        (MINIMAL + _field(3, 2, _field(2, 2, b"\x00")), TokenizerFileError, "normalizer_spec.precompiled_charsmap"),
        (MINIMAL + b"\x0b", TokenizerFileError, "wire type 3"),
        (_field(2, 2, b"\x08"), TokenizerFileError, r"trainer_spec\.field 1: truncated varint"),
    ],
)
def test_bad_model_names_the_field(tmp_path: pathlib.Path, data: bytes, error: type, match: str) -> None:
    path = _file(tmp_path, data)
    with pytest.raises(error, match=match) as err:
        tokenizer_from_model_file(path)
    assert str(path) in str(err.value)


def test_minimal_hand_written_model_loads() -> None:
    model = read_model_proto(MINIMAL, "minimal.model")
    assert [p.piece for p in model.pieces] == ["<unk>", "a", "b"]
    assert model.normalizer_spec.add_dummy_prefix and model.trainer_spec.pad_id == -1


def test_missing_file_names_it(tmp_path: pathlib.Path) -> None:
    with pytest.raises(TokenizerFileError, match="nope.model"):
        tokenizer_from_model_file(tmp_path / "nope.model")
