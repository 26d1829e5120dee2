"""A training session at the machine: what the front panel and the kiosk show and drive.

The session owns a :class:`~simulator.machine.MarkI`, the card in front of its eye, the
trainer's script for the 1958 left/right demonstration, the counters and a teletype log. It
imports no display code: the panel draws what it finds here and calls its actions.

Where the retina's picture comes from is one seam, :meth:`Session.show`: a dealt card, the
visitor's drawing, a picture file, and later the sensor rig's photocells all go through it.
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import experiments
from .coding import decode, units_used
from .errors import ConfigError, Mark1Error, StateFileError
from .filelock import locked
from .limits import limit
from .machine import MarkI
from .retina import light_levels

log = logging.getLogger(__name__)

#: Correct answers in a row after which the demonstration says the machine has learned.
LEARNED_STREAK = 20
#: Trials per bar of the learning curve.
CURVE_BLOCK = 10
#: Trials per second the speed control steps through.
SPEEDS = (0.5, 1.0, 2.0, 4.0, 10.0, 30.0, 100.0)
HELD_OUT = 200


@dataclass(frozen=True, eq=False)
class Correction:
    """What the trainer did on the latest trial: which R-units and potentiometers moved.

    The index arrays are read-only.
    """

    r_units: np.ndarray   # indices of the R-units corrected
    a_units: np.ndarray   # A-units whose potentiometers turned
    moved: int            # potentiometers that turned


def _frozen(a: np.ndarray) -> np.ndarray:
    """``a`` made read-only in place (the session's own arrays, replaced and never mutated)."""
    a.setflags(write=False)
    return a


@dataclass(frozen=True, eq=False, repr=False)
class SessionView:
    """What a screen shows of a session at one moment: read it, never the machine.

    A view is immutable: its arrays are read-only (writing raises ``ValueError``) and are
    never changed afterwards, because the session replaces its arrays rather than mutating
    them. A new view is made only when :attr:`version` changes, so asking for one every
    frame costs a comparison; no array is copied to make it.

    Attributes
    ----------
    version : int
        Changes whenever anything in the view changes, and only then; a screen redraws
        when it differs from the one it drew.
    generation : int
        Changes when the machine is replaced (reset, load, rewire, another experiment):
        what a screen keeps per machine (needles, lamp grids, hover) is stale then.
    experiment, title : str
        The experiment's name and one-line title.
    class_names : tuple of str
        The classes the trainer teaches.
    r_names : tuple of str
        A caption per R-unit: the class it answers (winner coding, "-" if none) or its bit.
    coding : str
        How the R-units' lamps code a class ("winner" or "binary").
    retina_size, a_units, r_units : int
        The machine's size.
    wiring_seed : int
        The plugboard's seed.
    card : numpy.ndarray of float32, shape (retina_size, retina_size)
        The light in front of the eye, in [0, 1].
    card_label : int or None
        The card's true class, when known.
    card_origin : str
        Where the picture came from: "blank", "card", "drawing", "picture", "rig", ...
    s_activity : numpy.ndarray of bool, shape (retina_size**2,)
        Photocells firing.
    a_activity : numpy.ndarray of uint8, shape (a_units,)
        A-units firing (1).
    r_lamps : numpy.ndarray of bool, shape (r_units,)
        R-unit lamps lit (what :meth:`MarkI.respond` says +1 for).
    class_lamps : numpy.ndarray of bool, shape (len(class_names),)
        One answer lamp per class: under winner coding the class's R-unit lamp, under
        binary coding only the class the lit R-units spell.
    answer : int or None
        The class the machine says, None when it says nothing (no class lamp lit, or a
        binary code that names no class).
    weights : numpy.ndarray of float64, shape (a_units, r_units)
        The potentiometer settings: a read-only snapshot, replaced when they change.
    weights_version : int
        Changes when :attr:`weights` is replaced (a trial that moved a potentiometer, a
        reset, another machine): recompute what is derived from the weights only then.
    weight_limit : float or None
        The potentiometers' end stops.
    correction : Correction or None
        Which R-units and potentiometers the latest teaching moved.
    trials : int
        Cards the machine was trained on (its own counter: a loaded machine brings its own).
    mistakes, streak : int
        Wrong answers taught since the session (re)started; right answers in a row.
    learned_at : int or None
        The trial at which the demonstration saw :data:`LEARNED_STREAK` right in a row.
    curve : tuple of int
        Mistakes per block of :data:`CURVE_BLOCK` trials.
    running, demo : bool
        The trainer running by itself; the scripted demonstration still on.
    speed : float
        Trials per second while running.
    alert, message : str
        The latest failure (one line), and the latest news (one line), "" for none.
    alerts : int
        Failures ever reported: it grows with each, even one whose line is the same as the
        last one's, so a screen that shows an alert for a while knows to show it again.
    teletype : tuple of str
        The teletype's lines, oldest first (the latest 200).
    lines_said : int
        Lines ever printed (the teletype keeps only the latest; this only grows).
    """

    version: int
    generation: int
    experiment: str
    title: str
    class_names: tuple[str, ...]
    r_names: tuple[str, ...]
    coding: str
    retina_size: int
    a_units: int
    r_units: int
    wiring_seed: int
    card: np.ndarray
    card_label: int | None
    card_origin: str
    s_activity: np.ndarray
    a_activity: np.ndarray
    r_lamps: np.ndarray
    class_lamps: np.ndarray
    answer: int | None
    weights: np.ndarray
    weights_version: int
    weight_limit: float | None
    correction: Correction | None
    trials: int
    mistakes: int
    streak: int
    learned_at: int | None
    curve: tuple[int, ...]
    running: bool
    demo: bool
    speed: float
    alert: str
    alerts: int
    message: str
    teletype: tuple[str, ...]
    lines_said: int

    def __repr__(self) -> str:  # the arrays would fill a screen
        return (f"SessionView(version={self.version}, experiment={self.experiment!r}, trials={self.trials}, "
                f"answer={self.answer_name!r}, card_origin={self.card_origin!r}, running={self.running})")

    def name(self, label: int | None) -> str:
        """A class label's name ("nothing" for None or no such class)."""
        if label is not None and 0 <= label < len(self.class_names):
            return self.class_names[label]
        return "nothing"

    @property
    def answer_name(self) -> str:
        """The machine's answer in words ("nothing" when it says none)."""
        return self.name(self.answer)


class Session:
    """The machine, its trainer and what is in front of the eye.

    Screens read :meth:`view` and call the actions (:meth:`show`, :meth:`deal`,
    :meth:`teach`, :meth:`update`, :meth:`reset`, ...); the attributes below stay for
    code that predates the view, and the machine is the session's own: a screen that
    reads or changes it behind the session's back sees stale or inconsistent state.

    Parameters
    ----------
    seed : int
        Seeds the wiring and the cards dealt.
    experiment : str
        Which experiment's cards and settings to start with (see ``mark1 experiment --list``).
    speed : float
        Trials per second while running.
    """

    def __init__(self, *, seed: int = 1958, experiment: str = "left-right", speed: float = 2.0):
        self._speed = _checked_speed(speed)
        self.seed = seed
        self.log: deque[str] = deque(maxlen=200)
        self.lines_said = 0       # lines ever added to the log (it keeps only the latest)
        self._message = ""
        self._alert = ""
        self.alerts = 0           # failures ever reported (see :attr:`alert`)
        self._running = False
        self.version = 0          # bumped whenever anything shown changes
        self.generation = 0       # bumped whenever the machine is replaced
        self.weights_version = 0  # bumped whenever the weights snapshot is replaced
        self._view: SessionView | None = None
        self._dealt = None        # the last held-out deal, kept (see _held_out)
        self._pristine = None     # the last fresh machine built, kept untrained (see _fresh)
        self._start(experiments.get(experiment), seed)

    # ------------------------------------------------------------------ shown settings
    # Properties rather than plain attributes: a screen that sets one (the panel pauses the
    # trainer by ``session.running = False``) must bump the version, or no screen redraws.
    def _set(self, name: str, value) -> None:
        if getattr(self, name) != value:
            setattr(self, name, value)
            self.version += 1

    @property
    def running(self) -> bool:
        """Whether the trainer runs by itself (see :meth:`update`)."""
        return self._running

    @running.setter
    def running(self, value: bool) -> None:
        self._set("_running", bool(value))

    @property
    def speed(self) -> float:
        """Trials per second while running."""
        return self._speed

    @speed.setter
    def speed(self, value: float) -> None:
        self._set("_speed", _checked_speed(value))

    @property
    def alert(self) -> str:
        """The latest failure, one line ("" for none)."""
        return self._alert

    @alert.setter
    def alert(self, value: str) -> None:
        # every failure counts, even one that says what the last one said: a screen that
        # shows alerts for a while shows the second one too
        if value:
            self._alert = str(value)
            self.alerts += 1
            self.version += 1
        else:
            self._set("_alert", "")

    @property
    def message(self) -> str:
        """The latest news for the visitor, one line ("" for none)."""
        return self._message

    @message.setter
    def message(self, value: str) -> None:
        self._set("_message", str(value))

    # ------------------------------------------------------------------ set-up
    def _start(self, exp: experiments.Experiment, wiring_seed: int, machine: MarkI | None = None,
               dealt: tuple[np.random.Generator, object] | None = None):
        # everything that can fail comes before the first assignment, so a failure here
        # leaves the session as it was
        rng, probe = dealt if dealt is not None else self._held_out(exp, wiring_seed)
        if machine is None:
            machine = self._fresh(exp, wiring_seed, probe)
        self.experiment = exp
        self.wiring_seed = wiring_seed
        self.rng = rng
        self.class_names = probe.class_names
        self.held_out = probe
        self.machine = machine
        self.generation += 1
        self._snapshot_weights()
        self.running = False
        self.message = ""         # news of the machine replaced ("Learned!") is not this one's
        self.demo = True          # the scripted demonstration runs until the machine learns
        self.learned_at: int | None = None
        self.streak = 0
        self.mistakes = 0         # trials whose answer was wrong
        self.curve: list[int] = []
        self._block_errors = 0
        self._clock = 0.0
        self._pending = False     # answered, correction not applied yet
        self.correction: Correction | None = None
        self.answer: int | None = None
        self.card_label: int | None = None
        self.card_origin = "blank"
        self.show(np.zeros((self.machine.retina_size,) * 2, np.float32), origin="blank")
        self.say(f"{exp.title}: {self.machine.a_units:,} A-units wired at random "
                 f"(plugboard seed {wiring_seed})")

    def _fresh(self, exp: experiments.Experiment, wiring_seed: int, probe) -> MarkI:
        """A fresh machine for an experiment and a wiring: a copy of one built once and kept.

        The kept machine is never trained (only its copies are), so a copy is what a new build
        would be, and costs copying its potentiometers instead of drawing the plugboard again
        (about 3 ms here; the kiosk resets twice a visitor).
        """
        key = (exp.name, wiring_seed, tuple(sorted(exp.machine.items())), probe.class_names)
        if self._pristine is None or self._pristine[0] != key:
            k = len(probe.class_names)
            coding = "winner" if k <= 8 else "binary"  # one lamp per class where lamps suffice
            machine = MarkI(seed=wiring_seed, **{"coding": coding, **exp.machine})
            machine.set_classes(k, probe.class_names)
            self._pristine = (key, machine)
        return self._pristine[1].copy()

    def _held_out(self, exp: experiments.Experiment, wiring_seed: int):
        """The generator of an experiment's cards for a wiring, and the held-out cards dealt first.

        The last deal is kept (read-only) with the generator's state after it: every reset deals
        the same cards, and the kiosk's visitor, whose first touch resets the machine, need not
        wait for 200 cards to be drawn again (about 20 ms here).
        """
        key = (exp.name, self.seed, wiring_seed)
        if self._dealt is None or self._dealt[0] != key:
            rng = np.random.default_rng([self.seed, wiring_seed])
            probe = exp.deal(HELD_OUT, rng)
            probe.cards.flags.writeable = probe.labels.flags.writeable = False
            self._dealt = (key, rng.bit_generator.state, probe)
        rng = np.random.default_rng([self.seed, wiring_seed])
        rng.bit_generator.state = self._dealt[1]
        return rng, self._dealt[2]

    def _snapshot_weights(self) -> None:
        """Take a read-only copy of the weights for the view.

        One copy per change, never per frame: the machine trains its weights in place, so
        a view of them would change under a screen that keeps an old view.
        """
        self._weights = _frozen(self.machine.weights.copy())
        self.weights_version += 1
        self.version += 1

    # ------------------------------------------------------------------ what a screen shows
    def view(self) -> SessionView:
        """What a screen shows now, read-only (see :class:`SessionView`).

        The same object is returned until :attr:`version` changes, so a screen may ask for
        it every frame.
        """
        v = self._view
        if v is not None and v.version == self.version:
            return v
        m, k = self.machine, len(self.class_names)
        lamps = self.r_lamps[:k] if m.coding == "winner" else np.arange(k) == self.answer
        answer = self.answer if self.answer is not None and 0 <= self.answer < k else None
        self._view = SessionView(
            version=self.version, generation=self.generation, experiment=self.experiment.name,
            title=self.experiment.title, class_names=tuple(self.class_names),
            r_names=self._r_names(), coding=m.coding, retina_size=m.retina_size, a_units=m.a_units,
            r_units=m.r_units, wiring_seed=self.wiring_seed, card=self.card, card_label=self.card_label,
            card_origin=self.card_origin, s_activity=self.s_activity, a_activity=self.a_activity,
            r_lamps=self.r_lamps, class_lamps=_frozen(np.array(lamps, bool)), answer=answer,
            weights=self._weights, weights_version=self.weights_version, weight_limit=m.weight_limit,
            correction=self.correction, trials=m.presentations_, mistakes=self.mistakes,
            streak=self.streak, learned_at=self.learned_at, curve=tuple(self.curve),
            running=self.running, demo=self.demo, speed=self.speed, alert=self.alert, alerts=self.alerts,
            message=self.message, teletype=tuple(self.log), lines_said=self.lines_said)
        return self._view

    def _r_names(self) -> tuple[str, ...]:
        m = self.machine
        if m.coding == "winner":
            return tuple(self.class_names[i] if i < len(self.class_names) else "-"
                         for i in range(m.r_units))
        return tuple(f"bit {i}" for i in range(m.r_units))

    def wires_of_photocell(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """The plugboard's wires from photocell ``i`` (row-major on the retina).

        Returns
        -------
        a_units : numpy.ndarray of int
            The A-units it is wired to, ascending.
        excitatory : numpy.ndarray of bool
            For each, whether the wire excites (True) or inhibits (False); a photocell wired
            to one A-unit both ways counts as what it has more of.
        """
        m = self.machine
        if not 0 <= i < m.retina_size ** 2:
            raise IndexError(f"no photocell {i}; the retina has {m.retina_size ** 2}")
        row = m.plugboard_.board()[i]
        a = np.flatnonzero(row)
        return _frozen(a), _frozen(row[a] > 0)

    def wires_of_a_unit(self, j: int) -> tuple[np.ndarray, np.ndarray]:
        """The photocells wired to A-unit ``j``: (excitatory, inhibitory) index arrays."""
        pb = self.machine.plugboard_
        if not 0 <= j < pb.a_units:
            raise IndexError(f"no A-unit {j}; the machine has {pb.a_units}")
        return _frozen(pb.excitatory_idx[j].copy()), _frozen(pb.inhibitory_idx[j].copy())

    # ------------------------------------------------------------------ the seam
    def show(self, light, *, label: int | None = None, origin: str = "card") -> None:
        """Put a picture in front of the eye and let the machine answer it.

        Parameters
        ----------
        light : array_like, shape (size, size)
            Light levels in [0, 1] (1 = the figure). Copied: changing it afterwards
            changes nothing shown.
        label : int, optional
            The card's true class, when known.
        origin : str
            Where the picture came from ("card", "drawing", "picture", "rig", ...).
        """
        card = _frozen(np.array(light, dtype=np.float32))
        self.card = card
        self.card_label = label
        self.card_origin = origin
        self._pending = False
        self._look()

    def _look(self) -> None:
        m = self.machine
        s, a, scores = m.look(self.card)  # one (noisy) view for all three
        self.a_activity, self.scores = _frozen(a), _frozen(scores)
        self.s_activity = _frozen(s > 0)
        lecture = m.rule == "lecture"
        self.r_lamps = _frozen(self.scores >= 0 if lecture else self.scores > 0)
        self.answer = int(decode(self.scores[None], m.coding, m.n_classes_, ties_fire=lecture)[0])
        if m.coding == "winner" and not self.r_lamps[:len(self.class_names)].any():
            self.answer = -1  # no answer lamp lit: the machine says nothing
        self.version += 1

    def name(self, label: int | None) -> str:
        """A class label's name ('nothing' for no answer)."""
        if label is not None and 0 <= label < len(self.class_names):
            return self.class_names[label]
        return "nothing"

    def say(self, line: str) -> None:
        """Add a line to the teletype log."""
        self.log.append(line)
        self.lines_said += 1
        self.version += 1
        log.info(line)

    # ------------------------------------------------------------------ the trainer
    def deal(self) -> None:
        """Put the next card of the current experiment in front of the eye."""
        deck = self.experiment.deal(1, self.rng)
        self.show(deck.cards[0], label=int(deck.labels[0]), origin="card")
        self._pending = True

    def teach(self, label: int) -> Correction:
        """The trainer's button: force the machine toward ``label`` on the card shown."""
        if not 0 <= label < len(self.class_names):
            raise Mark1Error(f"no class {label}; this experiment has {len(self.class_names)}")
        said = self.answer
        trace = self.machine.train(self.card[None], np.array([label]))
        changed = self._weights != self.machine.weights
        if changed.any():  # a right answer moves nothing: the snapshot (and its version) stays
            self._snapshot_weights()
        self.correction = Correction(_frozen(np.flatnonzero(changed.any(axis=0))),
                                     _frozen(np.flatnonzero(changed.any(axis=1))), int(trace.moved[0]))
        # A visitor judges the answer read off the lamps; the trainer also trims R-units
        # that were right in the answer but unsure (a second lamp lit, say).
        wrong = said != label
        n = self.machine.presentations_
        head = f"trial {n}: card {self.name(label)}, machine said {self.name(said)}"
        if wrong:
            self.say(f"{head}, corrected {trace.moved[0]} potentiometers")
        elif trace.moved[0]:
            self.say(f"{head}, right ({trace.moved[0]} potentiometers trimmed)")
        else:
            self.say(f"{head}, right")
        self._count(wrong)
        self._pending = False
        self._look()
        return self.correction

    def _count(self, wrong: bool) -> None:
        self.mistakes += wrong
        self.streak = 0 if wrong else self.streak + 1
        self._block_errors += wrong
        if self.machine.presentations_ % CURVE_BLOCK == 0:
            self.curve.append(self._block_errors)
            self._block_errors = 0
        if self.demo and self.learned_at is None and self.streak >= LEARNED_STREAK:
            self.learned_at = self.machine.presentations_
            acc = self.machine.score(self.held_out.cards, self.held_out.labels)
            self.message = (f"Learned! No mistake in {LEARNED_STREAK} trials "
                            f"(trial {self.learned_at}). Right on {acc:.0%} of "
                            f"{len(self.held_out)} new cards. Your turn: draw, or pick a card.")
            self.say(self.message)
            self.running = False
            self.demo = False

    def step(self) -> None:
        """One whole trial: deal a card, the machine answers, the trainer corrects."""
        self.deal()
        self.teach(self.card_label)

    def update(self, dt: float) -> None:
        """Advance the running demonstration by ``dt`` seconds.

        Each trial takes 1/speed seconds: the card and the machine's answer show for the
        first half, the trainer's correction lands at the half, so a visitor sees a wrong
        answer before it is put right. Time is only what is passed in: the session reads
        no clock. A step that is not a finite time forward (negative, NaN, infinite: a clock
        gone wrong) is ignored: a NaN would otherwise run a burst of trials in one frame.
        """
        if not self.running or not (0.0 < dt < float("inf")):
            return
        period = 1.0 / self.speed
        self._clock += dt
        for _ in range(1000):  # bounded: a long stall must not freeze the frame
            if not self._pending:
                if self._clock < period / 2 or not self.running:
                    break
                self._clock -= period / 2
                self.deal()
            else:
                if self._clock < period / 2:
                    break
                self._clock -= period / 2
                self.teach(self.card_label)
        else:
            self._clock = 0.0

    # ------------------------------------------------------------------ controls
    def toggle_run(self) -> None:
        self.running = not self.running
        self._clock = 0.0

    def faster(self, steps: int = 1) -> None:
        i = min(range(len(SPEEDS)), key=lambda k: abs(SPEEDS[k] - self.speed))
        self.speed = SPEEDS[max(0, min(len(SPEEDS) - 1, i + steps))]

    def paint(self, row: int, col: int, value: float) -> None:
        """The visitor's finger on the retina: light (1) or darken (0) one cell."""
        self.paint_cells([(row, col)], value)

    def paint_cells(self, cells, value: float) -> None:
        """The finger over several cells at once (a stroke between two frames): one look.

        Cells off the retina are ignored; the machine looks again only if a cell changed.
        """
        size = self.machine.retina_size
        card = self.card
        for row, col in cells:
            if 0 <= row < size and 0 <= col < size and card[row, col] != value:
                if card is self.card:
                    card = card.copy()
                card[row, col] = value
        if card is not self.card:
            self.show(card, origin="drawing")
            self.demo = False

    def clear(self) -> None:
        self.show(np.zeros_like(self.card), origin="drawing")

    def load_picture(self, path) -> bool:
        """Show a picture file; on failure keep the card and set :attr:`alert`."""
        try:
            self.show(light_levels(path, size=self.machine.retina_size), origin="picture")
        except Mark1Error as exc:
            self.alert = str(exc)
            self.say(f"cannot show {Path(path).name}: {exc}")
            return False
        self.say(f"showing the picture {Path(path).name}")
        return True

    def reset_weights(self) -> None:
        """Centre every potentiometer: the machine forgets, the wiring stays."""
        self.machine.reset_weights()
        self._snapshot_weights()
        self.correction = None
        self._restart_script("potentiometers centred: the machine has forgotten everything")

    def rewire(self, seed: int | None = None) -> None:
        """A new plugboard (next seed unless given): a different random machine."""
        self._start(self.experiment, self.wiring_seed + 1 if seed is None else seed)
        self.say(f"plugboard rewired with seed {self.wiring_seed}")

    def select(self, name: str) -> None:
        """Switch to another experiment's cards (a fresh machine for it)."""
        self._start(experiments.get(name), self.wiring_seed)

    def reset(self, state=None) -> bool:
        """Back to a known state: a fresh machine, or the machine in a state file.

        With no ``state``, the machine is the one this session started with for its current
        experiment: wired from the starting seed (whatever :meth:`rewire` did since), its
        potentiometers centred, and the cards dealt again from the start, so every reset
        gives the same session. With a state file, the machine in it is tried out exactly
        as :meth:`load` does; a file that cannot be read or run changes nothing but
        :attr:`alert` (and a teletype line saying so) and returns False.

        What a reset clears: the card (blank), the answer, the trainer (paused, between
        trials), the counters (mistakes, streak, the curve, when learned), the latest
        correction, the message, the alert and the teletype (it then says what was reset).
        The demonstration's script starts again after a fresh reset, and is off after a
        state file (as after :meth:`load`). What a reset keeps: the speed, the seed the
        session was made with, the experiment (after a state file: the experiment whose
        classes its machine was trained on), and the counters that only grow
        (:attr:`lines_said`, :attr:`alerts`, :attr:`version`, :attr:`generation`), so a
        screen that drew before redraws.

        Parameters
        ----------
        state : str or os.PathLike, optional
            A state file (``mark1 train --save``, the panel's SAVE) to start from.

        Returns
        -------
        bool
            Whether the session was reset (always True without ``state``).
        """
        if state is None:
            exp, wiring_seed, machine, dealt = self.experiment, self.seed, None, None
        else:
            try:
                machine, exp, wiring_seed, dealt = self._tried(state)
            except _NotLoaded as exc:
                return self._not_loaded(str(exc))
        self.log.clear()
        self.alert = ""
        self._start(exp, wiring_seed, machine=machine, dealt=dealt)
        if state is None:
            self.say(f"reset: a fresh machine, plugboard seed {wiring_seed}")
        else:
            self.demo = False
            self.say(f"reset to the state in {state} ({machine.presentations_} trials so far)")
        return True

    def _restart_script(self, why: str) -> None:
        self.demo, self.learned_at, self.streak, self.curve = True, None, 0, []
        self.mistakes = 0
        self._block_errors = 0
        self.message = ""
        self.say(why)
        self._look()

    def save(self, path) -> None:
        """Write the machine to a state file (atomically); errors land in :attr:`alert`."""
        try:
            # the same lock as ``mark1 train``: a save never lands in the middle of its run
            with locked(path):
                self.machine.save(path)
        except Mark1Error as exc:
            self.alert = str(exc)
            return
        self.say(f"state saved to {path}")

    def load(self, path) -> bool:
        """Read a machine from a state file and swap it in, only if it works here.

        The machine is tried out first: on a blank card, on the card now shown, on a card of
        its experiment and on the held-out cards, and one trial is trained and undone. Only
        then does it replace the machine on the panel. A file that cannot be read, or holds
        a machine this session cannot run, changes nothing but :attr:`alert` (one line,
        also on the teletype); the demonstration goes on as it was.

        Returns
        -------
        bool
            Whether the machine was swapped in.
        """
        try:
            m, exp, wiring_seed, dealt = self._tried(path)
        except _NotLoaded as exc:
            return self._not_loaded(str(exc))
        self._start(exp, wiring_seed, machine=m, dealt=dealt)
        self.demo = False
        self.say(f"state loaded from {path} ({m.presentations_} trials so far)")
        return True

    def _tried(self, path):
        """The machine in a state file, tried out: (machine, experiment, wiring seed, dealt).

        Raises :class:`_NotLoaded` with one line saying why it cannot go in.
        """
        try:
            m = MarkI.load(path)
            exp = self._experiment_for(m, path)
            wiring_seed = m.wiring_seed if m.wiring_seed is not None else (m.seed or 0)
            dealt = self._held_out(exp, wiring_seed)
            self._try_out(m, dealt[1], path)
        except Mark1Error as exc:
            raise _NotLoaded(str(exc)) from None
        except Exception as exc:  # an exhibit must not die on a file: log it, keep the old machine
            log.exception("trying out the machine in %s failed", path)
            raise _NotLoaded(f"{path}: the machine in it does not run here "
                             f"({type(exc).__name__}: {exc})") from None
        return m, exp, wiring_seed, dealt

    def _not_loaded(self, why: str) -> bool:
        self.alert = " ".join(why.split())  # one line on the banner, whatever the error said
        self.say(f"not loaded: {self.alert}")
        return False

    @staticmethod
    def _experiment_for(m: MarkI, path) -> experiments.Experiment:
        """The panel experiment whose classes the machine was trained on."""
        if m.n_classes_ is None:
            raise StateFileError(f"{path}: the machine in it was never trained on classes")
        names = m.class_names_ or ()
        exp = next((e for e in experiments.EXPERIMENTS.values()
                    if e.panel and experiments.class_names(e) == names), None)
        if exp is None:
            raise StateFileError(f"{path}: a machine for classes {', '.join(names) or '(unnamed)'}"
                                 "; no experiment on the panel has those")
        return exp

    def _try_out(self, m: MarkI, probe, path) -> None:
        """Raise a one-line :class:`StateFileError` unless ``m`` can run this session's trials.

        What a trial does is done once here (look, read the answer, train, score the
        held-out cards), and what the training changed is put back, so the machine goes
        in exactly as it was saved.
        """
        size = probe.cards.shape[-1]
        if m.retina_size != size:
            raise StateFileError(f"{path}: a machine with a {m.retina_size} x {m.retina_size} retina; "
                                 f"the panel's cards are {size} x {size}")
        for name in ("a_units", "r_units"):
            lim = limit(name)
            if not lim.lo <= getattr(m, name) <= lim.hi:
                raise StateFileError(f"{path}: a machine with {getattr(m, name):,} {lim.what}; "
                                     f"the panel takes {lim.lo:,} to {lim.hi:,}")
        k = len(probe.class_names)
        if m.n_classes_ != k:
            raise StateFileError(f"{path}: the machine says {m.n_classes_} classes but names {k}")
        if m.coding not in ("binary", "winner"):
            raise StateFileError(f"{path}: a machine with coding {m.coding!r} gives no class answer "
                                 "on its lamps; the panel needs 'binary' or 'winner'")
        try:
            units_used(m.coding, k, m.r_units)
        except ConfigError as exc:
            raise StateFileError(f"{path}: {exc}") from None
        learned = (m.weights_.copy(), m.bias_.copy(), m.presentations_, m.errors_, m.corrections_,
                   m.rng_.bit_generator.state)
        try:
            for card in (np.zeros((size, size), np.float32), self.card, probe.cards[0]):
                _, _, scores = m.look(card)
                decode(scores[None], m.coding, k, ties_fire=m.rule == "lecture")
            m.score(probe.cards, probe.labels)
            m.train(probe.cards[:1], probe.labels[:1])
        finally:
            (m.weights_, m.bias_, m.presentations_, m.errors_, m.corrections_,
             m.rng_.bit_generator.state) = learned


class _NotLoaded(Exception):
    """A state file's machine cannot go in (internal: the message is the alert's line)."""


def _checked_speed(speed) -> float:
    if isinstance(speed, bool) or not (isinstance(speed, (int, float)) and 0 < speed < float("inf")):
        raise ConfigError(f"speed must be a number of trials a second above 0, got {speed!r}")
    return float(speed)
