"""Request and response shapes every kind of account shares: usernames, passwords, the OAuth2
log-in form and the access token."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from shopkeep.accounts import passwords
from shopkeep.accounts.models import USERNAME_MAX_LENGTH
from shopkeep.accounts.service import USERNAME_MIN_LENGTH, USERNAME_PATTERN

Username = Annotated[
    str,
    Field(
        min_length=USERNAME_MIN_LENGTH,
        max_length=USERNAME_MAX_LENGTH,
        pattern=USERNAME_PATTERN,
        description="Letters, digits, '_', '.' or '-'. Unique whatever the case: "
        "'Alice' and 'alice' are the same account.",
        examples=["alice"],
    ),
]
Password = Annotated[
    str,
    Field(
        min_length=passwords.MIN_LENGTH,
        max_length=passwords.MAX_LENGTH,
        json_schema_extra={"format": "password"},
    ),
]


class LogInForm(BaseModel):
    """The OAuth2 password flow's form (`application/x-www-form-urlencoded`)."""

    grant_type: Literal["password"] | None = None
    username: str = Field(max_length=256)
    password: str = Field(max_length=passwords.MAX_LENGTH, json_schema_extra={"format": "password"})


class AccessToken(BaseModel):
    access_token: str
    token_type: Literal["bearer"]
