"""The Mark I Perceptron: retina, plugboard, A-units, R-units on potentiometers.

The model imports no display and no serial code: the front panel, the kiosk and the sensor
rig read its state.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass
from operator import attrgetter, is_

import numpy as np

from . import coding as _coding
from . import kernels, statecheck
from .checks import flag, shown
from .errors import CardError, ConfigError
from .limits import check as check_limit
from .limits import limit
from .plugboard import Plugboard
from .retina import Retina
from .statefile import load_state, refusal, save_state

log = logging.getLogger(__name__)

RULES = {"alpha": kernels.ALPHA, "gamma": kernels.GAMMA, "forced": kernels.FORCED,
         "lecture": kernels.LECTURE, "lms": kernels.LMS}
CONNECTIVITIES = ("full", "partitioned")
#: Cards are pushed through in chunks of up to this many, so memory stays flat on long runs.
CHUNK = 4096
#: ... and of at most this many (card, A-unit) pairs, so a huge machine does too.
CHUNK_CELLS = 4 * 2**20

_PARAMS = ("seed", "wiring_seed", "retina_size", "a_units", "r_units", "excitatory",
           "inhibitory", "a_threshold", "s_threshold", "photocell_noise", "analog", "rule",
           "learning_rate", "weight_limit", "weight_step", "connectivity", "coding")
#: Parameters that shape the built machine (its wiring and its arrays): once it is built, a
#: change to one is refused until :meth:`MarkI.fit` or :meth:`MarkI.reset` rebuilds it. So is
#: ``coding`` once the classes are set. The others are read on each call and may change freely.
SHAPING = ("seed", "wiring_seed", "retina_size", "a_units", "r_units", "excitatory",
           "inhibitory", "a_threshold", "connectivity")
_REBUILD = "after the machine was built; call fit() or reset() to rebuild, or make a new MarkI"
#: What the per-call check compares by identity: the parameters and what the kernels read.
_WATCHED = attrgetter(*_PARAMS, "plugboard_", "weights_", "bias_", "mask_", "rng_",
                      "n_classes_", "class_names_")


def _plain(value, checked):
    """A Python int or float as given (so settings print as they were written), else checked."""
    return value if type(value) in (int, float) else checked


def _choice(name: str, value, options) -> str:
    if not isinstance(value, str) or value not in options:
        raise ConfigError(f"unknown {name} {shown(value)}; choose one of {', '.join(options)}")
    return value


def _array(values, what: str) -> np.ndarray:
    """``np.asarray(values)``, a ragged list being a one-line ConfigError."""
    try:
        return np.asarray(values)
    except (ValueError, TypeError):
        raise ConfigError(f"{what} must be an array of one shape, got a ragged list "
                          "(rows of different lengths)") from None


def _labels(labels, n: int) -> np.ndarray:
    """``labels`` if they are one class label (a whole number >= 0) per card of ``n``."""
    t = _array(labels, "labels")
    if t.ndim != 1 or t.shape[0] != n:
        given = f"{t.shape[0]} labels" if t.ndim == 1 else f"labels of shape {t.shape}"
        raise ConfigError(f"need one label per card: {n} cards, {given}")
    if t.size and t.dtype.kind not in "iu":  # np.asarray([]) is float: no cards, no labels
        raise ConfigError(f"class labels must be whole numbers >= 0, got {t.dtype} labels")
    if t.size and t.min() < 0:
        raise ConfigError(f"class labels must be whole numbers >= 0, got {int(t.min())}")
    return t


def _class_names(names) -> tuple[str, ...]:
    """Class names as a tuple of str: distinct, each a non-empty single line."""
    if isinstance(names, (str, bytes)) or not isinstance(names, Iterable):
        raise ConfigError(f"class names must be a list of strings, got {shown(names)}")
    names = tuple(names)
    for name in names:
        if not isinstance(name, str):
            raise ConfigError(f"class names must be strings, got {shown(name)} ({type(name).__name__})")
        if not name:
            raise ConfigError("class names must not be empty")
        if name.splitlines() != [name]:
            raise ConfigError(f"class names must be one line, got {shown(name)}")
    twice = next((name for i, name in enumerate(names) if name in names[:i]), None)
    if twice is not None:
        raise ConfigError(f"class names must differ: {twice!r} is given twice")
    return tuple(str(name) for name in names)


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
    rule : {"alpha", "gamma", "forced", "lecture", "lms"}
        ``alpha``: error correction with a fixed increment, dw = eta r* a, only on error.
        ``gamma``: as alpha but inactive units of the R-unit's set lose what the active ones
        gain (total conserved). ``forced``: the alpha increment on every trial, right or
        wrong. ``lecture``: the course's rule, w += eta a on a false negative, w -= eta a on a
        false positive, with a trained bias, answering +1 when w.a + b >= 0. ``lms``: Widrow
        and Hoff's (1960) least-mean-squares rule, dw = (eta / n) (t - s) a on every card,
        right or wrong, where s is the R-unit's input, t its target (+1 or -1) and n the
        number of its active A-units: each card's error shrinks by the fraction eta.
    learning_rate : float
        The increment eta; for ``lms`` the fraction of a card's error one correction removes
        (above 0 and at most 1: ``simulator.limits``' ``lms_rate``).
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
    def get_params(self, deep: bool = True) -> dict:
        """The constructor's arguments as a dict, as scikit-learn's estimators give them.

        Parameters
        ----------
        deep : bool
            Accepted for scikit-learn (``clone``, ``GridSearchCV``); the machine holds no
            estimators of its own, so deep and shallow give the same dict.

        Returns
        -------
        dict
            Parameter name -> value, in the constructor's order.
        """
        return {name: getattr(self, name) for name in _PARAMS}

    def set_params(self, **params) -> MarkI:
        """Change parameters, as scikit-learn's ``set_params``; returns self.

        Every value is checked as the constructor's would be on first use (against
        :mod:`simulator.limits`) before any is set: a refused call changes nothing. On a
        machine already built, a change to a parameter that shapes it (:data:`SHAPING`: the
        seeds, the retina, the unit counts, connections, A-unit threshold, connectivity), or to
        ``coding`` once the classes are set, rebuilds it as :meth:`reset` does: new wiring,
        centred potentiometers, zero counters, classes forgotten. Any other change (the
        learning rate, the photocell threshold and noise, the rule, the end stops) keeps what
        was learned and applies from the next card on.

        Parameters
        ----------
        **params
            Constructor arguments by name.

        Returns
        -------
        MarkI
            This machine.

        Raises
        ------
        ConfigError
            One line, for an unknown name (naming the valid ones) or a value out of range.
        """
        unknown = [name for name in params if name not in _PARAMS]
        if unknown:
            raise ConfigError(f"MarkI has no parameter {unknown[0]!r}; the parameters are "
                              f"{', '.join(_PARAMS)}")
        if not params:
            return self
        checked = type(self)(**{**self.get_params(), **params})._validate()
        built = self.__dict__.get("_built")
        rebuild = built is not None and (
            any(checked[name] != built[name] for name in SHAPING)
            or (getattr(self, "n_classes_", None) is not None and checked["coding"] != built["coding"]))
        for name, value in params.items():
            setattr(self, name, value)
        if rebuild:
            log.info("set_params changed what shapes the machine: rebuilt, what it learned is gone")
            self._build(checked)
        return self

    def __setstate__(self, state: dict) -> None:
        """Unpickling: the learned arrays as the kernels need them, then the full check.

        A machine loaded from a pickle may bring its arrays back read-only or memory-mapped
        (joblib does so when scikit-learn sends an estimator to worker processes); those are
        copied into ordinary arrays, so it trains on as the pickled one would have.
        """
        self.__dict__.update(state)
        for name in ("weights_", "bias_", "mask_"):
            v = state.get(name)
            if isinstance(v, np.ndarray) and not (type(v) is np.ndarray and v.flags.writeable
                                                  and v.flags.c_contiguous):
                self.__dict__[name] = np.array(v, order="C")
        self.__dict__.pop("_seen", None)  # the next call checks everything again

    @property
    def classes_(self) -> np.ndarray:
        """The class labels the machine answers with, 0 to k-1, as scikit-learn reads them.

        Raises
        ------
        AttributeError
            Before the machine has been given classes (so ``hasattr`` says it is not fitted).
        """
        k = self.__dict__.get("n_classes_")
        if k is None:
            raise AttributeError("classes_: the machine has not been trained on class labels yet")
        return np.arange(k)

    def __sklearn_tags__(self):
        """The estimator tags scikit-learn (1.6 and later) reads: a classifier of pictures.

        scikit-learn is imported here, when scikit-learn itself asks, so the simulator never
        depends on it. The input is (n, 20, 20) cards, a three-dimensional array, not the flat
        feature table scikit-learn's own checks assume (:mod:`simulator.sklearn_adapter` is
        the machine behind a flat-feature front for those).
        """
        from sklearn.utils import ClassifierTags, InputTags, Tags, TargetTags

        return Tags(estimator_type="classifier", target_tags=TargetTags(required=True),
                    classifier_tags=ClassifierTags(), regressor_tags=None, transformer_tags=None,
                    input_tags=InputTags(two_d_array=False, three_d_array=True))

    def __repr__(self) -> str:
        return f"MarkI({', '.join(f'{k}={v!r}' for k, v in self.get_params().items())})"

    def _validate(self) -> dict:
        """Check every parameter against :data:`simulator.limits.LIMITS`; return them plain.

        Whole numbers come back as ``int`` (a numpy integer is converted, so no narrow type
        reaches arithmetic that could overflow), real numbers as given when they are Python
        numbers and as ``float`` otherwise, ``analog`` as ``bool``.

        Raises
        ------
        ConfigError
            One line naming the first parameter that is out of range or of the wrong kind.
        """
        p = {}
        for name in ("seed", "wiring_seed"):
            v = getattr(self, name, None)
            try:
                p[name] = None if v is None else check_limit("seed", v, label=name)
            except ConfigError:
                raise ConfigError(f"{name} must be None or a whole number {limit('seed').span()}, "
                                  f"got {shown(v)}") from None
        for name in ("retina_size", "a_units", "r_units", "excitatory", "inhibitory"):
            p[name] = check_limit(name, getattr(self, name, None))
        wires, cells = p["excitatory"] + p["inhibitory"], p["retina_size"] ** 2
        if wires < 1:
            raise ConfigError("an A-unit needs at least one connection (excitatory + inhibitory >= 1)")
        if wires > cells:
            raise ConfigError(f"an A-unit cannot take {wires} connections from {cells} photocells")
        if not limit("connections").accepts(p["a_units"] * wires):
            raise ConfigError(f"{p['a_units']:,} A-units of {wires} connections make "
                              f"{p['a_units'] * wires:,} plugboard connections; the most is "
                              f"{limit('connections').hi:,}: use fewer A-units or connections")
        for name in ("a_threshold", "s_threshold", "photocell_noise", "learning_rate"):
            v = getattr(self, name, None)
            p[name] = _plain(v, check_limit(name, v))
        for name in ("weight_limit", "weight_step"):
            v = getattr(self, name, None)
            try:
                p[name] = None if v is None else _plain(v, check_limit(name, v))
            except ConfigError as exc:
                raise ConfigError(f"{exc} (None for no limit)") from None
        p["analog"] = flag("analog", getattr(self, "analog", None))
        p["rule"] = _choice("rule", getattr(self, "rule", None), RULES)
        if p["rule"] == "lms":  # its rate is a share of each card's error: more overshoots it
            check_limit("lms_rate", p["learning_rate"], label="learning_rate with rule 'lms'")
        p["coding"] = _choice("coding", getattr(self, "coding", None), _coding.CODINGS)
        c = getattr(self, "connectivity", None)
        if isinstance(c, str) and c in CONNECTIVITIES:
            p["connectivity"] = c
        else:
            try:
                p["connectivity"] = _plain(c, check_limit("connectivity", c))
            except ConfigError:
                raise ConfigError(f"connectivity must be 'full', 'partitioned' or a fraction "
                                  f"{limit('connectivity').span()}, got {shown(c)}") from None
        return p

    # ------------------------------------------------------------------ building
    def _seed_sequences(self):
        root = np.random.SeedSequence(self.seed)
        wiring_ss, training_ss = root.spawn(2)
        if self.wiring_seed is not None:
            wiring_ss = np.random.SeedSequence(self.wiring_seed)
        return wiring_ss, training_ss

    def _ensure_built(self) -> None:
        """Build the machine on first use; on every later use check that it still fits its
        parameters. Every public entry point calls this before any kernel runs.

        When nothing was set since the last check (the very same objects: parameters, wiring,
        arrays, classes) it costs one comparison. Otherwise the parameters are checked again:
        each must be valid, and those that shape the built machine (:data:`SHAPING`) must equal
        what it was built from; then the learned arrays must fit them.
        """
        seen = self.__dict__.get("_seen")
        if seen is not None:
            try:
                if all(map(is_, _WATCHED(self), seen)):
                    return
            except AttributeError:  # an attribute deleted by hand: the full check says which
                pass
        if getattr(self, "plugboard_", None) is None:
            self._build(self._validate())
        elif "_built" not in self.__dict__:
            self._record_build()
        else:
            self._recheck()

    def _build(self, params: dict) -> None:
        """Draw the wiring and centre the potentiometers, from checked ``params``."""
        self.__dict__.update(params)
        wiring_ss, training_ss = self._seed_sequences()
        wiring_rng = np.random.default_rng(wiring_ss)
        self.plugboard_ = Plugboard.random(
            n_inputs=self.retina_size ** 2, a_units=self.a_units, excitatory=self.excitatory,
            inhibitory=self.inhibitory, threshold=self.a_threshold, rng=wiring_rng)
        self.mask_ = self._draw_mask(wiring_rng)
        self.rng_ = np.random.default_rng(training_ss)
        self.n_classes_ = None
        self.class_names_ = None
        self._centre()
        self._built = params
        self._seen = _WATCHED(self)

    def _record_build(self) -> None:
        """Guard a machine whose learned state was put in place by hand, as :meth:`load` does.

        Checks the parameters and that the wiring and arrays fit them, then takes the
        parameters as those the machine was built from: from here on a change to one that
        shapes the machine is refused, as for a machine built here.

        Raises
        ------
        ConfigError
            When a parameter is invalid or an array does not fit the parameters.
        """
        params = self._validate()
        self.__dict__.update(params)
        self._check_state()
        self._built = params
        self._seen = _WATCHED(self)

    def _recheck(self) -> None:
        """Something was set since the last check: check it all before the kernels run."""
        params = self._validate()
        built = self._built
        for name in SHAPING:
            if params[name] != built[name]:
                raise ConfigError(f"{name} was changed from {shown(built[name])} to "
                                  f"{shown(params[name])} {_REBUILD}")
        if getattr(self, "n_classes_", None) is not None and params["coding"] != built["coding"]:
            raise ConfigError(f"coding was changed from {built['coding']!r} to {params['coding']!r} "
                              f"after the machine learned its classes; {_REBUILD.split('; ', 1)[1]}")
        self.__dict__.update(params)
        built["coding"] = params["coding"]  # free to change until the classes are set
        self._check_state()
        self._seen = _WATCHED(self)

    def _check_state(self) -> None:
        """The arrays the kernels read must fit the parameters: they may have been replaced."""
        a, r, size = self.a_units, self.r_units, self.retina_size
        pb = getattr(self, "plugboard_", None)
        bad = None
        if not (isinstance(pb, Plugboard) and pb.n_inputs == size ** 2
                and pb.thresholds.shape == (a,) and pb.excitatory_idx.shape == (a, self.excitatory)
                and pb.inhibitory_idx.shape == (a, self.inhibitory)):
            bad = "plugboard_"
        for name, shape, dtype in (("weights_", (a, r), np.float64), ("bias_", (r,), np.float64),
                                   ("mask_", (a, r), np.bool_)):
            v = getattr(self, name, None)
            if not (isinstance(v, np.ndarray) and v.shape == shape and v.dtype == dtype
                    and v.flags.c_contiguous and v.flags.writeable):
                bad = bad or name
        if not isinstance(getattr(self, "rng_", None), np.random.Generator):
            bad = bad or "rng_"
        k, names = getattr(self, "n_classes_", None), getattr(self, "class_names_", None)
        if k is not None and (type(k) is not int or not limit("class_count").accepts(k)):
            bad = bad or "n_classes_"
        if names is not None and (not isinstance(names, tuple) or len(names) != k
                                  or not all(isinstance(n, str) for n in names)):
            bad = bad or "class_names_"
        if bad:
            raise ConfigError(f"{bad} does not fit the machine ({a} A-units, {r} R-units, a {size} x "
                              f"{size} retina): it was replaced by hand; call reset() or fit() to rebuild")

    def _draw_mask(self, rng) -> np.ndarray:
        shape = (self.a_units, self.r_units)
        if self.connectivity == "full":
            return np.ones(shape, dtype=np.bool_)
        if self.connectivity == "partitioned":
            mask = np.zeros(shape, dtype=np.bool_)
            mask[np.arange(self.a_units), np.arange(self.a_units) % self.r_units] = True
            return mask
        return rng.random(shape) < float(self.connectivity)

    def _centre(self) -> None:
        self.weights_ = np.zeros((self.a_units, self.r_units), dtype=np.float64)
        self.bias_ = np.zeros(self.r_units, dtype=np.float64)
        self.presentations_ = 0
        self.errors_ = 0
        self.corrections_ = 0

    def reset_weights(self) -> None:
        """Centre every potentiometer and zero the counters (the wiring and classes stay)."""
        if getattr(self, "plugboard_", None) is None:
            self._ensure_built()
            return
        self._ensure_built()
        self._centre()
        self._seen = _WATCHED(self)

    def reset(self) -> None:
        """Rebuild the machine from its parameters as they are now.

        The plugboard is drawn again from the seeds, the potentiometers centred, the counters
        zeroed, the classes forgotten and the noise generator re-seeded: the machine is what
        ``MarkI(**m.get_params())`` would be. After changing a parameter that shapes the
        machine (:data:`SHAPING`: ``retina_size``, ``a_units``, ``r_units``, the seeds, ...)
        every other call is refused until this or :meth:`fit` rebuilds it.

        Raises
        ------
        ConfigError
            When a parameter is invalid (the machine is then left as it was).
        """
        self._build(self._validate())

    def copy(self) -> MarkI:
        """A machine in the very state of this one, sharing its plugboard.

        The copy has its own potentiometers, bias, A->R mask, counters, classes and noise
        generator (in this one's state), so it answers and learns exactly as this one would,
        and training either leaves the other alone. The plugboard is shared: it is never
        changed once drawn (:meth:`reset` and :meth:`load` put a new one in place), and what
        it caches for the kernels is then computed once for both. A machine kept fresh and
        copied for each reset costs a few arrays' copies instead of drawing the wiring again
        (the kiosk resets its machine twice a visitor).

        Returns
        -------
        MarkI
            The copy, built and checked like this one.
        """
        self._ensure_built()
        twin = MarkI(**self.get_params())
        twin.__dict__.update(self.__dict__)
        twin.weights_ = self.weights_.copy()
        twin.bias_ = self.bias_.copy()
        twin.mask_ = self.mask_.copy()
        twin.rng_ = np.random.Generator(type(self.rng_.bit_generator)())
        twin.rng_.bit_generator.state = self.rng_.bit_generator.state
        twin._built = dict(self._built)
        twin._seen = _WATCHED(twin)
        return twin

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
        kernels.active_lists(light, bool(self.analog), np.float32(self.s_threshold), self.plugboard_,
                             act[:k], cnt[:k])
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

        Parameters
        ----------
        card : array_like, shape (20, 20) or (1, 20, 20)
            One card's light levels.

        Returns
        -------
        tuple of numpy.ndarray
            S activity (cells,) float32, A activity (a_units,) uint8, R inputs (r_units,).
        """
        self._ensure_built()
        cards = self.retina.check_cards(card)
        if cards.shape[0] != 1:
            raise CardError(f"look takes one card, got {cards.shape[0]}; use associate() or "
                            "scores() for many")
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
            raise ConfigError("the machine has not been trained on class labels yet; call "
                              "train(cards, labels), fit(cards, labels) or set_classes(n) first")
        return _coding.decode(self.scores(cards), self.coding, self.n_classes_,
                              ties_fire=self.rule == "lecture")

    def score(self, cards, labels) -> float:
        """Fraction of cards whose class is read correctly.

        Raises
        ------
        CardError
            When there are no cards (the accuracy of nothing is not a number).
        ConfigError
            When ``labels`` are not one class label (a whole number >= 0) per card.
        """
        self._ensure_built()
        cards = self.retina.check_cards(cards)
        labels = _labels(labels, cards.shape[0])
        if cards.shape[0] == 0:
            raise CardError("score needs at least one card")
        return float(np.mean(self.predict(cards) == labels))

    def _targets(self, targets, n: int, n_classes) -> tuple[np.ndarray, int | None]:
        """(n, r_units) int8 targets from labels or R-unit targets, and the class count."""
        t = _array(targets, "targets")
        if t.ndim == 2:
            if t.shape != (n, self.r_units):
                raise ConfigError(f"need one label per card, shape ({n},), or R-unit targets of shape "
                                  f"({n}, {self.r_units}); got shape {t.shape}")
            if t.dtype.kind not in "iuf" or not np.all(np.isin(t, (-1, 0, 1))):
                raise ConfigError("R-unit targets must be -1 or +1 (0 leaves a unit alone)")
            return t.astype(np.int8), self.n_classes_
        t = _labels(t, n)
        top = int(t.max()) if t.size else -1
        if n_classes is not None:
            n_classes = check_limit("class_count", n_classes, label="n_classes")
            if self.n_classes_ is not None and n_classes != self.n_classes_:
                raise ConfigError(f"n_classes {n_classes} but the machine was trained on "
                                  f"{self.n_classes_} classes; reset() it to change the classes")
        k = self.n_classes_ or n_classes
        if k is None:  # the first labels: the largest names the number of classes
            k, most = max(2, top + 1), limit("class_count").hi
            if k > most:
                raise ConfigError(f"labels go up to {top}: {top + 1} classes, more than the "
                                  f"{most} allowed")
        if top >= k:
            raise ConfigError(f"label {top} but the machine was trained on {k} classes; reset it "
                              "to change the classes")
        return _coding.encode(t.astype(np.int64), self.coding, k, self.r_units), k

    def set_classes(self, n_classes: int, names=None) -> None:
        """Declare the classes before any training, so the machine can answer at once.

        Parameters
        ----------
        n_classes : int
            Number of classes; must fit the coding on ``r_units``.
        names : sequence of str, optional
            Class names (distinct, each one non-empty line), kept with the state.
        """
        self._ensure_built()
        n_classes = check_limit("class_count", n_classes, label="n_classes")
        if names is not None:
            names = _class_names(names)
            if len(names) != n_classes:
                raise ConfigError(f"{len(names)} class names for {n_classes} classes")
        _coding.units_used(self.coding, n_classes, self.r_units)
        if self.n_classes_ is not None and self.n_classes_ != n_classes:
            raise ConfigError(f"the machine was trained on {self.n_classes_} classes; reset it "
                              "to change the classes")
        self.n_classes_ = n_classes
        if names is not None:
            self.class_names_ = names
        self._seen = _WATCHED(self)

    def train(self, cards, targets, *, n_classes: int | None = None) -> TrainingTrace:
        """Present cards in order; the trainer corrects the machine as the rule says.

        Parameters
        ----------
        cards : array_like, shape (n, 20, 20)
            Light levels in [0, 1]. No cards (n = 0) present nothing and change nothing.
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
        t, k = self._targets(targets, n, n_classes)
        wrong = np.zeros(n, dtype=np.int32)
        moved = np.zeros(n, dtype=np.int32)
        if n == 0:
            return TrainingTrace(wrong=wrong, moved=moved)
        if k != self.n_classes_:  # the first labels fix the classes
            self.n_classes_ = k
            self._seen = _WATCHED(self)
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
        """scikit-learn style: train on more cards, keep what was learned; returns self.

        ``classes``, on the first call, are all the labels there will be: 0 to k-1.
        """
        n_classes = None
        if classes is not None:
            c = _array(classes, "classes")
            if not (c.ndim == 1 and c.dtype.kind in "iu" and c.size >= 2
                    and np.array_equal(np.sort(c), np.arange(c.size))):
                raise ConfigError(f"classes must be the labels 0 to k-1 (k >= 2), e.g. [0, 1], got "
                                  f"{shown(classes)}")
            n_classes = int(c.size)
        self.train(cards, y, n_classes=n_classes)
        return self

    def fit(self, cards, y, *, epochs: int = 1) -> MarkI:
        """scikit-learn style: rebuild the machine from its parameters, then train ``epochs``
        passes; returns self.

        As a scikit-learn estimator's ``fit``, it starts from the parameters alone: the
        plugboard is drawn again from the seeds and the noise generator re-seeded, so two fits
        with one seed give the same machine bit for bit, and ``fit(cards, y, epochs=n)`` equals
        a new machine's ``partial_fit(cards, y)`` repeated n times. The classes are taken
        from ``y``, names forgotten. A refused call leaves the machine as it was.
        """
        epochs = check_limit("passes", epochs, label="epochs")
        fresh = type(self)(**self.get_params())
        for _ in range(epochs):
            fresh.train(cards, y)
        vars(self).update(vars(fresh))
        return self

    # ------------------------------------------------------------------ state files
    def save(self, path) -> None:
        """Write config, wiring, potentiometers, counters and generator state atomically."""
        name = os.fspath(path) if isinstance(path, (str, os.PathLike)) else None
        if not isinstance(name, str) or not name:
            raise ConfigError(f"save needs a file name (a str or a pathlib.Path), got {shown(path)}")
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
            except (ConfigError, TypeError, ValueError, OverflowError) as exc:
                # a ConfigError, or a gap in that check: still one line about this file
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
