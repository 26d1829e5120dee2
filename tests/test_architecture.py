"""The machine imports no display and no serial code: the panel, kiosk and rig read it."""

import subprocess
import sys

MODEL_MODULES = ["simulator", "simulator.machine", "simulator.experiments", "simulator.learning",
                 "simulator.cards", "simulator.session", "simulator.statefile", "simulator.charts",
                 "simulator.lecture.contrast", "simulator.lecture.lab", "simulator.cli",
                 "simulator.kiosk.supervisor", "simulator.kiosk.heartbeat", "simulator.kiosk.logs",
                 "simulator.input", "simulator.kiosk.config", "simulator.kiosk.flow",
                 "simulator.kiosk.status", "simulator.kiosk.counters", "simulator.kiosk.pin",
                 "simulator.kiosk.captions", "simulator.kernels", "simulator.compiled",
                 # the rig's host side: only hardware.link (and the commands that use it, when
                 # they run) opens a serial port
                 "hardware", "hardware.protocol", "hardware.feed", "hardware.retina_map",
                 "hardware.calibration", "hardware.simulate", "hardware.ports", "hardware.commands",
                 "hardware.wiring"]


def test_model_imports_neither_pygame_nor_serial():
    code = ("import sys\n"
            f"for name in {MODEL_MODULES!r}:\n"
            "    __import__(name)\n"
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('pygame', 'serial'))\n"
            "print(' '.join(bad))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"model code pulled in: {out.stdout}"
