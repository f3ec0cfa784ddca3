"""Stage 0, the ground every later stage stands on: the vocabulary, windows, the corpus loader and the counts contract.

Loaders of the project's data files (codebook, register, context) live here too. Nothing in this
package draws a chart or writes a page.
"""

# The package itself re-exports nothing: its public names live in its modules, imported by their full path.
__all__: list[str] = []
