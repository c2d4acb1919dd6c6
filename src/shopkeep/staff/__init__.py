"""Staff: the people who run the shop from the back office (`/admin`), with their own accounts
and tokens, apart from sellers'."""
