"""The machine in scikit-learn's model selection, on pictures (n, 20, 20) as it takes them.

Each result scikit-learn reports is checked against the same thing done by hand: the folds
drawn with scikit-learn's own splitter, each fitted on its own, scored with scikit-learn's
``accuracy_score``. scikit-learn is a test-time dependency: importing the simulator never
imports it (the first test).
"""

import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from simulator import ConfigError, MarkI
from simulator.cards import left_right_cards
from simulator.machine import SHAPING

sklearn = pytest.importorskip("sklearn")
from sklearn.base import clone, is_classifier  # noqa: E402
from sklearn.metrics import accuracy_score  # noqa: E402
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import FunctionTransformer  # noqa: E402
from sklearn.utils import get_tags  # noqa: E402

from simulator.sklearn_adapter import RetinaClassifier, bar_chart  # noqa: E402

SKLEARN_MD = Path(__file__).resolve().parent.parent / "docs" / "SKLEARN.md"


@pytest.fixture(scope="module")
def deck():
    d = left_right_cards(60, rng=np.random.default_rng(1958))
    return d.cards, d.labels


def one_line(info) -> str:
    text = str(info.value)
    assert "\n" not in text, text
    return text


def by_hand(params, cards, labels, cv=3) -> list[float]:
    """Fit each of scikit-learn's stratified folds separately and score it with accuracy_score."""
    out = []
    for train, test in StratifiedKFold(cv).split(cards.reshape(len(cards), -1), labels):
        m = MarkI(**params).fit(cards[train], labels[train])
        out.append(accuracy_score(labels[test], m.predict(cards[test])))
    return out


def test_importing_the_simulator_does_not_import_sklearn():
    code = ("import sys, simulator, simulator.machine, simulator.cli, simulator.experiments\n"
            "from simulator import MarkI\n"
            "MarkI(seed=0).get_params(deep=True)\n"
            "print('sklearn' in sys.modules)")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr[-2000:]
    assert p.stdout.strip() == "False"


# ---------------------------------------------------------------- the estimator API


def test_get_params_deep_and_clone():
    m = MarkI(seed=3, a_units=64, a_threshold=1.5, coding="winner")
    assert m.get_params(deep=True) == m.get_params(deep=False) == m.get_params()
    m.fit(np.zeros((2, 20, 20), np.float32), [0, 1])
    twin = clone(m)
    assert twin is not m and twin.get_params() == m.get_params()
    assert not hasattr(twin, "weights_") and not hasattr(twin, "classes_")  # unfitted


def test_classes_and_tags():
    m = MarkI(seed=0, a_units=32)
    assert not hasattr(m, "classes_")
    m.fit(np.zeros((3, 20, 20), np.float32), [2, 0, 1])
    np.testing.assert_array_equal(m.classes_, [0, 1, 2])
    tags = get_tags(MarkI())
    assert is_classifier(MarkI()) and tags.estimator_type == "classifier"
    assert tags.input_tags.three_d_array and not tags.input_tags.two_d_array
    assert tags.target_tags.required


def test_set_params_returns_self_and_refuses_unknown_names_in_one_line():
    m = MarkI(seed=0)
    assert m.set_params(a_threshold=3.0, learning_rate=0.5) is m
    assert (m.a_threshold, m.learning_rate) == (3.0, 0.5)
    with pytest.raises(ConfigError, match="MarkI has no parameter 'threshold'; the parameters are "
                                          "seed, wiring_seed, retina_size, .*, coding$") as info:
        m.set_params(threshold=1.0)
    one_line(info)


def test_a_refused_set_params_changes_nothing():
    m = MarkI(seed=0, a_units=64)
    cards, labels = left_right_cards(20, rng=np.random.default_rng(0)).cards, np.arange(20) % 2
    m.train(cards, labels)
    before = (m.get_params(), m.weights_.copy(), m.presentations_)
    with pytest.raises(ConfigError, match="excitatory must be") as info:
        m.set_params(a_units=100, excitatory=-1)
    one_line(info)
    assert m.get_params() == before[0] and m.presentations_ == before[2]
    np.testing.assert_array_equal(m.weights_, before[1])


@pytest.mark.parametrize("name,value", [("a_units", 100), ("a_threshold", 1.0), ("excitatory", 3),
                                        ("seed", 7), ("connectivity", "partitioned")])
def test_set_params_on_a_shaping_parameter_rebuilds_the_machine(name, value):
    assert name in SHAPING
    cards = left_right_cards(30, rng=np.random.default_rng(2)).cards
    labels = np.arange(30) % 2
    m = MarkI(seed=1, a_units=64)
    m.fit(cards, labels)
    assert m.presentations_ == 30 and m.weights_.any()
    m.set_params(**{name: value})
    assert m.presentations_ == 0 and not m.weights_.any() and m.n_classes_ is None
    fresh = MarkI(**{**MarkI(seed=1, a_units=64).get_params(), name: value})
    np.testing.assert_array_equal(m.associate(cards), fresh.associate(cards))
    m.train(cards, labels)  # trains at once, no "rebuild first" refusal
    fresh.train(cards, labels)
    np.testing.assert_array_equal(m.weights_, fresh.weights_)


def test_set_params_on_a_running_parameter_keeps_what_was_learned():
    cards, labels = left_right_cards(30, rng=np.random.default_rng(2)).cards, np.arange(30) % 2
    m = MarkI(seed=1, a_units=64).fit(cards, labels)
    weights = m.weights_.copy()
    m.set_params(learning_rate=0.25, s_threshold=0.4, rule="gamma", coding="binary")
    np.testing.assert_array_equal(m.weights_, weights)
    assert m.presentations_ == 30 and m.learning_rate == 0.25


def test_set_params_coding_rebuilds_once_the_classes_are_set():
    cards, labels = left_right_cards(30, rng=np.random.default_rng(2)).cards, np.arange(30) % 2
    m = MarkI(seed=1, a_units=64).fit(cards, labels)
    m.set_params(coding="winner")
    assert m.n_classes_ is None and m.presentations_ == 0
    m.train(cards, labels)
    np.testing.assert_array_equal(
        m.weights_, MarkI(seed=1, a_units=64, coding="winner").fit(cards, labels).weights_)


# ---------------------------------------------------------------- model selection


def test_cross_val_score_equals_fitting_each_fold_by_hand(deck):
    cards, labels = deck
    params = {"seed": 1, "a_units": 128}
    got = cross_val_score(MarkI(**params), cards, labels, cv=3)
    np.testing.assert_array_equal(got, by_hand(params, cards, labels))


def test_grid_search_over_a_unit_settings_equals_the_grid_by_hand(deck):
    cards, labels = deck
    grid = {"a_threshold": [1.0, 3.0], "excitatory": [2, 5], "inhibitory": [0, 3]}
    search = GridSearchCV(MarkI(seed=4, a_units=96), grid, cv=3).fit(cards, labels)
    means = search.cv_results_["mean_test_score"]
    assert len(means) == 8
    expected = [np.mean(by_hand({"seed": 4, "a_units": 96, **p}, cards, labels))
                for p in search.cv_results_["params"]]
    np.testing.assert_allclose(means, expected)
    best = search.cv_results_["params"][int(np.argmax(expected))]
    assert search.best_params_ == best
    refit = MarkI(seed=4, a_units=96, **best).fit(cards, labels)
    np.testing.assert_array_equal(search.best_estimator_.predict(cards), refit.predict(cards))
    assert len(set(np.round(means, 6))) > 1  # the settings matter: a grid that could not tell is no test


def test_a_students_grid_search_runs(deck):
    cards, labels = deck
    search = GridSearchCV(MarkI(), {"a_threshold": [1.0, 2.0]}, cv=2).fit(cards, labels)
    assert set(search.best_params_) == {"a_threshold"} and 0.5 <= search.best_score_ <= 1.0


def _flat_to_cards(flat):
    return np.asarray(flat, dtype=np.float32).reshape(-1, 20, 20)


def _photocell_noise(cards):
    """Light noise drawn from one seed per call, so a fold's cards get the same noise by hand."""
    noisy = cards + np.random.default_rng(11).normal(0.0, 0.3, np.shape(cards))
    return np.clip(noisy, 0.0, 1.0).astype(np.float32)


def test_pipeline_with_transformers_before_the_machine(deck):
    cards, labels = deck
    flat = cards.reshape(len(cards), -1)
    pipe = make_pipeline(FunctionTransformer(_flat_to_cards), FunctionTransformer(_photocell_noise),
                         MarkI(seed=2, a_units=128))
    pipe.fit(flat[:40], labels[:40])
    m = MarkI(seed=2, a_units=128).fit(_photocell_noise(cards[:40]), labels[:40])
    np.testing.assert_array_equal(pipe.predict(flat[40:]), m.predict(_photocell_noise(cards[40:])))
    assert pipe.score(flat[40:], labels[40:]) == accuracy_score(
        labels[40:], m.predict(_photocell_noise(cards[40:])))
    # the machine's parameters through the pipeline, as a grid search sets them
    search = GridSearchCV(pipe, {"marki__a_threshold": [1.0, 3.0]}, cv=2).fit(flat, labels)
    assert search.best_estimator_[-1].a_threshold == search.best_params_["marki__a_threshold"]


def test_grid_search_with_a_bad_setting_raises_the_machines_error(deck):
    cards, labels = deck
    search = GridSearchCV(MarkI(seed=0, a_units=32), {"a_units": [32, 0]}, cv=2, error_score="raise")
    with pytest.raises(ConfigError, match="a_units must be a whole number from 1"):
        search.fit(cards, labels)


# ---------------------------------------------------------------- pickling, as joblib sends it to workers


def test_a_machine_memory_mapped_by_joblib_answers_and_trains_on(tmp_path, deck):
    import joblib

    cards, labels = deck
    m = MarkI(seed=5, a_units=64).fit(cards[:30], labels[:30])
    joblib.dump(m, tmp_path / "m.pkl")
    back = joblib.load(tmp_path / "m.pkl", mmap_mode="r")  # read-only memory-mapped arrays
    np.testing.assert_array_equal(back.predict(cards), m.predict(cards))
    back.train(cards[30:], labels[30:])
    m.train(cards[30:], labels[30:])
    np.testing.assert_array_equal(back.weights_, m.weights_)


# ---------------------------------------------------------------- the flat-feature adapter

def test_bar_chart_lights_each_feature_as_a_bar():
    cards = bar_chart(np.array([[0.3, 1.0, 0.0]]))  # 133 cells each, one left dark
    flat = cards.reshape(-1)
    # cell j of 133 lights above (j + 1/2) / 133: 0.3 lights j < 39.4, i.e. 40 cells
    assert flat[:133].sum() == 40 and flat[:40].all()
    assert flat[133:266].all() and not flat[266:].any()


def test_bar_chart_folds_a_table_wider_than_the_retina():
    row = np.tile([1.0, 1.0, 0.0, 0.0], 200)[None, :]  # 800 columns, two to a photocell
    flat = bar_chart(row).reshape(-1)
    np.testing.assert_array_equal(flat, np.tile([1.0, 0.0], 200))


def test_the_adapter_learns_iris_with_string_labels():
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    scores = cross_val_score(RetinaClassifier(random_state=0), X, names, cv=5)
    assert scores.mean() > 0.85, scores  # chance is 1/3
    fitted = RetinaClassifier(random_state=0).fit(X, names)
    np.testing.assert_array_equal(fitted.classes_, ["setosa", "versicolor", "virginica"])
    assert set(fitted.predict(X)) == set(names)


def test_the_adapter_refuses_one_class_in_one_line():
    with pytest.raises(ConfigError, match="needs at least 2 classes to tell apart, got 1 class") as info:
        RetinaClassifier(random_state=0).fit(np.ones((4, 3)), ["a"] * 4)
    one_line(info)


def test_check_estimator_on_the_adapter():
    from sklearn.utils.estimator_checks import check_estimator

    with warnings.catch_warnings():  # its SkipTestWarnings: the skips are read from the results
        warnings.simplefilter("ignore")
        results = check_estimator(RetinaClassifier(random_state=0), on_fail=None)
    failed = [(r["check_name"], repr(r["exception"])) for r in results if r["status"] == "failed"]
    assert not failed
    assert len(results) >= 50
    docs = SKLEARN_MD.read_text()
    for r in results:
        if r["status"] != "passed":  # each check that did not run is listed, with its reason
            assert f"`{r['check_name']}`" in docs, r["check_name"]
