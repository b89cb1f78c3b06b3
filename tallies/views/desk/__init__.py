"""The coordinator's review desk: queues, a station's copies side by side, and the desk's actions.

Thin: the organisation and territory come from observers.access (403 for anyone who coordinates
none; another organisation's copies and stations are 404), reads from tallies.selectors.desk,
every write from tallies.services.desk, whose FieldError is shown as a message. Nothing here
changes a copy: actions add quarantines, verifications, resolutions and copies.
"""
