"""The front panel: the Mark I drawn with pygame-ce (imports pygame; the machine does not)."""
