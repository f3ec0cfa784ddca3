"""Stage 4, window and count.

Measures, slots, statistics, the pivot sensitivity sweep and the audit of stated numbers.
"""

# The package itself re-exports nothing: its public names live in its modules, imported by their full path.
__all__: list[str] = []
