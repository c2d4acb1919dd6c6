"""Orders: checkout reserves stock, payments settle it, unpaid orders expire."""
