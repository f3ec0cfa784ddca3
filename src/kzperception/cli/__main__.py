"""``python -m kzperception.cli``: the same app as the ``kzperception`` command."""

from kzperception.cli import app

app()
