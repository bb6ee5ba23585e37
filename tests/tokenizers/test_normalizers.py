"""Normalizers against HF ``tokenizers``: normalized strings, per-character alignments, JSON.

Alignments are read from HF through a tokenizer whose pre-tokenizer isolates every normalized
character: each token's offsets are then the original range of one normalized character, which is
compared with lexica's ``NormalizedString.original_range(i, i + 1)``.

Unicode: lexica follows Python's ``unicodedata``; HF's tables are older. Parity is tested on the
characters where they agree (``unicode_agreement``), and the disagreeing ones are tested explicitly,
with both behaviours side by side (docs/unicode.md).
"""

from __future__ import annotations

import functools
import json
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings

from lexica.errors import TokenizerFileError, UnsupportedError
from lexica.tokenizers import normalizers as L
from lexica.tokenizers.normalized import NormalizedString
from hostile import has_surrogate, hostile_strings
from unicode_agreement import SURROGATES, disagreements, hf_agreeing_text

tk = pytest.importorskip("tokenizers")
from tokenizers import Regex, Tokenizer  # noqa: E402
from tokenizers import normalizers as H  # noqa: E402
from tokenizers import pre_tokenizers as HP  # noqa: E402
from tokenizers.models import WordLevel  # noqa: E402



def _varint(data: bytes, i: int) -> tuple[int, int]:
    value, shift = 0, 0
    while True:
        byte = data[i]
        i += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, i


def _proto_fields(data: bytes):
    """Just enough protobuf wire format to walk a SentencePiece ModelProto."""
    i = 0
    while i < len(data):
        key, i = _varint(data, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = _varint(data, i)
        elif wire == 2:
            size, i = _varint(data, i)
            value, i = data[i : i + size], i + size
        elif wire == 5:
            value, i = data[i : i + 4], i + 4
        elif wire == 1:
            value, i = data[i : i + 8], i + 8
        else:
            raise ValueError(f"unexpected wire type {wire}")
        yield number, value


@functools.cache
def spm_charsmap(rule: str) -> bytes:
    """The precompiled_charsmap SentencePiece builds for ``rule`` (trained here, never downloaded)."""
    import io

    spm = pytest.importorskip("sentencepiece")
    model = io.BytesIO()
    text = ["Hello world ﬁ ① … Ｆｕｌｌ width", "Café crème", "中文 日本語 한국어"] * 50
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(text), model_writer=model, vocab_size=40, hard_vocab_limit=False, normalization_rule_name=rule, minloglevel=2
    )
    for number, value in _proto_fields(model.getvalue()):
        if number == 3:  # ModelProto.normalizer_spec
            for inner, charsmap in _proto_fields(value):
                if inner == 2:  # NormalizerSpec.precompiled_charsmap
                    return charsmap
    raise AssertionError("no precompiled_charsmap in the trained model")


@functools.cache  # a charsmap is 240 kB: encode it once, not once per hypothesis example
def _b64(data: bytes) -> str:
    import base64

    return base64.b64encode(data).decode()


# (id, HF normalizer factory, lexica normalizer factory)
PAIRS = [
    ("bert", lambda: H.BertNormalizer(), lambda: L.BertNormalizer()),
    ("bert-keep-accents", lambda: H.BertNormalizer(strip_accents=False), lambda: L.BertNormalizer(strip_accents=False)),
    (
        "bert-cased-strip",
        lambda: H.BertNormalizer(strip_accents=True, lowercase=False),
        lambda: L.BertNormalizer(strip_accents=True, lowercase=False),
    ),
    (
        "bert-bare",
        lambda: H.BertNormalizer(clean_text=False, handle_chinese_chars=False, lowercase=False),
        lambda: L.BertNormalizer(clean_text=False, handle_chinese_chars=False, lowercase=False),
    ),
    ("lowercase", lambda: H.Lowercase(), lambda: L.Lowercase()),
    ("strip", lambda: H.Strip(), lambda: L.Strip()),
    ("lstrip", lambda: H.Strip(left=True, right=False), lambda: L.Strip(strip_left=True, strip_right=False)),
    ("rstrip", lambda: H.Strip(left=False, right=True), lambda: L.Strip(strip_left=False, strip_right=True)),
    ("strip-accents", lambda: H.StripAccents(), lambda: L.StripAccents()),
    ("nfc", lambda: H.NFC(), lambda: L.NFC()),
    ("nfd", lambda: H.NFD(), lambda: L.NFD()),
    ("nfkc", lambda: H.NFKC(), lambda: L.NFKC()),
    ("nfkd", lambda: H.NFKD(), lambda: L.NFKD()),
    ("replace-string", lambda: H.Replace(" ", "▁"), lambda: L.Replace({"String": " "}, "▁")),
    ("replace-string-long", lambda: H.Replace("ab", "xyz"), lambda: L.Replace({"String": "ab"}, "xyz")),
    ("replace-delete", lambda: H.Replace("a", ""), lambda: L.Replace({"String": "a"}, "")),
    ("replace-regex", lambda: H.Replace(Regex(r"\s+"), " "), lambda: L.Replace({"Regex": r"\s+"}, " ")),
    ("replace-regex-empty", lambda: H.Replace(Regex(r"b*"), "-"), lambda: L.Replace({"Regex": r"b*"}, "-")),
    ("prepend", lambda: H.Prepend("▁"), lambda: L.Prepend("▁")),
    ("byte-level", lambda: H.ByteLevel(), lambda: L.ByteLevel()),
    ("nmt", lambda: H.Nmt(), lambda: L.Nmt()),
    ("precompiled-nfkc", lambda: H.Precompiled(spm_charsmap("nmt_nfkc")), lambda: L.Precompiled(_b64(spm_charsmap("nmt_nfkc")))),
    (
        "precompiled-nfkc-cf",
        lambda: H.Precompiled(spm_charsmap("nmt_nfkc_cf")),
        lambda: L.Precompiled(_b64(spm_charsmap("nmt_nfkc_cf"))),
    ),
    (
        "seq-llama",
        lambda: H.Sequence([H.Prepend("▁"), H.Replace(" ", "▁")]),
        lambda: L.Sequence([L.Prepend("▁"), L.Replace({"String": " "}, "▁")]),
    ),
    (
        "seq-nfd-strip-lower",
        lambda: H.Sequence([H.NFD(), H.StripAccents(), H.Lowercase()]),
        lambda: L.Sequence([L.NFD(), L.StripAccents(), L.Lowercase()]),
    ),
    (
        "seq-nfkc-lower-bytes",
        lambda: H.Sequence([H.NFKC(), H.Lowercase(), H.Strip(), H.ByteLevel()]),
        lambda: L.Sequence([L.NFKC(), L.Lowercase(), L.Strip(), L.ByteLevel()]),
    ),
]
IDS = [p[0] for p in PAIRS]

HOSTILE = [
    "",
    " ",
    "     ",
    "\t\t\n\n\r\n \t",
    "  leading and trailing  ",
    "Hello, World! I've been waiting for a HuggingFace course my whole life.",
    "Café crème brûlée, naïve façade, Ångström, Øresund",
    "e\u0301 a\u0316\u0301 a\u0301\u0316 \u1ec7\u0316 \u0301leading mark",
    "ﬁ ﬂ ① ② … ™ ½ ｆｕｌｌ ㍿ ẞ ß ǅ",
    "İstanbul ΣΑΣ ΟΔΥΣΣΕΥΣ ǅ",
    "中文字符和日本語のテキスト、한국어 각 \u1100\u1161\u11a8",
    "😀 👍🏽 👨\u200d👩\u200d👧 🇫🇷 ❤\ufe0f",
    "\x00\x01\x07\x0b\x0c\x1b\x7f\x85\u200b\u200d\u2028\ufeff\ufffd\ue000",
    "ab abab aab bab",
    "mixed\u3000ideographic\u00a0nbsp\u2009thin",
    "x" * 100_000,
    "é" * 50_000 + "e\u0301" * 25_000,
    "中" * 30_000,
]


@functools.cache
def hf_tokenizer(pair_id: str) -> Tokenizer:
    hf_factory = dict((p[0], p[1]) for p in PAIRS)[pair_id]
    tok = Tokenizer(WordLevel({"[UNK]": 0}, unk_token="[UNK]"))
    tok.normalizer = hf_factory()
    # Oniguruma's (?m) is "dot matches newline": every normalized character becomes one token.
    tok.pre_tokenizer = HP.Split(Regex(r"(?m)."), "isolated")
    return tok


def hf_view(pair_id: str, text: str) -> tuple[str, list[tuple[int, int]]]:
    """HF's normalized string and, per normalized character, its original range."""
    tok = hf_tokenizer(pair_id)
    normalized = tok.normalizer.normalize_str(text)
    offsets = tok.encode(text, add_special_tokens=False).offsets if normalized else []
    assert len(offsets) == len(normalized), "the probe must give one token per normalized char"
    return normalized, [tuple(o) for o in offsets]


def lexica_view(normalizer: L.Normalizer, text: str) -> tuple[str, list[tuple[int, int]]]:
    n = NormalizedString(text)
    normalizer.normalize(n)
    return n.normalized, [n.original_range(i, i + 1) for i in range(len(n.normalized))]


def lexica(pair_id: str) -> L.Normalizer:
    return dict((p[0], p[2]) for p in PAIRS)[pair_id]()


def assert_parity(pair_id: str, text: str) -> None:
    normalizer = lexica(pair_id)
    expected = hf_view(pair_id, text)
    assert lexica_view(normalizer, text) == expected
    assert normalizer.normalize_str(text) == expected[0]


# ---------------------------------------------------------------- parity
SHARED_HOSTILE = [(name, text) for name, text in hostile_strings() if not has_surrogate(text)]
ALL_HOSTILE = [(f"h{i}", t) for i, t in enumerate(HOSTILE)] + SHARED_HOSTILE
SHORT = [(name, t) for name, t in ALL_HOSTILE if len(t) <= 1000]
LONG = [(name, t) for name, t in ALL_HOSTILE if len(t) > 1000]
# Long strings cost HF a second each through the probe; run them on one pair per code path.
LONG_IDS = [
    "bert",
    "bert-cased-strip",
    "lowercase",
    "strip",
    "strip-accents",
    "nfc",
    "nfkd",
    "replace-regex",
    "byte-level",
    "precompiled-nfkc",
]


@pytest.mark.parametrize("pair_id", IDS)
@pytest.mark.parametrize("text", [t for _, t in SHORT], ids=[n for n, _ in SHORT])
def test_hostile_parity(pair_id: str, text: str) -> None:
    assert_parity(pair_id, text)


@pytest.mark.parametrize("pair_id", LONG_IDS)
@pytest.mark.parametrize("text", [t for _, t in LONG], ids=[n for n, _ in LONG])
def test_long_hostile_parity(pair_id: str, text: str) -> None:
    assert_parity(pair_id, text)


@pytest.mark.parametrize(
    "pair_id,text,expected",
    [
        ("nfkc", "ﬁ", [("f", (0, 1)), ("i", (0, 1))]),
        ("nfkc", "①…", [("1", (0, 1)), (".", (1, 2)), (".", (1, 2)), (".", (1, 2))]),
        ("nfd", "Å", [("A", (0, 1)), ("\u030a", (0, 1))]),
        ("nfc", "e\u0301x", [("é", (0, 1)), ("x", (2, 3))]),
        ("nfc", "\u1100\u1161\u11a8", [("각", (0, 1))]),
        ("nfd", "각", [("\u1100", (0, 1)), ("\u1161", (0, 1)), ("\u11a8", (0, 1))]),
        # Canonical reordering moves characters, but HF's alignments stay positional.
        ("nfd", "é\u0323", [("e", (0, 1)), ("\u0323", (1, 2)), ("\u0301", (1, 2))]),
        # Non-adjacent composition: the blocked mark takes the position of the swallowed one.
        ("nfc", "a\u0316\u0301", [("á", (0, 1)), ("\u0316", (2, 3))]),
        ("lowercase", "İ", [("i", (0, 1)), ("\u0307", (0, 1))]),
        ("lowercase", "ΑΣ", [("α", (0, 1)), ("σ", (1, 2))]),  # no final sigma, unlike str.lower()
        ("bert", "中x", [(" ", (0, 1)), ("中", (0, 1)), (" ", (0, 1)), ("x", (1, 2))]),
        ("replace-string-long", "cabd", [("c", (0, 1)), ("x", (2, 3)), ("y", (2, 3)), ("z", (2, 3)), ("d", (3, 4))]),
        ("replace-regex-empty", "cab", [("-", (0, 0)), ("c", (0, 1)), ("-", (0, 1)), ("a", (1, 2)), ("-", (2, 3))]),
        ("byte-level", "é ", [("Ã", (0, 1)), ("©", (0, 1)), ("Ġ", (1, 2))]),
        ("prepend", "ab", [("▁", (0, 1)), ("a", (0, 1)), ("b", (1, 2))]),
    ],
)
def test_golden_alignments(pair_id: str, text: str, expected: list) -> None:
    normalized, offsets = lexica_view(lexica(pair_id), text)
    assert list(zip(normalized, offsets)) == expected
    assert hf_view(pair_id, text) == (normalized, offsets)


# One configuration per normalizer type gets 2,000 examples; the variants get fewer.
HYPOTHESIS_IDS = [
    "bert",
    "lowercase",
    "strip",
    "strip-accents",
    "nfc",
    "nfd",
    "nfkc",
    "nfkd",
    "replace-regex-empty",
    "prepend",
    "byte-level",
    "nmt",
    "precompiled-nfkc",
    "seq-nfkc-lower-bytes",
]
VARIANT_IDS = ["bert-cased-strip", "replace-string-long", "precompiled-nfkc-cf", "seq-nfd-strip-lower"]


@pytest.mark.parametrize("pair_id", HYPOTHESIS_IDS)
@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=hf_agreeing_text())
def test_hypothesis_parity(pair_id: str, text: str) -> None:
    assert_parity(pair_id, text)


@pytest.mark.slow
@pytest.mark.parametrize("pair_id", HYPOTHESIS_IDS)
@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=hf_agreeing_text())
def test_hypothesis_parity_2000(pair_id: str, text: str) -> None:
    """The same with 2,000 texts per normalizer (make test-slow)."""
    assert_parity(pair_id, text)


@pytest.mark.parametrize("pair_id", VARIANT_IDS)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=hf_agreeing_text())
def test_hypothesis_parity_variants(pair_id: str, text: str) -> None:
    assert_parity(pair_id, text)


def _sampled_code_points(step: int) -> list[int]:
    return [cp for cp in range(0, 0x110000, step) if cp not in SURROGATES]


MEASURED = [
    ("BertNormalizer", lambda: H.BertNormalizer(), lambda: L.BertNormalizer()),
    ("Lowercase", lambda: H.Lowercase(), lambda: L.Lowercase()),
    ("Strip", lambda: H.Strip(), lambda: L.Strip()),
    ("StripAccents", lambda: H.StripAccents(), lambda: L.StripAccents()),
    ("NFC", lambda: H.NFC(), lambda: L.NFC()),
    ("NFD", lambda: H.NFD(), lambda: L.NFD()),
    ("NFKC", lambda: H.NFKC(), lambda: L.NFKC()),
    ("NFKD", lambda: H.NFKD(), lambda: L.NFKD()),
    ("Nmt", lambda: H.Nmt(), lambda: L.Nmt()),
    ("ByteLevel", lambda: H.ByteLevel(), lambda: L.ByteLevel()),
]


@pytest.mark.parametrize("name,hf_factory,lx_factory", MEASURED, ids=[m[0] for m in MEASURED])
def test_code_points_agree_outside_measured_set(name: str, hf_factory, lx_factory) -> None:
    """Every 31st code point: where the measurement says the tables agree, the outputs agree."""
    if not disagreements():
        pytest.skip("unicode_disagreements.json missing: run tests/tokenizers/unicode_agreement.py")
    bad = set(disagreements()[name])
    hf, lx = hf_factory(), lx_factory()
    for cp in _sampled_code_points(31):
        text = "a" + chr(cp) + " "
        if cp not in bad:
            assert lx.normalize_str(text) == hf.normalize_str(text), hex(cp)


@pytest.mark.slow
@pytest.mark.parametrize("name,hf_factory,lx_factory", MEASURED, ids=[m[0] for m in MEASURED])
def test_every_code_point_matches_measurement(name: str, hf_factory, lx_factory) -> None:
    """All 1.1M code points: the disagreeing set is exactly the measured one."""
    if not disagreements():
        pytest.skip("unicode_disagreements.json missing: run tests/tokenizers/unicode_agreement.py")
    hf, lx = hf_factory(), lx_factory()
    found = [
        cp
        for cp in _sampled_code_points(1)
        if any(hf.normalize_str(t) != lx.normalize_str(t) for t in (chr(cp), "a" + chr(cp) + " "))
    ]
    assert found == disagreements()[name]


# ---------------------------------------------------------------- JSON
def _hf_json(hf_normalizer) -> dict:
    tok = Tokenizer(WordLevel({"[UNK]": 0}, unk_token="[UNK]"))
    tok.normalizer = hf_normalizer
    return json.loads(tok.to_str())["normalizer"]


@pytest.mark.parametrize("pair_id", IDS)
def test_to_dict_matches_hf_json(pair_id: str) -> None:
    hf_factory, lx_factory = {p[0]: (p[1], p[2]) for p in PAIRS}[pair_id]
    expected = _hf_json(hf_factory())
    ours = lx_factory().to_dict()
    # Same keys in the same order, same values.
    assert json.dumps(ours, ensure_ascii=False) == json.dumps(expected, ensure_ascii=False)
    rebuilt = L.normalizer_from_dict(expected)
    assert rebuilt.to_dict() == expected
    # And HF reads what we write.
    tok = Tokenizer(WordLevel({"[UNK]": 0}, unk_token="[UNK]"))
    doc = json.loads(tok.to_str())
    doc["normalizer"] = ours
    assert _hf_json(Tokenizer.from_str(json.dumps(doc)).normalizer) == expected


def test_none_normalizer() -> None:
    assert L.normalizer_from_dict(None) is None


def test_unknown_type_lists_supported() -> None:
    with pytest.raises(UnsupportedError) as err:
        L.normalizer_from_dict({"type": "Frobnicate"})
    message = str(err.value)
    assert "normalizer.type" in message and "'Frobnicate'" in message
    for name in ("BertNormalizer", "NFKC", "Replace", "Sequence", "ByteLevel"):
        assert name in message


@pytest.mark.parametrize(
    "doc,path",
    [
        ({"type": "Sequence", "normalizers": [{"type": "NFC"}, {"type": "Lowercase"}, {"type": "Replace", "pattern": {"Str": "a"}, "content": "b"}]}, "normalizer.normalizers[2].pattern"),
        ({"type": "Sequence", "normalizers": [{"type": "NFC"}, {"type": "Replace", "pattern": {"Regex": "(unclosed"}, "content": "b"}]}, "normalizer.normalizers[1].pattern.Regex"),
        ({"type": "Replace", "pattern": {"String": 3}, "content": "b"}, "normalizer.pattern.String"),
        ({"type": "Replace", "pattern": {"String": "a"}, "content": None}, "normalizer.content"),
        ({"type": "Replace", "pattern": {"String": "a"}}, "normalizer"),
        ({"type": "BertNormalizer", "lowercase": "yes"}, "normalizer.lowercase"),
        ({"type": "BertNormalizer", "strip_accents": 1}, "normalizer.strip_accents"),
        ({"type": "Strip", "strip_left": None}, "normalizer.strip_left"),
        ({"type": "Prepend", "prepend": ["▁"]}, "normalizer.prepend"),
        ({"type": "Sequence", "normalizers": {"type": "NFC"}}, "normalizer.normalizers"),
        ({"type": "Sequence", "normalizers": [["NFC"]]}, "normalizer.normalizers[0]"),
        (["NFC"], "normalizer"),
        # HF refuses a Precompiled without its charsmap ("missing field"), and bad base64 or a
        # charsmap too short for its own trie.
        ({"type": "Sequence", "normalizers": [{"type": "NFC"}, {"type": "Precompiled"}]}, "normalizer.normalizers[1].precompiled_charsmap"),
        ({"type": "Precompiled", "precompiled_charsmap": "!!"}, "normalizer.precompiled_charsmap"),
        ({"type": "Precompiled", "precompiled_charsmap": "AAAA"}, "normalizer.precompiled_charsmap"),
        ({"type": "Precompiled", "precompiled_charsmap": "CAAAAAAA"}, "normalizer.precompiled_charsmap"),
        ({"type": "Precompiled", "precompiled_charsmap": 3}, "normalizer.precompiled_charsmap"),
    ],
)
def test_malformed_json_names_the_path(doc, path: str) -> None:
    with pytest.raises(TokenizerFileError) as err:
        L.normalizer_from_dict(doc)
    assert str(err.value).startswith(path + ":"), str(err.value)


def test_unknown_type_inside_sequence_names_the_path() -> None:
    with pytest.raises(UnsupportedError, match=r"normalizer\.normalizers\[1\]\.type"):
        L.normalizer_from_dict({"type": "Sequence", "normalizers": [{"type": "NFC"}, {"type": "Frobnicate"}]})


# ---------------------------------------------------------------- fast paths and robustness
@pytest.mark.parametrize(
    "normalizer,text",
    [
        (L.Lowercase(), "Hello World"),
        (L.Lowercase(), "ÀÉÎÕÜ ΑΣ Жизнь"),  # 1:1 lowercase, even non-ASCII
        (L.NFC(), "Café déjà vu"),  # already NFC
        (L.NFKC(), "plain ascii"),
        (L.BertNormalizer(), "Hello,\tWorld!\n"),  # tab/newline -> space is 1:1
        (L.ByteLevel(), "hello world"),
        (L.Nmt(), "a\tb"),
        (L.Replace({"String": "a"}, "b"), "banana"),  # same-length single chars keep identity
    ],
)
def test_one_to_one_stays_on_the_identity_fast_path(normalizer, text: str) -> None:
    n = NormalizedString(text)
    normalizer.normalize(n)
    assert n._align is None
    assert len(n.normalized) == len(text)


LONE_SURROGATES = ["\ud800", "a\udc00b", "x\udbff\udfff\ud83dy", "\ud800\u0301e\u0301", "中\udc80ΑΣ"]


@pytest.mark.parametrize("pair_id", IDS)
@pytest.mark.parametrize("text", LONE_SURROGATES)
def test_lone_surrogates_never_crash(pair_id: str, text: str) -> None:
    """HF cannot take them from Python; lexica treats them as ordinary characters (docs/unicode.md)."""
    normalizer = lexica(pair_id)
    normalized, offsets = lexica_view(normalizer, text)
    assert all(0 <= s <= e <= len(text) for s, e in offsets)
    assert normalizer.normalize_str(text) == normalized


@pytest.mark.parametrize(
    "normalizer,text,expected",
    [
        (L.BertNormalizer(), "a\ud800b", "ab"),  # category Cs: removed like a control character
        (L.ByteLevel(), "a\ud800", "aï¿½"),  # the bytes of U+FFFD
        (L.Lowercase(), "A\udc00", "a\udc00"),  # passed through
        (L.NFKC(), "\ud800ﬁ", "\ud800fi"),
        (L.StripAccents(), "\ud800\u0301", "\ud800"),
    ],
)
def test_lone_surrogate_behaviour(normalizer, text: str, expected: str) -> None:
    assert normalizer.normalize_str(text) == expected


# ---------------------------------------------------------------- where the Unicode tables differ
# (normalizer, character, lexica's output = Python's unicodedata, HF's output = its older tables).
# docs/unicode.md explains each kind; the full measured list is unicode_disagreements.json.
DISAGREEING = [
    ("BertNormalizer", "\U00000890", "", "\u0890"),  # ARABIC POUND MARK ABOVE (Cf, Unicode 14): clean_text
    ("BertNormalizer", "\U00001c89", "\u1c89", "\u1c8a"),  # unassigned in Unicode 14 (Cn); Rust lowercases it
    ("BertNormalizer", "\U000007fd", "", "\u07fd"),  # NKO DANTAYALAN (Mn, Unicode 11): accent stripping
    ("BertNormalizer", "\U00001734", "\u1734", ""),  # HANUNOO SIGN PAMUDPOD (Mn in 3.2, Mc now)
    ("Lowercase", "\U0000a7cb", "\ua7cb", "\u0264"),  # unassigned in Unicode 14 (Cn)
    ("StripAccents", "\U00001cf2", "\u1cf2", ""),  # VEDIC SIGN ARDHAVISARGA (Mc before, Lo now)
    ("StripAccents", "\U00011836", "", "\U00011836"),  # DOGRA VOWEL SIGN AU (Mn, Unicode 11)
    ("NFD", "\U00011938", "\U00011935\U00011930", "\U00011938"),  # DIVES AKURU VOWEL SIGN O (Unicode 13)
    ("NFKC", "\U000032ff", "\u4ee4\u548c", "\u32ff"),  # SQUARE ERA NAME REIWA (Unicode 12.1)
    ("NFKC", "\U0001fbf0", "0", "\U0001fbf0"),  # SEGMENTED DIGIT ZERO (Unicode 13)
    ("NFKD", "\U00010789", "\u02a5", "\U00010789"),  # MODIFIER LETTER SMALL DZ DIGRAPH WITH CURL (14)
]


@pytest.mark.parametrize("name,char,ours,theirs", DISAGREEING, ids=[f"{r[0]}-U+{ord(r[1]):04X}" for r in DISAGREEING])
def test_disagreeing_characters_side_by_side(name: str, char: str, ours: str, theirs: str) -> None:
    if unicodedata.unidata_version != "14.0.0":
        pytest.skip(f"the table is for Python's Unicode 14.0.0, this Python has {unicodedata.unidata_version}")
    assert getattr(L, name)().normalize_str(char) == ours
    assert getattr(H, name)().normalize_str(char) == theirs
    measured = disagreements()
    if measured:
        assert ord(char) in measured[name], "a listed disagreement must be in the measured set"


def test_measured_set_is_small_and_recent() -> None:
    """The disagreements are characters added or changed after Unicode 3.2, with three exceptions."""
    measured = disagreements()
    if not measured:
        pytest.skip("unicode_disagreements.json missing: run tests/tokenizers/unicode_agreement.py")
    union = {cp for cps in measured.values() for cp in cps}
    assert len(union) < 1000
    old = {cp for cp in union if unicodedata.ucd_3_2_0.category(chr(cp)) != "Cn"}
    # Categories changed since 3.2: U+1734 Mn -> Mc, U+1885/U+1886 Lo -> Mn.
    assert old <= {0x1734, 0x1885, 0x1886}


# ---------------------------------------------------------------- SentencePiece's own charsmap rule
def _wire(number: int, wire: int, payload: bytes) -> bytes:
    def varint(value: int) -> bytes:
        out = bytearray()
        while True:
            out.append((value & 0x7F) | (0x80 if value > 0x7F else 0))
            value >>= 7
            if not value:
                return bytes(out)

    key = varint(number << 3 | wire)
    return key + (varint(len(payload)) + payload if wire == 2 else payload)


@functools.cache
def spm_plain(rule: str):
    """(processor, charsmap) of a hand-written model that only applies ``rule``'s charsmap: no dummy
    prefix, no whitespace cleanup or escaping (the trainer refuses that last one, so the ModelProto
    is written here), so ``normalize`` shows the charsmap's output alone."""
    spm = pytest.importorskip("sentencepiece")
    charsmap = spm_charsmap(rule)
    pieces = b"".join(
        _wire(1, 2, _wire(1, 2, piece) + _wire(2, 5, b"\x00\x00\x80\xbf") + _wire(3, 0, bytes([kind])))
        for piece, kind in [(b"<unk>", 2), (b"<s>", 3), (b"</s>", 3), (b"a", 1)]
    )
    trainer = _wire(2, 2, _wire(3, 0, b"\x01") + _wire(4, 0, b"\x04"))
    normalizer = _wire(3, 2, _wire(1, 2, rule.encode()) + _wire(2, 2, charsmap) + _wire(3, 0, b"\x00")
                       + _wire(4, 0, b"\x00") + _wire(5, 0, b"\x00"))
    return spm.SentencePieceProcessor(model_proto=pieces + trainer + normalizer), charsmap


def _assert_longest_match(rule: str, text: str) -> None:
    sp, charsmap = spm_plain(rule)
    normalizer = L.Precompiled(_b64(charsmap), longest_match=True)
    n = NormalizedString(text)
    normalizer.normalize(n)
    assert n.normalized == sp.normalize(text), repr(text)
    ranges = [n.original_range(i, i + 1) for i in range(len(n.normalized))]
    assert all(0 <= a <= b <= len(text) for a, b in ranges)
    assert [a for a, _ in ranges] == sorted(a for a, _ in ranges)


@pytest.mark.parametrize("rule", ["nmt_nfkc", "nmt_nfkc_cf"])
def test_precompiled_longest_match_is_sentencepiece(rule: str) -> None:
    """``longest_match`` (set for .model files) normalizes exactly as sentencepiece, including where
    HF's grapheme rule differs ("ʷ" + combining acute keeps its accent); it is not written to JSON."""
    for _, text in ALL_HOSTILE:
        if len(text) <= 5000:
            _assert_longest_match(rule, text)
    _assert_longest_match(rule, "A\u02b7\u0301 a\u0300\u0301 \u0627\u0618")
    assert L.Precompiled(_b64(spm_charsmap(rule)), longest_match=True).to_dict() == L.Precompiled(
        _b64(spm_charsmap(rule))).to_dict()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=hf_agreeing_text())
def test_precompiled_longest_match_hypothesis(text: str) -> None:
    _assert_longest_match("nmt_nfkc", text)
