"""model_from_dict: type dispatch, HF's type-less legacy objects, and errors that name the JSON path."""

from __future__ import annotations

import pytest

from models_oracle import hf_model_json, hf_tokenizer
from lexica.errors import TokenizerFileError, UnsupportedError
from lexica.tokenizers.models import BPE, MODELS, WordLevel, WordPiece, model_from_dict

VOCAB = {"<unk>": 0, "a": 1, "b": 2, "ab": 3, "c": 4, "##b": 5}


@pytest.mark.parametrize(
    ("d", "cls"),
    [
        ({"vocab": VOCAB, "merges": ["a b"]}, BPE),
        ({"vocab": VOCAB, "merges": [["a", "b"]], "unk_token": "<unk>"}, BPE),
        ({"vocab": VOCAB, "unk_token": "<unk>"}, WordLevel),
        ({"vocab": VOCAB, "unk_token": "<unk>", "continuing_subword_prefix": "##"}, WordLevel),
        (
            {"vocab": VOCAB, "unk_token": "<unk>", "continuing_subword_prefix": "##", "max_input_chars_per_word": 5},
            WordPiece,
        ),
    ],
)
def test_typeless_objects_are_inferred_like_hf(d: dict, cls: type) -> None:
    model = model_from_dict(d)
    assert isinstance(model, cls)
    pytest.importorskip("tokenizers")
    expected = hf_model_json(hf_tokenizer(d))
    ours = model.to_dict()
    if isinstance(model, BPE) and isinstance(d["merges"][0], str):
        ours["merges"] = [m.split(" ") for m in ours["merges"]]
    assert ours == expected


def test_unknown_type_lists_the_supported_ones() -> None:
    with pytest.raises(UnsupportedError) as err:
        model_from_dict({"type": "Foo", "vocab": VOCAB})
    message = str(err.value)
    assert "model.type" in message and "'Foo'" in message
    for name in MODELS:
        assert name in message
    assert type(model_from_dict({"vocab": [["a", 0.0]]})).__name__ == "Unigram"
    with pytest.raises(UnsupportedError):
        model_from_dict({"type": None, "vocab": VOCAB, "merges": []})


@pytest.mark.parametrize(
    ("d", "where"),
    [
        ("not a dict", "model"),
        ({"type": "BPE", "vocab": VOCAB}, "'merges'"),
        ({"type": "BPE", "merges": []}, "'vocab'"),
        ({"type": "BPE", "vocab": [], "merges": []}, "model.vocab"),
        ({"type": "BPE", "vocab": {"a": -1}, "merges": []}, r'model\.vocab\["a"\]'),
        ({"type": "BPE", "vocab": {"a": 1.5}, "merges": []}, r'model\.vocab\["a"\]'),
        ({"type": "BPE", "vocab": {"a": True}, "merges": []}, r'model\.vocab\["a"\]'),
        ({"type": "BPE", "vocab": {"a": 2**32}, "merges": []}, r'model\.vocab\["a"\]'),
        ({"type": "BPE", "vocab": VOCAB, "merges": None}, "model.merges"),
        ({"type": "BPE", "vocab": VOCAB, "merges": ["a b", "a b c"]}, r"model.merges\[1\]"),
        ({"type": "BPE", "vocab": VOCAB, "merges": ["a b", "ab"]}, r"model.merges\[1\]"),
        ({"type": "BPE", "vocab": VOCAB, "merges": ["a  b"]}, r"model.merges\[0\]"),
        ({"type": "BPE", "vocab": VOCAB, "merges": ["a b", ["a", "b"]]}, r"model.merges\[1\]"),
        ({"type": "BPE", "vocab": VOCAB, "merges": [["a", "b"], ["a", "b", "c"]]}, r"model.merges\[1\]"),
        ({"type": "BPE", "vocab": VOCAB, "merges": [["a", 1]]}, r"model.merges\[0\]"),
        ({"type": "BPE", "vocab": VOCAB, "merges": ["a b", "c c", "a x"]}, r"model.merges\[1\]"),
        ({"type": "BPE", "vocab": VOCAB, "merges": ["a b", "a x"]}, r"model.merges\[1\].*'x'"),
        ({"type": "BPE", "vocab": VOCAB, "merges": ["a c"]}, r"model.merges\[0\].*'ac'"),
        ({"type": "BPE", "vocab": VOCAB, "merges": [], "dropout": 1.5}, "model.dropout"),
        ({"type": "BPE", "vocab": VOCAB, "merges": [], "dropout": "0.1"}, "model.dropout"),
        ({"type": "BPE", "vocab": VOCAB, "merges": [], "unk_token": 5}, "model.unk_token"),
        ({"type": "BPE", "vocab": VOCAB, "merges": [], "fuse_unk": "yes"}, "model.fuse_unk"),
        ({"type": "BPE", "vocab": VOCAB, "merges": [], "continuing_subword_prefix": 1}, "continuing_subword_prefix"),
        ({"type": "WordPiece", "vocab": VOCAB, "unk_token": "<unk>"}, "'continuing_subword_prefix'"),
        (
            {"type": "WordPiece", "vocab": VOCAB, "unk_token": "<unk>", "continuing_subword_prefix": "##",
             "max_input_chars_per_word": -1},
            "model.max_input_chars_per_word",
        ),
        ({"type": "WordLevel", "vocab": VOCAB}, "'unk_token'"),
        ({"type": "WordLevel", "vocab": VOCAB, "unk_token": None}, "model.unk_token"),
        ({"merges": []}, "match no model"),
    ],
)
def test_malformed_values_name_the_json_path(d: object, where: str) -> None:
    with pytest.raises(TokenizerFileError, match=where):
        model_from_dict(d)  # type: ignore[arg-type]


def test_hf_rejects_what_we_reject() -> None:
    """Spot-check that the errors above are errors in HF too (not lexica being stricter)."""
    pytest.importorskip("tokenizers")
    for d in [
        {"type": "BPE", "vocab": VOCAB, "merges": ["a b c"]},
        {"type": "BPE", "vocab": VOCAB, "merges": ["a x"]},
        {"type": "BPE", "vocab": VOCAB, "merges": ["a c"]},
        {"type": "BPE", "vocab": VOCAB, "merges": ["a b", ["a", "b"]]},
        {"type": "BPE", "vocab": {"a": -1}, "merges": []},
        {"type": "BPE", "vocab": VOCAB, "merges": [], "dropout": 1.5},
        {"type": "WordLevel", "vocab": VOCAB},
    ]:
        with pytest.raises(Exception):
            hf_tokenizer(d)


def test_custom_path_is_used_in_messages() -> None:
    with pytest.raises(TokenizerFileError, match=r"tokenizer\.json: model\.merges\[0\]"):
        model_from_dict({"type": "BPE", "vocab": VOCAB, "merges": ["a x"]}, path="tokenizer.json: model")


def test_unknown_keys_are_ignored_like_hf() -> None:
    model = model_from_dict({"type": "BPE", "vocab": VOCAB, "merges": [], "foo": 1})
    assert "foo" not in model.to_dict()


def test_errors_are_value_errors() -> None:
    with pytest.raises(ValueError):
        model_from_dict({"type": "BPE", "vocab": VOCAB, "merges": ["a x"]})


# ---- legacy files: vocab.json + merges.txt ------------------------------------------------------


def _write_files(tmp_path, merges_text: str):
    import json

    vocab = tmp_path / "vocab.json"
    vocab.write_text(json.dumps(VOCAB), encoding="utf-8")
    merges = tmp_path / "merges.txt"
    merges.write_bytes(merges_text.encode("utf-8"))
    return vocab, merges


@pytest.mark.parametrize("text", ["#version: 0.2\na b\n", "a b", "#version: 0.2\r\na b\r\n", "a b\n#version x\n"])
def test_merges_txt_read_like_hf(tmp_path, text: str) -> None:
    tokenizers = pytest.importorskip("tokenizers")
    vocab, merges = _write_files(tmp_path, text)
    from lexica.tokenizers.models.bpe import read_merges_txt

    hf_vocab, hf_merges = tokenizers.models.BPE.read_file(str(vocab), str(merges))
    assert read_merges_txt(merges) == [tuple(m) for m in hf_merges]
    model = BPE.from_files(vocab, merges, unk_token="<unk>")
    hf = tokenizers.Tokenizer(tokenizers.models.BPE.from_file(str(vocab), str(merges), unk_token="<unk>"))
    assert model.to_dict() == hf_model_json(hf)
    assert [tuple(t) for t in model.tokenize("abcx")] == [
        (i, t, tuple(o)) for i, t, o in zip(*(lambda e: (e.ids, e.tokens, e.offsets))(hf.encode("abcx")))
    ]


def test_legacy_file_errors(tmp_path) -> None:
    vocab, merges = _write_files(tmp_path, "#version: 0.2\na b\na b c\n")
    with pytest.raises(TokenizerFileError, match=r"merges\.txt.*line 3"):
        BPE.from_files(vocab, merges)
    vocab, merges = _write_files(tmp_path, "a x\n")
    with pytest.raises(TokenizerFileError, match=r"merges\[0\].*'x'"):
        BPE.from_files(vocab, merges)
    with pytest.raises(TokenizerFileError, match="nope.json"):
        BPE.from_files(tmp_path / "nope.json", merges)
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(TokenizerFileError, match="not valid JSON"):
        BPE.from_files(bad, merges)
    bad.write_text('{"a": "x"}', encoding="utf-8")
    with pytest.raises(TokenizerFileError, match=r'vocab\["a"\]'):
        BPE.from_files(bad, merges)
