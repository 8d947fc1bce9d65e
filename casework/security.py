"""Password hashing (argon2id) and opaque bearer tokens (only their SHA-256 is stored)."""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
_dummy_hash: str | None = None


def unknown_user_hash() -> str:
    """A hash of a random password with the same parameters as every real one, made once per process."""
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = _hasher.hash(secrets.token_urlsafe(16))
    return _dummy_hash


def hash_password(password: str) -> str:
    if len(password) < 8:
        raise ValueError("a password needs at least 8 characters")
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def verify_sign_in(password_hash: str | None, password: str) -> bool:
    """Verify a sign-in in the same time whether or not the user exists (issue 13, finding 3): for an unknown
    (``None``) user the password is checked against a dummy hash of the same cost, and the answer is False."""
    if password_hash is None:
        verify_password(unknown_user_hash(), password)
        return False
    return verify_password(password_hash, password)


def new_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(32)
    return token, token_digest(token)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
