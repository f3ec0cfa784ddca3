"""Readings: what the counts say, as verdicts, and those verdicts in words.

The path is one way: **verdict → renderer → glue**.

- :mod:`~kzperception.readings.verdicts`: the typed decisions (leads / ties / none, grows / falls /
  flat, beyond / within chance) with the numbers and the test they rest on;
- :mod:`~kzperception.readings.compute`: pure functions of the counts that return verdicts, for any
  number of partners and any window;
- :mod:`~kzperception.readings.words` and :mod:`~kzperception.readings.render`: the wording rules
  and the renderer, the only place English sentences that interpret numbers are written;
- :mod:`~kzperception.readings.registry`: the names a chapter glues, so a name nothing produces is
  caught before the chapter runs; agreement with the thesis compares verdicts, never text.
"""

# The package itself re-exports nothing: its public names live in its modules, imported by their full path.
__all__: list[str] = []
