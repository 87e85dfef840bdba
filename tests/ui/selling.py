"""Fixtures and look-ups shared by the selling tests driven with the seller helper."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QLabel, QLineEdit, QWidget
from sqlalchemy import select

from coopos.db.models import Sale, SalePayment
from tests.ui.seller import Seller, front_window

LANGUAGES = ("fr", "ar", "zgh")


def activate(window: QWidget, qtbot) -> None:
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)


def open_window(session, qtbot, active: bool = True):
    """The app's window on ``session``, shown (and in front, with the keyboard)."""
    from ui.main_window import MainWindow

    window = MainWindow(session)
    qtbot.addWidget(window)
    window.show()
    if active:
        activate(window, qtbot)
    return window


def first_start(qtbot, path):
    """A new database: the app opens on its first-start screen.  Returns the window."""
    from coopos.services.context import Context
    from ui.session import AppSession

    window = open_window(AppSession(Context.open(path)), qtbot, active=False)
    assert window.pages.currentWidget() is window.first_run
    return window


def close(window) -> None:
    window.session.bridge.close()
    window.session.ctx.close()


@pytest.fixture
def seller(window, qtbot) -> Seller:
    """A seller in front of the app (the window has the keyboard)."""
    activate(window, qtbot)
    return Seller(qtbot)


@pytest.fixture
def language(request, app_session, qapp):
    """The shop (and the app) in the parametrized language; English again afterwards."""
    from coopos.services import settings
    from ui.app import apply_language

    lang = request.param
    settings.update(app_session.ctx, {"language": lang})
    apply_language(qapp, lang)
    yield lang
    apply_language(qapp, "en")


def front() -> QWidget:
    window = front_window()
    assert window is not None, "no window in front"
    return window


def in_front(name: str) -> QWidget:
    window = front()
    assert window.objectName() == name, f"{window.objectName()} is in front, not {name}"
    return window


def child(parent: QWidget, cls, name: str):
    widget = parent.findChild(cls, name)
    assert widget is not None, f"no {cls.__name__} named {name}"
    return widget


def text_of(parent: QWidget, name: str) -> str:
    return child(parent, QLabel, name).text()


def cash_field() -> QLineEdit:
    return child(in_front("paymentDialog"), QLineEdit, "cashTendered")


def sales(ctx) -> list[Sale]:
    with ctx.read() as s:
        return s.execute(select(Sale).order_by(Sale.id)).scalars().all()


def payments(ctx) -> list[tuple[str, int, int]]:
    """(method, amount applied, amount tendered) of every sale payment."""
    with ctx.read() as s:
        rows = s.execute(
            select(
                SalePayment.method, SalePayment.amount_cents, SalePayment.tendered_cents
            ).order_by(SalePayment.id)
        ).all()
    return [tuple(row) for row in rows]
