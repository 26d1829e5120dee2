"""The kiosk's screens, one scene (:class:`simulator.panel.scene.Scene`) per module."""
