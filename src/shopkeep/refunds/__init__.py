"""Refunds: reconciling charges that cannot pay their order, asking the provider, applying its
refund callbacks once."""
