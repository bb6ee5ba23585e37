"""The Unigram encode fast path (lexica/tokenizers/fast_unigram.py) gives exactly the general
pipeline's Encodings, and HF's / sentencepiece's.

Tokenizers: the nmt_nfkc fixture of tests/fixtures/sentencepiece in each SentencePiece-shaped
layout -- ``t5`` (Precompiled, Strip, Replace; Metaspace split), ``spm`` (the converter's
strip/collapse/"▁" Replace chain; Metaspace without split: one lattice per text), ``spm`` with
split, the ``.model`` loader -- and the identity-normalization fixture with byte fallback (no
Precompiled). The fixtures' user-defined-piece ``Split`` pre-tokenizer is dropped so that the
pipeline has the fast path's shape (HF loads the same JSON; sentencepiece is compared only on
texts without user-defined pieces). When bench/.cache/unigram holds the bench's 16k-piece model
(bench/unigram_tiktoken_bench.py), its three tokenizers are checked on evenly spread corpus
documents too.

Every fast encoding is compared field by field with ``use_fast_path = False``; with HF where the
two libraries' Unicode tables agree (tests/tokenizers/unicode_agreement.py).
"""

from __future__ import annotations

import functools
import json
import pathlib
import sys
from unicodedata import ucd_3_2_0

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lexica.tokenizers import fast_path
from lexica.tokenizers.fast_unigram import UnigramEncoder
from lexica.tokenizers.pre_tokenizers import Metaspace
from lexica.tokenizers.pre_tokenizers import Sequence as PreSequence
from lexica.tokenizers.sentencepiece import tokenizer_from_model_file
from lexica.tokenizers.tokenizer import Tokenizer
from lexica.tokenizers.unigram_batch import MAX_CHARS, best_paths

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))  # tests/tokenizers: hostile.py
from hostile import encoding_diff, entries_left_tracked, hf_safe, hostile_strings  # noqa: E402

hf = pytest.importorskip("tokenizers")
spm = pytest.importorskip("sentencepiece")

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "sentencepiece"
BENCH = ROOT / "bench" / ".cache" / "unigram"
CORPORA = ROOT / "bench" / ".cache" / "corpora"
FIELDS = ("ids", "type_ids", "tokens", "offsets", "words", "special_tokens_mask", "attention_mask")
USER_DEFINED = ("[MASK]", "<sep>", "@@")  # the fixture models' user-defined pieces
FAST_EXAMPLES, SLOW_EXAMPLES = 400, 2000


def _metaspace_only(data: dict, split: bool) -> str:
    data = json.loads(json.dumps(data))
    data["pre_tokenizer"] = {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": split}
    return json.dumps(data)


def _json_files() -> dict[str, str]:
    nfkc = json.loads((FIXTURES / "unigram_nfkc.json").read_text(encoding="utf-8"))
    identity = json.loads((FIXTURES / "unigram_identity_digits_bytes.json").read_text(encoding="utf-8"))
    files = {
        "t5": (FIXTURES / "unigram_nfkc.t5.json").read_text(encoding="utf-8"),
        "spm": _metaspace_only(nfkc, False),
        "spm-split": _metaspace_only(nfkc, True),
        "identity-bytes": _metaspace_only(identity, False),
    }
    if (BENCH / "unigram_16000.json").exists():
        files["bench-spm"] = (BENCH / "unigram_16000.json").read_text(encoding="utf-8")
        files["bench-t5"] = (BENCH / "unigram_16000.t5.json").read_text(encoding="utf-8")
    return files


JSON_NAMES = ["t5", "spm", "spm-split", "identity-bytes"]
MODEL_NAMES = ["model"]
NAMES = JSON_NAMES + MODEL_NAMES


def _model_file(name: str) -> pathlib.Path:
    return BENCH / "unigram_16000.model" if name == "bench-model" else FIXTURES / "unigram_nfkc.model"


@functools.cache
def trio(name: str) -> tuple[Tokenizer, Tokenizer, object]:
    """(lexica with the fast path, lexica general path only, the reference: HF or sentencepiece)."""
    if name in ("model", "bench-model"):
        path = _model_file(name)
        if not path.exists():
            pytest.skip(f"{path} is missing (bench/unigram_tiktoken_bench.py makes it)")
        pair = []
        for _ in range(2):
            tok = tokenizer_from_model_file(path)
            tok.pre_tokenizer = PreSequence([Metaspace("\u2581", "always", False)])  # drop the Split
            pair.append(tok)
        pair[1].use_fast_path = False
        return pair[0], pair[1], spm.SentencePieceProcessor(model_file=str(path))
    files = _json_files()
    if name not in files:
        pytest.skip(f"{BENCH} does not hold the bench model (bench/unigram_tiktoken_bench.py makes it)")
    fast, general = Tokenizer.from_str(files[name]), Tokenizer.from_str(files[name])
    general.use_fast_path = False
    return fast, general, hf.Tokenizer.from_str(files[name])


def _hf_agrees(text: str) -> bool:
    from unicode_agreement import disagreeing_code_points

    bad = disagreeing_code_points()
    return all(ord(c) not in bad and ucd_3_2_0.category(c) != "Cn" for c in text)


def check(name: str, text: str) -> None:
    fast, general, ref = trio(name)
    a, b = fast.encode(text), general.encode(text)
    for field in FIELDS:
        assert getattr(a, field) == getattr(b, field), (name, text, field, getattr(a, field), getattr(b, field))
    if isinstance(ref, hf.Tokenizer):
        if _hf_agrees(text):
            diff = encoding_diff(a, ref.encode(text))
            assert diff is None, (name, text, diff)
    elif not any(u in ref.normalize(text) for u in USER_DEFINED):
        assert a.ids == ref.encode(text), (name, text, a.tokens, ref.encode(text, out_type=str))


def texts() -> st.SearchStrategy[str]:
    """Words, runs of spaces and other separators (tab, newline, CR, no-break and ideographic
    spaces), "▁", accents and combining marks, full-width forms, CJK, emoji, control characters,
    added-token text, and arbitrary characters (no lone surrogates)."""
    words = st.sampled_from([
        "the", "Hello", "tokenization", "internationalization", "café", "naïve", "12345", "3.14", "日本語",
        "東京タワー", "😀", "👨\u200d👩\u200d👧", "🇫🇷", " ", "  ", "   ", "\n", "\r\n", "\r", "\t", "\u00a0",
        "\u3000", "\u2009", "\u2581", "\u2581\u2581", "<s>", "</s>", "[MASK]", "@@", "<sep>", "ﬁ", "e\u0301",
        "\u0301", "Ａ", "①", "x²", "\x00", "\x01", "\x1f", "\x7f", "\u200b", "\ufeff", "\u0600", "\u0915\u094d",
        "각", "\u1100\u1161", "'s", ",", ".", "-", "ǅ", "İ", "ß",
    ])
    chars = st.characters(blacklist_categories=("Cs",))
    return st.one_of(
        st.lists(st.one_of(words, chars, st.just(" ")), max_size=24).map("".join),
        st.lists(words, max_size=12).map("".join),
        st.text(max_size=20).filter(lambda t: not any(0xD800 <= ord(c) < 0xE000 for c in t)),
    )


# ---------------------------------------------------------------------- which pipelines compile


@pytest.mark.parametrize("name", NAMES)
def test_sentencepiece_shapes_take_the_fast_path(name: str) -> None:
    fast, general, _ = trio(name)
    assert isinstance(fast_path._encoder(fast), UnigramEncoder)
    general.encode("x")
    assert "_fast_state" not in general.__dict__


@pytest.mark.parametrize(
    "file", ["unigram_nfkc.json", "unigram_raw_spaces.json", "unigram_identity_digits_bytes.json"]
)
def test_other_unigram_pipelines_take_the_general_path(file: str) -> None:
    """A Split after Metaspace (user-defined pieces) or no space collapsing: not this shape."""
    tok = Tokenizer.from_file(FIXTURES / file)
    assert fast_path._encoder(tok) is None


def test_pipeline_change_recompiles() -> None:
    fast, _, _ = trio("t5")
    tok = Tokenizer.from_str(fast.to_str())
    assert isinstance(fast_path._encoder(tok), UnigramEncoder)
    tok.pre_tokenizer = Metaspace("\u2581", "never", True)
    assert fast_path._encoder(tok) is None


# ---------------------------------------------------------------------- exact, fixed texts


FIXED = [
    "", " ", "  ", "a", "Hello world", "  Hello   world  ", "x  y", "a\nb", "a \n b", "a\r\nb", "\u2581", "\u2581a",
    "a \u2581", " \u2581 x", " \u0301a", "e\u0301 x", "ｈｅｌｌｏ\u3000world", "x\x01 y", "\x01", "a \x01 b", "字 abc",
    "<s> hi </s>x", "hi<s>  </s>", "<s>", " <s> ", "tab\there", "nbsp\u00a0here", "end ", " start", "a\t\t b",
    "\u0600 x", "x \u0600", "ǅungla İstanbul straße", "😀 👨\u200d👩\u200d👧 🇫🇷",
    "[MASK] @@ <sep>",
]


@pytest.mark.parametrize("name", NAMES)
def test_fixed_and_hostile_texts(name: str) -> None:
    for text in FIXED + [hf_safe(t) for _, t in hostile_strings()]:
        check(name, text)


@pytest.mark.parametrize("name", ["t5", "spm"])
def test_pretokenized_and_batch(name: str) -> None:
    fast, general, _ = trio(name)
    words = ["Hello", " world ", "<s>", "", "naïve  café"]
    a = fast.encode(words, is_pretokenized=True)
    b = general.encode(words, is_pretokenized=True)
    assert (a.ids, a.offsets, a.words) == (b.ids, b.offsets, b.words)
    batch = ["a b", "  x\ty  ", "日本語 テキスト", "<s>z</s>"]
    for x, y in zip(fast.encode_batch(batch), general.encode_batch(batch), strict=True):
        assert (x.ids, x.tokens, x.offsets, x.words) == (y.ids, y.tokens, y.offsets, y.words)


def test_exact_ties_break_like_the_full_viterbi() -> None:
    """Without split the per-word cache must give the whole text's Viterbi: words whose decision
    margin is 0 (exact ties) or whose bound is exceeded are run again from the exact score."""
    vocab = [("<unk>", 0.0), ("\u2581", -1.0), ("a", -2.0), ("b", -2.0), ("ab", -4.0), ("\u2581a", -3.0),
             ("\u2581ab", -5.0), ("\u2581b", -3.0), ("c", -1e-9)]
    data = {
        "version": "1.0", "truncation": None, "padding": None, "added_tokens": [],
        "normalizer": {"type": "Sequence", "normalizers": [
            {"type": "Replace", "pattern": {"Regex": "\\A +| +\\z"}, "content": ""},
            {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "},
            {"type": "Replace", "pattern": {"String": " "}, "content": "\u2581"},
            {"type": "Replace", "pattern": {"Regex": "\\A\u2581"}, "content": "\u2581\u2581"}]},
        "pre_tokenizer": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": False},
        "post_processor": None, "decoder": None,
        "model": {"type": "Unigram", "unk_id": 0, "vocab": [list(v) for v in vocab], "byte_fallback": False},
    }
    js = json.dumps(data)
    fast, general, ref = Tokenizer.from_str(js), Tokenizer.from_str(js), hf.Tokenizer.from_str(js)
    general.use_fast_path = False
    assert isinstance(fast_path._encoder(fast), UnigramEncoder)
    for text in ["ab ab", "ab " * 50, "c " * 30 + "ab", "abab ab ba", "zz ab zz", "a b ab ba abc"]:
        a, b, c = fast.encode(text), general.encode(text), ref.encode(text)
        assert (a.ids, a.offsets, a.words) == (b.ids, b.offsets, b.words) == (c.ids, c.offsets, c.word_ids), text


# ---------------------------------------------------------------------- hypothesis


@pytest.mark.parametrize("name", NAMES)
def test_hypothesis(name: str) -> None:
    trio(name)

    @settings(max_examples=FAST_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(texts())
    def run(text: str) -> None:
        check(name, text)

    run()


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES + ["bench-spm", "bench-t5", "bench-model"])
def test_hypothesis_full(name: str) -> None:
    trio(name)

    @settings(max_examples=SLOW_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(texts())
    def run(text: str) -> None:
        check(name, text)

    run()


# ---------------------------------------------------------------------- the bench corpora


def _corpus_sample(corpus: str, count: int) -> list[str]:
    path = CORPORA / f"{corpus}.jsonl"
    if not path.exists():
        pytest.skip(f"{path} is missing (bench/corpora.py makes it)")
    docs = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    docs = [d if isinstance(d, str) else d["text"] for d in docs]
    step = max(1, len(docs) // count)
    return docs[::step][:count]


@pytest.mark.parametrize("corpus", ["english", "multilingual", "code"])
@pytest.mark.parametrize("name", ["bench-spm", "bench-t5", "bench-model"])
def test_bench_corpora(name: str, corpus: str) -> None:
    trio(name)
    for doc in _corpus_sample(corpus, 60 if corpus == "code" else 150):
        check(name, doc)


@pytest.mark.slow
@pytest.mark.parametrize("corpus", ["english", "multilingual", "code"])
@pytest.mark.parametrize("name", ["bench-spm", "bench-t5", "bench-model"])
def test_bench_corpora_full(name: str, corpus: str) -> None:
    trio(name)
    for doc in _corpus_sample(corpus, 600 if corpus == "code" else 3000):
        check(name, doc)


# ---------------------------------------------------------------------- encode_batch's prefetch


def _tie_model() -> Tokenizer:
    vocab = [("<unk>", 0.0), ("\u2581", -1.0), ("a", -2.0), ("b", -2.0), ("ab", -4.0), ("\u2581a", -3.0),
             ("\u2581ab", -5.0), ("\u2581b", -3.0), ("c", -1e-9), ("aa", -4.0), ("aaa", -6.0)]
    model = {"type": "Unigram", "unk_id": 0, "vocab": [list(v) for v in vocab], "byte_fallback": False}
    return Tokenizer.from_str(json.dumps({"version": "1.0", "model": model}))


def check_paths(model, words: list[str]) -> None:
    """unigram_batch.best_paths equals the model's _best_path (ends, ids, node scores, margin)."""
    words = [w for w in words if 0 < len(w) <= MAX_CHARS]
    got = best_paths(model, words)
    assert len(got) == len(words)
    for word, path in zip(words, got):
        assert tuple(path) == tuple(model._best_path(word, 0.0)), word


@pytest.mark.parametrize("name", NAMES + ["bench-spm", "bench-model"])
def test_best_paths_equal_the_model(name: str) -> None:
    model = trio(name)[0].model
    words = {"\u2581" + w for _, text in hostile_strings() for w in hf_safe(text).split()}
    words |= {w for _, text in hostile_strings() for w in hf_safe(text).split(" ")}
    words |= {"\u2581", "a", "\u2581" * 3, "x" * MAX_CHARS, "\u2581" + "é" * 40, "\x00a\x00"}
    check_paths(model, sorted(words))
    check_paths(model, ["\u2581hello"])  # one word alone
    if name.startswith("bench"):
        for corpus in ("english", "multilingual"):
            check_paths(model, sorted({"\u2581" + w for d in _corpus_sample(corpus, 400) for w in d.split()}))


def test_best_paths_ties_and_runs() -> None:
    """Exact ties (first candidate by start wins, margin 0) and runs that several pieces cover."""
    model = _tie_model().model
    words = ["ab", "\u2581ab", "aaaa", "aaaaaaa", "\u2581aab", "ba", "abcab", "zz", "\u2581", "c" * 30]
    check_paths(model, words)
    assert best_paths(model, []) == []


@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(st.lists(texts(), max_size=6))
def test_hypothesis_best_paths(batch: list[str]) -> None:
    words = ["\u2581" + w for text in batch for w in text.split()] + [w for text in batch for w in text.split(" ")]
    for name in ("spm", "model"):
        check_paths(trio(name)[0].model, words)


@pytest.mark.parametrize("name", NAMES)
def test_prefetched_batch_equals_general(name: str, monkeypatch) -> None:
    """encode_batch computes the batch's new words together first: same Encodings as the general path."""
    monkeypatch.setattr(fast_path, "_BATCH_MIN", 1)
    batch = [text for _, text in hostile_strings()] + ["Hello world, tokenization café 日本語", "a b  c\td\u3000e"]
    check_prefetched(name, batch)
    check_prefetched(name, batch[::-1][:5])


def check_prefetched(name: str, batch: list[str]) -> None:
    """encode_batch from an empty cache (every word of the batch is prefetched) equals the general path."""
    fast, general, _ = trio(name)
    encoder = fast_path._encoder(fast)
    encoder._young.clear()
    encoder._old.clear()
    for text, x, y in zip(batch, fast.encode_batch(batch), general.encode_batch(batch), strict=True):
        for field in FIELDS:
            assert getattr(x, field) == getattr(y, field), (name, text, field)


@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(st.lists(texts(), min_size=1, max_size=6))
def test_hypothesis_prefetch(batch: list[str]) -> None:
    old_min = fast_path._BATCH_MIN
    fast_path._BATCH_MIN = 1
    try:
        for name in ("spm", "t5", "model"):
            check_prefetched(name, batch)
    finally:
        fast_path._BATCH_MIN = old_min


@pytest.mark.parametrize("name", NAMES + ["bench-spm", "bench-model"])
def test_prefetched_entries_equal_the_per_word_ones(name: str, monkeypatch) -> None:
    """prefetch normalizes its words together (``_normalized_all``: words of characters the charsmap
    provably keeps skip the per-word check) and builds their entries from ``path_columns``: each
    entry is the one ``_compute`` makes for the word alone."""
    monkeypatch.setattr(fast_path, "_BATCH_MIN", 1)
    fast = trio(name)[0]
    encoder = fast_path._encoder(fast)
    words = {w for _, text in hostile_strings() for w in hf_safe(text).split(" ")}
    words |= {"café", "cafe\u0301", "ﬁne", "Ａbc", "x" * (MAX_CHARS - 1), "\x00a", "a\u200db", "[MASK]x"}
    if name.startswith("bench"):
        words |= {w for corpus in ("english", "multilingual") for d in _corpus_sample(corpus, 300) for w in d.split(" ")}
    words.discard("")
    encoder._young.clear()
    encoder._old.clear()
    encoder.prefetch(sorted(words))  # one text per word: a text prefetch leaves alone skips only itself
    got = {**encoder._old, **encoder._young}
    assert len(got) > len(words) // 2
    for word, entry in got.items():
        assert entry == encoder._compute(word), word


@pytest.mark.parametrize("name", NAMES)
def test_cache_entries_are_untracked_by_their_second_collection(name: str, monkeypatch) -> None:
    """Entries share their offset pairs (``_PAIRS``), so they are two levels deep and two collections
    untrack them (see fast_path._entry). Words of MAX_CHARS or more characters may get fresh pairs."""
    monkeypatch.setattr(fast_path, "_BATCH_MIN", 1)
    fast = trio(name)[0]
    encoder = fast_path._encoder(fast)
    encoder._young.clear()
    encoder._old.clear()
    texts = [hf_safe(text) for _, text in hostile_strings()] + ["Hello world, tokenization café 日本語"]
    n_entries, tracked = entries_left_tracked(fast, texts, keep=lambda word: len(word) < MAX_CHARS)
    assert n_entries > 100
    assert not tracked
