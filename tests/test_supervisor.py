"""The kiosk's supervisor, its heartbeat and its logs.

The supervisor is tested with real child processes: small Python scripts written to a
temporary folder that beat through the real :class:`Heartbeat` (loaded from its file, so a child
starts in milliseconds without importing the simulator). Each script logs its starts and what
happens to it in a file the test reads. Real waits are kept short (heartbeats every 0.05 s,
timeouts under a second, pauses of tenths of a second); the decisions themselves (the crash
window, the pauses, the daily restart) are also tested on made-up times.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

import simulator.kiosk.heartbeat as heartbeat_module
from simulator.errors import ConfigError, DeviceError
from simulator.kiosk.heartbeat import HEARTBEAT_FD_VARIABLE, Heartbeat
from simulator.kiosk.logs import setup_kiosk_logging
from simulator.kiosk.supervisor import (
    RESTART_EXIT_STATUS,
    CrashHistory,
    DailyRestart,
    Supervisor,
    parse_time_of_day,
)

#: Every test's supervisor is given this long to finish before the test stops it and fails.
RUN_LIMIT = 15.0

PRELUDE = f"""\
import importlib.util, os, signal, sys, time
spec = importlib.util.spec_from_file_location("heartbeat", {heartbeat_module.__file__!r})
hb = importlib.util.module_from_spec(spec)
spec.loader.exec_module(hb)
heart = hb.Heartbeat.from_environment(interval=0.05)
EVENTS = sys.argv[1]

def log(event):
    with open(EVENTS, "a") as f:
        f.write(f"{{os.getpid()}} {{event}}\\n")

def starts():
    with open(EVENTS) as f:
        return sum(1 for line in f if line.split()[1] == "start")

def beat_for(seconds):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        heart.beat(time.monotonic())
        time.sleep(0.02)

def polite(signum, frame):
    log("term")
    sys.exit(0)

signal.signal(signal.SIGTERM, polite)
log("start")
n = starts()
"""


def child(tmp_path: Path, body: str, name: str = "child.py") -> list[str]:
    """A command line that runs ``body`` after the prelude (``n`` is this start's number)."""
    script = tmp_path / name
    script.write_text(PRELUDE + textwrap.dedent(body))
    return [sys.executable, str(script), str(tmp_path / "events.txt")]


def events(tmp_path: Path) -> list[tuple[int, str]]:
    path = tmp_path / "events.txt"
    if not path.exists():
        return []
    return [(int(pid), what) for pid, what in (line.split() for line in path.read_text().splitlines())]


def started(tmp_path: Path) -> list[int]:
    return [pid for pid, what in events(tmp_path) if what == "start"]


def wait_for(condition, what: str, limit: float = 10.0) -> None:
    """Wait until ``condition()`` is true; fail (not time) if it is not within ``limit`` s."""
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"waited {limit} s for {what}")
        time.sleep(0.02)


def supervise(supervisor: Supervisor) -> int:
    """``supervisor.run()`` in a thread, stopped (and the test failed) if it runs too long."""
    result = {}
    thread = threading.Thread(target=lambda: result.setdefault("rc", supervisor.run()), daemon=True)
    thread.start()
    thread.join(RUN_LIMIT)
    if thread.is_alive():
        supervisor.stop()
        thread.join(5)
        pytest.fail(f"the supervisor was still running after {RUN_LIMIT} s (stopped it)")
    return result["rc"]


def gone(pid: int) -> bool:
    """Whether process ``pid`` no longer runs (ended, or a zombie nobody has reaped yet)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except FileNotFoundError:
        return True


def quick(command, statuses=None, **settings) -> Supervisor:
    """A supervisor with every wait scaled down to tenths of a second."""
    options = dict(heartbeat_timeout=1.0, startup_timeout=5.0, crash_limit=100,
                   backoff=(0.05, 0.1, 0.2, 0.4), grace=0.5, healthy_after=30.0,
                   on_status=None if statuses is None else statuses.append)
    options.update(settings)
    return Supervisor(command, **options)


def pauses(statuses, mode="backoff") -> list[float]:
    return [s["backoff"] for s in statuses if s["mode"] == mode and s["backoff"] is not None]


# ------------------------------------------------------------------ restarts
def test_a_crashing_child_is_restarted_until_it_exits_cleanly(tmp_path):
    body = """\
        with open(EVENTS + ".env", "a") as f:
            f.write(f"{os.environ['MARK1_KIOSK_CRASHES']}|{os.environ['MARK1_KIOSK_LAST_ERROR']}\\n")
        sys.exit(3 if n <= 2 else 0)
        """
    statuses = []
    sup = quick(child(tmp_path, body), statuses)
    assert supervise(sup) == 0
    assert len(started(tmp_path)) == 3
    assert sup.starts_ == 3
    assert pauses(statuses) == [0.05, 0.1]
    assert [s["crashes"] for s in statuses if s["mode"] == "backoff"] == [1, 2]
    assert sup.last_error_ == "exit status 3"
    assert statuses[-1]["mode"] == "stopped"
    # what each start of the exhibit was told, for its status file
    assert (tmp_path / "events.txt.env").read_text().splitlines() == \
        ["0|", "1|exit status 3", "2|exit status 3"]


def test_a_clean_exit_ends_the_supervisor_with_0(tmp_path):
    statuses = []
    sup = quick(child(tmp_path, "beat_for(0.2)\nsys.exit(0)"), statuses)
    assert supervise(sup) == 0
    assert len(started(tmp_path)) == 1
    assert [s["mode"] for s in statuses] == ["running", "stopped"]
    assert statuses[-1]["last_error"] is None


@pytest.mark.parametrize("stubborn", [False, True], ids=["stops-on-SIGTERM", "ignores-SIGTERM"])
def test_a_hung_child_is_ended_and_restarted(tmp_path, stubborn):
    body = """\
        if n == 1:
            if STUBBORN:
                signal.signal(signal.SIGTERM, signal.SIG_IGN)
            beat_for(0.3)
            log("hangs")
            time.sleep(60)
        sys.exit(0)
        """
    statuses = []
    sup = quick(child(tmp_path, f"STUBBORN = {stubborn}\n" + textwrap.dedent(body)), statuses,
                heartbeat_timeout=0.8, grace=0.3)
    assert supervise(sup) == 0
    first, second = started(tmp_path)
    assert (first, "hangs") in events(tmp_path)
    assert ((first, "term") in events(tmp_path)) is not stubborn   # SIGTERM, else SIGKILL
    assert gone(first)
    assert sup.last_error_ == "no heartbeat for 0.8 s"
    assert [s["last_error"] for s in statuses if s["mode"] == "backoff"] == ["no heartbeat for 0.8 s"]


def test_a_child_that_never_beats_is_ended_after_the_startup_timeout(tmp_path):
    sup = quick(child(tmp_path, "if n == 1:\n    time.sleep(60)\nsys.exit(0)"),
                heartbeat_timeout=1.0, startup_timeout=0.6)
    assert supervise(sup) == 0
    assert len(started(tmp_path)) == 2
    assert sup.last_error_ == "no heartbeat for 0.6 s"


def test_a_child_killed_from_outside_is_restarted(tmp_path):
    statuses = []
    sup = quick(child(tmp_path, "if n == 1:\n    log('beating')\n    beat_for(60)\nsys.exit(0)"),
                statuses)
    result = {}
    thread = threading.Thread(target=lambda: result.setdefault("rc", sup.run()), daemon=True)
    thread.start()
    try:
        wait_for(lambda: any(what == "beating" for _, what in events(tmp_path)), "the first child")
        first = started(tmp_path)[0]
        os.kill(first, signal.SIGKILL)
        thread.join(RUN_LIMIT)
    finally:
        if thread.is_alive():
            sup.stop()
            thread.join(5)
    assert result.get("rc") == 0
    assert len(started(tmp_path)) == 2
    assert sup.last_error_ == "killed by signal SIGKILL"
    assert statuses[0]["pid"] == first


def test_the_pauses_grow_with_crashes_in_a_row_and_start_over_after_a_healthy_run(tmp_path):
    # starts 1-3 crash at once, the 4th runs well past healthy_after first, the 5th exits cleanly
    body = """\
        if n == 4:
            beat_for(1.0)
        sys.exit(3 if n <= 4 else 0)
        """
    statuses = []
    sup = quick(child(tmp_path, body), statuses, healthy_after=0.3)
    assert supervise(sup) == 0
    assert len(started(tmp_path)) == 5
    assert pauses(statuses) == [0.05, 0.1, 0.2, 0.05]   # without the reset: 0.4
    assert [s["crashes"] for s in statuses if s["mode"] == "backoff"] == [1, 2, 3, 4]


def test_the_crash_limit_brings_the_out_of_order_card_retried_with_the_longest_pause(tmp_path):
    # the exhibit always crashes; the card (the same script with --out-of-order) crashes twice
    body = """\
        if "--out-of-order" not in sys.argv:
            sys.exit(1)
        log("card")
        cards = sum(1 for _, what in (l.split() for l in open(EVENTS)) if what == "card")
        sys.exit(4 if cards <= 2 else 0)
        """
    statuses = []
    sup = quick(child(tmp_path, body), statuses, crash_limit=3, backoff=(0.05, 0.1))
    assert supervise(sup) == 0
    starts = started(tmp_path)
    cards = [pid for pid, what in events(tmp_path) if what == "card"]
    assert len(starts) == 6 and starts[3:] == cards   # 3 exhibits, then only cards
    assert pauses(statuses) == [0.05, 0.1]             # the 3rd crash: the card at once
    assert pauses(statuses, "out-of-order") == [0.1, 0.1]
    assert sup.last_error_ == "exit status 4"


def test_a_command_that_cannot_start_counts_as_a_crash(tmp_path):
    card = child(tmp_path, "log('card')\nsys.exit(0)", name="card.py")
    statuses = []
    sup = quick([str(tmp_path / "no-such-program")], statuses, crash_limit=2, out_of_order_command=card)
    assert supervise(sup) == 0
    assert [what for _, what in events(tmp_path)] == ["start", "card"]
    assert statuses[0]["last_error"].startswith("could not start ")
    assert "no-such-program" in statuses[0]["last_error"]


def test_a_failing_status_callback_does_not_stop_the_supervisor(tmp_path, caplog):
    def broken(status):
        raise OSError(28, "No space left on device")

    sup = quick(child(tmp_path, "sys.exit(3 if n == 1 else 0)"), on_status=broken)
    with caplog.at_level(logging.ERROR, logger="simulator.kiosk.supervisor"):
        assert supervise(sup) == 0
    assert len(started(tmp_path)) == 2
    assert "status callback failed" in caplog.text


# ------------------------------------------------------------------ the daily restart
def test_a_child_asking_for_a_restart_is_started_again_at_once_and_out_of_order_is_forgotten(tmp_path):
    # exhibit, exhibit (2 crashes: the limit), the card asks for a restart (the exhibit's own
    # daily restart), the exhibit is tried again and exits cleanly
    body = f"""\
        card = "--out-of-order" in sys.argv
        log("card" if card else "exhibit")
        sys.exit({RESTART_EXIT_STATUS} if card else 1 if n <= 2 else 0)
        """
    statuses = []
    sup = quick(child(tmp_path, body), statuses, crash_limit=2)
    assert supervise(sup) == 0
    assert [what for _, what in events(tmp_path) if what != "start"] == \
        ["exhibit", "exhibit", "card", "exhibit"]
    assert statuses[-1]["crashes_total"] == 2 and statuses[-1]["crashes"] == 0
    assert pauses(statuses) == [0.05]              # the restart asked for: no pause


def test_the_daily_restart_happens_once_a_day_and_is_no_crash(tmp_path):
    clock = {"day": 100, "hm": (5, 59), "looks": 0}

    def local_time():
        clock["looks"] += 1
        return time.struct_time((2026, 4, 10, *clock["hm"], 0, 4, clock["day"], 0))

    def look_again(times):
        seen = clock["looks"]
        wait_for(lambda: clock["looks"] >= seen + times, f"{times} looks at the local time")

    statuses = []
    sup = quick(child(tmp_path, "beat_for(60)"), statuses, daily_restart="06:00", local_time=local_time)
    thread = threading.Thread(target=sup.run, daemon=True)
    thread.start()
    try:
        wait_for(lambda: len(started(tmp_path)) == 1, "the first start")
        look_again(1)                        # at 05:59
        clock["hm"] = (6, 0)
        wait_for(lambda: len(started(tmp_path)) == 2, "the daily restart")
        look_again(5)                        # still 06:00, on the same day
        after_first_day = len(started(tmp_path))
        clock["hm"] = (6, 1)
        look_again(1)
        clock["day"], clock["hm"] = 101, (6, 0)
        wait_for(lambda: len(started(tmp_path)) == 3, "the next day's restart")
    finally:
        sup.stop()
        thread.join(5)
    assert after_first_day == 2
    first, second, _ = started(tmp_path)
    assert (first, "term") in events(tmp_path) and (second, "term") in events(tmp_path)
    assert all(s["mode"] in ("running", "stopped") for s in statuses)
    assert sup.last_error_ is None and statuses[-1]["crashes_total"] == 0


def test_daily_restart_decisions_on_made_up_times():
    def at(day, hour, minute):
        return time.struct_time((2026, 1, 1, hour, minute, 0, 0, day, 0))

    daily = DailyRestart(at=(6, 30))
    assert not daily.due(at(1, 6, 30))     # the first look: the exhibit has only just started
    assert not daily.due(at(1, 6, 31))
    assert not daily.due(at(2, 6, 29))
    assert daily.due(at(2, 6, 30))
    assert not daily.due(at(2, 6, 30))     # once a day
    assert not daily.due(at(2, 7, 0))
    assert daily.due(at(3, 6, 30))


@pytest.mark.parametrize("text", ["24:00", "6:30", "06:60", "06:30 ", "noon", 630, None, (6, 75)])
def test_a_bad_daily_restart_time_is_one_line_naming_the_key(text):
    with pytest.raises(ConfigError, match=r"^daily_restart must be a time of day as HH:MM") as info:
        parse_time_of_day("daily_restart", text)
    assert "\n" not in str(info.value)


def test_daily_restart_times_read():
    assert parse_time_of_day("daily_restart", "06:30") == (6, 30)
    assert parse_time_of_day("daily_restart", "23:59") == (23, 59)
    assert parse_time_of_day("daily_restart", (0, 5)) == (0, 5)


# ------------------------------------------------------------------ crash counting on made-up times
def test_crashes_older_than_the_window_no_longer_count():
    history = CrashHistory(window=3600, backoff=(1, 2, 4, 8, 30), healthy_after=60)
    for t in (0, 100, 3599):
        history.record(t)
    assert history.in_window(3599.5) == 3
    assert history.in_window(3600) == 2     # the crash at 0 is an hour old
    assert history.in_window(7198.9) == 1
    assert history.in_window(7199) == 0
    assert history.total_ == 3


def test_the_pause_grows_stays_at_the_longest_and_starts_over_after_a_healthy_run():
    history = CrashHistory(window=3600, backoff=(1, 2, 4, 8, 30), healthy_after=60)
    assert history.delay() == 0
    seen = []
    for t in range(7):
        history.record(t)
        seen.append(history.delay())
    assert seen == [1, 2, 4, 8, 30, 30, 30]
    history.running(started=10, now=69)
    assert history.delay() == 30
    history.running(started=10, now=70)
    history.record(71)
    assert history.delay() == 1


@pytest.mark.parametrize("settings, message", [
    (dict(command=[]), r"^command must be a non-empty list of strings, got \[\]$"),
    (dict(command="mark1 kiosk"), r"^command must be a non-empty list of strings"),
    (dict(heartbeat_timeout=0), r"^heartbeat_timeout must be a finite number above 0"),
    (dict(crash_limit=0), r"^crash_limit must be a whole number from 1"),
    (dict(backoff=()), r"^backoff must be a non-empty list of seconds"),
    (dict(backoff=(1, -2)), r"^each backoff pause must be a finite number above 0"),
    (dict(daily_restart="25:00"), r"^daily_restart must be a time of day as HH:MM"),
])
def test_bad_settings_are_one_line_errors_before_any_child_starts(tmp_path, settings, message):
    command = settings.pop("command", child(tmp_path, "sys.exit(0)"))
    with pytest.raises(ConfigError, match=message) as info:
        quick(command, **settings).run()
    assert "\n" not in str(info.value)
    assert started(tmp_path) == []


# ------------------------------------------------------------------ stopping the supervisor by signal
DRIVER = """\
import logging, sys
from simulator.kiosk.supervisor import Supervisor
logging.basicConfig(level=logging.INFO)
sys.exit(Supervisor(sys.argv[1:], heartbeat_timeout=5, crash_limit=3).run())
"""


@pytest.mark.parametrize("signum, stubborn", [(signal.SIGTERM, False), (signal.SIGTERM, True),
                                               (signal.SIGINT, False)],
                         ids=["SIGTERM", "SIGTERM-child-ignores-it", "SIGINT"])
def test_a_signal_ends_the_supervisor_and_its_child_within_2_s(tmp_path, signum, stubborn):
    body = "if STUBBORN:\n    signal.signal(signal.SIGTERM, signal.SIG_IGN)\nlog('beating')\nbeat_for(60)\n"
    command = child(tmp_path, f"STUBBORN = {stubborn}\n" + body)
    driver = tmp_path / "driver.py"
    driver.write_text(DRIVER)
    proc = subprocess.Popen([sys.executable, str(driver), *command], stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: any(what == "beating" for _, what in events(tmp_path)), "the child", 20)
        child_pid = started(tmp_path)[0]
        began = time.monotonic()
        proc.send_signal(signum)
        proc.wait(10)
        took = time.monotonic() - began
    finally:
        if proc.poll() is None:
            proc.kill()
        stderr = proc.communicate()[1]
    print(f"\n{signal.Signals(signum).name} (child {'ignores' if stubborn else 'obeys'} SIGTERM): "
          f"supervisor and child ended in {took:.2f} s")
    assert proc.returncode == 0, stderr
    assert gone(child_pid)
    assert ((child_pid, "term") in events(tmp_path)) is not stubborn
    assert "Traceback" not in stderr
    assert took < 5.0   # the bound is 2 s (grace 1.5 s); generous for a loaded machine


# ------------------------------------------------------------------ the heartbeat (the child's side)
def test_the_heartbeat_writes_at_most_one_byte_per_interval():
    read_end, write_end = os.pipe()
    try:
        heart = Heartbeat.from_environment({HEARTBEAT_FD_VARIABLE: str(write_end)}, interval=1.0)
        for now in (0.0, 0.5, 0.99, 1.0, 1.7, 2.0, 2.5):
            assert heart.beat(now)
        assert os.read(read_end, 100) == b"..."
        assert heart.beats_ == 3
    finally:
        os.close(read_end)
        os.close(write_end)


def test_the_heartbeat_stops_quietly_when_the_supervisor_is_gone():
    read_end, write_end = os.pipe()
    heart = Heartbeat.from_environment({HEARTBEAT_FD_VARIABLE: str(write_end)}, interval=1.0)
    try:
        assert heart.beat(0.0)
        os.close(read_end)                    # the supervisor is gone
        assert heart.beat(5.0) is False       # a broken pipe, no exception
        assert heart.gone_ and not heart.supervised
        assert heart.beat(10.0) is False
    finally:
        heart.close()


def test_the_heartbeat_takes_its_variable_and_keeps_its_pipe_from_grandchildren():
    read_end, write_end = os.pipe()
    os.set_inheritable(write_end, True)       # as a child finds it, passed by the supervisor
    environ = {HEARTBEAT_FD_VARIABLE: str(write_end), "OTHER": "1"}
    try:
        heart = Heartbeat.from_environment(environ)
        assert heart.supervised
        assert environ == {"OTHER": "1"}
        assert not os.get_inheritable(write_end)
    finally:
        os.close(read_end)
        os.close(write_end)


def test_without_a_supervisor_the_heartbeat_does_nothing():
    heart = Heartbeat.from_environment({})
    assert not heart.supervised
    assert heart.beat(0.0) and heart.beat(1.0) and heart.beats_ == 0


@pytest.mark.parametrize("value", ["abc", "-1", "999999", "file"])
def test_a_heartbeat_variable_that_names_no_pipe_is_logged_and_ignored(tmp_path, caplog, value):
    with open(tmp_path / "f", "w") as f:
        environ = {HEARTBEAT_FD_VARIABLE: str(f.fileno()) if value == "file" else value}
        with caplog.at_level(logging.WARNING, logger="simulator.kiosk.heartbeat"):
            heart = Heartbeat.from_environment(environ)
    assert not heart.supervised and heart.beat(0.0)
    assert "is not an open pipe" in caplog.text


# ------------------------------------------------------------------ the logs
@pytest.fixture
def root_logging():
    """Put the root logger back as it was (the tests' own handlers) after a test."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield root
    for handler in [h for h in root.handlers if h not in handlers]:
        root.removeHandler(handler)
        handler.close()
    root.setLevel(level)


def test_the_log_rotates_at_max_bytes_and_keeps_backups_files(tmp_path, root_logging):
    path = tmp_path / "logs" / "kiosk.log"      # the folder is made
    setup_kiosk_logging(path, 10_000, 2, logging.INFO)
    log = logging.getLogger("simulator.kiosk.test")
    for i in range(1000):                               # about 100 bytes each: 100 kB in all
        log.info("visitor %03d taught the machine %s", i, "x" * 40)
    names = sorted(p.name for p in path.parent.iterdir())
    assert names == ["kiosk.log", "kiosk.log.1", "kiosk.log.2"]
    assert all((path.parent / name).stat().st_size <= 10_000 for name in names)
    assert "visitor 999" in path.read_text()            # the newest in the current file
    assert "visitor 000" not in "".join((path.parent / n).read_text() for n in names)


def test_with_no_backups_the_log_starts_over_instead_of_growing(tmp_path, root_logging):
    path = tmp_path / "kiosk.log"
    setup_kiosk_logging(path, 10_000, 0, logging.INFO)
    log = logging.getLogger("simulator.kiosk.test")
    for i in range(1000):
        log.info("visitor %03d taught the machine %s", i, "x" * 40)
    assert [p.name for p in tmp_path.iterdir()] == ["kiosk.log"]
    assert path.stat().st_size <= 10_000                 # RotatingFileHandler alone: 100 kB
    assert "visitor 999" in path.read_text()


def test_setting_up_the_logs_twice_adds_no_second_set_of_handlers(tmp_path, root_logging):
    before = len(root_logging.handlers)
    setup_kiosk_logging(tmp_path / "a.log", 10_000, 1, "warning")
    setup_kiosk_logging(tmp_path / "b.log", 10_000, 1, "INFO")
    assert len(root_logging.handlers) == before + 2      # one file, one stderr
    assert root_logging.level == logging.INFO
    logging.getLogger("simulator.kiosk.test").info("once")
    assert (tmp_path / "b.log").read_text().count("once") == 1
    assert "once" not in (tmp_path / "a.log").read_text()


def test_a_log_folder_that_cannot_be_made_is_one_line_naming_it(tmp_path, root_logging):
    (tmp_path / "plain-file").write_text("")
    with pytest.raises(DeviceError, match=r"^cannot write the kiosk's log .*plain-file/kiosk.log: ") as info:
        setup_kiosk_logging(tmp_path / "plain-file" / "kiosk.log", 10_000, 1)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("max_bytes, backups, level, message", [
    (10_000, -1, "INFO", r"^log_backups must be a whole number from 0 to 100, got -1$"),
    (9_999, 1, "INFO", r"^log_max_bytes must be a whole number from 10,000 to 1,000,000,000, got 9999$"),
    (10_000, 1, "LOUD", r"^log_level must be DEBUG, INFO, WARNING, ERROR or CRITICAL, got 'LOUD'$"),
])
def test_bad_log_settings_are_one_line_errors(tmp_path, root_logging, max_bytes, backups, level, message):
    with pytest.raises(ConfigError, match=message):
        setup_kiosk_logging(tmp_path / "kiosk.log", max_bytes, backups, level)
