"""Fulfilment: shipments of a paid order's units, their delivery, and the order's fulfilment
status derived from them."""
