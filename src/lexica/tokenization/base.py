"""``PreTrainedTokenizer``: the high-level tokenizer that the Hugging Face course's chapter 2 is written against.

Follows transformers' tokenizer API (``tokenization_utils_base.py`` and the ``tokenizers``-backed class
``tokenization_utils_tokenizers.py``) on top of lexica's own pipeline (:class:`lexica.tokenizers.Tokenizer`,
the "backend"): ``tokenizer(text, text_pair, padding=..., truncation=..., return_tensors=...)`` returns a
:class:`BatchEncoding`; ``tokenize``, ``convert_tokens_to_ids``, ``encode``, ``decode``, ``pad``,
special-token attributes, ``add_tokens``, ``save_pretrained``, ``apply_chat_template``.

Where lexica decides differently from transformers 5 (each is asked for by issue 5):

- ``clean_up_tokenization_spaces`` defaults to True for WordPiece tokenizers when tokenizer_config.json
  does not set it (so ``decode`` prints the course's "i've"), False otherwise. As in transformers, it is
  never applied to BPE models, whose decode is lossless.
- Decoder-only tokenizers (byte-level BPE without a ``[CLS]``-style template) pad on the left by default
  (for generation), unless tokenizer_config.json sets ``padding_side``.
- Padding/truncation baked into tokenizer.json (MiniLM's Fixed 128) is ignored: they are per call.
- Input longer than ``model_max_length`` without truncation is returned whole, with a warning that
  says by how many tokens it is over and how to truncate.

As transformers 5 (``TokenizersBackend.__init__``): a pipeline without a post-processor, or a config that
sets ``add_bos_token`` / ``add_eos_token``, gets the template ``[bos] $A [eos]`` (``update_post_processor``);
special tokens written in the text are recognised unless ``split_special_tokens``; every named or extra
special token that is not an added token yet is added as a special one; classes whose transformers
class pads on the left (Llama, Gemma) do so unless the config says otherwise.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from typing import Any

from lexica.errors import ConfigError, InvalidInputError
from lexica.tokenization import encode as enc
from lexica.tokenization.batch_encoding import BatchEncoding
from lexica.tokenization.loading import SPECIAL_TOKEN_NAMES, VERY_LARGE_INTEGER, ClassInfo, LoadedTokenizer
from lexica.tokenizers.added_vocab import AddedToken
from lexica.tokenizers.decoders import cleanup
from lexica.tokenizers.encoding import PaddingParams, pad_encodings
from lexica.tokenizers.models import BPE, WordPiece
from lexica.tokenizers.processors import TemplateProcessing
from lexica.tokenizers.tokenizer import Tokenizer

__all__ = ["PreTrainedTokenizer"]

logger = logging.getLogger(__name__)

_SIDES = ("left", "right")
_EXTRA_KEYS = ("additional_special_tokens", "extra_special_tokens")


def _content(value: Any, name: str) -> str | None:
    """A special token from a config or a call: None, a str, an AddedToken or its dict form."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, AddedToken):
        return value.content
    if isinstance(value, dict) and isinstance(value.get("content"), str):
        return value["content"]
    raise ConfigError(f"{name}: expected a token string, found {value!r:.80}")


class PreTrainedTokenizer:
    """A tokenizer pipeline plus transformers' high-level settings and call API."""

    def __init__(self, loaded: LoadedTokenizer) -> None:
        self._tokenizer: Tokenizer = loaded.backend
        # MiniLM's tokenizer.json bakes in Fixed-128 padding and truncation 128; transformers ignores
        # them and so do we: padding and truncation are chosen per call.
        self._tokenizer.no_padding()
        self._tokenizer.no_truncation()
        config = loaded.config
        self.name_or_path = loaded.name_or_path
        self.tokenizer_class = loaded.class_name
        self._info: ClassInfo = loaded.info
        self.model_input_names: list[str] = list(config.get("model_input_names") or loaded.info.model_input_names)
        self.init_config: dict[str, Any] = {k: v for k, v in config.items() if k != "added_tokens_decoder"}
        self.chat_template = loaded.chat_template
        self.vocab_file = loaded.model_file
        self.model_max_length = self._int_setting(config, "model_max_length", VERY_LARGE_INTEGER)
        self.pad_token_type_id = 0
        self._special: dict[str, str | None] = {}
        self._extra_special: list[str] = []
        self._set_special_tokens(config, loaded)
        self._set_template(config)
        # As transformers: special tokens written in the text are recognised unless split_special_tokens.
        self._tokenizer.encode_special_tokens = bool(config.get("split_special_tokens", False))
        self.padding_side = (config.get("padding_side") or loaded.info.padding_side
                             or ("left" if self._is_decoder_only() else "right"))
        self.truncation_side = config.get("truncation_side") or "right"
        clean = config.get("clean_up_tokenization_spaces")
        self.clean_up_tokenization_spaces = isinstance(self._tokenizer.model, WordPiece) if clean is None else bool(clean)

    @staticmethod
    def _int_setting(config: dict[str, Any], key: str, default: int) -> int:
        value = config.get(key, default)
        if value is None:
            return default
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise ConfigError(f"tokenizer_config.json {key}: expected a positive integer, found {value!r}")
        return value

    def _set_special_tokens(self, config: dict[str, Any], loaded: LoadedTokenizer) -> None:
        """Special tokens from the config (else the class defaults), added to the backend as transformers does."""
        for token_id, token in loaded.added_tokens:  # in id order, so that new tokens get their saved ids
            (self._tokenizer.add_special_tokens if token.special else self._tokenizer.add_tokens)([token])
            if self._tokenizer.token_to_id(token.content) != token_id:
                logger.warning("added token %r has id %s in the saved config but %s in the tokenizer",
                               token.content, token_id, self._tokenizer.token_to_id(token.content))
        defaults = dict(loaded.info.defaults) if loaded.info.family != "generic" else {}
        for name in SPECIAL_TOKEN_NAMES:
            value = _content(config[name], name) if name in config else defaults.get(name)
            self._special[name] = value
        for key in _EXTRA_KEYS:
            extra = config.get(key)
            if isinstance(extra, dict):  # v5 may map names to tokens
                extra = list(extra.values())
            for token in extra or []:
                content = _content(token, key)
                if content is not None and content not in self._extra_special:
                    self._extra_special.append(content)
        # As transformers: every special token that is not an added token yet becomes one (special), either
        # flagging a vocabulary entry (GPT-2's <|endoftext|> in vocab.json) or taking a new id.
        present = {t.content for t in self._tokenizer.get_added_tokens_decoder().values()}
        missing = [t for t in self.all_special_tokens if t not in present]
        if missing:
            self._tokenizer.add_special_tokens(missing)

    def _set_template(self, config: dict[str, Any]) -> None:
        """transformers' ``update_post_processor``: when the config sets ``add_bos_token`` / ``add_eos_token``,
        or the pipeline has no post-processor, the template is ``[bos] $A [eos]`` / ``[bos] $A [eos] [bos] $B:1 [eos]:1``."""
        if "add_bos_token" not in config and "add_eos_token" not in config and self._tokenizer.post_processor is not None:
            return
        bos, eos = self._special.get("bos_token"), self._special.get("eos_token")
        add_bos = bool(config.get("add_bos_token", False)) and bos is not None
        add_eos = bool(config.get("add_eos_token", False)) and eos is not None
        head, tail = (f"{bos}:0 " if add_bos else ""), (f" {eos}:0" if add_eos else "")
        single = f"{head}$A:0{tail}"
        pair = single + (f" {bos}:1" if add_bos else "") + " $B:1" + (f" {eos}:1" if add_eos else "")
        special = [(t, self.convert_tokens_to_ids(t)) for t, on in ((bos, add_bos), (eos, add_eos)) if on]
        self._tokenizer.post_processor = TemplateProcessing(single=single, pair=pair, special_tokens=special)

    def _is_decoder_only(self) -> bool:
        """BPE whose template closes a sequence with no special token (no ``[SEP]``/``</s>`` after ``$A``):
        a decoder-only LM's tokenizer (GPT-2, SmolLM2, Llama 3, DeepSeek), which pads on the left."""
        if not isinstance(self._tokenizer.model, BPE) or self._info.family in ("bert", "roberta"):
            return False
        return not _appends_special_token(self._tokenizer.post_processor)

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_pretrained(
        cls,
        path_or_hub_id: str | os.PathLike[str],
        gguf_file: str | None = None,
        *,
        cache_dir: str | None = None,
        revision: str | None = None,
        padding_side: str | None = None,
        truncation_side: str | None = None,
        model_max_length: int | None = None,
    ) -> PreTrainedTokenizer:
        """Load from a folder (or a hub id in huggingface_hub's local cache); see ``AutoTokenizer``."""
        from lexica.tokenization.loading import load_tokenizer_files, resolve_folder

        folder = resolve_folder(path_or_hub_id, cache_dir, revision, gguf_file)
        loaded = load_tokenizer_files(folder, gguf_file)
        loaded.name_or_path = os.fspath(path_or_hub_id)
        for key, value in (("padding_side", padding_side), ("truncation_side", truncation_side),
                           ("model_max_length", model_max_length)):
            if value is not None:
                loaded.config[key] = value
        return cls(loaded)

    # ------------------------------------------------------------------ settings
    @property
    def padding_side(self) -> str:
        return self._padding_side

    @padding_side.setter
    def padding_side(self, value: str) -> None:
        if value not in _SIDES:
            raise ConfigError(f"padding_side: expected one of {list(_SIDES)}, found {value!r}")
        self._padding_side = value

    @property
    def truncation_side(self) -> str:
        return self._truncation_side

    @truncation_side.setter
    def truncation_side(self, value: str) -> None:
        if value not in _SIDES:
            raise ConfigError(f"truncation_side: expected one of {list(_SIDES)}, found {value!r}")
        self._truncation_side = value

    @property
    def backend_tokenizer(self) -> Tokenizer:
        """The low-level pipeline (transformers' ``backend_tokenizer``)."""
        return self._tokenizer

    @property
    def is_fast(self) -> bool:
        return True

    def __len__(self) -> int:
        return self._tokenizer.get_vocab_size(with_added_tokens=True)

    @property
    def vocab_size(self) -> int:
        """The model's vocabulary, without added tokens (transformers' meaning)."""
        return self._tokenizer.get_vocab_size(with_added_tokens=False)

    def get_vocab(self) -> dict[str, int]:
        return self._tokenizer.get_vocab(with_added_tokens=True)

    @property
    def vocab(self) -> dict[str, int]:
        return self.get_vocab()

    def get_added_vocab(self) -> dict[str, int]:
        return {t.content: i for i, t in sorted(self._tokenizer.get_added_tokens_decoder().items())}

    @property
    def added_tokens_decoder(self) -> dict[int, AddedToken]:
        return dict(sorted(self._tokenizer.get_added_tokens_decoder().items()))

    def num_special_tokens_to_add(self, pair: bool = False) -> int:
        processor = self._tokenizer.post_processor
        return 0 if processor is None else processor.added_tokens(pair)

    def __repr__(self) -> str:
        return (
            f"{self.tokenizer_class}(name_or_path={self.name_or_path!r}, vocab_size={self.vocab_size}, "
            f"model_max_length={self.model_max_length}, padding_side={self.padding_side!r}, "
            f"truncation_side={self.truncation_side!r}, special_tokens={self.special_tokens_map})"
        )

    # ------------------------------------------------------------------ special tokens
    @property
    def special_tokens_map(self) -> dict[str, Any]:
        out: dict[str, Any] = {k: v for k, v in self._special.items() if v is not None}
        if self._extra_special:
            out["additional_special_tokens"] = list(self._extra_special)
        return out

    @property
    def additional_special_tokens(self) -> list[str]:
        return list(self._extra_special)

    @property
    def all_special_tokens(self) -> list[str]:
        seen: list[str] = []
        for token in [*self._special.values(), *self._extra_special]:
            if token is not None and token not in seen:
                seen.append(token)
        return seen

    @property
    def all_special_ids(self) -> list[int]:
        return [i for i in (self._tokenizer.token_to_id(t) for t in self.all_special_tokens) if i is not None]

    def _get_special(self, name: str) -> str | None:
        return self._special.get(name)

    def _set_special(self, name: str, value: Any) -> None:
        self._special[name] = _content(value, name)

    def _get_special_id(self, name: str) -> int | None:
        token = self._special.get(name)
        return None if token is None else self.convert_tokens_to_ids(token)

    def _set_special_id(self, name: str, value: int | None) -> None:
        self._special[name] = None if value is None else self.convert_ids_to_tokens(value)

    def add_special_tokens(
        self, special_tokens_dict: Mapping[str, Any], replace_additional_special_tokens: bool = True
    ) -> int:
        """Set special tokens (``{'pad_token': '[PAD]'}``) and add them to the vocabulary; returns how many were added."""
        if not isinstance(special_tokens_dict, Mapping):
            raise InvalidInputError(
                f"add_special_tokens: expected a dict such as {{'pad_token': '[PAD]'}}, found {type(special_tokens_dict).__name__}"
            )
        to_add: list[str | AddedToken] = []
        for key, value in special_tokens_dict.items():
            if key in SPECIAL_TOKEN_NAMES:
                self._set_special(key, value)
                to_add.append(value if isinstance(value, AddedToken) else _content(value, key))
            elif key in _EXTRA_KEYS:
                if isinstance(value, (str, AddedToken)) or not isinstance(value, Sequence):
                    raise InvalidInputError(f"add_special_tokens: {key} must be a list of tokens, found {value!r:.80}")
                contents = [_content(v, key) for v in value]
                self._extra_special = contents if replace_additional_special_tokens else [
                    *self._extra_special, *(c for c in contents if c not in self._extra_special)]
                to_add.extend(value)
            else:
                raise InvalidInputError(
                    f"add_special_tokens: unknown key {key!r}; expected one of {[*SPECIAL_TOKEN_NAMES, *_EXTRA_KEYS]}"
                )
        return self._tokenizer.add_special_tokens([t for t in to_add if t is not None])

    def add_tokens(self, new_tokens: str | AddedToken | Sequence[str | AddedToken], special_tokens: bool = False) -> int:
        """Add tokens to the vocabulary; returns how many were added (as transformers)."""
        if isinstance(new_tokens, (str, AddedToken)):
            new_tokens = [new_tokens]
        if special_tokens:
            return self._tokenizer.add_special_tokens(new_tokens)
        return self._tokenizer.add_tokens(new_tokens)

    # ------------------------------------------------------------------ ids and tokens
    def convert_tokens_to_ids(self, tokens: str | Sequence[str]) -> int | None | list[int | None]:
        """Token(s) to id(s); an unknown token maps to ``unk_token_id`` (None when there is no unk token)."""
        if tokens is None:
            return None
        if isinstance(tokens, str):
            token_id = self._tokenizer.token_to_id(tokens)
            if token_id is None and self._special.get("unk_token") is not None:
                token_id = self._tokenizer.token_to_id(self._special["unk_token"])
            return token_id
        return [self.convert_tokens_to_ids(t) for t in tokens]

    def convert_ids_to_tokens(self, ids: int | Sequence[int], skip_special_tokens: bool = False) -> Any:
        """Id(s) to token(s) (None for an id outside the vocabulary)."""
        if isinstance(ids, int) and not isinstance(ids, bool):
            return self._tokenizer.id_to_token(ids)
        ids = _id_list(ids, "ids")
        special = set(self.all_special_ids) if skip_special_tokens else set()
        return [self._tokenizer.id_to_token(i) for i in ids if i not in special]

    def tokenize(self, text: str, pair: str | None = None, add_special_tokens: bool = False) -> list[str]:
        """The tokens of one text (or pair), without special tokens unless asked."""
        return self._encode_batch(enc.split_inputs(text, pair, False)[0], add_special_tokens, False)[0].tokens

    def convert_tokens_to_string(self, tokens: list[str]) -> str:
        decoder = self._tokenizer.decoder
        return " ".join(tokens) if decoder is None else decoder.decode(list(tokens))

    # ------------------------------------------------------------------ decoding
    def decode(
        self, token_ids: Any, skip_special_tokens: bool = False, clean_up_tokenization_spaces: bool | None = None
    ) -> str:
        """Ids (a list, a tensor, an int) back to text."""
        text = self._tokenizer.decode(_id_list(token_ids, "token_ids"), skip_special_tokens)
        clean = self.clean_up_tokenization_spaces if clean_up_tokenization_spaces is None else clean_up_tokenization_spaces
        if clean and not isinstance(self._tokenizer.model, BPE):  # never on BPE: its decode is lossless
            text = cleanup(text)
        return text

    def batch_decode(
        self, sequences: Any, skip_special_tokens: bool = False, clean_up_tokenization_spaces: bool | None = None
    ) -> list[str]:
        if hasattr(sequences, "tolist"):
            sequences = sequences.tolist()
        if isinstance(sequences, Mapping):
            sequences = sequences["input_ids"]
        return [self.decode(s, skip_special_tokens, clean_up_tokenization_spaces) for s in sequences]

    # ------------------------------------------------------------------ encoding
    def _encode_batch(self, inputs: list[Any], add_special_tokens: bool, is_split_into_words: bool) -> list[Any]:
        return self._tokenizer.encode_batch(inputs, is_pretokenized=is_split_into_words,
                                            add_special_tokens=add_special_tokens)

    def _pad_token_id_or_raise(self) -> int:
        token = self._special.get("pad_token")
        token_id = None if token is None else self._tokenizer.token_to_id(token)
        if token_id is None:
            raise ConfigError(
                "Asking to pad, but the tokenizer has no padding token"
                + ("" if token is None else f" ({token!r} is not in its vocabulary)")
                + ". Set one, e.g. `tokenizer.pad_token = tokenizer.eos_token`, or add one with "
                "`tokenizer.add_special_tokens({'pad_token': '[PAD]'})`"
            )
        return token_id

    def __call__(
        self,
        text: Any = None,
        text_pair: Any = None,
        add_special_tokens: bool = True,
        padding: bool | str = False,
        truncation: bool | str | None = None,
        max_length: int | None = None,
        stride: int = 0,
        is_split_into_words: bool = False,
        pad_to_multiple_of: int | None = None,
        padding_side: str | None = None,
        return_tensors: str | None = None,
        return_token_type_ids: bool | None = None,
        return_attention_mask: bool | None = None,
        return_overflowing_tokens: bool = False,
        return_special_tokens_mask: bool = False,
        return_offsets_mapping: bool = False,
        return_length: bool = False,
        verbose: bool = True,
    ) -> BatchEncoding:
        """Encode a text, a batch, a pair or a batch of pairs into model inputs (transformers' ``__call__``)."""
        if text is None:
            raise InvalidInputError("text: expected a str, a list of str, or words with is_split_into_words=True; found None")
        strategy = enc.resolve_strategy(padding, truncation, max_length, pad_to_multiple_of,
                                        self.model_max_length, VERY_LARGE_INTEGER)
        side = self.padding_side if padding_side is None else padding_side
        if side not in _SIDES:
            raise InvalidInputError(f"padding_side: expected one of {list(_SIDES)}, found {side!r}")
        pad_id = self._pad_token_id_or_raise() if strategy.padding != "do_not_pad" else 0
        inputs, is_batched = enc.split_inputs(text, text_pair, is_split_into_words)
        if strategy.truncation is None:
            self._tokenizer.no_truncation()
        else:
            self._tokenizer.enable_truncation(strategy.max_length, stride, strategy.truncation, self.truncation_side)
        encodings = self._encode_batch(inputs, add_special_tokens, is_split_into_words)
        want = enc.Returns(
            "token_type_ids" in self.model_input_names if return_token_type_ids is None else return_token_type_ids,
            "attention_mask" in self.model_input_names if return_attention_mask is None else return_attention_mask,
            return_overflowing_tokens, return_special_tokens_mask, return_offsets_mapping, return_length,
        )
        if strategy.padding != "do_not_pad":
            length = strategy.max_length if strategy.padding == "max_length" else None
            params = PaddingParams(length, side, pad_to_multiple_of, pad_id, self.pad_token_type_id,
                                   self._special["pad_token"])
            if return_tensors is not None:  # the padded arrays straight from the unpadded rows
                arrays = enc.encodings_to_arrays(encodings, want, params)
                if arrays is not None:
                    data, rows = arrays
                    if verbose and strategy.truncation is None:
                        self._warn_if_too_long(data["input_ids"].shape[1])
                    return BatchEncoding(data, rows, tensor_type=return_tensors, row_padding=params)
            pad_encodings(encodings, params)
        data, rows = enc.encodings_to_dict(encodings, want)
        if verbose and strategy.truncation is None:
            self._warn_if_too_long(max(map(len, data["input_ids"]), default=0))
        if not is_batched and return_tensors is None and not return_overflowing_tokens:
            data = {k: (v[0] if v and isinstance(v[0], list) else v) for k, v in data.items()}
        return BatchEncoding(data, rows, tensor_type=return_tensors)

    def _warn_if_too_long(self, longest: int) -> None:
        if longest > self.model_max_length:
            logger.warning(
                "Token indices sequence length is longer than the specified maximum sequence length for this "
                "model (%d > %d): %d tokens over. Running it through the model will fail; pass truncation=True "
                "(and max_length=...) to cut it, or return_overflowing_tokens=True with a stride to split it",
                longest, self.model_max_length, longest - self.model_max_length,
            )

    def encode(
        self,
        text: Any,
        text_pair: Any = None,
        add_special_tokens: bool = True,
        padding: bool | str = False,
        truncation: bool | str | None = None,
        max_length: int | None = None,
        stride: int = 0,
        padding_side: str | None = None,
        return_tensors: str | None = None,
    ) -> Any:
        """The ``input_ids`` of one text (or pair)."""
        return self(text, text_pair, add_special_tokens=add_special_tokens, padding=padding, truncation=truncation,
                    max_length=max_length, stride=stride, padding_side=padding_side,
                    return_tensors=return_tensors)["input_ids"]

    # ------------------------------------------------------------------ pad (collators)
    def pad(
        self,
        encoded_inputs: Any,
        padding: bool | str = True,
        max_length: int | None = None,
        pad_to_multiple_of: int | None = None,
        padding_side: str | None = None,
        return_attention_mask: bool | None = None,
        return_tensors: str | None = None,
    ) -> BatchEncoding:
        """Pad already-encoded inputs: a list of dicts (a collator's features) or a dict of lists."""
        from lexica.tokenization.padding import pad_encoded

        return pad_encoded(self, encoded_inputs, padding, max_length, pad_to_multiple_of, padding_side,
                           return_attention_mask, return_tensors)

    # ------------------------------------------------------------------ saving and chat
    def save_pretrained(
        self, save_directory: str | os.PathLike[str], legacy_format: bool | None = None
    ) -> tuple[str, ...]:
        """Write transformers' v5 layout (tokenizer.json, tokenizer_config.json, chat_template.jinja)."""
        from lexica.tokenization.saving import save_tokenizer

        return save_tokenizer(self, os.fspath(save_directory), legacy_format)

    def apply_chat_template(
        self,
        conversation: Any,
        add_generation_prompt: bool = False,
        tokenize: bool = True,
        return_tensors: str | None = None,
        return_dict: bool = True,
        padding: bool | str = False,
        truncation: bool = False,
        max_length: int | None = None,
        continue_final_message: bool = False,
        chat_template: str | None = None,
    ) -> Any:
        """Render messages with the tokenizer's Jinja chat template (and tokenize them), as transformers does."""
        from lexica.tokenization.chat import apply_chat_template

        return apply_chat_template(self, conversation, add_generation_prompt, tokenize, return_tensors, return_dict,
                                   padding, truncation, max_length, continue_final_message, chat_template)


def _appends_special_token(processor: Any) -> bool:
    """Whether a post-processor puts a special token after a single sequence ([SEP], </s>, EOS)."""
    kind = type(processor).__name__
    if kind in ("BertProcessing", "RobertaProcessing"):
        return True
    if kind == "TemplateProcessing":
        return bool(processor.single) and "SpecialToken" in processor.single[-1].to_dict()
    if kind == "Sequence":
        return any(_appends_special_token(p) for p in processor.processors)
    return False


def _id_list(token_ids: Any, name: str) -> list[int]:
    """Ids as a flat list of ints, from an int, a list, a tensor or an array."""
    if hasattr(token_ids, "tolist"):
        token_ids = token_ids.tolist()
    if isinstance(token_ids, int) and not isinstance(token_ids, bool):
        return [token_ids]
    if isinstance(token_ids, Mapping) and "input_ids" in token_ids:
        return _id_list(token_ids["input_ids"], name)
    if not isinstance(token_ids, (list, tuple)):
        raise InvalidInputError(f"{name}: expected an int, a list of ints or a tensor, found {type(token_ids).__name__}")
    for i, value in enumerate(token_ids):
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidInputError(f"{name}[{i}]: expected an int, found {value!r:.40}")
    return list(token_ids)


def _special_property(name: str) -> property:
    return property(lambda self: self._get_special(name), lambda self, value: self._set_special(name, value),
                    doc=f"The {name.replace('_', ' ')} (a string), or None.")


def _special_id_property(name: str) -> property:
    return property(lambda self: self._get_special_id(name), lambda self, value: self._set_special_id(name, value),
                    doc=f"The id of the {name.replace('_', ' ')}, or None.")


for _name in SPECIAL_TOKEN_NAMES:
    setattr(PreTrainedTokenizer, _name, _special_property(_name))
    setattr(PreTrainedTokenizer, f"{_name}_id", _special_id_property(_name))
