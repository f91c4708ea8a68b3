"""What reaches a terminal: server strings made harmless, colour when wanted.

Every string a server chose (property names and values, rels, titles, URLs,
error messages) goes through :func:`clean` before it is printed, so escape
sequences, carriage returns and bidirectional overrides cannot rewrite the
terminal. :class:`Output` writes lines of styled spans: with colour through
`rich <https://rich.readthedocs.io>`_ when it is installed (the ``cli``
extra) and wanted (``--color``, ``NO_COLOR``, a TTY), plain text otherwise.
"""

from __future__ import annotations

import json
import os
import re
from typing import IO, Any, List, Mapping, Optional, Sequence, Tuple, Union

__all__ = ["COLOR_CHOICES", "Output", "Span", "clean", "clean_json", "wants_color"]

#: Values of ``--color``.
COLOR_CHOICES = ("auto", "always", "never")

#: A piece of a line and its style (a rich style name, or ``None``).
Span = Tuple[str, Optional[str]]

# C0 controls, DEL, C1 controls, and the Unicode bidi embeddings/overrides/isolates
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
_UNSAFE_IN_JSON = re.compile("[\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")


def _escape(match: "re.Match[str]") -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def clean(text: Any) -> str:
    """``text`` as a string with every control character shown as an escape (``ESC`` -> ``\\x1b``).

    :param text: anything; non-strings are converted with :func:`str`.
    """
    return _UNSAFE.sub(_escape, text if isinstance(text, str) else str(text))


def _escape_json(match: "re.Match[str]") -> str:
    return f"\\u{ord(match.group()):04x}"


def clean_json(value: Any, *, indent: Optional[int] = 2) -> str:
    """``value`` as JSON that is safe on a terminal (and still valid JSON).

    :param value: a JSON-compatible value.
    :param indent: the indentation.
    """
    return _UNSAFE_IN_JSON.sub(_escape_json, json.dumps(value, indent=indent, ensure_ascii=False, default=str))


def _rich_available() -> bool:
    try:
        import rich  # noqa: F401
    except ImportError:
        return False
    return True


def wants_color(stream: IO[str], choice: str = "auto", environ: Optional[Mapping[str, str]] = None) -> bool:
    """Whether to colour what goes to ``stream``.

    ``never`` never; ``always`` when rich is installed; ``auto`` when the
    stream is a terminal, ``NO_COLOR`` is unset or empty, and rich is installed.

    :param stream: where the output goes.
    :param choice: ``"auto"``, ``"always"`` or ``"never"``.
    :param environ: the environment (default: :data:`os.environ`).
    """
    env = os.environ if environ is None else environ
    if choice == "never":
        return False
    if choice == "auto":
        if env.get("NO_COLOR") or not (hasattr(stream, "isatty") and stream.isatty()):
            return False
    return _rich_available()


class Output:
    """Writes lines of :data:`Span` to a stream, cleaned, coloured when asked.

    :param stream: the text stream.
    :param color: colour with rich.
    """

    def __init__(self, stream: IO[str], *, color: bool = False) -> None:
        self.stream = stream
        self.color = color
        self._console: Any = None
        if color:
            from rich.console import Console

            self._console = Console(file=stream, force_terminal=True, highlight=False, soft_wrap=True)

    def line(self, *spans: Union[Span, str]) -> None:
        """Write one line made of spans (a bare string is an unstyled span).

        :param spans: the pieces.
        """
        parts: List[Span] = [(s, None) if isinstance(s, str) else s for s in spans]
        if self._console is None:
            self.stream.write("".join(clean(text) for text, _ in parts) + "\n")
            return
        from rich.text import Text

        text = Text()
        for piece, style in parts:
            text.append(clean(piece), style=style or "")
        self._console.print(text)

    def lines(self, lines: Sequence[Sequence[Union[Span, str]]]) -> None:
        """Write several lines.

        :param lines: each a sequence of spans.
        """
        for spans in lines:
            self.line(*spans)

    def json(self, value: Any) -> None:
        """Write a JSON value, highlighted when colouring.

        :param value: a JSON-compatible value.
        """
        text = clean_json(value)
        if self._console is None:
            self.stream.write(text + "\n")
            return
        from rich.json import JSON

        self._console.print(JSON(text, ensure_ascii=True))
