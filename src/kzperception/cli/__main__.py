"""``python -m kzperception.cli``: the same entry point as the ``kzperception`` command."""

from kzperception.cli import main

main()
