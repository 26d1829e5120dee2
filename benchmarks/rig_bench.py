"""The simulated rig's frame rate against the limit the wire and the ADC set.

Run alone with ``python benchmarks/rig_bench.py [--seconds S] [--warm-up S] [--json]``.

For 8 x 8 (uno), 16 x 16 (mega, -DRIG_GRID_16) and 20 x 20 (mega), at 115,200 and 1,000,000
baud, the real firmware runs in simavr (firmware/sim/harness.c, simulated time kept to wall
time) and a host reads its FRAMEs over the pty with :class:`hardware.protocol.Decoder`.

* Measured: frames the board sent per second *of its own clock*: the frame numbers between two
  PONGs, over the difference of the PONGs' board_us. The board's clock is simulated time, so a
  busy computer that runs the simulation slower than real time does not lower the figure (the
  wall-clock rate is printed beside it, with the simulation's speed).
* Limit: :func:`hardware.protocol.frame_rate_limit` of the board's HELLO (frame size with COBS
  and CRC, baud rate, ADC clock, settle time), whichever of the wire and the scan is slower.
  simavr counts 11 bit-times per 8N1 byte where the wire takes 10 (about 9% slower), so the
  limit is printed for real hardware (10 bits a byte) and for simavr (11); the ratio is against
  simavr's, which is what the simulated board can reach. Target: at least 90%. (At 115,200
  baud the board's UBRR gives 117,647 baud, 2.1% fast, so a wire-bound ratio can pass 100%.)

Exit status 1 when a ratio is under 90%.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hardware import protocol as P  # noqa: E402
from hardware.simulate import SimulatedRig  # noqa: E402

TARGET = 0.90
CASES = [("uno", "8x8"), ("mega", "16x16"), ("mega", "20x20")]
BAUDS = [115200, 1000000]
GIVE_UP = 20.0
MIN_FRAMES = 100      # measure at least this many frames, however long it takes


class Host:
    """The host's end of the pty: pyserial and a Decoder; remembers what came, in order."""

    def __init__(self, port: str):
        import serial
        self.serial = serial.Serial(port, 115200, timeout=0.02, exclusive=True)
        self.decoder = P.Decoder()
        self.serial.write(b"\x00")

    def read(self) -> list:
        return self.decoder.feed(self.serial.read(max(1, self.serial.in_waiting)))

    def wait_for(self, kind, predicate=lambda m: True, *, keep: list | None = None):
        deadline = time.monotonic() + GIVE_UP
        while time.monotonic() < deadline:
            for m in self.read():
                if keep is not None:
                    keep.append((time.monotonic(), m))
                if isinstance(m, kind) and predicate(m):
                    return m
        raise RuntimeError(f"no {kind.__name__} from the simulated board in {GIVE_UP:.0f} s")

    def hello(self) -> P.Hello:
        deadline = time.monotonic() + GIVE_UP
        while time.monotonic() < deadline:
            self.serial.write(P.encode(P.HelloRequest()))
            t = time.monotonic()
            while time.monotonic() - t < 0.5:
                for m in self.read():
                    if isinstance(m, P.Hello):
                        return m
        raise RuntimeError("no HELLO from the simulated board")


def measure(board: str, grid: str, baud: int, *, seconds: float, warm_up: float) -> dict:
    with SimulatedRig(board=board, grid=grid, baud=baud) as rig:
        host = Host(rig.port)
        hello = host.hello()
        t_end = time.monotonic() + warm_up
        while time.monotonic() < t_end:
            host.read()
        token = 1
        host.serial.write(P.encode(P.Ping(token=token)))
        first = host.wait_for(P.Pong, lambda m: m.token == token)
        wall0 = time.monotonic()
        seen: list = []
        n_frames = 0
        while True:
            got = host.read()
            now = time.monotonic()
            seen.extend((now, m) for m in got)
            n_frames += sum(isinstance(m, P.Frame) for m in got)
            if now - wall0 >= seconds and n_frames >= MIN_FRAMES:
                break
            if now - wall0 > seconds + GIVE_UP:
                raise RuntimeError(f"{board} {grid} at {baud}: {n_frames} frames in {now - wall0:.0f} s")
        token = 2
        host.serial.write(P.encode(P.Ping(token=token)))
        last = host.wait_for(P.Pong, lambda m: m.token == token, keep=seen)
        wall1 = time.monotonic()
        stats = host.decoder.stats
    frames = [m for _, m in seen if isinstance(m, P.Frame)]
    # frames numbered between the two PONGs (a frame number counts a scan that was sent)
    span = (frames[-1].frame_no - frames[0].frame_no) % 65536
    lost = span + 1 - len(frames)
    board_s = ((last.board_us - first.board_us) % 2**32) / 1e6
    limit10 = P.frame_rate_limit(hello, bits_per_byte=10)
    limit11 = P.frame_rate_limit(hello, bits_per_byte=11)
    fps = (span + 1) / board_s
    return {
        "board": board, "grid": grid, "baud": baud, "frames": len(frames), "lost_on_host": lost,
        "board_seconds": board_s, "wall_seconds": wall1 - wall0, "fps": fps,
        "fps_wall": len(frames) / (wall1 - wall0), "sim_speed": board_s / (wall1 - wall0),
        "limit_real": limit10.fps, "bound_real": limit10.bound,
        "limit_simavr": limit11.fps, "bound_simavr": limit11.bound,
        "wire_bytes": limit10.wire_bytes, "ratio": fps / limit11.fps,
        "decoder_dropped": stats.dropped,
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=5.0, help="measured seconds per case (default 5)")
    ap.add_argument("--warm-up", type=float, default=1.0, help="seconds before measuring (default 1)")
    ap.add_argument("--json", action="store_true", help="one JSON object instead of the table")
    args = ap.parse_args(argv)
    rows = []
    if not args.json:
        print("rig frame rate in simavr (firmware/sim), per second of the board's own clock; limit from "
              "frame_rate_limit(HELLO)")
        print(f"{'grid':>5} {'board':>4} {'baud':>9} {'frames/s':>9} | {'limit real 10 b/B':>18} | "
              f"{'limit simavr 11 b/B':>20} | {'ratio*':>6}  {'wall f/s':>8} {'sim speed':>9} {'lost':>4}")
    for board, grid in CASES:
        for baud in BAUDS:
            r = measure(board, grid, baud, seconds=args.seconds, warm_up=args.warm_up)
            rows.append(r)
            if not args.json:
                print(f"{grid:>5} {board:>4} {baud:>9,} {r['fps']:9.1f} | {r['limit_real']:9.1f} "
                      f"({r['bound_real']:>4}) | {r['limit_simavr']:10.1f} ({r['bound_simavr']:>4}) | "
                      f"{r['ratio']:6.1%}  "
                      f"{r['fps_wall']:8.1f} {r['sim_speed']:9.3f} {r['lost_on_host']:4d}", flush=True)
    ok = all(r["ratio"] >= TARGET for r in rows)
    if args.json:
        print(json.dumps({"target": TARGET, "ok": ok, "cases": rows}))
    else:
        print(f"* ratio: measured / simavr's limit (11 bit-times a byte); target >= {TARGET:.0%}: "
              f"{'met' if ok else 'NOT met'}. wire/scan: which bound sets the limit. lost: frames the "
              "host missed.")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
