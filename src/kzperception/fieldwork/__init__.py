"""Stages 1-3, making a corpus: collect reports from the sites, screen them, code them in sheets, measure agreement.

``synth`` makes labelled synthetic corpora for tests and demonstrations.
"""
