"""kzperception: the library behind the computational thesis.

Data flows one way, one module per stage:
collect -> screen -> code -> window & count -> chart/quote -> chapter -> book.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
