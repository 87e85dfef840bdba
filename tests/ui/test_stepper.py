"""The +/- stepper of return quantities: 44 px buttons for a finger, + and - and digits
from the keyboard (AZERTY digit row and Arabic digits too), never outside 0..maximum."""

from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtWidgets import QVBoxLayout, QWidget

from tests.ui.seller import BACKSPACE, TAB, Seller, focused

D = Decimal


@pytest.fixture
def steppers(qtbot):
    from ui.widgets.stepper import Stepper

    window = QWidget()
    window.setObjectName("form")
    layout = QVBoxLayout(window)
    pieces, weight = Stepper(D(2)), Stepper(D("1.250"))
    layout.addWidget(pieces)
    layout.addWidget(weight)
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    pieces.setFocus()
    yield pieces, weight
    window.close()  # kept alive until the test ends


def test_plus_and_minus_keys_step_within_the_bounds(steppers, qtbot):
    pieces, weight = steppers
    seen = []
    pieces.changed.connect(seen.append)
    seller = Seller(qtbot)
    seller.do("+", "+", "+")  # the third is one too many
    assert pieces.value() == 2 and seen == [1, 2]
    assert not pieces.plus.isEnabled() and pieces.minus.isEnabled()
    seller.do("-", "-", "-")
    assert pieces.value() == 0 and not pieces.minus.isEnabled()
    seller.do(TAB, "+", "+", "+")
    assert focused() is weight.field
    assert weight.value() == D("1.250")  # 1, then what is left of the weight
    seller.do("-")
    assert weight.value() == 1


def test_digits_typed_on_any_layout_are_clamped(steppers, qtbot):
    pieces, weight = steppers
    seller = Seller(qtbot)
    seller.do(BACKSPACE, "é")  # the 2 of an AZERTY digit row
    assert pieces.value() == 2
    seller.do(BACKSPACE, "٩")  # an Arabic-Indic 9: more than was sold
    assert pieces.value() == 2 and pieces.field.text() == "2"
    seller.do(TAB, "0,5")
    assert weight.value() == D("0.5")


def test_the_buttons_are_44_px_and_a_touch_steps(steppers, qtbot):
    pieces, _weight = steppers
    assert pieces.plus.height() >= 44 and pieces.plus.width() >= 44
    seller = Seller(qtbot)
    seller.touch(pieces.plus)
    seller.touch(pieces.plus)
    seller.touch(pieces.minus)
    assert pieces.value() == 1
    assert focused() is pieces.field  # a touch leaves the keyboard where it was
