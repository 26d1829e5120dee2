"""The kiosk's screens, one scene each (see :mod:`simulator.panel.scene`): the attract loop, the
visitor's turn and the countdown here; the staff PIN, the staff screen and the out-of-order card
in their own modules. :mod:`.parts` draws what they share, at sizes read from two metres."""
