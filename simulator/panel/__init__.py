"""The front panel: the Mark I drawn with pygame-ce (imports pygame; the machine does not)."""

import os

# pygame prints a banner on import; a museum terminal or a test log has no use for it
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
