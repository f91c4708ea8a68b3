"""A navigator without HTTP, for model tests: documents by URL, every call recorded.

It implements :class:`halkit.typing.Navigator`, the one seam resources, links
and forms use, so the model's navigation can be tested without sockets.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Tuple

import halkit
from halkit import uri


class StubNavigator:
    """Answers ``send`` with the document registered for the URL (a GET), or with ``answer``."""

    def __init__(self, documents: Optional[Mapping[str, Any]] = None, *, types: Optional[Mapping[Tuple[str, str], str]] = None) -> None:
        self.documents: Dict[str, Any] = dict(documents or {})
        #: (source type, rel) -> the type of the embedded resources (for embedded_type).
        self.types = dict(types or {})
        #: Every call: (method name, source, url, method, keyword arguments).
        self.calls: List[Tuple[str, Optional[str], str, str, Dict[str, Any]]] = []

    def _url(self, target: Any, variables: Optional[Mapping[str, Any]]) -> str:
        return target if isinstance(target, str) else target.expand(variables or {})

    def send(self, source: Optional[str], target: Any, method: str, *, variables: Any = None, **kwargs: Any) -> Optional[halkit.Resource]:
        url = self._url(target, variables)
        self.calls.append(("send", source, url, method, {k: v for k, v in kwargs.items() if v is not None}))
        document = self.documents.get(url)
        if document is None:
            return None
        return halkit.Resource(document, base_url=url, navigator=self)

    def send_raw(self, source: Optional[str], target: Any, method: str, *, variables: Any = None, **kwargs: Any) -> Any:
        url = self._url(target, variables)
        self.calls.append(("send_raw", source, url, method, {k: v for k, v in kwargs.items() if v is not None}))
        return {"method": method, "url": url}

    def embedded_type(self, source: Optional[str], rel: str) -> Optional[str]:
        return self.types.get((source or "", rel))

    def resolve_href(self, base: Optional[str], href: str) -> str:
        return uri.resolve(base, href) if base else href
