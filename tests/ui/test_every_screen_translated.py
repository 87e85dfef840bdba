"""Every visible text of the seller's screens, dialogs, login and lock is in the seller's
language: a walk through the till in Arabic, French and Tamazight (tests/ui/walker.py)."""

from __future__ import annotations

import pytest

from tests.ui.walker import TOUR, Walker, first_run, prepare

LANGUAGES = ("ar", "fr", "zgh")


@pytest.fixture
def till(qapp, qtbot, demo, tmp_path):
    """The demo shop's window in a language, with a receipt printer that is unplugged."""
    from ui.app import apply_language
    from ui.main_window import MainWindow
    from ui.session import AppSession

    sessions, windows = [], []  # kept: the windows live until the test ends

    def start(ctx, language: str) -> MainWindow:
        if ctx is demo:
            prepare(demo, language, tmp_path / "unplugged" / "lp0")
        apply_language(qapp, language)
        session = AppSession(ctx)
        sessions.append(session)
        window = MainWindow(session)
        windows.append(window)
        qtbot.addWidget(window)
        window.show()
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow)
        return window

    yield start
    for session in sessions:
        session.bridge.close()
    apply_language(qapp, "en")


def _report(walker: Walker, language: str) -> str:
    return f"{len(walker.problems)} texts are not in {language}:\n" + "\n".join(walker.problems)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_seller_screen_is_in_the_language(till, qtbot, demo, language):
    till(demo, language)
    walker = Walker.on(qtbot, demo, language)
    walker.walk(TOUR)
    assert {seen.split(": ")[0] for seen in walker.looked} == {stop.name for stop in TOUR}
    assert not walker.problems, _report(walker, language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_first_run_wizard_is_in_the_language_chosen(till, qtbot, tmp_path, language):
    from coopos.services.context import Context
    from ui.screens.first_run import LANGUAGES as ENDONYMS

    ctx = Context.open(tmp_path / "new.db")
    try:
        till(ctx, "fr")
        # each language is named in its own in the list, so that anyone finds theirs
        walker = Walker.on(qtbot, ctx, language, *(name for _code, name in ENDONYMS))
        walker.walk(first_run(language))
        assert len(walker.looked) == 1
        assert not walker.problems, _report(walker, language)
    finally:
        ctx.close()
