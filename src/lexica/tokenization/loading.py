"""Find and read a tokenizer's files: a local folder, a hub id in huggingface_hub's cache, or a GGUF file.

Follows transformers' ``from_pretrained`` for tokenizers (``tokenization_utils_base.py``): the files are
``tokenizer.json`` (the pipeline), ``tokenizer_config.json`` (the high-level settings, in transformers'
v4 layout with ``added_tokens_decoder`` and ``additional_special_tokens``, or its v5 layout with
``extra_special_tokens``), ``special_tokens_map.json`` and ``added_tokens.json`` (older saves), the
legacy vocabularies when there is no ``tokenizer.json`` (see :mod:`lexica.tokenization.legacy`),
``chat_template.jinja`` / ``chat_template.json``, and ``config.json`` (its ``model_type`` names the
tokenizer class when tokenizer_config.json does not).

As transformers 5 reads them: ``special_tokens_map.json`` and ``added_tokens.json`` count only for saves
without ``added_tokens_decoder`` in tokenizer_config.json (older saves), and ``special_tokens_map.json``
then wins over tokenizer_config.json. A folder with only a SentencePiece ``.model`` takes its
unk/bos/eos/pad tokens from the model's trainer spec.

``TOKENIZER_CLASSES`` is the closed set of ``tokenizer_class`` values we know, each with its model
inputs and its legacy-file family; any other value raises ``UnsupportedError`` listing them.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any

from lexica.errors import ConfigError, TokenizerFileError, UnsupportedError
from lexica.tokenizers.added_vocab import AddedToken
from lexica.tokenizers.tokenizer import Tokenizer
from lexica.tokenization import legacy

__all__ = ["ClassInfo", "TOKENIZER_CLASSES", "LoadedTokenizer", "load_tokenizer_files", "resolve_folder",
           "VERY_LARGE_INTEGER", "SPECIAL_TOKEN_NAMES"]

VERY_LARGE_INTEGER = int(1e30)  # transformers' "no limit" model_max_length
SPECIAL_TOKEN_NAMES = ("bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token")

LOOKED_FOR = ("tokenizer.json", "tokenizer_config.json", "vocab.txt", "vocab.json + merges.txt",
              *legacy.SENTENCEPIECE_FILES, "a .gguf file (gguf_file=)")


@dataclass(frozen=True)
class ClassInfo:
    """What a ``tokenizer_class`` implies: the model inputs and how to read legacy files."""

    model_input_names: tuple[str, ...]
    family: str  # "bert", "gpt2", "roberta" or "generic" (tokenizer.json needed)
    defaults: tuple[tuple[str, str], ...] = ()  # special tokens when the config names none
    padding_side: str | None = None  # the transformers class's own default, when it has one


_BERT = ClassInfo(("input_ids", "token_type_ids", "attention_mask"), "bert",
                  (("unk_token", "[UNK]"), ("sep_token", "[SEP]"), ("pad_token", "[PAD]"),
                   ("cls_token", "[CLS]"), ("mask_token", "[MASK]")))
_NO_TYPES = ("input_ids", "attention_mask")
_GPT2 = ClassInfo(_NO_TYPES, "gpt2", (("bos_token", "<|endoftext|>"), ("eos_token", "<|endoftext|>"),
                                      ("unk_token", "<|endoftext|>")))
_ROBERTA = ClassInfo(_NO_TYPES, "roberta",
                     (("bos_token", "<s>"), ("eos_token", "</s>"), ("sep_token", "</s>"), ("cls_token", "<s>"),
                      ("unk_token", "<unk>"), ("pad_token", "<pad>"), ("mask_token", "<mask>")))
_GENERIC = ClassInfo(_NO_TYPES, "generic")
_GENERIC_LEFT = ClassInfo(_NO_TYPES, "generic", padding_side="left")  # transformers' Llama/Gemma classes

# tokenizer_class (without its "Fast" suffix) -> ClassInfo
TOKENIZER_CLASSES: dict[str, ClassInfo] = {
    "BertTokenizer": _BERT,
    "ElectraTokenizer": _BERT,
    "DistilBertTokenizer": ClassInfo(_NO_TYPES, "bert", _BERT.defaults),
    "GPT2Tokenizer": _GPT2,
    "RobertaTokenizer": _ROBERTA,
    "PreTrainedTokenizer": _GENERIC,
    "PreTrainedTokenizerFast": _GENERIC,
    "TokenizersBackend": _GENERIC,
    "LlamaTokenizer": _GENERIC_LEFT,
    "GemmaTokenizer": _GENERIC_LEFT,
    "CodeLlamaTokenizer": _GENERIC_LEFT,
    "MistralTokenizer": _GENERIC,
    "Qwen2Tokenizer": _GENERIC,
    "GPTNeoXTokenizer": _GENERIC,
    "CodeGenTokenizer": _GENERIC,
}

# config.json model_type -> tokenizer_class, when tokenizer_config.json names none
_MODEL_TYPES = {"bert": "BertTokenizer", "distilbert": "DistilBertTokenizer", "electra": "ElectraTokenizer",
                "gpt2": "GPT2Tokenizer", "roberta": "RobertaTokenizer", "llama": "LlamaTokenizer",
                "mistral": "LlamaTokenizer", "qwen2": "Qwen2Tokenizer", "gemma": "GemmaTokenizer"}


@dataclass
class LoadedTokenizer:
    """Everything read from the files, ready for ``PreTrainedTokenizer``."""

    backend: Tokenizer
    config: dict[str, Any]  # tokenizer_config.json merged with special_tokens_map.json
    class_name: str
    info: ClassInfo
    name_or_path: str
    chat_template: str | dict[str, str] | None = None
    # (id, token) from added_tokens_decoder / added_tokens.json, by id
    added_tokens: list[tuple[int, AddedToken]] = field(default_factory=list)
    model_file: str | None = None  # the SentencePiece .model the pipeline was read from (legacy saves copy it)


def class_info(name: Any, source: str) -> tuple[str, ClassInfo]:
    """Look up a tokenizer_class value ("BertTokenizerFast" is "BertTokenizer")."""
    if name is None:
        return "PreTrainedTokenizerFast", _GENERIC
    if not isinstance(name, str):
        raise ConfigError(f"{source}: tokenizer_class: expected a string, found {name!r}")
    base = name[:-4] if name.endswith("Fast") and name[:-4] in TOKENIZER_CLASSES else name
    if base not in TOKENIZER_CLASSES:
        supported = sorted({*TOKENIZER_CLASSES, *(f"{n}Fast" for n in TOKENIZER_CLASSES)})
        raise UnsupportedError(f"{source}: tokenizer_class {name!r} is not supported; supported: {supported}")
    return name, TOKENIZER_CLASSES[base]


def _read_json(path: str) -> Any:
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except json.JSONDecodeError as err:
        raise TokenizerFileError(f"{path}: not valid JSON: {err.msg} at line {err.lineno} column {err.colno}") from err
    except (OSError, UnicodeDecodeError) as err:
        raise TokenizerFileError(f"{path}: cannot read it ({err})") from err


def _read_json_object(folder: str, name: str) -> dict[str, Any]:
    path = os.path.join(folder, name)
    if not os.path.isfile(path):
        return {}
    data = _read_json(path)
    if not isinstance(data, dict):
        raise TokenizerFileError(f"{path}: expected a JSON object, found {type(data).__name__}")
    return data


def resolve_folder(
    path_or_id: str | os.PathLike[str], cache_dir: str | None, revision: str | None, gguf_file: str | None = None
) -> str:
    """A local folder as is; otherwise a hub id looked up in huggingface_hub's local cache (no network).

    The snapshot folder is found through the first tokenizer file the cache holds (``gguf_file`` first
    when given: a GGUF repository may hold nothing else)."""
    path = os.fspath(path_or_id)
    if os.path.isdir(path):
        return path
    if os.path.exists(path):
        raise TokenizerFileError(
            f"{path!r} is a file; pass the folder that holds the tokenizer files (for a GGUF file: "
            f"from_pretrained(folder, gguf_file='name.gguf'))"
        )
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:
        raise TokenizerFileError(
            f"{path!r} is not a local folder, and huggingface_hub is not installed to look it up as a hub id "
            "(pip install huggingface_hub); or pass the path of a folder with the tokenizer files"
        ) from None
    names = ("tokenizer_config.json", "tokenizer.json", "config.json", "vocab.txt", "vocab.json",
             *legacy.SENTENCEPIECE_FILES)
    for name in ((gguf_file,) if gguf_file else ()) + names:
        try:
            found = try_to_load_from_cache(path, name, cache_dir=cache_dir, revision=revision)
        except ValueError:  # not a valid repo id
            break
        if isinstance(found, str):
            return os.path.dirname(found)
    raise TokenizerFileError(
        f"{path!r} is neither a local folder nor in huggingface_hub's local cache. lexica does not download: "
        f"fetch it first (e.g. `huggingface-cli download {path}`) where there is a network, or pass a local folder"
    )


def load_tokenizer_files(folder: str, gguf_file: str | None = None) -> LoadedTokenizer:
    """Read the tokenizer in ``folder`` (and its GGUF file when given)."""
    config = _read_json_object(folder, "tokenizer_config.json")
    legacy_save = "added_tokens_decoder" not in config
    if legacy_save:  # as transformers: special_tokens_map.json counts (and wins) only for older saves
        config.update(_read_json_object(folder, "special_tokens_map.json"))
    source = os.path.join(folder, "tokenizer_config.json")
    if gguf_file is not None:
        return _load_gguf(folder, gguf_file, config)
    class_name = config.get("tokenizer_class")
    if class_name is None:
        model_type = _read_json_object(folder, "config.json").get("model_type")
        class_name = _MODEL_TYPES.get(model_type) if isinstance(model_type, str) else None
    class_name, info = class_info(class_name, source)
    backend = _backend_from_files(folder, config, info)
    loaded = LoadedTokenizer(backend, config, class_name, info, folder, _chat_template(folder, config))
    if not os.path.isfile(os.path.join(folder, "tokenizer.json")):
        loaded.model_file = next((os.path.join(folder, n) for n in legacy.SENTENCEPIECE_FILES
                                  if os.path.isfile(os.path.join(folder, n))), None)
    loaded.added_tokens = _config_added_tokens(folder, config, legacy_save)
    return loaded


def _load_gguf(folder: str, gguf_file: str, config: dict[str, Any]) -> LoadedTokenizer:
    from lexica.tokenization.gguf import gguf_backend

    path = gguf_file if os.path.isabs(gguf_file) else os.path.join(folder, gguf_file)
    if not os.path.isfile(path):
        raise TokenizerFileError(f"gguf_file: {path!r} does not exist")
    backend, gguf_config = gguf_backend(path)
    merged = {**gguf_config, **config}  # a tokenizer_config.json next to the file wins
    class_name, info = class_info(merged.get("tokenizer_class"), path)
    return LoadedTokenizer(backend, merged, class_name, info, folder, _chat_template(folder, merged))


def _backend_from_files(folder: str, config: dict[str, Any], info: ClassInfo) -> Tokenizer:
    def has(name: str) -> bool:
        return os.path.isfile(os.path.join(folder, name))

    if has("tokenizer.json"):
        return Tokenizer.from_file(os.path.join(folder, "tokenizer.json"))
    if has("vocab.json") and has("merges.txt"):
        return legacy.byte_level_bpe_backend(
            os.path.join(folder, "vocab.json"), os.path.join(folder, "merges.txt"), config, info.family == "roberta"
        )
    if has("vocab.txt"):
        return legacy.bert_backend(os.path.join(folder, "vocab.txt"), config)
    for name in legacy.SENTENCEPIECE_FILES:
        if has(name):
            backend, special = legacy.sentencepiece_backend(os.path.join(folder, name), config)
            for key, token in special.items():  # the .model's own unk/bos/eos/pad, when the config names none
                config.setdefault(key, token)
            return backend
    present = sorted(os.listdir(folder))[:20]
    raise TokenizerFileError(
        f"{folder}: no tokenizer files found; looked for {list(LOOKED_FOR)}; the folder holds {present}"
    )


def _chat_template(folder: str, config: dict[str, Any]) -> str | dict[str, str] | None:
    """chat_template.jinja, else chat_template.json, else tokenizer_config.json's chat_template."""
    jinja = os.path.join(folder, "chat_template.jinja")
    if os.path.isfile(jinja):
        with open(jinja, encoding="utf-8") as handle:
            return handle.read()
    template = _read_json_object(folder, "chat_template.json").get("chat_template", config.get("chat_template"))
    if isinstance(template, list):  # [{"name": ..., "template": ...}]: several named templates
        try:
            return {t["name"]: t["template"] for t in template}
        except (KeyError, TypeError) as err:
            raise ConfigError(
                f"{folder}: chat_template: expected a string or a list of {{'name', 'template'}}, found {template!r:.80}"
            ) from err
    if template is not None and not isinstance(template, str):
        raise ConfigError(f"{folder}: chat_template: expected a string, found {type(template).__name__}")
    return template


def _config_added_tokens(folder: str, config: dict[str, Any], legacy_save: bool) -> list[tuple[int, AddedToken]]:
    """v4's added_tokens_decoder ({id: AddedToken dict}), else legacy added_tokens.json ({token: id}), by id.

    As transformers 5, a token of added_tokens.json is special (and not normalized) when the config names
    it as a special token or lists it in ``extra_special_tokens`` (not ``additional_special_tokens``).
    """
    by_id: dict[int, AddedToken] = {}
    decoder = config.get("added_tokens_decoder") or {}
    if not isinstance(decoder, dict):
        raise ConfigError(f"{folder}: tokenizer_config.json added_tokens_decoder: expected an object, found {decoder!r:.80}")
    for key, value in decoder.items():
        path = f"tokenizer_config.json added_tokens_decoder[{key!r}]"
        if not str(key).isdigit():
            raise ConfigError(f"{folder}: {path}: expected an integer id as key")
        by_id[int(key)] = AddedToken.from_dict({k: v for k, v in value.items() if k != "__type"}, path) \
            if isinstance(value, dict) else AddedToken.from_dict(value, path)
    if legacy_save:
        named = {_token_content(config.get(k)) for k in SPECIAL_TOKEN_NAMES}
        extra = config.get("extra_special_tokens") or []
        named.update(_token_content(t) for t in (extra.values() if isinstance(extra, dict) else extra))
        for token, token_id in _read_json_object(folder, "added_tokens.json").items():
            if not isinstance(token_id, int) or isinstance(token_id, bool):
                raise ConfigError(f"{folder}: added_tokens.json[{token!r}]: expected an integer id, found {token_id!r}")
            special = token in named
            by_id.setdefault(token_id, AddedToken(token, normalized=not special, special=special))
    return sorted(by_id.items())


def _token_content(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("content")
    return value if isinstance(value, str) else None
