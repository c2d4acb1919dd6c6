"""The back office's pages at `/admin`: staff log in, see the day's figures and find orders,
through the same services as the store's `/admin` API."""
