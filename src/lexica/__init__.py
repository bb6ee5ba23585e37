"""lexica: tokenizers, Transformer models and heads, in readable Python, with parity to Hugging Face.

Public names are re-exported here explicitly (see ``__all__``). They load lazily, so that
``import lexica`` (and the CLI's tokenizer commands) does not pay for importing torch.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS: dict[str, str] = {
    # errors
    "LexicaError": "lexica.errors",
    "ConfigError": "lexica.errors",
    "UnsupportedError": "lexica.errors",
    "CheckpointError": "lexica.errors",
    "TokenizerFileError": "lexica.errors",
    "InputTooLongError": "lexica.errors",
    "InvalidInputError": "lexica.errors",
    # tokenizer pipeline
    "Tokenizer": "lexica.tokenizers",
    "Encoding": "lexica.tokenizers",
    "AddedToken": "lexica.tokenizers",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'lexica' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
