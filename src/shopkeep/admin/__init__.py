"""The back office's rules over the shop's data (orders, stock) and its JSON API under `/admin`
on the store; the pages at `/admin` on the storefront (`web/admin/`) call the same services."""
