"""The Mark I behind a flat-feature front: rows of numbers in, class labels out.

:class:`~simulator.MarkI` takes pictures, (n, 20, 20) light levels, and answers with class
numbers 0 to k-1. scikit-learn's own estimator checks (``check_estimator``), and any table of
measurements a class may want to try, feed flat feature vectors of any width and labels of any
kind (strings, -1/1, ...). :class:`RetinaClassifier` draws each row as a bar chart on the
20 x 20 retina and hands the cards to a Mark I:

- each feature is scaled to [0, 1] by the smallest and largest value it took in ``fit`` (a
  later value outside that range is clipped);
- the 400 photocells are shared out among the features in reading order, the same number each
  (400 // width; the rest stay dark); a feature lights its m cells as a bar, cell j when its
  level is above (j + 1/2) / m (a thermometer code, so binary photocells see a level, not
  one bit);
- a table wider than 400 columns is folded: neighbouring columns are averaged onto one
  photocell each;
- the labels become class numbers 0 to k-1 (``classes_`` keeps them, sorted) on winner coding,
  one R-unit per class.

This module imports scikit-learn: import it only where scikit-learn is installed (the test
extra). ``import simulator`` never imports it.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from .errors import ConfigError
from .limits import check as check_limit
from .limits import limit
from .machine import MarkI

#: Photocells per side: the machine's retina as built.
SIDE = 20
CELLS = SIDE * SIDE


def bar_chart(light: np.ndarray) -> np.ndarray:
    """Rows of levels in [0, 1] -> cards: each feature a bar of lit photocells.

    Parameters
    ----------
    light : numpy.ndarray, shape (n, width)
        Levels in [0, 1], one column per feature, any width >= 1.

    Returns
    -------
    numpy.ndarray of float32, shape (n, 20, 20)
        Binary cards: 1 where a photocell is lit.
    """
    n, width = light.shape
    if width > CELLS:  # fold: contiguous runs of columns averaged onto one photocell each
        starts = (np.arange(CELLS) * width) // CELLS
        light = np.add.reduceat(light, starts, axis=1) / np.diff(np.append(starts, width))
        width = CELLS
    m = CELLS // width
    steps = (np.arange(m) + 0.5) / m  # cell j of a feature's m lights above (j + 1/2) / m
    lit = light[:, :, None] > steps[None, None, :]
    cards = np.zeros((n, CELLS), dtype=np.float32)
    cards[:, :width * m] = lit.reshape(n, width * m)
    return cards.reshape(n, SIDE, SIDE)


class RetinaClassifier(ClassifierMixin, BaseEstimator):
    """A Mark I Perceptron for flat feature vectors, as a scikit-learn classifier.

    Parameters
    ----------
    random_state : int or None
        The machine's ``seed`` (wiring and training); scikit-learn's name for it, so its checks
        can fix it. None draws fresh entropy on each fit.
    a_units : int
        Association units (512).
    excitatory, inhibitory : int
        Connections per A-unit (5 and 5).
    a_threshold : float
        A-unit threshold (2.0).
    rule : {"alpha", "gamma", "forced", "lecture", "lms"}
        The training rule (see :class:`simulator.MarkI`; ``lms`` is Widrow and Hoff's).
    learning_rate : float
        The increment eta; for ``lms`` the share of a row's error one correction removes
        (above 0 and at most 1).
    epochs : int
        Passes over the training rows in ``fit`` (10).

    Attributes
    ----------
    classes_ : numpy.ndarray
        The labels seen in ``fit``, sorted; the machine's class i is ``classes_[i]``.
    low_, span_ : numpy.ndarray, shape (n_features_in_,)
        Each feature's smallest value in ``fit`` and its range (1 where it was constant).
    machine_ : MarkI
        The trained machine (winner coding, one R-unit per class).
    n_features_in_ : int
        Width of the rows ``fit`` saw.
    """

    def __init__(self, *, random_state=None, a_units=512, excitatory=5, inhibitory=5,
                 a_threshold=2.0, rule="alpha", learning_rate=1.0, epochs=10):
        self.random_state = random_state
        self.a_units = a_units
        self.excitatory = excitatory
        self.inhibitory = inhibitory
        self.a_threshold = a_threshold
        self.rule = rule
        self.learning_rate = learning_rate
        self.epochs = epochs

    def _cards(self, X) -> np.ndarray:
        light = np.clip((np.asarray(X, dtype=np.float64) - self.low_) / self.span_, 0.0, 1.0)
        return bar_chart(light)

    def fit(self, X, y) -> RetinaClassifier:
        """Scale the features, draw the rows as cards and train a new machine on them.

        Parameters
        ----------
        X : array_like, shape (n, width)
            Finite numbers.
        y : array_like, shape (n,)
            Class labels of any kind, at least two different ones, at most as many as a machine
            has R-units (64).

        Returns
        -------
        RetinaClassifier
            This classifier.

        Raises
        ------
        ConfigError
            For fewer than two classes, too many, or a setting out of range.
        """
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        self.classes_, codes = np.unique(y, return_inverse=True)
        k = len(self.classes_)
        if k < 2:
            raise ConfigError(f"the machine needs at least 2 classes to tell apart, got {k} class")
        if not limit("r_units").accepts(k):
            raise ConfigError(f"{k} classes need {k} R-units under winner coding; the most is "
                              f"{limit('r_units').hi}")
        epochs = check_limit("passes", self.epochs, label="epochs")
        self.low_ = X.min(axis=0)
        span = X.max(axis=0) - self.low_
        self.span_ = np.where(span > 0, span, 1.0)
        machine = MarkI(seed=self.random_state, a_units=self.a_units, r_units=k,
                        excitatory=self.excitatory, inhibitory=self.inhibitory,
                        a_threshold=self.a_threshold, rule=self.rule,
                        learning_rate=self.learning_rate, coding="winner")
        self.machine_ = machine.fit(self._cards(X), codes.astype(np.int64), epochs=epochs)
        return self

    def predict(self, X) -> np.ndarray:
        """The class whose R-unit gets the most input, for each row.

        Parameters
        ----------
        X : array_like, shape (n, n_features_in_)

        Returns
        -------
        numpy.ndarray, shape (n,)
            Labels from ``classes_``.
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return self.classes_[self.machine_.predict(self._cards(X))]
