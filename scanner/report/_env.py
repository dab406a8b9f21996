"""Jinja environments and the file writing every renderer shares.

Two environments because the two template syntaxes escape differently:
HTML autoescapes (AWS tag values are attacker-controlled text), and Markdown
never autoescapes but passes every value through an explicit filter (``md``).
SARIF and JUnit have no template: they are built as data and written by
orjson and lxml (``byte_sink`` hands lxml's output to the same writer).
"""

from __future__ import annotations

import contextlib
import json
import queue
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
import orjson
from markupsafe import Markup

from scanner.atomic_write import FileMode, atomic_file
from scanner.paths import report_templates_dir
from scanner.report._text import md_escape
from scanner.terminal import visible_keep_whitespace

# XML 1.0 allows TAB, LF, CR and everything from U+0020 except surrogates and
# U+FFFE/U+FFFF; anything else makes a JUnit file unparsable.
_XML_INVALID = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


# The only ASCII characters XML 1.0 cannot carry: C0 controls but TAB, LF, CR.
_ASCII_INVALID = bytes([*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])


def strip_xml_invalid(text: str) -> str:
    # JUnit runs this over megabytes of cases; for ASCII text a bytes.translate
    # (C, one table lookup a byte) proves there is nothing to strip far faster
    # than the regex can.
    if text.isascii():
        data = text.encode("ascii")
        if len(data.translate(None, _ASCII_INVALID)) == len(data):
            return text
    return _XML_INVALID.sub("", text)


def json_bytes(value: Any, *, indent: bool = False) -> bytes:
    """``value`` as UTF-8 JSON, by orjson.

    orjson refuses lone surrogates (they are not UTF-8); such a value goes
    through the standard library, which writes them as ``\\udXXX`` escapes,
    the same JSON once parsed.  Anything else JSON has no type for (a
    datetime from boto3 is native to orjson) is written as its ``str``.
    """
    option = orjson.OPT_INDENT_2 if indent else 0
    try:
        return orjson.dumps(value, option=option, default=str)
    except orjson.JSONEncodeError:
        separators = (",", ": ") if indent else (",", ":")  # orjson's layout
        text = json.dumps(
            value,
            ensure_ascii=False,
            indent=2 if indent else None,
            separators=separators,
            default=str,
        )
        return text.encode("utf-8", errors="backslashreplace")


def tojson(value: Any) -> Markup:
    """A JSON literal, safe to paste anywhere in a JSON document.

    ``sort_keys`` keeps output deterministic.  ``<``, ``>`` and ``&`` are
    escaped so the same literal is also safe inside an HTML ``<script>`` block.
    """
    return Markup(script_json(value))


def script_safe(text: str) -> str:
    """JSON text with ``<``, ``>``, ``&`` and the JS line separators escaped: it
    cannot close a <script> element or break a JS string."""
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def script_json(value: Any, *, indent: int | None = None) -> str:
    text = script_safe(json.dumps(value, sort_keys=True, ensure_ascii=False, indent=indent))
    # C1 controls and bidi overrides as JSON escapes: the same data once
    # parsed, but never a raw override in the file (JSON leaves them raw).
    if _JSON_RAW_UNSAFE.search(text):
        text = _JSON_RAW_UNSAFE.sub(lambda m: f"\\u{ord(m[0]):04x}", text)
    return text


_JSON_RAW_UNSAFE = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _html_finalize(value: Any) -> Any:
    # Controls and bidi overrides in AWS data are shown as escapes (\x1b,
    # \u202e), never passed raw to the browser.  Escaping adds no HTML
    # metacharacter, so Markup stays Markup.
    if isinstance(value, str) and not (value.isascii() and value.isprintable()):
        return type(value)(visible_keep_whitespace(value))
    return value


def _md(value: Any) -> str:
    return md_escape("" if value is None else str(value))


def _loader() -> jinja2.FileSystemLoader:
    return jinja2.FileSystemLoader(str(report_templates_dir()))


def _environment(**options: Any) -> jinja2.Environment:
    """An environment with the settings and filters every template relies on."""
    env = jinja2.Environment(
        loader=_loader(),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        **options,
    )
    env.filters["tojson"] = tojson
    env.filters["md"] = _md
    return env


@cache
def html_env() -> jinja2.Environment:
    return _environment(autoescape=True, finalize=_html_finalize)


@cache
def text_env() -> jinja2.Environment:
    return _environment(autoescape=False, keep_trailing_newline=True)


def write_chunks(
    path: Path,
    chunks: Iterable[str] | Iterable[bytes],
    *,
    observe: Callable[[bytes], None] | None = None,
    mode: FileMode = FileMode.SHARED,
) -> int:
    """Stream ``chunks`` to ``path`` atomically; return the bytes written.

    A reader never sees a half-written report (``atomic_write``): reports are
    ``FileMode.SHARED`` (the umask decides), results.json ``PRIVATE``.
    ``backslashreplace`` only ever fires on lone surrogates, which can only
    sit inside JSON strings in our outputs, where ``\\udXXX`` is exactly the
    right escape.

    Blocks of ~1 MiB go to a writer thread: a write releases the GIL, so the
    kernel copies one block while the next is rendered (results.json at
    10,000 clusters is 640 MB; writing it inline was 1.3 s of the render).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    size = 0
    with atomic_file(path, mode) as out, _BlockWriter(out, observe) as writer:
        buffer: list[bytes] = []
        pending = 0
        for chunk in chunks:
            # bytes: already encoded (results.json, by msgspec)
            data = chunk if isinstance(chunk, bytes) else chunk.encode("utf-8", "backslashreplace")
            buffer.append(data)
            pending += len(data)
            if pending >= 1 << 20:
                size += writer.put(b"".join(buffer))
                buffer.clear()
                pending = 0
        size += writer.put(b"".join(buffer))
    return size


@contextlib.contextmanager
def byte_sink(
    path: Path,
    *,
    observe: Callable[[bytes], None] | None = None,
    mode: FileMode = FileMode.SHARED,
) -> Iterator[_ByteSink]:
    """A binary file-like ``write`` target that lands in ``path`` atomically.

    For writers that push bytes (lxml's ``xmlfile``) rather than yield text:
    what they write is gathered into ~1 MiB blocks and handed to the same
    writer thread as ``write_chunks``.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_file(path, mode) as out, _BlockWriter(out, observe) as writer:
        sink = _ByteSink(writer)
        yield sink
        sink.flush()


class _ByteSink:
    def __init__(self, writer: _BlockWriter) -> None:
        self._writer = writer
        self._buffer: list[bytes] = []
        self._pending = 0
        self.size = 0

    def write(self, data: bytes) -> int:
        self._buffer.append(data)
        self._pending += len(data)
        if self._pending >= 1 << 20:
            self.flush()
        return len(data)

    def flush(self) -> None:
        self.size += self._writer.put(b"".join(self._buffer))
        self._buffer.clear()
        self._pending = 0


class _BlockWriter:
    """Writes blocks to ``out`` (and hands them to ``observe``) on its own thread.

    The queue is bounded, so at most a few blocks wait in memory.  A write
    error stops the writing and is raised in the caller at its next ``put`` or
    at the end of the ``with``; an error in the caller (an exception, Ctrl-C)
    drops the blocks still queued and stops the thread without writing them.
    """

    def __init__(self, out: Any, observe: Callable[[bytes], None] | None) -> None:
        self._out, self._observe = out, observe
        self._blocks: queue.Queue[bytes | None] = queue.Queue(maxsize=4)  # None: no more
        self._error: BaseException | None = None
        self._abandoned = False
        self._thread = threading.Thread(target=self._run, name="report-writer", daemon=True)

    def __enter__(self) -> _BlockWriter:
        self._thread.start()
        return self

    def put(self, block: bytes) -> int:
        self._raise_error()
        if block:
            self._blocks.put(block)
        return len(block)

    def _run(self) -> None:
        blocks, out, observe = self._blocks, self._out, self._observe
        while (block := blocks.get()) is not None:
            if self._error is not None or self._abandoned:
                continue  # drain, so a producer blocked on a full queue wakes up
            try:
                out.write(block)
                if observe is not None:
                    observe(block)
            except BaseException as exc:  # raised again on the caller's thread
                self._error = exc

    def _raise_error(self) -> None:
        if self._error is not None:
            raise self._error

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is None:
            self._blocks.put(None)
        else:
            # The file is about to be deleted: nothing queued is written, and
            # the end mark must go in even if the queue was full (a blocking
            # put interrupted here would leave the thread waiting forever).
            self._abandoned = True
            with contextlib.suppress(queue.Empty):
                while True:
                    self._blocks.get_nowait()
            self._blocks.put_nowait(None)
        self._thread.join()
        if exc_type is None:
            self._raise_error()


def render_stream(env: jinja2.Environment, name: str, context: dict[str, Any]) -> Iterator[str]:
    return env.get_template(name).generate(**context)
