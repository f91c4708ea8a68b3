"""halkit's benchmarks: ``python -m benchmarks`` (or ``tox -e bench``) from the repository root.

Not part of the test suite. See :mod:`benchmarks.__main__`.
"""
