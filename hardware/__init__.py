"""The sensor rig's host side: the protocol codec, the simulated board, and (next) the bridge.

Builders' documentation is in ``hardware/README.md``; the wire protocol in
``firmware/PROTOCOL.md``. Nothing here is imported by the machine (``simulator``): the rig
reads the machine, never the other way round.
"""
