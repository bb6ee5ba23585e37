"""Decoders against HF ``tokenizers.decoders``: hostile token lists, hypothesis lists, JSON round trips."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lexica.errors import TokenizerFileError, UnsupportedError
from lexica.tokenizers import decoders as ld
from lexica.tokenizers.bytes_unicode import BYTES_TO_UNICODE, UNICODE_TO_BYTES

hf = pytest.importorskip("tokenizers")
hd = hf.decoders


def _pairs() -> list[tuple[str, object, object]]:
    """(name, lexica decoder, HF decoder) for every decoder and the interesting settings."""
    return [
        ("wordpiece", ld.WordPiece(), hd.WordPiece()),
        ("wordpiece_nocleanup", ld.WordPiece("@@", False), hd.WordPiece(prefix="@@", cleanup=False)),
        ("bytelevel", ld.ByteLevel(), hd.ByteLevel()),
        ("bpe", ld.BPEDecoder(), hd.BPEDecoder()),
        ("bpe_suffix", ld.BPEDecoder("_"), hd.BPEDecoder(suffix="_")),
        ("replace", ld.Replace("\u2581", " "), hd.Replace("\u2581", " ")),
        ("replace_regex", ld.Replace(r"a+|\s", "-", True), hd.Replace(hf.Regex(r"a+|\s"), "-")),
        ("replace_empty_regex", ld.Replace("a*", "X", True), hd.Replace(hf.Regex("a*"), "X")),
        ("strip", ld.Strip(" ", 1, 0), hd.Strip(" ", 1, 0)),
        ("strip_both", ld.Strip("a", 2, 1), hd.Strip("a", 2, 1)),
        ("fuse", ld.Fuse(), hd.Fuse()),
        ("bytefallback", ld.ByteFallback(), hd.ByteFallback()),
        ("metaspace", ld.Metaspace(), hd.Metaspace()),
        ("metaspace_first", ld.Metaspace("_", "first", False), hd.Metaspace("_", "first", False)),
        ("metaspace_never", ld.Metaspace(prepend_scheme="never"), hd.Metaspace(prepend_scheme="never")),
        ("ctc", ld.CTC(), hd.CTC()),
        ("ctc_nocleanup", ld.CTC("a", "b", False), hd.CTC("a", "b", False)),
        (
            "llama_sequence",
            ld.Sequence([ld.Replace("\u2581", " "), ld.ByteFallback(), ld.Fuse(), ld.Strip(" ", 1, 0)]),
            hd.Sequence([hd.Replace("\u2581", " "), hd.ByteFallback(), hd.Fuse(), hd.Strip(" ", 1, 0)]),
        ),
        (
            "wordpiece_then_strip",
            ld.Sequence([ld.WordPiece(), ld.Strip("a", 1, 1)]),
            hd.Sequence([hd.WordPiece(), hd.Strip("a", 1, 1)]),
        ),
    ]


PAIRS = _pairs()
IDS = [name for name, _, _ in PAIRS]
EMOJI_BYTES = ["".join(BYTES_TO_UNICODE[b] for b in "👍🏽".encode()[i : i + 2]) for i in range(0, 8, 2)]
HOSTILE = [
    [],
    [""],
    ["", "", ""],
    ["hello", "##world", "!", "##", "#", "##", "do", "not", " do not", "n't", "'", "s"],
    ["Hello", "Ġworld", "ĠĠ", "Ċ", "ĉ", "<|endoftext|>", "Ġ", "[PA D]"],
    EMOJI_BYTES,  # one emoji's bytes split across tokens
    EMOJI_BYTES[:1] + ["Ġa"] + EMOJI_BYTES[2:],  # ... with a piece missing: invalid UTF-8
    ["\u00ff", "\u0100", "\u0143", "Ã", "©"],  # byte tokens that are not valid UTF-8 on their own
    ["<0xE2>", "<0x82>", "<0xAC>", "a", "<0xE2>", "<0x82>", "b", "<0xff>", "<0x+A>", "<0x0g>", "<0x\u00e9>"],
    ["<0xF0>", "<0x9F>", "<0x91>", "<0x8D>", "<0x20>", "<0x0>", "<0x000>", "<0X41>", "<0xF0>"],
    ["\u2581Hello", "\u2581\u2581world", "\u2581", "a\u2581b", "_x_"],
    ["<pad>", "<pad>", "h", "h", "e", "|", "|", "l", "<pad>", "l", "o", "<pad>"],
    ["a", "a", "aa", "aaa", "baac", "a a", " ", "  "],
    ["</w>", "ab</w>", "c</w>d", "_", "e_"],
    ["\U0001f469\u200d\U0001f469\u200d\U0001f467", "\u0301", "\u4e2d\u6587", "\x00\x07", "\ufffd"],
]


def _hf_decode(decoder: object, tokens: list[str]) -> str | None:
    """HF's result, or None where HF's Rust code panics (old Strip slicing bugs)."""
    try:
        return decoder.decode(tokens)
    except BaseException as exc:  # pyo3's PanicException derives from BaseException
        if type(exc).__name__ != "PanicException":
            raise
        return None


def _check(ours: object, theirs: object, tokens: list[str]) -> None:
    expected = _hf_decode(theirs, tokens)
    got = ours.decode(tokens)
    assert got == "".join(ours.decode_chain(list(tokens)))
    if expected is not None:
        assert got == expected, tokens


@pytest.mark.parametrize("name,ours,theirs", PAIRS, ids=IDS)
@pytest.mark.parametrize("tokens", HOSTILE)
def test_hostile_lists(name: str, ours: object, theirs: object, tokens: list[str]) -> None:
    _check(ours, theirs, tokens)


@pytest.mark.parametrize("name,ours,theirs", PAIRS, ids=IDS)
def test_to_dict_matches_hf_json(name: str, ours: object, theirs: object) -> None:
    expected = json.loads(theirs.__getstate__())
    assert ours.to_dict() == expected
    assert list(ours.to_dict()) == list(expected)  # same key order, so written files match
    rebuilt = ld.decoder_from_dict(expected)
    assert rebuilt.to_dict() == expected


_PIECES = st.sampled_from(
    ["##", "#", "Ġ", "Ċ", "\u2581", "_", "<0x", ">", "<0xE2>", "<0x82>", "<0xAC>", "<0xF0>", "<0x9F>",
     "<0x41>", "<0xff>", "<pad>", "|", "</w>", " ", "  ", ".", ",", "'", "n't", " do not", "a", "aa", "b",
     "\u00e9", "\u4e2d", "\U0001f44d", "\u200d", "\u0301", "\x00"]
    + [BYTES_TO_UNICODE[b] for b in (0x80, 0x9F, 0xBF, 0xC3, 0xE2, 0xF0, 0xFF, 0x20, 0x0A)]
)
_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=4)
_TOKEN = st.lists(st.one_of(_PIECES, _TEXT), max_size=4).map("".join)


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tokens=st.lists(_TOKEN, max_size=8))
def test_hypothesis_token_lists(tokens: list[str]) -> None:
    # Every decoder sees every generated list: >= 2,000 lists per decoder.
    for _, ours, theirs in PAIRS:
        _check(ours, theirs, tokens)


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=24), cut=st.lists(st.integers(0, 24), max_size=6))
def test_bytelevel_split_bytes_are_lossless_like_hf(data: bytes, cut: list[int]) -> None:
    """Any byte string, split anywhere into byte-level tokens, decodes like HF (lossy only when invalid)."""
    mapped = "".join(BYTES_TO_UNICODE[b] for b in data)
    bounds = sorted({0, len(mapped), *[c for c in cut if c <= len(mapped)]})
    tokens = [mapped[a:b] for a, b in zip(bounds, bounds[1:])]
    got = ld.ByteLevel().decode(tokens)
    assert got == hd.ByteLevel().decode(tokens)
    assert got == data.decode("utf-8", "replace")


@settings(max_examples=300, deadline=None)
@given(tokens=st.lists(st.text(alphabet=st.sampled_from("aĠĊé\x85\xad 中<|>\ud800ā"), max_size=4), max_size=6))
def test_byte_level_bytes_is_the_per_token_rule(tokens: list[str]) -> None:
    """Each token's bytes as HF's decoder reads it: all its characters byte-level, else its own
    UTF-8; and the decoder's all-at-once case decodes the same text as token by token."""
    def rule(token: str) -> bytes:
        if all(c in UNICODE_TO_BYTES for c in token):
            return bytes(UNICODE_TO_BYTES[c] for c in token)
        return token.encode("utf-8", "surrogatepass")

    assert [ld.byte_level_bytes(t) for t in tokens] == [rule(t) for t in tokens]
    assert ld.ByteLevel().decode(tokens) == b"".join(map(rule, tokens)).decode("utf-8", "replace")


def test_byte_table_is_gpt2s() -> None:
    assert len(BYTES_TO_UNICODE) == len(UNICODE_TO_BYTES) == 256
    assert BYTES_TO_UNICODE[ord(" ")] == "Ġ" and BYTES_TO_UNICODE[ord("\n")] == "Ċ"
    assert BYTES_TO_UNICODE[ord("A")] == "A" and BYTES_TO_UNICODE[0] == "\u0100"
    assert all(UNICODE_TO_BYTES[c] == b for b, c in BYTES_TO_UNICODE.items())


def test_lone_surrogates_do_not_crash() -> None:
    tokens = ["\ud800", "a\udfff", "<0xE2>"]
    for _, ours, _ in PAIRS:
        assert isinstance(ours.decode(tokens), str)
    assert ld.ByteLevel().decode(["\ud800"]) == "\ufffd" * 3  # its 3 surrogatepass bytes are invalid


def test_cleanup_helper() -> None:
    text = "hello , world ! it ' s . i 'm sure you 've said they 're here ? do n't I do not"
    assert ld.cleanup(text) == "hello, world! it's. i'm sure you've said they're here? don't I don't"


def test_course_bert_decode() -> None:
    tokens = ["[CLS]", "i", "'", "ve", "been", "waiting", "for", "a", "hugging", "##face", "course", "my",
              "whole", "life", ".", "[SEP]"]
    expected = "[CLS] i've been waiting for a huggingface course my whole life. [SEP]"
    # The decoder cleans each token; the whole-string cleanup (clean_up_tokenization_spaces) joins "i ' ve".
    decoded = ld.WordPiece().decode(tokens)
    assert decoded == hd.WordPiece().decode(tokens)
    assert ld.cleanup(decoded) == expected


@pytest.mark.parametrize(
    "payload,path",
    [
        ({"type": "Strip", "content": "ab", "start": 1, "stop": 0}, "decoder.content"),
        ({"type": "Strip", "content": " ", "start": -1, "stop": 0}, "decoder.start"),
        ({"type": "WordPiece", "prefix": 3}, "decoder.prefix"),
        ({"type": "Replace", "pattern": {"Regexp": "a"}, "content": ""}, "decoder.pattern"),
        ({"type": "Replace", "pattern": {"Regex": "("}, "content": ""}, "decoder.pattern.Regex"),
        ({"type": "Metaspace", "replacement": "_", "prepend_scheme": "sometimes"}, "decoder.prepend_scheme"),
        ({"type": "Sequence", "decoders": [{"type": "Fuse"}, {"type": "ByteLevel", "trim_offsets": 1}]},
         "decoder.decoders[1].trim_offsets"),
        ([], "decoder"),
    ],
)
def test_bad_json_names_the_path(payload: object, path: str) -> None:
    with pytest.raises(TokenizerFileError, match=path.replace("[", r"\[").replace("]", r"\]")):
        ld.decoder_from_dict(payload)


def test_unknown_type_lists_supported() -> None:
    with pytest.raises(UnsupportedError, match="ByteFallback"):
        ld.decoder_from_dict({"type": "Nope"}, "decoder")
    assert ld.decoder_from_dict(None) is None


def test_legacy_metaspace_json() -> None:
    # HF 0.23 refuses add_prefix_space=false without prepend_scheme "never"; we read it as "never".
    old = {"type": "Metaspace", "replacement": "_", "add_prefix_space": False}
    assert ld.decoder_from_dict(old).prepend_scheme == "never"
    legacy = {"type": "Metaspace", "replacement": "\u2581", "add_prefix_space": True, "str_rep": "\u2581"}
    ours = ld.decoder_from_dict(legacy)
    assert ours.prepend_scheme == "always"
    theirs = hf.Tokenizer.from_str(json.dumps(_tokenizer_json(legacy))).decoder
    assert ours.to_dict() == json.loads(theirs.__getstate__())


def _tokenizer_json(decoder: dict) -> dict:
    return {
        "version": "1.0", "truncation": None, "padding": None, "added_tokens": [], "normalizer": None,
        "pre_tokenizer": None, "post_processor": None, "decoder": decoder,
        "model": {"type": "WordLevel", "vocab": {"a": 0}, "unk_token": "a"},
    }


@pytest.mark.parametrize("name", ["minilm", "anthropic", "deepseek"])
def test_real_decoders_on_real_tokens(name: str, minilm_dir, litellm_tokenizers_dir) -> None:
    path = {
        "minilm": minilm_dir / "tokenizer.json",
        "anthropic": litellm_tokenizers_dir / "anthropic_tokenizer.json",
        "deepseek": litellm_tokenizers_dir / "deepseek_tokenizer.json",
    }[name]
    tok = hf.Tokenizer.from_file(str(path))
    ours = ld.decoder_from_dict(json.loads(path.read_text(encoding="utf-8"))["decoder"])
    texts = ["I've been waiting for a HuggingFace course my whole life.", "", "  two  spaces\tand\ttabs\n",
             "café naïve e\u0301", "中文字符 日本語", "👍🏽 👩\u200d👩\u200d👧", "\x00\x07 ctrl",
             "don't do not , ."]
    for text in texts:
        tokens = tok.encode(text, add_special_tokens=False).tokens
        assert ours.decode(tokens) == tok.decoder.decode(tokens), text
        for k in range(len(tokens)):  # every prefix: cuts inside multi-byte characters
            assert ours.decode(tokens[:k]) == tok.decoder.decode(tokens[:k])
    vocab_size = tok.get_vocab_size()
    rng = __import__("random").Random(1234)
    for _ in range(300):  # random id sequences: arbitrary (often invalid) byte soups
        tokens = [tok.id_to_token(rng.randrange(vocab_size)) for _ in range(rng.randrange(12))]
        tokens = [t for t in tokens if t is not None]
        assert ours.decode(tokens) == tok.decoder.decode(tokens), tokens
