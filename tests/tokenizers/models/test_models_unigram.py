"""Unigram model: parity with HF `tokenizers` and `sentencepiece`, n-best, sampling, errors.

Fixtures: tests/fixtures/sentencepiece/*.model, trained with sentencepiece by
scripts/fixtures/make_unigram_fixtures.py, and the tokenizer.json files transformers' converter made
from them. Three levels of parity:
- the model alone against an HF tokenizer holding only that model (ids, tokens, offsets);
- the whole lexica pipeline (`Tokenizer.from_file`) against HF on the converted files;
- the model against `sentencepiece` on text `sentencepiece` normalized itself (so it carries the
  dummy prefix and ▁ escapes). SentencePiece keeps float32 scores, HF and lexica float64, so two
  segmentations whose scores tie can come out in different order; a difference is accepted only
  when both segmentations score the same.
"""

from __future__ import annotations

import collections
import functools
import json
import math
import pathlib
import random
import struct
import sys

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from models_oracle import HOSTILE_WORDS, Pair, hf_model_json, hf_tokenizer
from lexica.errors import InvalidInputError, LexicaError, TokenizerFileError
from lexica.tokenizers.models import Token, Unigram, model_from_dict
from lexica.tokenizers.models.unigram import hf_json_float

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))  # tests/tokenizers: hostile.py
from hostile import hf_safe, hostile_strings  # noqa: E402

pytest.importorskip("tokenizers")

FIXTURES = pathlib.Path(__file__).resolve().parents[2] / "fixtures" / "sentencepiece"
UNIGRAM_MODELS = ["unigram_nfkc", "unigram_identity_digits_bytes", "unigram_raw_spaces"]
JSON_FILES = sorted(p.name for p in FIXTURES.glob("*.json"))
# The issue asks for 2,000 hypothesis texts per model: that is the `-m slow` run; the default run
# draws 200 (each 2,000-example test takes 15-50 s on the shared 2-core machine).
EXAMPLES = [pytest.param(200, id="fast"), pytest.param(2000, id="full", marks=pytest.mark.slow)]
MAX_HOSTILE_CHARS = 20_000  # the 100k-character word is tested once, on its own


@functools.cache
def fixture_json(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


@functools.cache
def pair(name: str) -> Pair:
    """The model of fixture `name`.json in HF (model only) and in lexica."""
    return Pair(fixture_json(f"{name}.json")["model"])


@functools.cache
def spm_processor(name: str):
    spm = pytest.importorskip("sentencepiece")
    return spm.SentencePieceProcessor(model_file=str(FIXTURES / f"{name}.model"))


def hostile_texts() -> list[tuple[str, str]]:
    return [(name, hf_safe(text)) for name, text in hostile_strings() if len(text) <= MAX_HOSTILE_CHARS]


def word_strategy(name: str) -> st.SearchStrategy[str]:
    """Words made of vocab pieces (with and without ▁) and arbitrary characters."""
    pieces = [p for p, _ in fixture_json(f"{name}.json")["model"]["vocab"][:400] if p and not p.startswith("<")]
    chars = st.characters(blacklist_categories=("Cs",))
    part = st.one_of(st.sampled_from(pieces), chars, st.just("\u2581"))
    return st.lists(part, max_size=12).map("".join)


def text_strategy() -> st.SearchStrategy[str]:
    """Sentences of English-like words, digits, spaces and arbitrary characters."""
    words = st.sampled_from(["the", "tokenization", "Hello", "café", "naïve", "12345", "日本語", "😀", "  ", "\n"])
    chars = st.characters(blacklist_categories=("Cs",))
    return st.lists(st.one_of(words, chars, st.just(" ")), max_size=20).map("".join)


# ---- the model alone vs HF ------------------------------------------------------------------


@pytest.mark.parametrize("name", UNIGRAM_MODELS)
def test_to_dict_round_trips_hf_json(name: str) -> None:
    """to_dict writes what HF writes after loading the file: the file's scores, read as serde_json
    reads them (some one ulp off), and stable from then on."""
    p = pair(name)
    written = p.ours.to_dict()
    assert written == hf_model_json(p.hf)
    assert Unigram.from_dict(written).to_dict() == written
    assert [piece for piece, _ in written["vocab"]] == [piece for piece, _ in p.model_dict["vocab"]]
    for (_, ours), (_, file) in zip(written["vocab"], p.model_dict["vocab"]):
        assert ours == file or abs(ours - file) <= 2 * math.ulp(file)


def test_hf_json_float_matches_serde_json() -> None:
    rng = random.Random(0)
    values = [rng.uniform(-20, 0) for _ in range(3000)] + [rng.uniform(-1e-6, 0) for _ in range(300)]
    values += [-1e-300 * rng.random() for _ in range(50)] + [0.0, -10.0, 3, 1e22, -123456789.0, 5e-324]
    hf = hf_tokenizer({"type": "Unigram", "unk_id": None, "vocab": [[f"p{i}", v] for i, v in enumerate(values)]})
    assert [hf_json_float(v) for v in values] == [score for _, score in hf_model_json(hf)["vocab"]]


@pytest.mark.parametrize("name", UNIGRAM_MODELS)
def test_model_parity_hostile(name: str) -> None:
    p = pair(name)
    for word in HOSTILE_WORDS:
        p.check(word)
        p.check("\u2581" + word)
    for _, text in hostile_texts():
        p.check(text)
        p.check("\u2581" + text.replace(" ", "\u2581"))


@pytest.mark.parametrize("name", UNIGRAM_MODELS)
def test_model_parity_long_word(name: str) -> None:
    p = pair(name)
    for _, text in hostile_strings():
        if len(text) > MAX_HOSTILE_CHARS:
            p.check(hf_safe(text)[:100_000])


@pytest.mark.parametrize("name", UNIGRAM_MODELS)
@pytest.mark.parametrize("examples", EXAMPLES)
def test_model_parity_hypothesis(name: str, examples: int) -> None:
    p = pair(name)

    @settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck))
    @given(word_strategy(name))
    def check(word: str) -> None:
        p.check(word)

    check()


def test_small_vocab_cases_match_hf() -> None:
    """Unknown runs fuse (even with a literal unk piece), byte fallback needs every byte, and a
    duplicated piece maps to its last id."""
    vocab = [["<unk>", 0.0], ["a", -1.0], ["b", -2.0], ["ab", -2.5], ["a", -3.0], ["<0x63>", 0.0], ["", -1.0]]
    for byte_fallback in (False, True):
        p = Pair({"type": "Unigram", "unk_id": 0, "vocab": vocab, "byte_fallback": byte_fallback})
        for word in ["abxxab", "cc", "a€b", "c€d", "xyz<unk>", "ccab", "€", "aaaa", "bab"]:
            p.check(word)
    no_unk = Pair({"type": "Unigram", "unk_id": None, "vocab": vocab, "byte_fallback": False})
    no_unk.check("abab")
    with pytest.raises(InvalidInputError, match="unk_id"):
        no_unk.ours.tokenize("abx")


def test_type_less_model_is_unigram() -> None:
    model = model_from_dict({"vocab": [["a", -1.0]], "unk_id": None})
    assert isinstance(model, Unigram)
    assert model.tokenize("aa") == [Token(0, "a", (0, 1)), Token(0, "a", (1, 2))]


def test_vocab_accessors() -> None:
    model = pair("unigram_nfkc").ours
    assert model.get_vocab_size() == 1000
    assert model.id_to_token(0) == "<unk>" and model.token_to_id("<unk>") == 0
    assert model.id_to_token(1000) is None and model.id_to_token(-1) is None
    assert model.get_vocab()["\u2581the"] == model.token_to_id("\u2581the")
    assert model.score("\u2581the") == fixture_json("unigram_nfkc.json")["model"]["vocab"][model.token_to_id("\u2581the")][1]


def test_cache_is_bounded_and_transparent() -> None:
    model = Unigram.from_dict(fixture_json("unigram_nfkc.json")["model"], cache_capacity=10)
    words = [f"\u2581the{i}" for i in range(50)]
    first = [model.tokenize(w) for w in words]
    assert len(model._cache) <= 10
    assert [model.tokenize(w) for w in words] == first
    model.clear_cache()
    assert len(model._cache) == 0


# ---- errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "match"),
    [
        ({"type": "Unigram", "unk_id": 0}, r"model: .*'vocab'"),
        ({"type": "Unigram", "unk_id": 0, "vocab": {"a": 0}}, r"model\.vocab: expected a list"),
        ({"type": "Unigram", "unk_id": 0, "vocab": [["a"]]}, r"model\.vocab\[0\]"),
        ({"type": "Unigram", "unk_id": 0, "vocab": [["a", -1.0], [3, -1.0]]}, r"model\.vocab\[1\]"),
        ({"type": "Unigram", "unk_id": 0, "vocab": [["a", "x"]]}, r"model\.vocab\[0\]"),
        ({"type": "Unigram", "unk_id": 5, "vocab": [["a", -1.0]]}, r"model\.unk_id: .*found 5"),
        ({"type": "Unigram", "unk_id": 0, "vocab": []}, r"model\.vocab: empty"),
        ({"type": "Unigram", "unk_id": "0", "vocab": [["a", -1.0]]}, r"model\.unk_id"),
        ({"type": "Unigram", "unk_id": 0, "vocab": [["a", -1.0]], "byte_fallback": 1}, r"model\.byte_fallback"),
    ],
)
def test_bad_model_json_names_the_path(model: dict, match: str) -> None:
    with pytest.raises(TokenizerFileError, match=match):
        model_from_dict(model)


def test_bad_arguments() -> None:
    model = pair("unigram_nfkc").ours
    with pytest.raises(InvalidInputError, match="nbest"):
        model.nbest("\u2581the", 0)
    with pytest.raises(InvalidInputError, match="alpha"):
        model.sample("\u2581the", alpha=float("nan"))
    with pytest.raises(LexicaError, match="nbest_size"):
        model.sample("\u2581the", nbest_size=2.5)  # type: ignore[arg-type]


# ---- the whole pipeline vs HF ---------------------------------------------------------------


@functools.cache
def pipelines(name: str):
    tokenizers = pytest.importorskip("tokenizers")
    from lexica.tokenizers.tokenizer import Tokenizer

    path = str(FIXTURES / name)
    return Tokenizer.from_file(path), tokenizers.Tokenizer.from_file(path)


def _assert_same_pipeline(ours, ref, text: str) -> None:
    a, b = ours.encode(text), ref.encode(text)
    assert (a.ids, a.tokens, a.offsets) == (b.ids, b.tokens, [tuple(o) for o in b.offsets]), repr(text)
    assert ours.decode(a.ids) == ref.decode(b.ids), repr(text)


@pytest.mark.parametrize("name", JSON_FILES)
def test_pipeline_parity_hostile(name: str) -> None:
    ours, ref = pipelines(name)
    assert ours.to_dict()["model"] == json.loads(ref.to_str())["model"]
    for _, text in hostile_texts():
        _assert_same_pipeline(ours, ref, text)


@pytest.mark.parametrize("name", JSON_FILES)
@pytest.mark.parametrize("examples", EXAMPLES)
def test_pipeline_parity_hypothesis(name: str, examples: int) -> None:
    ours, ref = pipelines(name)

    @settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck))
    @given(text_strategy())
    def check(text: str) -> None:
        _assert_same_pipeline(ours, ref, text)

    check()


# ---- the model vs sentencepiece -------------------------------------------------------------


def _reserved(name: str) -> list[str]:
    """Control and user-defined pieces: sentencepiece treats them apart from the lattice."""
    sp = spm_processor(name)
    return [sp.id_to_piece(i) for i in range(sp.get_piece_size()) if sp.is_control(i) or sp.is_unknown(i)
            or sp.is_byte(i) or _is_user_defined(sp, i)]


def _is_user_defined(sp, i: int) -> bool:
    return sp.id_to_piece(i) in ("<sep>", "@@", "[MASK]")  # the script's user_defined_symbols


def segmentation_score(model: Unigram, pieces: list[str]) -> float:
    """Sum of lattice scores; a fused unknown run scores min_score - 10 per character."""
    total = 0.0
    for piece in pieces:
        score = model.score(piece)
        total += score if score is not None and model.token_to_id(piece) != model.unk_id else len(piece) * (model.min_score - 10)
    return total


def _check_against_spm(name: str, text: str) -> None:
    sp, model = spm_processor(name), pair(name).ours
    if any(piece in text for piece in _reserved(name)):
        return
    normalized = sp.normalize(text)
    ours = model.tokenize(normalized)
    ids = sp.encode(text)
    if [t.id for t in ours] == ids:
        return
    theirs = sp.encode(text, out_type=str)
    ours_pieces = [t.value for t in ours]
    if model.byte_fallback:  # compare the text pieces before byte fallback: scores need them
        assert "".join(ours_pieces) != "" or not theirs
    ours_score = segmentation_score(model, [t.value for t in model._to_tokens(normalized, model._viterbi(normalized))])
    their_score = segmentation_score(model, _unbyte(sp, ids))
    assert math.isclose(ours_score, their_score, rel_tol=1e-6, abs_tol=1e-4), (text, ours_pieces, theirs)


def _unbyte(sp, ids: list[int]) -> list[str]:
    """sentencepiece's pieces with runs of byte pieces turned back into the text they encode."""
    out: list[str] = []
    raw = b""
    for i in ids:
        if sp.is_byte(i):
            raw += bytes([int(sp.id_to_piece(i)[3:5], 16)])
            continue
        if raw:
            out.append(raw.decode("utf-8", "replace"))
            raw = b""
        out.append(sp.id_to_piece(i))
    if raw:
        out.append(raw.decode("utf-8", "replace"))
    return out


@pytest.mark.parametrize("name", UNIGRAM_MODELS)
def test_spm_parity_hostile(name: str) -> None:
    for _, text in hostile_texts():
        _check_against_spm(name, text)


@pytest.mark.parametrize("name", UNIGRAM_MODELS)
@pytest.mark.parametrize("examples", EXAMPLES)
def test_spm_parity_hypothesis(name: str, examples: int) -> None:
    @settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.one_of(text_strategy(), word_strategy(name).map(lambda w: w.replace("\u2581", " "))))
    def check(text: str) -> None:
        _check_against_spm(name, text)

    check()


NBEST_TEXTS = ["unbelievable tokenization", "Hello world", "internationalization", "café naïve 12345",
               "runner", "the quick brown fox", "日本語 テキスト", "x²½"]


@pytest.mark.parametrize("name", UNIGRAM_MODELS)
def test_nbest_matches_spm(name: str) -> None:
    """Same scores in the same order; the segmentations agree wherever the score is not tied."""
    sp, model = spm_processor(name), pair(name).ours
    for text in NBEST_TEXTS:
        theirs = [_unbyte(sp, [sp.piece_to_id(p) for p in seg]) if model.byte_fallback else seg
                  for seg in sp.nbest_encode_as_pieces(text, 10)]
        ours = model.nbest_scored(sp.normalize(text), 10)
        their_scores = [segmentation_score(model, seg) for seg in theirs]
        assert len(ours) == len(theirs)
        assert [s for s, _ in ours] == pytest.approx(their_scores, abs=1e-4), text
        assert their_scores == sorted(their_scores, reverse=True)
        for k, (score, tokens) in enumerate(ours):
            tied = sum(math.isclose(score, s, abs_tol=1e-4) for s in their_scores)
            if tied == 1:
                assert _text_pieces(tokens) == theirs[k], (text, k)


def _text_pieces(tokens: list[Token]) -> list[str]:
    """Pieces with byte-fallback runs (which share offsets) merged back into one text piece."""
    out: list[str] = []
    last = None
    for t in tokens:
        if t.value.startswith("<0x") and t.offsets == last:
            continue
        out.append(t.value if not t.value.startswith("<0x") else "?")
        last = t.offsets
    return out


def test_nbest_first_is_viterbi_and_scores_descend() -> None:
    model = pair("unigram_nfkc").ours
    for word in ["\u2581unbelievable", "\u2581tokenization", "\u2581x\u00b2\u00bd", "\u2581\u65e5\u672c"]:
        scored = model.nbest_scored(word, 20)
        assert scored[0][1] == model.tokenize(word)
        scores = [s for s, _ in scored]
        assert scores == sorted(scores, reverse=True)
        assert len({tuple(t.value for t in tokens) for _, tokens in scored}) == len(scored)
    assert model.nbest("", 3) == [[]]
    assert len(model.nbest("\u2581a", 1000)) < 1000  # a short word has few segmentations


# ---- sampling -------------------------------------------------------------------------------


def _pieces(tokens: list[Token]) -> tuple[str, ...]:
    return tuple(t.value for t in tokens)


def test_sampling_is_reproducible_and_valid() -> None:
    """A word that is not one piece: its second-best segmentation is only 2.85 below the best, so
    with alpha 0.5 it is drawn about one time in five. (A word of the training corpus, such as
    "unbelievable tokenization", is one piece per word that beats every alternative by 70+, and
    sentencepiece's own sampler then never returns anything else either.)"""
    model = pair("unigram_nfkc").ours
    word = "\u2581outgoing\u2581timeline"
    for nbest_size in (-1, 5, 64):
        first = [_pieces(model.sample(word, 0.5, nbest_size, seed=s)) for s in range(30)]
        assert first == [_pieces(model.sample(word, 0.5, nbest_size, seed=s)) for s in range(30)]
        assert len(set(first)) > 1  # it does sample
        for pieces in first:
            assert "".join(pieces) == word
            assert all(model.token_to_id(p) is not None for p in pieces)
    seeded = Unigram.from_dict(fixture_json("unigram_nfkc.json")["model"], seed=7)
    again = Unigram.from_dict(fixture_json("unigram_nfkc.json")["model"], seed=7)
    assert [_pieces(seeded.sample(word)) for _ in range(20)] == [_pieces(again.sample(word)) for _ in range(20)]
    assert model.sample(word, 0.2, 0) == model.tokenize(word) == model.sample(word, 0.2, 1)


@pytest.mark.parametrize("nbest_size", [-1, 8])
def test_sampling_follows_the_scores(nbest_size: int) -> None:
    """Empirical frequencies match exp(alpha * score) / Z over the candidates (3,000 draws)."""
    model = pair("unigram_nfkc").ours
    word, alpha, draws = "\u2581runner", 0.5, 3000
    everything = model.nbest_scored(word, 10_000)  # a short word: this enumerates them all
    candidates = everything if nbest_size < 0 else everything[:nbest_size]
    weights = [math.exp(alpha * s) for s, _ in candidates]
    expected = {_pieces(t): w / sum(weights) for (_, t), w in zip(candidates, weights)}
    counts = collections.Counter(_pieces(model.sample(word, alpha, nbest_size, seed=s)) for s in range(draws))
    assert set(counts) <= set(expected)
    for pieces, p in expected.items():
        assert abs(counts[pieces] / draws - p) < 4 * math.sqrt(p * (1 - p) / draws) + 0.005, pieces
    top = [_pieces(t) for _, t in candidates[:3]]
    assert counts[top[0]] >= counts[top[1]] >= counts[top[2]] or any(
        math.isclose(a[0], b[0], abs_tol=0.3) for a, b in zip(candidates, candidates[1:3])
    )


def test_sentencepiece_sampler_draws_with_the_same_probabilities() -> None:
    """sentencepiece's own sampler (seeded, so the test is deterministic) follows the same
    exp(alpha * score) / Z over the same candidates: lexica's alpha and nbest_size mean what
    sentencepiece's do. (Its random generator cannot be matched draw for draw.)"""
    spm = pytest.importorskip("sentencepiece")
    sp, model = spm_processor("unigram_nfkc"), pair("unigram_nfkc").ours
    word, alpha, draws = "\u2581runner", 0.5, 3000
    for nbest_size in (-1, 8):
        everything = model.nbest_scored(word, 10_000)
        candidates = everything if nbest_size < 0 else everything[:nbest_size]
        weights = [math.exp(alpha * s) for s, _ in candidates]
        expected = {_pieces(t): w / sum(weights) for (_, t), w in zip(candidates, weights)}
        spm.set_random_generator_seed(1234)
        counts = collections.Counter(
            tuple(sp.encode("runner", out_type=str, enable_sampling=True, alpha=alpha, nbest_size=nbest_size))
            for _ in range(draws)
        )
        assert set(counts) <= set(expected)
        for pieces, p in expected.items():
            assert abs(counts[pieces] / draws - p) < 4 * math.sqrt(p * (1 - p) / draws) + 0.005, pieces


def test_sentencepiece_mode_reserved_ids_and_float32_sums() -> None:
    """The switches a `.model` file turns on (not part of tokenizer.json): reserved pieces never
    match text, and float32 path sums break exact ties as sentencepiece does."""
    sp = spm_processor("unigram_identity_digits_bytes")
    vocab = [(sp.id_to_piece(i), sp.get_score(i)) for i in range(sp.get_piece_size())]
    reserved = [i for i in range(len(vocab)) if sp.is_control(i) or sp.is_unknown(i) or sp.is_byte(i)]
    plain = Unigram(vocab, 0, True)
    spm_like = Unigram(vocab, 0, True, reserved_ids=reserved, float32_sums=True)
    word = "\u2581" + "a" * 72  # pieces of 14 and 15 a's: an exact tie in real numbers
    assert [t.value for t in spm_like.tokenize(word)] == sp.encode("a" * 72, out_type=str)
    assert [t.value for t in plain.tokenize(word)] != sp.encode("a" * 72, out_type=str)
    assert "<s>" in [t.value for t in plain.tokenize("\u2581x<s>")]
    assert [t.value for t in spm_like.tokenize("\u2581x<s>")] == sp.encode("x<s>", out_type=str)
    assert spm_like.to_dict()["vocab"] == [[p, s] for p, s in vocab]  # the switches are not in the file


# ---- segmenting at "▁" (the fast path for unsplit Metaspace) -----------------------------------


def _full_viterbi(model: Unigram, word: str) -> list[Token]:
    """The reference: one Viterbi over the whole word, as HF and sentencepiece run it."""
    path = model._viterbi_f32(word) if model.float32_sums else model._viterbi(word)
    return model._to_tokens(word, path)


def _tie_vocab(f32: bool) -> list[tuple[str, float]]:
    """Exact ties between "▁ab" and "▁a" + "b" etc., and scores whose sums round differently when
    started from a large base: the cases where a per-segment Viterbi from 0 could decide differently."""
    if f32:  # float32 values; "ab" loses to "a" + "b" by 2**-20, a tie once the base is large
        return [("<unk>", 0.0), ("\u2581", -1.0), ("a", -2.0), ("b", -2.0), ("\u2581a", -3.0),
                ("ab", -4.0 - 2**-20), ("\u2581ab", -5.0), ("\u2581b", -3.0), ("ba", -4.0 - 2**-19),
                ("aba", -6.0 + 2**-19), ("\u2581ba", -5.0 - 2**-20), ("c", -7.5), ("cc", -15.0)]
    return [("<unk>", 0.0), ("\u2581", -1.0), ("a", -2.0), ("b", -2.0), ("\u2581a", -3.0), ("ab", -4.0),
            ("\u2581ab", -5.0), ("\u2581b", -3.0), ("ba", -1 / 3 * 12), ("aba", -1 / 3 * 18 + 1e-13),
            ("\u2581ba", -5.0 + 1e-12), ("c", -7.5), ("cc", -15.0)]


@pytest.mark.parametrize("f32", [False, True])
@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(st.sampled_from("\u2581abcx"), max_size=60), prefix=st.integers(0, 400))
def test_segmented_viterbi_equals_full_viterbi(f32: bool, text: str, prefix: int) -> None:
    """A long run of "▁c" words in front makes the score at each cut large, so rounding matters."""
    model = Unigram(_tie_vocab(f32), 0, float32_sums=f32, cache_capacity=50)
    assert model._segmentable
    word = "\u2581c" * prefix + text
    assume(word)
    assert model.tokenize(word) == _full_viterbi(model, word)
    model.clear_cache()
    assert model.tokenize(word) == _full_viterbi(model, word)  # cold and warm alike


@pytest.mark.parametrize("name", UNIGRAM_MODELS)
def test_segmented_viterbi_on_fixtures(name: str) -> None:
    for f32 in (False, True):
        vocab = fixture_json(f"{name}.json")["model"]["vocab"]
        if f32:
            vocab = [(p, struct.unpack("<f", struct.pack("<f", s))[0]) for p, s in vocab]
        model = Unigram(vocab, 0, float32_sums=f32)
        assert model._segmentable
        rng = random.Random(0)
        for _, text in hostile_strings()[:200]:
            word = "\u2581" + text[:2000].replace(" ", "\u2581")
            word = "".join(rng.choice(["\u2581the", "\u2581of", "x"]) for _ in range(rng.randrange(300))) + word
            assert model.tokenize(word) == _full_viterbi(model, word), text[:50]


def test_no_segmenting_when_a_piece_spans_a_space() -> None:
    model = Unigram([("<unk>", 0.0), ("\u2581", -1.0), ("a", -1.0), ("a\u2581a", -0.5)], 0)
    assert not model._segmentable
    assert [t.value for t in model.tokenize("\u2581a\u2581a")] == ["\u2581", "a\u2581a"]
    assert not Unigram([("<unk>", 0.0), ("a", -1.0)], 0)._segmentable  # "▁" is no piece
