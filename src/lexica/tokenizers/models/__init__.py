"""The model stage: turns one pre-tokenized word into tokens (HF `tokenizers`' models).

`MODELS` is the `{type: class}` table and `model_from_dict` builds a model from the tokenizer.json
"model" object. Like HF, a "model" object without "type" is accepted and the model is inferred from
its keys, in HF's order: BPE if it has "vocab" and "merges"; WordPiece if it has "vocab",
"unk_token", "continuing_subword_prefix" and "max_input_chars_per_word"; WordLevel if it has
"vocab" and "unk_token"; Unigram if "vocab" is a list.

`CharLevel` is lexica's own model; HF `tokenizers` cannot load a file that uses it.
"""

from __future__ import annotations

from lexica.errors import TokenizerFileError, UnsupportedError
from lexica.tokenizers.models.base import Model, Token, WordCache
from lexica.tokenizers.models.bpe import BPE
from lexica.tokenizers.models.charlevel import CharLevel
from lexica.tokenizers.models.unigram import Unigram
from lexica.tokenizers.models.wordlevel import WordLevel
from lexica.tokenizers.models.wordpiece import WordPiece

__all__ = [
    "BPE",
    "CharLevel",
    "MODELS",
    "Model",
    "Token",
    "WordCache",
    "WordLevel",
    "WordPiece",
    "Unigram",
    "model_from_dict",
    "model_str",
]

MODELS: dict[str, type] = {"BPE": BPE, "WordPiece": WordPiece, "WordLevel": WordLevel, "CharLevel": CharLevel, "Unigram": Unigram}

_WORDPIECE_KEYS = ("vocab", "unk_token", "continuing_subword_prefix", "max_input_chars_per_word")


def model_from_dict(d: dict, path: str = "model") -> Model:
    """Build the model described by a tokenizer.json "model" object; errors name the JSON path."""
    if not isinstance(d, dict):
        raise TokenizerFileError(
            f"{path}: expected a JSON object describing the model, found {type(d).__name__}"
        )
    kind = d["type"] if "type" in d else _infer_type(d, path)
    if not isinstance(kind, str) or kind not in MODELS:
        raise UnsupportedError(f"{path}.type: expected one of {sorted(MODELS)}, found {kind!r}")
    return MODELS[kind].from_dict(d, path)


def _infer_type(d: dict, path: str) -> str:
    """HF's fallback for type-less objects: try each model's required keys in HF's order."""
    if isinstance(d.get("vocab"), list):
        return "Unigram"  # a list of [piece, score] pairs: every other model needs a vocab object
    if "vocab" in d and "merges" in d:
        return "BPE"
    if all(key in d for key in _WORDPIECE_KEYS):
        return "WordPiece"
    if "vocab" in d and "unk_token" in d:
        return "WordLevel"
    raise TokenizerFileError(
        f"{path}: no 'type' and the keys {sorted(d)} match no model; expected a 'type' in "
        f"{sorted(MODELS)} or HF's legacy keys (vocab + merges for BPE; vocab + unk_token + "
        "continuing_subword_prefix + max_input_chars_per_word for WordPiece; vocab + unk_token for WordLevel)"
    )


def model_str(model: Model, word: str) -> list[tuple[str, tuple[int, int]]]:
    """(token, offsets) for one word: a helper for tests and for looking inside the stage."""
    return [(token.value, token.offsets) for token in model.tokenize(word)]
