"""What the running app holds: the database context, the bridge, who is logged in and
the sale in progress.  The cart is saved after every change (debounced) so that a crash,
a lock or a switch of seller never loses it."""

from __future__ import annotations

import json
import logging

from PySide6.QtCore import QObject, QTimer, Signal

from coopos.db.models import User
from coopos.domain.catalog import Role
from coopos.i18n import _, current_language
from coopos.i18n.formats import format_money
from coopos.services import held_sales, lookups, settings
from coopos.services.checkout import Checkout, CheckoutState
from coopos.services.context import Context
from ui.bridge import CoreBridge

log = logging.getLogger(__name__)
CART_KEY = held_sales.OPEN_CART_KEY


class AppSession(QObject):
    user_changed = Signal()
    checkout_changed = Signal()  # a new Checkout object (after a sale, void or restore)
    cart_changed = Signal()  # the current checkout's content or state changed

    def __init__(self, ctx: Context, parent: QObject | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.bridge = CoreBridge(ctx, self)
        self.user: User | None = None
        self.checkout: Checkout | None = None
        self.last_receipt: str | None = None
        self.restored = False  # the cart was brought back from a previous run
        self.closing_for_restart = False  # after a restore: write nothing more
        self._save_timer = QTimer(self)
        self._save_timer.setSingleShot(True)
        self._save_timer.setInterval(250)
        self._save_timer.timeout.connect(self.save_cart)

    # -- users ------------------------------------------------------------------------
    @property
    def is_manager(self) -> bool:
        return self.user is not None and Role(self.user.role).is_manager

    def login(self, user: User) -> None:
        """``user`` takes the till, in the language already applied for them: the cart in
        progress (or restored) names its products in it."""
        self.user = user
        if self.checkout is None:
            self.checkout = self._restore_cart() or self._new_checkout()
            self._watch(self.checkout)
            self.checkout.use_language(current_language())
            self.checkout_changed.emit()
        else:
            self.checkout.set_seller(user)
            self.checkout.use_language(current_language())
        self.user_changed.emit()

    def logout(self) -> None:
        self.save_cart()
        self.user = None
        self.user_changed.emit()

    # -- the sale in progress -------------------------------------------------------------
    def _new_checkout(self) -> Checkout:
        with self.ctx.read() as s:
            location = settings.get(s, "device.location")
        return Checkout(self.ctx, self.user, location)

    def _watch(self, checkout: Checkout) -> None:
        checkout.on_change(lambda _c: self._cart_touched())

    def _cart_touched(self) -> None:
        self.cart_changed.emit()
        self._save_timer.start()

    def next_sale(self) -> Checkout:
        """Start a fresh cart (after a completed or voided sale)."""
        if self.checkout and self.checkout.result:
            self.last_receipt = self.checkout.result.receipt_no
        self.checkout = self._new_checkout()
        self._watch(self.checkout)
        self.save_cart()
        self.checkout_changed.emit()
        return self.checkout

    def hold_sale(self) -> held_sales.Held:
        """Put the sale in progress aside (saved, not sold) and start a new one."""
        self._save_timer.stop()
        held = held_sales.hold(self.ctx, self.checkout)
        self._replace(self._new_checkout())
        return held

    def recall_sale(self, uuid: str) -> held_sales.Recalled:
        """A held sale becomes the sale in progress, under the seller at the till; the
        one in progress, if any, is held first (``held_sales.recall`` says why)."""
        self._save_timer.stop()
        recalled = held_sales.recall(self.ctx, uuid, self.checkout)
        recalled.checkout.set_seller(self.user)
        recalled.checkout.use_language(current_language())
        self._replace(recalled.checkout)
        return recalled

    def _replace(self, checkout: Checkout) -> None:
        """Another sale in progress: the held sales service already saved it as such."""
        self.checkout = checkout
        self._watch(checkout)
        self.checkout_changed.emit()

    def save_cart(self) -> None:
        self._save_timer.stop()
        if self.closing_for_restart:
            return
        checkout = self.checkout
        keep = (
            checkout is not None
            and checkout.lines
            and checkout.state in (CheckoutState.CART, CheckoutState.PAYMENT)
        )
        value = json.dumps(checkout.snapshot()) if keep else ""
        try:
            with self.ctx.write() as uow:
                if settings.get(uow.session, CART_KEY) != value:
                    settings.put(uow.session, CART_KEY, value)
        except Exception:
            log.exception("could not save the cart in progress")

    def _restore_cart(self) -> Checkout | None:
        with self.ctx.read() as s:
            raw = settings.get(s, CART_KEY)
        if not raw:
            return None
        try:
            checkout = Checkout.restore(self.ctx, json.loads(raw))
        except Exception:
            log.exception("could not restore the saved cart")
            return None
        checkout.set_seller(self.user)
        if checkout.state is CheckoutState.PAYMENT and not checkout.payments:
            checkout.back_to_cart()  # the payment dialog was open, nothing was paid yet
        self.restored = True
        return checkout

    def restored_message(self) -> str:
        """What the sell screen says about a sale brought back from a previous run."""
        checkout = self.checkout
        if checkout is not None and checkout.state is CheckoutState.PAYMENT:
            return _(
                "The sale in progress was restored with {amount} already paid: press F12 to "
                "finish the payment (a change to the cart takes the payments off).",
                amount=format_money(checkout.tender.paid),
            )
        return _("The sale in progress was restored.")

    def shift_open(self) -> bool:
        with self.ctx.read() as s:
            return lookups.open_shift(s) is not None
