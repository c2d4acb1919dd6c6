"""Stock movements: every change of a product's stock, logged in the transaction that makes it.

For every product at every commit: Σ its movements = its stock. A product's first stock is an
`adjust` movement ("Initial stock"), so its initial stock, before any movement, is 0.
"""
