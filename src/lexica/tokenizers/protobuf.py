"""Just enough of the protobuf wire format to read a SentencePiece ``ModelProto`` (no protobuf import).

A message is a sequence of (field number, wire type, value) records
(https://protobuf.dev/programming-guides/encoding/): wire type 0 is a varint, 1 eight bytes,
2 a length-prefixed byte string (strings, bytes, sub-messages, packed repeated fields) and 5 four
bytes. Groups (3, 4) are obsolete and not supported.

`parse_message` walks one message into ``{field number: [(wire type, value), ...]}``; the typed
getters (`get_int`, `get_float`, ...) then read one field with its proto2 default, checking the
wire type. Every error is a `TokenizerFileError` that names the file and the field path
(``pieces[17].score``) and says what was expected and what was found, so a truncated or corrupt
file never surfaces as an IndexError or a struct error.
"""

from __future__ import annotations

import struct

from lexica.errors import TokenizerFileError

__all__ = ["Message", "parse_message", "get_int", "get_bool", "get_float", "get_str", "get_bytes",
           "get_message", "get_messages", "get_strs"]

VARINT, FIXED64, LENGTH, FIXED32 = 0, 1, 2, 5
_WIRE_NAMES = {0: "varint", 1: "fixed64", 2: "length-delimited", 3: "start-group", 4: "end-group", 5: "fixed32"}
_FLOAT = struct.Struct("<f")


class Message:
    """One parsed message: its fields, plus the file and path used in error messages."""

    __slots__ = ("fields", "source", "path")

    def __init__(self, fields: dict[int, list[tuple[int, object]]], source: str, path: str) -> None:
        self.fields = fields
        self.source = source
        self.path = path

    def error(self, field: str, message: str) -> TokenizerFileError:
        where = f"{self.path}.{field}" if self.path else field
        return TokenizerFileError(f"{self.source}: {where}: {message}")


def _varint(data: bytes, i: int, source: str, path: str) -> tuple[int, int]:
    """(value, next offset); a varint has at most 10 bytes."""
    value = shift = 0
    start = i
    while True:
        if i >= len(data):
            raise TokenizerFileError(
                f"{source}: {path or 'message'}: truncated varint at byte {start} (the data ends at byte {len(data)})"
            )
        byte = data[i]
        i += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, i
        shift += 7
        if shift >= 70:
            raise TokenizerFileError(f"{source}: {path or 'message'}: varint at byte {start} is longer than 10 bytes")


def parse_message(data: bytes, source: str, path: str = "", names: dict[int, str] | None = None) -> Message:
    """Split `data` into its records. `names` (field number -> name) makes errors name the field."""
    fields: dict[int, list[tuple[int, object]]] = {}
    i, size = 0, len(data)
    names = names or {}
    while i < size:
        key_at = i
        key, i = _varint(data, i, source, path)
        number, wire = key >> 3, key & 7
        name = names.get(number, f"field {number}")
        where = f"{path}.{name}" if path else name
        if number == 0:
            raise TokenizerFileError(f"{source}: {path or 'message'}: invalid field number 0 at byte {key_at}")
        if wire == VARINT:
            value, i = _varint(data, i, source, where)
        elif wire in (FIXED64, FIXED32):
            width = 8 if wire == FIXED64 else 4
            if i + width > size:
                raise TokenizerFileError(
                    f"{source}: {where}: truncated: expected {width} bytes at byte {i}, found {size - i}"
                )
            value, i = data[i : i + width], i + width
        elif wire == LENGTH:
            length, i = _varint(data, i, source, where)
            if i + length > size:
                raise TokenizerFileError(
                    f"{source}: {where}: truncated: length {length} at byte {i} runs past the end ({size - i} bytes left)"
                )
            value, i = data[i : i + length], i + length
        else:
            raise TokenizerFileError(
                f"{source}: {where}: unsupported wire type {wire} ({_WIRE_NAMES.get(wire, 'invalid')}) at byte {key_at}"
            )
        fields.setdefault(number, []).append((wire, value))
    return Message(fields, source, path)


def _last(msg: Message, number: int, name: str, wire: int) -> object | None:
    """The last record of a field (proto semantics: the last one wins), checking its wire type."""
    records = msg.fields.get(number)
    if not records:
        return None
    found, value = records[-1]
    if found != wire:
        raise msg.error(name, f"expected wire type {wire} ({_WIRE_NAMES[wire]}), found {found} ({_WIRE_NAMES.get(found, 'invalid')})")
    return value


def get_int(msg: Message, number: int, name: str, default: int) -> int:
    """An int32 or enum field. As protobuf parsers do, the varint is cut to its low 32 bits (a
    negative int32 is written as a 10-byte two's-complement varint)."""
    value = _last(msg, number, name, VARINT)
    if value is None:
        return default
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value >= (1 << 31) else value


def get_bool(msg: Message, number: int, name: str, default: bool) -> bool:
    value = _last(msg, number, name, VARINT)
    return default if value is None else bool(value)


def get_float(msg: Message, number: int, name: str, default: float) -> float:
    value = _last(msg, number, name, FIXED32)
    return default if value is None else _FLOAT.unpack(value)[0]


def get_bytes(msg: Message, number: int, name: str, default: bytes = b"") -> bytes:
    value = _last(msg, number, name, LENGTH)
    return default if value is None else bytes(value)


def _decode(msg: Message, name: str, raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise msg.error(name, f"expected UTF-8 text, found invalid byte {raw[err.start]:#04x} at {err.start}") from None


def get_str(msg: Message, number: int, name: str, default: str = "") -> str:
    value = _last(msg, number, name, LENGTH)
    return default if value is None else _decode(msg, name, value)


def get_strs(msg: Message, number: int, name: str) -> list[str]:
    """A repeated string field."""
    out = []
    for k, (wire, value) in enumerate(msg.fields.get(number, [])):
        if wire != LENGTH:
            raise msg.error(f"{name}[{k}]", f"expected wire type 2 (length-delimited), found {wire}")
        out.append(_decode(msg, f"{name}[{k}]", value))
    return out


def get_message(msg: Message, number: int, name: str, names: dict[int, str] | None = None) -> Message:
    """A singular sub-message (an absent one parses as empty, so every field takes its default).
    Records of a repeated-in-the-file singular message merge, as protobuf does."""
    path = f"{msg.path}.{name}" if msg.path else name
    merged: dict[int, list[tuple[int, object]]] = {}
    for wire, value in msg.fields.get(number, []):
        if wire != LENGTH:
            raise msg.error(name, f"expected wire type 2 (a sub-message), found {wire}")
        for key, records in parse_message(value, msg.source, path, names).fields.items():
            merged.setdefault(key, []).extend(records)
    return Message(merged, msg.source, path)


def get_messages(msg: Message, number: int, name: str, names: dict[int, str] | None = None) -> list[Message]:
    """A repeated sub-message field, in file order."""
    out = []
    base = f"{msg.path}.{name}" if msg.path else name
    for k, (wire, value) in enumerate(msg.fields.get(number, [])):
        if wire != LENGTH:
            raise msg.error(f"{name}[{k}]", f"expected wire type 2 (a sub-message), found {wire}")
        out.append(parse_message(value, msg.source, f"{base}[{k}]", names))
    return out
