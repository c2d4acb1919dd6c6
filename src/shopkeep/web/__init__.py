"""The storefront: server-rendered HTML pages on port 3000."""
