"""The screen walker's own checks: it collects what a window shows, and refuses what is
not the catalog's translation (so that the walk through the screens can fail)."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
)

from tests.ui.visible_texts import Data, Shown, TextCheck, visible_texts

DATA = Data().add(
    "زيت أركان غذائي 100 مل", "ⵣⵣⵉⵜ ⵏ ⵡⴰⵔⴳⴰⵏ ⵉ ⵜⵉⵔⵎⵜ 100 ⵎⵍ", "Fatima", "TIFAW", "SHOP"
)


def problems(language: str, *texts: str) -> list[str]:
    return TextCheck(language, DATA).problems(Shown("here", text) for text in texts)


@pytest.mark.parametrize(
    "text",
    [
        "الأداء (F12)",  # a translation, with a key
        "البائع: Fatima",  # a placeholder filled with data
        "\u200f200,00\xa0د.م.\u200f",  # an amount
        "زيت أركان غذائي 100 مل · TIFAW",  # data joined by a dot
        "المبلغ المستحق: \u200f200,00\xa0د.م.\u200f",
        "زيت أركان غذائي 100 مل: الكمية",  # a product in a prompt
        "الضريبة على القيمة المضافة 10 %: \u200f5,00\xa0د.م.\u200f   ·   التخفيضات: 1,00 د.م.",
        "استرجاع T01-000002: أرجع \u200f192,50\xa0د.م.\u200f",  # the sentence's stop absorbed
        "نقدا   \u200f20,00\xa0د.م.\u200f",  # a translation beside an amount
        "1,250\xa0كغ",
        "7",
        "⌫",
    ],
)
def test_arabic_texts_that_pass(text):
    assert problems("ar", text) == []


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Lock", "not a catalog translation"),  # English
        ("Verrouiller", "not a catalog translation"),  # French
        ("1,250 kg", "not in the ar script: kg"),  # an untranslated unit
        ("Huile d'argan alimentaire 100 ml: الكمية", "not in the ar script"),  # French name
        ("Culinary argan oil 100 ml · TIFAW", "not a catalog translation"),
        ("استرجاع T01-000002: أرجع \u200f192,50\xa0د.م.\u200f.", "doubled full stop"),
        ("لم تتم طباعة الوصل (No such file or directory)", "not a catalog translation"),
        ("ⵔⴳⵍ", "not in the ar script"),  # Tamazight
    ],
)
def test_arabic_texts_that_fail(text, reason):
    [problem] = problems("ar", text)
    assert problem.startswith(f"here: {text!r}") and reason in problem


def test_tamazight_must_be_tifinagh():
    assert problems("zgh", "ⵔⴳⵍ", "ⴰⵎⵣⵣⵏⵣ: Fatima", "ⵅⵍⵚ (F12)", "200,00\xa0MAD") == []
    assert len(problems("zgh", "Print queue", "قفل", "1,250\xa0kg")) == 3
    assert problems("zgh", "ⵣⵣⵉⵜ ⵏ ⵡⴰⵔⴳⴰⵏ ⵉ ⵜⵉⵔⵎⵜ 100 ⵎⵍ · TIFAW") == []


def test_french_must_be_the_french_catalog():
    assert problems("fr", "Verrouiller", "Monnaie à rendre\u00a0: 10,00\u00a0MAD") == []
    assert len(problems("fr", "Lock", "Change: 10,00 MAD", "قفل")) == 3


def test_every_kind_of_visible_text_is_collected(qtbot):
    dialog = QDialog()
    dialog.setObjectName("someDialog")
    dialog.setWindowTitle("Title")
    layout = QVBoxLayout(dialog)
    label = QLabel("<b>Bold</b> label")
    label.setToolTip("Tip")
    field = QLineEdit()
    field.setObjectName("field")
    field.setPlaceholderText("Placeholder")
    combo = QComboBox()
    combo.addItems(["One", "Two"])
    group = QGroupBox("Group")
    button = QPushButton("Button")
    button.setObjectName("button")
    hidden = QPushButton("Hidden")
    table = QTableView()
    table.setObjectName("table")
    model = QStandardItemModel(1, 1, table)
    model.setHorizontalHeaderLabels(["Header"])
    model.setItem(0, 0, QStandardItem("Cell"))
    table.setModel(model)
    for widget in (label, field, combo, group, button, hidden, table):
        layout.addWidget(widget)
    qtbot.addWidget(dialog)
    dialog.show()
    hidden.hide()
    shown = visible_texts(dialog)
    texts = [s.text for s in shown]
    for text in ("Title", "Bold label", "Tip", "Placeholder", "One", "Two", "Group", "Button"):
        assert text in texts
    assert "Header" in texts and "Cell" in texts
    assert "Hidden" not in texts
    assert Shown("someDialog/button", "Button") in shown
    assert Shown("someDialog/table", "Cell") in shown
