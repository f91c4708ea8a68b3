"""The data the real-world fixtures seed their servers with (the counts the tests assert)."""

from __future__ import annotations

#: drf: authors and books (book ``i`` is by author ``i % 3``): 4 books each.
DRF_AUTHORS = ["Ursula K. Le Guin", "Terry Pratchett", "Octavia E. Butler"]
DRF_BOOKS = 12
#: flask: authors and books (book ``i`` is by author ``i % 2``): 5 books each.
FLASK_AUTHORS = ["Italo Calvino", "Jorge Luis Borges"]
FLASK_BOOKS = 10
