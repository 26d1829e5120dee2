"""``mark1 --help`` is complete, and the README's command reference says what it says.

The parser is walked as argparse built it, every command and subcommand: an option or
argument without a help line fails the test, named as a person would type it. Options hidden
on purpose (``help=argparse.SUPPRESS``: the kiosk supervisor's flags for its own child) are
not shown to anyone and so need none.
"""

import argparse
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from simulator.cli import build_parser, main
from simulator.machine import MarkI

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
OPTION = re.compile(r"(?<![\w-])(--?[a-zA-Z][a-zA-Z0-9-]*)")


def run(*args):
    p = subprocess.run([sys.executable, "-m", "simulator", *args], capture_output=True, text=True,
                       timeout=300)
    return p.returncode, p.stdout, p.stderr


def commands(parser=None, path=()):
    """Yield (path, parser) for the top level and every command and subcommand."""
    parser = parser or build_parser()
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from commands(sub, (*path, name))


def shown_actions(parser):
    """The options and arguments ``--help`` lists, but argparse's own -h."""
    return [a for a in parser._actions
            if not isinstance(a, (argparse._HelpAction, argparse._SubParsersAction))
            and a.help != argparse.SUPPRESS]


def long_options(parser) -> set[str]:
    return {max(a.option_strings, key=len) for a in shown_actions(parser) if a.option_strings}


def test_every_option_of_every_command_has_a_help_line():
    missing = []
    for path, parser in commands():
        for action in shown_actions(parser):
            if not (action.help or "").strip():
                name = "/".join(action.option_strings) or action.metavar or action.dest
                missing.append(" ".join(("mark1", *path, name)))
    assert not missing, "no help line: " + ", ".join(missing)


def test_the_walk_sees_every_command():
    paths = {" ".join(p) for p, _ in commands()}
    assert {"train", "demo", "kiosk", "lecture backprop", "rig check"} <= paths


def test_version_is_the_package_version():
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    code, out, err = run("--version")
    assert code == 0, err
    assert out.strip() == f"mark1 {version}"


# ---------------------------------------------------------------- mark1 train --r-units


def _folders(root, classes):
    """One folder per class, three pictures each: a dark bar in a column of its own."""
    for k, name in enumerate(classes):
        (root / name).mkdir(parents=True)
        for i in range(3):
            img = np.full((40, 40), 255, np.uint8)  # dark ink on white paper
            img[5 + 3 * i:25 + 3 * i, 4 * k:4 * k + 3] = 0
            Image.fromarray(img).save(root / name / f"{i}.png")


def test_train_winner_coding_of_ten_classes_names_the_r_units_option(tmp_path):
    classes = [f"digit{k}" for k in range(10)]
    _folders(tmp_path / "pics", classes)
    state = tmp_path / "m.mark1"
    code, out, err = run("train", str(tmp_path / "pics"), "--state", str(state), "--coding", "winner",
                         "--passes", "1")
    assert code == 2 and "Traceback" not in err
    assert err.strip().splitlines() == [
        "mark1: error: winner coding of 10 classes needs 10 R-units, the machine has 8; "
        "use --r-units 10 or more, or --coding binary"]
    assert not state.exists()
    code, out, err = run("train", str(tmp_path / "pics"), "--state", str(state), "--coding", "winner",
                         "--r-units", "10", "--passes", "2", "--a-units", "200")
    assert code == 0, err
    m = MarkI.load(state)
    assert (m.r_units, m.coding, m.n_classes_, m.a_units) == (10, "winner", 10, 200)
    assert m.class_names_ == tuple(classes)


@pytest.mark.parametrize("value,fragment", [
    ("0", "0 is out of range: give a number from 1 to 64 (response units)"),
    ("65", "65 is out of range: give a number from 1 to 64 (response units)"),
    ("many", "'many' is not a whole number"),
])
def test_train_r_units_out_of_the_limits_table(tmp_path, value, fragment):
    code, out, err = run("train", str(tmp_path), "--state", str(tmp_path / "m.mark1"), "--r-units", value)
    assert code == 2 and "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "--r-units" in lines[0] and fragment in lines[0], err


# ---------------------------------------------------------------- the README's command reference


def _reference() -> list[str]:
    """The command lines of the README's "Command reference", continuation lines joined."""
    text = README.read_text()
    section = text.split("\n## Command reference\n", 1)[1].split("\n## ", 1)[0]
    lines = []
    for line in section.split("```")[1].splitlines()[1:]:
        if line.startswith("mark1"):
            lines.append(line)
        elif line.strip() and lines:
            lines[-1] += " " + line.strip()
    return lines


def _command_of(line: str):
    """(path, parser) of the command a README line shows: its leading words that are commands."""
    words = line.split()[1:]
    found = dict(commands())
    path = ()
    for word in words:
        if (*path, word) in found:
            path = (*path, word)
        else:
            break
    return path, found[path]


def test_the_readme_reference_lists_every_option_of_every_command_and_no_other():
    documented = {}
    for line in _reference():
        path, parser = _command_of(line)
        documented.setdefault(path, set()).update(OPTION.findall(line.split("#", 1)[0]))
    wrong = []
    for path, parser in commands():
        if any(isinstance(a, argparse._SubParsersAction) for a in parser._actions) and path:
            continue  # a command group (lecture, rig): its subcommands carry the options
        name = " ".join(("mark1", *path))
        if path not in documented:
            wrong.append(f"{name} is not in the reference")
            continue
        given, real = documented[path], long_options(parser)
        wrong += [f"{name} {o}: in the README, not in --help" for o in sorted(given - real)]
        wrong += [f"{name} {o}: in --help, not in the README" for o in sorted(real - given)]
    assert not wrong, "; ".join(wrong)


def test_every_option_the_readme_shows_elsewhere_exists():
    """The examples in the rest of the README use only options the command has."""
    text = README.read_text()
    wrong = []
    for block in text.split("```")[1::2]:
        joined = []
        for line in block.splitlines()[1:]:
            if line.startswith("mark1 "):
                joined.append(line)
            elif line.startswith(" ") and joined:
                joined[-1] += " " + line.strip()
        for line in joined:
            path, parser = _command_of(line)
            real = {s for a in shown_actions(parser) for s in a.option_strings} | {"-h", "--help"}
            wrong += [f"{line.split('#')[0].strip()}: {o}" for o in OPTION.findall(line.split("#", 1)[0])
                      if o not in real]
    assert not wrong, "options not in --help: " + "; ".join(wrong)


def test_help_lists_what_the_reference_lists(capsys):
    """The reference's words come from --help itself: each command's help names its options."""
    for line in _reference():
        path, _ = _command_of(line)
        with pytest.raises(SystemExit):
            main([*path, "--help"])
        out = capsys.readouterr().out
        for option in OPTION.findall(line.split("#", 1)[0]):
            assert option in out, (path, option)
