"""rule="lms": Widrow and Hoff's least-mean-squares rule on the Mark I's A-units.

dw = (eta / n) (t - s) a on every card, right or wrong: s the R-unit's input, t its target,
n its active wired A-units. The expected values below are worked by hand.
"""

import json

import numpy as np
import pytest

from simulator import ConfigError, MarkI, kernels
from simulator.cli import main
from simulator.errors import StateFileError


def hand_learn(engine, active_lists, targets, *, a_units, r_units, eta, limit=0.0, mask=None):
    """Run kernels.learn on hand-made active lists in one engine; weights, wrong, moved."""
    n = len(active_lists)
    act = np.zeros((n, a_units), dtype=np.int32)
    cnt = np.zeros(n, dtype=np.int64)
    for i, units in enumerate(active_lists):
        act[i, :len(units)] = units
        cnt[i] = len(units)
    W, bias = np.zeros((a_units, r_units)), np.zeros(r_units)
    mask = np.ones((a_units, r_units), dtype=np.bool_) if mask is None else mask
    wrong, moved = np.zeros(n, dtype=np.int32), np.zeros(n, dtype=np.int32)
    with kernels.engine(engine):
        kernels.learn(act, cnt, np.asarray(targets, dtype=np.int8), W, bias, mask,
                      mask.sum(axis=0).astype(np.int64), kernels.LMS, eta, limit, 0.0, False,
                      wrong, moved)
    assert not bias.any()  # lms trains no bias: the R-unit's input is the A-units' sum
    return W, wrong, moved


ENGINES = ["numpy", "numba"]


@pytest.mark.parametrize("engine", ENGINES)
def test_two_cards_three_a_units_by_hand(engine):
    # card 1: A0, A1 fire, t = +1, s = 0: each moves 0.5 * (1 - 0) / 2 = 0.25
    # card 2: A1, A2 fire, t = -1, s = 0.25 + 0 = 0.25: each moves 0.5 * (-1.25) / 2 = -0.3125;
    # A0 is dark on card 2 and keeps its 0.25
    W, wrong, moved = hand_learn(engine, [[0, 1], [1, 2]], [[1], [-1]], a_units=3, r_units=1,
                                 eta=0.5)
    np.testing.assert_array_equal(W[:, 0], [0.25, -0.0625, -0.3125])
    np.testing.assert_array_equal(wrong, [1, 1])   # s = 0 is no answer; 0.25 is the wrong sign
    np.testing.assert_array_equal(moved, [2, 2])


@pytest.mark.parametrize("engine", ENGINES)
def test_a_right_answer_still_moves_and_an_exact_one_does_not(engine):
    # eta = 1 removes a card's whole error: card 1 sets A0 = A1 = 0.5 (s = 0 -> 1); card 2,
    # A0 alone, t = +1, s = 0.5, right but short: A0 += 0.5 -> 1.0; card 3 = card 1 again,
    # s = 1.0 + 0.5 = 1.5 > t: both move down by 0.25 (alpha would leave a right answer alone);
    # card 4 = card 1, s = 0.75 + 0.25 = 1.0 = t exactly: nothing turns
    W, wrong, moved = hand_learn(engine, [[0, 1], [0], [0, 1], [0, 1]], [[1], [1], [1], [1]],
                                 a_units=2, r_units=1, eta=1.0)
    np.testing.assert_array_equal(W[:, 0], [0.75, 0.25])
    np.testing.assert_array_equal(wrong, [1, 0, 0, 0])
    np.testing.assert_array_equal(moved, [2, 1, 2, 0])


@pytest.mark.parametrize("engine", ENGINES)
def test_end_stops_hold_and_a_card_with_no_active_unit_moves_nothing(engine):
    # stop at 0.4: card 1 wants 0.5 on A0 and A1, gets 0.4; card 2 (A0, s = 0.4) wants
    # 0.4 + 0.6 = 1.0, already at the stop: nothing turns; card 3 lights no A-unit (n = 0)
    W, wrong, moved = hand_learn(engine, [[0, 1], [0], []], [[1], [1], [-1]], a_units=3,
                                 r_units=1, eta=1.0, limit=0.4)
    np.testing.assert_array_equal(W[:, 0], [0.4, 0.4, 0.0])
    np.testing.assert_array_equal(wrong, [1, 0, 1])
    np.testing.assert_array_equal(moved, [2, 0, 0])


@pytest.mark.parametrize("engine", ENGINES)
def test_the_error_is_shared_among_the_active_units_wired_to_each_r_unit(engine):
    # A0 and A2 wired to R0, A1 to R1 (as "partitioned" wires 3 A-units to 2 R-units); all
    # three fire, t = (+1, +1): R0's error 1 is shared by 2 units (0.5 each), R1's by 1
    mask = np.array([[1, 0], [0, 1], [1, 0]], dtype=np.bool_)
    W, wrong, moved = hand_learn(engine, [[0, 1, 2]], [[1, 1]], a_units=3, r_units=2, eta=1.0,
                                 mask=mask)
    np.testing.assert_array_equal(W, [[0.5, 0.0], [0.0, 1.0], [0.5, 0.0]])
    np.testing.assert_array_equal(moved, [3])


@pytest.mark.parametrize("limit, step, connectivity, analog", [
    (None, None, "full", False), (0.05, None, "full", True), (None, 0.01, "partitioned", False),
    (0.2, 0.01, 0.5, True), (None, None, 0.5, False)])
def test_both_engines_train_lms_to_the_same_bits(limit, step, connectivity, analog):
    rng = np.random.default_rng(4)
    cards = ((rng.random((60, 20, 20)) < 0.25) * rng.random((60, 20, 20))).astype(np.float32)
    targets = rng.choice(np.array([-1, 0, 1], dtype=np.int8), size=(60, 3), p=[0.45, 0.1, 0.45])
    got = []
    for engine in ENGINES:
        m = MarkI(seed=9, a_units=80, r_units=3, rule="lms", learning_rate=0.3, weight_limit=limit,
                  weight_step=step, connectivity=connectivity, analog=analog, a_threshold=0.5,
                  photocell_noise=0.1)
        with kernels.engine(engine):
            one, two = m.train(cards, targets), m.train(cards[::-1], targets)
        got.append((m.weights_.tobytes(), one.wrong.tobytes(), one.moved.tobytes(),
                    two.moved.tobytes()))
    assert got[0] == got[1]
    assert np.count_nonzero(np.frombuffer(got[0][0])) > 10   # it learned something


def test_the_machine_trains_lms_with_its_own_partitioned_wiring():
    """The same sharing through MarkI: partitioned wiring, each R-unit's own active units."""
    m = MarkI(seed=0, a_units=40, r_units=2, rule="lms", connectivity="partitioned",
              a_threshold=1.0)
    card = (np.random.default_rng(0).random((1, 20, 20)) < 0.3).astype(np.float32)
    active = np.flatnonzero(m.associate(card)[0])
    m.train(card, np.array([[1, -1]], dtype=np.int8))
    for r, t in ((0, 1.0), (1, -1.0)):
        mine = active[active % 2 == r]            # partitioned: A-unit a feeds R-unit a % 2
        assert len(mine) > 1
        np.testing.assert_array_equal(m.weights[mine, r], t / len(mine))
        assert m.scores(card)[0, r] == pytest.approx(t)
    assert np.count_nonzero(m.weights) == len(active)


def test_lms_learns_while_answering_right_and_alpha_does_not():
    rng = np.random.default_rng(1)
    cards = (rng.random((30, 20, 20)) < 0.2).astype(np.float32)
    labels = np.arange(30) % 2
    alpha, lms = MarkI(seed=2, rule="alpha"), MarkI(seed=2, rule="lms", learning_rate=0.1)
    alpha.train(cards, labels), lms.train(cards, labels)
    right_alpha = alpha.train(cards, labels)
    right_lms = lms.train(cards, labels)
    # on cards answered right, alpha turns nothing; lms keeps pulling s towards t
    assert right_alpha.moved[~right_alpha.mistakes].sum() == 0
    assert right_lms.moved[~right_lms.mistakes].sum() > 0


@pytest.mark.parametrize("rate", [1.0 + 1e-9, 1.5, 2.0])
def test_an_lms_rate_that_overshoots_is_refused_in_one_line(rate):
    with pytest.raises(ConfigError, match=r"learning_rate with rule 'lms' must be a .*number "
                                          r"above 0 and at most 1"):
        MarkI(rule="lms", learning_rate=rate).reset()


def test_switching_a_fast_alpha_machine_to_lms_is_refused_and_changes_nothing():
    m = MarkI(seed=0, learning_rate=2.0)
    m.reset()
    with pytest.raises(ConfigError, match="learning_rate with rule 'lms'"):
        m.set_params(rule="lms")
    assert m.rule == "alpha"
    m.set_params(rule="lms", learning_rate=0.5)   # both at once is fine
    assert (m.rule, m.learning_rate) == ("lms", 0.5)


def test_an_lms_state_file_round_trips_and_trains_on_alike(tmp_path):
    rng = np.random.default_rng(3)
    cards = (rng.random((50, 20, 20)) < 0.2).astype(np.float32)
    labels = rng.integers(0, 2, 50)
    m = MarkI(seed=4, rule="lms", learning_rate=0.25)
    m.train(cards[:25], labels[:25])
    m.save(tmp_path / "m.mark1")
    back = MarkI.load(tmp_path / "m.mark1")
    assert (back.rule, back.learning_rate) == ("lms", 0.25)
    m.train(cards[25:], labels[25:])
    back.train(cards[25:], labels[25:])
    np.testing.assert_array_equal(back.weights, m.weights)


def test_a_state_file_with_an_lms_rate_above_one_is_refused(tmp_path, monkeypatch):
    m = MarkI(seed=4, rule="lms", learning_rate=1.0)
    m.reset()
    # as a file from elsewhere could be: the machine's own check is skipped to write it
    m.learning_rate = 1.5
    with monkeypatch.context() as patch:
        patch.setattr(MarkI, "_ensure_built", lambda self: None)
        m.save(tmp_path / "bad.mark1")
    with pytest.raises(StateFileError, match="settings are out of range.*rule 'lms'"):
        MarkI.load(tmp_path / "bad.mark1")


def test_mark1_train_rule_lms_trains_and_keeps_the_rule(tmp_path, capsys):
    from PIL import Image

    for name, box in (("left", (2, 8, 8, 14)), ("right", (14, 8, 20, 14))):
        (tmp_path / "pics" / name).mkdir(parents=True)
        for k in range(4):
            img = Image.new("L", (22, 22), 255)
            img.paste(0, (box[0], box[1] + k % 2, box[2], box[3] + k % 2))
            img.save(tmp_path / "pics" / name / f"{k}.png")
    state = tmp_path / "s.mark1"
    assert main(["train", str(tmp_path / "pics"), "--state", str(state), "--passes", "3",
                 "--rule", "lms"]) == 0
    m = MarkI.load(state)
    assert m.rule == "lms" and m.presentations_ == 24
    assert "training accuracy 100.0%" in capsys.readouterr().out
    assert main(["train", str(tmp_path / "pics"), "--state", str(state), "--passes", "1"]) == 0
    assert MarkI.load(state).rule == "lms"   # a continued file keeps its rule
    assert main(["train", str(tmp_path / "pics"), "--state", str(state), "--passes", "1",
                 "--rule", "alpha"]) == 0
    assert MarkI.load(state).rule == "alpha"


def test_mark1_train_refuses_an_unknown_rule(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["train", str(tmp_path), "--state", str(tmp_path / "s.mark1"), "--rule", "adaline"])
    assert exit_.value.code == 2
    assert "invalid choice: 'adaline'" in capsys.readouterr().err


def test_the_scikit_learn_adapter_takes_rule_lms():
    from sklearn.base import clone
    from sklearn.datasets import load_iris

    from simulator.sklearn_adapter import RetinaClassifier

    X, y = load_iris(return_X_y=True)
    clf = RetinaClassifier(random_state=0, rule="lms", learning_rate=0.1, epochs=5).fit(X, y)
    assert clf.machine_.rule == "lms"
    assert clf.score(X, y) > 0.8
    assert clone(clf).get_params()["rule"] == "lms"
    with pytest.raises(ConfigError, match="rule 'lms'"):
        RetinaClassifier(rule="lms", learning_rate=3.0).fit(X, y)
    json.dumps(clf.get_params())


# ---------------------------------------------------------------------------- the comparison
@pytest.fixture(scope="module")
def compared():
    from simulator import experiments

    return experiments.run("lms", seed=5, trials=60, test_cards=200)


def test_the_comparison_trains_alpha_exactly_as_the_left_right_experiment(compared):
    """Same plugboard and same cards: the alpha machine's curve is left-right's own run."""
    from simulator import experiments

    alone = experiments.run("left-right", seed=5, trials=60, test_cards=200)
    alpha = compared.details["machines"][0]
    assert (alpha["name"], alpha["rule"]) == ("alpha", "alpha")
    assert alpha["learning_curve"] == alone.curve
    assert alpha["trials_to_criterion"] == alone.trials_to_criterion
    assert compared.test_seen_in_training == alone.test_seen_in_training == 0.0


def test_each_lms_machine_is_a_fresh_machine_taught_the_same_cards(compared):
    """Replaying the stream to a new lms machine of the same wiring gives the same curve."""
    from simulator import experiments
    from simulator.learning import build_machine, learn

    exp = experiments.get("left-right")
    wiring_ss, test_ss, train_ss = np.random.SeedSequence(5).spawn(3)
    test = exp.deal(200, np.random.default_rng(test_ss))
    keys = set(experiments.photocell_patterns(test.cards))
    train_rng = np.random.default_rng(train_ss)
    for entry, (name, rule, eta) in zip(compared.details["machines"], experiments.LMS_MACHINES):
        assert (entry["name"], entry["rule"], entry["learning_rate"]) == (name, rule, eta)
    stream = []
    m = build_machine(5, wiring_ss, rule="lms", learning_rate=0.1)

    def deal(k):
        stream.append(experiments.deal_unseen(exp.deal, k, train_rng, keys))
        return stream[-1]
    got = learn(m, deal, test, 60)
    headline = compared.details["machines"][2]
    assert headline["learning_curve"] == got.curve == compared.curve
    assert compared.details["machines"][1]["learning_curve"] != compared.curve  # eta matters


def test_squared_error_is_the_mean_of_t_minus_s_squared():
    from simulator.cards import left_right_cards
    from simulator.experiments import squared_error

    deck = left_right_cards(40, rng=np.random.default_rng(0))
    m = MarkI(seed=1, rule="lms", learning_rate=0.5)
    m.train(deck.cards[:20], deck.labels[:20])
    s = m.scores(deck.cards)[:, 0]        # two classes, binary code: R-unit 0 alone, +1 = RIGHT
    t = np.where(deck.labels == 1, 1.0, -1.0)
    assert squared_error(m, deck) == pytest.approx(np.mean((t - s) ** 2), abs=1e-6)


def test_the_experiment_names_its_headline_machine_and_length_as_the_run_does():
    from simulator import experiments as E

    exp = E.get("lms")
    rule, eta = {k: (r, e) for k, r, e in E.LMS_MACHINES}[E.LMS_HEADLINE]
    assert exp.machine == {"rule": rule, "learning_rate": eta}
    assert exp.trials == E.LMS_TRIALS and not exp.panel


def test_mark1_experiment_lms_json_and_plot_give_every_machine(tmp_path, capsys):
    from PIL import Image

    from simulator.charts import CURVE_COLOURS

    out = tmp_path / "lms.png"
    assert main(["experiment", "lms", "--seed", "2", "--trials", "40", "--json", "--plot",
                 str(out)]) == 0
    got = json.loads(capsys.readouterr().out)
    names = [m["name"] for m in got["details"]["machines"]]
    assert names == ["alpha", "lms eta 1", "lms eta 0.1"]
    for m in got["details"]["machines"]:
        assert m["learning_curve"][-1][0] == 40 and len(m["learning_curve"]) == len(got["curve"])
    pixels = set(map(tuple, np.asarray(Image.open(out).convert("RGB")).reshape(-1, 3).tolist()))
    assert all(c in pixels for c in CURVE_COLOURS[:3])   # three curves drawn, one colour each


def test_the_chart_summary_takes_medians_and_the_middle_half_over_seeds():
    from types import SimpleNamespace

    from simulator import lms

    def run(accs, ttc):  # one seed: the three machines' curves at checkpoints 1 and 2
        return SimpleNamespace(details={"machines": [
            {"learning_curve": [[1, a[0]], [2, a[1]]], "trials_to_criterion": t,
             "test_accuracy": a[1], "training_mistakes": 3, "test_squared_error": 0.5}
            for a, t in zip(accs, ttc)]})
    seeds = [run([(0.5, 0.6)] * 3, [2, None, 1]), run([(0.7, 0.8)] * 3, [None, None, 2]),
             run([(1.0, 1.0)] * 3, [1, None, 2])]
    got = lms.summarise(seeds)
    alpha = got["alpha"]
    assert alpha["median"] == [[1, 0.7], [2, 0.8]]          # the median, not the mean (0.733)
    low, high = alpha["band"]                               # numpy's linear 25% and 75%
    assert [t for t, _ in low] == [t for t, _ in high] == [1, 2]
    assert [a for _, a in low] == pytest.approx([0.6, 0.7])
    assert [a for _, a in high] == pytest.approx([0.85, 0.9])
    assert (alpha["to_criterion"], alpha["reached"]) == (2, 2)   # a seed never there counts last
    assert got["lms eta 1"]["reached"] == 0
    assert got["lms eta 0.1"]["final_range"] == (0.6, 1.0)


def test_the_chart_command_refuses_no_seeds_in_one_line(capsys, tmp_path):
    from simulator import lms

    assert lms.main(["--chart", str(tmp_path / "c.png"), "--seeds", "0"]) == 2
    assert capsys.readouterr().err == "error: --seeds must be at least 1\n"
    assert not (tmp_path / "c.png").exists()
