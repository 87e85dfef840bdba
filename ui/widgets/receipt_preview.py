"""A receipt image shown at print size, scrollable, with Save as PNG."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QScrollArea,
    QVBoxLayout,
)

from coopos.i18n import _


class ReceiptPreview(QDialog):
    def __init__(self, image: QImage, title: str, parent=None):
        super().__init__(parent)
        self.image = image
        self.setObjectName("receiptPreview")
        self.setWindowTitle(title)
        layout = QVBoxLayout(self)
        picture = QLabel()
        picture.setObjectName("receiptPicture")
        picture.setPixmap(QPixmap.fromImage(image))
        picture.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        scroll = QScrollArea()
        scroll.setWidget(picture)
        scroll.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        scroll.setMinimumWidth(image.width() + 40)
        layout.addWidget(scroll, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        save = buttons.addButton(_("Save as PNG…"), QDialogButtonBox.ButtonRole.ActionRole)
        save.clicked.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(image.width() + 80, 720)

    def save(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(
            self, _("Save the receipt"), "receipt.png", "PNG (*.png)"
        )
        if path:
            self.image.save(path, "PNG")
