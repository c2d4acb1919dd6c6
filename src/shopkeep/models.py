"""Every table, imported in one place for Alembic and the test suite."""

from shopkeep.accounts.models import LoginAttempts
from shopkeep.carts.models import Cart, CartItem
from shopkeep.catalog.models import Category, Product
from shopkeep.db import Base
from shopkeep.fulfilment.models import Shipment, ShipmentLine
from shopkeep.inventory.models import StockMovement
from shopkeep.mail.models import OutboxMail
from shopkeep.orders.models import Order, OrderCustomer, OrderEvent, OrderLine
from shopkeep.payments.models import Payment, PaymentCancellation, PaymentEvent
from shopkeep.pricing.models import DiscountCode, DiscountUse, ShippingMethod
from shopkeep.refunds.models import AppliedRefund, Refund, RefundLine
from shopkeep.sellers.models import Seller
from shopkeep.staff.models import Staff

__all__ = [
    "AppliedRefund",
    "Base",
    "Cart",
    "CartItem",
    "Category",
    "DiscountCode",
    "DiscountUse",
    "LoginAttempts",
    "Order",
    "OrderCustomer",
    "OrderEvent",
    "OrderLine",
    "OutboxMail",
    "Payment",
    "PaymentCancellation",
    "PaymentEvent",
    "Product",
    "Refund",
    "RefundLine",
    "Seller",
    "Shipment",
    "ShipmentLine",
    "ShippingMethod",
    "Staff",
    "StockMovement",
]
