"""The ``mark1 rig`` commands: the sensor rig from the command line.

``mark1 rig simulate [--board uno|mega] [--grid 8x8|16x16|20x20] [--light FILE]
[--baud 115200|1000000] [--native]``
    Builds what is missing and runs the rig's firmware in simavr (or the native emulator).
    The first line printed is the path of the board's serial port (a pty: open it as a USB
    serial port is opened); then the board's events, one a line (``lamps 0xHH``, ``led 0|1``,
    ``reset``). Lines typed on stdin are the board's control commands (``press LEFT 50``,
    ``light ...``, ``reset``; see :mod:`hardware.simulate`). Runs until Ctrl-C or end of input.

``mark1 rig list``, ``mark1 rig check PORT [--json]``, ``mark1 rig calibrate PORT``
    The bridge to a real rig (:mod:`hardware.checkup`): candidate ports and what answered,
    a rig's handshake, frame rate, errors and lamp test, and its guided calibration.

:func:`add_rig_parser` adds them to the ``mark1`` parser; ``simulator.cli`` calls it. Errors
are :class:`simulator.errors.Mark1Error` with one line, printed by ``mark1`` before it exits with
status 2. Nothing here imports pyserial (the bridge commands import it when they run) or pygame.
"""

from __future__ import annotations

import argparse
import sys
import threading

from simulator.errors import DeviceError
from simulator.limits import limit, option_type

from . import simulate


def _board(text: str) -> str:
    return text.lower()


def cmd_simulate(args) -> int:
    """Run a simulated rig until Ctrl-C or end of input; returns the exit status."""
    v = simulate.variant(args.board, args.grid)
    steps = simulate.load_light(args.light, rows=v.rows, cols=v.cols) if args.light else None
    # The port's path must be the first line: events wait for it behind this lock.
    out = threading.Lock()

    def show(event) -> None:
        with out:
            print(event.line, flush=True)

    def complain(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    rig = simulate.SimulatedRig(board=v.board, grid=v.grid, baud=args.baud, native=args.native,
                                light=steps, on_event=show, on_complaint=complain)
    ended = threading.Event()      # end of input, or quit typed
    quitting = threading.Event()

    def forward_stdin() -> None:
        try:
            for line in sys.stdin:
                command = line.strip()
                if command == "quit":
                    quitting.set()
                if command:
                    rig.send(command)
                if quitting.is_set():
                    break
        except (DeviceError, OSError, ValueError):
            pass  # the board stopped: the main thread says so
        finally:
            ended.set()

    try:
        with out:
            rig.start()
            print(rig.port, flush=True)
        threading.Thread(target=forward_stdin, name="rig-stdin", daemon=True).start()
        while not ended.wait(0.2) and rig.running:
            pass
        if not rig.running and not quitting.is_set():
            last = rig.complaints()
            raise DeviceError("the simulated rig stopped" + (f": {last[-1]}" if last else ""))
    except KeyboardInterrupt:
        pass  # Ctrl-C is how it is meant to end
    finally:
        rig.close()
    return 0


def add_rig_parser(subparsers, parser_class=argparse.ArgumentParser):
    """Add ``rig simulate`` to the ``mark1`` command.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        What ``parser.add_subparsers(...)`` returned for the ``mark1`` parser.
    parser_class : type
        The parser class for the nested sub-commands (``simulator.cli._Parser``, whose usage
        errors are one line).

    Returns
    -------
    argparse.ArgumentParser
        The ``rig`` parser.
    """
    rig = subparsers.add_parser(
        "rig", help="the sensor rig: a simulated board (firmware in simavr) to talk to",
        description="The physical sensor rig (photocells, lamps, buttons on a microcontroller) "
                    "and its simulated twin.")
    sub = rig.add_subparsers(dest="rig_command", metavar="COMMAND", parser_class=parser_class)

    def show_help(args) -> int:
        rig.print_help()
        return 2  # a usage error, as for ``mark1`` without a command

    rig.set_defaults(func=show_help)
    s = sub.add_parser(
        "simulate", help="run the rig's firmware in simavr; prints its serial port's path first",
        description="Builds what is missing, runs the rig's real firmware in simavr and prints the "
                    "path of its serial port (a pty) as the first line; then the board's events "
                    "(lamps 0xHH, led 0|1, reset), one a line. Type control commands on stdin: "
                    "press LEFT|RIGHT|TRAIN MS [BOUNCES], light V0 .. V(n-1) (millivolts), reset. "
                    "Runs until Ctrl-C or end of input.")
    s.add_argument("--board", type=_board, choices=("uno", "mega"), default="uno",
                   help="uno: ATmega328P, 8 x 8 photocells; mega: ATmega2560 (default: uno)")
    s.add_argument("--grid", choices=("8x8", "16x16", "20x20"),
                   help="photocell grid: 8x8 on the uno, 16x16 or 20x20 (default) on the mega")
    s.add_argument("--light", metavar="FILE",
                   help="light on the photocells: a picture (PNG, JPEG, ...) or a light script "
                        "(digits 0-9 and 'hold MS' lines, played in a loop)")
    s.add_argument("--baud", type=int, choices=simulate.BAUDS, default=115200,
                   help="the firmware's serial speed (default: 115200)")
    s.add_argument("--native", action="store_true",
                   help="run the native rig emulator (no simavr needed) instead of the AVR build")
    s.set_defaults(func=cmd_simulate)
    _add_bridge_parsers(sub)
    return rig


def _bridge(name: str):
    def run(args) -> int:
        from . import checkup  # pyserial is imported only when a bridge command runs
        return getattr(checkup, name)(args)
    return run


def _add_bridge_parsers(sub) -> None:
    """``rig list``, ``rig check PORT`` and ``rig calibrate PORT`` (:mod:`hardware.checkup`)."""
    bauds = dict(type=int, choices=simulate.BAUDS, default=115200,
                 help="the firmware's serial speed (default: 115200; a pty ignores it)")
    s = sub.add_parser("list", help="candidate serial ports and which of them a rig answers on",
                       description="Lists the USB serial ports of Arduinos and the usual USB-serial "
                                   "chips and, for each, what answered the rig's handshake (opening "
                                   "a port resets an Arduino on it).")
    s.add_argument("--no-probe", action="store_true", help="list the ports without opening them")
    s.add_argument("--json", action="store_true", help="print the list as JSON")
    s.add_argument("--baud", **bauds)
    s.set_defaults(func=_bridge("cmd_list"))
    s = sub.add_parser("check", help="a rig's handshake, frame rate, errors, latency and a lamp test",
                       description="Opens the rig on PORT and shows its handshake, its frame rate "
                                   "beside the limit its wire and ADC set, error counts, a PING's "
                                   "round trip and a live view of its photocells; then lights each "
                                   "lamp in turn.")
    s.add_argument("port", metavar="PORT",
                   help="the rig's serial port: a path, /dev/serial/by-id/..., a pyserial URL "
                        "(socket://HOST:PORT, rfc2217://...) or auto")
    s.add_argument("--seconds", type=option_type("rig_check_seconds"), default=3.0,
                   help="how long to measure the frame rate and show the grid (default: 3; "
                        f"{limit('rig_check_seconds').span()})")
    s.add_argument("--no-lamps", action="store_true", help="skip the lamp test")
    s.add_argument("--json", action="store_true", help="print the findings as JSON, without the live view")
    s.add_argument("--baud", **bauds)
    s.set_defaults(func=_bridge("cmd_check"))
    s = sub.add_parser("calibrate", help="guided dark and bright calibration, kept on the rig and the host",
                       description="Asks you to cover the photocells, then to light them, capturing "
                                   "each on the board (EEPROM) and keeping both on this computer by "
                                   "the rig's board id.")
    s.add_argument("port", metavar="PORT", help="the rig's serial port (as for rig check)")
    s.add_argument("--baud", **bauds)
    s.set_defaults(func=_bridge("cmd_calibrate"))
