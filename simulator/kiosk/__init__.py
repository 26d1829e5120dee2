"""The museum kiosk: the Mark I as an unattended exhibit (its flow, config, status, counters and the
supervisor that keeps it running)."""
