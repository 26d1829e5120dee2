"""State files: round trip, atomic writes, and clear refusals of bad files."""

import os
import zipfile

import numpy as np
import pytest

from simulator import MarkI, StateFileError
from simulator.statefile import FORMAT


@pytest.fixture
def trained(tmp_path):
    rng = np.random.default_rng(0)
    cards = (rng.random((200, 20, 20)) < 0.2).astype(np.float32)
    labels = rng.integers(0, 4, 200)
    m = MarkI(seed=9, wiring_seed=4, a_units=128, coding="winner", photocell_noise=0.05,
              weight_step=0.5, learning_rate=0.5)
    m.train(cards, labels)
    path = tmp_path / "machine.mark1"
    m.save(path)
    return m, path, cards, labels


def test_round_trip_keeps_everything(trained):
    m, path, cards, labels = trained
    back = MarkI.load(path)
    assert back.get_params() == m.get_params()
    np.testing.assert_array_equal(back.weights, m.weights)
    assert (back.presentations_, back.errors_, back.corrections_, back.n_classes_) == (
        m.presentations_, m.errors_, m.corrections_, m.n_classes_)
    # the generator state travels too: both continue identically, noise included
    t1, t2 = m.train(cards, labels), back.train(cards, labels)
    np.testing.assert_array_equal(t1.wrong, t2.wrong)
    np.testing.assert_array_equal(back.weights, m.weights)


def test_no_pickle_and_no_temp_files_left(trained):
    _, path, _, _ = trained
    with np.load(path, allow_pickle=False) as npz:
        assert "header" in npz.files
    assert [p.name for p in path.parent.iterdir()] == [path.name]


def test_failed_write_leaves_the_old_file(trained, monkeypatch):
    m, path, _, _ = trained
    before = path.read_bytes()

    def boom(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np, "savez_compressed", boom)
    with pytest.raises(StateFileError, match="No space left"):
        m.save(path)
    assert path.read_bytes() == before
    assert [p.name for p in path.parent.iterdir()] == [path.name]


def _check_refused(path, fragment):
    before = path.read_bytes() if path.exists() else None
    with pytest.raises(StateFileError) as info:
        MarkI.load(path)
    msg = str(info.value)
    assert str(path) in msg and fragment in msg and "\n" not in msg
    assert (path.read_bytes() if path.exists() else None) == before


def test_truncated_file(trained):
    _, path, _, _ = trained
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    _check_refused(path, "truncated or corrupted")


def test_flipped_byte_is_caught(trained):
    _, path, _, _ = trained
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("weights.npy")
    # a byte inside the compressed weights: the CRC or the inflater must notice
    pos = info.header_offset + 30 + len(info.filename) + len(info.extra) + info.compress_size // 2
    data[pos] ^= 0xFF
    path.write_bytes(bytes(data))
    _check_refused(path, "")


def test_foreign_and_missing_files(tmp_path):
    foreign = tmp_path / "notes.txt"
    foreign.write_text("hello")
    _check_refused(foreign, "not a Mark I state file")
    other = tmp_path / "other.npz"
    np.savez(other, x=np.arange(3))
    _check_refused(other, "not a Mark I state file")
    _check_refused(tmp_path / "missing.mark1", "no such state file")


def test_other_version_is_refused(tmp_path):
    import json
    path = tmp_path / "future.mark1"
    header = np.frombuffer(json.dumps({"format": FORMAT, "version": 99}).encode(), np.uint8)
    np.savez(path, header=header)
    os.replace(str(path) + ".npz" if not path.exists() else path, path)
    _check_refused(path, "version 99")


def test_written_files_get_the_usual_mode_not_a_private_one(trained):
    _, path, _, _ = trained
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask
