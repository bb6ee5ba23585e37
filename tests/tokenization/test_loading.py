"""Loading: tokenizer_config.json in transformers' v4 and v5 layouts, special_tokens_map.json,
added_tokens.json, the legacy vocabulary files, hub ids through huggingface_hub's cache, and the errors
for folders we cannot read. Folders are built in tmp_path from the offline assets; each loads in lexica
and in transformers' AutoTokenizer and must encode identically."""

from __future__ import annotations

import json
import pathlib
import shutil
import sys

import pytest
from hostile import hf_safe, hostile_strings
from tok_parity import compare

from lexica.errors import TokenizerFileError, UnsupportedError
from lexica.tokenization import AutoTokenizer

TEXTS = [hf_safe(t) for name, t in hostile_strings() if name not in {"long_word_100k", "long_cjk_run"}]
SAMPLE = ["Hello <ent>world</ent>!", "I've been waiting for a HuggingFace course my whole life.", *TEXTS[:12]]


def _same(ours, hf, texts=SAMPLE) -> None:
    """Same special tokens, sizes and encodings (single, batch with padding, pairs, offsets)."""
    assert len(ours) == len(hf) and ours.vocab_size == hf.vocab_size
    for attr in ("bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"):
        assert getattr(ours, attr) == getattr(hf, attr), attr
        assert getattr(ours, f"{attr}_id") == getattr(hf, f"{attr}_id"), attr
    assert sorted(ours.all_special_tokens) == sorted(hf.all_special_tokens)
    assert ours.get_added_vocab() == hf.get_added_vocab()
    options = {"return_offsets_mapping": True, "return_special_tokens_mask": True}
    for args in ((texts,), (texts, texts[::-1])):
        assert compare(ours, hf, args, args, options) is None
    if hf.pad_token is not None:
        assert compare(ours, hf, (texts,), (texts,), {"padding": True, "padding_side": "right"}) is None
    for text in texts:
        ids = hf.encode(text)
        # explicit clean-up: lexica's WordPiece default (True) differs from transformers 5's on purpose
        assert ours.decode(ids, skip_special_tokens=True, clean_up_tokenization_spaces=False) == hf.decode(
            ids, skip_special_tokens=True, clean_up_tokenization_spaces=False)


def _copy(src: pathlib.Path, dst: pathlib.Path, *names: str) -> pathlib.Path:
    dst.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copy(src / name, dst / name)
    return dst


def _token(content: str, special: bool = True, normalized: bool = False) -> dict:
    return {"__type": "AddedToken", "content": content, "lstrip": False, "normalized": normalized,
            "rstrip": False, "single_word": False, "special": special}


# ---------------------------------------------------------------- layouts
def test_vocab_txt_only_folder(minilm_dir, tmp_path, hf_auto):
    folder = _copy(minilm_dir, tmp_path / "bert", "vocab.txt", "tokenizer_config.json", "special_tokens_map.json")
    ours, hf = AutoTokenizer.from_pretrained(folder), hf_auto.from_pretrained(str(folder))
    _same(ours, hf)
    assert ours(["Héllo WORLD", "x"], padding=True)["input_ids"] == [[101, 7592, 2088, 102], [101, 1060, 102, 0]]


def test_tokenizer_config_v4_layout(minilm_dir, tmp_path, hf_auto):
    """v4: special tokens as AddedToken dicts, added_tokens_decoder, additional_special_tokens."""
    folder = _copy(minilm_dir, tmp_path / "v4", "tokenizer.json")
    decoder = {str(i): _token(t) for i, t in ((0, "[PAD]"), (100, "[UNK]"), (101, "[CLS]"), (102, "[SEP]"),
                                              (103, "[MASK]"), (30522, "<ent>"), (30523, "</ent>"))}
    decoder["30524"] = _token("huggingface", special=False, normalized=True)
    config = {"tokenizer_class": "BertTokenizer", "do_lower_case": True, "model_max_length": 256,
              "added_tokens_decoder": decoder, "additional_special_tokens": ["<ent>", "</ent>"],
              **{name: _token(tok) for name, tok in (("cls_token", "[CLS]"), ("sep_token", "[SEP]"),
                                                     ("pad_token", "[PAD]"), ("unk_token", "[UNK]"),
                                                     ("mask_token", "[MASK]"))}}
    (folder / "tokenizer_config.json").write_text(json.dumps(config))
    ours, hf = AutoTokenizer.from_pretrained(folder), hf_auto.from_pretrained(str(folder))
    _same(ours, hf)
    assert ours.model_max_length == hf.model_max_length == 256
    assert ours.additional_special_tokens == ["<ent>", "</ent>"]
    assert ours.convert_tokens_to_ids(["<ent>", "</ent>", "huggingface"]) == [30522, 30523, 30524]


def test_tokenizer_config_v5_layout(minilm_dir, tmp_path, hf_auto):
    """v5: special tokens as strings, extra_special_tokens, no added_tokens_decoder."""
    folder = _copy(minilm_dir, tmp_path / "v5", "tokenizer.json")
    config = {"backend": "tokenizers", "tokenizer_class": "BertTokenizer", "model_max_length": 512,
              "cls_token": "[CLS]", "sep_token": "[SEP]", "pad_token": "[PAD]", "unk_token": "[UNK]",
              "mask_token": "[MASK]", "extra_special_tokens": ["<ent>", "</ent>"], "padding_side": "left",
              "truncation_side": "left"}
    (folder / "tokenizer_config.json").write_text(json.dumps(config))
    ours, hf = AutoTokenizer.from_pretrained(folder), hf_auto.from_pretrained(str(folder))
    assert (ours.padding_side, ours.truncation_side) == (hf.padding_side, hf.truncation_side) == ("left", "left")
    _same(ours, hf)
    assert ours.additional_special_tokens == ["<ent>", "</ent>"]
    assert compare(ours, hf, (SAMPLE,), (SAMPLE,), {"truncation": True, "max_length": 6, "padding": True}) is None


def test_special_tokens_map_and_added_tokens_json(gpt2_dir, tmp_path, hf_auto):
    """Older saves: special_tokens_map.json names the tokens, added_tokens.json gives new ones their ids."""
    folder = _copy(gpt2_dir, tmp_path / "old", "vocab.json", "merges.txt", "config.json")
    (folder / "special_tokens_map.json").write_text(json.dumps(
        {"bos_token": "<|endoftext|>", "eos_token": "<|endoftext|>", "unk_token": "<|endoftext|>",
         "pad_token": "<|pad|>", "additional_special_tokens": ["<|sep|>"]}))
    (folder / "added_tokens.json").write_text(json.dumps({"<|pad|>": 50257, "<|sep|>": 50258}))
    ours, hf = AutoTokenizer.from_pretrained(folder), hf_auto.from_pretrained(str(folder))
    hf.padding_side = ours.padding_side
    _same(ours, hf, ["a<|sep|>b <|pad|>", *SAMPLE])
    assert (ours.pad_token, ours.pad_token_id) == ("<|pad|>", 50257)
    assert ours.convert_tokens_to_ids("<|sep|>") == 50258


def test_config_json_model_type_picks_the_class(gpt2_dir):
    assert AutoTokenizer.from_pretrained(gpt2_dir).tokenizer_class == "GPT2Tokenizer"


def test_overrides_at_load(minilm_dir):
    tokenizer = AutoTokenizer.from_pretrained(minilm_dir, padding_side="left", truncation_side="left",
                                              model_max_length=8)
    assert tokenizer(["a b c d e f g h i j", "a"], padding=True, truncation=True)["input_ids"] == [
        [101, 1041, 1042, 1043, 1044, 1045, 1046, 102], [0, 0, 0, 0, 0, 101, 1037, 102]]


# ---------------------------------------------------------------- hub ids
def _fake_hub_cache(root: pathlib.Path, repo_id: str, files: dict[str, pathlib.Path]) -> pathlib.Path:
    """huggingface_hub's cache layout: models--org--name/{refs/main, snapshots/<commit>/...}."""
    repo = root / ("models--" + repo_id.replace("/", "--"))
    commit = "0123456789abcdef0123456789abcdef01234567"
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(commit)
    snapshot = repo / "snapshots" / commit
    snapshot.mkdir(parents=True)
    for name, src in files.items():
        shutil.copy(src, snapshot / name)
    return snapshot


def test_hub_id_from_the_local_cache(minilm_dir, tmp_path):
    pytest.importorskip("huggingface_hub")
    _fake_hub_cache(tmp_path, "sentence-transformers/all-MiniLM-L6-v2",
                    {n: minilm_dir / n for n in ("tokenizer.json", "tokenizer_config.json", "vocab.txt")})
    tokenizer = AutoTokenizer.from_pretrained("sentence-transformers/all-MiniLM-L6-v2", cache_dir=str(tmp_path))
    assert tokenizer("This is the first sentence.")["input_ids"] == [101, 2023, 2003, 1996, 2034, 6251, 1012, 102]
    assert tokenizer.name_or_path == "sentence-transformers/all-MiniLM-L6-v2"


def test_hub_id_with_a_gguf_file(smollm_gguf, tmp_path):
    """A GGUF repository may hold only the .gguf file (the cache stores it as a symlink to a blob)."""
    pytest.importorskip("huggingface_hub")
    snapshot = _fake_hub_cache(tmp_path, "HuggingFaceTB/SmolLM2-135M-Instruct-GGUF", {})
    (snapshot / smollm_gguf.name).symlink_to(smollm_gguf)
    tokenizer = AutoTokenizer.from_pretrained("HuggingFaceTB/SmolLM2-135M-Instruct-GGUF", gguf_file=smollm_gguf.name,
                                              cache_dir=str(tmp_path))
    assert tokenizer("I've been waiting for a HuggingFace course my whole life.")["input_ids"] == [
        57, 3543, 719, 7003, 327, 253, 407, 19712, 28149, 1740, 957, 2444, 1029, 30]
    assert (tokenizer.bos_token, tokenizer.eos_token_id, tokenizer.padding_side) == ("<|im_start|>", 2, "left")


def test_hub_id_not_in_the_cache_explains_offline(tmp_path):
    pytest.importorskip("huggingface_hub")
    with pytest.raises(TokenizerFileError, match=r"nor in huggingface_hub's local cache.*does not download.*"
                                                 r"huggingface-cli download org/missing-model"):
        AutoTokenizer.from_pretrained("org/missing-model", cache_dir=str(tmp_path))


def test_hub_id_without_huggingface_hub(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "huggingface_hub", None)
    with pytest.raises(TokenizerFileError, match="huggingface_hub is not installed"):
        AutoTokenizer.from_pretrained("org/some-model")


# ---------------------------------------------------------------- errors
def test_folder_without_tokenizer_files_lists_what_it_looked_for(tmp_path):
    (tmp_path / "README.md").write_text("nothing here")
    with pytest.raises(TokenizerFileError) as err:
        AutoTokenizer.from_pretrained(tmp_path)
    message = str(err.value)
    for name in ("tokenizer.json", "vocab.txt", "vocab.json + merges.txt", "tokenizer.model", "spiece.model",
                 "gguf_file", "README.md"):
        assert name in message, name


def test_wrong_tokenizer_class_lists_the_supported_ones(minilm_dir, tmp_path):
    folder = _copy(minilm_dir, tmp_path / "bad", "tokenizer.json")
    (folder / "tokenizer_config.json").write_text(json.dumps({"tokenizer_class": "T5Tokenizer"}))
    with pytest.raises(UnsupportedError, match=r"tokenizer_class 'T5Tokenizer' is not supported; supported: "
                                               r"\[.*'BertTokenizer'.*'GPT2TokenizerFast'"):
        AutoTokenizer.from_pretrained(folder)


def test_a_file_instead_of_a_folder(minilm_dir):
    with pytest.raises(TokenizerFileError, match="is a file; pass the folder"):
        AutoTokenizer.from_pretrained(minilm_dir / "tokenizer.json")


def test_bad_json_names_the_file(minilm_dir, tmp_path):
    folder = _copy(minilm_dir, tmp_path / "badjson", "tokenizer.json")
    (folder / "tokenizer_config.json").write_text("{not json")
    with pytest.raises(TokenizerFileError, match=r"tokenizer_config.json: not valid JSON"):
        AutoTokenizer.from_pretrained(folder)


def test_missing_gguf_file(tmp_path):
    with pytest.raises(TokenizerFileError, match="gguf_file: .*does not exist"):
        AutoTokenizer.from_pretrained(tmp_path, gguf_file="model.gguf")


def test_sentencepiece_reader_missing_gives_a_clear_error(mistral_data_dir, tmp_path, monkeypatch):
    """Until lexica.tokenizers.sentencepiece imports, a .model folder says what is missing and the alternatives."""
    monkeypatch.setitem(sys.modules, "lexica.tokenizers.sentencepiece", None)
    folder = tmp_path / "spm"
    folder.mkdir()
    shutil.copy(mistral_data_dir / "tokenizer.model.v1", folder / "tokenizer.model")
    with pytest.raises(UnsupportedError, match=r"tokenizer.model: reading SentencePiece .model files needs "
                                               r"lexica.tokenizers.sentencepiece.*tokenizer.json"):
        AutoTokenizer.from_pretrained(folder)
