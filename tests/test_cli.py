"""The mark1 command: outputs, and one-line errors with exit status 2 for bad input."""

import json
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from simulator.cli import main


def run(*args):
    """The real command in a subprocess: exit status, stdout, stderr."""
    p = subprocess.run([sys.executable, "-m", "simulator", *args], capture_output=True, text=True,
                       timeout=300)
    return p.returncode, p.stdout, p.stderr


def assert_one_line_error(code, out, err, fragment):
    assert code == 2, (code, out, err)
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0], err


def test_experiment_json_has_the_promised_fields():
    code, out, err = run("experiment", "left-right", "--seed", "2", "--trials", "60", "--json")
    assert code == 0, err
    r = json.loads(out)
    for key in ("experiment", "seed", "a_units", "trials", "trials_to_criterion",
                "train_accuracy", "test_accuracy", "curve"):
        assert key in r
    assert r["experiment"] == "left-right" and r["seed"] == 2 and r["trials"] == 60
    assert r["curve"][-1][0] == 60 and all(0 <= acc <= 1 for _, acc in r["curve"])
    assert r["test_accuracy"] > 0.8


def test_experiment_table_list_and_plot(tmp_path, capsys):
    assert main(["experiment", "--list"]) == 0
    listing = capsys.readouterr().out
    for name in ("left-right", "square-circle", "square-diamond", "e-f", "letters", "xor"):
        assert name in listing
    plot = tmp_path / "curve.png"
    assert main(["experiment", "e-f", "--trials", "100", "--a-units", "200", "--plot", str(plot)]) == 0
    out = capsys.readouterr().out
    assert "test accuracy" in out and "published" in out
    assert Image.open(plot).size == (960, 540)


def test_same_seed_same_result_other_seed_other_wiring():
    a = run("experiment", "left-right", "--seed", "5", "--trials", "30", "--json")[1]
    b = run("experiment", "left-right", "--seed", "5", "--trials", "30", "--json")[1]
    c = run("experiment", "left-right", "--seed", "6", "--trials", "30", "--json")[1]
    assert a == b
    assert json.loads(a)["curve"] != json.loads(c)["curve"]


@pytest.mark.parametrize("args,fragment", [
    (["experiment", "nonsense"], "unknown experiment 'nonsense'"),
    (["experiment", "left-right", "--trials", "0"], "out of range"),
    (["experiment", "left-right", "--trials", "many"], "not a whole number"),
    (["experiment", "left-right", "--a-units", "-5"], "out of range"),
    (["experiment", "left-right", "--plot", "/tmp/curve.jpg"], "must end in .png"),
    (["wiring", "--seed", "1", "--out", "/nonexistent-dir/w.csv"], "does not exist"),
    (["wiring", "--seed", "1", "--out", "w.txt"], "must end in .csv or .png"),
    (["classify", "--state", "/nonexistent.mark1", "x.png"], "no such state file"),
    (["bogus"], "invalid choice"),
    (["demo", "--headless", "--speed", "0"], "out of range"),
    (["demo", "--headless", "--speed", "nan"], "out of range"),
    (["demo", "--headless", "--experiment", "logistic"], "not shown on the panel"),
    (["experiment", "logistic", "--trials", "5"], "does not apply"),
    (["experiment", "square-circle", "--plot", "/nonexistent-dir/c.png"], "does not exist"),
    (["wiring", "--seed", "1", "--a-units", "5000", "--out", "/tmp/w.png"], "write a .csv"),
])
def test_bad_input_is_one_line_and_exit_2(args, fragment):
    assert_one_line_error(*run(*args), fragment)


def test_wiring_chart_csv_and_png(tmp_path):
    csv_path, png_path = tmp_path / "w.csv", tmp_path / "w.png"
    assert main(["wiring", "--seed", "3", "--out", str(csv_path)]) == 0
    rows = csv_path.read_text().splitlines()
    assert rows[0] == "a_unit,threshold,kind,s_unit,s_row,s_col"
    assert len(rows) == 1 + 512 * 10
    assert main(["wiring", "--seed", "3", "--out", str(png_path)]) == 0
    img = np.asarray(Image.open(png_path).convert("RGB"))
    assert img.shape[1] > 1000 and len(np.unique(img.reshape(-1, 3), axis=0)) > 3
    other = tmp_path / "w4.csv"
    main(["wiring", "--seed", "4", "--out", str(other)])
    assert other.read_text() != csv_path.read_text()


def _picture_folders(root, rng, classes=("left", "right"), per_class=12):
    for k, name in enumerate(classes):
        (root / name).mkdir(parents=True)
        for i in range(per_class):
            img = np.full((60, 60), 255, np.uint8)  # dark ink on white paper
            x = rng.integers(2, 20) + 30 * k
            y = rng.integers(5, 40)
            img[y:y + 15, x:x + 8] = 0
            Image.fromarray(img).save(root / name / f"{i}.png")


def test_train_then_classify_own_pictures(tmp_path):
    rng = np.random.default_rng(0)
    _picture_folders(tmp_path / "pics", rng)
    state = tmp_path / "m.mark1"
    code, out, err = run("train", str(tmp_path / "pics"), "--state", str(state), "--passes", "5")
    assert code == 0, err
    assert "training accuracy 100.0%" in out and state.exists()
    code, out, err = run("classify", "--state", str(state),
                         str(tmp_path / "pics/left/0.png"), str(tmp_path / "pics/right/3.png"))
    assert code == 0, err
    assert out.splitlines()[0].endswith("\tleft") and out.splitlines()[1].endswith("\tright")
    # continuing keeps the counters growing
    code, out, _ = run("train", str(tmp_path / "pics"), "--state", str(state), "--passes", "1")
    assert code == 0 and "continuing" in out


def test_bad_training_folders_and_pictures(tmp_path):
    rng = np.random.default_rng(1)
    _picture_folders(tmp_path / "one", rng, classes=("only",))
    assert_one_line_error(*run("train", str(tmp_path / "one"), "--state", str(tmp_path / "s")),
                          "at least two class")
    assert not (tmp_path / "s").exists()
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"not a picture at all")
    _picture_folders(tmp_path / "two", rng)
    run("train", str(tmp_path / "two"), "--state", str(tmp_path / "m"), "--passes", "1")
    assert_one_line_error(*run("classify", "--state", str(tmp_path / "m"), str(junk)), "junk.png")
    big = tmp_path / "big.png"
    Image.new("L", (8000, 8000)).save(big)
    assert_one_line_error(*run("classify", "--state", str(tmp_path / "m"), str(big)), "scale it down")


def test_corrupted_state_is_refused_and_kept(tmp_path):
    rng = np.random.default_rng(2)
    _picture_folders(tmp_path / "pics", rng)
    state = tmp_path / "m.mark1"
    run("train", str(tmp_path / "pics"), "--state", str(state), "--passes", "1")
    data = state.read_bytes()
    state.write_bytes(data[:100])
    assert_one_line_error(*run("train", str(tmp_path / "pics"), "--state", str(state)),
                          "truncated or corrupted")
    assert state.read_bytes() == data[:100]


def test_headless_demo_learns_and_writes_the_panel(tmp_path):
    shot = tmp_path / "panel.png"
    code, out, err = run("demo", "--headless", "--screenshot", str(shot))
    assert code == 0, err
    assert "trial 1: card" in out and "learned by trial" in out
    learned = int(out.split("learned by trial ")[1].split()[0])
    assert learned <= 200
    assert Image.open(shot).size == (1920, 1080)
    assert f"panel written to {shot}" in out


def test_demo_screenshot_into_missing_folder_is_refused_at_once():
    assert_one_line_error(*run("demo", "--headless", "--screenshot", "/nonexistent/p.png"),
                          "does not exist")


def test_cards_contact_sheet(tmp_path, capsys):
    out = tmp_path / "sheet.png"
    assert main(["cards", "square-circle", "--out", str(out), "--count", "8"]) == 0
    img = np.asarray(Image.open(out).convert("RGB")).astype(int)
    assert img.shape[0] > 100 and img.shape[1] > 400
    assert (img[..., 0] > 200).sum() > 1000  # lit (amber) cells are there
    assert main(["cards", "nonsense", "--out", str(out)]) == 2
    assert "unknown experiment" in capsys.readouterr().err


def test_lecture_contrast_experiments_report_the_other_models():
    code, out, err = run("experiment", "parity", "--seed", "1", "--json")
    assert code == 0, err
    r = json.loads(out)
    assert r["best_test_accuracy"] < 1.0                  # one trainable layer: never 100%
    assert r["details"]["network"]["test_accuracy"] == 1.0  # a hidden layer: learns it
    code, out, err = run("experiment", "xor", "--seed", "1", "--trials", "500", "--json")
    assert code == 0, err
    r = json.loads(out)
    assert r["best_test_accuracy"] < 1.0
    two = r["details"]["two_inputs"]
    assert two["network"]["test_accuracy"] == 1.0 and two["perceptron"]["best_accuracy"] <= 0.75
    code, out, err = run("experiment", "logistic", "--seed", "1")
    assert code == 0, err
    assert "threshold 0.3" in out and "recall" in out


def test_demo_says_when_a_picture_cannot_be_shown(tmp_path):
    code, out, err = run("demo", "--headless", "--frames", "3", "--screenshot",
                         str(tmp_path / "p.png"), "--picture", str(tmp_path / "nothere.png"))
    assert code == 0 and "nothere.png: no such picture file" in err


def test_class_folder_names_that_are_not_utf8_under_a_strict_utf8_terminal(tmp_path):
    import os
    import zipfile
    rng = np.random.default_rng(3)
    root = os.fsencode(tmp_path / "pics")
    for k, name in enumerate((b"caf\xe9", b"tea")):
        os.makedirs(os.path.join(root, name))
        for i in range(6):
            img = np.full((40, 40), 255, np.uint8)
            img[10:25, 2 + 20 * k + int(rng.integers(0, 10)):][:, :6] = 0
            Image.fromarray(img).save(os.path.join(root, name, b"%d.png" % i))
    state = tmp_path / "m.mark1"
    env = {**os.environ, "PYTHONIOENCODING": "utf-8:strict", "LC_ALL": "C.UTF-8"}

    def strict(*args):
        p = subprocess.run([sys.executable, "-m", "simulator", *args], capture_output=True, text=True,
                           errors="strict", env=env, timeout=300)
        return p.returncode, p.stdout, p.stderr

    code, out, err = strict("train", str(tmp_path / "pics"), "--state", str(state), "--passes", "3")
    assert code == 0, err
    assert "(caf\\xe9, tea)" in out and "state saved" in out
    # the header stays valid UTF-8 JSON and the name comes back as it was read from the disk
    with zipfile.ZipFile(state) as z:
        np.load(z.open("header.npy")).tobytes().decode("utf-8", errors="strict")
    from simulator import MarkI
    assert MarkI.load(state).class_names_ == ("caf\udce9", "tea")
    picture = os.fsdecode(os.path.join(root, b"caf\xe9", b"0.png"))
    code, out, err = strict("classify", "--state", str(state), picture)
    assert code == 0, err
    assert out == f"{tmp_path}/pics/caf\\xe9/0.png\tcaf\\xe9\n"
    code, out, err = strict("classify", "--state", str(tmp_path / "caf\udce9.mark1"), picture)
    assert_one_line_error(code, out, err, "no such state file")  # an error naming it prints too
    assert "caf\\" in err


def test_demo_shows_pictures_whose_names_are_not_utf8(tmp_path):
    import os
    folder = os.fsencode(tmp_path)
    Image.fromarray(np.zeros((30, 30), np.uint8)).save(os.path.join(folder, b"caf\xe9.png"))
    shown, missing = (os.fsdecode(os.path.join(folder, name)) for name in (b"caf\xe9.png", b"nop\xe9.png"))
    p = subprocess.run([sys.executable, "-m", "simulator", "demo", "--headless", "--frames", "3",
                        "--screenshot", str(tmp_path / "p.png"), "--picture", shown, "--picture", missing],
                       capture_output=True, text=True, errors="strict", timeout=300,
                       env={**os.environ, "PYTHONIOENCODING": "utf-8:strict"})
    assert p.returncode == 0, p.stderr  # the teletype draws the name; the terminal prints it
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and "nop\\" in lines[0] and "no such picture file (the demo goes on)" in lines[0]


def test_two_demos_in_one_process_both_draw(tmp_path, capsys):
    """pygame's fonts die with pygame.quit(); a second panel in the same process (a notebook,
    a kiosk restarting its screen) must not draw with the first one's dead fonts."""
    from simulator.cli import main
    for name in ("first.png", "second.png"):
        assert main(["demo", "--headless", "--quiet", "--frames", "2",
                     "--screenshot", str(tmp_path / name)]) == 0
        assert (tmp_path / name).stat().st_size > 1000
    assert "error" not in capsys.readouterr().err
