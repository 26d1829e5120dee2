"""The ``mark1`` command line.

Every error a person can cause (a bad number, a missing file, a corrupted state) prints one
line on stderr and exits with status 2; nothing is overwritten.
"""

from __future__ import annotations

import argparse
import codecs
import json
import logging
import os
import sys
from pathlib import Path

import numpy as np

from hardware.commands import add_rig_parser

from . import experiments
from .atomicfile import check_writable
from .errors import ConfigError, DeviceError, Mark1Error, StateFileError
from .filelock import locked
from .lecture.commands import add_lecture_parser
from .limits import limit
from .limits import option_type as _limited
from .machine import RULES

EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line, like every other error here."""

    def error(self, message):
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _progress_bar(total: int, label: str):
    """A tqdm bar on stderr for long runs; None when short or not on a terminal."""
    if total < 5000 or not sys.stderr.isatty():
        return None
    from tqdm import tqdm
    return tqdm(total=total, desc=label, unit="card", file=sys.stderr, leave=False)


# ---------------------------------------------------------------- experiment
def _print_experiment(result: experiments.Result, exp: experiments.Experiment) -> None:
    r = result
    print(f"{r.experiment}: {exp.title}")
    print(f"  seed {r.seed}, {r.a_units} A-units, {r.trials:,} presentations, classes "
          f"{' / '.join(r.class_names)}, rule {r.settings['rule']}, A-unit threshold "
          f"{r.settings['a_threshold']:g} ({r.settings['excitatory']} exc + "
          f"{r.settings['inhibitory']} inh)")
    print()
    print("  presentations  test accuracy  errors since last row")
    rows = r.curve if len(r.curve) <= 14 else [r.curve[i] for i in
                                               np.unique(np.geomspace(1, len(r.curve), 14).astype(int) - 1)]
    last = 0
    for t, acc in rows:
        since = sum(e for tt, e in r.errors if last < tt <= t)
        bar = "#" * int(round(max(acc - 0.4, 0) / 0.6 * 30))
        print(f"  {t:>13,}  {acc:>12.1%}  {since:>6,}  {bar}")
        last = t
    print()
    crit = (f"{r.trials_to_criterion:,} presentations" if r.trials_to_criterion is not None
            else "not reached")
    print(f"  to {experiments.CRITERION:.0%} on held-out cards: {crit}")
    print(f"  training accuracy {r.train_accuracy:.1%}, test accuracy {r.test_accuracy:.1%} "
          f"(best {r.best_test_accuracy:.1%})")
    print(f"  published: {r.published}")
    if r.details.get("finding"):
        print(f"  finding: {r.details['finding']}")


def cmd_experiment(args) -> int:
    if args.list:
        for e in experiments.EXPERIMENTS.values():
            print(f"{e.name:<15} {e.title}  [published: {e.published}]")
        return 0
    if not args.name:
        raise Mark1Error("name an experiment, or use --list to see them")
    exp = experiments.get(args.name)
    if args.plot:
        _check_output(args.plot, (".png",))
    trials = args.trials or exp.trials
    bar = _progress_bar(trials or 0, exp.name)
    last = [0]

    def progress(done):
        if bar is not None:
            bar.update(done - last[0])
            last[0] = done

    try:
        result = experiments.run(args.name, seed=args.seed, trials=trials, a_units=args.a_units,
                                 progress=progress)
    finally:
        if bar is not None:
            bar.close()
    if args.plot and result.details.get("machines"):  # several machines, one chart (lms)
        from .charts import write_curves
        write_curves([(m["name"], m["learning_curve"], None) for m in result.details["machines"]],
                     args.plot, title=f"{exp.name}: {exp.title}",
                     subtitle=f"seed {args.seed}; held-out cards")
    elif args.plot:
        from .charts import write_curve
        write_curve(result.curve, args.plot, title=f"{exp.name}: {exp.title}",
                    published=exp.published)
    if args.json:
        print(json.dumps(result.as_dict()))
    else:
        _print_experiment(result, exp)
        if args.plot:
            print(f"  learning curve written to {args.plot}")
    return 0


# ---------------------------------------------------------------- wiring
def cmd_wiring(args) -> int:
    from .charts import write_wiring
    from .machine import MarkI
    _check_output(args.out, (".csv", ".png"))
    m = MarkI(wiring_seed=args.seed, a_units=args.a_units)
    m.reset_weights()
    write_wiring(m.plugboard_, args.out, seed=args.seed)
    print(f"plugboard chart for wiring seed {args.seed} written to {args.out}")
    return 0


def cmd_cards(args) -> int:
    from .charts import write_cards
    exp = experiments.get(args.name)
    _check_output(args.out, (".png",))
    deck = exp.deal(args.count, np.random.default_rng(args.seed))
    write_cards(deck, args.out)
    print(f"{args.count} {exp.name} cards (seed {args.seed}) written to {args.out}")
    return 0


# ---------------------------------------------------------------- train / classify
def cmd_train(args) -> int:
    from .cards import folder_cards
    from .machine import MarkI
    _check_state(args.state)  # as typed: Path() would drop a trailing slash
    state = Path(args.state)
    # Held from load to save: a second run on this file meanwhile is refused, so neither run's
    # training is silently overwritten by the other's.
    with locked(state):
        deck = folder_cards(args.folder)
        if state.exists():
            m = MarkI.load(state)
            if m.class_names_ and m.class_names_ != deck.class_names:
                raise Mark1Error(f"{state} was trained on classes {', '.join(m.class_names_)}, the "
                                 f"folder has {', '.join(deck.class_names)}; use another --state file")
            print(f"continuing {state} ({m.presentations_:,} presentations so far)")
            if args.rule is not None:
                m.set_params(rule=args.rule)  # what it learned stays; the new rule goes on
        else:
            m = MarkI(seed=args.seed, a_units=args.a_units, r_units=args.r_units, coding=args.coding,
                      rule=args.rule or "alpha")
        _check_r_units(m, len(deck.class_names), continued=state.exists())
        m.set_classes(len(deck.class_names), deck.class_names)
        rng = np.random.default_rng(args.seed)
        for p in range(args.passes):
            order = rng.permutation(len(deck))
            trace = m.train(deck.cards[order], deck.labels[order])
            print(f"pass {p + 1}: {int(trace.mistakes.sum())} of {len(deck)} cards corrected")
        acc = m.score(deck.cards, deck.labels)
        m.save(state)
    print(f"{len(deck)} pictures in {len(deck.class_names)} classes "
          f"({', '.join(deck.class_names)}); training accuracy {acc:.1%}; state saved to {state}")
    return 0


def _check_r_units(m, n_classes: int, *, continued: bool) -> None:
    """Refuse, naming the option, a machine with too few R-units for the folder's classes."""
    from .coding import units_used
    try:
        units_used(m.coding, n_classes, m.r_units)
    except ConfigError:
        need = n_classes if m.coding == "winner" else int(np.ceil(np.log2(n_classes)))
        what = (f"{m.coding} coding of {n_classes} classes needs {need} R-units, the machine has "
                f"{m.r_units}")
        if continued:
            raise Mark1Error(f"{what}; use another --state file") from None
        other = ", or --coding binary" if m.coding == "winner" else ""
        raise Mark1Error(f"{what}; use --r-units {need} or more{other}") from None


def cmd_classify(args) -> int:
    from .machine import MarkI
    from .retina import light_levels
    m = MarkI.load(args.state)
    if m.n_classes_ is None:
        raise Mark1Error(f"{args.state}: this machine has not been trained on classes yet; "
                         "run 'mark1 train DIR --state F' first")
    cards = np.stack([light_levels(p) for p in args.images])
    labels = m.predict(cards)
    names = m.class_names_ or tuple(str(k) for k in range(m.n_classes_))
    for path, label in zip(args.images, labels):
        print(f"{path}\t{names[label] if label >= 0 else '(no class)'}")
    return 0


# ---------------------------------------------------------------- demo (the front panel)
def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a size like 1600x900") from None
    wide, high = limit("window_width"), limit("window_height")
    if not (wide.accepts(w) and high.accepts(h)):
        raise argparse.ArgumentTypeError(f"{text} is out of range: give {wide.lo}x{high.lo} to "
                                          f"{wide.hi}x{high.hi}")
    return w, h


def _check_output(path, suffixes) -> None:
    """Refuse an output path before the long work, not after it (nothing is left behind)."""
    if Path(path).suffix.lower() not in suffixes:
        raise ConfigError(f"{path}: output must end in {' or '.join(suffixes)}")
    try:
        check_writable(path)
    except OSError as exc:
        raise ConfigError(f"{path}: {exc.strerror or exc}") from None


def _check_state(path) -> None:
    """Refuse a state file that could not be saved, before the work (links are followed)."""
    try:
        check_writable(path)
    except OSError as exc:
        raise StateFileError(f"{path}: {exc.strerror or exc}") from None


def _open_rig(port: str):
    """The rig's link, connected; or, when the port cannot be opened now, one line on stderr and a
    link that keeps looking in the background (the panel runs on its own retina meanwhile)."""
    from hardware.link import RigLink

    link = RigLink(port=port)
    try:
        link.open()
    except DeviceError as exc:
        print(f"mark1: {exc} (the panel runs on its own retina and keeps looking for the rig)",
              file=sys.stderr)
        link.start()
    return link


def cmd_demo(args) -> int:
    """The left/right task of the 1958 IBM 704 demonstration, on the Mark I's front panel."""
    from .panel.app import Panel, close_window, no_display, open_window, run
    from .panel.clock import FrameClock, SteppedClock
    from .panel.sound import SoundBoard
    from .session import Session

    headless = args.headless or no_display()
    if headless and not args.headless:
        print("mark1: no display found; running the demo off screen (--headless)", file=sys.stderr)
    shot = args.screenshot or ("mark1-panel.png" if headless else None)
    if shot:
        _check_output(shot, (".png",))
    if args.state:
        _check_state(args.state)
    if not experiments.get(args.experiment).panel:
        shown = ", ".join(e.name for e in experiments.EXPERIMENTS.values() if e.panel)
        raise Mark1Error(f"experiment {args.experiment!r} is not shown on the panel; choose one "
                         f"of {shown}")
    session = Session(seed=args.seed, experiment=args.experiment, speed=args.speed)
    state = Path(args.state) if args.state else Path("mark1-state.mark1")
    if args.state and state.exists() and not session.load(state):
        print(f"mark1: {session.alert} (starting a fresh machine)", file=sys.stderr)
    size = args.size or ((1920, 1080) if headless else (1600, 900))
    link = _open_rig(args.rig) if args.rig else None   # before the window: a bad URL stops here
    try:
        screen = open_window(size, headless=headless, fullscreen=args.fullscreen)
    except BaseException:
        if link is not None:
            link.close()
        raise
    sound = SoundBoard(enabled=not args.quiet)
    if not headless and not sound.start() and sound.reason and not args.quiet:
        session.say(f"({sound.reason})")
    rig = None
    if link is not None:
        from hardware.feed import RigFeed
        rig = RigFeed(link=link, session=session)
    panel = Panel(session, screen, sound=sound, state_path=state, rig=rig)
    for picture in args.picture or []:
        if not session.load_picture(picture):
            print(f"mark1: {session.alert} (the demo goes on)", file=sys.stderr)
    if session.demo:
        session.toggle_run()  # the demonstration starts by itself, as the 1958 program did
    # the rig's link wakes the loop as a frame arrives, so its answer reaches the lamps at once
    clock = SteppedClock(1 / 30) if headless else FrameClock(60, wake=None if link is None else link.wake)
    progress = print if headless else None
    frames = args.frames if args.frames else (30 * 60 * 10 if headless else None)
    try:
        n = run(panel, clock, frames=frames, stop_when_learned=headless and not args.frames,
                progress=progress)
        if shot:
            try:
                panel.screenshot(shot)
            except OSError as exc:
                raise DeviceError(f"{shot}: cannot write the panel picture ({exc.strerror or exc})") from None
    finally:
        if link is not None:
            link.close()
        sound.close()
        close_window()
    if headless:
        m = session.machine
        print(f"{n} frames; {m.presentations_} trials, {m.errors_} mistakes"
              + (f"; learned by trial {session.learned_at}" if session.learned_at else ""))
        if rig is not None:
            print(f"{rig.status_line()}; {rig.presses} button presses, {rig.lessons} lessons")
    if shot:
        print(f"panel written to {shot}")
    return 0


# ---------------------------------------------------------------- kiosk (the museum exhibit)
def run_kiosk(config, *, child: bool = False, out_of_order: bool = False) -> int:
    """Run the exhibit with a checked :class:`~simulator.kiosk.config.KioskConfig`.

    By default this process is the supervisor (:class:`~simulator.kiosk.supervisor.Supervisor`):
    it runs the exhibit as a child, ``mark1 kiosk --child``, restarts it after a crash or a hang,
    shows the out-of-order card after ``crash_limit`` crashes in an hour, counts the crashes and
    writes the status file while no exhibit runs. It logs to standard error only (the journal);
    the child writes the rotating log file (one file per process: see
    :mod:`simulator.kiosk.logs`). With ``child`` this process is the exhibit itself.
    """
    from .kiosk.logs import setup_kiosk_logging

    level = logging.INFO
    if child:
        setup_kiosk_logging(config.log_file, config.log_max_bytes, config.log_backups, level=level)
        # the attract loop's trials, two a second all day, would bury what the staff look for
        logging.getLogger("simulator.session").setLevel(logging.WARNING)
        from .kiosk.exhibit import run

        return run(config, out_of_order=out_of_order)
    _kiosk_display(os.environ)   # before the supervisor: its children would all fail to start
    setup_kiosk_logging(None, config.log_max_bytes, config.log_backups, level=level)
    return _kiosk_supervise(config)


def _kiosk_display(environ) -> None:
    """Raise DeviceError where SDL could open no screen: Linux with no X11, no Wayland and no
    SDL_VIDEODRIVER (kmsdrm on a console). Checked without pygame: the supervisor runs all day."""
    if sys.platform.startswith("linux") and not any(
            environ.get(k) for k in ("DISPLAY", "WAYLAND_DISPLAY", "SDL_VIDEODRIVER")):
        raise DeviceError("no display to show the kiosk on (DISPLAY is not set, nor WAYLAND_DISPLAY or "
                          "SDL_VIDEODRIVER); run it in the desktop's session, or on a console without "
                          "one with SDL_VIDEODRIVER=kmsdrm (see docs/KIOSK.md)")


def _kiosk_supervise(config) -> int:
    import datetime as dt
    import time

    from .kiosk.counters import Counters
    from .kiosk.status import StatusFile
    from .kiosk.supervisor import Supervisor

    command = [sys.executable, "-m", "simulator", "kiosk", "--child"]
    if config.path is not None:
        command += ["--config", str(config.path)]
    status = StatusFile(path=config.status_file, started_at=dt.datetime.now().astimezone())
    start = time.monotonic()
    counted = [0]

    def on_status(report: dict) -> None:
        # crashes are counted here, between children (the child counts everything else)
        new = report["crashes_total"] - counted[0]
        counters = Counters.load(config.counters_file)
        if new > 0:
            counters.add("crashes", new)
            counted[0] = report["crashes_total"]
        if report["mode"] in ("backoff", "stopped"):   # no exhibit is writing the status now
            status.write(time.monotonic() - start, mode=report["mode"], counts=counters.counts_,
                         last_error=report["last_error"])

    backoff = [config.restart_backoff * 2 ** i for i in range(5)]
    return Supervisor(command, heartbeat_timeout=config.heartbeat_timeout, crash_limit=config.crash_limit,
                      backoff=backoff, on_status=on_status).run()


def _kiosk_hash_pin() -> int:
    import getpass

    from .kiosk.pin import check_pin, hash_pin

    if sys.stdin is not None and sys.stdin.isatty():
        pin = getpass.getpass("staff PIN (4 to 12 digits): ")
        again = getpass.getpass("the same PIN again: ")
    else:  # a script: the PIN on the first line, the optional second line must agree
        lines = (sys.stdin.read(1000) if sys.stdin is not None else "").splitlines()
        pin = lines[0].strip() if lines else ""
        again = lines[1].strip() if len(lines) > 1 and lines[1].strip() else pin
        if not pin:
            raise ConfigError("no PIN on standard input; give it on the first line "
                              "(echo 1234 | mark1 kiosk --hash-pin)")
    check_pin(pin)
    if pin != again:
        raise ConfigError("the two PINs differ; run 'mark1 kiosk --hash-pin' again")
    print("# the staff PIN's salted hash: paste this line into the kiosk's config")
    print(f'staff_pin_hash = "{hash_pin(pin)}"')
    return 0


def _kiosk_check_config(path) -> int:
    from .kiosk.captions import offered
    from .kiosk.config import EXAMPLE_PIN_HASH, load_config

    config = load_config(path)
    captions = offered(config)
    print(f"mark1 kiosk would run with {path}:")
    for key, value, origin in config.shown():
        print(f"  {key:<20} = {value:<30} ({origin})")
    if config.staff_pin_hash == EXAMPLE_PIN_HASH:
        print("  warning: staff_pin_hash is the example's (PIN 1958); make your own with "
              "'mark1 kiosk --hash-pin'")
    for code, words in captions.items():
        missing = len(words.fallbacks_)
        print(f"  captions {code}: " + (f"{missing} texts shown in English (see the log)" if missing
                                        else "complete"))
    return 0


def _kiosk_status(path) -> int:
    import datetime as dt
    import os

    from .errors import printable
    from .kiosk.config import load_config
    from .kiosk.status import read_status

    config = load_config(path, check_files=False)
    try:
        s = read_status(config.status_file)
    except FileNotFoundError:
        print(f"the kiosk is not running (no status file at {printable(config.status_file)})")
        return 1
    up = int(s["uptime_s"])
    alive = True
    try:
        os.kill(s["pid"], 0)
    except ProcessLookupError:
        alive = False
    except (PermissionError, OverflowError, OSError):
        pass  # another user's process, or a pid from another machine: cannot tell
    try:
        age = (dt.datetime.now(dt.UTC) - dt.datetime.fromisoformat(s["updated_at"])).total_seconds()
        ago = f" ({age:,.0f} s ago)" if age >= 0 else ""
    except (ValueError, TypeError):  # a time without a zone, or not a time
        ago = ""
    print(f"kiosk status from {printable(config.status_file)}")
    rows = [("mode", s["mode"]), ("uptime", f"{up // 3600} h {up // 60 % 60:02d} min {up % 60:02d} s"),
            ("visitors", f"{s['visitors']:,}"), ("teachings", f"{s['teachings']:,}"),
            ("resets", f"{s['resets']:,}"), ("staff sessions", f"{s['staff_sessions']:,}"),
            ("crashes", f"{s['crashes']:,}"), ("last error", printable(s["last_error"] or "none")),
            ("pid", f"{s['pid']}" + ("" if alive else " (no longer running)")),
            ("version", printable(s["version"])), ("started at", printable(s["started_at"])),
            ("updated at", printable(s["updated_at"]) + ago)]
    for name, value in rows:
        print(f"  {name:<15} {value}")
    if not alive:
        print(f"the kiosk is not running (pid {s['pid']} has ended; the status above is its last)")
        return 1
    return 0


def cmd_kiosk(args) -> int:
    """The museum kiosk: run it, check its config, show its status, or make a PIN's hash."""
    if args.hash_pin:
        return _kiosk_hash_pin()
    if args.check_config:
        return _kiosk_check_config(args.check_config)
    if args.status:
        return _kiosk_status(args.config)
    from .kiosk.captions import offered
    from .kiosk.config import load_config

    config = load_config(args.config)
    offered(config)  # a damaged caption file stops the start, not a visitor's turn
    return run_kiosk(config, child=args.child or args.out_of_order, out_of_order=args.out_of_order)


# ---------------------------------------------------------------- main
def _version() -> str:
    """The installed package's version (its metadata), or the source's when run uninstalled."""
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version("mark1-perceptron")
    except PackageNotFoundError:
        from . import __version__
        return __version__


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="mark1", description="Rosenblatt's Mark I Perceptron (1958-1960), simulated.")
    p.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    p.add_argument("--version", action="version", version=f"mark1 {_version()}",
                   help="print the installed version and exit")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    e = sub.add_parser("experiment", help="rerun one of Rosenblatt's experiments")
    e.add_argument("name", nargs="?", help="experiment name (see --list)")
    e.add_argument("--list", action="store_true", help="list the experiments")
    e.add_argument("--seed", type=_limited("seed"), default=0,
                   help="seeds the wiring, the cards and their order (default 0)")
    e.add_argument("--trials", type=_limited("trials"), help="presentations (default: the experiment's)")
    e.add_argument("--a-units", type=_limited("a_units"), help="association units")
    e.add_argument("--json", action="store_true", help="print one JSON object")
    e.add_argument("--plot", metavar="F.png", help="write the learning curve as a PNG")
    e.set_defaults(func=cmd_experiment)

    w = sub.add_parser("wiring", help="write the plugboard chart (CSV or PNG)")
    w.add_argument("--seed", type=_limited("seed"), required=True, help="wiring seed")
    w.add_argument("--out", required=True, metavar="F.csv|F.png",
                   help="the chart: a CSV (one row per connection) or a PNG picture")
    w.add_argument("--a-units", type=_limited("a_units"), default=512,
                   help="association units (default 512)")
    w.set_defaults(func=cmd_wiring)

    k = sub.add_parser("cards", help="write a contact sheet of an experiment's cards (PNG)")
    k.add_argument("name", help="experiment name (see 'mark1 experiment --list')")
    k.add_argument("--out", required=True, metavar="F.png", help="the contact sheet (PNG)")
    k.add_argument("--count", type=_limited("contact_sheet_cards"), default=16,
                   help="cards on the sheet (default 16)")
    k.add_argument("--seed", type=_limited("seed"), default=0, help="seeds the cards dealt (default 0)")
    k.set_defaults(func=cmd_cards)

    t = sub.add_parser("train", help="train on your own pictures: one folder per class")
    t.add_argument("folder", metavar="DIR", help="a folder with one folder of pictures per class")
    t.add_argument("--state", required=True, metavar="F", help="state file (created or continued)")
    t.add_argument("--passes", type=_limited("passes"), default=10,
                   help="passes over the pictures, each in a new order (default 10)")
    t.add_argument("--seed", type=_limited("seed"), default=0,
                   help="seeds the order of the pictures and a new machine's plugboard (default 0)")
    t.add_argument("--a-units", type=_limited("a_units"), default=512,
                   help="association units of a new machine (default 512)")
    t.add_argument("--r-units", type=_limited("r_units"), default=8,
                   help="response units of a new machine (default 8; winner coding needs one per class)")
    t.add_argument("--coding", choices=("binary", "winner"), default="binary",
                   help="classes on the R-units: binary (the class number's bits, default) or winner "
                        "(one R-unit per class, the strongest answers)")
    t.add_argument("--rule", choices=tuple(RULES),
                   help="training rule: alpha (Rosenblatt's error correction, only when wrong; a "
                        "new machine's default), gamma, forced, lecture, or lms (Widrow and Hoff's "
                        "least mean squares: every card moves the potentiometers by its error); a "
                        "continued state file keeps its own unless this is given")
    t.set_defaults(func=cmd_train)

    c = sub.add_parser("classify", help="classify pictures with a trained state file")
    c.add_argument("--state", required=True, metavar="F", help="state file written by 'mark1 train'")
    c.add_argument("images", nargs="+", metavar="IMAGE", help="picture files to classify")
    c.set_defaults(func=cmd_classify)

    d = sub.add_parser("demo", help="the front panel: the Mark I learns the 1958 demo's left/right cards")
    d.add_argument("--state", metavar="F", help="state file to load at the start and for save/load")
    d.add_argument("--seed", type=_limited("seed"), default=1958, help="plugboard and cards")
    d.add_argument("--experiment", default="left-right", help="cards to start with")
    d.add_argument("--speed", type=_limited("speed"), default=2.0,
                   help=f"trials per second ({limit('speed').span()})")
    d.add_argument("--fullscreen", action="store_true", help="open the panel full screen")
    d.add_argument("--headless", action="store_true", help="draw off screen; print progress")
    d.add_argument("--frames", type=_limited("frames"), help="stop after N frames")
    d.add_argument("--screenshot", metavar="F.png", help="save the last frame")
    d.add_argument("--size", type=_size, help="window size, e.g. 1280x720")
    d.add_argument("--picture", action="append", metavar="F", help="show a picture file")
    d.add_argument("--quiet", action="store_true", help="no sounds")
    d.add_argument("--rig", metavar="PORT|auto",
                   help="the sensor rig's serial port (a path, a pyserial URL, or auto): its photocells "
                        "on the retina, its lamps and teacher buttons")
    d.set_defaults(func=cmd_demo)

    ki = sub.add_parser("kiosk", help="the museum kiosk: the Mark I as an unattended exhibit")
    ki.add_argument("--config", metavar="F.toml",
                    help="the kiosk's config (example: assets/kiosk/kiosk.toml)")
    what = ki.add_mutually_exclusive_group()
    what.add_argument("--check-config", metavar="F.toml",
                      help="check a config and print every setting it would run with")
    what.add_argument("--status", action="store_true",
                      help="print the running kiosk's status file (exit 1 if it is not running)")
    what.add_argument("--hash-pin", action="store_true",
                      help="make the staff_pin_hash line for a staff PIN (asked twice, or read from stdin)")
    # the supervisor's own flags for its child: the exhibit itself, or its out-of-order card
    ki.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ki.add_argument("--out-of-order", action="store_true", help=argparse.SUPPRESS)
    ki.set_defaults(func=cmd_kiosk)
    add_lecture_parser(sub, _Parser)
    add_rig_parser(sub, _Parser)
    return p


def _escape_unprintable(exc: UnicodeEncodeError) -> tuple[str, int]:
    """Codec error handler: an undecodable byte of a file name (kept by Python as a lone
    surrogate, U+DC80..U+DCFF) is shown as the byte, ``\\xe9``, any other character the terminal
    cannot show as its code point."""
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    out = []
    for ch in exc.object[exc.start:exc.end]:
        code = ord(ch)
        if 0xDC80 <= code <= 0xDCFF:
            out.append(f"\\x{code - 0xDC00:02x}")
        else:
            out.append(ch.encode("ascii", "backslashreplace").decode("ascii"))
    return "".join(out), exc.end


codecs.register_error("mark1-escape", _escape_unprintable)


def _tolerant_output() -> None:
    """Print names that are not valid text (a folder named in Latin-1 bytes) as escapes.

    Paths read from the disk keep undecodable bytes as lone surrogates; a strict terminal
    encoding would fail on them after the work is done. ``caf\\xe9`` is printed instead.
    """
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="mark1-escape")
            except (ValueError, OSError, LookupError):
                pass  # a closed or unusual stream: leave it as it is


def main(argv=None) -> int:
    _tolerant_output()
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.verbose:
        logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return args.func(args)
    except Mark1Error as exc:
        print(f"mark1: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("mark1: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
