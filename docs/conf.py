"""Sphinx configuration for the halkit documentation.

Built by ``tox -e docs`` (HTML and doctest builders, warnings as errors).
Only Sphinx's built-in extensions are used, plus the local ``halkit_cli``
extension in ``_ext/``; nothing is fetched over the network.
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.abspath("_ext"))

import halkit  # noqa: E402

project = "halkit"
author = "The halkit developers"
copyright = "the halkit developers"  # noqa: A001
version = release = halkit.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.doctest",
    "sphinx.ext.viewcode",
    "halkit_cli",
]

root_doc = "index"
exclude_patterns = ["_build"]
templates_path: list = []
html_static_path: list = []
html_theme = "alabaster"
html_theme_options = {
    "description": "A client for HAL hypermedia APIs",
    "fixed_sidebar": True,
}
pygments_style = "sphinx"
nitpicky = False
default_role = "any"

# -- autodoc -----------------------------------------------------------------

autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {
    "members": True,
    "show-inheritance": True,
}

# -- doctest -----------------------------------------------------------------
#
# Every document (each doctest group) gets its own ChatKitty emulator on a
# free loopback port, so an example that creates a user cannot change what
# another page sees. ``emulator`` is the only name the setup provides.

doctest_global_setup = """
import warnings as _warnings
from halkit.emulator import Emulator as _Emulator
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
