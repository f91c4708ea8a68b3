"""``halkit get``: fetch (or send to) a resource, follow rels, print it for people.

Next to httpie: ``-X/--method`` with request items (``name=value`` a string
field, ``name:=json`` a JSON field, ``name==value`` a query parameter,
``Name:value`` a header), ``--json BODY``, ``-i/--include`` for the status line
and headers, ``-v/--verbose`` for the request too, ``-o/--output FILE``, colour
on a terminal, and URL shorthands (``:8765/v1`` is ``http://localhost:8765/v1``).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
from typing import Any, Dict, List, Optional, Tuple

from .connect import ClientOptions, UsageError, make_client
from .errors import EXIT_OK, EXIT_VIOLATIONS
from .render import resource_lines, response_head_lines
from .terminal import Output, clean, wants_color

__all__ = ["add_parser", "expand_url", "parse_items", "run"]

_METHODS = ("GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE")
_LOCAL = re.compile(r"^(localhost|127(\.\d{1,3}){3}|\[::1\])(:\d*)?$", re.IGNORECASE)
_SECRET_HEADER = re.compile(r"auth|token|key|secret|cookie|session|password", re.IGNORECASE)


def expand_url(text: str) -> str:
    """Expand httpie's URL shorthands.

    ``:8765/v1`` -> ``http://localhost:8765/v1``; ``localhost:8765/v1`` ->
    ``http://localhost:8765/v1``; ``api.example.com/v1`` ->
    ``https://api.example.com/v1`` (plain http only for loopback hosts);
    URLs with a scheme are unchanged.

    :param text: what the user typed.
    """
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", text):
        return text
    if text.startswith(":"):
        rest = text[1:]
        port, slash, path = rest.partition("/")
        host = f"localhost:{port}" if port else "localhost"
        return f"http://{host}/{path}" if slash else f"http://{host}"
    host = re.split(r"[/?#]", text, maxsplit=1)[0]
    scheme = "http" if _LOCAL.match(host) else "https"
    return f"{scheme}://{text}"


_SEPARATORS = (":=", "==", "=", ":")


def parse_items(items: List[str]) -> Tuple[Dict[str, Any], Dict[str, str], Dict[str, str]]:
    """Split httpie-style request items into (body fields, query parameters, headers).

    :param items: ``name=value`` (string field), ``name:=json`` (JSON field),
        ``name==value`` (query parameter), ``Name:value`` (header).
    :raises UsageError: an item without a separator, or invalid JSON after ``:=``.
    """
    body: Dict[str, Any] = {}
    query: Dict[str, str] = {}
    headers: Dict[str, str] = {}
    for item in items:
        best: Optional[Tuple[int, str]] = None
        for sep in _SEPARATORS:
            at = item.find(sep)
            if at > 0 and (best is None or at < best[0] or (at == best[0] and len(sep) > len(best[1]))):
                best = (at, sep)
        if best is None:
            raise UsageError(f"request item {item!r}: expected name=value, name:=json, name==value or Header:value")
        at, sep = best
        name, value = item[:at], item[at + len(sep):]
        if sep == ":=":
            try:
                body[name] = json.loads(value)
            except json.JSONDecodeError as exc:
                raise UsageError(f"request item {item!r}: invalid JSON after ':=' ({exc.msg})") from exc
        elif sep == "==":
            query[name] = value
        elif sep == "=":
            body[name] = value
        else:
            headers[name.strip()] = value.strip()
    return body, query, headers


def _variables(values: List[str]) -> Dict[str, str]:
    out: Dict[str, str] = {}
    for value in values:
        name, sep, rest = value.partition("=")
        if not sep or not name:
            raise UsageError(f"--var {value!r}: expected NAME=VALUE")
        out[name] = rest
    return out


def add_parser(commands: "argparse._SubParsersAction[argparse.ArgumentParser]", common: List[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    """Add ``get`` to the sub-command parsers.

    :param commands: the sub-parsers action.
    :param common: parent parsers (client and output options).
    """
    get = commands.add_parser(
        "get",
        parents=common,
        help="fetch a resource (or send a request), follow rels, and print it",
        description="Fetch URL, follow the given rels in order, and print the resource: properties, links "
        "(with methods and template variables), embedded summaries and forms. With -X, send that method "
        "to the last URL, with a body from request items or --json.",
        epilog="Request items: name=value (a string field), name:=json (a JSON field), name==value (a query "
        "parameter), Name:value (a header). URL shorthands: ':8765/v1' and 'localhost:8765/v1' mean "
        "http://localhost:8765/v1; a host without scheme gets https:// (http:// for loopback).",
    )
    get.add_argument("url", metavar="URL", help="the URL to start from (shorthands allowed)")
    get.add_argument("items", nargs="*", metavar="ITEM", help="request items (see below)")
    get.add_argument("--follow", "-f", action="append", default=[], metavar="REL", help="a rel to follow (repeatable, in order)")
    get.add_argument("--var", action="append", default=[], metavar="NAME=VALUE", help="a URI template variable (repeatable)")
    get.add_argument("--method", "-X", type=str.upper, choices=_METHODS, metavar="METHOD",
                     help="the method of the last request: " + ", ".join(_METHODS) + " (default GET, or POST with a body)")
    get.add_argument("--json", "-j", dest="json_body", metavar="BODY", help="the request body as JSON text ('-' reads standard input)")
    get.add_argument("--include", "-i", action="store_true", help="print the status line and response headers")
    get.add_argument("--format", choices=("text", "json"), default="text", help="readable text (default) or the raw JSON")
    get.add_argument("--output", "-o", metavar="FILE", help="write the body (JSON) to FILE instead of the terminal")
    return get


def _redact(name: str, value: str) -> str:
    return "<redacted>" if _SECRET_HEADER.search(name) else value


def run(args: argparse.Namespace, stdin: Any, stdout: Any, stderr: Any) -> int:
    """Run ``halkit get``.

    :param args: the parsed arguments.
    :param stdin: read for ``--json -``.
    :param stdout: the output.
    :param stderr: violations, verbose request lines.
    :returns: the exit status.
    """
    body, query, item_headers = parse_items(list(args.items))
    if args.json_body is not None:
        if body:
            raise UsageError("give the body either as --json or as request items, not both")
        text = stdin.read() if args.json_body == "-" else args.json_body
        try:
            body = json.loads(text)
        except json.JSONDecodeError as exc:
            raise UsageError(f"--json: invalid JSON ({exc.msg}, line {exc.lineno} column {exc.colno})") from exc
    has_body = bool(body) or args.json_body is not None
    method = args.method or ("POST" if has_body else "GET")  # as httpie: a body without -X means POST
    if has_body and method in ("GET", "HEAD", "OPTIONS"):
        raise UsageError(f"{method} takes no body; use -X POST, PUT or PATCH")
    variables = _variables(args.var)
    options = ClientOptions.from_namespace(args, url=expand_url(args.url))
    options = dataclasses.replace(options, headers={**options.headers, **item_headers})
    color = wants_color(stdout, args.color)
    out = Output(stdout, color=color)
    err = Output(stderr, color=wants_color(stderr, args.color))
    client = make_client(options)
    with client:
        profile = client.profile
        send_body = body if has_body else None
        resource: Any = None
        response: Any = None
        if not args.follow:
            if method == "GET":
                resource = client.get(client.entry_url, type=profile.entry_type if profile is not None else None,
                                      params=query or None)
                response = resource.response
            else:
                response = client.request(method, client.entry_url, json=send_body, params=query or None)
        else:
            resource = client.root()
            if len(args.follow) > 1:
                resource = resource.follow(*args.follow[:-1], variables=variables)
            link = resource.link(args.follow[-1])
            resource = link.request(method, variables, json=send_body, params=query or None)
            response = resource.response if resource is not None else None
        if args.verbose and response is not None and response.request is not None:
            request = response.request
            err.line(("> ", "dim"), (f"{request.method} {request.url}", "bold"))
            for name, value in request.headers.items():
                err.line(("> ", "dim"), (name, "cyan"), ": ", _redact(name, str(value)))
            err.line()
        if (args.include or args.verbose) and response is not None:
            out.lines(response_head_lines(response))
        violations: List[Any] = []
        if profile is not None and resource is not None and resource.type is not None:
            violations = profile.validate(resource, resource.type)
        document: Any = resource.to_dict() if resource is not None else _json_or_none(response)
        if args.output:
            with open(args.output, "w", encoding="utf-8") as handle:
                json.dump(document, handle, indent=2, ensure_ascii=False)
                handle.write("\n")
        elif document is None:
            out.line(("(no content)", "dim"))
        elif args.format == "json" or resource is None:
            out.json(document)
        else:
            out.lines(resource_lines(resource, profile=profile))
        for v in violations:
            err.line(("violation: ", "bold red"), clean(str(v)))
    return EXIT_VIOLATIONS if violations else EXIT_OK


def _json_or_none(response: Any) -> Any:
    if response is None or not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return response.text
