"""The kiosk's status file and counters: written atomically, read back checked, a damaged file
refused in one line (the counters' set aside, never lost), and counts that survive SIGKILL."""

import datetime as dt
import json
import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from simulator.kiosk import counters as counters_mod
from simulator.kiosk.counters import NAMES, Counters
from simulator.kiosk.status import StatusError, StatusFile, read_status

ROOT = Path(__file__).resolve().parents[1]
START = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))


def mark1(*args):
    p = subprocess.run([sys.executable, "-m", "simulator", *args], capture_output=True, text=True,
                       timeout=120, cwd=ROOT)
    return p.returncode, p.stdout, p.stderr


# ------------------------------------------------------------------ the status file
def test_status_content(tmp_path):
    s = StatusFile(path=tmp_path / "status.json", started_at=START, start=100.0, pid=4242)
    counts = {"visitors": 12, "teachings": 80, "resets": 9, "staff_sessions": 1, "crashes": 2}
    assert s.maybe_write(3700.5, mode="visitor", counts=counts, last_error="a hang at 10:02")
    data = json.loads((tmp_path / "status.json").read_text())
    assert data == {"format": 1, "mode": "visitor", "uptime_s": 3600.5, "visitors": 12, "teachings": 80,
                    "resets": 9, "staff_sessions": 1, "crashes": 2, "last_error": "a hang at 10:02",
                    "pid": 4242, "version": data["version"], "started_at": "2026-06-01T09:00:00+02:00",
                    "updated_at": "2026-06-01T10:00:00+02:00"}
    assert read_status(tmp_path / "status.json") == data


def test_written_on_a_change_of_mode_and_every_interval(tmp_path):
    path = tmp_path / "status.json"
    s = StatusFile(path=path, started_at=START, interval=5.0)
    counts = dict.fromkeys(NAMES, 0)
    assert s.maybe_write(0.0, mode="attract", counts=counts)
    assert not s.maybe_write(4.999, mode="attract", counts=counts)
    assert s.maybe_write(5.0, mode="attract", counts=counts)
    assert s.maybe_write(5.1, mode="visitor", counts=counts)  # a new mode is written at once
    assert json.loads(path.read_text())["mode"] == "visitor"
    assert not s.maybe_write(10.0, mode="visitor", counts=counts)


def test_a_status_that_cannot_be_written_is_logged_not_raised(tmp_path, caplog):
    s = StatusFile(path=tmp_path / "gone" / "status.json", started_at=START)
    with caplog.at_level("ERROR"):
        assert not s.maybe_write(0.0, mode="attract", counts={})
    assert "cannot write the status" in s.error_ and "does not exist" in s.error_
    assert len(caplog.records) == 1


@pytest.mark.parametrize("content, problem", [
    (b"{\"mode\": ", "not a JSON object"),
    (b"[1, 2]", "not a JSON object"),
    (b"\xff\xfe", "not a JSON object"),
    (b'{"format": 2}', "format 2, expected 1"),
])
def test_a_damaged_status_is_refused_in_one_line(tmp_path, content, problem):
    path = tmp_path / "status.json"
    path.write_bytes(content)
    with pytest.raises(StatusError, match=rf"is not a kiosk status file \({problem}\)") as info:
        read_status(path)
    assert "\n" not in str(info.value)


def test_a_status_with_a_wrong_field_is_refused(tmp_path):
    path = tmp_path / "status.json"
    s = StatusFile(path=path, started_at=START)
    s.write(1.0, mode="attract", counts={})
    good = json.loads(path.read_text())
    for key, bad, problem in (("mode", "dancing", "unknown mode"),
                              ("visitors", -1, "visitors is not a count"),
                              ("pid", True, "pid is not a count"),
                              ("last_error", 3, "last_error is not text"),
                              ("uptime_s", "long", "uptime_s is not a number")):
        path.write_text(json.dumps(dict(good, **{key: bad})))
        with pytest.raises(StatusError, match=problem):
            read_status(path)


def write_config(tmp_path, status):
    path = tmp_path / "kiosk.toml"
    path.write_text(f'status_file = "{status}"\n')
    return path


def test_status_command_prints_the_running_kiosk(tmp_path):
    s = StatusFile(path=tmp_path / "s.json", started_at=START, pid=os.getpid())  # this test: alive
    s.write(3725.0, mode="countdown", counts={"visitors": 1234, "teachings": 5},
            last_error="crash: exit status 1")
    code, out, err = mark1("kiosk", "--status", "--config", str(write_config(tmp_path, "s.json")))
    assert code == 0, err
    for fragment in ("mode            countdown", "uptime          1 h 02 min 05 s",
                     "visitors        1,234", "teachings       5", "last error      crash: exit status 1"):
        assert fragment in out, fragment


def test_status_command_when_the_kiosk_is_not_running(tmp_path):
    config = write_config(tmp_path, "s.json")
    code, out, err = mark1("kiosk", "--status", "--config", str(config))
    assert code == 1 and err == ""
    assert out.strip() == f"the kiosk is not running (no status file at {tmp_path / 's.json'})"
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()  # a pid that has ended
    ended = StatusFile(path=tmp_path / "s.json", started_at=START, pid=child.pid)
    ended.write(1.0, mode="attract", counts={})
    code, out, _ = mark1("kiosk", "--status", "--config", str(config))
    assert code == 1 and f"pid {child.pid} has ended" in out and "mode            attract" in out


def test_status_command_refuses_a_damaged_file(tmp_path):
    (tmp_path / "s.json").write_text("nonsense")
    code, out, err = mark1("kiosk", "--status", "--config", str(write_config(tmp_path, "s.json")))
    assert code == 2 and err.count("\n") == 1 and "is not a kiosk status file (not a JSON object)" in err


# ------------------------------------------------------------------ counters
def test_counters_persist_on_every_change(tmp_path):
    path = tmp_path / "c.json"
    c = Counters.load(path)
    assert c.counts_ == dict.fromkeys(NAMES, 0) and not path.exists()
    c.add("visitors")
    c.add("teachings", 3)
    assert json.loads(path.read_text()) == {**dict.fromkeys(NAMES, 0), "visitors": 1, "teachings": 3}
    again = Counters.load(path)
    assert again["visitors"] == 1 and again["teachings"] == 3 and again.error_ is None


@pytest.mark.parametrize("content, problem", [
    (b'{"visitors": 3', "not JSON"),
    (b'{"visitors": -3}', "visitors is not a count"),
    (b'{"visitors": 2.5}', "visitors is not a count"),
    (b'{"vistors": 3}', "unknown counter 'vistors'"),
    (b"[]", "not a JSON object"),
    (b"\x00" * 10, "not JSON"),
])
def test_a_damaged_counters_file_is_set_aside_logged_and_counting_restarts(tmp_path, caplog, content,
                                                                           problem):
    path = tmp_path / "c.json"
    path.write_bytes(content)
    with caplog.at_level("ERROR", logger=counters_mod.__name__):
        c = Counters.load(path)
    assert c.counts_ == dict.fromkeys(NAMES, 0)
    assert (tmp_path / "c.json.damaged").read_bytes() == content  # kept, never lost
    assert not path.exists()
    assert c.error_ == f"{path}: damaged counters ({problem}); kept as c.json.damaged, counting from zero"
    assert [r.getMessage() for r in caplog.records] == [c.error_]
    path.write_bytes(content)  # damaged again: the first one set aside is not overwritten
    Counters.load(path)
    assert (tmp_path / "c.json.damaged.1").read_bytes() == content


def test_counters_that_cannot_be_saved_go_on_in_memory_logged_once(tmp_path, caplog):
    c = Counters(path=tmp_path / "no" / "c.json")
    with caplog.at_level("ERROR", logger=counters_mod.__name__):
        for _ in range(100):
            c.add("visitors")
    assert c["visitors"] == 100 and "cannot save the counters" in c.error_
    assert len(caplog.records) == 1


WRITER = """
import sys
from simulator.kiosk.counters import Counters
c = Counters.load(sys.argv[1])
print("ready", flush=True)
while True:
    c.add("visitors")
    c.add("teachings", 2)
"""


def test_counters_survive_sigkill_mid_write(tmp_path):
    """A writer adds as fast as it can and is killed at a random moment (seeded): the file read
    at any moment, and after the kill, is whole JSON, and the counts never go back."""
    path = tmp_path / "c.json"
    rng = random.Random(8)
    last = base = 0
    for _round in range(3):
        child = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE,
                                 text=True, cwd=ROOT)
        try:
            assert child.stdout.readline().strip() == "ready"
            reads = rng.randrange(50, 400)
            seen = 0
            while seen < reads:
                try:
                    raw = path.read_bytes()
                except FileNotFoundError:
                    assert last == 0  # only before the first write
                    continue
                data = json.loads(raw)  # never half a file
                v, t = data["visitors"], data["teachings"]
                # teachings follow visitors, 2 each; a kill between the two adds leaves them 2 behind
                assert v >= last and t - 2 * v in (base, base - 2), data
                last = v
                seen += 1
            child.send_signal(signal.SIGKILL)
        finally:
            child.kill()
            child.wait()
        after = Counters.load(path)
        assert after.error_ is None and after["visitors"] >= last
        last = after["visitors"]
        base = after["teachings"] - 2 * last
    after.add("resets")  # the next write clears temporary files the killed writers left
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.json"]
    assert last > 0
