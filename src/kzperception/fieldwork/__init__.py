"""Stages 1-3, making a corpus: collect reports from the sites, screen them, code them in sheets, measure agreement.

``synth`` makes labelled synthetic corpora for tests and demonstrations.
"""

# The package itself re-exports nothing: its public names live in its modules, imported by their full path.
__all__: list[str] = []
