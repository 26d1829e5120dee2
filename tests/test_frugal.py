"""A frugal machine core: a card at a time in numpy, batches in numba, the same bits either way.

The kiosk shows and teaches one card at a time on a small computer; numba costs it about
125 MB and, with a cold cache, seconds of compiling. These tests hold the two paths of
:mod:`simulator.kernels` to the same results bit for bit, check that a one-card session never
imports numba, that the warm-up compiles every type the machine passes (so nothing compiles
later), and that a big machine is wired without its dense intermediate arrays. No timings.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from simulator import MarkI, kernels
from simulator.plugboard import Plugboard


def _run(code: str, **env) -> str:
    """Run ``code`` in a fresh interpreter; its stdout."""
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                         text=True, env=os.environ | env, timeout=300)
    assert out.returncode == 0, out.stderr
    return out.stdout


def _bits(*arrays) -> list[bytes]:
    """The arrays' bytes: -0.0 and 0.0 differ here, as they do in memory."""
    return [np.ascontiguousarray(a).tobytes() for a in arrays]


def _session_of(engine, cards, targets, **params) -> list[bytes]:
    """Everything a machine gives on ``cards`` in one engine: associate, train, scores, look."""
    m = MarkI(**params)
    with kernels.engine(engine):
        a = m.associate(cards)
        trace = m.train(cards, targets)
        trace2 = m.train(cards[::-1], targets)   # a second pass, from trained weights
        s = m.scores(cards)
        look = m.look(cards[0])
    return _bits(a, trace.wrong, trace.moved, trace2.wrong, trace2.moved, s, m.weights_, m.bias_,
                 *look)


# ---------------------------------------------------------------------------- same bits
SETTINGS = list(itertools.product(
    ["alpha", "gamma", "forced", "lecture"],       # rule
    [1.0, 0.3],                                    # learning rate (0.3: sums that round)
    [None, 2.0],                                   # end stops
    [None, 0.25],                                  # ratchet
    ["full", "partitioned", 0.5],                  # A -> R wiring
    [False, True],                                 # analog light
    [0.0, 0.2],                                    # photocell noise
))


@pytest.mark.parametrize("case", range(0, len(SETTINGS), 3))
def test_one_card_path_and_batch_path_give_the_same_bits(case):
    rule, eta, limit, step, connectivity, analog, noise = SETTINGS[case]
    rng = np.random.default_rng(case)  # seeded by the case: the same cards every run
    # grey levels, so analog sums round and binary thresholds cut through them
    cards = ((rng.random((30, 20, 20)) < 0.25) * rng.random((30, 20, 20))).astype(np.float32)
    targets = rng.choice(np.array([-1, 0, 1], dtype=np.int8), size=(30, 3), p=[0.45, 0.1, 0.45])
    params = dict(seed=int(rng.integers(2**31)), a_units=80, r_units=3, rule=rule,
                  learning_rate=eta, weight_limit=limit, weight_step=step,
                  connectivity=connectivity, analog=analog, photocell_noise=noise,
                  a_threshold=float(rng.choice([2.0, 0.5, -1.0])))
    assert _session_of("numpy", cards, targets, **params) == _session_of("numba", cards, targets,
                                                                          **params)


def test_one_card_at_a_time_equals_one_batch():
    """What the kiosk does (train card by card, small calls) equals one large call."""
    rng = np.random.default_rng(7)
    cards = (rng.random((600, 20, 20)) < 0.2).astype(np.float32)
    labels = rng.integers(0, 2, 600)
    batch = MarkI(seed=3, rule="lecture", photocell_noise=0.1, learning_rate=0.3)
    one = MarkI(seed=3, rule="lecture", photocell_noise=0.1, learning_rate=0.3)
    assert 600 * batch.a_units > kernels.SMALL_WORK            # the batch goes to numba
    batch.train(cards, labels)
    for card, label in zip(cards, labels):
        one.train(card[None], [label])
    assert _bits(one.weights_, one.bias_) == _bits(batch.weights_, batch.bias_)
    assert one.rng_.bit_generator.state == batch.rng_.bit_generator.state


def test_a_hand_made_wiring_taking_one_photocell_twice_agrees_too():
    """The board nets a photocell wired twice into an A-unit; the sparse form must too."""
    exc = np.array([[0, 1], [2, 2], [3, 4], [5, 6]])
    inh = np.array([[0, 7], [8, 9], [3, 3], [10, 11]])          # unit 0 and 2: +1 -1 on one cell
    pb = Plugboard(exc, inh, np.array([0.5, 1.0, -0.5, 0.0], np.float32), n_inputs=16)
    cells, signs = pb.wires()
    board = pb.board()
    for a in range(4):  # each column: the board's nonzero entries, in photocell order
        keep = signs[:, a] != 0
        np.testing.assert_array_equal(cells[keep, a], np.flatnonzero(board[:, a]))
        np.testing.assert_array_equal(signs[keep, a], board[board[:, a] != 0, a])
    light = np.random.default_rng(1).random((5, 16)).astype(np.float32)
    for analog in (False, True):
        got = []
        for engine in kernels.ENGINES:
            act, cnt = np.zeros((5, 4), np.int32), np.zeros(5, np.int64)
            with kernels.engine(engine):
                kernels.active_lists(light, analog, np.float32(0.5), pb, act, cnt)
            got.append([tuple(act[i, :cnt[i]]) for i in range(5)])
        assert got[0] == got[1]


def test_an_unknown_engine_is_refused():
    with pytest.raises(ValueError, match="unknown kernel engine 'gpu'; choose one of numpy, numba$"):
        with kernels.engine("gpu"):
            pass


# ---------------------------------------------------------------------------- numba stays out
def test_a_one_card_session_never_imports_numba():
    out = _run("""
        import sys
        from simulator.session import Session
        s = Session(seed=1958)
        for _ in range(200):           # past the demonstration's "Learned!" (200 held-out cards)
            s.deal()
            s.teach(s.card_label)
        print(s.machine.presentations_, s.learned_at is not None,
              sorted(k for k in sys.modules if k.split('.')[0] in ('numba', 'llvmlite')))
    """)
    assert out.split() == ["200", "True", "[]"]


def test_a_large_batch_takes_the_compiled_kernels():
    out = _run("""
        import sys
        import numpy as np
        from simulator import MarkI
        m = MarkI(seed=1)
        m.respond(np.zeros((256, 20, 20), np.float32))   # 256 x 512 A-units: still numpy
        print('numba' in sys.modules)
        m.respond(np.zeros((257, 20, 20), np.float32))
        print('numba' in sys.modules)
    """)
    assert out.split() == ["False", "True"]


def test_warm_up_compiles_every_type_the_machine_passes():
    """After warm_up, no machine call compiles (or loads) another kernel variant."""
    out = _run("""
        import json
        import numpy as np
        from simulator import MarkI, kernels, compiled

        kernels.warm_up()
        funcs = (compiled.active_lists, compiled.mark, compiled.sum_rows, compiled.learn)
        before = [len(f.signatures) for f in funcs]
        cards = (np.random.default_rng(0).random((40, 20, 20)) < 0.3).astype(np.float32)
        frozen = cards.copy()
        frozen.flags.writeable = False
        with kernels.engine("numba"):
            for params in ({}, {"rule": "lecture", "analog": True, "photocell_noise": 0.1},
                           {"rule": "gamma", "connectivity": 0.5, "weight_step": 0.5},
                           {"excitatory": 127, "inhibitory": 0, "a_units": 16}):
                m = MarkI(seed=1, **params)
                for c in (cards, frozen):
                    m.train(c, np.arange(40) % 2)
                    m.train(c, np.where(np.arange(40 * 8).reshape(40, 8) % 3, 1, -1))
                    m.associate(c), m.scores(c), m.look(c[0]), m.predict(c)
        print(json.dumps([before, [len(f.signatures) for f in funcs]]))
    """)
    before, after = json.loads(out)
    assert after == before and min(before) >= 1


# ---------------------------------------------------------------------------- big machines
@pytest.mark.parametrize("a_units, excitatory, inhibitory", [(3000, 5, 5), (2622, 7, 0),
                                                              (5, 1, 2)])
def test_wiring_drawn_in_blocks_is_the_wiring_drawn_at_once(a_units, excitatory, inhibitory):
    """The one-shot draw it replaces (2,621 A-units of keys a block: 3,000 spans two)."""
    n, k = 400, excitatory + inhibitory
    old = np.random.default_rng(9)
    keys = old.random((a_units, n))
    chosen = np.argpartition(keys, k - 1, axis=1)[:, :k]
    new = np.random.default_rng(9)
    pb = Plugboard.random(n_inputs=n, a_units=a_units, excitatory=excitatory,
                          inhibitory=inhibitory, threshold=2.0, rng=new)
    np.testing.assert_array_equal(pb.excitatory_idx, chosen[:, :excitatory])
    np.testing.assert_array_equal(pb.inhibitory_idx, chosen[:, excitatory:])
    assert new.random() == old.random()   # the generator goes on where it did


@pytest.mark.parametrize("n_inputs, a_units", [(400, 512), (400, 9000), (36, 7), (25, 3)])
def test_table_is_the_summed_board_rows(n_inputs, a_units):
    """Built from the wires, the table holds what summing the board's rows gave."""
    pb = Plugboard.random(n_inputs=n_inputs, a_units=a_units, excitatory=5, inhibitory=5,
                          threshold=2.0, rng=np.random.default_rng(4))
    table = pb.table()
    k = int(np.log2(table.shape[1]))
    groups = pb.matrix(np.int64).reshape(n_inputs // k, k, a_units)
    bits = (np.arange(2 ** k)[:, None] >> np.arange(k)) & 1
    np.testing.assert_array_equal(table, np.einsum("pk,gka->gpa", bits, groups))
    assert table.dtype == np.int8


def test_a_big_binary_machine_is_wired_and_run_without_dense_arrays():
    """100,000 A-units: 40 million float64 keys at once and the dense board (80 MB) gone."""
    out = _run("""
        import numpy as np
        from pathlib import Path
        from simulator import MarkI, kernels
        m = MarkI(seed=1, a_units=100_000)
        cards = (np.random.default_rng(0).random((2, 20, 20)) < 0.3).astype(np.float32)
        one = m.respond(cards[:1])
        with kernels.engine("numba"):
            both = m.respond(cards)
        peak = next(line for line in Path("/proc/self/status").read_text().splitlines()
                    if line.startswith("VmHWM:"))   # this process's own peak (reset by exec)
        print(m.plugboard_._board is None, (one == both[:1]).all(), int(peak.split()[1]) // 1024)
    """)
    no_board, same, peak_mb = out.split()
    assert (no_board, same) == ("True", "True")
    # was about 950 MB; of the 290 MB now numba is about 125, the compiled kernel's table 80
    assert int(peak_mb) < 400
