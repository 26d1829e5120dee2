"""The ``mark1 lecture`` commands: the lecture's worked examples on the command line.

``mark1 lecture backprop [--json] [--rate R]``
    The 2-2-2 network worked step by step (or one JSON object with every named number).
``mark1 lecture graph [--json]``
    The computational graph f = (x + y) z at x = -2, y = 5, z = -4.

:func:`add_lecture_parser` adds them to the ``mark1`` parser; ``simulator.cli`` calls it.
Errors are raised as :class:`simulator.errors.ConfigError` with one line, which ``mark1``
prints as ``mark1: error: ...`` before exiting with status 2.
"""

from __future__ import annotations

import json
import math

from ..errors import ConfigError
from . import worked


def _rate(text) -> float:
    """The --rate value: a finite number above 0 (parsed here, so errors read like others)."""
    try:
        value = float(str(text).replace("_", ""))
    except ValueError:
        raise ConfigError(f"--rate must be a number above 0 (e.g. 0.5), got {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise ConfigError(f"--rate must be a finite number above 0 (e.g. 0.5), got {text!r}")
    return value


def cmd_backprop(args) -> int:
    """Print the worked 2-2-2 backpropagation example; returns the exit status."""
    rate = _rate(args.rate)
    if args.json:
        print(json.dumps(worked.backprop_example(rate)))
    else:
        print(worked.backprop_steps(rate))
    return 0


def cmd_graph(args) -> int:
    """Print the computational-graph example; returns the exit status."""
    if args.json:
        print(json.dumps(worked.graph_example()))
    else:
        print(worked.graph_steps())
    return 0


def add_lecture_parser(subparsers, parser_class):
    """Add ``lecture backprop`` and ``lecture graph`` to the ``mark1`` command.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        What ``parser.add_subparsers(...)`` returned for the ``mark1`` parser.
    parser_class : type
        The parser class for the nested sub-commands (``simulator.cli._Parser``, whose
        usage errors are one line).

    Returns
    -------
    argparse.ArgumentParser
        The ``lecture`` parser.
    """
    lecture = subparsers.add_parser(
        "lecture", help="the lecture's worked examples: backpropagation by hand",
        description="After the Mark I: the lecture's worked examples of backpropagation.")
    sub = lecture.add_subparsers(dest="lecture_command", metavar="EXAMPLE",
                                 parser_class=parser_class)

    def show_help(args) -> int:
        lecture.print_help()
        return 2  # a usage error, as for ``mark1`` without a command

    lecture.set_defaults(func=show_help)

    b = sub.add_parser("backprop", help="the 2-2-2 network: forward pass, backward pass, update")
    b.add_argument("--rate", default="0.5", metavar="R",
                   help="learning rate of the update (default 0.5, as in the lecture)")
    b.add_argument("--json", action="store_true", help="print one JSON object of named numbers")
    b.set_defaults(func=cmd_backprop)

    g = sub.add_parser("graph", help="the computational graph f = (x + y) z")
    g.add_argument("--json", action="store_true", help="print one JSON object")
    g.set_defaults(func=cmd_graph)
    return lecture
