"""Properties of the call API on random text (hypothesis, 200 examples each): a batch encodes as its rows
one by one; truncation never exceeds max_length; padding makes one length, pads on the chosen side
and masks exactly the pads; overflowing windows map back to their sample."""

from __future__ import annotations

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=60)
SETTINGS = settings(max_examples=200, deadline=None, derandomize=True)


@pytest.fixture(scope="module")
def tokenizers(minilm_dir, gpt2_dir):
    from lexica.tokenization import AutoTokenizer

    gpt2 = AutoTokenizer.from_pretrained(gpt2_dir)
    gpt2.pad_token = gpt2.eos_token
    return {"minilm": AutoTokenizer.from_pretrained(minilm_dir), "gpt2": gpt2}


@pytest.mark.parametrize("name", ["minilm", "gpt2"])
def test_batch_equals_rows(tokenizers, name):
    tokenizer = tokenizers[name]

    # a non-empty pair: transformers (and lexica, for parity) drops an empty text_pair of a single input
    pair_text = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=60)

    @SETTINGS
    @given(st.lists(TEXT, min_size=1, max_size=4), st.lists(pair_text, min_size=4, max_size=4))
    def check(texts, pairs):
        pairs = pairs[: len(texts)]
        batch = tokenizer(texts, pairs, return_offsets_mapping=True)
        for i, (text, pair) in enumerate(zip(texts, pairs)):
            single = tokenizer(text, pair, return_offsets_mapping=True)
            assert {k: batch[k][i] for k in batch} == dict(single)

    check()


@pytest.mark.parametrize("name", ["minilm", "gpt2"])
@pytest.mark.parametrize("side", ["left", "right"])
def test_truncation_and_padding(tokenizers, name, side):
    tokenizer = tokenizers[name]

    @SETTINGS
    @given(st.lists(TEXT, min_size=1, max_size=4), st.integers(4, 20),
           st.sampled_from(["longest_first", "only_first"]))
    def check(texts, max_length, strategy):
        out = tokenizer(texts, padding=True, truncation=strategy, max_length=max_length, padding_side=side)
        lengths = {len(row) for row in out["input_ids"]}
        assert len(lengths) == 1 and lengths.pop() <= max_length
        unpadded = tokenizer(texts, truncation=strategy, max_length=max_length)["input_ids"]
        for row, mask, bare in zip(out["input_ids"], out["attention_mask"], unpadded):
            assert sum(mask) == len(bare)
            kept = [t for t, m in zip(row, mask) if m]
            assert kept == bare
            pads = len(row) - len(bare)
            assert mask == ([0] * pads + [1] * len(bare) if side == "left" else [1] * len(bare) + [0] * pads)

    check()


@pytest.mark.parametrize("name", ["minilm", "gpt2"])
def test_overflow_windows(tokenizers, name):
    tokenizer = tokenizers[name]

    @SETTINGS
    @given(st.lists(TEXT, min_size=1, max_size=3), st.integers(6, 12), st.integers(0, 2))
    def check(texts, max_length, stride):
        out = tokenizer(texts, truncation=True, max_length=max_length, stride=stride,
                        return_overflowing_tokens=True)
        mapping = out["overflow_to_sample_mapping"]
        assert sorted(mapping) == mapping and set(mapping) == set(range(len(texts)))
        assert all(len(row) <= max_length for row in out["input_ids"])
        special = tokenizer.num_special_tokens_to_add()
        for i, text in enumerate(texts):
            whole = tokenizer(text, add_special_tokens=False)["input_ids"]
            windows = [row for row, s in zip(out["input_ids"], mapping) if s == i]
            content = [row[1:-1] if special == 2 else row for row in windows]
            joined = content[0] + [t for w in content[1:] for t in w[stride:]]
            assert joined == whole

    check()
