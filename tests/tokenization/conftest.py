"""Fixtures for the high-level tokenizer tests: folders made from the offline assets, and the
transformers oracles, each loaded once per session (transformers' GGUF tokenizer takes ~35 s)."""

from __future__ import annotations

import logging
import pathlib
import shutil
import sys

import pytest

# The hostile strings live next to the low-level tokenizer tests.
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "tokenizers"))

SMOLLM_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"


@pytest.fixture(scope="session")
def gpt2_dir(gpt2_files, tmp_path_factory) -> pathlib.Path:
    """vocab.json + merges.txt, and a config.json (transformers 5 needs it to pick GPT2Tokenizer)."""
    folder = tmp_path_factory.mktemp("gpt2")
    vocab, merges = gpt2_files
    shutil.copy(vocab, folder / "vocab.json")
    shutil.copy(merges, folder / "merges.txt")
    (folder / "config.json").write_text('{"model_type": "gpt2"}')
    return folder


@pytest.fixture(scope="session")
def deepseek_dir(litellm_tokenizers_dir, tmp_path_factory) -> pathlib.Path:
    folder = tmp_path_factory.mktemp("deepseek")
    shutil.copy(litellm_tokenizers_dir / "deepseek_tokenizer.json", folder / "tokenizer.json")
    return folder


@pytest.fixture(scope="session")
def hf_auto():
    transformers = pytest.importorskip("transformers")
    logging.getLogger("transformers").setLevel(logging.ERROR)
    return transformers.AutoTokenizer


_CACHE: dict[str, object] = {}


def _cached(key: str, make):
    if key not in _CACHE:
        _CACHE[key] = make()
    return _CACHE[key]


@pytest.fixture(scope="session")
def pairs(request, minilm_dir, hf_auto):
    """name -> (lexica tokenizer, transformers tokenizer); built lazily per name."""
    from lexica.tokenization import AutoTokenizer

    def get(name: str):
        def make():
            if name == "minilm":
                return AutoTokenizer.from_pretrained(minilm_dir), hf_auto.from_pretrained(str(minilm_dir))
            if name == "gpt2":
                folder = request.getfixturevalue("gpt2_dir")
                return AutoTokenizer.from_pretrained(folder), hf_auto.from_pretrained(str(folder))
            if name == "deepseek":
                folder = request.getfixturevalue("deepseek_dir")
                return AutoTokenizer.from_pretrained(folder), hf_auto.from_pretrained(str(folder))
            if name == "smollm":
                gguf = request.getfixturevalue("smollm_gguf")
                ours = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
                return ours, hf_auto.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
            raise KeyError(name)

        ours, hf = _cached(name, make)
        hf.padding_side = ours.padding_side  # lexica pads decoder-only tokenizers on the left by default
        hf.truncation_side = ours.truncation_side
        if ours.pad_token is None:  # GPT-2 and DeepSeek have none; the grid needs one to pad
            ours.pad_token = hf.pad_token = _first_special(ours)
        return ours, hf

    return get


def _first_special(tokenizer) -> str:
    return tokenizer.eos_token or next(iter(tokenizer.added_tokens_decoder.values())).content
