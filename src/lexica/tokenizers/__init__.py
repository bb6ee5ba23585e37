"""lexica's tokenizer pipeline: a Python re-implementation of HF `tokenizers`, same tokenizer.json.

The stages are the modules: ``normalizers``, ``pre_tokenizers``, ``models``, ``processors``,
``decoders``; ``normalized`` holds the offset core, ``added_vocab`` the added tokens, ``encoding``
the output type, and ``tokenizer`` the ``Tokenizer`` that runs them all.
"""

from __future__ import annotations

from lexica.tokenizers import decoders, models, normalizers, pre_tokenizers, processors
from lexica.tokenizers.added_vocab import AddedToken
from lexica.tokenizers.encoding import Encoding
from lexica.tokenizers.normalized import NormalizedString, PreTokenizedString
from lexica.tokenizers.tokenizer import Tokenizer

__all__ = [
    "AddedToken",
    "Encoding",
    "NormalizedString",
    "PreTokenizedString",
    "Tokenizer",
    "decoders",
    "models",
    "normalizers",
    "pre_tokenizers",
    "processors",
]
