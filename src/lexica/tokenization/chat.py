"""``apply_chat_template``: render a conversation with the tokenizer's Jinja2 chat template.

Follows transformers (``apply_chat_template`` in ``tokenization_utils_base.py`` and
``utils/chat_template_utils.py``), so the rendered text is identical:

- a sandboxed, immutable Jinja2 environment with ``trim_blocks`` and ``lstrip_blocks`` and the
  ``loopcontrols`` extension; a ``tojson`` filter that does not escape HTML; the globals
  ``raise_exception``, ``strftime_now`` and ``namespace``;
- the template sees ``messages``, ``add_generation_prompt``, ``tools``, ``documents`` and every special
  token by name (``bos_token``, ``eos_token`` ...);
- ``continue_final_message`` cuts the render right after the last message's content, so the model
  continues it;
- tokenized without adding special tokens (the template writes them); with ``return_dict`` (the
  default, as in transformers 5) the result is a ``BatchEncoding``, otherwise the ``input_ids``.

Jinja2 is an optional dependency (``pip install lexica[chat]``), imported only here, when a template
is first rendered. Templates are compiled once and cached.
"""

from __future__ import annotations

import functools
import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from lexica.errors import ConfigError, InvalidInputError, UnsupportedError

if TYPE_CHECKING:
    from lexica.tokenization.base import PreTrainedTokenizer

__all__ = ["apply_chat_template", "render_chat"]

_CONTINUE_TAG = "CONTINUE_FINAL_MESSAGE_TAG "


@functools.lru_cache(maxsize=16)
def _compile(template: str) -> Any:
    try:
        import jinja2
        import jinja2.ext
        from jinja2.sandbox import ImmutableSandboxedEnvironment
    except ImportError:
        raise UnsupportedError("apply_chat_template needs jinja2: pip install jinja2 (or lexica[chat])") from None

    def raise_exception(message: str) -> None:
        raise jinja2.exceptions.TemplateError(message)

    def tojson(x: Any, ensure_ascii: bool = False, indent: Any = None, separators: Any = None,
               sort_keys: bool = False) -> str:
        # Jinja's own tojson escapes HTML characters; chat templates expect plain JSON.
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    def strftime_now(fmt: str) -> str:
        return datetime.now().strftime(fmt)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[jinja2.ext.loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    try:
        return env.from_string(template)
    except jinja2.exceptions.TemplateSyntaxError as err:
        raise ConfigError(f"chat_template: not a valid Jinja2 template: {err.message} (line {err.lineno})") from err


def _pick_template(tokenizer: PreTrainedTokenizer, chat_template: str | None, has_tools: bool) -> str:
    templates = tokenizer.chat_template
    if isinstance(templates, dict):
        if chat_template is not None:
            return templates.get(chat_template, chat_template)
        if has_tools and "tool_use" in templates:
            return templates["tool_use"]
        if "default" in templates:
            return templates["default"]
        raise ConfigError(f"chat_template: several named templates and none is 'default'; pass one of {sorted(templates)}")
    if chat_template is not None:
        return chat_template
    if templates is None:
        raise ConfigError(
            "apply_chat_template: this tokenizer has no chat template (no chat_template.jinja, no chat_template "
            "in tokenizer_config.json); pass chat_template='...' or set tokenizer.chat_template"
        )
    return templates


def _check_messages(chat: Any, index: int) -> list[dict[str, Any]]:
    if not isinstance(chat, (list, tuple)):
        raise InvalidInputError(f"conversation[{index}]: expected a list of message dicts, found {type(chat).__name__}")
    for j, message in enumerate(chat):
        if not isinstance(message, dict):
            raise InvalidInputError(f"conversation[{index}][{j}]: expected a dict with 'role' and 'content', found {message!r:.60}")
    return [dict(m) for m in chat]


def render_chat(
    tokenizer: PreTrainedTokenizer,
    conversations: list[list[dict[str, Any]]],
    add_generation_prompt: bool,
    continue_final_message: bool,
    chat_template: str | None,
) -> list[str]:
    """The rendered text of each conversation."""
    template = _pick_template(tokenizer, chat_template, False)
    compiled = _compile(template)
    if continue_final_message and add_generation_prompt:
        raise InvalidInputError("continue_final_message and add_generation_prompt cannot both be set")
    variables = {k: v for k, v in tokenizer.special_tokens_map.items()}
    rendered = []
    for chat in conversations:
        final = None
        if continue_final_message:
            if not chat or not isinstance(chat[-1].get("content"), str):
                raise InvalidInputError("continue_final_message: the last message needs a string 'content' to continue")
            final = chat[-1]["content"]
            chat[-1] = {**chat[-1], "content": final + _CONTINUE_TAG}
        text = compiled.render(messages=chat, tools=None, documents=None,
                               add_generation_prompt=add_generation_prompt, **variables)
        if final is not None:
            tag = text.rfind(_CONTINUE_TAG.strip())
            if tag < 0:
                raise ConfigError("continue_final_message: the chat template dropped the final message's content")
            cut = text[:tag]
            text = cut if text[tag:tag + len(_CONTINUE_TAG)] == _CONTINUE_TAG else cut.rstrip()
        rendered.append(text)
    return rendered


def apply_chat_template(
    tokenizer: PreTrainedTokenizer,
    conversation: Any,
    add_generation_prompt: bool,
    tokenize: bool,
    return_tensors: str | None,
    return_dict: bool,
    padding: bool | str,
    truncation: bool,
    max_length: int | None,
    continue_final_message: bool,
    chat_template: str | None,
) -> Any:
    if not isinstance(conversation, (list, tuple)) or not conversation:
        raise InvalidInputError("conversation: expected a non-empty list of messages (or a list of conversations)")
    is_batched = isinstance(conversation[0], (list, tuple))
    chats = [_check_messages(c, i) for i, c in enumerate(conversation if is_batched else [conversation])]
    rendered = render_chat(tokenizer, chats, add_generation_prompt, continue_final_message, chat_template)
    text: Any = rendered if is_batched else rendered[0]
    if not tokenize:
        return text
    out = tokenizer(text, add_special_tokens=False, padding=padding, truncation=truncation, max_length=max_length,
                    return_tensors=return_tensors)
    return out if return_dict else out["input_ids"]
