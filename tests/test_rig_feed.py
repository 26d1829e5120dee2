"""RigFeed: a rig link driving a session, with a hand-made link (no serial, no threads).

Expected values are worked out by hand from the frames the tests make: an 8 x 8 rig's column c
covers retina columns 2.5c .. 2.5(c + 1), so rig columns 0-1 lit light retina columns 0-4; a
fresh machine's potentiometers are all centred (0), so no R-unit fires and the lamp byte is 0;
one lesson "LEFT" on a fresh machine raises R-unit 0 above 0 and pushes R-unit 1 below (a tie
counts as a mistake), so the byte is exactly 0b01.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass

import numpy as np
import pytest

from hardware import calibration as C
from hardware import protocol as P
from hardware.feed import CHANGE, RigFeed, lamp_mask
from simulator.session import Session

BOARD_ID = 0x0BADCAFE


def hello(*, rows=8, cols=8, flags=0, board_id=BOARD_ID) -> P.Hello:
    return P.Hello(proto_major=P.PROTO_MAJOR, proto_minor=P.PROTO_MINOR, fw_major=0, fw_minor=1,
                   fw_patch=0, board=P.BOARD_ATMEGA328P, rows=rows, cols=cols, adc_bits=10, flags=flags,
                   board_id=board_id, baud=115200, adc_clock_khz=125, settle_us=20, settles_per_frame=16)


def marked(side: str, *, lit=1000, dark=20, rows=8, cols=8) -> np.ndarray:
    v = np.full((rows, cols), dark, dtype=np.uint16)
    if side == "left":
        v[:, :2] = lit
    else:
        v[:, -2:] = lit
    return v


@dataclass
class Input:   # what RigLink.poll returns, by duck typing
    status: str
    frame: object
    buttons: tuple
    hello: object


@dataclass
class Stats:
    fps: float = 0.0
    bad_frames: int = 0
    port: str = "/dev/fake"


class FakeLink:
    """A link the test drives: what the next poll() returns, and what set_lamps() was told."""

    def __init__(self, h=None, *, status="connected"):
        self.status = status
        self.hello = h if h is not None else hello()
        self.frame = None
        self.buttons = []
        self.lamps = []
        self.sent = []
        self.replies = []
        self.polls = 0

    def put(self, values, no=0):
        self.frame = P.Frame(frame_no=no, values=np.asarray(values, dtype=np.uint16))

    def press(self, *names):
        self.buttons += [P.Button(button=P.BUTTON_NAMES.index(n), presses=1) for n in names]

    def poll(self):
        self.polls += 1
        got = Input(self.status, self.frame, tuple(self.buttons), self.hello)
        self.frame, self.buttons = None, []
        return got

    def set_lamps(self, mask):
        self.lamps.append(mask)
        return self.status == "connected"

    def stats(self):
        return Stats(fps=78.4, bad_frames=3)


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv(C.ENV, str(tmp_path / "data"))


def lit_columns(session) -> list[int]:
    s = session.view().s_activity.reshape(20, 20)
    return [c for c in range(20) if s[:, c].all()]


def test_a_left_marked_pattern_reaches_the_retina_on_the_left_and_a_right_one_on_the_right():
    session, link = Session(), FakeLink()
    feed = RigFeed(link=link, session=session)
    link.put(marked("left"))
    feed.update(1 / 30)
    v = session.view()
    assert v.card_origin == "rig"
    assert lit_columns(session) == [0, 1, 2, 3, 4]
    assert not v.s_activity.reshape(20, 20)[:, 5:].any()
    assert v.card[0, 0] == pytest.approx(1000 / 1023, abs=1e-4)   # full scale: no calibration
    link.put(marked("right"))
    feed.update(1 / 30)
    assert lit_columns(session) == [15, 16, 17, 18, 19]
    assert feed.status().calibration == "none"
    assert feed.detail_line() == "not calibrated"


def test_lamps_follow_the_answer_and_are_sent_only_when_it_changes():
    session, link = Session(), FakeLink()
    feed = RigFeed(link=link, session=session)
    link.put(marked("left"))
    feed.update(1 / 30)
    assert link.lamps == [0]             # a fresh machine: every potentiometer centred, no lamp
    for _ in range(5):
        feed.update(1 / 30)
    assert link.lamps == [0]             # not re-sent while the answer stays
    link.press("LEFT")
    feed.update(1 / 30)
    assert link.lamps == [0, 0b01]       # taught LEFT: R-unit 0 fires, R-unit 1 pushed below
    assert session.view().answer_name == "LEFT"
    assert lamp_mask([True, False, True, False, False, False, False, False, True]) == 0b101  # 8 lamps


def test_each_button_press_teaches_exactly_once():
    session, link = Session(), FakeLink()
    feed = RigFeed(link=link, session=session)
    link.put(marked("left"))
    feed.update(1 / 30)
    trials = session.machine.presentations_
    link.press("LEFT")
    feed.update(1 / 30)
    assert session.machine.presentations_ == trials + 1
    assert session.view().teletype[-1].startswith(f"trial {trials + 1}: card LEFT")
    feed.update(1 / 30)                  # nothing new: no lesson
    assert session.machine.presentations_ == trials + 1
    link.put(marked("right"))
    link.press("RIGHT", "TRAIN")         # two presses in one poll: two lessons, both "right"
    feed.update(1 / 30)
    assert session.machine.presentations_ == trials + 3
    assert [line.split(", ")[0].split(": ")[1] for line in session.view().teletype[-2:]] == \
        ["card RIGHT", "card RIGHT"]
    assert feed.lessons == 3 and feed.presses == 3


def test_train_teaches_the_label_last_taught_on_the_rigs_picture_even_over_a_drawing():
    session, link = Session(), FakeLink()
    feed = RigFeed(link=link, session=session)
    link.put(marked("right"))
    feed.update(1 / 30)
    link.press("RIGHT")
    feed.update(1 / 30)
    session.paint(10, 10, 1.0)           # someone draws on the screen: the drawing is on the eye
    assert session.view().card_origin == "drawing"
    feed.update(1 / 30)                  # the rig's picture did not change: the drawing stays
    assert session.view().card_origin == "drawing"
    link.press("TRAIN")
    feed.update(1 / 30)
    v = session.view()
    assert v.card_origin == "rig" and lit_columns(session) == [15, 16, 17, 18, 19]
    assert v.teletype[-1].split(", ")[0].endswith("card RIGHT")


def test_with_more_classes_left_and_right_choose_and_train_teaches():
    session, link = Session(experiment="letters"), FakeLink()
    feed = RigFeed(link=link, session=session)
    link.put(marked("left"))
    feed.update(1 / 30)
    trials = session.machine.presentations_
    link.press("RIGHT", "RIGHT", "LEFT")  # A -> B -> C -> B
    feed.update(1 / 30)
    assert session.machine.presentations_ == trials
    assert feed.status().label == "B"
    link.press("LEFT", "LEFT")           # B -> A -> Z (round the end)
    feed.update(1 / 30)
    assert feed.status().label == "Z"
    link.press("TRAIN")
    feed.update(1 / 30)
    assert session.machine.presentations_ == trials + 1
    assert "card Z" in session.view().teletype[-1]


def test_the_rig_pauses_the_cards_and_lost_gives_the_eye_back():
    session, link = Session(), FakeLink()
    session.toggle_run()
    feed = RigFeed(link=link, session=session)
    link.put(marked("left"))
    feed.update(1 / 30)
    assert not session.view().running
    assert feed.detail_line() == "not calibrated; cards paused"
    assert feed.status_line() == "rig 8x8 connected, 78 fps"
    assert feed.help_line() == "LEFT/RIGHT teach; TRAIN: LEFT"
    link.status = "lost"
    feed.update(1 / 30)
    v = session.view()
    assert v.card_origin == "blank" and not v.card.any()
    assert v.running                     # the run the rig paused carries on
    assert feed.status_line() == "rig lost - on-screen retina"
    session.update(1.0)                  # the cards are dealt again, onto the on-screen retina
    assert session.view().card_origin == "card"
    link.status = "connected"
    link.put(marked("left"))             # the same picture as before the loss: shown all the same
    feed.update(1 / 30)
    v = session.view()
    assert v.card_origin == "rig" and lit_columns(session) == [0, 1, 2, 3, 4]
    assert not v.running


def test_small_changes_do_not_make_the_machine_look_again_big_ones_do():
    session, link = Session(), FakeLink()
    feed = RigFeed(link=link, session=session)
    link.put(marked("left"))
    feed.update(1 / 30)
    version = session.view().version
    noisy = marked("left").astype(int)
    noisy[3, 3] += int(CHANGE * 1023 * 0.5)  # half the threshold, on one cell
    link.put(noisy)
    feed.update(1 / 30)
    assert session.view().version == version
    link.put(marked("right"))
    feed.update(1 / 30)
    assert session.view().version != version


def test_a_host_calibration_is_used():
    session, link = Session(), FakeLink()
    C.save(C.Calibration(board_id=BOARD_ID, rows=8, cols=8, adc_bits=10,
                         dark=np.full((8, 8), 100, np.uint16), bright=np.full((8, 8), 600, np.uint16)))
    feed = RigFeed(link=link, session=session)
    link.put(marked("left", lit=600, dark=350))   # 350 is half way from 100 to 600
    feed.update(1 / 30)
    card = session.view().card
    assert card[:, :5] == pytest.approx(1.0)
    assert card[:, 5:] == pytest.approx(0.5)
    assert feed.status().calibration == "host"
    assert feed.detail_line() == "calibrated"


class CalLink(FakeLink):
    """A board that keeps its calibration: answers CAL_READ through wait_reply(timeout=0)."""

    def __init__(self, *, answer=True):
        super().__init__(hello(flags=P.FLAG_DARK_STORED | P.FLAG_BRIGHT_STORED))
        self.answer = answer
        self.after_polls = 2             # the answers come two polls later: the feed must not wait

    def mark(self):
        return len(self.replies)

    def send(self, m):
        self.sent.append(m)
        return True

    def wait_reply(self, want, *, since=None, timeout=1.0):
        assert timeout == 0
        if self.answer and self.polls >= self.after_polls:
            for m in self.sent:
                if isinstance(m, P.CalRead):
                    level = 200 if m.which == P.CAL_DARK else 700
                    reply = P.CalData(which=m.which, valid=1, values=np.full((8, 8), level, np.uint16))
                    if want(reply):
                        return reply
        return None


def test_the_boards_calibration_is_read_without_waiting_and_kept_on_the_host():
    session, link = Session(), CalLink()
    feed = RigFeed(link=link, session=session)
    link.put(marked("left", lit=700, dark=450))
    feed.update(1 / 30)
    assert feed.status().calibration == "reading"
    assert [m.which for m in link.sent] == [P.CAL_DARK, P.CAL_BRIGHT]
    assert session.view().card[0, 0] == pytest.approx(700 / 1023, abs=1e-4)   # full scale meanwhile
    link.put(marked("left", lit=700, dark=450))
    feed.update(1 / 30)
    assert feed.status().calibration == "board"
    card = session.view().card
    assert card[:, :5] == pytest.approx(1.0) and card[:, 5:] == pytest.approx(0.5)
    kept = C.load(BOARD_ID)
    assert kept is not None and int(kept.dark[0, 0]) == 200 and int(kept.bright[7, 7]) == 700


def test_a_board_that_does_not_answer_leaves_full_scale_after_the_wait():
    session, link = Session(), CalLink(answer=False)
    feed = RigFeed(link=link, session=session)
    for _ in range(10):
        feed.update(0.5)
    st = feed.status()
    assert st.calibration == "none" and st.calibration_note == "the board did not send its calibration"


def test_passive_feed_keeps_the_eye_but_buttons_teach_and_tell():
    session, link = Session(), FakeLink()
    told = []
    feed = RigFeed(link=link, session=session, on_input=told.append, active=False)
    session.deal()
    link.put(marked("left"))
    feed.update(1 / 30)
    assert session.view().card_origin == "card"
    link.press("LEFT")
    feed.update(1 / 30)
    assert told == ["touch", "teach"]
    feed.active = True
    link.put(marked("left"))
    feed.update(1 / 30)
    assert session.view().card_origin == "rig"


def test_lamp_test_overrides_the_answer_until_released():
    session, link = Session(), FakeLink()
    feed = RigFeed(link=link, session=session)
    feed.update(1 / 30)
    feed.lamp_test(0x80)
    feed.update(1 / 30)
    feed.lamp_test(None)
    feed.update(1 / 30)
    assert link.lamps == [0, 0x80, 0]


def test_no_rig():
    feed = RigFeed(link=None, session=Session())
    feed.update(1 / 30)
    assert feed.lines() == ("no rig", "", "") and feed.status().state == "none"


def test_the_feed_imports_neither_pygame_nor_serial():
    code = ("import sys, hardware.feed\n"
            "print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] in ('pygame', 'serial'))))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
