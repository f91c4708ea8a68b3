"""Sphinx configuration for the halkit documentation.

Built by ``tox -e docs``: the HTML builder and the doctest builder, both with
warnings as errors. Only Sphinx's own extensions are used, plus the local
ones in ``_ext/``; nothing is fetched over the network (no intersphinx).

Why Sphinx: the API reference is generated from the docstrings (autodoc),
the doctest builder runs every example of these pages against a live
emulator, and it is what requests, jsonschema and uritemplate use, so the
docstrings follow the conventions their readers know.
"""

from __future__ import annotations

import os
import sys

DOCS = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(DOCS, "_ext"))

import halkit  # noqa: E402

project = "halkit"
author = "The halkit developers"
copyright = "The halkit developers"  # noqa: A001
version = release = halkit.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.doctest",
    "sphinx.ext.viewcode",
    "halkit_cli",
    "halkit_metaschema",
    "halkit_apidoc",
]

root_doc = "index"
exclude_patterns = ["_build"]
html_theme = "alabaster"
html_theme_options = {
    "description": "A client for HAL hypermedia APIs",
    "fixed_sidebar": True,
    "show_relbars": True,
}
html_title = f"halkit {release}"
pygments_style = "sphinx"
# Unresolvable cross-references (requests, urllib3, the standard library: no
# intersphinx, to stay offline) render as plain text instead of failing.
nitpicky = False

# -- autodoc -----------------------------------------------------------------

autodoc_member_order = "bysource"
autodoc_default_options = {"show-inheritance": True}
autoclass_content = "both"

# -- doctest -----------------------------------------------------------------
#
# Each document is one doctest group (unless it names others), and each group
# runs the global setup first: a fresh ChatKitty emulator on a free loopback
# port, so an example that creates a user cannot change what another page
# sees. The setup gives the examples two names: ``emulator`` and ``DOCS`` (the
# absolute path of this folder, for the example profile in ``examples/``).

doctest_global_setup = f"""
from halkit.emulator import Emulator as _Emulator
DOCS = {DOCS!r}
emulator = _Emulator()
emulator.start()
"""

doctest_global_cleanup = """
emulator.stop()
"""

doctest_default_flags = (
    __import__("doctest").ELLIPSIS
    | __import__("doctest").NORMALIZE_WHITESPACE
    | __import__("doctest").DONT_ACCEPT_TRUE_FOR_1
)

# -- the API reference (see _ext/halkit_apidoc.py) --------------------------

#: The modules with a page of their own under api/: an object one of them
#: defines is documented there only, not where it is re-exported.
halkit_api_modules = [
    "halkit.client",
    "halkit.resource",
    "halkit.link",
    "halkit.forms",
    "halkit.hal",
    "halkit.templates",
    "halkit.urls",
    "halkit.uri",
    "halkit.auth",
    "halkit.transport",
    "halkit.cache",
    "halkit.fanout",
    "halkit.registry",
    "halkit.violations",
    "halkit.exceptions",
    "halkit.crawl",
    "halkit.emulator",
    "halkit.emulator.faults",
    "halkit.pytest_plugin",
    "halkit.cli",
    "halkit.typing",
]
