"""The encode fast path (lexica/tokenizers/fast_path.py) gives exactly the general pipeline's Encodings.

Every field is compared (ids, tokens, offsets, type ids, words, masks, sequence ranges, overflowing)
between a Tokenizer with the fast path and the same tokenizer with ``use_fast_path = False``, and
with HF ``tokenizers``, on the committed hostile strings and on hypothesis texts, for GPT-2 (built
from encoder.json + vocab.bpe as bench/tokenizers_bench.py builds it), GPT-2 with a prefix space and
offset trimming, MiniLM (BERT WordPiece, padding and truncation off) and a cased MiniLM variant.
Also: the fast path is recompiled when the pipeline changes, its cache stays bounded, and the
pipelines it does not cover (litellm's Claude and DeepSeek) take the general path.
"""

from __future__ import annotations

import json
import os
from unicodedata import ucd_3_2_0

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hostile import encoding_diff, entries_left_tracked, hf_safe, hostile_strings
from lexica.errors import InvalidInputError
from lexica.tokenizers import Tokenizer
from lexica.tokenizers import fast_path
from lexica.tokenizers.added_vocab import AddedToken
from lexica.tokenizers.normalizers import BertNormalizer
from lexica.tokenizers import pre_tokenizers as lxp

hf = pytest.importorskip("tokenizers")

NAMES = ["gpt2", "gpt2_prefix", "minilm", "minilm_cased"]
SETTINGS = settings(max_examples=int(os.environ.get("LEXICA_FAST_PATH_EXAMPLES", "500")), deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
FIELDS = ("ids", "type_ids", "tokens", "offsets", "words", "special_tokens_mask", "attention_mask",
          "sequence_ranges")


def full_diff(fast, general, where: str = "") -> str | None:
    """The first field where two lexica Encodings differ (overflowing included)."""
    for name in FIELDS:
        a, b = getattr(fast, name), getattr(general, name)
        if a != b:
            return f"{where}{name}: fast {a!r:.300} vs general {b!r:.300}"
    if len(fast.overflowing) != len(general.overflowing):
        return f"{where}overflowing: fast {len(fast.overflowing)} vs general {len(general.overflowing)}"
    for k, (a, b) in enumerate(zip(fast.overflowing, general.overflowing)):
        diff = full_diff(a, b, f"{where}overflowing[{k}].")
        if diff:
            return diff
    return None


def _gpt2_json(vocab: str, merges: str, prefix: bool) -> str:
    """As bench/tokenizers_bench.py builds it (transformers' GPT2Converter), with <|endoftext|>."""
    tok = hf.Tokenizer(hf.models.BPE.from_file(vocab, merges))
    tok.pre_tokenizer = hf.pre_tokenizers.ByteLevel(add_prefix_space=prefix)
    tok.decoder = hf.decoders.ByteLevel()
    tok.post_processor = hf.processors.ByteLevel(trim_offsets=prefix)
    tok.add_special_tokens([hf.AddedToken("<|endoftext|>", special=True)])
    return tok.to_str()


def _minilm_json(path, cased: bool) -> str:
    spec = json.loads(path.read_text(encoding="utf-8"))
    spec["truncation"] = None
    spec["padding"] = None
    if cased:
        spec["normalizer"].update(lowercase=False, strip_accents=False, handle_chinese_chars=False)
    return json.dumps(spec, ensure_ascii=False)


@pytest.fixture(scope="module")
def trio(request: pytest.FixtureRequest):
    """name -> (lexica with the fast path, lexica general path only, HF); built once per module."""
    cache: dict[str, tuple[Tokenizer, Tokenizer, object]] = {}

    def get(name: str) -> tuple[Tokenizer, Tokenizer, object]:
        if name not in cache:
            if name.startswith("gpt2"):
                vocab, merges = request.getfixturevalue("gpt2_files")
                js = _gpt2_json(str(vocab), str(merges), prefix=name == "gpt2_prefix")
            else:
                js = _minilm_json(request.getfixturevalue("minilm_dir") / "tokenizer.json", name == "minilm_cased")
            fast, general = Tokenizer.from_str(js), Tokenizer.from_str(js)
            general.use_fast_path = False
            cache[name] = fast, general, hf.Tokenizer.from_str(js)
        return cache[name]

    return get


def check(trio_entry, text, pair=None, is_pretokenized=False, add_special_tokens=True, with_hf=True) -> None:
    fast, general, ref = trio_entry
    a = fast.encode(text, pair, is_pretokenized, add_special_tokens)
    b = general.encode(text, pair, is_pretokenized, add_special_tokens)
    diff = full_diff(a, b)
    assert diff is None, (text, pair, diff)
    if with_hf:
        hf_text = [hf_safe(w) for w in text] if is_pretokenized else hf_safe(text)
        hf_pair = None if pair is None else ([hf_safe(w) for w in pair] if is_pretokenized else hf_safe(pair))
        c = ref.encode(hf_text, hf_pair, is_pretokenized=is_pretokenized, add_special_tokens=add_special_tokens)
        diff = encoding_diff(a, c)
        assert diff is None, (text, pair, diff)


# ------------------------------------------------------------------ which pipelines are covered


@pytest.mark.parametrize("name", NAMES)
def test_fast_path_is_used(trio, name: str) -> None:
    fast, general, _ = trio(name)
    fast.encode("hello")
    assert fast_path._encoder(fast) is not None
    assert "_fast_state" not in general.__dict__  # the switch really turns it off


@pytest.mark.parametrize("file", ["anthropic_tokenizer.json", "deepseek_tokenizer.json"])
def test_other_pipelines_take_the_general_path(litellm_tokenizers_dir, file: str) -> None:
    tok = Tokenizer.from_file(litellm_tokenizers_dir / file)
    assert fast_path.compile_fast_encoder(tok) is None


# ------------------------------------------------------------------ hostile strings


@pytest.mark.parametrize("name", NAMES)
def test_hostile_strings(trio, name: str) -> None:
    for label, text in hostile_strings():
        check(trio(name), text)
        check(trio(name), text, add_special_tokens=False)
        if len(text) < 1000:
            check(trio(name), text, pair=text[::-1])
            check(trio(name), text.split(" "), is_pretokenized=True)


@pytest.mark.parametrize("name", NAMES)
def test_special_tokens_inside_text(trio, name: str) -> None:
    special = "<|endoftext|>" if name.startswith("gpt2") else "[SEP]"
    for text in [f"a{special}b", f"{special}", f" {special} x ", f"x{special}{special}y z", f"é{special}",
                 f"{special}hello world", "<|endoftext", "[SE P]"]:
        check(trio(name), text)


def test_long_words(trio) -> None:
    for name in NAMES:
        for text in ["a" * 300, "é" * 300, " " + "xy" * 200 + " z", "ab" * 30 + "é", "\u00e9" * 41]:
            check(trio(name), text)


# ------------------------------------------------------------------ hypothesis

_PIECES = st.sampled_from(
    ["the", " The", "HELLO", "world", "don't", "I've", "naïve", "café", "Ελληνικά", "Привет", "中文字",
     "日本語", "한국어", "😀", "👩\u200d💻", "e\u0301", "\u0301", "ﬁ", "’", "«", "»", "。", "、", "١٢٣", "½",
     "\u00a0", "\u3000", "\t", "\n", "\r\n", "  ", " ", ".", ",", "!?", "...", "'s", "'ll", "123", "4.5",
     "<|endoftext|>", "[SEP]", "[CLS]", "\x00", "\x0b", "\x85", "\ufffd", "\u200b", "\u2028", "İ", "ß",
     "\u1fef", "\u037e", "ǅ", "Σ", "σς", "x\u0338", "\U0002b820", "\uf900"]
)
_TEXTS = st.one_of(
    st.lists(_PIECES, max_size=12).map("".join),
    st.text(max_size=30),
    st.text(alphabet=st.characters(max_codepoint=0x7F), max_size=40),
)


@pytest.mark.parametrize("name", NAMES)
@SETTINGS
@given(text=_TEXTS)
def test_hypothesis_fast_equals_general(trio, name: str, text: str) -> None:
    """500 texts per tokenizer: fast path == general path on every field (any Unicode)."""
    check(trio(name), text, with_hf=False)


def _hf_texts():
    from unicode_agreement import hf_agreeing_text

    return st.one_of(hf_agreeing_text(max_size=40), st.lists(_PIECES, max_size=10).map("".join))


@pytest.mark.parametrize("name", NAMES)
@SETTINGS
@given(text=st.deferred(_hf_texts))
def test_hypothesis_fast_equals_hf(trio, name: str, text: str) -> None:
    """500 texts per tokenizer; where lexica's and HF's Unicode tables agree, fast path == HF too:
    normalizer tables measured (unicode_agreement), pre-tokenizer classes on characters assigned in
    Unicode 3.2 (see pre_tokenizers.py; U+0589 and U+166D are known to differ)."""
    from unicode_agreement import disagreeing_code_points

    bad = disagreeing_code_points()
    agree = all(ord(c) not in bad and c not in "\u0589\u166d" and ucd_3_2_0.category(c) != "Cn" for c in text)
    check(trio(name), text, with_hf=agree)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.lists(_TEXTS, min_size=1, max_size=6))
def test_batch_equals_singles(trio, texts: list[str]) -> None:
    for name in ("gpt2", "minilm"):
        fast, general, _ = trio(name)
        for a, b in zip(fast.encode_batch(texts), general.encode_batch(texts), strict=True):
            assert full_diff(a, b) is None


# ------------------------------------------------------------------ recompiling, cache, options


def test_truncation_and_padding_use_the_general_post_processing(trio) -> None:
    for name in ("gpt2", "minilm"):
        fast, general, _ = trio(name)
        for tok in (fast, general):
            tok.enable_truncation(14, stride=2)
            tok.enable_padding(length=20)
        try:
            for text in ["a b c d e f g h i j k l m n o p", "short", "é" * 20]:
                assert full_diff(fast.encode(text), general.encode(text)) is None
                assert full_diff(fast.encode(text, "pair text here"), general.encode(text, "pair text here")) is None
        finally:
            for tok in (fast, general):
                tok.no_truncation()
                tok.no_padding()


@pytest.mark.parametrize("strategy", ["longest_first", "only_first", "only_second"])
def test_truncation_alone_around_the_limit(trio, strategy: str) -> None:
    """Truncation on, no padding: texts that fit stay on the fast path, longer ones are cut (or
    refused, only_second) exactly as the general path does; also special tokens over max_length."""
    texts = ["", "a", "a b", "a b c d", "a b c d e f g h i j k l", "héllo wörld ça va"]
    for name in ("gpt2", "minilm"):
        fast, general, _ = trio(name)
        try:
            for max_length in (0, 1, 2, 3, 4, 5, 6, 8, 30):
                for tok in (fast, general):
                    tok.enable_truncation(max_length, stride=0, strategy=strategy)
                for text in texts:
                    for special in (True, False):
                        try:
                            want = general.encode(text, add_special_tokens=special)
                        except InvalidInputError:
                            with pytest.raises(InvalidInputError):
                                fast.encode(text, add_special_tokens=special)
                            continue
                        assert full_diff(fast.encode(text, add_special_tokens=special), want) is None
        finally:
            for tok in (fast, general):
                tok.no_truncation()


def _fresh(trio, name: str) -> tuple[Tokenizer, Tokenizer]:
    fast, _, _ = trio(name)
    js = fast.to_str()
    a, b = Tokenizer.from_str(js), Tokenizer.from_str(js)
    b.use_fast_path = False
    return a, b


TEXTS = ["Hello world, it's a test.", "naïve café ÉCOLE", "中文 text", "  lead", "x<new>y <NEW> z"]


def _same(a: Tokenizer, b: Tokenizer) -> None:
    for text in TEXTS:
        assert full_diff(a.encode(text), b.encode(text)) is None, text


def test_recompiled_when_the_pipeline_changes(trio) -> None:
    a, b = _fresh(trio, "gpt2")
    _same(a, b)
    for tok in (a, b):  # changed in place
        tok.pre_tokenizer.add_prefix_space = True
    _same(a, b)
    for tok in (a, b):  # replaced
        tok.pre_tokenizer = lxp.ByteLevel(add_prefix_space=False, use_regex=False)
    _same(a, b)
    for tok in (a, b):  # a new added token, then a normalized one (matched after normalizing)
        tok.add_tokens([AddedToken("<new>", normalized=False)])
    _same(a, b)
    assert fast_path._encoder(a) is not None
    for tok in (a, b):
        tok.add_tokens(["NEW"])
    _same(a, b)
    assert fast_path._encoder(a) is None

    a, b = _fresh(trio, "minilm")
    for tok in (a, b):
        tok.normalizer.lowercase = False
    _same(a, b)
    for tok in (a, b):
        tok.normalizer = BertNormalizer(clean_text=False, handle_chinese_chars=False, strip_accents=True)
    _same(a, b)
    for tok in (a, b):
        tok.normalizer = None
    _same(a, b)


def test_cache_is_bounded(trio, monkeypatch) -> None:
    a, b = _fresh(trio, "minilm")
    monkeypatch.setattr(fast_path, "CACHE_CAPACITY", 64)
    words = [f"w{i}x" for i in range(500)]
    text = " ".join(words)
    assert full_diff(a.encode(text), b.encode(text)) is None
    encoder = fast_path._encoder(a)
    assert len(encoder._young) + len(encoder._old) <= 64
    assert full_diff(a.encode(text), b.encode(text)) is None  # and still right after evictions


@pytest.mark.parametrize("name", NAMES)
def test_cache_entries_are_untracked_by_their_second_collection(trio, name, monkeypatch) -> None:
    """Cache entries are flat (``fast_path._entry``): two collections untrack every one of them, so
    they never pile up in the cycle collector's oldest generation (entries three levels deep did, and
    the full collections they set off walked the whole cache)."""
    monkeypatch.setattr(fast_path, "_BATCH_MIN", 1)
    fast, _ = _fresh(trio, name)
    n_entries, tracked = entries_left_tracked(fast, [hf_safe(text) for _, text in hostile_strings()] + TEXTS)
    assert n_entries > 100
    assert not tracked


# ------------------------------------------------------------------ decode


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=300, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ids=st.lists(st.integers(min_value=0, max_value=51000), max_size=30), skip=st.booleans())
def test_decode_fast_equals_general(trio, name: str, ids: list[int], skip: bool) -> None:
    """Any ids (specials, unknown ids and non-byte-level added tokens included) decode alike."""
    fast, general, ref = trio(name)
    ids = ids + ([50256, 0, 101, 102] if skip else [])
    assert fast.decode(ids, skip) == general.decode(ids, skip)
    assert fast.decode(tuple(ids), skip) == general.decode(ids, skip)


@pytest.mark.parametrize("name", NAMES)
def test_decode_hostile_round_trip(trio, name: str) -> None:
    fast, general, ref = trio(name)
    for _, text in hostile_strings():
        ids = general.encode(text).ids
        assert fast.decode(ids) == general.decode(ids) == ref.decode(ids)
        assert fast.decode(ids, False) == general.decode(ids, False) == ref.decode(ids, skip_special_tokens=False)


def test_decode_bad_ids_still_raise(trio) -> None:
    from lexica.errors import InvalidInputError

    fast, general = _fresh(trio, "gpt2")
    for bad in ([1, -1], [True], [1, "2"], [1.0]):
        with pytest.raises(InvalidInputError):
            fast.decode(bad)
    for tok in (fast, general):  # added tokens that are not byte-level text
        tok.add_tokens([" not byte-level\n", AddedToken("é\x85", special=True)])
    ids = fast.encode("a not byte-level\n b é\x85 c").ids
    for skip in (True, False):
        assert fast.decode(ids, skip) == general.decode(ids, skip)


# ------------------------------------------------------------------ encode_batch's prefetch


PREFETCH_TEXTS = [
    *(text for _, text in hostile_strings()),
    *TEXTS,
    " ".join(f"word{i}é" for i in range(40)),  # many new words, some not ASCII
    "a" * 64 + " " + "b" * 65 + " " + "é" * 16 + " " + "é" * 17,  # around the batch's byte limit
    "x<|endoftext|>y new words here",  # an added token: this text is left to the per-word path
    "lone \ud800 surrogate and more new words",
]


@pytest.mark.parametrize("name", ["gpt2", "gpt2_prefix"])
def test_prefetched_batch_equals_general_and_hf(trio, name: str) -> None:
    """encode_batch computes a batch's new words together (ByteBPE.batch) before encoding each text:
    the same Encodings as the general path and HF."""
    a, b = _fresh(trio, name)
    ref = trio(name)[2]
    got = a.encode_batch(PREFETCH_TEXTS)
    encoder = fast_path._encoder(a)
    assert callable(encoder._bpe._batch)  # built: prefetch ran (it builds it on first use)
    for text, x, y, z in zip(PREFETCH_TEXTS, got, b.encode_batch(PREFETCH_TEXTS),
                             ref.encode_batch([hf_safe(t) for t in PREFETCH_TEXTS]), strict=True):
        assert full_diff(x, y) is None, text
        assert encoding_diff(x, z) is None, text
    pairs = list(zip(PREFETCH_TEXTS, reversed(PREFETCH_TEXTS)))
    a, _ = _fresh(trio, name)
    for x, y in zip(a.encode_batch(pairs), b.encode_batch(pairs), strict=True):
        assert full_diff(x, y) is None


def test_prefetch_in_chunks_keeps_the_cache_bounded(trio, monkeypatch) -> None:
    a, b = _fresh(trio, "gpt2")
    encoder = fast_path._encoder(a)
    monkeypatch.setattr(encoder, "_half", 8)  # chunks of 8 words, each in a fresh generation
    texts = [" ".join(f"w{i}y{j}" for j in range(30)) for i in range(5)]
    for x, y in zip(a.encode_batch(texts), b.encode_batch(texts), strict=True):
        assert full_diff(x, y) is None
    assert len(encoder._young) + len(encoder._old) <= 16


def test_batch_larger_than_the_cache_is_prefetched_in_groups(trio, monkeypatch) -> None:
    """A batch with more new words than half the cache is prefetched and encoded group by group
    (tokenizer._groups): no prefetched word is evicted before its text is encoded, so none is computed
    again one at a time."""
    from lexica.tokenizers import tokenizer as tokenizer_module

    a, b = _fresh(trio, "gpt2")
    encoder = fast_path._encoder(a)
    monkeypatch.setattr(encoder, "_half", 20)
    monkeypatch.setattr(tokenizer_module, "BATCH_GROUP_CHARS", 20)
    monkeypatch.setattr(fast_path, "_BATCH_MIN", 1)
    singles = []
    compute = encoder._compute
    monkeypatch.setattr(encoder, "_compute", lambda word: singles.append(word) or compute(word))
    texts = [f"a{i} b{i} c{i} d{i}" for i in range(40)]  # 160 new words
    for x, y in zip(a.encode_batch(texts), b.encode_batch(texts), strict=True):
        assert full_diff(x, y) is None
    assert singles == []
    assert list(tokenizer_module._groups(["abc", "de", "f" * 30, "", "gh"])) == [(0, 2), (2, 3), (3, 5)]
    assert list(tokenizer_module._groups([])) == [(0, 0)]


@settings(max_examples=200, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(texts=st.lists(_TEXTS, min_size=1, max_size=8))
def test_hypothesis_prefetch(trio, monkeypatch, texts: list[str]) -> None:
    monkeypatch.setattr(fast_path, "_BATCH_MIN", 1)  # prefetch even a few words
    for name in ("gpt2", "gpt2_prefix"):
        fast, general, _ = trio(name)
        encoder = fast_path._encoder(fast)
        encoder._young.clear()
        encoder._old.clear()
        for x, y in zip(fast.encode_batch(texts), general.encode_batch(texts), strict=True):
            assert full_diff(x, y) is None, texts


def test_shared_mask_tables_stay_bounded() -> None:
    """The masks and ranges the fast path shares between encodings are cached only for lengths up to
    _SHARED_MAX and at most one special token before and after: the tables cannot grow with use."""
    from lexica.tokenizers import fast_path

    limit = fast_path._SHARED_MAX
    assert fast_path._zeros(limit + 1) == (0,) * (limit + 1) and limit + 1 not in fast_path._ZEROS
    assert fast_path._ones(limit + 1) == (1,) * (limit + 1) and limit + 1 not in fast_path._ONES
    assert fast_path._framed(2, 3, 1) == (1, 1, 0, 0, 0, 1) and (2, 3, 1) not in fast_path._FRAMED
    assert fast_path._framed(1, 3, 1) is fast_path._framed(1, 3, 1)
    assert fast_path._whole(2, 3) == ((0, 2, 5),) and (2, 3) not in fast_path._WHOLE
    assert fast_path._zeros(4) is fast_path._zeros(4) == (0, 0, 0, 0)
