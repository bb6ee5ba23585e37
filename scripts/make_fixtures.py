"""Build the fixture tokenizer.json files of tests/fixtures/tokenizers/ with HF `tokenizers`.

One or more small tokenizers per pipeline component and option of issue 3 (normalizers,
pre-tokenizers, models, post-processors, decoders, added-token flags, truncation/padding). The
models are trained here, with HF's own trainers, on a few lines of built-in text, so the
vocabularies stay tiny (a few hundred tokens) and the files small. lexica's parity tests
(tests/tokenizers/test_parity_fixtures.py) load each file in both libraries and compare outputs.

Run: ``.venv/bin/python scripts/make_fixtures.py`` (deterministic; rewrites the folder's *.json).
HF `tokenizers` is needed only here and in tests; lexica never imports it.
"""

from __future__ import annotations

import json
import os
import pathlib
import tempfile

from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
from tokenizers import trainers

OUT = pathlib.Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "tokenizers"

CORPUS = [
    "I've been waiting for a HuggingFace course my whole life.",
    "This is the first sentence. This is the second one!",
    "Hello, world!!! (really?) [yes]... \"quoted\" 'single' -- dash; colon: #hash @at $5.00",
    "In 2024, 3.14159 and 1,000,000 were numbers; 12345 too.",
    "Café naïve résumé Ångström Straße, and the NFD cafe\u0301.",
    "Русский текст и Ελληνικά γράμματα, עברית וعربي.",
    "我喜欢自然语言处理。日本語のテキスト。한국어 문장.",
    "def tokenize(text):\n    return text.split()  # simple\n\tprint(x)",
    "Emoji 🤗 and 😀 with a family 👨\u200d👩\u200d👧 in it.",
    "the quick brown fox jumps over the lazy dog THE QUICK BROWN FOX",
    "tokenization tokenizer tokens token unbelievable unaffable running runner",
]
SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


# ---------------------------------------------------------------------------- base models
def _train(model: models.Model, pre: pre_tokenizers.PreTokenizer | None, trainer: trainers.Trainer,
           normalizer: normalizers.Normalizer | None = None) -> Tokenizer:
    tok = Tokenizer(model)
    tok.normalizer = normalizer
    tok.pre_tokenizer = pre
    tok.train_from_iterator(CORPUS, trainer=trainer)
    return tok


def wordpiece(lowercase: bool = True) -> Tokenizer:
    tok = _train(
        models.WordPiece(unk_token="[UNK]"),
        pre_tokenizers.BertPreTokenizer(),
        trainers.WordPieceTrainer(vocab_size=260, special_tokens=SPECIALS, show_progress=False),
        normalizers.BertNormalizer(lowercase=lowercase),
    )
    return tok


def wordlevel() -> Tokenizer:
    return _train(
        models.WordLevel(unk_token="[UNK]"),
        pre_tokenizers.Whitespace(),
        trainers.WordLevelTrainer(vocab_size=150, special_tokens=SPECIALS, show_progress=False),
        normalizers.Sequence([normalizers.NFD(), normalizers.Lowercase(), normalizers.StripAccents()]),
    )


def char_bpe(**options: object) -> Tokenizer:
    trainer_options = {k: options[k] for k in ("continuing_subword_prefix", "end_of_word_suffix") if k in options}
    return _train(
        models.BPE(unk_token="[UNK]", **options),
        pre_tokenizers.Whitespace(),
        trainers.BpeTrainer(vocab_size=220, special_tokens=SPECIALS, show_progress=False, **trainer_options),
    )


def byte_bpe(add_prefix_space: bool = False) -> Tokenizer:
    return _train(
        models.BPE(),
        pre_tokenizers.ByteLevel(add_prefix_space=add_prefix_space),
        trainers.BpeTrainer(vocab_size=300, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                            special_tokens=["<|endoftext|>"], show_progress=False),
    )


def with_model_options(tok: Tokenizer, **options: object) -> Tokenizer:
    """Set model options that trainers do not take (byte_fallback, fuse_unk, ignore_merges, ...)."""
    data = json.loads(tok.to_str())
    data["model"].update(options)
    return Tokenizer.from_str(json.dumps(data))


def byte_fallback_bpe() -> Tokenizer:
    """A Llama-style SentencePiece BPE: '▁' for spaces, <0xNN> byte tokens, no pre-tokenizer."""
    tok = _train(
        models.BPE(unk_token="<unk>"),
        None,
        trainers.BpeTrainer(vocab_size=200, special_tokens=["<unk>", "<s>", "</s>"], show_progress=False),
        normalizers.Sequence([normalizers.Prepend("▁"), normalizers.Replace(" ", "▁")]),
    )
    data = json.loads(tok.to_str())
    vocab = data["model"]["vocab"]
    for b in range(256):
        vocab.setdefault(f"<0x{b:02X}>", len(vocab))
    data["model"].update(byte_fallback=True, fuse_unk=True)
    return Tokenizer.from_str(json.dumps(data))


# ---------------------------------------------------------------------------- fixtures
def fixtures() -> dict[str, Tokenizer]:
    out: dict[str, Tokenizer] = {}

    # --- BERT / WordPiece family
    t = wordpiece()
    t.post_processor = processors.BertProcessing(("[SEP]", 3), ("[CLS]", 2))
    t.decoder = decoders.WordPiece(cleanup=True)
    out["bert_wordpiece"] = t

    t = wordpiece(lowercase=False)
    t.normalizer = normalizers.BertNormalizer(clean_text=False, handle_chinese_chars=False,
                                              strip_accents=False, lowercase=False)
    t.model = models.WordPiece(t.get_vocab(), unk_token="[UNK]", max_input_chars_per_word=8)
    t.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", 2), ("[SEP]", 3)])
    t.decoder = decoders.WordPiece(prefix="##", cleanup=False)
    out["wordpiece_cased_maxchars"] = t

    t = wordpiece(lowercase=False)
    t.normalizer = normalizers.BertNormalizer(lowercase=False, strip_accents=True)
    out["bert_normalizer_strip_accents"] = t

    t = wordpiece()
    t.enable_truncation(12, stride=3, strategy="longest_first")
    t.enable_padding(length=16, pad_id=0, pad_token="[PAD]")
    t.post_processor = processors.BertProcessing(("[SEP]", 3), ("[CLS]", 2))
    out["wordpiece_trunc_pad_fixed"] = t

    t = wordpiece()
    t.enable_truncation(10, stride=2, strategy="only_second", direction="left")
    t.enable_padding(direction="left", pad_to_multiple_of=8, pad_id=0, pad_type_id=1, pad_token="[PAD]")
    t.post_processor = processors.BertProcessing(("[SEP]", 3), ("[CLS]", 2))
    out["wordpiece_trunc_left_pad_multiple"] = t

    # --- WordLevel with many normalizers / pre-tokenizers
    t = wordlevel()
    t.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.Whitespace(), pre_tokenizers.Digits(individual_digits=True)])
    t.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", 2), ("[SEP]", 3)])
    out["wordlevel_nfd_lower_digits"] = t

    for name, normalizer in {
        "nfc": normalizers.NFC(),
        "nfkc": normalizers.NFKC(),
        "nfkd": normalizers.NFKD(),
        "strip": normalizers.Strip(left=True, right=True),
        "strip_left": normalizers.Strip(left=True, right=False),
        "replace_string": normalizers.Replace("the", "THE"),
        "replace_regex": normalizers.Replace(Regex(r"\s+"), " "),
        "prepend": normalizers.Prepend("_"),
        "lowercase": normalizers.Lowercase(),
        "nfkc_lowercase_sequence": normalizers.Sequence([normalizers.NFKC(), normalizers.Lowercase()]),
    }.items():
        t = wordlevel()
        t.normalizer = normalizer
        t.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
        out[f"normalizer_{name}"] = t

    for behavior in ("removed", "isolated", "merged_with_previous", "merged_with_next", "contiguous"):
        t = wordlevel()
        t.pre_tokenizer = pre_tokenizers.Split(Regex(r"[\s,.!?]+"), behavior)
        out[f"split_regex_{behavior}"] = t
        t = wordlevel()
        t.pre_tokenizer = pre_tokenizers.Punctuation(behavior)
        out[f"punctuation_{behavior}"] = t
    t = wordlevel()
    t.pre_tokenizer = pre_tokenizers.Split(" ", "removed", invert=False)
    out["split_string_removed"] = t
    t = wordlevel()
    t.pre_tokenizer = pre_tokenizers.Split(Regex(r"\w+"), "removed", invert=True)
    out["split_regex_invert"] = t

    for name, pre in {
        "whitespace": pre_tokenizers.Whitespace(),
        "chardelimiter": pre_tokenizers.CharDelimiterSplit("e"),
        "unicode_scripts": pre_tokenizers.UnicodeScripts(),
        "fixed_length": pre_tokenizers.FixedLength(length=3),
        "digits_grouped": pre_tokenizers.Digits(individual_digits=False),
        "sequence": pre_tokenizers.Sequence([pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Punctuation(),
                                             pre_tokenizers.UnicodeScripts()]),
    }.items():
        t = char_bpe()
        t.pre_tokenizer = pre
        out[f"pre_{name}"] = t

    # --- char-level BPE options
    t = char_bpe(end_of_word_suffix="</w>")
    t.decoder = decoders.BPEDecoder(suffix="</w>")
    out["bpe_char_suffix"] = t
    t = with_model_options(char_bpe(continuing_subword_prefix="##"), fuse_unk=True)
    t.normalizer = normalizers.Lowercase()
    t.decoder = decoders.WordPiece(prefix="##")
    out["bpe_char_prefix_fuse_unk"] = t
    t = with_model_options(char_bpe(), ignore_merges=True)
    out["bpe_char_ignore_merges"] = t
    t = with_model_options(char_bpe(), dropout=0.5)
    out["bpe_char_dropout"] = t  # random: only the JSON round-trip is compared

    t = byte_fallback_bpe()
    t.decoder = decoders.Sequence([decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse(),
                                   decoders.Strip(" ", 1, 0)])
    t.post_processor = processors.TemplateProcessing(single="<s> $A", pair="<s> $A <s> $B:1",
                                                     special_tokens=[("<s>", 1)])
    out["bpe_byte_fallback_llama"] = t

    t = char_bpe()
    t.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    t.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    out["metaspace"] = t

    # --- byte-level BPE family
    t = byte_bpe()
    t.post_processor = processors.ByteLevel(trim_offsets=True)
    t.decoder = decoders.ByteLevel()
    out["bytelevel_gpt2"] = t

    t = byte_bpe(add_prefix_space=True)
    t.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=True, trim_offsets=False)
    t.post_processor = processors.ByteLevel(trim_offsets=False)
    t.decoder = decoders.ByteLevel()
    out["bytelevel_prefix_space"] = t

    t = with_model_options(byte_bpe(), ignore_merges=True)
    t.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"), "isolated"),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
    ])
    t.post_processor = processors.Sequence([
        processors.ByteLevel(trim_offsets=False),
        processors.TemplateProcessing(single="<|endoftext|> $A", pair="<|endoftext|> $A <|endoftext|> $B:1",
                                      special_tokens=[("<|endoftext|>", 0)]),
    ])
    t.decoder = decoders.ByteLevel()
    out["bytelevel_llama3_style"] = t

    t = byte_bpe()
    t.normalizer = normalizers.ByteLevel()
    t.pre_tokenizer = None
    t.decoder = decoders.ByteLevel()
    out["normalizer_bytelevel"] = t

    t = byte_bpe(add_prefix_space=True)
    t.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=True)
    t.add_special_tokens(["<s>", "</s>", "<pad>"])
    t.add_special_tokens([AddedToken("<mask>", lstrip=True, special=True)])
    t.post_processor = processors.RobertaProcessing(("</s>", t.token_to_id("</s>")), ("<s>", t.token_to_id("<s>")),
                                                    trim_offsets=True, add_prefix_space=True)
    t.decoder = decoders.ByteLevel()
    out["roberta"] = t

    # --- added-token flags (lowercasing normalizer, so `normalized` matters)
    t = wordpiece()
    t.post_processor = processors.BertProcessing(("[SEP]", 3), ("[CLS]", 2))
    t.decoder = decoders.WordPiece()
    t.add_tokens([
        AddedToken("hugging", normalized=True),
        AddedToken("Face", normalized=False),
        AddedToken("<lstrip>", lstrip=True, normalized=False),
        AddedToken("<rstrip>", rstrip=True, normalized=False),
        AddedToken("<both>", lstrip=True, rstrip=True, normalized=True),
        AddedToken("ing", single_word=True),
        AddedToken("the", single_word=True, lstrip=True, rstrip=True),
        AddedToken("token"),
        AddedToken("tokenization"),  # longest match wins over "token"
        AddedToken("life"),  # already in the vocab: keeps its id
        "été",
        "🤗",
    ])
    t.add_special_tokens(["<special>", AddedToken("<norm_special>", normalized=True),
                          AddedToken("<sw_special>", single_word=True)])
    out["added_tokens_flags"] = t

    t = wordlevel()
    t.add_special_tokens(["<|a|>", "<|ab|>", "<|abc|>", "[CLS]"])
    t.add_tokens(["ab", "abc", "b c"])
    out["added_tokens_overlap"] = t
    return out


def write_atomic(path: pathlib.Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(tmp, 0o644)  # mkstemp creates 0600; fixtures are ordinary repo files
    os.replace(tmp, path)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    built = fixtures()
    for old in OUT.glob("*.json"):
        if old.stem not in built:
            old.unlink()
    total = 0
    for name, tok in built.items():
        text = tok.to_str(pretty=True)
        Tokenizer.from_str(text)  # HF must load its own output back
        write_atomic(OUT / f"{name}.json", text)
        total += len(text.encode("utf-8"))
    print(f"wrote {len(built)} fixtures, {total / 1024:.0f} KiB, to {OUT}")


if __name__ == "__main__":
    main()
