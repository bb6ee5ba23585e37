"""The tokenizer inside a GGUF file, built as transformers' GGUF converter builds it.

Follows transformers' ``integrations/gguf`` tokenizer mapping for ``tokenizer.ggml.model == "gpt2"``
(byte-level BPE, e.g. SmolLM2, Llama 3, Qwen 2):

- the vocabulary is ``tokenizer.ggml.tokens`` in file order (id = position); a token not spelled in
  the byte-level alphabet is respelled byte by byte, as the converter does;
- the merges are ``tokenizer.ggml.merges`` ("a b" strings);
- tokens of llama.cpp type 3 (control) become special added tokens, type 4 (user-defined) plain
  added tokens, both never normalized;
- pre-tokenizer: GPT-2's ``ByteLevel`` (no prefix space), or, for the ``tokenizer.ggml.pre`` names
  whose regex transformers knows (``llama-bpe`` ...), that regex as a ``Split`` then ``ByteLevel``
  without its own regex; template ``$A`` / ``$A $B:1`` (``<bos> $A`` when ``add_bos_token``);
  ``ByteLevel`` decoder;
- special tokens from the ``*_token_id`` keys, the chat template from ``tokenizer.chat_template``.

SentencePiece vocabularies (``tokenizer.ggml.model == "llama"``) are not converted yet and raise
``UnsupportedError`` (no offline GGUF asset has one to test against).
"""

from __future__ import annotations

import os
from typing import Any

from lexica.errors import TokenizerFileError, UnsupportedError
from lexica.tokenizers.bytes_unicode import BYTES_TO_UNICODE
from lexica.tokenizers.tokenizer import Tokenizer

__all__ = ["gguf_backend"]

_ALPHABET = frozenset(BYTES_TO_UNICODE.values())
_CONTROL, _USER_DEFINED = 3, 4

# tokenizer.ggml.pre -> split regex (llama.cpp's pre-tokenizer names; the regexes are Llama 3's and GPT-4o's).
_LLAMA3_SPLIT = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}"
    r"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)
_GPT4O_SPLIT = (
    r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?"
    r"|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?"
    r"|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)
_SPLITS = {
    **dict.fromkeys(("llama3", "llama-v3", "llama-bpe", "falcon3", "smaug-bpe", "dbrx"), _LLAMA3_SPLIT),
    **dict.fromkeys(("gpt-4o", "llama4"), _GPT4O_SPLIT),
}

_SPECIAL_IDS = {"bos_token": "bos_token_id", "eos_token": "eos_token_id", "unk_token": "unk_token_id",
                "pad_token": "pad_token_id"}


def gguf_backend(path: str | os.PathLike[str]) -> tuple[Tokenizer, dict[str, Any]]:
    """(the pipeline, a tokenizer_config.json-style dict) for the tokenizer of a GGUF file."""
    from lexica.models.gguf import read_gguf_metadata

    data = read_gguf_metadata(path).tokenizer
    where = os.fspath(path)
    if data.model != "gpt2":
        raise UnsupportedError(
            f"{where}: tokenizer.ggml.model is {data.model!r}; only 'gpt2' (byte-level BPE) is supported "
            "here; 'llama' (SentencePiece) vocabularies inside GGUF files are not converted yet: use the "
            "model's tokenizer.json or tokenizer.model instead"
        )
    if not data.tokens:
        raise TokenizerFileError(f"{where}: tokenizer.ggml.tokens is missing or empty")
    config: dict[str, Any] = {"tokenizer_class": "PreTrainedTokenizerFast"}
    for name, key in _SPECIAL_IDS.items():
        token_id = getattr(data, key)
        if token_id is not None:
            if not 0 <= token_id < len(data.tokens):
                raise TokenizerFileError(f"{where}: tokenizer.ggml.{key} = {token_id} is outside the vocabulary")
            config[name] = data.tokens[token_id]
    if data.chat_template:
        config["chat_template"] = data.chat_template
    add_bos = bool(data.add_bos_token)
    config["add_bos_token"] = add_bos
    return Tokenizer.from_dict(_tokenizer_json(data, config.get("bos_token") if add_bos else None)), config


def _tokenizer_json(data: Any, bos_token: str | None) -> dict[str, Any]:
    vocab = {_respell(token): index for index, token in enumerate(data.tokens)}
    types = data.token_type or [1] * len(data.tokens)
    added = [
        {"id": i, "content": token, "single_word": False, "lstrip": False, "rstrip": False,
         "normalized": False, "special": kind == _CONTROL}
        for i, (token, kind) in enumerate(zip(data.tokens, types))
        # the converter skips control tokens spelled outside the byte alphabet (llama.cpp mislabels)
        if (kind == _CONTROL and set(token) <= _ALPHABET) or kind == _USER_DEFINED
    ]
    split = _SPLITS.get(data.pre or "")
    if split is None:
        pre_tokenizer = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}
    else:
        pre_tokenizer = {"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": split}, "behavior": "Isolated", "invert": False},
            {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": False},
        ]}
    single: list[dict[str, Any]] = [{"Sequence": {"id": "A", "type_id": 0}}]
    pair = single + [{"Sequence": {"id": "B", "type_id": 1}}]
    special: dict[str, Any] = {}
    if bos_token is not None:
        bos = {"SpecialToken": {"id": bos_token, "type_id": 0}}
        single, pair = [bos, *single], [bos, *pair]
        special[bos_token] = {"id": bos_token, "ids": [vocab[_respell(bos_token)]], "tokens": [bos_token]}
    return {
        "version": "1.0",
        "added_tokens": added,
        "normalizer": None,
        "pre_tokenizer": pre_tokenizer,
        "post_processor": {"type": "TemplateProcessing", "single": single, "pair": pair, "special_tokens": special},
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": "",
                  "end_of_word_suffix": "", "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                  "vocab": vocab, "merges": list(data.merges)},
    }


def _respell(token: str) -> str:
    if set(token) <= _ALPHABET:
        return token
    return "".join(BYTES_TO_UNICODE[b] for b in token.encode("utf-8"))
