"""A rig's grid on the 20 x 20 retina (hardware.retina_map): hand-computed cases."""

from __future__ import annotations

import numpy as np
import pytest

from hardware.retina_map import RetinaMap, area_weights, resample, to_light
from simulator.errors import ConfigError


def test_an_8x8_left_mark_stays_left_on_20x20_by_area():
    rig = np.zeros((8, 8))
    rig[:, 0] = 1.0                        # the leftmost column of photocells lit
    out = resample(rig)
    assert out.shape == (20, 20) and out.dtype == np.float32
    # retina column i spans rig columns [0.4 i, 0.4 i + 0.4): 0 and 1 lie inside rig column 0,
    # column 2 ([0.8, 1.2)) half in it, the rest outside
    expected_row = np.zeros(20)
    expected_row[:2] = 1.0
    expected_row[2] = 0.5
    np.testing.assert_allclose(out, np.tile(expected_row, (20, 1)), atol=1e-6)


def test_a_right_mark_stays_right_and_a_top_mark_top():
    rig = np.zeros((8, 8))
    rig[:, 7] = 1.0
    out = resample(rig)
    assert out[:, 18:].min() == pytest.approx(1.0) and out[:, 17] == pytest.approx(0.5)
    assert out[:, :17].max() == 0.0
    rig = np.zeros((8, 8))
    rig[0, :] = 1.0
    top = resample(rig)
    assert top[:2].min() == pytest.approx(1.0) and top[2] == pytest.approx(0.5)
    assert top[3:].max() == 0.0


def test_16x16_to_20x20_by_area():
    rig = np.zeros((16, 16))
    rig[:, 0] = 1.0
    out = resample(rig)
    # retina column 1 spans rig columns [0.8, 1.6): 0.2 of its 0.8 in rig column 0
    np.testing.assert_allclose(out[0, :3], [1.0, 0.25, 0.0], atol=1e-6)


def test_nearest_takes_the_cell_under_each_centre():
    rig = np.zeros((8, 8))
    rig[:, 0] = 1.0
    out = resample(rig, method="nearest")
    # centres of retina columns 0, 1, 2 at rig x = 0.2, 0.6, 1.0
    np.testing.assert_array_equal(out[0, :3], [1.0, 1.0, 0.0])


def test_area_weights_keep_a_uniform_grid_uniform_and_20_is_identity():
    for n in (1, 3, 8, 16, 20):
        np.testing.assert_allclose(area_weights(n, 20).sum(axis=1), 1.0)
    np.testing.assert_array_equal(area_weights(20, 20), np.eye(20))


def test_calibration_maps_dark_to_0_and_bright_to_1_clipped():
    dark = np.full((2, 2), 100)
    bright = np.array([[900, 900], [900, 103]])   # the last cell does not respond to light
    raw = np.array([[500, 50], [1000, 1023]])
    got = to_light(raw, dark=dark, bright=bright, adc_bits=10)
    # (500-100)/800 = 0.5; below dark -> 0; above bright -> 1; an unusable cell: full scale
    np.testing.assert_allclose(got, [[0.5, 0.0], [1.0, 1.0]], atol=1e-6)
    np.testing.assert_allclose(to_light(np.array([[0, 1023]]), adc_bits=10), [[0.0, 1.0]])


def test_retina_map_applies_calibration_then_resamples_and_checks_the_grid():
    m = RetinaMap(rows=8, cols=8, dark=np.full((8, 8), 200), bright=np.full((8, 8), 600))
    raw = np.full((8, 8), 200)
    raw[:, 0] = 600
    out = m(raw)
    assert out[0, 0] == pytest.approx(1.0) and out[0, 2] == pytest.approx(0.5) and out[0, 3] == 0.0
    inverted = RetinaMap(rows=8, cols=8, dark=np.full((8, 8), 200), bright=np.full((8, 8), 600),
                         invert=True)(raw)
    np.testing.assert_allclose(inverted, 1.0 - out)
    with pytest.raises(ConfigError, match=r"a \(4, 4\) frame from a rig announced as 8 x 8"):
        m(np.zeros((4, 4)))
    with pytest.raises(ConfigError, match="give area or nearest"):
        resample(raw, method="cubic")


def test_retina_map_imports_no_serial():
    import subprocess
    import sys
    code = ("import sys, hardware.retina_map, hardware.calibration\n"
            "print(' '.join(m for m in sys.modules if m.split('.')[0] in ('serial', 'pygame')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
