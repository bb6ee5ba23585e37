"""The encode fast path for SentencePiece-shaped Unigram pipelines (not built yet).

``fast_path.compile_fast_encoder`` asks ``compile_unigram_encoder`` when neither the byte-level
BPE nor the BERT fast path fits; None means the general pipeline runs.
"""

from __future__ import annotations

from typing import Any

__all__ = ["compile_unigram_encoder"]


def compile_unigram_encoder(tokenizer: Any) -> Any:
    """A fast encoder for ``tokenizer`` when its pipeline is SentencePiece-shaped, else None."""
    return None
