"""A seller at the keyboard, for the UI tests.

A keyboard and a USB barcode scanner send keys to one place only: the focused widget of
the active window (or of the modal dialog in front of it).  This helper does the same,
through the window system (``QTest.sendKeyEvent`` on the window's ``QWindow``), so that
shortcuts, default buttons and focus changes behave as on a real till.  It never sets a
widget's text and never clicks a widget found by name; touch tests may click.

Steps run one after another from the event loop, so a key that opens a modal dialog
(Pay, a manager's PIN, the receipt question) is followed by the next step inside that
dialog, as a person would go on typing::

    seller = Seller(qtbot)
    seller.do("1111", ENTER)                       # PIN, Enter
    seller.do(*scan("6111042001017"), F12, "600", ENTER, expect("afterSaleDialog"), ENTER)

A step is a ``str`` (typed character by character), a :class:`Press` (a key with its
modifiers, e.g. ``press("Ctrl+Z")``), an :class:`Expect` (wait until that window is in
front, so a scanner does not type into a dialog that is still opening) or any callable
(a check, or a touch).  A ``do()`` must not leave a dialog open that it opened: the test
would hang, so the helper closes it and fails instead.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import shiboken6
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QWidget

# What a scanner programmed for a US layout types on a French AZERTY keyboard (digits are
# shifted there, A/Q and Z/W swapped, M moved, "-" is the ")" key), on a Belgian AZERTY
# keyboard, and the digits an Arabic keyboard or phone layout sends.
AZERTY_DIGITS = str.maketrans("1234567890", "&é\"'(-è_çà")
_AZERTY_LETTERS = {"a": "q", "q": "a", "z": "w", "w": "z", "m": ",", "-": ")"}
AZERTY = str.maketrans(
    {
        **{k: v for k, v in zip("1234567890", "&é\"'(-è_çà", strict=True)},
        **_AZERTY_LETTERS,
        **{k.upper(): v.upper() for k, v in _AZERTY_LETTERS.items() if k.isalpha()},
        "M": "?",
    }
)
BELGIAN = str.maketrans(
    {
        **{k: v for k, v in zip("1234567890", "&é\"'(§è!çà", strict=True)},
        **_AZERTY_LETTERS,
        **{k.upper(): v.upper() for k, v in _AZERTY_LETTERS.items() if k.isalpha()},
        "M": "?",
    }
)
ARABIC_INDIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
LAYOUTS = {
    "us": str.maketrans("", ""),
    "azerty": AZERTY,
    "belgian": BELGIAN,
    "arabic": ARABIC_INDIC_DIGITS,
    "persian": PERSIAN_DIGITS,
}


@dataclass(frozen=True)
class Press:
    """One key stroke, written as Qt writes shortcuts: ``"F12"``, ``"Ctrl+Z"``, ``"Return"``."""

    keys: str

    def combination(self):
        sequence = QKeySequence(self.keys)
        assert sequence.count() == 1, f"one key at a time, not {self.keys!r}"
        return sequence[0]


@dataclass(frozen=True)
class Expect:
    """Wait until the window in front (modal dialog or active window) has this objectName."""

    name: str
    timeout_ms: int = 5000


def press(keys: str) -> Press:
    return Press(keys)


def expect(name: str, timeout_ms: int = 5000) -> Expect:
    return Expect(name, timeout_ms)


ENTER = Press("Return")
ESCAPE = Press("Escape")
TAB = Press("Tab")
BACKTAB = Press("Shift+Tab")
UP, DOWN = Press("Up"), Press("Down")
BACKSPACE = Press("Backspace")
F1, F2, F4, F6, F8, F12 = (Press(f"F{n}") for n in (1, 2, 4, 6, 8, 12))


def scan(code: str, layout: str = "us") -> list:
    """What a USB scanner sends for ``code``: its characters as the keyboard layout turns
    them, then Enter."""
    return [code.translate(LAYOUTS[layout]), ENTER]


def front_window() -> QWidget | None:
    """The window that gets the keyboard: the modal dialog in front, else the active one."""
    return QApplication.activeModalWidget() or QApplication.activeWindow()


def focused() -> QWidget | None:
    """``QApplication.focusWidget()`` when it belongs to the window in front."""
    window = front_window()
    widget = QApplication.focusWidget()
    if window is None or widget is None or widget.window() is not window:
        return None
    return widget


def _key_for(ch: str) -> Qt.Key:
    if "0" <= ch <= "9":
        return Qt.Key(Qt.Key.Key_0.value + int(ch))
    try:
        return Qt.Key(ord(ch.upper()))  # Qt's key codes are the upper-case code points
    except ValueError:  # no key of its own (Arabic digits...): the text is what counts
        return Qt.Key.Key_unknown


class Seller:
    def __init__(self, qtbot, pause_ms: int = 1):
        self.qtbot = qtbot
        self.pause_ms = pause_ms
        self._seen: list[QWidget] = []  # the windows that had the keyboard, oldest first

    # -- what the seller sees ----------------------------------------------------------------
    @staticmethod
    def window() -> QWidget | None:
        return front_window()

    @staticmethod
    def focus() -> QWidget | None:
        return focused()

    def front(self) -> QWidget | None:
        """The window in front; after a dialog closed, the one behind it gets the keyboard
        back first, as under a window manager."""
        return front_window() or self._reactivate()

    # -- acting --------------------------------------------------------------------------------
    def do(self, *steps, timeout_ms: int = 15000) -> None:
        """Run the steps in order; returns when all ran and no dialog they opened is left."""
        queue = list(_flatten(steps))
        state: dict = {"error": None, "done": False, "waiting_since": None}
        modals_before = _open_modals()
        # The modal dialogs open when each running step began.  QTest processes events
        # after every key, so a step can be re-entered while the previous one still types.
        running: list[set[QDialog]] = []

        def finish(error: BaseException | None = None) -> None:
            if error is not None and state["error"] is None:
                state["error"] = error
            state["done"] = True
            for dialog in _open_modals() - modals_before:
                dialog.reject()  # unblock the exec() that would otherwise never return

        def step() -> None:
            if state["done"]:
                return
            if running and not (_open_modals() - running[-1]):
                QTimer.singleShot(self.pause_ms, step)  # the running step is still typing
                return
            if not queue:
                left = _open_modals() - modals_before
                if left:
                    names = ", ".join(sorted(d.objectName() or type(d).__name__ for d in left))
                    finish(AssertionError(f"the steps left a dialog open: {names}"))
                else:
                    state["done"] = True
                return
            action = queue[0]
            if isinstance(action, Expect):
                window = front_window()
                if window is not None and window.objectName() == action.name:
                    queue.pop(0)
                else:
                    since = state["waiting_since"] or time.monotonic()
                    state["waiting_since"] = since
                    if (time.monotonic() - since) * 1000 > action.timeout_ms:
                        shown = window.objectName() if window is not None else None
                        finish(AssertionError(f"{action.name} never came; in front: {shown}"))
                        return
                QTimer.singleShot(5, step)
                return
            state["waiting_since"] = None
            queue.pop(0)
            # The next step is scheduled first: this one may open a modal dialog and block
            # in its exec(), and the next step must then run inside that dialog's loop.
            QTimer.singleShot(self.pause_ms, step)
            running.append(_open_modals())
            try:
                self._perform(action)
            except BaseException as exc:  # an assertion inside a dialog: stop cleanly
                finish(exc)
            finally:
                running.pop()

        QTimer.singleShot(0, step)
        self.qtbot.waitUntil(lambda: state["done"], timeout=timeout_ms)
        if state["error"] is not None:
            raise state["error"]

    def type(self, text: str) -> None:
        self.do(text)

    def press(self, keys: str) -> None:
        self.do(Press(keys))

    def scan(self, code: str, layout: str = "us") -> None:
        self.do(*scan(code, layout))

    def touch(self, widget: QWidget) -> None:
        """A finger on a button: for touch tests only."""
        assert widget.isVisible() and widget.isEnabled(), f"{widget.objectName()} cannot be used"
        self.qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)

    # -- one step --------------------------------------------------------------------------------
    def _perform(self, action) -> None:
        if isinstance(action, str):
            for ch in action:
                self._send(_key_for(ch), ch, Qt.KeyboardModifier.NoModifier)
        elif isinstance(action, Press):
            combination = action.combination()
            self._send(combination.key(), "", combination.keyboardModifiers())
        elif callable(action):
            action()
        else:
            raise TypeError(f"not a step: {action!r}")

    def _send(self, key: Qt.Key, text: str, modifiers) -> None:
        window = front_window() or self._reactivate()
        assert window is not None, "no window has the keyboard"
        if not self._seen or self._seen[-1] is not window:
            self._seen.append(window)
        handle = window.windowHandle()
        assert handle is not None, f"{window.objectName()} is not shown"
        QTest.sendKeyEvent(QTest.KeyAction.Click, handle, key, text, modifiers)

    def _reactivate(self) -> QWidget | None:
        """What a window manager does when a dialog closes: the window behind it gets the
        keyboard back.  The offscreen platform leaves no window active."""
        for window in reversed(self._seen):
            if shiboken6.isValid(window) and window.isVisible():
                window.activateWindow()
                deadline = time.monotonic() + 2
                while front_window() is None and time.monotonic() < deadline:
                    QApplication.processEvents()
                return front_window()
        return None


def _flatten(steps: Iterable) -> Iterable:
    for step in steps:
        if isinstance(step, list | tuple):
            yield from _flatten(step)
        else:
            yield step


def _open_modals() -> set[QDialog]:
    return {
        w
        for w in QApplication.topLevelWidgets()
        if isinstance(w, QDialog) and w.isVisible() and w.isModal()
    }


Step = str | Press | Expect | Callable[[], object]
