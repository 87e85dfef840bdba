"""The status bar says when sending stopped at an event the server refused for good (not
"offline": waiting will not help), in the seller's language."""

import pytest

from coopos.i18n import set_language
from coopos.services.sync import SyncState


@pytest.mark.parametrize(
    ("language", "words"),
    [("en", "Sending stopped"), ("fr", "Envoi arrêté"), ("ar", "توقف الإرسال"), ("zgh", "ⵉⵃⴱⵙ")],
)
def test_a_refused_event_is_not_shown_as_offline(qapp, language, words):
    from ui.sync_status import describe

    state = SyncState(True, "https://pos.example.ma", 7, "", "refused", stopped_at=3)
    set_language(language)
    try:
        text, warning = describe(state)
        offline, _warning = describe(SyncState(True, "https://pos.example.ma", 7, "", "down"))
    finally:
        set_language("en")
    assert warning and words in text and "7" in text
    assert words not in offline
