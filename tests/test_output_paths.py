"""Output paths (--out, --plot, --screenshot, --state): refused before the work in one line,
written atomically through symbolic links, and no temporary file outlives a killed writer.

Tests run as root here, so a folder without write permission cannot be made: a place no one
can create files in (/proc, /sys) stands in for it.
"""

import errno
import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from PIL import Image

from simulator import MarkI, StateFileError, atomicfile
from simulator.atomicfile import write_atomically
from simulator.cli import main


def one_line_error(capsys, code, fragment):
    captured = capsys.readouterr()
    assert code == 2, captured
    assert "Traceback" not in captured.err
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("mark1: error: ") and fragment in lines[0], captured.err
    return lines[0]


class WorkStarted(Exception):
    pass


def _started(*args, **kwargs):
    raise WorkStarted("the work started before the output path was checked")


# Each option, the command around it, and the function that does the long work (never reached).
OPTIONS = {
    "wiring --out": (["wiring", "--seed", "1", "--out", "{p}"], "simulator.machine.MarkI.reset_weights"),
    "cards --out": (["cards", "left-right", "--out", "{p}"], "simulator.charts.cards_picture"),
    "experiment --plot": (["experiment", "left-right", "--trials", "50", "--plot", "{p}"],
                          "simulator.experiments.run"),
    "demo --screenshot": (["demo", "--headless", "--frames", "1", "--screenshot", "{p}"],
                          "simulator.session.Session.__init__"),
    "demo --state": (["demo", "--headless", "--frames", "1", "--state", "{p}"],
                     "simulator.session.Session.__init__"),
    "train --state": (["train", "{pics}", "--state", "{p}", "--passes", "1"],
                      "simulator.cards.folder_cards"),
}

LONG = "a" * 252 + ".png"  # 256 bytes: one more than a file name may have


def _bad_place(kind, tmp_path):
    """A path of the given kind and a fragment of the message it must give."""
    if kind == "folder":
        (tmp_path / "d.png").mkdir()
        return tmp_path / "d.png", "is a folder"
    if kind == "file as folder":
        (tmp_path / "f").write_text("")
        return tmp_path / "f" / "x.png", "is not a folder"
    if kind == "missing folder":
        return tmp_path / "nothere" / "x.png", "does not exist"
    if kind == "name too long":
        return tmp_path / LONG, "choose a shorter name"
    if kind == "trailing slash":
        return f"{tmp_path}/new.png/", "give a file name"
    if kind == "symlink loop":
        os.symlink("b.png", tmp_path / "a.png")
        os.symlink("a.png", tmp_path / "b.png")
        return tmp_path / "a.png", "loop of symbolic links"
    if kind == "no files allowed here":  # stands in for a folder without write permission
        return "/proc/x.png", "cannot create files in /proc"
    if kind == "device":  # replacing /dev/null by a file would break the system
        os.symlink("/dev/null", tmp_path / "null.png")
        return tmp_path / "null.png", "not a regular file"
    raise AssertionError(kind)


KINDS = ["folder", "trailing slash", "file as folder", "missing folder", "name too long", "symlink loop",
         "no files allowed here", "device"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("option", list(OPTIONS))
def test_bad_output_path_is_refused_before_the_work(option, kind, tmp_path, capsys, monkeypatch):
    template, work = OPTIONS[option]
    place, fragment = _bad_place(kind, tmp_path)
    monkeypatch.setattr(work, _started)
    before = sorted(os.listdir(tmp_path))
    argv = [a.format(p=place, pics=tmp_path) for a in template]
    one_line_error(capsys, main(argv), fragment)
    assert sorted(os.listdir(tmp_path)) == before  # nothing created, nothing left behind
    assert os.path.exists("/dev/null") and not os.path.isfile("/dev/null")


def test_a_name_of_255_bytes_is_written(tmp_path, capsys):
    name = "b" * 251 + ".png"
    assert len(name) == 255
    assert main(["cards", "left-right", "--count", "2", "--out", str(tmp_path / name)]) == 0
    assert os.listdir(tmp_path) == [name]
    assert Image.open(tmp_path / name).size[0] > 100


def _enospc(*args):
    raise OSError(errno.ENOSPC, "No space left on device")


@pytest.mark.parametrize("argv", [
    ["wiring", "--seed", "1", "--out", "{d}/w.csv"],
    ["wiring", "--seed", "1", "--out", "{d}/w.png"],
    ["cards", "left-right", "--count", "2", "--out", "{d}/c.png"],
    ["experiment", "left-right", "--trials", "20", "--plot", "{d}/curve.png"],
    ["train", "{d}/pics", "--state", "{d}/m.mark1", "--passes", "1"],
])
def test_full_disk_is_one_line_and_leaves_nothing(argv, tmp_path, capsys, monkeypatch):
    (tmp_path / "out").mkdir()
    _pictures(tmp_path / "out" / "pics", np.random.default_rng(0))
    before = sorted(os.listdir(tmp_path / "out"))
    monkeypatch.setattr(atomicfile.os, "fsync", _enospc)  # the disk fills up as the file is flushed
    one_line_error(capsys, main([a.format(d=tmp_path / "out") for a in argv]), "No space left on device")
    assert sorted(os.listdir(tmp_path / "out")) == before


_FULL_DISK_DEMO = textwrap.dedent("""
    import errno, os, sys
    def full(*args):
        raise OSError(errno.ENOSPC, "No space left on device")
    os.fsync = full  # the disk fills up as the file is flushed
    from simulator.cli import main
    sys.exit(main(sys.argv[1:]))
""")


def test_full_disk_for_the_panel_picture(tmp_path):
    # a real process: the panel starts and stops pygame, which must not touch this one
    p = subprocess.run([sys.executable, "-c", _FULL_DISK_DEMO, "demo", "--headless", "--frames", "1",
                        "--screenshot", str(tmp_path / "p.png")], capture_output=True, text=True, timeout=300)
    assert p.returncode == 2 and p.stderr.strip().splitlines() == [
        f"mark1: error: {tmp_path}/p.png: cannot write the panel picture (No space left on device)"], p.stderr
    assert os.listdir(tmp_path) == []


def _pictures(root, rng, classes=("left", "right"), per_class=6):
    for k, name in enumerate(classes):
        folder = os.path.join(os.fsencode(root), os.fsencode(name) if isinstance(name, str) else name)
        os.makedirs(folder)
        for i in range(per_class):
            img = np.full((40, 40), 255, np.uint8)
            x = int(rng.integers(2, 12)) + 20 * k
            img[10:25, x:x + 6] = 0
            Image.fromarray(img).save(os.path.join(folder, b"%d.png" % i))


def test_a_symlinked_state_file_is_followed_and_kept(tmp_path, capsys):
    _pictures(tmp_path / "pics", np.random.default_rng(0))
    real = tmp_path / "real"
    real.mkdir()
    link = tmp_path / "link.mark1"
    os.symlink("real/m.mark1", link)  # dangling: the target is created
    assert main(["train", str(tmp_path / "pics"), "--state", str(link), "--passes", "1"]) == 0
    assert link.is_symlink() and os.readlink(link) == "real/m.mark1"
    first = MarkI.load(real / "m.mark1").presentations_
    assert first == 12
    assert main(["train", str(tmp_path / "pics"), "--state", str(link), "--passes", "2"]) == 0
    assert "continuing" in capsys.readouterr().out
    assert link.is_symlink() and MarkI.load(real / "m.mark1").presentations_ == 12 + 24
    assert sorted(os.listdir(real)) == ["m.mark1"]  # no temporary or lock file beside the target


def test_state_file_is_refused_when_it_is_a_folder_before_reading_pictures(tmp_path, capsys):
    (tmp_path / "s").mkdir()
    line = one_line_error(capsys, main(["train", str(tmp_path / "nopics"), "--state", str(tmp_path / "s")]),
                          "is a folder")
    assert "nopics" not in line


_KILLED_WRITER = textwrap.dedent("""
    import sys, time
    from simulator.atomicfile import write_atomically

    def write(fh):
        fh.write(b"x" * 1_000_000)
        fh.flush()
        print("writing", flush=True)
        time.sleep(600)   # killed here, halfway through a save

    write_atomically(sys.argv[1], write)
""")


def test_a_killed_writers_temporary_file_is_cleaned_by_the_next_save(tmp_path):
    m = MarkI(seed=0, a_units=64)
    path = tmp_path / "m.mark1"
    m.save(path)
    child = subprocess.Popen([sys.executable, "-c", _KILLED_WRITER, str(path)],
                             stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "writing"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    left = sorted(os.listdir(tmp_path))
    assert len(left) == 2 and left[0].startswith(".m.mark1.") and left[0].endswith(".tmp")
    assert str(child.pid) in left[0]
    MarkI.load(path)  # the old file is whole
    m.save(path)
    assert os.listdir(tmp_path) == ["m.mark1"]


def test_a_live_writers_temporary_file_is_left_alone(tmp_path):
    path = tmp_path / "out.csv"
    alive = f".out.csv.{os.getppid()}.abcdefgh.tmp"  # another writer's, and our parent is alive
    (tmp_path / alive).write_bytes(b"being written")
    write_atomically(path, lambda fh: fh.write(b"new"))
    assert sorted(os.listdir(tmp_path)) == sorted([alive, "out.csv"])


def test_library_writes_give_one_line_errors(tmp_path):
    m = MarkI(seed=0, a_units=16)
    with pytest.raises(StateFileError, match="is a folder") as info:
        m.save(tmp_path)
    assert "\n" not in str(info.value)
    with pytest.raises(OSError, match="does not exist; create it first"):
        write_atomically(tmp_path / "no" / "x", lambda fh: fh.write(b"x"))
