"""A tiny HAL-FORMS server for the examples of ``hal.rst`` (the emulator has no forms).

``serve()`` starts it on a free loopback port, in a daemon thread, and returns
the server; ``server.url`` is its base URL, ``server.shutdown()`` stops it.

* ``GET /orders/7``: an order whose ``_templates`` hold a ``default`` form
  (``PATCH`` the order) and a ``pay`` form (``POST`` to ``/orders/7/payments``);
* ``PATCH /orders/7``: applies the JSON body, answers the order;
* ``POST /orders/7/payments``: answers ``201 Created`` with a ``Location``;
* ``GET /payments/<n>``: a payment, with what was posted.
"""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Optional

__all__ = ["serve"]


class _State:
    def __init__(self) -> None:
        self.order: Dict[str, Any] = {"id": 7, "status": "open", "total": 30.0, "currency": "EUR"}
        self.payments: List[Dict[str, Any]] = []


def _order_document(state: _State) -> Dict[str, Any]:
    return {
        **state.order,
        "_links": {"self": {"href": "/orders/7"}},
        "_templates": {
            "default": {
                "title": "Edit the order",
                "method": "PATCH",
                "properties": [
                    {"name": "status", "required": True, "options": {"inline": ["open", "shipped", "cancelled"]}},
                    {"name": "currency", "readOnly": True, "value": "EUR"},
                ],
            },
            "pay": {
                "title": "Pay",
                "method": "POST",
                "target": "/orders/7/payments",
                "properties": [
                    {"name": "amount", "type": "number", "required": True, "min": 0.01},
                    {"name": "card", "required": True, "regex": "^[0-9]{16}$", "prompt": "Card number"},
                ],
            },
        },
    }


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    state: _State

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return

    def _send(self, status: int, document: Optional[Dict[str, Any]], location: Optional[str] = None) -> None:
        body = json.dumps(document).encode() if document is not None else b""
        self.send_response(status)
        if document is not None:
            self.send_header("Content-Type", "application/prs.hal-forms+json")
        if location:
            self.send_header("Location", location)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _body(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(length) or b"null")

    def do_GET(self) -> None:  # noqa: N802
        match = re.fullmatch(r"/payments/(\d+)", self.path)
        if self.path == "/orders/7":
            self._send(200, _order_document(self.state))
        elif match and int(match.group(1)) <= len(self.state.payments):
            payment = self.state.payments[int(match.group(1)) - 1]
            self._send(200, {**payment, "_links": {"self": {"href": self.path}, "order": {"href": "/orders/7"}}})
        else:
            self._send(404, {"title": "Not Found"})

    def do_PATCH(self) -> None:  # noqa: N802
        if self.path != "/orders/7":
            self._send(404, {"title": "Not Found"})
            return
        self.state.order.update(self._body())
        self._send(200, _order_document(self.state))

    def do_POST(self) -> None:  # noqa: N802
        if self.path != "/orders/7/payments":
            self._send(404, {"title": "Not Found"})
            return
        body = self._body()
        self.state.payments.append({"amount": body["amount"], "card": "**** " + body["card"][-4:]})
        self._send(201, None, location=f"/payments/{len(self.state.payments)}")


def serve() -> ThreadingHTTPServer:
    """Start the server on 127.0.0.1 and a free port; ``.url`` is its base URL."""
    handler = type("Handler", (_Handler,), {"state": _State()})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    server.url = f"http://127.0.0.1:{server.server_address[1]}"  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
