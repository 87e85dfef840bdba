"""The print queue dialog: what waits for the printer and why, with Retry and Discard."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
)

from coopos.i18n import _
from coopos.i18n.formats import format_local_time
from ui.errors import guarded
from ui.receipts_hook import PrintRunner
from ui.theme import set_role


class PrintQueueDialog(QDialog):
    def __init__(self, runner: PrintRunner, parent=None):
        super().__init__(parent)
        self.runner = runner
        self.setObjectName("printQueueDialog")
        self.setWindowTitle(_("Print queue"))
        self.resize(560, 380)
        layout = QVBoxLayout(self)
        self.state = set_role(QLabel(), "banner")
        self.state.setObjectName("printQueueState")
        self.state.setWordWrap(True)
        layout.addWidget(self.state)
        self.jobs = QListWidget()
        self.jobs.setObjectName("printJobs")
        self.jobs.setWordWrap(True)  # the reason is a sentence: show all of it
        self.jobs.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        layout.addWidget(self.jobs, 1)
        buttons = QHBoxLayout()
        self.discard_button = QPushButton(_("Discard"))
        self.discard_button.setObjectName("printDiscard")
        self.discard_button.clicked.connect(self.discard)
        close = QPushButton(_("Close"))
        close.clicked.connect(self.accept)
        self.retry_button = set_role(QPushButton(_("Retry")), "primary")
        self.retry_button.setObjectName("printRetry")
        self.retry_button.setMinimumHeight(48)
        self.retry_button.clicked.connect(self.retry)
        buttons.addWidget(self.discard_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        buttons.addWidget(self.retry_button)
        layout.addLayout(buttons)
        runner.changed.connect(self.on_changed)
        self.reload()

    def reload(self) -> None:
        self.jobs.clear()
        for job in self.runner.pending():
            text = f"{job.label} · {format_local_time(job.created_utc.isoformat())}"
            if job.error:
                text += "\n" + job.error
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, job.id)
            self.jobs.addItem(item)
        empty = self.jobs.count() == 0
        if empty:
            self.state.setText(_("Everything has been printed."))
        elif not self.runner.has_printer:
            self.state.setText(_("No receipt printer is set up: choose one in Settings."))
        else:
            self.state.setText(
                _(
                    "{count} waiting for the printer. Fix the printer, then Retry.",
                    count=self.jobs.count(),
                )
            )
        self.retry_button.setEnabled(not empty and self.runner.has_printer)
        self.discard_button.setEnabled(not empty)
        if not empty:
            self.jobs.setCurrentRow(0)

    def on_changed(self, waiting: int, message: str, error: bool) -> None:
        self.reload()
        if message:
            self.state.setText(message)

    @guarded()
    def retry(self) -> None:
        self.state.setText(_("Printing…"))
        self.runner.run()

    @guarded()
    def discard(self) -> None:
        item = self.jobs.currentItem()
        if item is not None:
            self.runner.discard(int(item.data(Qt.ItemDataRole.UserRole)))
            self.reload()

    def done(self, result: int) -> None:
        self.runner.changed.disconnect(self.on_changed)
        super().done(result)
