"""The store side of payments: signed callbacks from the payment provider."""
