"""Stages 5-6, from numbers to pages: chapter parameters, glue, tables and charts, execution, books and reruns."""

# The package itself re-exports nothing: its public names live in its modules, imported by their full path.
__all__: list[str] = []
