"""save_pretrained (transformers' v5 layout, legacy files) and apply_chat_template.

Round trip: what lexica saves loads in lexica and in transformers' AutoTokenizer, and both encode
exactly as the tokenizer that was saved. The chat template is SmolLM2's ChatML, rendered as transformers
renders it."""

from __future__ import annotations

import json
import os
import sys

import pytest
from hostile import hf_safe, hostile_strings
from tok_parity import compare

from lexica.tokenization import AutoTokenizer

TEXTS = [hf_safe(t) for name, t in hostile_strings() if name not in {"long_word_100k", "long_cjk_run"}][:24]
OPTIONS = [
    {},
    {"padding": True, "return_offsets_mapping": True},
    {"truncation": True, "max_length": 7, "return_overflowing_tokens": True, "stride": 2, "padding": True},
]
CHAT = [
    {"role": "system", "content": "You are a helpful assistant."},
    {"role": "user", "content": "What is the capital of France?"},
    {"role": "assistant", "content": "Paris."},
    {"role": "user", "content": "And of Italy? <|im_end|> ünïcødé 🎉"},
]


def _roundtrip(ours, hf_auto, folder, legacy_format=None):
    written = ours.save_pretrained(folder, legacy_format=legacy_format)
    assert all(os.path.isfile(p) for p in written)
    assert not [n for n in os.listdir(folder) if n.startswith(".lexica-")]  # no temporary files left
    again = AutoTokenizer.from_pretrained(folder)
    hf = hf_auto.from_pretrained(str(folder))
    for tokenizer in (again, hf):
        assert len(tokenizer) == len(ours)
        assert tokenizer.padding_side == ours.padding_side and tokenizer.pad_token == ours.pad_token
        assert sorted(tokenizer.all_special_tokens) == sorted(ours.all_special_tokens)
    for options in OPTIONS:
        for args in ((TEXTS,), (TEXTS, TEXTS[::-1])):
            assert compare(again, ours, args, args, options) is None, options
            assert compare(again, hf, args, args, options) is None, options
    return again, hf


@pytest.mark.parametrize("name", ["minilm", "gpt2", "deepseek", "smollm"])
def test_save_pretrained_round_trip(pairs, hf_auto, tmp_path, name):
    ours, _ = pairs(name)
    again, hf = _roundtrip(ours, hf_auto, tmp_path / name)
    config = json.loads((tmp_path / name / "tokenizer_config.json").read_text())
    assert config["backend"] == "tokenizers" and config["tokenizer_class"] == ours.tokenizer_class
    assert "added_tokens_decoder" not in config  # v5 layout: the added tokens live in tokenizer.json
    assert again.model_max_length == hf.model_max_length == ours.model_max_length
    tokenizer_json = json.loads((tmp_path / name / "tokenizer.json").read_text())
    assert tokenizer_json["padding"] is None and tokenizer_json["truncation"] is None


def test_save_keeps_added_tokens_and_settings(minilm_dir, hf_auto, tmp_path):
    ours = AutoTokenizer.from_pretrained(minilm_dir)
    ours.add_tokens(["newword"])
    ours.add_special_tokens({"additional_special_tokens": ["<ent>"]})
    ours.padding_side, ours.truncation_side = "left", "left"
    again, hf = _roundtrip(ours, hf_auto, tmp_path / "added")
    assert again.additional_special_tokens == ["<ent>"] and "<ent>" in hf.all_special_tokens
    for tokenizer in (again, hf):
        assert tokenizer.convert_tokens_to_ids(["newword", "<ent>"]) == [30522, 30523]
        assert tokenizer.truncation_side == "left"
    config = json.loads((tmp_path / "added" / "tokenizer_config.json").read_text())
    assert config["extra_special_tokens"] == ["<ent>"] and config["clean_up_tokenization_spaces"] is True


@pytest.mark.parametrize(("name", "files"), [("minilm", ["vocab.txt"]), ("gpt2", ["vocab.json", "merges.txt"])])
def test_legacy_format_files_load_alone(pairs, hf_auto, gpt2_files, tmp_path, name, files):
    """legacy_format=True also writes the old vocabulary files; a folder with only those (and the config)
    encodes like the tokenizer.json, in lexica and in transformers."""
    ours, hf = pairs(name)
    folder = tmp_path / name
    written = ours.save_pretrained(folder, legacy_format=True)
    assert [os.path.basename(p) for p in written][-len(files):] == files
    os.remove(folder / "tokenizer.json")
    if name == "gpt2":
        # the same vocabulary and merges as the asset the transformers oracle was loaded from (loading
        # vocab.json + merges.txt in transformers takes ~10 s, so it is not done twice)
        vocab, merges = gpt2_files
        assert json.loads((folder / "vocab.json").read_text()) == json.loads(vocab.read_text())
        assert (folder / "merges.txt").read_text().split("\n")[1:] == vocab_lines(merges)
        (folder / "config.json").write_text('{"model_type": "gpt2"}')  # transformers 5 picks the class from it
    else:
        hf = hf_auto.from_pretrained(str(folder))
    again = AutoTokenizer.from_pretrained(folder)
    hf.padding_side = again.padding_side
    for options in OPTIONS:
        for args in ((TEXTS,), (TEXTS, TEXTS[::-1])):
            assert compare(again, ours, args, args, options) is None, options
            assert compare(again, hf, args, args, options) is None, options


def vocab_lines(merges_file) -> list[str]:
    """merges.txt lines after the "#version" header, with a final empty line as written."""
    lines = [ln for ln in merges_file.read_text(encoding="utf-8").split("\n")[1:] if ln]
    return [*lines, ""]


def test_legacy_format_unsupported_model(pairs, tmp_path, monkeypatch):
    from lexica.errors import UnsupportedError
    from lexica.tokenization import saving

    ours, _ = pairs("minilm")
    monkeypatch.setattr(saving, "WordPiece", type("Other", (), {}))
    with pytest.raises(UnsupportedError, match=r"no legacy vocabulary format for a WordPiece model; supported"):
        ours.save_pretrained(tmp_path / "x", legacy_format=True)


def test_save_into_a_file_path(pairs, tmp_path):
    from lexica.errors import InvalidInputError

    (tmp_path / "file").write_text("x")
    with pytest.raises(InvalidInputError, match="is a file"):
        pairs("minilm")[0].save_pretrained(tmp_path / "file")


# ---------------------------------------------------------------- chat template
def test_chat_template_matches_transformers(pairs, tmp_path):
    pytest.importorskip("jinja2")
    torch = pytest.importorskip("torch")
    ours, hf = pairs("smollm")
    assert ours.chat_template == hf.chat_template and "<|im_start|>" in ours.chat_template
    for generation in (False, True):
        text = ours.apply_chat_template(CHAT, add_generation_prompt=generation, tokenize=False)
        assert text == hf.apply_chat_template(CHAT, add_generation_prompt=generation, tokenize=False)
        assert text.startswith("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n")
        assert text.endswith("<|im_start|>assistant\n") == generation
        ids = ours.apply_chat_template(CHAT, add_generation_prompt=generation, return_dict=False)
        assert ids == hf.apply_chat_template(CHAT, add_generation_prompt=generation, return_dict=False)
        assert ids[0] == 1  # <|im_start|>
    batch = [CHAT[:2], CHAT]
    ours_out = ours.apply_chat_template(batch, add_generation_prompt=True, padding=True, return_tensors="pt")
    hf_out = hf.apply_chat_template(batch, add_generation_prompt=True, padding=True, return_tensors="pt",
                                    return_dict=True)
    assert torch.equal(ours_out["input_ids"], hf_out["input_ids"])
    assert torch.equal(ours_out["attention_mask"], hf_out["attention_mask"])
    continued = ours.apply_chat_template(CHAT[:3], continue_final_message=True, tokenize=False)
    assert continued == hf.apply_chat_template(CHAT[:3], continue_final_message=True, tokenize=False)
    assert continued.endswith("Paris.")
    ours.save_pretrained(tmp_path / "chat")
    assert (tmp_path / "chat" / "chat_template.jinja").read_text() == ours.chat_template
    assert AutoTokenizer.from_pretrained(tmp_path / "chat").chat_template == ours.chat_template


def test_chat_template_errors(pairs):
    pytest.importorskip("jinja2")
    from lexica.errors import ConfigError, InvalidInputError

    minilm, _ = pairs("minilm")
    with pytest.raises(ConfigError, match="has no chat template"):
        minilm.apply_chat_template(CHAT)
    smollm, _ = pairs("smollm")
    with pytest.raises(InvalidInputError, match="expected a non-empty list"):
        smollm.apply_chat_template([])
    with pytest.raises(InvalidInputError, match=r"conversation\[0\]\[0\]: expected a dict"):
        smollm.apply_chat_template(["hello"])
    with pytest.raises(ConfigError, match="not a valid Jinja2 template"):
        smollm.apply_chat_template(CHAT, chat_template="{% if %}")


def test_chat_template_without_jinja2(pairs, monkeypatch):
    from lexica.errors import UnsupportedError
    from lexica.tokenization import chat

    smollm, _ = pairs("minilm")  # any tokenizer: the template is passed in
    monkeypatch.setitem(sys.modules, "jinja2", None)
    chat._compile.cache_clear()
    try:
        with pytest.raises(UnsupportedError, match="apply_chat_template needs jinja2: pip install jinja2"):
            smollm.apply_chat_template(CHAT, chat_template="{{ messages[0]['content'] }} no cache")
    finally:
        chat._compile.cache_clear()
