"""lexica's exceptions.

Every error raised on bad input is a ``LexicaError``. Each subclass also derives from the builtin
that callers already catch for that situation (``ValueError`` for bad values, ``KeyError`` for
missing names), so ``except ValueError`` keeps working for code written against transformers.

Messages say what was expected, what was found, and, where there is a closed set, the choices:
``"model.type: expected one of ['BPE', 'WordPiece'], found 'Foo'"``.
"""

from __future__ import annotations

__all__ = [
    "LexicaError",
    "ConfigError",
    "UnsupportedError",
    "CheckpointError",
    "TokenizerFileError",
    "InputTooLongError",
    "InvalidInputError",
]


class LexicaError(Exception):
    """Base class of every error lexica raises on purpose."""


class ConfigError(LexicaError, ValueError):
    """A configuration value (config.json key, tokenizer_config.json key, argument) is invalid."""


class UnsupportedError(LexicaError, ValueError):
    """A ``type`` tag or feature that lexica does not implement. The message lists what is supported."""


class CheckpointError(LexicaError, ValueError):
    """A weights file is missing, truncated, corrupt, unsafe, or does not fit the model."""


class TokenizerFileError(LexicaError, ValueError):
    """A tokenizer file (tokenizer.json, vocab.txt, merges.txt, .model, ...) is malformed.

    The message names the file when known and the JSON path of the bad value, e.g. ``model.merges[17]``.
    """


class InputTooLongError(LexicaError, ValueError):
    """An input has more positions than the model supports; the message names the fix."""


class InvalidInputError(LexicaError, ValueError):
    """A call argument has the wrong type, shape or value."""
