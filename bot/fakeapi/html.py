"""A strict parser for Telegram's ``parse_mode=HTML``.

It follows the rules of TDLib's ``parse_html`` (the code behind the Bot API), so markup that Telegram
rejects is rejected here with the same wording, and markup that Telegram accepts produces the same plain
text and the same entities (offsets and lengths in UTF-16 code units).

Only the tags Telegram knows are accepted: ``b strong i em u ins s strike del span(class="tg-spoiler")
tg-spoiler a(href) code(class="language-x") pre blockquote(expandable) tg-emoji(emoji-id)``.  The named
entities ``&lt; &gt; &amp; &quot;`` and numeric ones (``&#39;``, ``&#x27;``) are decoded; an ``&`` that
does not start such an entity is kept literally, while a ``<`` that does not start a valid tag is an error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

__all__ = ["HtmlParseError", "parse_html", "trim_text", "utf16_len"]

_SPACES = frozenset(" \t\r\n\v\f\0")
_TRIM_CHARS = " \t\r\n\v\f"
_SPECIAL = re.compile(r"[<&]")
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}

#: tag name -> entity type
_TAG_ENTITY: dict[str, str] = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}


class HtmlParseError(ValueError):
    """Markup Telegram would reject.

    ``str(error)`` is the part after ``"Bad Request: can't parse entities: "``.
    """


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units, the unit Telegram uses for entity offsets."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(source: str, index: int) -> int:
    """UTF-8 byte offset of ``source[index]`` (Telegram reports errors in bytes)."""
    return len(source[:index].encode("utf-8", "surrogatepass"))


def _decode_entity(source: str, pos: int) -> tuple[str, int] | None:
    """Decode the character reference starting at ``source[pos] == "&"``.

    Returns ``(character, position after it)`` or ``None`` when it is not a valid reference (the ``&``
    is then literal).  As in TDLib the trailing ``;`` is optional.
    """
    n = len(source)
    end = pos + 1
    if end < n and source[end] == "#":
        end += 1
        value = 0
        if end < n and source[end] in "xX":
            end += 1
            start = end
            while end < n and source[end] in "0123456789abcdefABCDEF":
                value = value * 16 + int(source[end], 16)
                end += 1
                if value >= 0x10FFFF:
                    return None
        else:
            start = end
            while end < n and source[end].isdigit() and source[end].isascii():
                value = value * 10 + int(source[end])
                end += 1
                if value >= 0x10FFFF:
                    return None
        if end == start or value == 0 or 0xD800 <= value <= 0xDFFF:
            return None
        char = chr(value)
    else:
        while end < n and source[end].isascii() and source[end].isalpha():
            end += 1
        char_or_none = _NAMED_ENTITIES.get(source[pos + 1 : end])
        if char_or_none is None:
            return None
        char = char_or_none
    if end < n and source[end] == ";":
        end += 1
    return char, end


@dataclass
class _OpenTag:
    """A start tag waiting for its end tag."""

    name: str
    argument: str
    offset: int  # UTF-16 offset in the output where the tag content starts
    expandable: bool = False
    language: str = ""


def parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    """Parse Telegram HTML into ``(plain_text, entities)``.

    Entities are Bot API ``MessageEntity`` dicts sorted by offset.  Raises :class:`HtmlParseError`.
    Leading/trailing whitespace is *not* trimmed here (see :func:`trim_text`).
    """
    out: list[str] = []
    out_len = 0
    stack: list[_OpenTag] = []
    entities: list[dict[str, Any]] = []
    n = len(source)
    i = 0
    while i < n:
        char = source[i]
        if char == "&":
            decoded = _decode_entity(source, i)
            if decoded is None:
                out.append("&")
                out_len += 1
                i += 1
            else:
                out.append(decoded[0])
                out_len += utf16_len(decoded[0])
                i = decoded[1]
            continue
        if char != "<":
            match = _SPECIAL.search(source, i)
            end = match.start() if match else n
            chunk = source[i:end]
            out.append(chunk)
            out_len += utf16_len(chunk)
            i = end
            continue

        begin = i
        if i + 1 < n and source[i + 1] == "/":
            i = _close_tag(source, begin, stack, entities, out_len)
        else:
            tag, i = _open_tag(source, begin, out_len)
            stack.append(tag)
        i += 1  # skip '>'

    if stack:
        raise HtmlParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _open_tag(source: str, begin: int, out_len: int) -> tuple[_OpenTag, int]:
    """Parse a start tag at ``source[begin] == "<"``; returns the tag and the index of its ``>``."""
    n = len(source)
    i = begin + 1
    while i < n and source[i] not in _SPACES and source[i] != ">":
        i += 1
    if i >= n:
        raise HtmlParseError(f"Unclosed start tag at byte offset {_byte_offset(source, begin)}")
    name = source[begin + 1 : i].lower()
    if name not in _TAG_ENTITY:
        raise HtmlParseError(f'Unsupported start tag "{name}" at byte offset {_byte_offset(source, begin)}')

    argument = ""
    expandable = False
    while True:
        while i < n and source[i] in _SPACES:
            i += 1
        if i >= n:
            raise HtmlParseError(f"Unclosed start tag at byte offset {_byte_offset(source, begin)}")
        if source[i] == ">":
            break
        attr_begin = i
        while i < n and source[i] not in _SPACES and source[i] not in "=>":
            i += 1
        attr_name = source[attr_begin:i].lower()
        if not attr_name:
            raise HtmlParseError(
                f'Empty attribute name in the tag "{name}" at byte offset {_byte_offset(source, begin)}'
            )
        while i < n and source[i] in _SPACES:
            i += 1
        if i >= n:
            raise HtmlParseError(f"Unclosed start tag at byte offset {_byte_offset(source, begin)}")
        if source[i] != "=":
            if name == "blockquote" and attr_name == "expandable":
                expandable = True
                continue
            raise HtmlParseError(
                f'Expected equal sign in declaration of an attribute of the tag "{name}" '
                f"at byte offset {_byte_offset(source, begin)}"
            )
        i += 1
        while i < n and source[i] in _SPACES:
            i += 1
        if i >= n:
            raise HtmlParseError(f"Unclosed start tag at byte offset {_byte_offset(source, begin)}")
        if source[i] in "'\"":
            quote = source[i]
            i += 1
            value_parts: list[str] = []
            while i < n and source[i] != quote:
                if source[i] == "&":
                    decoded = _decode_entity(source, i)
                    if decoded is not None:
                        value_parts.append(decoded[0])
                        i = decoded[1]
                        continue
                value_parts.append(source[i])
                i += 1
            if i >= n:
                raise HtmlParseError(f"Unclosed start tag at byte offset {_byte_offset(source, begin)}")
            i += 1
            value = "".join(value_parts)
        else:
            token_begin = i
            while i < n and ((source[i].isascii() and source[i].isalnum()) or source[i] in ".-"):
                i += 1
            value = source[token_begin:i].lower()
            if i >= n or (source[i] not in _SPACES and source[i] != ">"):
                raise HtmlParseError(
                    f"Unexpected end of name token at byte offset {_byte_offset(source, token_begin)}"
                )
        if name == "a" and attr_name == "href":
            argument = value
        elif name == "code" and attr_name == "class" and value.startswith("language-"):
            argument = value[len("language-") :]
        elif name == "span" and attr_name == "class" and value.startswith("tg-"):
            argument = value[len("tg-") :]
        elif name == "tg-emoji" and attr_name == "emoji-id":
            argument = value
        elif name == "blockquote" and attr_name == "expandable":
            expandable = True
        # any other attribute is ignored, as Telegram does

    if name == "span" and argument != "spoiler":
        raise HtmlParseError(
            f'Tag "span" must have class "tg-spoiler" at byte offset {_byte_offset(source, begin)}'
        )
    if name == "tg-emoji" and not argument.isdigit():
        raise HtmlParseError(
            f'Tag "tg-emoji" must have attribute "emoji-id" at byte offset {_byte_offset(source, begin)}'
        )
    return _OpenTag(name=name, argument=argument, offset=out_len, expandable=expandable), i


def _close_tag(
    source: str, begin: int, stack: list[_OpenTag], entities: list[dict[str, Any]], out_len: int
) -> int:
    """Parse an end tag at ``source[begin:begin+2] == "</"``; emit its entity; return index of ``>``."""
    n = len(source)
    if not stack:
        raise HtmlParseError(f"Unexpected end tag at byte offset {_byte_offset(source, begin)}")
    i = begin + 2
    while i < n and source[i] not in _SPACES and source[i] != ">":
        i += 1
    name = source[begin + 2 : i].lower()
    while i < n and source[i] in _SPACES:
        i += 1
    if i >= n or source[i] != ">":
        raise HtmlParseError(f"Unclosed end tag at byte offset {_byte_offset(source, begin)}")
    tag = stack[-1]
    if name and name != tag.name:
        raise HtmlParseError(
            f"Unmatched end tag at byte offset {_byte_offset(source, begin)}, "
            f'expected "</{tag.name}>", found "</{name}>"'
        )
    stack.pop()
    length = out_len - tag.offset
    if length <= 0:
        return i
    entity_type = _TAG_ENTITY[tag.name]
    entity: dict[str, Any] = {"type": entity_type, "offset": tag.offset, "length": length}
    if tag.name == "code" and stack and stack[-1].name == "pre" and stack[-1].offset == tag.offset:
        # <pre><code class="language-x">...</code></pre> becomes one "pre" entity with a language
        stack[-1].language = tag.argument
        return i
    if entity_type == "text_link":
        if not tag.argument:
            return i  # Telegram drops links without a usable URL
        entity["url"] = tag.argument
    elif entity_type == "pre" and tag.language:
        entity["language"] = tag.language
    elif entity_type == "blockquote" and tag.expandable:
        entity["type"] = "expandable_blockquote"
    elif entity_type == "custom_emoji":
        entity["custom_emoji_id"] = tag.argument
    entities.append(entity)
    return i


def trim_text(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Strip leading/trailing whitespace like Telegram does, shifting and clipping the entities."""
    stripped = text.strip(_TRIM_CHARS)
    if stripped == text:
        return text, entities
    if not stripped:
        return "", []
    lead = utf16_len(text[: len(text) - len(text.lstrip(_TRIM_CHARS))])
    total = utf16_len(stripped)
    result: list[dict[str, Any]] = []
    for entity in entities:
        start = max(entity["offset"] - lead, 0)
        end = min(entity["offset"] + entity["length"] - lead, total)
        if end > start:
            result.append({**entity, "offset": start, "length": end - start})
    return stripped, result
