"""``save_pretrained``: write a tokenizer in transformers' v5 layout, every file atomically.

Follows what transformers 5 writes for a ``tokenizers``-backed tokenizer:

- ``tokenizer.json``: the pipeline (with no baked-in padding/truncation: those are per call);
- ``tokenizer_config.json``: the high-level settings (``tokenizer_class``, ``model_max_length``,
  ``padding_side``, ``truncation_side``, ``clean_up_tokenization_spaces``, the special tokens as strings,
  ``extra_special_tokens``), keys sorted, two-space indent;
- ``chat_template.jinja`` when there is a chat template (``chat_template.json`` holds named templates);
- with ``legacy_format=True`` also ``vocab.txt`` (WordPiece) or ``vocab.json`` + ``merges.txt`` (BPE), or
  a copy of the SentencePiece ``.model`` the tokenizer was read from.

Each file is written to a temporary file in the same folder, then renamed over the target, so a crash
never leaves a half-written file behind.
"""

from __future__ import annotations

import json
import os
import tempfile
from typing import TYPE_CHECKING, Any

from lexica.errors import InvalidInputError, UnsupportedError
from lexica.tokenization.loading import VERY_LARGE_INTEGER
from lexica.tokenizers.models import BPE, WordPiece

if TYPE_CHECKING:
    from lexica.tokenization.base import PreTrainedTokenizer

__all__ = ["save_tokenizer", "write_atomic", "write_atomic_bytes"]

# tokenizer_config.json keys carried over from the loaded config when present (the pipeline's own knobs).
_CARRIED = ("do_lower_case", "tokenize_chinese_chars", "strip_accents", "add_prefix_space", "add_bos_token",
            "add_eos_token", "model_input_names", "split_special_tokens")


def write_atomic(path: str, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` through a temporary file in the same folder and a rename."""
    write_atomic_bytes(path, text.encode("utf-8"))


def write_atomic_bytes(path: str, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename."""
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".lexica-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _json(data: Any) -> str:
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def tokenizer_config(tokenizer: PreTrainedTokenizer) -> dict[str, Any]:
    """The tokenizer_config.json object (v5 layout)."""
    config: dict[str, Any] = {k: tokenizer.init_config[k] for k in _CARRIED if k in tokenizer.init_config}
    config.update(
        backend="tokenizers",
        tokenizer_class=tokenizer.tokenizer_class,
        padding_side=tokenizer.padding_side,
        truncation_side=tokenizer.truncation_side,
        clean_up_tokenization_spaces=tokenizer.clean_up_tokenization_spaces,
    )
    if tokenizer.model_max_length < VERY_LARGE_INTEGER:
        config["model_max_length"] = tokenizer.model_max_length
    config.update({k: v for k, v in tokenizer.special_tokens_map.items() if k != "additional_special_tokens"})
    if tokenizer.additional_special_tokens:
        config["extra_special_tokens"] = tokenizer.additional_special_tokens
    return config


def save_tokenizer(tokenizer: PreTrainedTokenizer, folder: str, legacy_format: bool | None) -> tuple[str, ...]:
    if os.path.isfile(folder):
        raise InvalidInputError(f"save_pretrained: {folder!r} is a file; expected a folder (it is created if missing)")
    os.makedirs(folder, exist_ok=True)
    written = []
    config_path = os.path.join(folder, "tokenizer_config.json")
    write_atomic(config_path, _json(tokenizer_config(tokenizer)))
    written.append(config_path)
    template = tokenizer.chat_template
    if isinstance(template, str):
        path = os.path.join(folder, "chat_template.jinja")
        write_atomic(path, template)
        written.append(path)
    elif isinstance(template, dict):
        path = os.path.join(folder, "chat_template.json")
        named = [{"name": name, "template": text} for name, text in template.items()]
        write_atomic(path, _json({"chat_template": named}))
        written.append(path)
    path = os.path.join(folder, "tokenizer.json")
    tokenizer.backend_tokenizer.save(path)  # the pipeline writes itself atomically
    written.append(path)
    if legacy_format:
        written.extend(_save_legacy(tokenizer, folder))
    return tuple(written)


def _save_legacy(tokenizer: PreTrainedTokenizer, folder: str) -> list[str]:
    if tokenizer.vocab_file is not None:  # read from a SentencePiece .model: that file is the legacy vocabulary
        path = os.path.join(folder, os.path.basename(tokenizer.vocab_file))
        if os.path.abspath(path) != os.path.abspath(tokenizer.vocab_file):
            with open(tokenizer.vocab_file, "rb") as handle:
                write_atomic_bytes(path, handle.read())
        return [path]
    model = tokenizer.backend_tokenizer.model
    by_id = sorted(model.get_vocab().items(), key=lambda item: item[1])
    if isinstance(model, WordPiece):
        path = os.path.join(folder, "vocab.txt")
        write_atomic(path, "".join(f"{token}\n" for token, _ in by_id))
        return [path]
    if isinstance(model, BPE):
        vocab_path, merges_path = os.path.join(folder, "vocab.json"), os.path.join(folder, "merges.txt")
        write_atomic(vocab_path, json.dumps(dict(by_id), ensure_ascii=False) + "\n")
        merges = model.to_dict()["merges"]
        lines = [m if isinstance(m, str) else " ".join(m) for m in merges]
        write_atomic(merges_path, "#version: 0.2\n" + "".join(f"{line}\n" for line in lines))
        return [vocab_path, merges_path]
    raise UnsupportedError(
        f"save_pretrained(legacy_format=True): no legacy vocabulary format for a {type(model).__name__} model; "
        "supported: WordPiece (vocab.txt), BPE (vocab.json + merges.txt)"
    )
