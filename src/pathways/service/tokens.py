"""Bearer tokens at rest: the tokens file holds ``sha256:<hex>`` of each token, never the token.

``PATHWAYS_TOKENS_FILE`` is a JSON object mapping the SHA-256 of each bearer token to a role
(:class:`~pathways.service.auth.Role`). A request's token is hashed once and looked up in a
dictionary: one hash and one lookup per request, whatever the number of tokens.

A fast unsalted hash is enough here because the tokens are not passwords: ``pathways token
mint`` draws 32 random bytes (256 bits) with :mod:`secrets`, so no dictionary or brute-force
search can invert the hash, and a salt or a slow KDF (argon2, scrypt) would only add cost to
every request. Someone who reads the file learns no usable token. For the same reason the
lookup leaks nothing through timing: equal hashes say nothing about the token an attacker
would have to send.

A file still holding plain tokens is refused when the app starts, with the command that
converts it (``pathways token hash FILE``).

Example:
    >>> token_hash("tok-admin-0001")[:14]
    'sha256:92124a5'
    >>> tokens = Tokens({token_hash("tok-admin-0001"): Role.parse("admin")})
    >>> tokens.role_for("Bearer tok-admin-0001")
    Role(name='admin')
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
from collections.abc import Mapping
from pathlib import Path

from ..errors import InvalidInput, Unauthenticated
from .auth import Role

__all__ = ["MIN_TOKEN_LENGTH", "Tokens", "hash_tokens_file", "mint_token", "token_hash"]

MIN_TOKEN_LENGTH = 8
"""The shortest plain token ``pathways token hash`` accepts (minted ones are 43 characters)."""

_HASHED = re.compile(r"sha256:[0-9a-f]{64}")
_SETTING = "PATHWAYS_TOKENS_FILE"


def token_hash(token: str) -> str:
    """What the tokens file stores for ``token``: ``sha256:`` and the hex digest of its UTF-8."""
    return "sha256:" + hashlib.sha256(token.encode("utf-8")).hexdigest()


def _read(path: Path) -> dict[str, object]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidInput.one(_SETTING, f"no such file: {path}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise InvalidInput.one(_SETTING, f"{path} is not valid JSON: {err}") from None
    if not isinstance(data, dict):
        raise InvalidInput.one(_SETTING, f"{path} must hold a JSON object mapping token hash to role")
    return data


def _write(path: Path, entries: Mapping[str, object]) -> None:
    """Replace ``path`` whole (a temporary file renamed over it), readable by its owner only."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(dict(entries), out, indent=2)
        out.write("\n")
    os.replace(tmp, path)


class Tokens:
    """Token hash -> role, loaded once from the tokens file when the app is created."""

    def __init__(self, roles: Mapping[str, Role]) -> None:
        self._roles = dict(roles)

    @classmethod
    def load(cls, path: str | Path | None) -> Tokens:
        """Read the tokens file; no file configured means no token is known (no writes over HTTP).

        Every key must be a ``sha256:<64 hex>`` hash; a plain token is refused, naming the
        command that converts the file.
        """
        if path is None:
            return cls({})
        data = _read(Path(path))
        plain = sum(1 for key in data if not _HASHED.fullmatch(key))
        if plain:
            raise InvalidInput.one(_SETTING, f"{path} holds {plain} plain token(s), not sha256 hashes; "
                                             f"convert it with `pathways token hash {path}`")
        return cls({key: Role.parse(role, f"{_SETTING}[{key[:15]}...]") for key, role in data.items()})

    def role_for(self, authorization: str | None) -> Role | None:
        """The role of an ``Authorization: Bearer TOKEN`` header; ``None`` without a header.

        An unknown token or another scheme raises :class:`Unauthenticated`.
        """
        if not authorization:
            return None
        scheme, _, token = authorization.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise Unauthenticated("expected an Authorization: Bearer TOKEN header")
        role = self._roles.get(token_hash(token))
        if role is None:
            raise Unauthenticated("unknown bearer token")
        return role


def mint_token(path: str | Path, role: str) -> str:
    """Draw a new token for ``role``, add its hash to the tokens file (created when missing) and
    return the token: the only time it is seen."""
    checked = Role.parse(role)
    file = Path(path)
    entries = _read(file) if file.exists() else {}
    token = secrets.token_urlsafe(32)
    entries[token_hash(token)] = checked.name
    _write(file, entries)
    return token


def hash_tokens_file(path: str | Path) -> int:
    """Rewrite a tokens file of plain tokens as hashes (hashed entries are kept); returns how many
    were converted. Every role is checked first, so a bad file is left as it was."""
    file = Path(path)
    entries = _read(file)
    out: dict[str, object] = {}
    converted = 0
    for key, role in entries.items():
        Role.parse(role, f"{file}[{key[:4]}...]")
        if _HASHED.fullmatch(key):
            out[key] = role
            continue
        if len(key) < MIN_TOKEN_LENGTH:
            raise InvalidInput.one(f"{file}[{key[:4]}...]", f"a token must be at least {MIN_TOKEN_LENGTH} characters")
        out[token_hash(key)] = role
        converted += 1
    _write(file, out)
    return converted
