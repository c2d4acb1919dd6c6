"""Every table, imported in one place for Alembic and the test suite."""

from shopkeep.accounts.models import LoginAttempts
from shopkeep.carts.models import Cart, CartItem
from shopkeep.catalog.models import Category, Product
from shopkeep.db import Base
from shopkeep.mail.models import OutboxMail
from shopkeep.orders.models import Order, OrderCustomer, OrderLine
from shopkeep.payments.models import PaymentEvent
from shopkeep.sellers.models import Seller
from shopkeep.staff.models import Staff

__all__ = [
    "Base",
    "Cart",
    "CartItem",
    "Category",
    "LoginAttempts",
    "Order",
    "OrderCustomer",
    "OrderLine",
    "OutboxMail",
    "PaymentEvent",
    "Product",
    "Seller",
    "Staff",
]
