"""The Tokenizer's own API: loading errors, input checks, lone surrogates, truncation/padding
settings, batch input forms and atomic saving (the parity sweeps are in test_parity_*.py)."""

from __future__ import annotations

import gc
import json
import os
import pathlib

import pytest

from hostile import encoding_diff, lexica_outcome, outcome
from lexica.errors import InvalidInputError, LexicaError, TokenizerFileError, UnsupportedError
from lexica.tokenizers import Tokenizer

hf = pytest.importorskip("tokenizers")

FIXTURES = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "tokenizers"
BERT = FIXTURES / "bert_wordpiece.json"


@pytest.fixture
def bert() -> Tokenizer:
    return Tokenizer.from_file(BERT)


@pytest.fixture
def bert_json() -> dict:
    return json.loads(BERT.read_text(encoding="utf-8"))


# ------------------------------------------------------------------ loading errors


def test_malformed_json_names_position() -> None:
    with pytest.raises(TokenizerFileError, match=r"not valid JSON.*line 1 column"):
        Tokenizer.from_str('{"model": ')


def test_missing_model(bert_json: dict) -> None:
    del bert_json["model"]
    with pytest.raises(TokenizerFileError, match=r"^model: missing"):
        Tokenizer.from_str(json.dumps(bert_json))


def test_root_must_be_object() -> None:
    with pytest.raises(TokenizerFileError, match="expected a JSON object"):
        Tokenizer.from_str("[1, 2]")


def test_unknown_version(bert_json: dict) -> None:
    bert_json["version"] = "2.0"
    with pytest.raises(UnsupportedError, match=r"version: expected '1.0', found '2.0'"):
        Tokenizer.from_str(json.dumps(bert_json))


@pytest.mark.parametrize("stage", ["normalizer", "pre_tokenizer", "post_processor", "decoder", "model"])
def test_unknown_type_lists_supported(bert_json: dict, stage: str) -> None:
    bert_json[stage] = {"type": "NoSuchThing"}
    with pytest.raises(UnsupportedError, match=rf"{stage}\.type: .*NoSuchThing") as err:
        Tokenizer.from_str(json.dumps(bert_json))
    assert "[" in str(err.value)  # the list of supported types


def test_bad_added_token_names_path(bert_json: dict) -> None:
    bert_json["added_tokens"][2]["lstrip"] = "yes"
    with pytest.raises(TokenizerFileError, match=r"added_tokens\[2\]\.lstrip"):
        Tokenizer.from_str(json.dumps(bert_json))
    bert_json["added_tokens"][2]["lstrip"] = False
    bert_json["added_tokens"][1]["id"] = -1
    with pytest.raises(TokenizerFileError, match=r"added_tokens\[1\]\.id"):
        Tokenizer.from_str(json.dumps(bert_json))


def test_bad_merge_names_file_and_json_path(tmp_path: pathlib.Path) -> None:
    """The issue's example: a malformed merge names the file and ``model.merges[17]``."""
    data = json.loads((FIXTURES / "bpe_char_suffix.json").read_text(encoding="utf-8"))
    data["model"]["merges"][17] = ["a", "b", "c"]
    path = tmp_path / "tokenizer.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(TokenizerFileError, match=r"tokenizer\.json: model\.merges\[17\]"):
        Tokenizer.from_file(path)
    with pytest.raises(Exception):
        hf.Tokenizer.from_file(str(path))  # HF refuses it too


def test_bad_truncation_names_path(bert_json: dict) -> None:
    bert_json["truncation"] = {"max_length": "x", "stride": 0, "strategy": "LongestFirst", "direction": "Right"}
    with pytest.raises(TokenizerFileError, match=r"truncation\.max_length"):
        Tokenizer.from_str(json.dumps(bert_json))


def test_bad_bytes_and_files(tmp_path: pathlib.Path) -> None:
    with pytest.raises(TokenizerFileError, match="not valid UTF-8"):
        Tokenizer.from_buffer(b'{"model": "\xff"}')
    with pytest.raises(TokenizerFileError, match="cannot read"):
        Tokenizer.from_file(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    with pytest.raises(TokenizerFileError, match=r"bad\.json: not valid JSON"):
        Tokenizer.from_file(bad)


def test_errors_are_lexica_and_value_errors() -> None:
    with pytest.raises(LexicaError):
        Tokenizer.from_str("nope")
    with pytest.raises(ValueError):
        Tokenizer.from_str("nope")


# ------------------------------------------------------------------ inputs


def test_lone_surrogates_become_replacement_chars(bert: Tokenizer) -> None:
    text = "ab\ud800cd \udfff"
    enc = bert.encode(text)
    same = bert.encode(text.replace("\ud800", "\ufffd").replace("\udfff", "\ufffd"))
    assert (enc.ids, enc.tokens, enc.offsets) == (same.ids, same.tokens, same.offsets)
    assert all(0 <= s <= e <= len(text) for s, e in enc.offsets)


def test_bad_inputs_raise_invalid_input(bert: Tokenizer) -> None:
    for call in (
        lambda: bert.encode(3),
        lambda: bert.encode(b"bytes"),
        lambda: bert.encode("a", 5),
        lambda: bert.encode("a b", is_pretokenized=True),
        lambda: bert.encode(["a", 3], is_pretokenized=True),
        lambda: bert.encode_batch("not a list"),
        lambda: bert.encode_batch([("a", "b", "c")]),
        lambda: bert.decode([1, -2]),
        lambda: bert.decode(["x"]),
        lambda: bert.add_tokens([3]),
    ):
        with pytest.raises(InvalidInputError):
            call()


def test_decode_skips_unknown_ids(bert: Tokenizer) -> None:
    ref = hf.Tokenizer.from_file(str(BERT))
    ids = [2, 10, 99999, 11, 3]
    assert bert.decode(ids) == ref.decode(ids)
    assert bert.decode(ids, skip_special_tokens=False) == ref.decode(ids, skip_special_tokens=False)


def test_batch_input_forms(bert: Tokenizer) -> None:
    ref = hf.Tokenizer.from_file(str(BERT))
    inputs = ["a b", ("a", "b"), ["c d", "e"]]
    for a, b in zip(bert.encode_batch(inputs), ref.encode_batch(inputs), strict=True):
        assert encoding_diff(a, b) is None
    pre = [["a", "b"], (["a"], ["b", "c"]), [["x"], ["y"]]]
    for a, b in zip(bert.encode_batch(pre, is_pretokenized=True), ref.encode_batch(pre, is_pretokenized=True)):
        assert encoding_diff(a, b) is None


def test_batch_leaves_the_collector_as_it_found_it(bert: Tokenizer) -> None:
    """encode_batch pauses Python's cycle collector (tokenizer._collector_paused) and gives it back
    in the state it found: on after a batch, after a batch that raised, and off when it was off."""
    assert gc.isenabled()
    seen = []
    bert.post_processor = _Recorder(bert.post_processor, seen)
    bert.encode_batch(["a b", "c"])
    assert seen == [False, False] and gc.isenabled()
    with pytest.raises(InvalidInputError, match=r"inputs\[1\]"):
        bert.encode_batch(["a b", 3])
    assert gc.isenabled()
    gc.disable()
    try:
        bert.encode_batch(["a b"])
        assert not gc.isenabled()
    finally:
        gc.enable()


class _Recorder:
    """A post-processor that notes whether the collector is on at each call."""

    def __init__(self, inner: object, seen: list[bool]) -> None:
        self.inner, self.seen = inner, seen

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    def process(self, *args: object) -> object:
        self.seen.append(gc.isenabled())
        return self.inner.process(*args)


def test_pair_without_post_processor() -> None:
    ours, ref = Tokenizer.from_file(BERT), hf.Tokenizer.from_file(str(BERT))
    ours.post_processor = ref.post_processor = None
    assert encoding_diff(ours.encode("hello there", "general"), ref.encode("hello there", "general")) is None


# ------------------------------------------------------------------ settings


def test_truncation_and_padding_settings(bert: Tokenizer) -> None:
    ref = hf.Tokenizer.from_file(str(BERT))
    assert bert.truncation is None and bert.padding is None
    for tok in (bert, ref):
        tok.enable_truncation(10, stride=2, strategy="only_first", direction="left")
        tok.enable_padding(direction="left", pad_id=1, pad_type_id=2, pad_token="<p>", length=12, pad_to_multiple_of=4)
    assert bert.truncation == ref.truncation
    assert bert.padding == ref.padding
    assert bert.to_str() == ref.to_str()
    for tok in (bert, ref):
        tok.no_truncation()
        tok.no_padding()
    assert bert.truncation is None and bert.padding is None
    assert bert.to_str() == ref.to_str()


def test_stride_too_large_is_refused(bert: Tokenizer) -> None:
    with pytest.raises(InvalidInputError, match="stride"):
        bert.enable_truncation(4, stride=3)  # BertProcessing adds 2: 4 - 2 < 3
    with pytest.raises(InvalidInputError, match="strategy"):
        bert.enable_truncation(8, strategy="middle_out")


def test_max_length_below_special_tokens_truncates_nothing(bert: Tokenizer) -> None:
    """max_length smaller than the special tokens the processor adds: HF's unsigned subtraction
    wraps around, so enable_truncation accepts any stride and encoding truncates nothing."""
    ref = hf.Tokenizer.from_file(str(BERT))
    text, pair = "hello world, this is a test", "and a pair"
    for max_length, stride in ((0, 0), (0, 3), (1, 0), (1, 5), (2, 0), (2, 1), (3, 1), (3, 2), (4, 1)):
        kinds = []
        for tok in (bert, ref):
            try:
                tok.enable_truncation(max_length, stride=stride)
                kinds.append("ok")
            except ValueError:  # HF: ValueError; lexica: InvalidInputError (a ValueError)
                kinds.append("error")
        assert kinds[0] == kinds[1], (max_length, stride, kinds)
        if kinds[0] == "error":
            with pytest.raises(InvalidInputError):
                bert.enable_truncation(max_length, stride=stride)
            continue
        assert bert.truncation == ref.truncation
        for args in ((text,), (text, pair)):
            theirs = outcome(ref.encode, *args)
            ours = lexica_outcome(bert.encode, *args)  # a window shorter than the stride is refused
            assert ours[0] == theirs[0], (max_length, stride, args)
            if ours[0] == "ok":
                assert encoding_diff(ours[1], theirs[1]) is None, (max_length, stride, args)
    bert.no_truncation()
    full = len(bert.encode(text).ids)
    for tok in (bert, ref):
        tok.enable_truncation(1)
    assert len(bert.encode(text).ids) == len(ref.encode(text).ids) == full > 1  # nothing truncated


def test_vocab_lookups(bert: Tokenizer) -> None:
    ref = hf.Tokenizer.from_file(str(BERT))
    assert bert.get_vocab() == ref.get_vocab()
    assert bert.get_vocab(False) == ref.get_vocab(False)
    for token in ("[CLS]", "the", "nope-not-there"):
        assert bert.token_to_id(token) == ref.token_to_id(token)
    for i in (0, 3, 100, 10**6):
        assert bert.id_to_token(i) == ref.id_to_token(i)


# ------------------------------------------------------------------ saving


def test_save_is_atomic_and_loadable(bert: Tokenizer, tmp_path: pathlib.Path) -> None:
    path = tmp_path / "tokenizer.json"
    bert.save(path)
    assert sorted(os.listdir(tmp_path)) == ["tokenizer.json"]  # no temp file left behind
    assert path.read_text(encoding="utf-8") == BERT.read_text(encoding="utf-8")
    assert hf.Tokenizer.from_file(str(path)).to_str() == bert.to_str()
    bert.save(path, pretty=False)
    assert path.read_text(encoding="utf-8") == bert.to_str()
    assert Tokenizer.from_file(path).to_str() == bert.to_str()


def test_save_into_missing_folder_raises(bert: Tokenizer, tmp_path: pathlib.Path) -> None:
    with pytest.raises(OSError):
        bert.save(tmp_path / "no" / "such" / "dir" / "t.json")


def test_post_process_is_public(bert: Tokenizer) -> None:
    raw = bert.encode("hello world", add_special_tokens=False)
    processed = bert.post_process(raw, None, True)
    assert processed.tokens[0] == "[CLS]" and processed.tokens[-1] == "[SEP]"
