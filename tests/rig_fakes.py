"""A fake rig board on a pty pair, for the bridge's tests (not a test module itself).

The board is the master side of a pty this process drives, writing messages with
:func:`hardware.protocol.encode` (an independent encoder: the bridge only decodes) and raw bytes
for faults; the host opens the slave side's path as it opens a USB serial port.
"""

from __future__ import annotations

import os
import pty
import random
import select
import threading
import time
import tty

import numpy as np

from hardware import protocol as P

GIVE_UP = 10.0
BOARD_ID = 0x1234ABCD


def _hello(*, board_id=BOARD_ID, major=P.PROTO_MAJOR, minor=P.PROTO_MINOR, rows=8, cols=8) -> P.Hello:
    return P.Hello(proto_major=major, proto_minor=minor, fw_major=0, fw_minor=1, fw_patch=0,
                   board=P.BOARD_NATIVE, rows=rows, cols=cols, adc_bits=10, flags=0, board_id=board_id,
                   baud=115200, adc_clock_khz=125, settle_us=20, settles_per_frame=16)


def _frame(no: int, rows=8, cols=8, fill=None) -> P.Frame:
    values = np.full((rows, cols), no % 1000 if fill is None else fill, dtype=np.uint16)
    return P.Frame(frame_no=no & 0xFFFF, values=values)


class FakeBoard:
    """A rig on the master side of a pty: answers HELLO_REQ and PING, records what the host sends,
    streams 8x8 frames every ``period`` seconds while ``streaming`` is set."""

    def __init__(self, *, board_id=BOARD_ID, hello: bytes | None = None, answer=True, stream=True,
                 period=0.005, garbage=False):
        self.master, self.slave = pty.openpty()
        tty.setraw(self.slave)            # no echo, no line editing: a serial line, not a terminal
        os.set_blocking(self.master, False)
        self.path = os.ttyname(self.slave)
        self.hello = hello if hello is not None else P.encode(_hello(board_id=board_id))
        self.answer = answer
        self.garbage = garbage
        self.period = period
        self.streaming = threading.Event()
        if stream:
            self.streaming.set()
        self.received: list = []
        self.decoder = P.Decoder()
        self.frame_no = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="fake-board", daemon=True)
        self._thread.start()

    def write(self, data: bytes) -> None:
        with self._lock:
            view = memoryview(data)
            while view and not self._stop.is_set():
                try:
                    n = os.write(self.master, view)
                    view = view[n:]
                except BlockingIOError:
                    time.sleep(0.001)   # the host is not reading yet: wait, as a UART would
                except OSError:
                    return

    def _run(self) -> None:
        rng = random.Random(7)
        next_frame = time.monotonic()
        while not self._stop.is_set():
            try:
                ready, _, _ = select.select([self.master], [], [], 0.002)
            except OSError:
                return   # the test closed the port under this thread (an unplug): the board is gone
            if ready:
                try:
                    data = os.read(self.master, 4096)
                except OSError:
                    data = b""  # no host has the slave open right now
                for m in self.decoder.feed(data):
                    self.received.append(m)
                    if not self.answer:
                        continue
                    if isinstance(m, P.HelloRequest):
                        self.write(self.hello)
                    elif isinstance(m, P.Ping):
                        self.write(P.encode(P.Pong(token=m.token, board_us=123)))
                    elif isinstance(m, P.Stream):
                        pass  # the test decides when this board streams
            if self.garbage:
                self.write(bytes(rng.randrange(256) for _ in range(64)))
            if self.streaming.is_set() and time.monotonic() >= next_frame:
                self.write(P.encode(_frame(self.frame_no)))
                self.frame_no += 1
                next_frame = time.monotonic() + self.period

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=GIVE_UP)

    def unplug(self, *, midframe=True) -> None:
        """Stop, send half a frame, and close both ends: the host's next read fails."""
        self.stop()
        if midframe:
            half = P.encode(_frame(999))[:60]
            os.write(self.master, half)
        os.close(self.master)
        os.close(self.slave)

    def close(self) -> None:
        self.stop()
        for fd in (self.master, self.slave):
            try:
                os.close(fd)
            except OSError:
                pass
