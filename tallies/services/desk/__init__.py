"""The coordinator's review desk: decisions on copies that never change what an observer sent.

Every service here runs in one transaction, checks that the acting user coordinates the copy's
organisation (within their territory, if any), schedules the station's tally when its
contribution may change (tallies.services.touch_station) and appends an audit entry
(observers.services.audit) with before → after and the reason. Copies sent as photos only are
transcribed here too (transcription.py).
"""

from tallies.services.desk.entry import blind_entry, blind_entry_of, confirm_blind_entry, phone_in
from tallies.services.desk.lines import accept_copy, resolve_conflict, verify_line
from tallies.services.desk.quarantine import quarantine, release
from tallies.services.desk.scope import authorize
from tallies.services.desk.transcription import settle_transcription, transcribe_photo_copy

__all__ = [
    "accept_copy",
    "authorize",
    "blind_entry",
    "blind_entry_of",
    "confirm_blind_entry",
    "phone_in",
    "quarantine",
    "release",
    "resolve_conflict",
    "settle_transcription",
    "transcribe_photo_copy",
    "verify_line",
]
