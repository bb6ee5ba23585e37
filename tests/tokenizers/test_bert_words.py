"""WordPiece.tokenize_fast and lexica/tokenizers/bert_words.py give exactly what the reference gives.

- ``tokenize_fast`` == a plain greedy longest-match-first written here == ``tokenize`` (MiniLM's
  vocab and a small vocab with another prefix, short ``max_input_chars_per_word``, missing unk).
- The fast path's cache entry for one word (``FastEncoder._bert_entry``, which uses ``bert_word``)
  == the entry of the NormalizedString route (``reference_entry`` below, the route it replaced)
  for every word of hypothesis texts, under
  MiniLM's BertNormalizer and five other flag sets (none included).
- ``encode`` == the general path == HF ``tokenizers`` (ids,
  tokens, offsets): hypothesis texts, and an evenly spread sample of the bench corpora
  (bench/.cache/corpora, made by bench/corpora.py; skipped when absent).
"""

from __future__ import annotations

import json
import pathlib
from unicodedata import ucd_3_2_0

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hostile import encoding_diff, hf_safe
from lexica.errors import TokenizerFileError
from lexica.tokenizers import Tokenizer, bert_words
from lexica.tokenizers.bert_words import bert_chars, bert_word
from lexica.tokenizers.fast_path import (_BERT_CUT, _BERT_EDGE, _REMOVED_SPACE, _WHITE_SPACE_DELETE, FastEncoder,
                                         _encoder, _entry)
from lexica.tokenizers.models import WordPiece
from lexica.tokenizers.normalized import NormalizedString

hf = pytest.importorskip("tokenizers")

CORPORA = pathlib.Path(__file__).resolve().parents[2] / "bench" / ".cache" / "corpora"
HYPOTHESIS = settings(max_examples=2000, deadline=None, derandomize=True,
                      suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

# BertNormalizer flag sets: MiniLM's own (uncased) and variants; None drops the normalizer.
VARIANTS = {
    "uncased": {},
    "cased": {"lowercase": False, "strip_accents": False, "handle_chinese_chars": False},
    "strip_only": {"lowercase": False, "strip_accents": True},
    "lower_only": {"strip_accents": False},
    "no_normalizer": None,
    "no_clean_text": {"clean_text": False, "handle_chinese_chars": False},
}
OTHER_VARIANTS = [name for name in VARIANTS if name != "uncased"]

# Characters where per-character normalization needs care: accents precomposed and combining
# (U+0344, U+0F73: decompositions made of marks only), Greek final sigma, Turkish dotted I, capital
# sharp s, ligatures, titlecase digraphs, Hangul, CJK (U+F900 decomposes; U+2B820 is HF's
# Extension E gap), a combining mark that is Mc with a non-zero class (U+1D165) and a character
# that decomposes into one (U+1D15E), U+1FEF (decomposes to '`'), U+0385 / U+0390, Devanagari
# (Mn virama, Mc vowel signs), Arabic, Thai, emoji with ZWJ and modifiers, punctuation.
WORD_CHARS = (
    "aeiouxzAEIOUXZ0123456789éÉèàçñöøüÅİıIiΣσςΟΔΛßẞﬁﬂǅǄǈ"
    "\u0300\u0301\u0308\u0327\u0338\u0344\u0345\u0f71\u0f73\u0f75\u302a\u093c\u094d"
    "\U0001d165\U0001d15e\u1fef\u0385\u0390ΐάΆ"
    "한국어각\u1100\u1161\u11a8中文字日本語\uf900\U0002b820\U00020000"
    "ПриветмирЁё" "مرحبا" "नमस्ते" "สวัสดี"
    "😀👍🏽👩\u200d💻\ufe0f"
    "’«»—…·¿¡.,;-"
)
TEXTS = st.one_of(
    st.text(alphabet=WORD_CHARS + "  \t", max_size=24),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=16),
)


# ---------------------------------------------------------------------- the two _bert_entry versions


def reference_entry(self: FastEncoder, word: str) -> tuple:
    """FastEncoder._bert_entry before bert_words: NormalizedString alignments, ``model.tokenize``."""
    model = self.model
    if word.isascii():
        tokens = model.tokenize(word.lower() if self.lowercase else word)
        return _entry(tuple([t.id for t in tokens]), tuple([t.value for t in tokens]),
                      tuple([t.offsets for t in tokens]), (0,) * len(tokens), 1, len(word))
    n = NormalizedString(word)
    if self.normalizer is not None:
        self.normalizer.normalize(n)
    norm = n.normalized
    if len(word) == 1 and self._single.match(word):
        if not norm or not (_BERT_EDGE.match(norm[0]) and _BERT_EDGE.match(norm[-1])):
            return ((), (), (), (), -1)
    if not norm:
        return ((), (), (), (), 0)
    if _BERT_CUT.search(norm):
        ids, toks, offsets, words, n_splits = self.general(word, 0)
        return _entry(tuple(ids), tuple(toks), tuple(offsets), tuple(words), n_splits, len(word))
    tokens = model.tokenize(norm)
    rel = []
    for t in tokens:
        rng = n.original_range(t.offsets[0], t.offsets[1])
        rel.append(t.offsets if rng is None else rng)
    return _entry(tuple([t.id for t in tokens]), tuple([t.value for t in tokens]), tuple(rel),
                  (0,) * len(tokens), 1, len(word))


# ---------------------------------------------------------------------- tokenizers


def variant_json(minilm_dir: pathlib.Path, name: str) -> str:
    spec = json.loads((minilm_dir / "tokenizer.json").read_text(encoding="utf-8"))
    spec["truncation"] = None
    spec["padding"] = None
    flags = VARIANTS[name]
    if flags is None:
        spec["normalizer"] = None
    else:
        spec["normalizer"].update(flags)
    return json.dumps(spec, ensure_ascii=False)


@pytest.fixture(scope="module")
def trios(minilm_dir):
    """name -> (lexica with the fast path, lexica general path only, HF)."""
    out = {}
    for name in VARIANTS:
        js = variant_json(minilm_dir, name)
        fast, general = Tokenizer.from_str(js), Tokenizer.from_str(js)
        general.use_fast_path = False
        out[name] = fast, general, hf.Tokenizer.from_str(js)
    return out


def fast_words(enc: FastEncoder, text: str) -> list[str]:
    """The words the fast path hands to ``_bert_entry`` for ``text`` (none if it falls back)."""
    if text.isascii():
        return []
    if enc.clean_text and ("\ufffd" in text or _REMOVED_SPACE.search(text)
                           or not text.translate(_WHITE_SPACE_DELETE).isprintable()):
        return []  # the general path takes such a segment (as FastEncoder._bert_segment decides)
    return enc._split.split(text)[1::2]


def rows(enc) -> tuple:
    return enc.ids, enc.tokens, [tuple(o) for o in enc.offsets]


# ---------------------------------------------------------------------- WordPiece.tokenize_fast


def greedy(vocab: dict[str, int], prefix: str, max_chars: int, unk: str, word: str) -> tuple:
    """Greedy longest-match-first, written plainly."""
    if not word:
        return (), (), ()
    if len(word) > max_chars:
        return (vocab[unk],), (unk,), ((0, len(word)),)
    ids, values, offsets, start = [], [], [], 0
    while start < len(word):
        for end in range(len(word), start, -1):
            piece = word[start:end] if start == 0 else prefix + word[start:end]
            if piece in vocab:
                ids.append(vocab[piece]), values.append(piece), offsets.append((start, end))
                start = end
                break
        else:
            return (vocab[unk],), (unk,), ((0, len(word)),)
    return tuple(ids), tuple(values), tuple(offsets)


SMALL_VOCAB = {"[UNK]": 0, "a": 1, "ab": 2, "abc": 3, "é": 4, "▁b": 5, "▁bc": 6, "▁c": 7, "▁é": 8,
               "▁éa": 9, "x": 10, "▁": 11, "日": 12, "▁日本": 13, "▁本": 14, "▁▁a": 15}


@pytest.fixture(scope="module")
def wordpieces(minilm_dir) -> list[WordPiece]:
    minilm = WordPiece.from_vocab_file(minilm_dir / "vocab.txt")
    return [minilm, WordPiece(SMALL_VOCAB, "[UNK]", "▁", 6), WordPiece(SMALL_VOCAB, "[UNK]", "", 100),
            WordPiece(minilm.vocab, "[UNK]", "##", 3)]


@settings(HYPOTHESIS, max_examples=1000)
@given(word=st.one_of(st.text(alphabet="abcé日本x▁", max_size=8),  # mostly known to SMALL_VOCAB
                      st.text(alphabet="abcdeinorstuéèçñöüпривеαβγδ日本語", max_size=12),  # to MiniLM's
                      st.text(alphabet="abcé日本x▁#" + WORD_CHARS[:40], max_size=12),
                      st.text(max_size=8), st.sampled_from(["unaffable", "tokenization", "hello", "##ab"])))
def test_tokenize_fast_is_greedy_longest_match(wordpieces, word: str) -> None:
    for model in wordpieces:
        expected = greedy(model.vocab, model.continuing_subword_prefix, model.max_input_chars_per_word,
                          model.unk_token, word)
        assert model.tokenize_fast(word) == expected, (model, word)
        assert [tuple(t) for t in model.tokenize(word)] == list(zip(*expected)), (model, word)


def test_tokenize_fast_at_the_length_bounds(wordpieces) -> None:
    """Words that start (or continue) with the longest entries: the search bounds must reach them."""
    for model in wordpieces:
        prefix = model.continuing_subword_prefix
        longest = sorted(model.vocab, key=len)[-30:]
        for token in longest:
            head = token[len(prefix):] if prefix and token.startswith(prefix) else token
            for word in (head, head + "a", head + "é", "a" + head, "é" + head, "x" + head + "日"):
                expected = greedy(model.vocab, prefix, model.max_input_chars_per_word, model.unk_token, word)
                assert model.tokenize_fast(word) == expected, (model, word)


def test_tokenize_fast_without_unk_raises() -> None:
    model = WordPiece({"a": 0, "##b": 1}, "[UNK]")
    assert model.tokenize_fast("ab") == ((0, 1), ("a", "##b"), ((0, 1), (1, 2)))
    with pytest.raises(TokenizerFileError, match="unk_token"):
        model.tokenize_fast("ac")


# ---------------------------------------------------------------------- bert_word: the cache entries


@HYPOTHESIS
@given(text=TEXTS, other=st.sampled_from(OTHER_VARIANTS))
def test_entries_equal_the_reference(trios, text: str, other: str) -> None:
    """2,000 texts with MiniLM's normalizer, each also with one of the other flag sets."""
    for name in ("uncased", other):
        fast = trios[name][0]
        fast.encode("a")  # compiles the fast path
        enc = _encoder(fast)
        for word in fast_words(enc, text):
            assert enc._bert_entry(word) == reference_entry(enc, word), (name, word)


def test_common_words_take_the_per_character_route(trios) -> None:
    fast = trios["uncased"][0]
    fast.encode("a")
    enc = _encoder(fast)
    chars = bert_chars(enc.normalizer)
    for word in ["Ελληνικά", "ΟΔΟΣ", "Привет", "naïve", "İstanbul", "Straẞe", "e\u0301te", "한국어", "中", "\uf900",
                 "’", "«", "…", "ﬁne", "नमस्ते", "😀"]:
        assert bert_word(word, chars, enc.model) is not None, word
        assert enc._bert_entry(word) == reference_entry(enc, word), word
    for word in ["\U0001d15e", "\u1fefa", "a\u200db"]:  # a non-starter kept, a '`' made, a removed char
        assert bert_word(word, chars, enc.model) is None, word


def test_full_table_is_replaced(trios, monkeypatch) -> None:
    fast = trios["uncased"][0]
    fast.encode("a")
    enc = _encoder(fast)
    monkeypatch.setattr(bert_words, "TABLE_CAPACITY", 3)
    tables = set()
    for word in ["Ελληνικά", "\U0001d15eé", "éa\U0001d15e", "İΣ", "ΣİΣ", "’", "中"]:
        assert enc._bert_entry(word) == reference_entry(enc, word), word
        chars = bert_chars(enc.normalizer)
        tables.add(id(chars))
        assert len(chars) <= 3 + len(word)
    assert len(tables) > 1


# ---------------------------------------------------------------------- encode: general path and HF


def _hf_comparable(text: str) -> bool:
    """Characters on which lexica's and HF's Unicode tables agree (as tests/tokenizers/test_fast_path.py)."""
    from unicode_agreement import disagreeing_code_points

    bad = disagreeing_code_points()
    return all(ord(c) not in bad and c not in "\u0589\u166d" and ucd_3_2_0.category(c) != "Cn" for c in text)


@HYPOTHESIS
@given(text=TEXTS, other=st.sampled_from(OTHER_VARIANTS))
def test_encode_equals_general_and_hf(trios, text: str, other: str) -> None:
    """2,000 texts with MiniLM's normalizer, each also with one of the other flag sets."""
    with_hf = _hf_comparable(text)
    for name in ("uncased", other):
        fast, general, ref = trios[name]
        ours = fast.encode(text)
        assert rows(ours) == rows(general.encode(text)), (name, text)
        if with_hf:
            assert encoding_diff(ours, ref.encode(hf_safe(text))) is None, (name, text)


def corpus_sample(name: str, n: int) -> list[str]:
    path = CORPORA / f"{name}.jsonl"
    if not path.exists():
        pytest.skip(f"{path} is missing (bench/corpora.py makes it)")
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines[:: max(1, len(lines) // n)][:n]]


@pytest.mark.parametrize("corpus", ["english", "code", "multilingual"])
def test_corpus_equals_hf_and_general(minilm_dir, corpus: str) -> None:
    """A fresh tokenizer (every word a miss first) on 2,000 evenly spread documents vs HF (500 of
    code's 50-line documents), and the first 300 of them (50 for code) vs the general path."""
    js = variant_json(minilm_dir, "uncased")
    fast, general, ref = Tokenizer.from_str(js), Tokenizer.from_str(js), hf.Tokenizer.from_str(js)
    general.use_fast_path = False
    texts = corpus_sample(corpus, 500 if corpus == "code" else 2000)
    for k, text in enumerate(texts):
        ours = fast.encode(text)
        assert encoding_diff(ours, ref.encode(text)) is None, (corpus, k, text[:200])
        if k < (50 if corpus == "code" else 300):
            assert rows(ours) == rows(general.encode(text)), (corpus, k, text[:200])
