"""Parity with transformers' AutoTokenizer, field by field, over a grid of call options and input kinds.

Tokenizers: MiniLM (tokenizer.json, WordPiece), GPT-2 (vocab.json + merges.txt), DeepSeek (tokenizer.json,
byte-level BPE with 1,283 added tokens) and SmolLM2 (the tokenizer inside the GGUF file). Inputs: the
committed hostile strings (lone surrogates go to transformers as U+FFFD, which is what lexica encodes)
as single texts, a batch, pairs, a batch of pairs and pre-split words. Compared: the keys in order, every
value (tensors: dtype, shape, values), and each row's tokens, word ids and sequence ids. When one library
refuses a call the other must refuse it too.
"""

from __future__ import annotations

from typing import Any

import pytest
from hostile import hf_safe, hostile_strings
from tok_parity import compare

TOKENIZERS = ["minilm", "gpt2", "deepseek", "smollm"]
LONG = {"long_word_100k", "long_cjk_run"}
TEXTS = [text for name, text in hostile_strings() if name not in LONG]

OPTIONS: list[dict[str, Any]] = [
    {},
    {"padding": True},
    {"padding": "max_length", "max_length": 24, "truncation": True},
    {"truncation": True, "max_length": 8, "return_overflowing_tokens": True, "stride": 2},
    {"return_offsets_mapping": True, "return_special_tokens_mask": True, "return_length": True},
    {"padding": True, "pad_to_multiple_of": 8, "padding_side": "left"},
    {"padding": True, "return_tensors": "pt"},
    {"padding": "longest", "truncation": "longest_first", "max_length": 16, "return_tensors": "np"},
    {"truncation": "only_first", "max_length": 12, "padding": True},
    {"truncation": "only_second", "max_length": 12},
    {"add_special_tokens": False, "return_token_type_ids": True, "return_attention_mask": False},
    {"max_length": 10, "return_overflowing_tokens": True, "return_offsets_mapping": True, "padding": True},
    # tensors straight from the unpadded rows (encode.encodings_to_arrays), every field and side
    {"padding": True, "pad_to_multiple_of": 8, "padding_side": "left", "return_tensors": "np",
     "return_special_tokens_mask": True, "return_offsets_mapping": True, "return_length": True,
     "return_token_type_ids": True},
    {"truncation": True, "max_length": 10, "stride": 2, "return_overflowing_tokens": True, "padding": "max_length",
     "return_tensors": "pt"},
    {"padding": "max_length", "max_length": 6, "return_tensors": "pt"},  # ragged: both refuse
]
KINDS = ["single", "batch", "pair", "batch_pairs", "words"]


def _calls(kind: str) -> list[tuple[tuple, tuple, dict[str, Any]]]:
    """(our args, HF args, extra options) for one input kind."""
    rotated = TEXTS[7:] + TEXTS[:7]
    hf = [hf_safe(t) for t in TEXTS]
    hf_rot = [hf_safe(t) for t in rotated]
    if kind == "single":
        return [((t,), (h,), {}) for t, h in zip(TEXTS, hf)]
    if kind == "batch":
        return [((TEXTS,), (hf,), {})]
    if kind == "pair":
        return [((t, r), (h, hr), {}) for t, r, h, hr in zip(TEXTS, rotated, hf, hf_rot)]
    if kind == "batch_pairs":
        return [((TEXTS, rotated), (hf, hf_rot), {})]
    words = [t.split() or ["x"] for t in TEXTS]
    hf_words = [h.split() or ["x"] for h in hf]
    return [((words,), (hf_words,), {"is_split_into_words": True}),
            ((words[6],), (hf_words[6],), {"is_split_into_words": True})]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("options", OPTIONS, ids=[",".join(o) or "defaults" for o in OPTIONS])
@pytest.mark.parametrize("name", TOKENIZERS)
def test_call_parity(pairs, name, options, kind):
    ours, hf = pairs(name)
    for args, hf_args, extra in _calls(kind):
        diff = compare(ours, hf, args, hf_args, {**options, **extra})
        assert diff is None, f"{name} {kind} {options} {args[0]!r:.60}: {diff}"


@pytest.mark.parametrize("name", TOKENIZERS)
def test_long_inputs_truncated_with_overflow(pairs, name):
    ours, hf = pairs(name)
    long_texts = [text for n, text in hostile_strings() if n in LONG]
    options = {"truncation": True, "max_length": 512, "stride": 64, "return_overflowing_tokens": True}
    assert compare(ours, hf, (long_texts,), (long_texts,), options) is None


@pytest.mark.parametrize("name", TOKENIZERS)
def test_vocab_and_special_tokens_parity(pairs, name):
    ours, hf = pairs(name)
    assert len(ours) == len(hf)
    assert ours.vocab_size == hf.vocab_size
    assert ours.model_max_length == hf.model_max_length
    for attr in ("bos_token", "eos_token", "unk_token", "sep_token", "cls_token", "mask_token"):
        assert getattr(ours, attr) == getattr(hf, attr), attr
        assert getattr(ours, f"{attr}_id") == getattr(hf, f"{attr}_id"), attr
    assert sorted(ours.all_special_ids) == sorted(hf.all_special_ids)


@pytest.mark.parametrize("name", TOKENIZERS)
def test_tokenize_convert_decode_parity(pairs, name):
    ours, hf = pairs(name)
    for text in TEXTS:
        safe = hf_safe(text)
        tokens = ours.tokenize(text)
        assert tokens == hf.tokenize(safe), text
        ids = ours.convert_tokens_to_ids(tokens)
        assert ids == hf.convert_tokens_to_ids(tokens)
        assert ours.convert_ids_to_tokens(ids) == hf.convert_ids_to_tokens(ids)
        encoded = ours.encode(text)
        assert encoded == hf.encode(safe)
        for skip in (False, True):
            # transformers 5 never cleans up unless asked; lexica's WordPiece default is True (issue 5)
            assert ours.decode(encoded, skip_special_tokens=skip, clean_up_tokenization_spaces=False) == hf.decode(
                encoded, skip_special_tokens=skip, clean_up_tokenization_spaces=False)
            assert ours.decode(encoded, skip_special_tokens=skip, clean_up_tokenization_spaces=True) == hf.decode(
                encoded, skip_special_tokens=skip, clean_up_tokenization_spaces=True)
    batch = ours(TEXTS[:8])["input_ids"]
    assert ours.batch_decode(batch, clean_up_tokenization_spaces=False) == hf.batch_decode(
        batch, clean_up_tokenization_spaces=False)
