"""The sketch as the Arduino IDE builds it (firmware/arduino/arduino.mk) runs, not only links.

`make -C firmware arduino-check-BOARD` compiles the sketch folder the IDE's way against the real
Arduino core (Debian's arduino-core-avr), so the core's init(), its timer-0 interrupt and its
main() are all in the program. Here that ELF runs in the simavr harness (firmware/sim) and
answers as the avr-gcc build does: HELLO, frames that follow the light, PONG, lamps.
"""

import contextlib
import fcntl
import select
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
import serial
from conftest import require_packages

from hardware import protocol, simulate

CORE = Path("/usr/share/arduino/hardware/arduino/avr/cores/arduino/Arduino.h")
GIVE_UP = 20.0   # seconds: a limit on waiting, not a measurement


def require_arduino_core():
    require_packages([] if CORE.is_file() else ["arduino-core-avr"],
                     "sudo apt-get install -y arduino-core-avr")


@contextlib.contextmanager
def build_lock():
    """The lock hardware.simulate holds while it builds in build/firmware: one make at a time."""
    simulate.BUILD_DIR.mkdir(parents=True, exist_ok=True)
    with open(simulate.BUILD_DIR / ".simulate-build.lock", "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


@pytest.mark.parametrize("board,rows,cols", [("uno", 8, 8), ("mega", 20, 20)])
def test_the_ide_build_runs_in_simavr(board, rows, cols):
    require_arduino_core()
    simulate.check_packages()
    harness_cmd = simulate.build(board)            # the harness (and the avr-gcc build)
    with build_lock():
        done = subprocess.run(["make", "--no-print-directory", "-C", str(simulate.FIRMWARE_DIR),
                               f"arduino-check-{board}"], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    elf = simulate.BUILD_DIR / "arduino" / board / "mark1_rig.ino.elf"
    proc = subprocess.Popen([harness_cmd[0], str(elf)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    port = None
    try:
        path = proc.stdout.readline().strip()
        assert path.startswith("/dev/"), (path, proc.stderr.read() if proc.poll() is not None else "")
        # a ramp of light: cell i gets 100 + 4000 i / (n - 1) millivolts
        n = rows * cols
        mv = 100 + 4000 * np.arange(n) // (n - 1)
        proc.stdin.write("light " + " ".join(map(str, mv)) + "\n")
        proc.stdin.flush()
        port = serial.Serial(path, 115200, timeout=0.1)
        decoder = protocol.Decoder()

        def ask(message, answer):
            if message is not None:
                port.write(b"\0" + protocol.encode(message))
            end = time.monotonic() + GIVE_UP
            while time.monotonic() < end:
                for m in decoder.feed(port.read(4096)):
                    if isinstance(m, answer):
                        return m
            pytest.fail(f"no {answer.__name__} from the IDE build within {GIVE_UP:.0f} s")

        hello = ask(protocol.HelloRequest(), protocol.Hello)
        assert (hello.rows, hello.cols) == (rows, cols)
        assert hello.board == (protocol.BOARD_ATMEGA328P if board == "uno" else protocol.BOARD_ATMEGA2560)
        ask(None, protocol.Frame)                  # one that may have begun before the light
        frame = ask(None, protocol.Frame)
        # the ADC's transfer function (datasheet): counts = Vin * 1024 / Vref, Vref = AVcc = 5 V
        expected = mv * 1024 // 5000
        assert np.abs(frame.values.ravel().astype(int) - expected).max() <= 2, frame.values
        pong = ask(protocol.Ping(token=0x1234ABCD), protocol.Pong)
        assert pong.token == 0x1234ABCD
        port.write(b"\0" + protocol.encode(protocol.Lamps(mask=0xA5)))
        end = time.monotonic() + GIVE_UP
        while time.monotonic() < end:
            if select.select([proc.stdout], [], [], 0.2)[0]:
                if proc.stdout.readline().strip().lower() == "lamps 0xa5":
                    break
        else:
            pytest.fail("the harness never showed the lamps 0xa5")
        assert decoder.stats.dropped == 0, decoder.stats
    finally:
        if port is not None:
            port.close()
        proc.kill()
        proc.wait(timeout=10)
