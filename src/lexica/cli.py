"""The `lexica` command line: thin wrappers over library functions.

    lexica --version
    lexica tokenize --tokenizer PATH [--gguf-file NAME] [--pair TEXT] [--json] TEXT...

PATH is a tokenizer.json file, a SentencePiece .model file, a GGUF file, or a folder in transformers'
layout (tokenizer.json, or the legacy vocab.txt / vocab.json + merges.txt / tokenizer.model files).

Every command prints to stdout and returns a process exit code; errors from lexica are printed as
one line on stderr with exit code 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from lexica import __version__
from lexica.errors import LexicaError


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lexica", description="Tokenizers and Transformer models, in Python.")
    parser.add_argument("--version", action="version", version=f"lexica {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    tok = sub.add_parser(
        "tokenize",
        help="tokenize text with a tokenizer.json, .model or .gguf file, or a tokenizer folder",
        description="Print tokens, ids and character offsets into the original text.",
    )
    tok.add_argument(
        "--tokenizer", "-t", required=True,
        help="tokenizer.json, SentencePiece .model or .gguf file, or a folder in transformers' layout",
    )
    tok.add_argument("--gguf-file", help="with a folder: the GGUF file in it to read the tokenizer from")
    tok.add_argument("--pair", help="second sequence of a pair (e.g. a question's context)")
    tok.add_argument("--no-special-tokens", action="store_true", help="do not add [CLS]/[SEP] or similar")
    tok.add_argument("--json", action="store_true", help="one JSON object per text instead of a table")
    tok.add_argument("text", nargs="+", help="text to tokenize (each argument is one sequence)")
    return parser


def _load_tokenizer(path: str, gguf_file: str | None = None):  # -> lexica.tokenizers.Tokenizer
    """The low-level pipeline behind any tokenizer source lexica reads."""
    import pathlib

    p = pathlib.Path(path)
    if p.is_file() and p.suffix == ".json":
        from lexica.tokenizers import Tokenizer

        return Tokenizer.from_file(str(p))
    if p.is_file() and ".model" in p.suffixes:  # tokenizer.model, spiece.model, tokenizer.model.v3
        from lexica.tokenizers.sentencepiece import tokenizer_from_model_file

        return tokenizer_from_model_file(str(p))
    from lexica.tokenization import AutoTokenizer

    if p.is_file() and p.suffix == ".gguf":
        p, gguf_file = p.parent, p.name
    return AutoTokenizer.from_pretrained(str(p), gguf_file=gguf_file).backend_tokenizer


def _cmd_tokenize(args: argparse.Namespace) -> int:
    tokenizer = _load_tokenizer(args.tokenizer, args.gguf_file)
    for text in args.text:
        enc = tokenizer.encode(text, args.pair, add_special_tokens=not args.no_special_tokens)
        if args.json:
            row = {"text": text, "ids": enc.ids, "tokens": enc.tokens, "offsets": [list(o) for o in enc.offsets]}
            print(json.dumps(row, ensure_ascii=False))
            continue
        print(f"text: {text!r}")
        sources = {0: text, 1: args.pair or ""}
        for tid, token, (start, end), seq in zip(enc.ids, enc.tokens, enc.offsets, enc.sequence_ids):
            # offsets index the sequence the token came from; special tokens have no source text
            source = sources[seq][start:end] if seq is not None else ""
            print(f"  {tid:>8}  {token!r:<24} {start:>5}:{end:<5} {source!r}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = _build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        if args.command == "tokenize":
            return _cmd_tokenize(args)
    except (LexicaError, FileNotFoundError) as exc:
        print(f"lexica {args.command}: {exc}", file=sys.stderr)
        return 2
    parser.error(f"unknown command {args.command!r}")
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
