"""The state-file lock: two runs on one state file never silently lose one run's training."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
from PIL import Image

from simulator import MarkI, StateFileError
from simulator.cli import main
from simulator.filelock import locked


def _pictures(root, rng, per_class=12):
    for k, name in enumerate(("left", "right")):
        (root / name).mkdir(parents=True)
        for i in range(per_class):
            img = np.full((40, 40), 255, np.uint8)
            x = int(rng.integers(2, 12)) + 20 * k
            img[10:25, x:x + 6] = 0
            Image.fromarray(img).save(root / name / f"{i}.png")


def test_a_second_holder_is_refused_in_one_line(tmp_path):
    state = tmp_path / "m.mark1"
    with locked(state):
        with pytest.raises(StateFileError, match=rf"^{state} is in use by another mark1 "
                                                 rf"\(pid {os.getpid()}\); wait for it") as info:
            with locked(state):
                pass
        assert "\n" not in str(info.value)
    with locked(state):  # released: free again
        pass
    assert os.listdir(tmp_path) == []  # the lock file goes with the lock


def test_links_to_one_file_share_its_lock(tmp_path):
    (tmp_path / "real").mkdir()
    os.symlink("real/m.mark1", tmp_path / "a.mark1")
    with locked(tmp_path / "a.mark1"):
        with pytest.raises(StateFileError, match="in use by another mark1"):
            with locked(tmp_path / "real" / "m.mark1"):
                pass


_HOLDER = textwrap.dedent("""
    import sys, time
    from simulator.filelock import locked
    with locked(sys.argv[1]):
        print("holding", flush=True)
        time.sleep(600)
""")


def test_a_killed_holder_does_not_block_the_next_run(tmp_path):
    state = tmp_path / "m.mark1"
    child = subprocess.Popen([sys.executable, "-c", _HOLDER, str(state)], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "holding"
        with pytest.raises(StateFileError, match=rf"in use by another mark1 \(pid {child.pid}\)"):
            with locked(state):
                pass
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    with locked(state):  # the kernel dropped the dead holder's lock
        pass
    assert os.listdir(tmp_path) == []


def test_train_refuses_a_state_file_in_use_and_leaves_it_alone(tmp_path, capsys):
    _pictures(tmp_path / "pics", np.random.default_rng(0))
    state = tmp_path / "m.mark1"
    assert main(["train", str(tmp_path / "pics"), "--state", str(state), "--passes", "1"]) == 0
    before = state.read_bytes()
    capsys.readouterr()
    with locked(state):
        code = main(["train", str(tmp_path / "pics"), "--state", str(state), "--passes", "1"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1, err
    assert err[0] == (f"mark1: error: {state} is in use by another mark1 (pid {os.getpid()}); "
                      "wait for it or use another --state file")
    assert state.read_bytes() == before


def _lock_taken(folder) -> bool:
    return any(name.endswith(".lock") for name in os.listdir(folder))


def test_two_trainings_on_one_state_file_lose_nothing(tmp_path):
    _pictures(tmp_path / "pics", np.random.default_rng(1))
    state = tmp_path / "m.mark1"
    cmd = [sys.executable, "-m", "simulator", "train", str(tmp_path / "pics"), "--state", str(state)]
    first = subprocess.Popen(cmd + ["--passes", "2000"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
    try:
        # wait (not a timed assertion: the loop only bounds a hang) until the first run holds its lock
        deadline = time.monotonic() + 120
        while not _lock_taken(tmp_path) and first.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert _lock_taken(tmp_path), "the first run took no lock on the state file"
        second = subprocess.run(cmd + ["--passes", "1"], capture_output=True, text=True, timeout=300)
    finally:
        out, err = first.communicate(timeout=300)
    assert first.returncode == 0, err
    first_cards = 24 * 2000
    if second.returncode == 0:  # the first had finished: the second continued from it
        assert MarkI.load(state).presentations_ == first_cards + 24
    else:
        assert second.returncode == 2
        assert second.stderr.strip().splitlines() == [
            f"mark1: error: {state} is in use by another mark1 (pid {first.pid}); "
            "wait for it or use another --state file"]
        assert MarkI.load(state).presentations_ == first_cards
    assert sorted(os.listdir(tmp_path)) == ["m.mark1", "pics"]
