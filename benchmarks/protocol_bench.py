"""The rig protocol's Python decoder: a million random bytes, and a stream of 20 x 20 frames.

Run alone with ``python benchmarks/protocol_bench.py [--bytes N] [--frames N] [--json]``.

* Garbage: ``--bytes`` (1,000,000) bytes from a seeded generator fed to one
  :class:`hardware.protocol.Decoder` in 4 KB reads (what a serial port's reader hands over),
  timed; every exception is caught and counted (there must be none), and the drop counters are
  printed. Then the same bytes one per ``feed()`` call (a reader that hands over single bytes:
  the decoder's worst case), whose counters must be the same. The issue's target: under 10 s,
  each.
* Frames: ``--frames`` (2,000) valid 20 x 20 ``FRAME`` messages (random 10-bit values, so about
  half their bytes are not zero), encoded beforehand and decoded in the same 4 KB reads; frames
  per second, and whether every one came back.

Exit status 1 when an exception was raised, a frame was lost, or the garbage missed 10 s.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hardware import protocol as P  # noqa: E402

TARGET_S = 10.0
READ = 4096  # bytes per feed() call


def bench_garbage(n_bytes: int, *, read: int = READ, seed: int = 9) -> dict:
    data = np.random.default_rng(seed).integers(0, 256, n_bytes, dtype=np.uint8).tobytes()
    decoder = P.Decoder()
    exceptions = messages = max_pending = 0
    t0 = time.perf_counter()
    for i in range(0, n_bytes, read):
        try:
            messages += len(decoder.feed(data[i:i + read]))
        except Exception:  # counted: the figure that must be zero
            exceptions += 1
        max_pending = max(max_pending, decoder.pending)
    elapsed = time.perf_counter() - t0
    stats = decoder.stats
    return {"bytes": n_bytes, "read": read, "seconds": elapsed, "bytes_per_s": n_bytes / elapsed,
            "exceptions": exceptions, "messages": messages, "max_pending": max_pending,
            "stats": {k: getattr(stats, k) for k in
                      ("packets", "oversize", "cobs", "short", "crc", "unknown_type", "length")}}


def bench_frames(n_frames: int, *, seed: int = 10) -> dict:
    rng = np.random.default_rng(seed)
    frames = [P.Frame(frame_no=i % 65536, values=rng.integers(0, 1024, (20, 20), dtype=np.uint16))
              for i in range(n_frames)]
    stream = b"".join(P.encode(f) for f in frames)
    decoder = P.Decoder()
    got = []
    t0 = time.perf_counter()
    for i in range(0, len(stream), READ):
        got += decoder.feed(stream[i:i + READ])
    elapsed = time.perf_counter() - t0
    intact = len(got) == n_frames and all(a == b for a, b in zip(got, frames))
    return {"frames": n_frames, "bytes": len(stream), "seconds": elapsed, "frames_per_s": n_frames / elapsed,
            "bytes_per_s": len(stream) / elapsed, "all_decoded": intact}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bytes", type=int, default=1_000_000, help="random bytes to decode")
    parser.add_argument("--frames", type=int, default=2000, help="20 x 20 frames to decode")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of rows")
    args = parser.parse_args(argv)

    garbage = bench_garbage(args.bytes)
    bytewise = bench_garbage(args.bytes, read=1)
    frames = bench_frames(args.frames)
    ok = (all(g["exceptions"] == 0 and g["seconds"] < TARGET_S and g["max_pending"] <= P.MAX_ENCODED
              for g in (garbage, bytewise))
          and bytewise["stats"] == garbage["stats"] and frames["all_decoded"])
    if args.json:
        print(json.dumps({"garbage": garbage, "garbage_bytewise": bytewise, "frames": frames, "ok": ok}))
    else:
        for g in (garbage, bytewise):
            print(f"protocol: {g['bytes']:,} random bytes, {g['read']:,} a feed(), decoded in "
                  f"{g['seconds']:.3f} s ({g['bytes_per_s'] / 1e6:.2f} MB/s; target < {TARGET_S:.0f} s), "
                  f"exceptions {g['exceptions']}, most bytes held {g['max_pending']}")
        s = garbage["stats"]
        print(f"protocol: dropped: oversize {s['oversize']}, cobs {s['cobs']}, short {s['short']}, "
              f"crc {s['crc']}, unknown_type {s['unknown_type']}, length {s['length']}; "
              f"accepted {s['packets']} (the same fed byte by byte: {bytewise['stats'] == s})")
        print(f"protocol: {frames['frames']:,} 20 x 20 FRAMEs ({frames['bytes']:,} bytes) decoded in "
              f"{frames['seconds']:.3f} s: {frames['frames_per_s']:,.0f} frames/s "
              f"({frames['bytes_per_s'] / 1e6:.2f} MB/s), all back: {frames['all_decoded']}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
