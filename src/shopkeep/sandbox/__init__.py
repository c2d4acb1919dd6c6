"""The payment sandbox: a stand-in for an outside payment provider, on port 5000.

It keeps its own tables and talks to the store only over HTTP: it takes payments (through its
JSON API or its hosted card page) and calls the store back with signed callbacks, which it
stores before sending and retries until the store acknowledges them.
"""
