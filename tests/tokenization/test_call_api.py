"""The call API beyond the parity grid: the course's chapter 2 outputs, defaults lexica chooses on purpose
(left padding for decoder-only tokenizers, clean-up for WordPiece, the too-long warning), bad-input
errors, ``BatchEncoding``'s methods, ``pad()`` for collators, and adding tokens. Each compared with
transformers where transformers defines the behaviour."""

from __future__ import annotations

import logging
import pickle

import pytest
from tok_parity import compare, plain

from lexica.errors import ConfigError, InvalidInputError, LexicaError

SENTENCE = "I've been waiting for a HuggingFace course my whole life."
BATCH = [SENTENCE, "I hate this so much!"]


@pytest.fixture(scope="module")
def minilm(minilm_dir):
    from lexica.tokenization import AutoTokenizer

    return AutoTokenizer.from_pretrained(minilm_dir)


@pytest.fixture()
def gpt2(gpt2_dir):
    """A fresh GPT-2 tokenizer (tests change its pad token)."""
    from lexica.tokenization import AutoTokenizer

    return AutoTokenizer.from_pretrained(gpt2_dir)


# ---------------------------------------------------------------- the course's chapter 2
def test_course_padded_batch(minilm):
    torch = pytest.importorskip("torch")
    out = minilm(BATCH, padding=True, truncation=True, return_tensors="pt")
    assert out["input_ids"].tolist() == [
        [101, 1045, 1005, 2310, 2042, 3403, 2005, 1037, 17662, 12172, 2607, 2026, 2878, 2166, 1012, 102],
        [101, 1045, 5223, 2023, 2061, 2172, 999, 102, 0, 0, 0, 0, 0, 0, 0, 0],
    ]
    assert out["attention_mask"].tolist() == [[1] * 16, [1] * 8 + [0] * 8]
    assert out["input_ids"].dtype == torch.int64 and tuple(out["input_ids"].shape) == (2, 16)
    assert list(out.keys()) == ["input_ids", "token_type_ids", "attention_mask"]


def test_course_pair(minilm):
    out = minilm("This is the first sentence.", "This is the second one.")
    assert out["input_ids"] == [101, 2023, 2003, 1996, 2034, 6251, 1012, 102, 2023, 2003, 1996, 2117, 2028, 1012, 102]
    assert out["token_type_ids"] == [0] * 8 + [1] * 7
    assert minilm.convert_ids_to_tokens(out["input_ids"])[:3] == ["[CLS]", "this", "is"]


def test_course_tokenize_and_decode(minilm):
    tokens = minilm.tokenize("Using a Transformer network is simple")
    assert tokens == ["using", "a", "transform", "##er", "network", "is", "simple"]
    ids = minilm.convert_tokens_to_ids(tokens)
    assert ids == [2478, 1037, 10938, 2121, 2897, 2003, 3722]
    assert minilm.decode(ids) == "using a transformer network is simple"
    # clean_up_tokenization_spaces defaults to True for WordPiece: the course's "i've", not "i ' ve"
    assert minilm.decode(minilm(SENTENCE)["input_ids"]) == (
        "[CLS] i've been waiting for a huggingface course my whole life. [SEP]")
    assert minilm.decode(minilm(SENTENCE)["input_ids"], skip_special_tokens=True) == (
        "i've been waiting for a huggingface course my whole life.")


def test_course_padding_and_truncation_variants(minilm):
    """Chapter 2's "Handling multiple sequences" calls."""
    assert [len(r) for r in minilm(BATCH, padding="longest")["input_ids"]] == [16, 16]
    assert [len(r) for r in minilm(BATCH, padding="max_length")["input_ids"]] == [512, 512]  # model_max_length
    assert [len(r) for r in minilm(BATCH, padding="max_length", max_length=8)["input_ids"]] == [16, 8]
    assert minilm(BATCH, max_length=8, truncation=True)["input_ids"][0] == [
        101, 1045, 1005, 2310, 2042, 3403, 2005, 102]
    out = minilm(BATCH, padding=True, return_tensors="np")
    assert out["input_ids"].shape == (2, 16) and str(out["attention_mask"].dtype) == "int64"


def test_minilm_baked_in_fixed_128_padding_is_ignored(minilm, minilm_dir):
    single = minilm(SENTENCE)
    assert len(single["input_ids"]) == 16
    assert [len(r) for r in minilm(BATCH)["input_ids"]] == [16, 8]
    long_text = "word " * 300  # over the baked-in truncation 128, under model_max_length 512
    assert len(minilm(long_text)["input_ids"]) == 302
    assert minilm.model_max_length == 512


def test_byte_level_bpe_decode_is_lossless_by_default(gpt2):
    text = "Hello , world ! It 's   spaced ."
    assert gpt2.clean_up_tokenization_spaces is False
    assert gpt2.decode(gpt2.encode(text)) == text


# ---------------------------------------------------------------- defaults for decoder-only tokenizers
def test_decoder_only_pads_left_and_needs_a_pad_token(gpt2, minilm):
    assert gpt2.padding_side == "left" and minilm.padding_side == "right"
    assert gpt2.pad_token is None
    with pytest.raises(ConfigError, match=r"no padding token.*tokenizer\.pad_token = tokenizer\.eos_token"):
        gpt2(["a b c", "a"], padding=True)
    with pytest.raises(ConfigError, match="pad_token"):
        gpt2.pad([{"input_ids": [1, 2]}, {"input_ids": [1]}])
    gpt2(["a b c", "a"])  # no padding asked: no pad token needed
    gpt2.pad_token = gpt2.eos_token
    assert gpt2.pad_token_id == 50256
    out = gpt2(["a b c", "a"], padding=True)
    assert out["input_ids"][1] == [50256, 50256, 64] and out["attention_mask"][1] == [0, 0, 1]
    out = gpt2(["a b c", "a"], padding=True, padding_side="right")
    assert out["input_ids"][1] == [64, 50256, 50256]


def test_too_long_input_is_returned_whole_with_a_warning(minilm, caplog):
    text = "word " * 600
    with caplog.at_level(logging.WARNING, logger="lexica"):
        out = minilm(text)
    assert len(out["input_ids"]) == 602
    message = " ".join(r.getMessage() for r in caplog.records)
    assert "602 > 512" in message and "90 tokens over" in message and "truncation=True" in message
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="lexica"):
        assert len(minilm(text, truncation=True)["input_ids"]) == 512
    assert not caplog.records


# ---------------------------------------------------------------- bad input
def test_padding_max_length_without_a_length(gpt2):
    gpt2.pad_token = gpt2.eos_token
    assert gpt2.model_max_length > 10**20  # GPT-2 folder without tokenizer_config.json: no known limit
    with pytest.raises(ConfigError, match=r"padding='max_length' needs a length.*max_length="):
        gpt2(["a", "b c"], padding="max_length")
    assert gpt2(["a", "b c"], padding="max_length", max_length=4)["input_ids"] == [
        [50256, 50256, 50256, 64], [50256, 50256, 65, 269]]


def test_return_tensors_on_ragged_rows(minilm):
    with pytest.raises(InvalidInputError, match=r"different lengths \[8, 16\].*padding=True"):
        minilm(BATCH, return_tensors="pt")
    with pytest.raises(InvalidInputError, match="return_tensors"):
        minilm(BATCH, padding=True, return_tensors="tf")


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"text": None}, "text: expected"),
        ({"text": 5}, "text: expected"),
        ({"text": ["a", 5]}, r"text\[1\]: expected a str"),
        ({"text": ["a", "b"], "text_pair": ["c"]}, "batch length 1 does not match"),
        ({"text": "a", "padding": "everything"}, "padding: expected one of"),
        ({"text": "a", "truncation": "middle"}, "truncation: expected one of"),
        ({"text": "a", "max_length": -1}, "max_length: expected a non-negative int"),
        ({"text": "a", "padding_side": "top", "padding": True}, "padding_side: expected one of"),
        ({"text": "a", "padding": True, "truncation": True, "max_length": 10, "pad_to_multiple_of": 4},
         "not a multiple of pad_to_multiple_of"),
    ],
)
def test_bad_call_arguments(minilm, kwargs, pattern):
    with pytest.raises(LexicaError, match=pattern):
        minilm(**kwargs)


# ---------------------------------------------------------------- BatchEncoding
def test_batch_encoding_methods_match_transformers(minilm, minilm_dir, hf_auto):
    hf = hf_auto.from_pretrained(str(minilm_dir))
    texts = ["Hugging Face is in Brooklyn, New York!", "Short one."]
    pairs = ["And a pair sentence.", "Yes."]
    ours, ref = minilm(texts, pairs, padding=True), hf(texts, pairs, padding=True)
    for row in range(2):
        assert ours.tokens(row) == ref.tokens(row)
        assert ours.word_ids(row) == ref.word_ids(row) == ours.words(row)
        assert ours.sequence_ids(row) == ref.sequence_ids(row)
        for token in range(len(ours["input_ids"][row])):
            assert ours.token_to_word(row, token) == ref.token_to_word(row, token)
            assert ours.token_to_sequence(row, token) == ref.token_to_sequence(row, token)
            assert tuple(ours.token_to_chars(row, token) or ()) == tuple(ref.token_to_chars(row, token) or ())
        for seq in (0, 1):
            for char in range(len((texts if seq == 0 else pairs)[row])):
                assert ours.char_to_token(row, char, seq) == ref.char_to_token(row, char, seq)
                assert ours.char_to_word(row, char, seq) == ref.char_to_word(row, char, seq)
            words = {w for w, s in zip(ref.word_ids(row), ref.sequence_ids(row)) if s == seq and w is not None}
            for word in sorted(words):
                assert tuple(ours.word_to_tokens(row, word, seq) or ()) == tuple(ref.word_to_tokens(row, word, seq) or ())
                assert tuple(ours.word_to_chars(row, word, seq) or ()) == tuple(ref.word_to_chars(row, word, seq) or ())
    # the one-argument forms mean row 0; negative token indices count from the end
    assert ours.token_to_word(3) == ref.token_to_word(3)
    assert ours.token_to_chars(-2) == ref.token_to_chars(len(ref["input_ids"][0]) - 2)  # HF refuses negatives
    assert ours.char_to_token(5) == ref.char_to_token(5)
    assert ours.n_sequences == ref.n_sequences == 2
    assert ours.is_fast and len(ours.encodings) == 2 and ours[0].ids == ours["input_ids"][0]


def test_batch_encoding_access_tensors_and_pickle(minilm):
    torch = pytest.importorskip("torch")
    out = minilm(BATCH, padding=True, return_tensors="pt")
    assert out.input_ids is out["input_ids"]
    with pytest.raises(AttributeError, match="keys: \\['input_ids'"):
        out.labels  # noqa: B018
    assert out.to("cpu") is out and out["input_ids"].device == torch.device("cpu")
    with pytest.raises(InvalidInputError, match="expected a device"):
        out.to(3.5)
    assert set(out[:1]) == {"input_ids", "token_type_ids", "attention_mask"}
    back = pickle.loads(pickle.dumps(out))
    assert back.tokens(1) == out.tokens(1) and torch.equal(back["input_ids"], out["input_ids"])
    array = minilm(BATCH, padding=True, return_tensors="np")["input_ids"]
    assert str(array.dtype) == "int64" and array.shape == (2, 16)
    single = minilm("", return_tensors="pt")  # empty text: still int64 (transformers' rule for empty values)
    assert single["input_ids"].dtype == torch.int64 and tuple(single["input_ids"].shape) == (1, 2)
    plain_single = minilm(SENTENCE, return_length=True, return_special_tokens_mask=True)
    assert plain_single["length"] == [16] and plain_single["special_tokens_mask"][0] == 1


@pytest.mark.parametrize("side", ["right", "left"])
def test_tensor_rows_are_padded_when_read(minilm, side):
    """With return_tensors, the arrays are built from the unpadded rows and the rows are padded when
    first read (by index, .encodings, a mapping method or pickle): the same as without tensors."""
    options = {"padding": True, "pad_to_multiple_of": 8, "padding_side": side}
    lists = minilm(BATCH, **options)
    for read in (lambda out: out.encodings, lambda out: [out[0], out[1]],
                 lambda out: pickle.loads(pickle.dumps(out)).encodings):
        out = minilm(BATCH, return_tensors="np", **options)
        assert out.is_fast and out.tokens(1) == lists.tokens(1)
        assert [e.ids for e in read(out)] == lists["input_ids"] == out["input_ids"].tolist()
        assert [e.attention_mask for e in out.encodings] == lists["attention_mask"]
        assert out.word_ids(1) == lists.word_ids(1)


# ---------------------------------------------------------------- pad() for collators
def test_pad_matches_transformers(minilm, minilm_dir, hf_auto):
    torch = pytest.importorskip("torch")
    hf = hf_auto.from_pretrained(str(minilm_dir))
    features = [dict(minilm(text), labels=i) for i, text in enumerate(BATCH)]
    for kwargs in ({}, {"return_tensors": "pt"}, {"padding": "max_length", "max_length": 20},
                   {"pad_to_multiple_of": 8, "return_tensors": "np"}, {"padding_side": "left"}):
        ours, ref = minilm.pad([dict(f) for f in features], **kwargs), hf.pad([dict(f) for f in features], **kwargs)
        assert list(ours.keys()) == list(ref.keys()), kwargs
        for key in ref:
            assert plain(ours[key]) == plain(ref[key]), (kwargs, key)
    # return_attention_mask=False drops a mask the features carry (transformers leaves it unpadded, ragged)
    assert list(minilm.pad([dict(f) for f in features], return_attention_mask=False)) == [
        "input_ids", "token_type_ids", "labels"]
    ids_only = [{"input_ids": f["input_ids"]} for f in features]
    for kwargs in ({"return_attention_mask": False}, {"return_attention_mask": True, "padding_side": "left"}):
        assert dict(minilm.pad(ids_only, **kwargs)) == dict(hf.pad(ids_only, **kwargs)), kwargs
    tensors = [{k: torch.tensor(v) for k, v in minilm(text).items()} for text in BATCH]
    padded = minilm.pad(tensors)  # torch in, torch out
    assert isinstance(padded["input_ids"], torch.Tensor) and tuple(padded["input_ids"].shape) == (2, 16)
    one = minilm.pad(minilm(BATCH[1]), padding="max_length", max_length=10)
    assert one["input_ids"] == [101, 1045, 5223, 2023, 2061, 2172, 999, 102, 0, 0]
    with pytest.raises(InvalidInputError, match="'input_ids' key"):
        minilm.pad([{"ids": [1]}])


# ---------------------------------------------------------------- adding tokens
def test_add_tokens_and_special_tokens_match_transformers(minilm_dir, hf_auto):
    from lexica.tokenization import AutoTokenizer

    ours, ref = AutoTokenizer.from_pretrained(minilm_dir), hf_auto.from_pretrained(str(minilm_dir))
    # "hello" is already in the vocabulary: counted, as tokenizers counts it, but given no new id
    assert ours.add_tokens(["newword", "hello"]) == ref.add_tokens(["newword", "hello"]) == 2
    assert ours.add_special_tokens({"additional_special_tokens": ["<ent>", "</ent>"]}) == ref.add_special_tokens(
        {"additional_special_tokens": ["<ent>", "</ent>"]})
    assert ours.add_special_tokens({"pad_token": "[PAD]"}) == ref.add_special_tokens({"pad_token": "[PAD]"}) == 0
    assert len(ours) == len(ref) == 30525 and ours.vocab_size == ref.vocab_size == 30522
    text = "the newword <ent>Paris</ent> is here"
    assert ours.tokenize(text) == ref.tokenize(text)
    assert compare(ours, ref, ([text, "newword"],), ([text, "newword"],), {"padding": True}) is None
    assert ours.additional_special_tokens == ["<ent>", "</ent>"]
    assert sorted(ours.all_special_ids) == sorted(ref.all_special_ids)
    assert ours.decode(ours.encode(text), skip_special_tokens=True) == ref.decode(
        ref.encode(text), skip_special_tokens=True)
    assert ours.get_added_vocab() == ref.get_added_vocab()
    with pytest.raises(InvalidInputError, match="unknown key 'foo_token'"):
        ours.add_special_tokens({"foo_token": "x"})


def test_special_attributes_and_ids(minilm):
    assert (minilm.cls_token, minilm.cls_token_id, minilm.sep_token_id, minilm.pad_token_id) == ("[CLS]", 101, 102, 0)
    assert minilm.unk_token_id == 100 and minilm.mask_token_id == 103 and minilm.bos_token is None
    assert minilm.convert_tokens_to_ids("not-a-token-at-all") == 100
    assert minilm.convert_ids_to_tokens([101, 102], skip_special_tokens=True) == []
    assert minilm.num_special_tokens_to_add(pair=True) == 3
    assert minilm.truncation_side == "right"
    with pytest.raises(ConfigError, match="padding_side"):
        minilm.padding_side = "middle"
