"""The high-level tokenizer (transformers' API): ``AutoTokenizer``, ``PreTrainedTokenizer``, ``BatchEncoding``.

Modules: ``base`` (the tokenizer class), ``batch_encoding`` (its output), ``encode`` (the call options),
``padding`` (``pad`` for collators), ``loading`` / ``legacy`` / ``gguf`` (reading files), ``saving``
(``save_pretrained``), ``chat`` (``apply_chat_template``), ``auto`` (``AutoTokenizer``).

``PreTrainedTokenizerFast`` and ``PreTrainedTokenizerBase`` are aliases of ``PreTrainedTokenizer``, for
code written against transformers (lexica has one tokenizer class).
"""

from __future__ import annotations

from lexica.tokenization.auto import AutoTokenizer
from lexica.tokenization.base import PreTrainedTokenizer
from lexica.tokenization.batch_encoding import BatchEncoding, CharSpan, TokenSpan

PreTrainedTokenizerFast = PreTrainedTokenizer
PreTrainedTokenizerBase = PreTrainedTokenizer

__all__ = [
    "AutoTokenizer",
    "BatchEncoding",
    "CharSpan",
    "PreTrainedTokenizer",
    "PreTrainedTokenizerBase",
    "PreTrainedTokenizerFast",
    "TokenSpan",
]
