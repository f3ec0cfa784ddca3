"""kzperception: the library behind the computational thesis.

Data flows one way, one module per stage:
collect -> screen -> code -> window & count -> chart/quote -> chapter -> book.
"""


def __getattr__(name: str) -> str:
    """``__version__``, read from the installed metadata when first asked (pyproject.toml sets it, in one
    place); looked up lazily so that importing the package for ``--help`` pays nothing for it."""
    if name != "__version__":
        raise AttributeError(f"module 'kzperception' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("kzperception")
    except PackageNotFoundError:  # a source tree on sys.path without an install: say so, never guess
        return "0+unknown"


__all__ = ["__version__"]
