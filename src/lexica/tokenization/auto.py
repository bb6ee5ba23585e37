"""``AutoTokenizer``: load the right high-level tokenizer for a folder, a hub id or a GGUF file.

Follows transformers' ``AutoTokenizer.from_pretrained``. lexica has one tokenizer class,
:class:`~lexica.tokenization.base.PreTrainedTokenizer`, that covers every supported
``tokenizer_class`` (see ``TOKENIZER_CLASSES`` in :mod:`lexica.tokenization.loading`); the class
name only decides the model inputs and how legacy vocabulary files are read.
"""

from __future__ import annotations

import os

from lexica.tokenization.base import PreTrainedTokenizer

__all__ = ["AutoTokenizer"]


class AutoTokenizer:
    """Not instantiable: use ``AutoTokenizer.from_pretrained(path_or_hub_id)``."""

    def __init__(self) -> None:
        raise TypeError("AutoTokenizer is not instantiable; use AutoTokenizer.from_pretrained(path_or_hub_id)")

    @staticmethod
    def from_pretrained(
        path_or_hub_id: str | os.PathLike[str],
        gguf_file: str | None = None,
        *,
        cache_dir: str | None = None,
        revision: str | None = None,
        padding_side: str | None = None,
        truncation_side: str | None = None,
        model_max_length: int | None = None,
    ) -> PreTrainedTokenizer:
        """Load a tokenizer.

        ``path_or_hub_id``: a local folder, or a hub id found in huggingface_hub's local cache (lexica never
        downloads). ``gguf_file``: the name of a GGUF file in that folder, to use the tokenizer inside it.
        ``padding_side`` / ``truncation_side`` / ``model_max_length`` override tokenizer_config.json.
        """
        return PreTrainedTokenizer.from_pretrained(
            path_or_hub_id, gguf_file, cache_dir=cache_dir, revision=revision, padding_side=padding_side,
            truncation_side=truncation_side, model_max_length=model_max_length,
        )
