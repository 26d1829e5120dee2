"""The kiosk's config, PIN hash and captions: every mistake in a config is one line naming the
key and the fix, before anything runs; the shipped example and translations are complete."""

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from simulator.errors import ConfigError
from simulator.kiosk import captions as captions_mod
from simulator.kiosk.captions import Captions, available, placeholders, read_file
from simulator.kiosk.config import CAPTIONS_DIR, EXAMPLE, EXAMPLE_PIN_HASH, KEYS, load_config
from simulator.kiosk.pin import hash_pin, parse_hash, verify

ROOT = Path(__file__).resolve().parents[1]


def mark1(*args, stdin=None):
    p = subprocess.run([sys.executable, "-m", "simulator", *args], capture_output=True, text=True,
                       input=stdin, timeout=120, cwd=ROOT)
    return p.returncode, p.stdout, p.stderr


def write(tmp_path, text, name="kiosk.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def refused(tmp_path, text, match):
    with pytest.raises(ConfigError, match=match) as info:
        load_config(write(tmp_path, text))
    assert "\n" not in str(info.value)
    return str(info.value)


# ------------------------------------------------------------------ the file itself
def test_defaults_without_a_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    c = load_config()
    assert (c.idle_timeout, c.countdown, c.staff_hold_seconds, c.language) == (45.0, 10.0, 5.0, "en")
    assert c.allow_keyboard_quit is False and c.fullscreen is True and c.staff_pin_hash is None
    assert c.status_file == tmp_path / "kiosk-status.json"
    assert all(origin == "default" for _, _, origin in c.shown())


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match=r"nope.toml: no such config file; give an existing file"):
        load_config(tmp_path / "nope.toml")


def test_a_folder_is_not_a_config(tmp_path):
    with pytest.raises(ConfigError, match=r": is a folder; give the config file itself$"):
        load_config(tmp_path)


def test_bad_toml_says_line_and_column(tmp_path):
    msg = refused(tmp_path, "idle_timeout = 45\ncountdown = = 3\n", r"is not valid TOML: .*line 2, column")
    assert msg.startswith(str(tmp_path / "kiosk.toml"))


def test_not_utf8(tmp_path):
    path = tmp_path / "kiosk.toml"
    path.write_bytes(b'language = "\xe9"\n')
    with pytest.raises(ConfigError, match=r"is not UTF-8 text \(byte 12\); save it as UTF-8"):
        load_config(path)


def test_unknown_key_suggests_the_near_one(tmp_path):
    refused(tmp_path, "idle_timout = 30\n", r"unknown key 'idle_timout'; did you mean 'idle_timeout'\?")


def test_unknown_key_with_nothing_near_points_at_the_example(tmp_path):
    refused(tmp_path, "colour = 'red'\n", r"unknown key 'colour'; the keys are listed in .*kiosk.toml")


def test_a_table_is_refused_as_such(tmp_path):
    refused(tmp_path, "[kiosk]\nidle_timeout = 30\n", r"unknown table 'kiosk'.*every key is top-level")


@pytest.mark.parametrize("line, match", [
    ('idle_timeout = "45"', r"idle_timeout must be a number, got '45'; correct it, or remove the line "
                            r"for the default \(45\)"),
    ("fullscreen = 1", r"fullscreen must be true or false, got 1"),
    ("seed = 1.5", r"seed must be a whole number, got 1.5"),
    ("crash_limit = true", r"crash_limit must be a whole number, got True"),
    ("languages = 'de'", r"languages must be a list of language codes"),
    ("rig = 3", r"rig must be a string in quotes"),
    ("volume = 'loud'", r"volume must be a number, got 'loud'"),
])
def test_wrong_type_names_the_key(tmp_path, line, match):
    refused(tmp_path, line + "\n", match)


@pytest.mark.parametrize("line, match", [
    ("idle_timeout = 2", r"idle_timeout must be a number from 5 to 3600, got 2"),
    ("countdown = 121", r"countdown must be a number from 1 to 120, got 121"),
    ("volume = 1.5", r"volume must be a number from 0 to 1, got 1.5"),
    ("crash_limit = 0", r"crash_limit must be a whole number from 1 to 1,000, got 0"),
    ("speed = 0.1", r"speed must be a number from 0.5 to 100, got 0.1"),
    ("restart_backoff = 0", r"restart_backoff must be a finite number above 0"),
    ("idle_timeout = nan", r"idle_timeout must be a number from 5 to 3600, got nan"),
    ('size = "100x100"', r"size must be a whole number from 320 to 8,192, got 100"),
    ('quiet_hours = "18:00-18:00"', r"starts and ends at the same minute"),
    ('quiet_hours = "6pm-9am"', r'quiet_hours must be spans like "18:00-09:00"'),
    ('daily_restart = "25:00"', r'daily_restart must be a time of day like "04:30"'),
    ('experiment = "left_right"', r"'left_right' is not an experiment .*did you mean 'left-right'\?"),
    ('language = "English"', r"not a language code"),
    ('language = "de"\nlanguages = ["en", "fr"]', r"language 'de' is not one of languages"),
])
def test_out_of_range_names_the_key_and_its_range(tmp_path, line, match):
    refused(tmp_path, line + "\n", match)


def test_limits_come_from_the_table(tmp_path):
    from simulator.limits import limit

    assert (limit("idle_timeout").lo, limit("countdown").hi) == (5, 120)
    load_config(write(tmp_path, "idle_timeout = 5\ncountdown = 120\nvolume = 0\n"))  # the edges pass


def test_paths_are_relative_to_the_config_folder(tmp_path, monkeypatch):
    sub = tmp_path / "etc"
    sub.mkdir()
    (sub / "data").mkdir()
    monkeypatch.chdir(tmp_path)
    c = load_config(write(sub, 'status_file = "data/s.json"\n'))
    assert c.status_file == sub / "data" / "s.json"
    assert c.counters_file == sub / "kiosk-counters.json"  # defaults too, beside the config
    assert c.origin["status_file"] == "file" and c.origin["counters_file"] == "default"


def test_files_it_names_are_checked_at_start(tmp_path):
    refused(tmp_path, 'status_file = "no/such/folder/s.json"\n',
            r"status_file .*folder .* does not exist; create it first; choose a file in a folder")
    refused(tmp_path, 'state = "trained.mark1"\n', r"state names .*trained.mark1, which is not a file")
    refused(tmp_path, 'languages = ["en", "fr"]\n', r"languages offers 'fr' but .*fr.toml does not exist")


def test_only_reading_skips_the_file_checks(tmp_path):
    # --status reads a status file; a state file missing meanwhile must not hide it
    c = load_config(write(tmp_path, 'state = "trained.mark1"\n'), check_files=False)
    assert c.state == tmp_path / "trained.mark1"


def test_times_of_day_and_toml_times(tmp_path):
    c = load_config(write(tmp_path, 'daily_restart = 04:30:00\nquiet_hours = ["22:00-07:00", '
                                    '"12:00-13:00"]\n'))
    assert c.daily_restart == (4, 30) and c.quiet_hours == ((1320, 420), (720, 780))
    assert load_config(write(tmp_path, 'daily_restart = "none"\nquiet_hours = []\n')).daily_restart is None


# ------------------------------------------------------------------ the example and the command
def test_the_example_names_every_key():
    table = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    assert sorted(table) == sorted(KEYS)
    text = EXAMPLE.read_text(encoding="utf-8")
    for key in KEYS:  # a comment line directly above each key (or its group) explains it
        line = next(i for i, t in enumerate(text.splitlines()) if t.startswith(key + " ="))
        above = text.splitlines()[line - 1]
        assert above.startswith("#") or above.split(" =")[0] in KEYS, key


def test_example_loads_and_check_config_exits_0():
    c = load_config(EXAMPLE)
    assert c.staff_pin_hash == EXAMPLE_PIN_HASH and verify("1958", c.staff_pin_hash)
    code, out, err = mark1("kiosk", "--check-config", str(EXAMPLE))
    assert code == 0, err
    assert "idle_timeout         = 45" in out and "(file)" in out
    assert "warning: staff_pin_hash is the example's" in out
    assert "captions de: complete" in out


def test_check_config_exit_2_naming_the_key(tmp_path):
    code, out, err = mark1("kiosk", "--check-config", str(write(tmp_path, "idle_timeout = -1\n")))
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("mark1: error: ") and "idle_timeout must be a number from 5 to 3600" in err


def test_check_config_prints_defaults_as_such(tmp_path):
    code, out, _ = mark1("kiosk", "--check-config", str(write(tmp_path, "countdown = 20\n")))
    assert code == 0
    assert "countdown            = 20" in out and "(file)" in out
    assert "idle_timeout         = 45" in out and "(default)" in out


# Running the kiosk (the screens exist now): tests/test_kiosk_exhibit.py starts mark1 kiosk.


# ------------------------------------------------------------------ the PIN
def test_pin_hash_round_trip_and_wrong_pin():
    stored = hash_pin("2468")
    assert stored.startswith("scrypt$16384$8$1$")
    assert verify("2468", stored)
    assert not verify("2469", stored) and not verify("24680", stored) and not verify("", stored)
    assert hash_pin("2468") != stored  # salted: the same PIN never gives the same line


@pytest.mark.parametrize("pin", ["123", "1234567890123", "12a4", " 1234", "١٢٣٤"])
def test_pins_are_4_to_12_ascii_digits(pin):
    with pytest.raises(ConfigError, match=r"a staff PIN must be 4 to 12 digits"):
        hash_pin(pin)


@pytest.mark.parametrize("stored, match", [
    ("1234", r"staff_pin_hash is not a hash made by mark1"),
    ("scrypt$16384$8$1$!!!$AAAA", r"staff_pin_hash is damaged"),
    ("scrypt$1048576000$8$1$c2FsdHNhbHQ=$" + "A" * 44, r"staff_pin_hash has costs or sizes"),
])
def test_a_malformed_hash_names_staff_pin_hash(tmp_path, stored, match):
    with pytest.raises(ConfigError, match=match):
        parse_hash(stored)
    refused(tmp_path, f'staff_pin_hash = "{stored}"\n', match + r".*mark1 kiosk --hash-pin")


def test_hash_pin_from_stdin():
    code, out, err = mark1("kiosk", "--hash-pin", stdin="73519\n")
    assert code == 0, err
    line = out.strip().splitlines()[-1]
    stored = tomllib.loads(line)["staff_pin_hash"]  # the line pastes into a config as it is
    assert verify("73519", stored) and not verify("73518", stored)


def test_hash_pin_refuses_a_bad_or_differing_pin():
    code, out, err = mark1("kiosk", "--hash-pin", stdin="12\n")
    assert code == 2 and "4 to 12 digits" in err and err.count("\n") == 1 and out == ""
    code, _, err = mark1("kiosk", "--hash-pin", stdin="1234\n1235\n")
    assert code == 2 and "the two PINs differ" in err
    code, _, err = mark1("kiosk", "--hash-pin", stdin="")
    assert code == 2 and "no PIN on standard input" in err


# ------------------------------------------------------------------ captions
def test_every_shipped_language_has_every_english_key_with_its_placeholders():
    english = read_file(CAPTIONS_DIR / "en.toml")
    codes = available(CAPTIONS_DIR)
    assert "en" in codes and len(codes) >= 2
    for code in codes:
        theirs = read_file(CAPTIONS_DIR / f"{code}.toml")
        assert sorted(theirs) == sorted(english), code
        for key, ref in english.items():
            assert type(theirs[key]) is type(ref), (code, key)
            if isinstance(ref, str):
                assert placeholders(theirs[key]) == placeholders(ref), (code, key)
        assert Captions(language=code).fallbacks_ == []


def test_the_words_the_brief_names_are_there():
    en = Captions(language="en")
    assert [en.text(f"buttons.{k}") for k in ("draw", "left", "right", "teach", "new_card", "clear")] == \
        ["Draw", "Left", "Right", "Teach", "New card", "Clear"]
    assert en.text("countdown.message", seconds=7) == "Still there? Resetting in 7"
    history = " ".join(en.lines("attract.captions"))
    for fact in ("7 July 1958", "IBM 704", "Office of Naval Research", "23 June 1960",
                 "Cornell Aeronautical Laboratory", "Rome Air Development Center", "400 photocells"):
        assert fact in history, fact


def test_a_museum_adds_a_language_by_adding_a_file(tmp_path, caplog):
    (tmp_path / "fr.toml").write_text('language_name = "Français"\n[buttons]\nleft = "Gauche"\n'
                                      '[countdown]\nmessage = "Encore là ? Remise à zéro dans {secondes}"\n'
                                      'bogus = "x"\n', encoding="utf-8")
    assert available(tmp_path) == ["en", "fr"]
    with caplog.at_level("WARNING", logger=captions_mod.__name__):
        fr = Captions(language="fr", folder=tmp_path)
    assert fr.text("buttons.left") == "Gauche"
    assert fr.text("buttons.right") == "Right"                       # missing: English, logged
    assert fr.text("countdown.message", seconds=3) == "Still there? Resetting in 3"  # bad placeholder
    assert "buttons.right" in fr.fallbacks_ and "countdown.message" in fr.fallbacks_
    assert any("no buttons.right; shown in English" in r.getMessage() for r in caplog.records)
    assert any("countdown.bogus is not a key" in r.getMessage() for r in caplog.records)


def test_a_damaged_caption_file_is_a_start_up_error_naming_file_and_line(tmp_path):
    (tmp_path / "nl.toml").write_text('language_name = "Nederlands"\n[buttons\nleft = "Links"\n')
    with pytest.raises(ConfigError, match=r"nl.toml: is not valid TOML: .*line 2") as info:
        Captions(language="nl", folder=tmp_path)
    assert "\n" not in str(info.value)
    config = load_config(write(tmp_path, 'captions_dir = "."\nlanguages = ["en", "nl"]\n'))
    with pytest.raises(ConfigError, match=r"nl.toml: is not valid TOML"):
        captions_mod.offered(config)
    code, _, err = mark1("kiosk", "--check-config", str(tmp_path / "kiosk.toml"))
    assert code == 2 and "nl.toml: is not valid TOML" in err


def test_the_state_to_reset_to_must_load_at_start(tmp_path):
    from simulator.machine import MarkI

    MarkI(seed=3, a_units=64).save(tmp_path / "trained.mark1")
    assert load_config(write(tmp_path, 'state = "trained.mark1"\n')).state == tmp_path / "trained.mark1"
    (tmp_path / "junk.mark1").write_bytes(b"not a state file")
    refused(tmp_path, 'state = "junk.mark1"\n', r"state cannot be used \(.*junk.mark1: not a Mark I state "
                                                r"file\); give a state file saved by this mark1")


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs a pseudo-terminal")
def test_hash_pin_at_a_terminal_asks_twice_without_echo():
    import pty
    import select

    pid, fd = pty.fork()
    if pid == 0:  # the child: mark1 at a terminal
        os.chdir(ROOT)
        os.execv(sys.executable, [sys.executable, "-m", "simulator", "kiosk", "--hash-pin"])
    out = b""

    def read_until(token):
        nonlocal out
        while token not in out:
            ready, _, _ = select.select([fd], [], [], 60)
            chunk = os.read(fd, 1024) if ready else b""
            assert chunk, out  # the command ended or said nothing for a minute
            out += chunk

    try:
        read_until(b"digits): ")
        os.write(fd, b"2580\n")
        read_until(b"again: ")
        os.write(fd, b"2580\n")
        read_until(b'staff_pin_hash = "')
        read_until(b'"\r\n')
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(fd)
    assert os.waitstatus_to_exitcode(status) == 0
    assert b"2580" not in out.split(b"staff_pin_hash =")[0]  # the PIN is never shown
    line = out.decode().splitlines()[-1]
    assert verify("2580", tomllib.loads(line)["staff_pin_hash"])
