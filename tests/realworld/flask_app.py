"""A small Flask-RESTful API rendered by flask-restful-hal (authors and their books).

What it serves, as flask-restful-hal 0.2 writes it:

* ``Content-Type: application/hal+json``; link objects as the draft says;
* hrefs built from the route rules given to ``add_resource``, which do not
  include the ``Api`` prefix: under ``Api(prefix="/api")`` a book at
  ``/api/books/3`` has ``"self": {"href": "/books/3"}``, an href relative to
  the API root, not to the document or the host;
* embedded resources only on request (``?embed=1``);
* ``POST /api/books`` answers ``200`` with the new book and its ``Location``
  (not ``201``), as some services do.

Two workarounds for running flask-restful-hal 0.2.6 on Flask 2.3+/3 (both
in this app, not in halkit): its request parser looks for ``embed`` in the
JSON body too, and modern Flask answers ``415`` to any GET without a JSON
Content-Type, so :class:`Resource` reads the query string only; and its
URL keyword handling needs strings, so the routes use ``<book_id>``, not
``<int:book_id>``.

(and, as configured here, ``_links`` and one level of ``_embedded`` by default:
the library itself serves them only when asked with ``?links=true&embed=1``).

The data lives in :class:`Store`, in memory, one per app.
"""

from __future__ import annotations

import threading
from typing import Any, Dict, List, Optional, Tuple

import flask
from flask_restful.reqparse import RequestParser
from flask_restful_hal import Api, Embedded, Link
from flask_restful_hal import Resource as HalResource

PAGE_SIZE = 4

_QUERY_ONLY = RequestParser()
_QUERY_ONLY.add_argument("embed", location="args", default="1")
_QUERY_ONLY.add_argument("links", location="args", default="true")


class Resource(HalResource):  # type: ignore[misc]
    """flask-restful-hal's resource, reading ``embed``/``links`` from the query string only.

    flask-restful-hal leaves out ``_links`` and ``_embedded`` unless the
    request asks (``?links=true&embed=1``); this API serves them by default
    (one level of embedding), which the query string can still turn off.
    """

    _request_parser = _QUERY_ONLY


class Store:
    """Authors and books, in memory."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.authors: Dict[int, Dict[str, Any]] = {}
        self.books: Dict[int, Dict[str, Any]] = {}

    def add_author(self, name: str) -> int:
        with self.lock:
            author_id = len(self.authors) + 1
            self.authors[author_id] = {"id": author_id, "name": name}
            return author_id

    def add_book(self, title: str, author_id: str) -> int:
        with self.lock:
            book_id = len(self.books) + 1
            self.books[book_id] = {"id": book_id, "title": title, "author_id": author_id}
            return book_id


def create_app(store: Store) -> flask.Flask:
    """The Flask application serving ``store`` under ``/api``."""
    app = flask.Flask("halkit_flask_restful_hal_app")
    api = Api(app, prefix="/api")

    class Root(Resource):
        def data(self) -> Dict[str, Any]:
            return {"name": "library"}

        def links(self) -> List[Link]:
            return [
                Link("books", "/books", quote=False),
                Link("book", ("/books/{id}", {"templated": True}), quote=False),
            ]

    class Book(Resource):
        def data(self, book_id: str) -> Dict[str, Any]:
            book = store.books.get(int(book_id))
            if book is None:
                flask.abort(404)
            return {"id": book["id"], "title": book["title"]}

        def links(self, book_id: str) -> List[Link]:
            return [Link("author", f"/authors/{store.books[int(book_id)]['author_id']}", quote=False)]

        def embedded(self, book_id: str) -> List[Embedded]:
            return [Embedded("author", AuthorResource, {"author_id": str(store.books[int(book_id)]["author_id"])})]

    class AuthorResource(Resource):
        def data(self, author_id: str) -> Dict[str, Any]:
            author = store.authors.get(int(author_id))
            if author is None:
                flask.abort(404)
            return dict(author)

        def links(self, author_id: str) -> List[Link]:
            books = [f"/books/{b['id']}" for b in store.books.values() if b["author_id"] == int(author_id)]
            return [Link("books", *books, always_as_list=True, quote=False)]

    class Books(Resource):
        def _page(self) -> Tuple[int, List[int]]:
            try:
                number = max(int(flask.request.args.get("page", "1")), 1)
            except ValueError:
                number = 1
            ids = sorted(store.books)
            return number, ids[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]

        def data(self) -> Dict[str, Any]:
            number, _ = self._page()
            return {"page": number, "total": len(store.books)}

        def links(self) -> List[Link]:
            number, _ = self._page()
            links = []
            if number * PAGE_SIZE < len(store.books):
                links.append(Link("next", f"/books?page={number + 1}", quote=False))
            if number > 1:
                links.append(Link("prev", f"/books?page={number - 1}", quote=False))
            return links

        def embedded(self) -> List[Embedded]:
            _, ids = self._page()
            return [Embedded("books", Book, *({"book_id": str(i)} for i in ids), always_as_list=True)]

        def post(self) -> Tuple[Dict[str, Any], int, Dict[str, str]]:
            body: Optional[Dict[str, Any]] = flask.request.get_json(silent=True)
            if not isinstance(body, dict) or not isinstance(body.get("title"), str) or body.get("author") not in store.authors:
                return {"message": "title (a string) and author (an author id) are required"}, 400, {}
            book_id = store.add_book(body["title"], body["author"])
            created = Book().to_dict(book_id=str(book_id), embed=0, include_links=True)
            return created, 200, {"Location": f"/api/books/{book_id}"}

    api.add_resource(Root, "/")
    api.add_resource(Books, "/books")
    api.add_resource(Book, "/books/<book_id>")
    api.add_resource(AuthorResource, "/authors/<author_id>")
    return app
