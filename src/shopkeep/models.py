"""Every table, imported in one place for Alembic and the test suite."""

from shopkeep.carts.models import Cart, CartItem
from shopkeep.catalog.models import Category, Product
from shopkeep.db import Base
from shopkeep.orders.models import Order, OrderEvent, OrderLine
from shopkeep.payments.models import Payment, PaymentCancellation, PaymentEvent
from shopkeep.refunds.models import AppliedRefund, Refund
from shopkeep.sellers.models import LoginAttempts, Seller

__all__ = [
    "AppliedRefund",
    "Base",
    "Cart",
    "CartItem",
    "Category",
    "LoginAttempts",
    "Order",
    "OrderEvent",
    "OrderLine",
    "Payment",
    "PaymentCancellation",
    "PaymentEvent",
    "Product",
    "Refund",
    "Seller",
]
