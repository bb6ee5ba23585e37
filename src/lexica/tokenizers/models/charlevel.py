"""CharLevel: every character is one token (the course's character-based tokenizer).

This model is lexica's own: HF `tokenizers` has no character-level model, so a tokenizer.json
holding `{"type": "CharLevel", ...}` loads in lexica but NOT in HF `tokenizers` (HF reports that
the data matches no model variant). Its object is `{"type": "CharLevel", "vocab": {...},
"unk_token": "[UNK]"}`, with the vocab written in id order like HF's models.

A character missing from the vocab becomes `unk_token`; when that is missing too, encoding the
character is a `TokenizerFileError`, as for WordLevel.
"""

from __future__ import annotations

from collections.abc import Iterable

from lexica.tokenizers.models.base import (
    Token,
    check_str,
    check_vocab,
    missing_unk_error,
    ordered_vocab,
    require,
    reverse_vocab,
)

__all__ = ["CharLevel"]

_new_token = tuple.__new__  # builds a Token without NamedTuple.__new__'s argument handling


class CharLevel:
    """Maps each character (code point) of a word to its own id."""

    def __init__(self, vocab: dict[str, int] | None = None, unk_token: str = "[UNK]") -> None:
        self.vocab = dict(vocab or {})
        self.unk_token = unk_token
        self._vocab_r = reverse_vocab(self.vocab)

    def __repr__(self) -> str:
        return f"CharLevel(vocab_size={len(self.vocab)}, unk_token={self.unk_token!r})"

    @classmethod
    def from_texts(cls, texts: Iterable[str], unk_token: str = "[UNK]") -> CharLevel:
        """Build the vocab from the characters of `texts`: unk first, then characters sorted."""
        chars = sorted({ch for text in texts for ch in text} - {unk_token})
        return cls({unk_token: 0, **{ch: index + 1 for index, ch in enumerate(chars)}}, unk_token)

    def tokenize(self, sequence: str) -> list[Token]:
        get = self.vocab.get
        out = []
        for index, ch in enumerate(sequence):
            token_id = get(ch)
            value = ch
            if token_id is None:
                token_id = get(self.unk_token)
                if token_id is None:
                    raise missing_unk_error("CharLevel", self.unk_token, sequence)
                value = self.unk_token
            out.append(_new_token(Token, (token_id, value, (index, index + 1))))
        return out

    def token_to_id(self, token: str) -> int | None:
        return self.vocab.get(token)

    def id_to_token(self, id: int) -> str | None:
        return self._vocab_r.get(id)

    def get_vocab(self) -> dict[str, int]:
        return dict(self.vocab)

    def get_vocab_size(self) -> int:
        return len(self.vocab)

    def to_dict(self) -> dict:
        return {"type": "CharLevel", "vocab": ordered_vocab(self._vocab_r), "unk_token": self.unk_token}

    @classmethod
    def from_dict(cls, d: dict, path: str = "model") -> CharLevel:
        vocab = check_vocab(require(d, "vocab", path, "CharLevel"), f"{path}.vocab")
        unk = check_str(require(d, "unk_token", path, "CharLevel"), f"{path}.unk_token", optional=False)
        return cls(vocab, unk or "")
