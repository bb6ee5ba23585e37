"""Build a tokenizer pipeline from the files that came before ``tokenizer.json``.

Follows the pipelines transformers' converters build (``convert_slow_tokenizer.py`` and the v5 tokenizer
classes), so a folder with only legacy files encodes exactly as transformers does:

- ``vocab.txt`` (BERT, DistilBERT): ``BertNormalizer`` (``lowercase`` = ``do_lower_case``, accents and
  Chinese characters per the config), ``BertPreTokenizer``, ``WordPiece`` (``[UNK]``, ``##``, 100 chars),
  ``TemplateProcessing`` ``[CLS] $A [SEP]`` / ``[CLS] $A [SEP] $B:1 [SEP]:1``, ``WordPiece`` decoder.
- ``vocab.json`` + ``merges.txt`` (GPT-2): byte-level BPE, ``ByteLevel`` pre-tokenizer without a prefix
  space, a template that adds nothing (``$A`` / ``$A $B:1``), ``ByteLevel`` decoder.
  RoBERTa (``tokenizer_class`` RobertaTokenizer) uses ``RobertaProcessing`` ``<s> $A </s>`` /
  ``<s> $A </s> </s> $B </s>`` instead.
- SentencePiece ``.model`` files (``tokenizer.model``, ``spiece.model``): the pipeline of
  ``lexica.tokenizers.sentencepiece`` (issue 4); its template is set by ``PreTrainedTokenizer``.
- GGUF files: see :mod:`lexica.tokenization.gguf`.
"""

from __future__ import annotations

import importlib
import os
from typing import Any

from lexica.errors import UnsupportedError
from lexica.tokenizers import decoders, normalizers, pre_tokenizers, processors
from lexica.tokenizers.models import BPE, WordPiece
from lexica.tokenizers.tokenizer import Tokenizer

__all__ = ["bert_backend", "byte_level_bpe_backend", "sentencepiece_backend", "SENTENCEPIECE_FILES"]

SENTENCEPIECE_FILES = ("tokenizer.model", "spiece.model", "sentencepiece.bpe.model")


def bert_backend(vocab_file: str, config: dict[str, Any]) -> Tokenizer:
    """BERT's WordPiece pipeline from ``vocab.txt``; ``config`` is tokenizer_config.json (may be empty)."""
    unk = _token_str(config.get("unk_token"), "[UNK]")
    cls_token = _token_str(config.get("cls_token"), "[CLS]")
    sep_token = _token_str(config.get("sep_token"), "[SEP]")
    tokenizer = Tokenizer(WordPiece.from_vocab_file(vocab_file, unk_token=unk))
    tokenizer.normalizer = normalizers.normalizer_from_dict(
        {
            "type": "BertNormalizer",
            "clean_text": True,
            "handle_chinese_chars": bool(config.get("tokenize_chinese_chars", True)),
            "strip_accents": config.get("strip_accents"),
            "lowercase": bool(config.get("do_lower_case", True)),
        }
    )
    tokenizer.pre_tokenizer = pre_tokenizers.pre_tokenizer_from_dict({"type": "BertPreTokenizer"})
    cls_id, sep_id = _required_id(tokenizer, cls_token, vocab_file), _required_id(tokenizer, sep_token, vocab_file)
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{cls_token}:0 $A:0 {sep_token}:0",
        pair=f"{cls_token}:0 $A:0 {sep_token}:0 $B:1 {sep_token}:1",
        special_tokens=[(cls_token, cls_id), (sep_token, sep_id)],
    )
    tokenizer.decoder = decoders.decoder_from_dict({"type": "WordPiece", "prefix": "##", "cleanup": True})
    return tokenizer


def byte_level_bpe_backend(vocab_file: str, merges_file: str, config: dict[str, Any], roberta: bool) -> Tokenizer:
    """GPT-2 (or RoBERTa) byte-level BPE from ``vocab.json`` + ``merges.txt``."""
    add_prefix_space = bool(config.get("add_prefix_space", False))
    tokenizer = Tokenizer(BPE.from_files(vocab_file, merges_file, continuing_subword_prefix="", end_of_word_suffix=""))
    byte_level = {"add_prefix_space": add_prefix_space, "trim_offsets": True, "use_regex": True}
    tokenizer.pre_tokenizer = pre_tokenizers.pre_tokenizer_from_dict({"type": "ByteLevel", **byte_level})
    tokenizer.decoder = decoders.decoder_from_dict({"type": "ByteLevel", **byte_level, "add_prefix_space": True})
    if roberta:
        bos = _token_str(config.get("cls_token") or config.get("bos_token"), "<s>")
        eos = _token_str(config.get("sep_token") or config.get("eos_token"), "</s>")
        tokenizer.post_processor = processors.processor_from_dict(
            {
                "type": "RobertaProcessing",
                "sep": [eos, _required_id(tokenizer, eos, vocab_file)],
                "cls": [bos, _required_id(tokenizer, bos, vocab_file)],
                "trim_offsets": True,
                "add_prefix_space": add_prefix_space,
            }
        )
    else:
        tokenizer.post_processor = processors.TemplateProcessing(single="$A:0", pair="$A:0 $B:1", special_tokens=[])
    return tokenizer


def sentencepiece_backend(model_file: str, config: dict[str, Any]) -> tuple[Tokenizer, dict[str, str]]:
    """A SentencePiece ``.model`` file (Unigram, or BPE with byte fallback) through lexica's reader.

    The pipeline is :func:`lexica.tokenizers.sentencepiece.tokenizer_from_model_file`'s (it segments as
    the ``sentencepiece`` library does). It has no post-processor: ``PreTrainedTokenizer`` gives it
    transformers' template (``bos``/``eos`` only when tokenizer_config.json sets ``add_bos_token`` /
    ``add_eos_token``; a bare ``.model`` adds nothing, as ``sentencepiece`` itself). Returns the pipeline
    and the model's own special tokens (``unk_token``/``bos_token``/``eos_token``/``pad_token`` from its
    trainer spec) for the config to fall back on.
    """
    try:
        sentencepiece = importlib.import_module("lexica.tokenizers.sentencepiece")
    except ImportError as err:
        raise UnsupportedError(
            f"{model_file}: reading SentencePiece .model files needs lexica.tokenizers.sentencepiece, which "
            f"cannot be imported ({err}). Use a folder with a tokenizer.json instead; other supported tokenizer "
            "files: vocab.txt, vocab.json + merges.txt, a GGUF file (gguf_file=)"
        ) from err
    tokenizer = sentencepiece.tokenizer_from_model_file(model_file)
    pieces = sentencepiece.special_pieces_from_model_file(model_file)
    special = {key: getattr(pieces, key) for key in ("unk_token", "bos_token", "eos_token", "pad_token")
               if getattr(pieces, key, None) is not None}
    return tokenizer, special


def _token_str(value: Any, default: str) -> str:
    """A special token as tokenizer_config.json spells it: a string or an AddedToken-like dict."""
    if isinstance(value, dict):
        value = value.get("content")
    return value if isinstance(value, str) else default


def _required_id(tokenizer: Tokenizer, token: str, source: str) -> int:
    token_id = tokenizer.token_to_id(token)
    if token_id is None:
        raise UnsupportedError(
            f"{os.fspath(source)}: the special token {token!r} the post-processor needs is not in the vocabulary"
        )
    return token_id
