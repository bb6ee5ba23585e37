"""WordLevel: one token per word, looked up whole in the vocab (the course's word-based tokenizer).

Follows HF `tokenizers`' `WordLevel` model and its tokenizer.json object
`{"type": "WordLevel", "vocab": {...}, "unk_token": "<unk>"}`. A word missing from the vocab
becomes the unk token; if the unk token itself is missing, encoding that word is an error (as in HF).
"""

from __future__ import annotations

from lexica.tokenizers.models.base import (
    Token,
    check_str,
    check_vocab,
    missing_unk_error,
    ordered_vocab,
    require,
    reverse_vocab,
)

__all__ = ["WordLevel"]


class WordLevel:
    """Maps each whole word to its id; unknown words map to `unk_token`."""

    def __init__(self, vocab: dict[str, int] | None = None, unk_token: str = "<unk>") -> None:
        self.vocab = dict(vocab or {})
        self.unk_token = unk_token
        self._vocab_r = reverse_vocab(self.vocab)

    def __repr__(self) -> str:
        return f"WordLevel(vocab_size={len(self.vocab)}, unk_token={self.unk_token!r})"

    def tokenize(self, sequence: str) -> list[Token]:
        # Pre-tokenizers never emit empty words, and HF's pipeline gives no token for "".
        if not sequence:
            return []
        index = self.vocab.get(sequence)
        if index is not None:
            return [Token(index, sequence, (0, len(sequence)))]
        unk = self.vocab.get(self.unk_token)
        if unk is None:
            raise missing_unk_error("WordLevel", self.unk_token, sequence)
        return [Token(unk, self.unk_token, (0, len(sequence)))]

    def token_to_id(self, token: str) -> int | None:
        return self.vocab.get(token)

    def id_to_token(self, id: int) -> str | None:
        return self._vocab_r.get(id)

    def get_vocab(self) -> dict[str, int]:
        return dict(self.vocab)

    def get_vocab_size(self) -> int:
        return len(self.vocab)

    def to_dict(self) -> dict:
        return {"type": "WordLevel", "vocab": ordered_vocab(self._vocab_r), "unk_token": self.unk_token}

    @classmethod
    def from_dict(cls, d: dict, path: str = "model") -> WordLevel:
        vocab = check_vocab(require(d, "vocab", path, "WordLevel"), f"{path}.vocab")
        unk = check_str(require(d, "unk_token", path, "WordLevel"), f"{path}.unk_token", optional=False)
        return cls(vocab, unk or "")
