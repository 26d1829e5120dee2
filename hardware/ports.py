"""Which serial ports may have a rig on them: USB Arduinos and the usual USB-serial chips.

:func:`candidates` lists the ports ``serial.tools.list_ports`` sees whose USB VID:PID is in
:data:`KNOWN_CHIPS`, each with its ``/dev/serial/by-id/`` link when there is one (that name
stays the same when the board comes back under another ``/dev/ttyACMn``). Whether a rig really
answers on one is the handshake's business (:mod:`hardware.link`).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

#: (VID, PID or None for any of the vendor's) -> what it is. Arduino's own boards use their
#: vendor's id for every model; clones carry a USB-serial chip instead.
KNOWN_CHIPS: dict[tuple[int, int | None], str] = {
    (0x2341, None): "Arduino",
    (0x2A03, None): "Arduino (arduino.org)",
    (0x1A86, 0x7523): "CH340",
    (0x1A86, 0x5523): "CH341",
    (0x1A86, 0x55D4): "CH9102",
    (0x0403, 0x6001): "FTDI FT232R",
    (0x0403, 0x6015): "FTDI FT231X",
    (0x10C4, 0xEA60): "Silicon Labs CP210x",
    (0x1B4F, None): "SparkFun",
    (0x239A, None): "Adafruit",
}

BY_ID_DIR = Path("/dev/serial/by-id")


@dataclass(frozen=True, kw_only=True)
class Candidate:
    """A serial port that may have a rig on it.

    Attributes
    ----------
    device : str
        The device path (``/dev/ttyACM0``).
    by_id : str or None
        Its ``/dev/serial/by-id/...`` link, when udev made one.
    serial_number : str or None
        The USB serial number (names the adapter, so the board across replugs).
    description : str
        What the system calls it.
    vid, pid : int
        USB vendor and product id.
    chip : str
        What :data:`KNOWN_CHIPS` calls it.
    """

    device: str
    by_id: str | None
    serial_number: str | None
    description: str
    vid: int
    pid: int
    chip: str

    @property
    def usb_id(self) -> str:
        """``"VVVV:PPPP"`` in hex, as lsusb shows it."""
        return f"{self.vid:04x}:{self.pid:04x}"

    @property
    def path(self) -> str:
        """The name to open: the by-id link when there is one (it survives replugs), else the device."""
        return self.by_id or self.device


def chip_name(vid: int | None, pid: int | None) -> str | None:
    """What the USB id is, from :data:`KNOWN_CHIPS`; None for a device no rig is built on."""
    if vid is None:
        return None
    return KNOWN_CHIPS.get((vid, pid)) or KNOWN_CHIPS.get((vid, None))


def by_id_links(folder: Path = BY_ID_DIR) -> dict[str, str]:
    """The real device path -> its ``/dev/serial/by-id/`` link (empty where there is none)."""
    links: dict[str, str] = {}
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return links
    for name in names:
        link = folder / name
        links.setdefault(os.path.realpath(link), str(link))
    return links


def _comports():
    from serial.tools import list_ports  # only here: the rest of the module needs no pyserial
    return list_ports.comports()


def candidates(*, comports=None, by_id_dir: Path = BY_ID_DIR) -> list[Candidate]:
    """The ports whose USB id is a known Arduino or USB-serial chip, sorted by device.

    Parameters
    ----------
    comports : callable, optional
        Returns what ``serial.tools.list_ports.comports()`` returns (tests pass their own).
    by_id_dir : Path
        Where udev's by-id links are.
    """
    links = by_id_links(by_id_dir)
    found = []
    for info in (comports or _comports)():
        chip = chip_name(getattr(info, "vid", None), getattr(info, "pid", None))
        if chip is None:
            continue
        device = info.device
        found.append(Candidate(device=device, by_id=links.get(os.path.realpath(device)),
                               serial_number=getattr(info, "serial_number", None) or None,
                               description=getattr(info, "description", "") or "",
                               vid=info.vid, pid=info.pid, chip=chip))
    return sorted(found, key=lambda c: c.device)


def describe(path: str, *, comports=None, by_id_dir: Path = BY_ID_DIR) -> Candidate | None:
    """The candidate that ``path`` (a device or a by-id link) names, or None (not USB, or not known)."""
    real = os.path.realpath(path)
    for c in candidates(comports=comports, by_id_dir=by_id_dir):
        if os.path.realpath(c.device) == real or c.by_id == path:
            return c
    return None
