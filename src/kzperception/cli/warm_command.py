"""``kzperception warm status`` and ``stop``: the warm processes reruns leave (:mod:`kzperception.cli.warm`).

Kept apart from :mod:`kzperception.cli.warm`, which a rerun imports before its command line is
parsed and which therefore imports nothing it does not need.
"""

from __future__ import annotations

import typer

__all__ = ["register"]

warm_app = typer.Typer(
    help="The warm process a rerun leaves so the next rerun from the same folder starts with its "
    "libraries imported (KZP_WARM=0 starts none).",
    no_args_is_help=True,
)


@warm_app.command("status")
def warm_status() -> None:
    """List this user's warm processes: pid, folder, minutes up and idle, reruns served; and say why a
    rerun from here would start none, where that is so."""
    from kzperception.cli.warm import status, unavailable

    found = status()
    reason = unavailable()
    if reason is not None:
        typer.echo(f"reruns from this folder start and use no warm process: {reason}")
    if not found:
        typer.echo("no warm process is running")
        return
    for s in found:
        up, idle = float(s.get("up", 0)) / 60, float(s.get("idle", 0)) / 60
        typer.echo(
            f"pid {s.get('pid')}: {s.get('cwd')}; up {up:.1f} min, idle {idle:.1f} min; "
            f"{s.get('served', 0)} rerun(s) served, {s.get('running', 0)} running"
        )


@warm_app.command("stop")
def warm_stop() -> None:
    """Ask every warm process of this user to leave (a rerun it is running finishes first)."""
    from kzperception.cli.warm import stop

    pids = stop()
    typer.echo(f"stopped {len(pids)} warm process(es)" + (f": {', '.join(map(str, pids))}" if pids else ""))


def register(app: typer.Typer) -> None:
    app.add_typer(warm_app, name="warm")
