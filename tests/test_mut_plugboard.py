"""The plugboard against wiring made by hand: the sign of every wire, the table, counts, refusals.

The older checks compared one form of the board with another (the table with ``matrix()``, the
sparse wires with ``board()``), so a sign flipped everywhere passed them all. Here the expected
boards are written out by hand. Written against the mutation run's survivors (docs/TESTING.md).
"""

import numpy as np
import pytest

from simulator.errors import ConfigError
from simulator.plugboard import Plugboard

# Two A-units on four photocells. Unit 0: cells 0 and 1 excite, cell 2 inhibits;
# unit 1: cells 2 and 3 excite, cell 0 inhibits.
EXC = [[0, 1], [2, 3]]
INH = [[2], [0]]
#        unit 0  unit 1
BOARD = [[+1, -1],   # cell 0
         [+1, 0],    # cell 1
         [-1, +1],   # cell 2
         [0, +1]]    # cell 3


def _hand_made(thresholds=(1.0, 1.0)):
    return Plugboard(np.array(EXC), np.array(INH), np.array(thresholds, np.float32), n_inputs=4)


def test_matrix_and_board_carry_plus_one_for_excitatory_and_minus_one_for_inhibitory_wires():
    pb = _hand_made()
    np.testing.assert_array_equal(pb.matrix(), BOARD)
    assert pb.matrix().dtype == np.float32
    np.testing.assert_array_equal(pb.board(), BOARD)
    assert pb.board().dtype == np.int16
    assert pb.a_units == 2


def test_wires_list_each_units_photocells_in_order_with_their_signs():
    cells, signs = _hand_made().wires()
    np.testing.assert_array_equal(cells, [[0, 0], [1, 2], [2, 3]])      # column = A-unit
    np.testing.assert_array_equal(signs, [[+1, -1], [+1, +1], [-1, +1]])


def test_a_photocell_wired_twice_is_netted_and_short_columns_padded_with_sign_0():
    # unit 0: cell 0 excites and inhibits (nets to nothing), cell 1 excites, cell 2 inhibits;
    # unit 1: cell 3 excites twice (+2), cells 1 and 2 inhibit
    pb = Plugboard(np.array([[0, 1], [3, 3]]), np.array([[0, 2], [1, 2]]), np.zeros(2, np.float32), 4)
    np.testing.assert_array_equal(pb.board(), [[0, 0], [1, -1], [-1, -1], [0, 2]])
    cells, signs = pb.wires()
    np.testing.assert_array_equal(cells, [[1, 1], [2, 2], [0, 3]])
    np.testing.assert_array_equal(signs, [[1, -1], [-1, -1], [0, 2]])


def test_table_entries_are_the_lit_cells_rows_summed_by_hand():
    table = _hand_made().table()
    assert table.shape == (1, 16, 2) and table.dtype == np.int8  # 4 cells: one group of 4
    hand = np.array(BOARD)
    for pattern in range(16):
        lit = [cell for cell in range(4) if pattern >> cell & 1]
        np.testing.assert_array_equal(table[0, pattern], hand[lit].sum(axis=0), err_msg=str(pattern))
    np.testing.assert_array_equal(table[0, 0b0011], [2, -1])   # cells 0 and 1
    np.testing.assert_array_equal(table[0, 0b0100], [-1, 1])   # cell 2 alone
    np.testing.assert_array_equal(table[0, 0b1111], [1, 1])


def test_table_groups_tile_the_retina_in_reading_order():
    # 6 cells: groups of 3 (6 is not a multiple of 5 or 4); one unit excited by cell 4 only
    pb = Plugboard(np.array([[4]]), np.zeros((1, 0), int), np.zeros(1, np.float32), n_inputs=6)
    table = pb.table()
    assert table.shape == (2, 8, 1)
    assert table[0].sum() == 0                                  # cells 0-2: not wired
    np.testing.assert_array_equal(table[1, :, 0], [0, 0, 1, 1, 0, 0, 1, 1])  # bit 1 of group 1


def test_fan_out_counts_the_a_units_each_photocell_feeds():
    np.testing.assert_array_equal(_hand_made().fan_out_counts(), [2, 1, 2, 1])


def test_counts_round_thresholds_up_and_clip_beyond_every_reachable_sum():
    pb = Plugboard(np.array(EXC * 3), np.array(INH * 3),
                   np.array([0.5, 1.0, -0.5, 0.0, 200.0, -200.0], np.float32), n_inputs=4)
    got = pb.counts()
    assert got.dtype == np.int8
    np.testing.assert_array_equal(got, [1, 1, 0, 0, 127, -127])


@pytest.mark.parametrize("connections, dtype", [(126, np.int8), (127, np.int16)])
def test_counts_take_int16_only_beyond_126_connections_of_a_kind(connections, dtype):
    exc = np.zeros((1, connections), int)
    pb = Plugboard(exc, np.zeros((1, 0), int), np.array([300.0], np.float32), n_inputs=1)
    got = pb.counts()
    assert got.dtype == dtype and got[0] == min(300, np.iinfo(dtype).max)


@pytest.mark.parametrize("exc, inh, thresholds", [
    ([[0], [1]], [[0]], [0.0, 0.0]),      # inhibitory rows for one unit of two
    ([[0], [1]], [[0], [1]], [0.0]),      # thresholds for one unit of two
    ([0, 1], [[0], [1]], [0.0, 0.0]),     # not one row per unit
    ([[0], [1]], [0, 1], [0.0, 0.0]),
])
def test_arrays_that_disagree_on_the_units_are_refused(exc, inh, thresholds):
    with pytest.raises(ConfigError, match=r"^plugboard arrays disagree on the number of A-units$"):
        Plugboard(np.array(exc), np.array(inh), np.array(thresholds, np.float32), n_inputs=4)


@pytest.mark.parametrize("bad", [4, -1])
def test_wires_outside_the_retina_are_refused_and_its_last_cell_taken(bad):
    with pytest.raises(ConfigError, match=r"^plugboard connects to S-units outside 0\.\.3$"):
        Plugboard(np.array([[0], [bad]]), np.array([[1], [2]]), np.zeros(2, np.float32), n_inputs=4)
    with pytest.raises(ConfigError, match=r"outside 0\.\.3$"):
        Plugboard(np.array([[0], [1]]), np.array([[1], [bad]]), np.zeros(2, np.float32), n_inputs=4)
    Plugboard(np.array([[3]]), np.array([[0]]), np.zeros(1, np.float32), n_inputs=4)


def test_random_wiring_takes_the_photocells_with_the_smallest_keys():
    # the generator plays the table of random numbers: each unit's cells are those of its k
    # smallest keys; 2,500 units over 1,000 cells are drawn in three blocks of 1,048 rows
    n, a, exc, inh = 1000, 2500, 3, 2
    pb = Plugboard.random(n_inputs=n, a_units=a, excitatory=exc, inhibitory=inh, threshold=1.5,
                          rng=np.random.default_rng(5))
    keys = np.random.default_rng(5).random((a, n))
    smallest = np.sort(np.argsort(keys, axis=1)[:, :exc + inh], axis=1)
    got = np.sort(np.concatenate([pb.excitatory_idx, pb.inhibitory_idx], axis=1), axis=1)
    np.testing.assert_array_equal(got, smallest)
    assert pb.excitatory_idx.shape == (a, exc) and pb.inhibitory_idx.shape == (a, inh)
    np.testing.assert_array_equal(pb.thresholds, np.full(a, 1.5, np.float32))


def test_random_wiring_may_take_every_photocell_but_not_one_more():
    pb = Plugboard.random(n_inputs=4, a_units=3, excitatory=2, inhibitory=2, threshold=0.0,
                          rng=np.random.default_rng(0))
    for row in np.concatenate([pb.excitatory_idx, pb.inhibitory_idx], axis=1):
        assert sorted(row) == [0, 1, 2, 3]
    with pytest.raises(ConfigError, match=r"^an A-unit cannot take 5 connections from 4 S-units$"):
        Plugboard.random(n_inputs=4, a_units=3, excitatory=3, inhibitory=2, threshold=0.0,
                         rng=np.random.default_rng(0))


def test_random_wiring_without_connections_is_empty():
    pb = Plugboard.random(n_inputs=4, a_units=3, excitatory=0, inhibitory=0, threshold=0.0,
                          rng=np.random.default_rng(0))
    assert pb.excitatory_idx.shape == (3, 0) and pb.inhibitory_idx.shape == (3, 0)
    np.testing.assert_array_equal(pb.matrix(), np.zeros((4, 3)))


def test_a_unit_whose_every_wire_is_one_photocell_is_netted_too():
    pb = Plugboard(np.array([[3, 3]]), np.zeros((1, 0), int), np.zeros(1, np.float32), n_inputs=4)
    cells, signs = pb.wires()
    np.testing.assert_array_equal(cells, [[3]])
    np.testing.assert_array_equal(signs, [[2]])


@pytest.mark.parametrize("a_units, groups, k", [(131_072, 4, 5), (131_073, 5, 4)])
def test_the_table_takes_groups_of_5_up_to_exactly_its_byte_limit(a_units, groups, k):
    # 20 photocells in groups of 5: 4 groups x 32 patterns x 131,072 units = 16 MiB exactly,
    # TABLE_BYTES: allowed; one unit more and groups of 4 (5 x 16 x 131,073, 10.5 MB) are taken
    pb = Plugboard(np.zeros((a_units, 1), int), np.zeros((a_units, 0), int),
                   np.zeros(a_units, np.float32), n_inputs=20)
    table = pb.table()
    assert table.shape == (groups, 2 ** k, a_units)
    assert table[0, 1, 0] == 1 and table[0, 0, 0] == 0 and table[1:].sum() == 0  # cell 0: bit 0


def test_random_wiring_takes_its_settings_by_keyword_only():
    with pytest.raises(TypeError):
        Plugboard.random(4, 3, 1, 1, 0.0, np.random.default_rng(0))


def test_a_photocell_taken_twice_after_the_first_is_netted():
    # cells in order 1, 2, 2: the repeat is not at the front of the column
    pb = Plugboard(np.array([[1, 2]]), np.array([[2]]), np.zeros(1, np.float32), n_inputs=4)
    cells, signs = pb.wires()
    np.testing.assert_array_equal(cells, [[1]])
    np.testing.assert_array_equal(signs, [[1]])
