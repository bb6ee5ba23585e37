"""A folder with a SentencePiece ``tokenizer.model`` (Mistral's, BPE with byte fallback) through the high-level
tokenizer, against the ``sentencepiece`` library (ids, pieces, decode) and, when protobuf is installed so
that transformers can read ``.model`` files, against transformers' AutoTokenizer field by field.

The pipeline comes from ``lexica.tokenizers.sentencepiece`` (issue 4); until that module imports, these
tests skip and say so."""

from __future__ import annotations

import json
import shutil

import pytest
from hostile import hf_safe, hostile_strings
from tok_parity import compare

pytest.importorskip(
    "lexica.tokenizers.sentencepiece",
    reason="lexica.tokenizers.sentencepiece (the .model reader of issue 4) is not importable yet",
)
spm = pytest.importorskip("sentencepiece")

from lexica.tokenization import AutoTokenizer  # noqa: E402

TEXTS = [hf_safe(t) for name, t in hostile_strings() if name not in {"long_word_100k", "long_cjk_run"}]
MODELS = ["tokenizer.model.v1", "mistral_instruct_tokenizer_241114.model.v7"]


@pytest.fixture(scope="module", params=MODELS)
def spm_folder(request, mistral_data_dir, tmp_path_factory):
    source = mistral_data_dir / request.param
    if not source.exists():
        pytest.skip(f"offline asset {source} is missing")
    folder = tmp_path_factory.mktemp("spm")
    shutil.copy(source, folder / "tokenizer.model")
    return folder


def test_bare_model_matches_sentencepiece(spm_folder, tmp_path):
    """With split_special_tokens (SentencePiece reads "<s>" in the text as plain text), exactly sentencepiece."""
    folder = tmp_path / "split"
    shutil.copytree(spm_folder, folder)
    (folder / "tokenizer_config.json").write_text(json.dumps({"split_special_tokens": True}))
    ours = AutoTokenizer.from_pretrained(folder)
    sp = spm.SentencePieceProcessor(model_file=str(folder / "tokenizer.model"))
    assert len(ours) == sp.get_piece_size()
    assert (ours.unk_token_id, ours.bos_token_id, ours.eos_token_id) == (sp.unk_id(), sp.bos_id(), sp.eos_id())
    for text in TEXTS:
        ids = sp.encode(text)
        assert ours.tokenize(text) == sp.encode(text, out_type=str), text
        assert ours(text)["input_ids"] == ids, text  # a bare .model adds no bos/eos, as sentencepiece
        assert ours.decode(ids) == sp.decode(ids), text
    batch = ours(TEXTS[:10])["input_ids"]
    assert batch == [sp.encode(t) for t in TEXTS[:10]]


def test_special_tokens_in_the_text_by_default(spm_folder):
    """transformers' default (split_special_tokens=False): control tokens written in the text are tokens."""
    ours = AutoTokenizer.from_pretrained(spm_folder)
    sp = spm.SentencePieceProcessor(model_file=str(spm_folder / "tokenizer.model"))
    assert ours("a</s>b")["input_ids"] == [*sp.encode("a"), sp.eos_id(), *sp.encode("b")]  # as transformers
    assert "</s>" not in ours.decode(ours("a</s>b")["input_ids"], skip_special_tokens=True)


def test_add_bos_token_from_the_config(spm_folder, tmp_path):
    folder = tmp_path / "bos"
    shutil.copytree(spm_folder, folder)
    (folder / "tokenizer_config.json").write_text(json.dumps(
        {"tokenizer_class": "LlamaTokenizer", "add_bos_token": True, "add_eos_token": True}))
    ours = AutoTokenizer.from_pretrained(folder)
    sp = spm.SentencePieceProcessor(model_file=str(folder / "tokenizer.model"))
    assert ours("Hello world")["input_ids"] == [sp.bos_id(), *sp.encode("Hello world"), sp.eos_id()]
    pair = ours("a", "b")["input_ids"]
    assert pair == [sp.bos_id(), *sp.encode("a"), sp.eos_id(), sp.bos_id(), *sp.encode("b"), sp.eos_id()]
    assert ours.padding_side == "left"  # transformers' LlamaTokenizer pads on the left
    ours.pad_token = ours.unk_token
    out = ours(["Hello world", "a"], padding=True, return_tensors="pt")
    assert out["attention_mask"].tolist()[1][0] == 0


def test_bare_model_matches_transformers(spm_folder, hf_auto):
    pytest.importorskip("google.protobuf", reason="transformers needs protobuf to read .model files")
    ours, hf = AutoTokenizer.from_pretrained(spm_folder), hf_auto.from_pretrained(str(spm_folder))
    ours.pad_token = hf.pad_token = ours.unk_token
    hf.padding_side = ours.padding_side
    pairs = TEXTS[7:] + TEXTS[:7]
    for options in ({}, {"padding": True, "return_offsets_mapping": True},
                    {"truncation": True, "max_length": 9, "return_overflowing_tokens": True, "stride": 3}):
        for args in ((TEXTS,), (TEXTS, pairs)):
            assert compare(ours, hf, args, args, options) is None, options


def test_save_pretrained_round_trip(spm_folder, hf_auto, tmp_path):
    """The saved tokenizer.json loads in transformers (no protobuf needed) and encodes as the .model does;
    legacy_format=True copies the .model, and that folder alone loads back identically."""
    ours = AutoTokenizer.from_pretrained(spm_folder)
    written = ours.save_pretrained(tmp_path / "saved", legacy_format=True)
    assert sorted(p.rsplit("/", 1)[-1] for p in written) == ["tokenizer.json", "tokenizer.model", "tokenizer_config.json"]
    assert (tmp_path / "saved" / "tokenizer.model").read_bytes() == (spm_folder / "tokenizer.model").read_bytes()
    hf = hf_auto.from_pretrained(str(tmp_path / "saved"))
    again = AutoTokenizer.from_pretrained(tmp_path / "saved")
    (tmp_path / "saved" / "tokenizer.json").unlink()
    model_only = AutoTokenizer.from_pretrained(tmp_path / "saved")
    for other in (hf, again, model_only):
        other.padding_side = ours.padding_side
        for args in ((TEXTS,), (TEXTS, TEXTS[::-1])):
            assert compare(ours, other, args, args, {"return_offsets_mapping": True}) is None
