"""The Mark I Perceptron: retina, plugboard, A-units, R-units on potentiometers.

The model imports no display and no serial code: the front panel, the kiosk and the sensor
rig read its state.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np

from . import coding as _coding
from . import kernels, statecheck
from .checks import number, whole_number
from .errors import ConfigError
from .plugboard import Plugboard
from .retina import Retina
from .statefile import load_state, refusal, save_state

log = logging.getLogger(__name__)

RULES = {"alpha": kernels.ALPHA, "gamma": kernels.GAMMA, "forced": kernels.FORCED,
         "lecture": kernels.LECTURE}
CONNECTIVITIES = ("full", "partitioned")
#: Cards are pushed through in chunks of up to this many, so memory stays flat on long runs.
CHUNK = 4096
#: ... and of at most this many (card, A-unit) pairs, so a huge machine does too.
CHUNK_CELLS = 4 * 2**20

_PARAMS = ("seed", "wiring_seed", "retina_size", "a_units", "r_units", "excitatory",
           "inhibitory", "a_threshold", "s_threshold", "photocell_noise", "analog", "rule",
           "learning_rate", "weight_limit", "weight_step", "connectivity", "coding")


@dataclass(frozen=True)
class TrainingTrace:
    """What happened on each card of one :meth:`MarkI.train` call.

    Attributes
    ----------
    wrong : numpy.ndarray of int, shape (n,)
        R-units that answered wrongly (and were corrected) on each card.
    moved : numpy.ndarray of int, shape (n,)
        Potentiometers that turned on each card.
    """

    wrong: np.ndarray
    moved: np.ndarray

    @property
    def mistakes(self) -> np.ndarray:
        """Boolean (n,): the machine erred on the card."""
        return self.wrong > 0


class MarkI:
    """Rosenblatt's Mark I Perceptron.

    All parameters are keyword-only and only stored here; the wiring and the potentiometers
    are built on first use.

    Parameters
    ----------
    seed : int or None
        Seeds the training generator (photocell noise) and, unless ``wiring_seed`` is given,
        the plugboard. None draws fresh entropy.
    wiring_seed : int or None
        Seeds the plugboard on its own, so one wiring can be trained many ways.
    retina_size : int
        Photocells per side (20).
    a_units, r_units : int
        Association units (512) and response units (8).
    excitatory, inhibitory : int
        Connections per A-unit from distinct, randomly chosen photocells.
    a_threshold : float
        An A-unit fires when (lit excitatory) - (lit inhibitory) inputs reach this.
    s_threshold : float
        Light level at which a photocell fires.
    photocell_noise : float
        Standard deviation of noise on each photocell's light, per presentation.
    analog : bool
        Photocells pass light levels instead of firing 0/1.
    rule : {"alpha", "gamma", "forced", "lecture"}
        ``alpha``: error correction with a fixed increment, dw = eta r* a, only on error.
        ``gamma``: as alpha but inactive units of the R-unit's set lose what the active ones
        gain (total conserved). ``forced``: the alpha increment on every trial, right or
        wrong. ``lecture``: the course's rule, w += eta a on a false negative, w -= eta a on a
        false positive, with a trained bias, answering +1 when w.a + b >= 0.
    learning_rate : float
        The increment eta.
    weight_limit : float or None
        Potentiometer end stops at +/- this value; None for no stop.
    weight_step : float or None
        Ratchet step: settings are multiples of it; None for continuous travel.
    connectivity : {"full", "partitioned"} or float
        A->R wiring: every A-unit to every R-unit (512 x 8 potentiometers), ``partitioned``
        (each A-unit to one R-unit: 512 potentiometers), or a fraction of pairs at random.
    coding : {"binary", "winner", "bits"}
        How class labels map onto R-units (see :mod:`simulator.coding`).

    Attributes
    ----------
    weights_ : numpy.ndarray, shape (a_units, r_units)
        Potentiometer settings (also :attr:`weights`).
    bias_ : numpy.ndarray, shape (r_units,)
        Trained bias (the ``lecture`` rule only; zero otherwise).
    plugboard_ : Plugboard
        The S->A wiring.
    mask_ : numpy.ndarray of bool, shape (a_units, r_units)
        Which A->R potentiometers exist.
    presentations_, errors_, corrections_ : int
        Cards presented, cards answered wrongly, R-unit corrections made.
    n_classes_ : int or None
        Classes trained on (set by the first call with class labels).
    class_names_ : tuple of str or None
        Names of the classes, if the trainer gave them; saved with the state.
    """

    def __init__(self, *, seed=None, wiring_seed=None, retina_size=20, a_units=512, r_units=8,
                 excitatory=5, inhibitory=5, a_threshold=2.0, s_threshold=0.5,
                 photocell_noise=0.0, analog=False, rule="alpha", learning_rate=1.0,
                 weight_limit=100.0, weight_step=None, connectivity="full", coding="binary"):
        self.seed = seed
        self.wiring_seed = wiring_seed
        self.retina_size = retina_size
        self.a_units = a_units
        self.r_units = r_units
        self.excitatory = excitatory
        self.inhibitory = inhibitory
        self.a_threshold = a_threshold
        self.s_threshold = s_threshold
        self.photocell_noise = photocell_noise
        self.analog = analog
        self.rule = rule
        self.learning_rate = learning_rate
        self.weight_limit = weight_limit
        self.weight_step = weight_step
        self.connectivity = connectivity
        self.coding = coding

    # ------------------------------------------------------------------ configuration
    def get_params(self) -> dict:
        """The constructor's arguments as a dict."""
        return {name: getattr(self, name) for name in _PARAMS}

    def __repr__(self) -> str:
        return f"MarkI({', '.join(f'{k}={v!r}' for k, v in self.get_params().items())})"

    def _validate(self) -> None:
        def whole(name, lo, hi):
            whole_number(name, getattr(self, name), lo=lo, hi=hi)

        def real(name, lo, hi, none_ok=False, open_lo=False):
            v = getattr(self, name)
            if v is None and none_ok:
                return
            try:
                number(name, v, lo, hi, above=open_lo)
            except ConfigError as exc:
                raise ConfigError(f"{exc} (None for no limit)" if none_ok else str(exc)) from None

        for name in ("seed", "wiring_seed"):
            v = getattr(self, name)
            if v is not None and (isinstance(v, bool) or not isinstance(v, Integral) or v < 0):
                raise ConfigError(f"{name} must be a whole number >= 0 or None, got {v!r}")
        whole("retina_size", 2, 256)
        whole("a_units", 1, 1_000_000)
        whole("r_units", 1, 64)
        whole("excitatory", 0, 1000)
        whole("inhibitory", 0, 1000)
        if self.excitatory + self.inhibitory < 1:
            raise ConfigError("an A-unit needs at least one connection (excitatory + inhibitory >= 1)")
        if self.excitatory + self.inhibitory > self.retina_size ** 2:
            raise ConfigError(f"an A-unit cannot take {self.excitatory + self.inhibitory} "
                              f"connections from {self.retina_size ** 2} photocells")
        real("a_threshold", -1000, 1000)
        real("s_threshold", 0, 1, open_lo=True)
        real("photocell_noise", 0, 1)
        real("learning_rate", 0, 1e6, open_lo=True)
        real("weight_limit", 0, 1e12, none_ok=True, open_lo=True)
        real("weight_step", 0, 1e12, none_ok=True, open_lo=True)
        if self.rule not in RULES:
            raise ConfigError(f"unknown rule {self.rule!r}; choose one of {', '.join(RULES)}")
        if self.coding not in _coding.CODINGS:
            raise ConfigError(f"unknown coding {self.coding!r}; choose one of "
                              f"{', '.join(_coding.CODINGS)}")
        c = self.connectivity
        if not (c in CONNECTIVITIES or (isinstance(c, Real) and not isinstance(c, bool)
                                        and 0 < c <= 1)):
            raise ConfigError(f"connectivity must be 'full', 'partitioned' or a fraction in "
                              f"(0, 1], got {c!r}")
        if not isinstance(self.analog, (bool, np.bool_)):
            raise ConfigError(f"analog must be True or False, got {self.analog!r}")

    # ------------------------------------------------------------------ building
    def _seed_sequences(self):
        root = np.random.SeedSequence(self.seed)
        wiring_ss, training_ss = root.spawn(2)
        if self.wiring_seed is not None:
            wiring_ss = np.random.SeedSequence(self.wiring_seed)
        return wiring_ss, training_ss

    def _ensure_built(self) -> None:
        if getattr(self, "plugboard_", None) is not None:
            return
        self._validate()
        wiring_ss, training_ss = self._seed_sequences()
        wiring_rng = np.random.default_rng(wiring_ss)
        self.plugboard_ = Plugboard.random(
            n_inputs=self.retina_size ** 2, a_units=self.a_units, excitatory=self.excitatory,
            inhibitory=self.inhibitory, threshold=self.a_threshold, rng=wiring_rng)
        self.mask_ = self._draw_mask(wiring_rng)
        self.rng_ = np.random.default_rng(training_ss)
        self.n_classes_ = None
        self.class_names_ = None
        self.reset_weights()

    def _draw_mask(self, rng) -> np.ndarray:
        shape = (self.a_units, self.r_units)
        if self.connectivity == "full":
            return np.ones(shape, dtype=np.bool_)
        if self.connectivity == "partitioned":
            mask = np.zeros(shape, dtype=np.bool_)
            mask[np.arange(self.a_units), np.arange(self.a_units) % self.r_units] = True
            return mask
        return rng.random(shape) < float(self.connectivity)

    def reset_weights(self) -> None:
        """Centre every potentiometer and zero the counters (the wiring stays)."""
        if getattr(self, "plugboard_", None) is None:
            self._ensure_built()
            return
        self.weights_ = np.zeros((self.a_units, self.r_units), dtype=np.float64)
        self.bias_ = np.zeros(self.r_units, dtype=np.float64)
        self.presentations_ = 0
        self.errors_ = 0
        self.corrections_ = 0

    @property
    def weights(self) -> np.ndarray:
        """(a_units, r_units) potentiometer settings; zero (centred) at the start."""
        self._ensure_built()
        return self.weights_

    @property
    def retina(self) -> Retina:
        """The S-units as configured."""
        return Retina(size=self.retina_size, threshold=self.s_threshold,
                      noise=self.photocell_noise, analog=self.analog)

    # ------------------------------------------------------------------ running
    def sense(self, cards) -> np.ndarray:
        """S-unit outputs (n, retina_size**2): 0/1 firing, or light levels when analog."""
        self._ensure_built()
        return self.retina.sense(cards, rng=self.rng_)

    def _light(self, cards):
        """Yield (start, light) chunks ready for the kernels: (k, cells) float32.

        ``cards`` must have passed ``retina.check_cards`` (once: it reads every value). The
        photocell threshold is applied inside the kernels; only noise and the analog clip
        need a numpy pass, so the common case costs no copy.
        """
        cells = self.retina_size ** 2
        chunk = max(1, min(CHUNK, CHUNK_CELLS // self.a_units))
        for start in range(0, cards.shape[0], chunk):
            light = cards[start:start + chunk].reshape(-1, cells)
            if self.photocell_noise > 0:
                light = light + self.rng_.normal(0.0, self.photocell_noise,
                                                 size=light.shape).astype(np.float32)
            if self.analog:
                light = np.clip(light, 0.0, 1.0)
            yield start, np.ascontiguousarray(light, dtype=np.float32)

    def _lists(self, light, act=None, cnt=None):
        """Active lists of a chunk of light, into the given buffers or new ones."""
        k = light.shape[0]
        if act is None:
            act = np.empty((k, self.a_units), dtype=np.int32)
            cnt = np.empty(k, dtype=np.int64)
        kernels.active_lists(light, *self._kernel_args(), act[:k], cnt[:k])
        return act[:k], cnt[:k]

    def _active(self, cards):
        """Yield (start, active lists, counts) chunk by chunk, reusing one buffer.

        ``cards`` must have passed ``retina.check_cards``.
        """
        act = cnt = None
        for start, light in self._light(cards):
            if act is None:
                act = np.empty((light.shape[0], self.a_units), dtype=np.int32)
                cnt = np.empty(light.shape[0], dtype=np.int64)
            a, c = self._lists(light, act, cnt)
            yield start, a, c

    def _kernel_args(self):
        pb = self.plugboard_
        return (bool(self.analog), np.float32(self.s_threshold), pb.board(), pb.table(),
                pb.thresholds, pb.counts())

    def associate(self, cards) -> np.ndarray:
        """A-unit outputs.

        Parameters
        ----------
        cards : array_like, shape (n, 20, 20)
            Light levels in [0, 1] (see :func:`simulator.light_levels`).

        Returns
        -------
        numpy.ndarray
            uint8 (n, a_units), 1 where the A-unit fired.
        """
        self._ensure_built()
        cards = self.retina.check_cards(cards)
        out = np.empty((cards.shape[0], self.a_units), dtype=np.uint8)
        for start, act, cnt in self._active(cards):
            kernels.mark(act, cnt, out[start:start + len(cnt)])
        return out

    def scores(self, cards) -> np.ndarray:
        """R-unit inputs (n, r_units) float64: the sum of active A-units' potentiometers."""
        self._ensure_built()
        cards = self.retina.check_cards(cards)
        out = np.empty((cards.shape[0], self.r_units), dtype=np.float64)
        bias = self.bias_ if self.rule == "lecture" else np.zeros(self.r_units)
        for start, act, cnt in self._active(cards):
            kernels.sum_rows(act, cnt, self.weights_, bias, out[start:start + len(cnt)])
        return out

    def look(self, card) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """One presentation of one card, seen once: S-units, A-units and R-unit inputs.

        With photocell noise each call to :meth:`sense`, :meth:`associate` or :meth:`scores`
        draws fresh noise; this draws it once, so the three agree (what a panel shows).

        Returns
        -------
        tuple of numpy.ndarray
            S activity (cells,) float32, A activity (a_units,) uint8, R inputs (r_units,).
        """
        self._ensure_built()
        cards = self.retina.check_cards(card)[:1]
        _, light = next(self._light(cards))
        s = light[0] if self.analog else (light[0] >= np.float32(self.s_threshold)).astype(np.float32)
        act, cnt = self._lists(light)
        a = np.empty((1, self.a_units), dtype=np.uint8)
        kernels.mark(act, cnt, a)
        out = np.empty((1, self.r_units), dtype=np.float64)
        bias = self.bias_ if self.rule == "lecture" else np.zeros(self.r_units)
        kernels.sum_rows(act, cnt, self.weights_, bias, out)
        return s, a[0], out[0]

    def respond(self, cards) -> np.ndarray:
        """R-unit answers (n, r_units) int8 in {-1, +1}: +1 where the lamp lights."""
        s = self.scores(cards)
        fired = s >= 0 if self.rule == "lecture" else s > 0
        return np.where(fired, 1, -1).astype(np.int8)

    def predict(self, cards) -> np.ndarray:
        """Class labels read off the R-units under the coding (-1: no such class)."""
        if getattr(self, "n_classes_", None) is None:
            raise ConfigError("the machine has not been trained on class labels yet; "
                              "call train(cards, labels) first")
        return _coding.decode(self.scores(cards), self.coding, self.n_classes_,
                              ties_fire=self.rule == "lecture")

    def score(self, cards, labels) -> float:
        """Fraction of cards whose class is read correctly."""
        return float(np.mean(self.predict(cards) == np.asarray(labels)))

    def _targets(self, targets, n: int, n_classes) -> np.ndarray:
        t = np.asarray(targets)
        if t.ndim == 2:
            if t.shape != (n, self.r_units):
                raise ConfigError(f"targets must have shape ({n}, {self.r_units}), got {t.shape}")
            if not np.all(np.isin(t, (-1, 0, 1))):
                raise ConfigError("R-unit targets must be -1 or +1 (0 leaves a unit alone)")
            return t.astype(np.int8)
        if t.ndim != 1 or t.shape[0] != n:
            raise ConfigError(f"need one label per card: {n} cards, targets of shape {t.shape}")
        if t.size and (not np.issubdtype(t.dtype, np.integer) or t.min() < 0):
            raise ConfigError("class labels must be whole numbers >= 0")
        if self.n_classes_ is None:
            k = int(n_classes) if n_classes is not None else max(2, int(t.max()) + 1 if t.size else 2)
            _coding.units_used(self.coding, k, self.r_units)  # raises if it does not fit
            self.n_classes_ = k
        if t.size and t.max() >= self.n_classes_:
            raise ConfigError(f"label {int(t.max())} but the machine was trained on "
                              f"{self.n_classes_} classes; reset it to change the classes")
        return _coding.encode(t.astype(np.int64), self.coding, self.n_classes_, self.r_units)

    def set_classes(self, n_classes: int, names=None) -> None:
        """Declare the classes before any training, so the machine can answer at once.

        Parameters
        ----------
        n_classes : int
            Number of classes; must fit the coding on ``r_units``.
        names : sequence of str, optional
            Class names, kept with the state.
        """
        self._ensure_built()
        if isinstance(n_classes, bool) or not isinstance(n_classes, Integral) or n_classes < 2:
            raise ConfigError(f"n_classes must be a whole number >= 2, got {n_classes!r}")
        if names is not None and len(names) != n_classes:
            raise ConfigError(f"{len(names)} class names for {n_classes} classes")
        _coding.units_used(self.coding, int(n_classes), self.r_units)
        if self.n_classes_ is not None and self.n_classes_ != n_classes:
            raise ConfigError(f"the machine was trained on {self.n_classes_} classes; reset it "
                              "to change the classes")
        self.n_classes_ = int(n_classes)
        if names is not None:
            self.class_names_ = tuple(str(n) for n in names)

    def train(self, cards, targets, *, n_classes: int | None = None) -> TrainingTrace:
        """Present cards in order; the trainer corrects the machine as the rule says.

        Parameters
        ----------
        cards : array_like, shape (n, 20, 20)
            Light levels in [0, 1].
        targets : array_like
            Either (n, r_units) required R-unit responses in {-1, +1} (0: leave alone), or
            (n,) class labels coded onto the R-units by ``coding``.
        n_classes : int, optional
            Number of classes, on the first call with labels (default: largest label + 1).

        Returns
        -------
        TrainingTrace
            Per card: R-units corrected and potentiometers moved.
        """
        self._ensure_built()
        cards = self.retina.check_cards(cards)
        n = cards.shape[0]
        t = self._targets(targets, n, n_classes)
        wrong = np.zeros(n, dtype=np.int32)
        moved = np.zeros(n, dtype=np.int32)
        n_connected = self.mask_.sum(axis=0).astype(np.int64)
        for start, act, cnt in self._active(cards):
            stop = start + len(cnt)
            kernels.learn(act, cnt, t[start:stop], self.weights_, self.bias_, self.mask_,
                          n_connected, RULES[self.rule], float(self.learning_rate),
                          float(self.weight_limit or 0.0), float(self.weight_step or 0.0),
                          self.rule == "lecture", wrong[start:stop], moved[start:stop])
        self.presentations_ += n
        self.errors_ += int(np.count_nonzero(wrong))
        self.corrections_ += int(wrong.sum())
        return TrainingTrace(wrong=wrong, moved=moved)

    def partial_fit(self, cards, y, classes=None) -> MarkI:
        """scikit-learn style: train on more cards, keep what was learned; returns self."""
        self.train(cards, y, n_classes=None if classes is None else len(classes))
        return self

    def fit(self, cards, y, *, epochs: int = 1) -> MarkI:
        """scikit-learn style: centre the potentiometers, then train ``epochs`` passes."""
        self._ensure_built()
        self.reset_weights()
        self.n_classes_ = None
        self.class_names_ = None
        for _ in range(epochs):
            self.train(cards, y)
        return self

    # ------------------------------------------------------------------ state files
    def save(self, path) -> None:
        """Write config, wiring, potentiometers, counters and generator state atomically."""
        self._ensure_built()
        header = {
            "params": self.get_params(),
            "counters": {"presentations": self.presentations_, "errors": self.errors_,
                         "corrections": self.corrections_},
            "n_classes": self.n_classes_,
            "class_names": list(self.class_names_) if self.class_names_ else None,
            "rng_state": self.rng_.bit_generator.state,
        }
        pb = self.plugboard_
        save_state(path, header, {
            "excitatory_idx": pb.excitatory_idx, "inhibitory_idx": pb.inhibitory_idx,
            "a_thresholds": pb.thresholds, "mask": self.mask_, "weights": self.weights_,
            "bias": self.bias_,
        })

    @classmethod
    def load(cls, path) -> MarkI:
        """Read a machine written by :meth:`save`.

        Nothing in the file is trusted: the header's settings are checked (the sizes against
        :mod:`simulator.limits`) before any array is read, each array's shape and kind before
        it is inflated, and the contents against the machine they describe
        (:mod:`simulator.statecheck`).

        Raises
        ------
        StateFileError
            One line, for any file that is missing, corrupted, truncated, foreign, of another
            version or inconsistent; nothing else, whatever the file holds.
        """
        def settings(header) -> dict:
            p = statecheck.params(path, header, _PARAMS)
            try:
                cls(**p)._validate()  # the machine's own check of every setting
            except ConfigError as exc:
                raise refusal(path, f"its settings are out of range ({exc})") from None
            return p

        header, arr = load_state(path, lambda header: statecheck.members(settings(header)))
        p = settings(header)
        n_classes, names = statecheck.classes(path, header, p["coding"], p["r_units"])
        counters = statecheck.counters(path, header, p["r_units"])
        rng_state = statecheck.rng_state(path, header)
        statecheck.arrays(path, p, arr)
        m = cls(**p)
        try:
            m.plugboard_ = Plugboard(arr["excitatory_idx"], arr["inhibitory_idx"],
                                     arr["a_thresholds"], m.retina_size ** 2)
            m.rng_ = np.random.default_rng()
            m.rng_.bit_generator.state = rng_state
        except (ConfigError, TypeError, ValueError, OverflowError) as exc:
            # statecheck has ruled these out; kept so a gap there is still one line
            raise refusal(path, f"state file content is inconsistent ({exc})") from None
        m.mask_ = np.ascontiguousarray(arr["mask"], dtype=np.bool_)
        m.weights_ = np.ascontiguousarray(arr["weights"], dtype=np.float64)
        m.bias_ = np.ascontiguousarray(arr["bias"], dtype=np.float64)
        m.presentations_, m.errors_, m.corrections_ = counters
        m.n_classes_, m.class_names_ = n_classes, names
        return m
