"""The ``Tokenizer``: the whole pipeline, and tokenizer.json reading and writing.

Follows HF `tokenizers` (``tokenizer/mod.rs``, ``tokenizer/serialization.rs`` and the Python
binding's ``Tokenizer``), step for step, so that every output is identical:

    added-token extraction -> normalizer -> pre-tokenizer -> model -> Encoding (one per sequence)
    -> truncation (room left for the processor's special tokens) -> post-processor -> padding

Word ids are the index of the pre-tokenizer split (added tokens count as splits); with
``is_pretokenized=True`` each given word is encoded on its own, its tokens get the word's index,
and offsets are relative to that word, as in HF.

Two decisions of our own, where HF's Python binding cannot answer:

- **Lone surrogates** (``"\\ud800"``, which Python strings can hold but UTF-8 cannot) are replaced
  by U+FFFD before encoding. One character becomes one character, so offsets still index the
  caller's string. HF raises on such input.
- **Files that are not UTF-8 / not JSON** raise ``TokenizerFileError`` naming the file and position.

Serialization writes keys in HF's order and formats (compact ``to_str()``, two-space indented
``save()``), so that our output is byte-identical to HF's for the same tokenizer.
"""

from __future__ import annotations

import gc
import json
import os
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from lexica.errors import InvalidInputError, TokenizerFileError, UnsupportedError
from lexica.tokenizers.added_vocab import AddedToken, AddedVocabulary
from lexica.tokenizers.encoding import Encoding, PaddingParams, TruncationParams, pad_encodings, truncate_encodings
from lexica.tokenizers.fast_path import BATCH_GROUP_CHARS, fast_decode, fast_encode, fast_prefetch, fast_rows
from lexica.tokenizers.processors import default_process

__all__ = ["Tokenizer"]

_SURROGATE = re.compile("[\ud800-\udfff]")
_VERSION = "1.0"
# tokenizer.json's top-level keys, in the order HF writes them.
_KEYS = ("version", "truncation", "padding", "added_tokens", "normalizer", "pre_tokenizer",
         "post_processor", "decoder", "model")

EncodeInput = str | tuple[str, str] | list[str] | tuple[Sequence[str], Sequence[str]]


def clean_text(text: Any, name: str = "sequence") -> str:
    """Check an input string and replace lone surrogates by U+FFFD (one for one: offsets hold)."""
    if not isinstance(text, str):
        raise InvalidInputError(f"{name}: expected a str, found {type(text).__name__}")
    if not text.isascii() and _SURROGATE.search(text):
        return _SURROGATE.sub("\ufffd", text)
    return text


class Tokenizer:
    """A tokenization pipeline around a model; every other stage is optional (``None``)."""

    use_fast_path = True  # False: always the general pipeline (tests compare the two)

    def __init__(self, model: Any) -> None:
        self._model = model
        self._normalizer: Any = None
        self.pre_tokenizer: Any = None
        self.post_processor: Any = None
        self.decoder: Any = None
        self._truncation: TruncationParams | None = None
        self._padding: PaddingParams | None = None
        self.added_vocabulary = AddedVocabulary()

    def __repr__(self) -> str:
        return f"Tokenizer(model={type(self._model).__name__}, vocab_size={self.get_vocab_size()})"

    # ------------------------------------------------------------------ stages
    @property
    def model(self) -> Any:
        return self._model

    @model.setter
    def model(self, model: Any) -> None:
        self._model = model
        self.added_vocabulary.refresh(model, self._normalizer)

    @property
    def normalizer(self) -> Any:
        return self._normalizer

    @normalizer.setter
    def normalizer(self, normalizer: Any) -> None:
        # Normalized added tokens are matched in their normalized form: rebuild that trie.
        self._normalizer = normalizer
        self.added_vocabulary.refresh(self._model, normalizer)

    @property
    def encode_special_tokens(self) -> bool:
        """When true, special tokens in the input are encoded as plain text (HF's switch)."""
        return self.added_vocabulary.encode_special_tokens

    @encode_special_tokens.setter
    def encode_special_tokens(self, value: bool) -> None:
        self.added_vocabulary.encode_special_tokens = bool(value)

    # ------------------------------------------------------------------ vocabulary
    def token_to_id(self, token: str) -> int | None:
        return self.added_vocabulary.token_to_id(token, self._model)

    def id_to_token(self, id: int) -> str | None:
        token = self.added_vocabulary.simple_id_to_token(id)
        return self._model.id_to_token(id) if token is None else token

    def get_vocab(self, with_added_tokens: bool = True) -> dict[str, int]:
        vocab = self._model.get_vocab()
        if with_added_tokens:
            vocab.update(self.added_vocabulary.get_vocab())
        return vocab

    def get_vocab_size(self, with_added_tokens: bool = True) -> int:
        if not with_added_tokens:
            return self._model.get_vocab_size()
        return len(self.get_vocab(True))

    def get_added_tokens_decoder(self) -> dict[int, AddedToken]:
        return self.added_vocabulary.added_tokens_decoder()

    def add_tokens(self, tokens: Iterable[str | AddedToken]) -> int:
        """Add tokens (a ``str`` is a normalized, non-special token); returns how many were added."""
        added = [_as_added_token(t, special=False, index=i) for i, t in enumerate(_check_list(tokens, "tokens"))]
        return self.added_vocabulary.add_tokens(added, self._model, self._normalizer)

    def add_special_tokens(self, tokens: Iterable[str | AddedToken]) -> int:
        """Add special tokens: always ``special``; not normalized unless the AddedToken says so."""
        added = [_as_added_token(t, special=True, index=i) for i, t in enumerate(_check_list(tokens, "tokens"))]
        return self.added_vocabulary.add_tokens(added, self._model, self._normalizer)

    # ------------------------------------------------------------------ truncation / padding
    def enable_truncation(
        self, max_length: int, stride: int = 0, strategy: str = "longest_first", direction: str = "right"
    ) -> None:
        params = TruncationParams(max_length=max_length, stride=stride, strategy=strategy, direction=direction)
        n_added = self._n_added_tokens(False)
        # When the processor adds more tokens than max_length, HF's unsigned subtraction wraps
        # around: no error here, and encoding then truncates nothing (``truncate_encodings``).
        if n_added <= max_length and max_length - n_added < stride:
            raise InvalidInputError(
                f"enable_truncation: stride ({stride}) is larger than the effective max length "
                f"{max_length - n_added} (= max_length {max_length} - {n_added} special tokens the "
                f"post-processor adds); lower the stride or raise max_length"
            )
        self._truncation = params

    def no_truncation(self) -> None:
        self._truncation = None

    @property
    def truncation(self) -> dict[str, Any] | None:
        t = self._truncation
        if t is None:
            return None
        return {"max_length": t.max_length, "stride": t.stride, "strategy": t.strategy, "direction": t.direction}

    def enable_padding(
        self,
        direction: str = "right",
        pad_id: int = 0,
        pad_type_id: int = 0,
        pad_token: str = "[PAD]",
        length: int | None = None,
        pad_to_multiple_of: int | None = None,
    ) -> None:
        self._padding = PaddingParams(
            length=length, direction=direction, pad_to_multiple_of=pad_to_multiple_of,
            pad_id=pad_id, pad_type_id=pad_type_id, pad_token=pad_token,
        )

    def no_padding(self) -> None:
        self._padding = None

    @property
    def padding(self) -> dict[str, Any] | None:
        p = self._padding
        if p is None:
            return None
        return {"length": p.length, "pad_to_multiple_of": p.pad_to_multiple_of, "pad_id": p.pad_id,
                "pad_token": p.pad_token, "pad_type_id": p.pad_type_id, "direction": p.direction}

    # ------------------------------------------------------------------ encoding
    def _encode_text(self, text: str, type_id: int, word_idx: int | None) -> Encoding:
        """One string through added tokens, normalizer, pre-tokenizer and model (HF ``encode_single_sequence``)."""
        rows = fast_rows(self, text, word_idx) if self.use_fast_path else None  # same rows, see fast_path.py
        if rows is None:
            pts = self.added_vocabulary.extract_and_normalize(self._normalizer, text)
            if self.pre_tokenizer is not None:
                self.pre_tokenizer.pre_tokenize(pts)
            model = self._model
            pts.tokenize(lambda n: model.tokenize(n.normalized))
            rows = pts.rows(word_idx)
        ids, tokens, offsets, words = rows
        n = len(ids)
        # Built directly: the rows are fresh lists of tuples already (from_tokens would copy them).
        return Encoding(ids=ids, type_ids=[type_id] * n, tokens=tokens, offsets=offsets, words=words,
                        special_tokens_mask=[0] * n, attention_mask=[1] * n)

    def _encode_sequence(self, sequence: Any, type_id: int, is_pretokenized: bool, name: str) -> Encoding:
        if not is_pretokenized:
            return self._encode_text(clean_text(sequence, name), type_id, None)
        words = _check_words(sequence, name)
        # Each word alone; offsets stay relative to their word (HF merges without growing offsets).
        return Encoding.merge(
            (self._encode_text(clean_text(w, f"{name}[{i}]"), type_id, i) for i, w in enumerate(words)),
            growing_offsets=False,
        )

    def encode(
        self,
        sequence: str | Sequence[str],
        pair: str | Sequence[str] | None = None,
        is_pretokenized: bool = False,
        add_special_tokens: bool = True,
    ) -> Encoding:
        """Encode one sequence (or a pair): a string, or a list of words when ``is_pretokenized``."""
        if pair is None and not is_pretokenized and self.use_fast_path:
            fast = fast_encode(self, clean_text(sequence, "sequence"), add_special_tokens)
            if fast is not None:
                return fast
        encoding = self._encode_sequence(sequence, 0, is_pretokenized, "sequence")
        pair_encoding = None if pair is None else self._encode_sequence(pair, 1, is_pretokenized, "pair")
        return self.post_process(encoding, pair_encoding, add_special_tokens)

    def encode_batch(
        self, inputs: Iterable[EncodeInput], is_pretokenized: bool = False, add_special_tokens: bool = True
    ) -> list[Encoding]:
        """Encode many inputs (a str / word list, or a pair of them); batch padding applies."""
        encodings: list[Encoding] = []
        items = _check_list(inputs, "inputs")
        fast_path = self.use_fast_path and not is_pretokenized
        with _collector_paused():
            # Groups small enough that the words they compute together all fit the fast path's cache
            # (a whole batch of more new words than that would evict its own words before use).
            for start, stop in _groups(items) if fast_path else [(0, len(items))]:
                group = items[start:stop]
                encoder = None
                try:
                    if fast_path:
                        # The group's new words, computed together, and its texts split once (fast_path.py).
                        encoder = fast_prefetch(self, _batch_texts(group))
                    if encoder is not None and all(type(item) is str for item in group):
                        # what encode does for each text, without its dispatch and the per-item input name
                        fast = encoder.encode
                        for text in group:
                            encodings.append(fast(clean_text(text), add_special_tokens))
                    else:
                        for i, item in enumerate(group, start):
                            first, second = _split_input(item, is_pretokenized, f"inputs[{i}]")
                            encodings.append(self.encode(first, second, is_pretokenized, add_special_tokens))
                finally:
                    if encoder is not None:
                        encoder.release()
        if self._padding is not None:
            pad_encodings(encodings, self._padding)
        return encodings

    def _n_added_tokens(self, is_pair: bool) -> int:
        return 0 if self.post_processor is None else self.post_processor.added_tokens(is_pair)

    def post_process(
        self, encoding: Encoding, pair: Encoding | None = None, add_special_tokens: bool = True
    ) -> Encoding:
        """Truncate (leaving room for special tokens), run the post-processor, then pad (HF order)."""
        if self._truncation is not None:
            n_added = self._n_added_tokens(pair is not None) if add_special_tokens else 0
            encoding, pair = truncate_encodings(encoding, pair, self._truncation, n_added)
        if self.post_processor is not None:
            final = self.post_processor.process(encoding, pair, add_special_tokens)
        else:
            final = default_process(encoding, pair, add_special_tokens)
        if self._padding is not None:
            pad_encodings([final], self._padding)
        return final

    # ------------------------------------------------------------------ decoding
    def decode(self, ids: Sequence[int], skip_special_tokens: bool = True) -> str:
        """Ids back to text; unknown ids are skipped, as HF does."""
        text = fast_decode(self, ids, skip_special_tokens) if self.use_fast_path else None
        if text is not None:  # same text, with precomputed id -> token tables (fast_path.py)
            return text
        tokens = []
        added = self.added_vocabulary
        for i, id in enumerate(_check_list(ids, "ids")):
            if isinstance(id, bool) or not isinstance(id, int) or id < 0:
                raise InvalidInputError(f"ids[{i}]: expected a non-negative int, found {id!r}")
            token = added.simple_id_to_token(id)
            if token is None:
                token = self._model.id_to_token(id)
                if token is None:
                    continue
            if skip_special_tokens and added.is_special_token(token):
                continue
            tokens.append(token)
        if self.decoder is None:
            return " ".join(tokens)
        return self.decoder.decode(tokens)

    def decode_batch(self, sequences: Iterable[Sequence[int]], skip_special_tokens: bool = True) -> list[str]:
        return [self.decode(ids, skip_special_tokens) for ids in _check_list(sequences, "sequences")]

    # ------------------------------------------------------------------ tokenizer.json
    def to_dict(self) -> dict[str, Any]:
        """The tokenizer.json object, keys in HF's order."""
        def stage(x: Any) -> Any:
            return None if x is None else x.to_dict()

        return {
            "version": _VERSION,
            "truncation": stage(self._truncation),
            "padding": stage(self._padding),
            "added_tokens": self.added_vocabulary.to_list(),
            "normalizer": stage(self._normalizer),
            "pre_tokenizer": stage(self.pre_tokenizer),
            "post_processor": stage(self.post_processor),
            "decoder": stage(self.decoder),
            "model": self._model.to_dict(),
        }

    def to_str(self, pretty: bool = False) -> str:
        """tokenizer.json as a string: compact like HF's ``to_str()``, or indented like ``save()``."""
        if pretty:
            return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)
        return json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":"))

    def save(self, path: str | os.PathLike[str], pretty: bool = True) -> None:
        """Write tokenizer.json atomically (temp file in the same folder, then rename)."""
        text = self.to_str(pretty)
        path = os.fspath(path)
        folder = os.path.dirname(os.path.abspath(path))
        fd, tmp = tempfile.mkstemp(prefix=".tokenizer-", suffix=".tmp", dir=folder)
        try:
            with os.fdopen(fd, "w", encoding="utf-8", errors="surrogatepass") as handle:
                handle.write(text)
            os.chmod(tmp, _file_mode(path))
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise

    @classmethod
    def from_str(cls, json_str: str, source: str = "tokenizer.json") -> Tokenizer:
        """Build a tokenizer from tokenizer.json text; errors name ``source`` and the JSON path."""
        if not isinstance(json_str, str):
            raise InvalidInputError(f"from_str: expected a str, found {type(json_str).__name__}")
        try:
            data = json.loads(json_str)
        except json.JSONDecodeError as err:
            raise TokenizerFileError(
                f"{source}: not valid JSON: {err.msg} at line {err.lineno} column {err.colno}"
            ) from err
        try:
            return cls.from_dict(data)
        except (TokenizerFileError, UnsupportedError) as err:
            if source == "tokenizer.json":
                raise
            raise type(err)(f"{source}: {err}") from err

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> Tokenizer:
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError as err:
            raise TokenizerFileError(f"tokenizer file {os.fspath(path)!r}: cannot read it ({err})") from err
        return cls.from_buffer(data, source=os.fspath(path))

    @classmethod
    def from_buffer(cls, buffer: bytes, source: str = "tokenizer.json") -> Tokenizer:
        try:
            text = bytes(buffer).decode("utf-8")
        except UnicodeDecodeError as err:
            raise TokenizerFileError(f"{source}: not valid UTF-8 at byte {err.start}") from err
        return cls.from_str(text, source)

    @classmethod
    def from_dict(cls, data: Any) -> Tokenizer:
        """Build from a parsed tokenizer.json (HF: ``model`` required, ``version`` must be "1.0")."""
        from lexica.tokenizers import decoders, models, normalizers, pre_tokenizers, processors

        if not isinstance(data, dict):
            raise TokenizerFileError(f"(root): expected a JSON object, found {type(data).__name__}")
        version = data.get("version", _VERSION)
        if version != _VERSION:
            raise UnsupportedError(f"version: expected {_VERSION!r}, found {version!r}")
        if "model" not in data:
            raise TokenizerFileError(f"model: missing; a tokenizer.json needs a model, found keys {sorted(data)}")
        tokenizer = cls(models.model_from_dict(data["model"], "model"))
        tokenizer._normalizer = normalizers.normalizer_from_dict(data.get("normalizer"), "normalizer")
        tokenizer.pre_tokenizer = pre_tokenizers.pre_tokenizer_from_dict(data.get("pre_tokenizer"), "pre_tokenizer")
        tokenizer.post_processor = processors.processor_from_dict(data.get("post_processor"), "post_processor")
        tokenizer.decoder = decoders.decoder_from_dict(data.get("decoder"), "decoder")
        if data.get("truncation") is not None:
            tokenizer._truncation = TruncationParams.from_dict(data["truncation"], "truncation")
        if data.get("padding") is not None:
            tokenizer._padding = PaddingParams.from_dict(data["padding"], "padding")
        tokenizer.added_vocabulary.add_tokens(
            _added_tokens_from_json(data.get("added_tokens", [])), tokenizer._model, tokenizer._normalizer
        )
        return tokenizer


# ---------------------------------------------------------------------- helpers


def _file_mode(path: str) -> int:
    """Keep an existing file's permissions; a new file gets the usual 0o666 minus the umask
    (``mkstemp`` would leave it 0o600)."""
    try:
        return os.stat(path).st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _added_tokens_from_json(value: Any) -> list[AddedToken]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise TokenizerFileError(f"added_tokens: expected a list, found {type(value).__name__}")
    tokens = []
    for i, d in enumerate(value):
        path = f"added_tokens[{i}]"
        token = AddedToken.from_dict(d, path)
        token_id = d.get("id")
        if isinstance(token_id, bool) or not isinstance(token_id, int) or token_id < 0:
            raise TokenizerFileError(f"{path}.id: expected a non-negative integer, found {token_id!r}")
        tokens.append(token)
    return tokens


def _as_added_token(token: Any, special: bool, index: int) -> AddedToken:
    if isinstance(token, str):
        return AddedToken(token, normalized=not special, special=special)
    if isinstance(token, AddedToken):
        if special and not token.special:
            return AddedToken(token.content, token.single_word, token.lstrip, token.rstrip, token.normalized, True)
        return token
    raise InvalidInputError(f"tokens[{index}]: expected a str or AddedToken, found {type(token).__name__}")


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector off for the block, then back as it was.

    An encode_batch creates tens of thousands of small objects (the encodings and their tuples)
    and no reference cycles. With the collector on, each 700 new objects start a collection, and
    the older generations are walked again and again as the batch's encodings age into them: up to a
    third of a batch's time on English prose (issue 3). Paused, the new objects are walked once,
    at the first collection after the batch. Nothing is lost: reference counting still frees
    everything the batch drops, and the collector finds any cycle at its next run."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _groups(items: list[Any]) -> Iterator[tuple[int, int]]:
    """(start, stop) of consecutive items holding at most ``BATCH_GROUP_CHARS`` characters of text
    (one item alone may hold more): few enough new words for the fast path's young generation to
    keep them all (see fast_path.BATCH_GROUP_CHARS)."""
    start = size = 0
    for i, item in enumerate(items):
        if type(item) is str:
            n = len(item)
        elif type(item) in (list, tuple):
            n = sum(len(t) for t in item if type(t) is str)
        else:
            n = 0
        if size + n > BATCH_GROUP_CHARS and i > start:
            yield start, i
            start, size = i, 0
        size += n
    if start < len(items) or not items:
        yield start, len(items)


def _batch_texts(items: list[Any]) -> list[str]:
    """The strings of a batch's inputs (a str, or a pair of them); anything else is checked later."""
    texts = []
    for item in items:
        if type(item) is str:
            texts.append(item)
        elif type(item) in (list, tuple):
            texts += [t for t in item if type(t) is str]
    return texts


def _check_list(value: Any, name: str) -> list[Any]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise InvalidInputError(f"{name}: expected a list, found {type(value).__name__}")
    return list(value)


def _check_words(value: Any, name: str) -> list[str]:
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise InvalidInputError(
            f"{name}: with is_pretokenized=True expected a list of words, found {type(value).__name__}"
        )
    return list(value)


def _split_input(item: Any, is_pretokenized: bool, name: str) -> tuple[Any, Any]:
    """One ``encode_batch`` input -> (sequence, pair or None), with HF's rules for telling them apart."""
    if not is_pretokenized:
        if isinstance(item, str):
            return item, None
        if isinstance(item, (list, tuple)) and len(item) == 2 and all(isinstance(x, str) for x in item):
            return item[0], item[1]
        raise InvalidInputError(f"{name}: expected a str or a pair (str, str), found {item!r:.80}")
    if isinstance(item, (list, tuple)):
        if all(isinstance(x, str) for x in item):
            return list(item), None
        if len(item) == 2 and all(isinstance(x, (list, tuple)) for x in item):
            return list(item[0]), list(item[1])
    raise InvalidInputError(
        f"{name}: with is_pretokenized=True expected a list of words or a pair of word lists, found {item!r:.80}"
    )
