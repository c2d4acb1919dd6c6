"""`CurrentSeller`: the seller named by the request's bearer token."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from shopkeep.accounts.deps import bearer_account
from shopkeep.sellers.service import SELLERS, SignedInSeller

# A seller's token has no audience: a staff or cart token is refused (401).
current_seller = bearer_account(
    SELLERS, audience=None, token_url="auth/token", what="a seller's access token"
)

CurrentSeller = Annotated[SignedInSeller, Depends(current_seller)]
