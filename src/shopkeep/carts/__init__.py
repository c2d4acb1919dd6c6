"""Shopping carts: lines of products a shopper intends to buy."""
