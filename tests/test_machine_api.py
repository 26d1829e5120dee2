"""The machine's public API under misuse: nothing reaches the compiled kernels unchecked.

Setting a parameter after the machine is built either is read on the next call (the rule,
the rates, the photocells) or, for a parameter that shapes the built machine (wiring, sizes),
is refused with one line until ``fit`` or ``reset`` rebuilds it. Calls that could crash the
interpreter on the old code run in a subprocess, so a crash is a failing test, not a lost run.
"""

import subprocess
import sys
import textwrap

import numpy as np
import pytest

from simulator import CardError, ConfigError, MarkI
from simulator.errors import Mark1Error

REBUILD = r"after the machine was built; call fit\(\) or reset\(\) to rebuild, or make a new MarkI"


def cards_of(n, seed=0, size=20, density=0.2):
    return (np.random.default_rng(seed).random((n, size, size)) < density).astype(np.float32)


def labels_of(n, seed=0, k=2):
    return np.random.default_rng(seed + 1).integers(0, k, n)


def one_line(info) -> str:
    text = str(info.value)
    assert "\n" not in text, text
    return text


def run_python(code: str) -> subprocess.CompletedProcess:
    """``code`` in a fresh interpreter: a segmentation fault or an abort is a return code."""
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=300)


# ---------------------------------------------------------------- the crashes of the issue
def test_a_bigger_retina_after_building_is_an_error_not_a_segmentation_fault():
    p = run_python("""
        import numpy as np
        from simulator import MarkI, ConfigError
        m = MarkI(seed=0)
        m.respond(np.zeros((1, 20, 20)))
        m.retina_size = 64
        try:
            m.scores(np.ones((256, 64, 64)))
        except ConfigError as exc:
            print(exc)
    """)
    assert p.returncode == 0, (p.returncode, p.stderr[-2000:])
    assert p.stdout.strip() == ("retina_size was changed from 20 to 64 after the machine was built; "
                                "call fit() or reset() to rebuild, or make a new MarkI")


def test_more_r_units_after_training_is_an_error_not_a_double_free():
    p = run_python("""
        import numpy as np
        from simulator import MarkI, ConfigError
        rng = np.random.default_rng(0)
        cards = (rng.random((500, 20, 20)) < 0.2).astype(np.float32)
        for _ in range(5):
            m = MarkI(seed=0)
            m.train(cards, rng.integers(0, 2, 500))
            m.r_units = 64
            for call in (lambda: m.train(cards, rng.integers(0, 2, 500)),
                         lambda: m.respond(cards), lambda: m.predict(cards)):
                try:
                    call()
                except ConfigError as exc:
                    print(exc)
        print("done")
    """)
    assert p.returncode == 0, (p.returncode, p.stderr[-2000:])
    lines = p.stdout.strip().splitlines()
    assert lines[-1] == "done" and len(lines) == 16
    assert all(line.startswith("r_units was changed from 8 to 64 after the machine") for line in lines[:-1])


def test_learned_arrays_replaced_by_hand_are_refused_before_the_kernels():
    p = run_python("""
        import numpy as np
        from simulator import MarkI, ConfigError
        cards = np.ones((64, 20, 20), np.float32)
        for name, value in (("weights_", np.zeros((3, 3))), ("weights_", np.zeros((8, 512))),
                            ("bias_", np.zeros(1)), ("mask_", np.ones((2, 2), bool)),
                            ("weights_", np.zeros((512, 8), np.float32))):
            m = MarkI(seed=0, a_threshold=-5)
            m.respond(cards)
            setattr(m, name, value)
            try:
                m.train(cards, np.zeros(64, int))
                m.respond(cards)
            except ConfigError as exc:
                print(exc)
    """)
    assert p.returncode == 0, (p.returncode, p.stderr[-2000:])
    lines = p.stdout.strip().splitlines()
    assert len(lines) == 5 and all("does not fit the machine" in line and "reset()" in line
                                   for line in lines), lines


SHAPING = [("seed", 1), ("wiring_seed", 5), ("retina_size", 16), ("a_units", 100), ("r_units", 4),
           ("excitatory", 3), ("inhibitory", 2), ("a_threshold", 1.0), ("connectivity", "partitioned")]


@pytest.mark.parametrize("name,value", SHAPING)
def test_every_entry_point_refuses_a_shaping_parameter_changed_after_building(name, value):
    m = MarkI(seed=0)
    m.train(cards_of(20), labels_of(20))
    before = m.weights.copy()
    was = getattr(m, name)
    setattr(m, name, value)
    calls = {
        "associate": lambda: m.associate(cards_of(2)), "scores": lambda: m.scores(cards_of(2)),
        "respond": lambda: m.respond(cards_of(2)), "look": lambda: m.look(cards_of(1)),
        "predict": lambda: m.predict(cards_of(2)), "score": lambda: m.score(cards_of(2), [0, 1]),
        "train": lambda: m.train(cards_of(2), [0, 1]),
        "partial_fit": lambda: m.partial_fit(cards_of(2), [0, 1]),
        "sense": lambda: m.sense(cards_of(2)), "weights": lambda: m.weights,
        "reset_weights": m.reset_weights, "set_classes": lambda: m.set_classes(2),
        "save": lambda: m.save("/nonexistent/never-written.mark1"),
    }
    expected = f"^{name} was changed from {was!r} to {value!r} {REBUILD}$"
    for call in calls.values():
        with pytest.raises(ConfigError, match=expected) as info:
            call()
        one_line(info)
    setattr(m, name, was)  # put back: the machine works again, untouched
    np.testing.assert_array_equal(m.weights, before)
    assert m.presentations_ == 20


@pytest.mark.parametrize("name,value", SHAPING)
def test_reset_and_fit_rebuild_from_the_changed_parameters(name, value):
    size = value if name == "retina_size" else 20
    cards, labels = cards_of(40, size=size), labels_of(40)
    fresh = MarkI(**{**MarkI(seed=0).get_params(), name: value}).fit(cards, labels)
    m = MarkI(seed=0)
    m.train(cards_of(10), labels_of(10))
    setattr(m, name, value)
    m.reset()
    assert m.presentations_ == 0 and m.n_classes_ is None and not m.weights.any()
    np.testing.assert_array_equal(m.associate(cards), fresh.associate(cards))
    m.train(cards_of(10, size=size), labels_of(10))
    setattr(m, name, getattr(MarkI(seed=0), name))
    m.fit(cards_of(40), labels)  # rebuilds again, from the parameters as they now are
    setattr(m, name, value)
    m.fit(cards, labels)
    np.testing.assert_array_equal(m.weights, fresh.weights)


def test_coding_is_fixed_once_the_classes_are_and_free_before():
    m = MarkI(seed=0)
    m.respond(cards_of(1))
    m.coding = "winner"  # no classes yet: read when they are set
    m.train(cards_of(10), labels_of(10, k=3))
    assert m.n_classes_ == 3 and m.weights[:, :3].any() and not m.weights[:, 3:].any()
    m.coding = "binary"
    with pytest.raises(ConfigError, match="^coding was changed from 'winner' to 'binary' after the "
                                          "machine learned its classes; call fit") as info:
        m.predict(cards_of(2))
    one_line(info)


def test_loaded_machines_are_guarded_too(tmp_path):
    m = MarkI(seed=3)
    m.train(cards_of(30), labels_of(30))
    m.save(tmp_path / "m.mark1")
    loaded = MarkI.load(tmp_path / "m.mark1")
    np.testing.assert_array_equal(loaded.respond(cards_of(5)), m.respond(cards_of(5)))
    loaded.a_units = 5000
    with pytest.raises(ConfigError, match=f"a_units was changed from 512 to 5000 {REBUILD}"):
        loaded.respond(cards_of(5))


# ---------------------------------------------------------------- parameters read on each call
@pytest.mark.parametrize("name,value", [
    ("s_threshold", 0.9), ("photocell_noise", 0.2), ("analog", True), ("rule", "forced"),
    ("learning_rate", 0.25), ("weight_limit", 2.0), ("weight_step", 0.5), ("rule", "lecture"),
])
def test_parameters_read_on_each_call_may_change_and_take_effect(name, value):
    cards, labels = cards_of(60, density=0.5), labels_of(60)
    changed = MarkI(seed=2, a_threshold=1)
    changed.respond(cards[:1])  # built with the default value...
    setattr(changed, name, value)  # ...then changed
    changed.rng_ = np.random.default_rng(np.random.SeedSequence(2).spawn(2)[1])  # noise as new
    from_start = MarkI(seed=2, a_threshold=1, **{name: value})
    changed.train(cards, labels)
    from_start.train(cards, labels)
    np.testing.assert_array_equal(changed.weights, from_start.weights)
    np.testing.assert_array_equal(changed.bias_, from_start.bias_)


@pytest.mark.parametrize("name,value,fragment", [
    ("rule", "nonsense", "unknown rule 'nonsense'; choose one of alpha, gamma, forced, lecture"),
    ("rule", ["alpha"], "unknown rule"),
    ("learning_rate", -5, "learning_rate must be a finite number above 0 and at most 1e+06, got -5"),
    ("learning_rate", float("nan"), "learning_rate must be"),
    ("weight_limit", "100", "weight_limit must be"),
    ("weight_step", -1.0, "weight_step must be"),
    ("photocell_noise", 2.0, "photocell_noise must be a number from 0 to 1, got 2.0"),
    ("s_threshold", 0, "s_threshold must be"),
    ("analog", "yes", "analog must be True or False"),
    ("coding", "gray", "unknown coding 'gray'"),
    ("a_units", 512.0, "a_units must be a whole number from 1 to 100,000, got 512.0"),
    ("connectivity", np.array([0.5, 0.5]), "connectivity must be"),
])
def test_a_bad_value_set_after_building_is_refused_on_the_next_call(name, value, fragment):
    m = MarkI(seed=0)
    m.reset_weights()
    setattr(m, name, value)
    for call in (lambda: m.train(cards_of(4, density=0.5), [0, 1, 0, 1]), lambda: m.respond(cards_of(2))):
        with pytest.raises(ConfigError, match=fragment.replace("(", r"\(").replace("+", r"\+")) as info:
            call()
        one_line(info)
    assert not m.weights_.any() and m.presentations_ == 0


def test_random_changes_after_building_never_crash():
    """Seeded fuzz in a subprocess: any value for any parameter, then any entry point."""
    p = run_python("""
        import numpy as np
        from simulator import MarkI
        from simulator.errors import Mark1Error
        rng = np.random.default_rng(20261129)
        values = [None, -1, 0, 1, 2, 3, 7, 20, 64, 65, 300, 10**9, 2**70, 0.5, 1.5, -0.0, float("nan"),
                  float("inf"), True, "full", "alpha", "x", np.int8(100), np.uint8(200), np.float32(0.3),
                  np.array([1, 2]), [1], 1e300]
        names = list(MarkI().get_params())
        cards = (rng.random((16, 20, 20)) < 0.3).astype(np.float32)
        outcomes = {"ok": 0, "refused": 0}
        for case in range(400):
            m = MarkI(seed=int(rng.integers(100)), a_units=int(rng.integers(1, 200)))
            m.train(cards, rng.integers(0, 2, 16))
            for _ in range(int(rng.integers(1, 3))):
                setattr(m, names[rng.integers(len(names))], values[rng.integers(len(values))])
            size = m.retina_size if isinstance(m.retina_size, int) and 2 <= m.retina_size <= 64 else 20
            c = (rng.random((16, size, size)) < 0.3).astype(np.float32)
            call = rng.integers(7)
            try:
                [lambda: m.respond(c), lambda: m.train(c, rng.integers(0, 2, 16)), lambda: m.look(c[:1]),
                 lambda: m.predict(c), lambda: m.associate(c), lambda: m.sense(c),
                 lambda: m.fit(c, rng.integers(0, 2, 16))][call]()
                outcomes["ok"] += 1
            except Mark1Error as exc:
                assert "\\n" not in str(exc), str(exc)
                outcomes["refused"] += 1
        print(outcomes["ok"], outcomes["refused"])
    """)
    assert p.returncode == 0, (p.returncode, p.stderr[-3000:])
    ok, refused = map(int, p.stdout.split())
    assert ok > 20 and refused > 100


# ---------------------------------------------------------------- fit re-seeds, as scikit-learn's
def test_two_fits_on_one_machine_are_identical_even_with_photocell_noise():
    cards, labels = cards_of(80), labels_of(80)
    m = MarkI(seed=4, photocell_noise=0.2)
    first = m.fit(cards, labels, epochs=2).weights.copy()
    m.train(cards, labels)  # and whatever happened in between
    second = m.fit(cards, labels, epochs=2).weights.copy()
    np.testing.assert_array_equal(first, second)
    assert first.any()


@pytest.mark.parametrize("epochs", [1, 3])
@pytest.mark.parametrize("noise", [0.0, 0.2])
def test_fit_equals_a_fresh_machines_partial_fit_repeated(epochs, noise):
    cards, labels = cards_of(100, seed=epochs), labels_of(100, seed=epochs, k=3)
    fitted = MarkI(seed=6, photocell_noise=noise)
    fitted.train(cards_of(10), labels_of(10, k=2))  # learned something else before
    fitted.fit(cards, labels, epochs=epochs)
    fresh = MarkI(seed=6, photocell_noise=noise)
    for _ in range(epochs):
        fresh.partial_fit(cards, labels)
    np.testing.assert_array_equal(fitted.weights, fresh.weights)
    assert fitted.n_classes_ == 3 and fitted.presentations_ == 100 * epochs
    assert fitted.errors_ == fresh.errors_ and fitted.corrections_ == fresh.corrections_
    np.testing.assert_array_equal(fitted.respond(cards), fresh.respond(cards))  # same noise stream


def test_fit_forgets_the_classes_returns_self_and_a_failed_fit_changes_nothing():
    m = MarkI(seed=1)
    m.set_classes(2, ["left", "right"])
    assert m.fit(cards_of(30), labels_of(30, k=4)) is m
    assert m.n_classes_ == 4 and m.class_names_ is None
    before = m.weights.copy()
    with pytest.raises(ConfigError, match="class labels must be whole numbers"):
        m.fit(cards_of(3), [0.5, 1, 0])
    with pytest.raises(ConfigError, match="epochs must be a whole number from 1 to 10,000"):
        m.fit(cards_of(3), [0, 1, 0], epochs=0)
    np.testing.assert_array_equal(m.weights, before)
    assert m.n_classes_ == 4 and m.presentations_ == 30


# ---------------------------------------------------------------- values of numpy types
def test_numpy_integers_are_taken_as_python_ints_and_cannot_overflow(tmp_path):
    m = MarkI(seed=np.uint8(3), a_units=np.int8(100), excitatory=np.int8(100), inhibitory=np.int8(100),
              retina_size=np.int8(20), r_units=np.int16(8))
    assert m.associate(cards_of(3)).shape == (3, 100)
    assert all(type(getattr(m, k)) is int for k in ("seed", "a_units", "excitatory", "retina_size"))
    assert m.plugboard_.excitatory_idx.shape == (100, 100)
    m.save(tmp_path / "m.mark1")  # JSON holds plain ints
    same = MarkI(seed=3, a_units=100, excitatory=100, inhibitory=100)
    np.testing.assert_array_equal(m.associate(cards_of(9)), same.associate(cards_of(9)))


@pytest.mark.parametrize("kwargs,fragment", [
    ({"a_units": True}, "a_units must be a whole number"),
    ({"a_units": np.int64(100_001)}, "a_units must be a whole number from 1 to 100,000, got"),
    ({"retina_size": np.float64(20)}, "retina_size must be a whole number"),
    ({"seed": -1}, "seed must be None or a whole number from 0 to"),
    ({"seed": 2**64}, "seed must be None or a whole number from 0 to 9,223,372,036,854,775,807"),
    ({"wiring_seed": "7"}, "wiring_seed must be None or a whole number"),
    ({"connectivity": True}, "connectivity must be"),
    ({"excitatory": np.int8(127), "inhibitory": np.int8(127), "retina_size": 10},
     "cannot take 254 connections from 100 photocells"),
])
def test_bad_settings_of_any_type_are_one_line_config_errors(kwargs, fragment):
    with pytest.raises(ConfigError, match=fragment) as info:
        MarkI(**kwargs).respond(cards_of(1))
    one_line(info)


# ---------------------------------------------------------------- cards
BAD_CARDS = [
    ([[0.0] * 20] * 19 + [[0.0] * 19], "ragged"),
    ([np.zeros((20, 20)), np.zeros((20, 19))], "ragged"),
    (np.full((1, 20, 20), "a"), "numbers"),
    (np.zeros((1, 20, 20), dtype=object), "numbers"),
    (np.zeros((1, 20, 20), dtype=complex), "numbers"),
    (np.zeros((1, 20, 20), dtype="m8[s]"), "numbers"),
    ("card.png", "light_levels"),
    (None, "numbers"),
    (np.zeros((2, 20, 21)), r"shape \(n, 20, 20\)"),
    (np.full((1, 20, 20), 1e300), "infinite"),
]


@pytest.mark.parametrize("cards,fragment", BAD_CARDS)
def test_cards_that_are_not_light_levels_are_one_line_card_errors(cards, fragment):
    m = MarkI(seed=0)
    for call in (m.respond, m.associate, m.scores, m.look, m.sense,
                 lambda c: m.train(c, [0]), lambda c: m.score(c, [0])):
        with pytest.raises(CardError, match=fragment) as info:
            call(cards)
        one_line(info)
    assert m.presentations_ == 0


def test_empty_card_arrays_give_empty_answers_and_train_nothing():
    m = MarkI(seed=0)
    none = np.zeros((0, 20, 20), np.float32)
    assert m.respond(none).shape == (0, 8) and m.associate(none).shape == (0, 512)
    assert m.sense(none).shape == (0, 400)
    trace = m.train(none, np.zeros(0, int))
    assert trace.wrong.shape == (0,) and m.presentations_ == 0 and m.n_classes_ is None
    m.train(cards_of(4), [0, 1, 0, 1])
    assert m.predict(none).shape == (0,)
    with pytest.raises(CardError, match="score needs at least one card") as info:
        m.score(none, [])
    one_line(info)
    with pytest.raises(CardError, match="look takes one card, got 0") as info:
        m.look(none)
    with pytest.raises(CardError, match="look takes one card, got 3"):
        m.look(cards_of(3))


# ---------------------------------------------------------------- labels and targets
BAD_LABELS = [
    ([0], "one label per card: 4 cards, 1 labels"),
    ([[0, 1, 0, 1]], "one label per card"),
    ([0.0, 1.0, 0.0, 1.0], "class labels must be whole numbers >= 0, got float64"),
    ([True, False, True, False], "class labels must be whole numbers >= 0, got bool"),
    ([0, -1, 0, 1], "class labels must be whole numbers >= 0, got -1"),
    (["a", "b", "a", "b"], "class labels must be whole numbers"),
    ([[0], [1, 2], [0], [1]], "ragged"),
    (None, "one label per card"),
    (0, "one label per card"),
]


@pytest.mark.parametrize("labels,fragment", BAD_LABELS)
def test_bad_labels_are_one_line_config_errors_everywhere(labels, fragment):
    m = MarkI(seed=0)
    m.train(cards_of(4), [0, 1, 1, 0])
    before = m.weights.copy()
    for call in (m.train, m.score, m.partial_fit, m.fit):
        with pytest.raises(ConfigError, match=fragment) as info:
            call(cards_of(4), labels)
        one_line(info)
    np.testing.assert_array_equal(m.weights, before)
    assert m.presentations_ == 4


@pytest.mark.parametrize("targets,fragment", [
    (np.ones((4, 7)), r"need one label per card, shape \(4,\), or R-unit targets of shape \(4, 8\); "
                      r"got shape \(4, 7\)"),
    (np.full((4, 8), 2), "R-unit targets must be -1 or \\+1"),
    (np.full((4, 8), 0.5), "R-unit targets must be -1 or \\+1"),
    (np.full((4, 8), np.nan), "R-unit targets must be -1 or \\+1"),
    (np.full((4, 8), "1"), "R-unit targets must be -1 or \\+1"),
    (np.ones((4, 8), dtype=bool), "R-unit targets must be -1 or \\+1"),
    (np.ones((4, 8, 1)), "one label per card"),
])
def test_r_unit_targets_of_the_wrong_shape_or_values_are_refused(targets, fragment):
    m = MarkI(seed=0, coding="bits")
    with pytest.raises(ConfigError, match=fragment) as info:
        m.train(cards_of(4), targets)
    one_line(info)
    assert m.presentations_ == 0


def test_a_refused_first_training_does_not_fix_the_classes():
    m = MarkI(seed=0, coding="bits")
    with pytest.raises(ConfigError, match="coding='bits' takes"):
        m.train(cards_of(2), [0, 1])
    assert m.n_classes_ is None
    m.coding = "winner"
    with pytest.raises(ConfigError, match="winner-take-all coding of 9 classes"):
        m.train(cards_of(2), [0, 8])
    assert m.n_classes_ is None
    m.train(cards_of(2), [0, 2])
    assert m.n_classes_ == 3
    with pytest.raises(ConfigError, match="n_classes 4 but the machine was trained on 3 classes"):
        m.train(cards_of(2), [0, 1], n_classes=4)
    with pytest.raises(ConfigError, match="labels go up to 300: 301 classes, more than the 256"):
        MarkI(seed=0).train(cards_of(2), [0, 300])


def test_predict_before_training_says_what_to_do():
    expected = (r"not been trained on class labels yet; call train\(cards, labels\), fit\(cards, labels\) "
                r"or set_classes\(n\) first")
    with pytest.raises(ConfigError, match=expected) as info:
        MarkI(seed=0).predict(cards_of(2))
    one_line(info)


@pytest.mark.parametrize("args,fragment", [
    ((2, ["a", 1]), "class names must be strings, got 1"),
    ((2, "ab"), "class names must be a list of strings"),
    ((2, ["a", "a"]), "class names must differ: 'a' is given twice"),
    ((2, ["a", ""]), "class names must not be empty"),
    ((2, ["a", "b\nc"]), "class names must be one line"),
    ((2, 5), "class names must be a list of strings"),
    ((2, ["a"]), "1 class names for 2 classes"),
    (("two",), "n_classes must be a whole number from 2 to 256, got 'two'"),
    ((1,), "n_classes must be a whole number from 2 to 256"),
    ((300,), "n_classes must be a whole number from 2 to 256"),
])
def test_set_classes_checks_its_arguments(args, fragment):
    m = MarkI(seed=0)
    with pytest.raises(ConfigError, match=fragment) as info:
        m.set_classes(*args)
    one_line(info)
    assert m.n_classes_ is None and m.class_names_ is None


def test_partial_fit_classes_must_be_the_labels():
    m = MarkI(seed=0)
    m.partial_fit(cards_of(4), [0, 1, 0, 1], classes=np.array([0, 1, 2]))
    assert m.n_classes_ == 3
    for classes in (3, ["a", "b"], [1, 2], [0, 0]):
        with pytest.raises(ConfigError, match="classes must be the labels 0 to k-1") as info:
            MarkI(seed=0).partial_fit(cards_of(4), [0, 1, 0, 1], classes=classes)
        one_line(info)


# ---------------------------------------------------------------- save
@pytest.mark.parametrize("path", [None, 3, b"m.mark1", "", ["m.mark1"]])
def test_save_needs_a_file_name(path):
    with pytest.raises(ConfigError, match="save needs a file name") as info:
        MarkI(seed=0).save(path)
    one_line(info)


def test_saved_params_are_plain_json(tmp_path):
    m = MarkI(seed=np.int64(2), a_units=np.int32(64), learning_rate=np.float32(0.5))
    m.train(cards_of(8), labels_of(8))
    m.save(tmp_path / "m.mark1")
    loaded = MarkI.load(tmp_path / "m.mark1")
    assert loaded.a_units == 64 and type(loaded.a_units) is int and loaded.seed == 2
    np.testing.assert_array_equal(loaded.weights, m.weights)


def test_errors_are_the_projects_own():
    with pytest.raises(Mark1Error):
        MarkI(seed=0).respond([[1, 2], [3]])
