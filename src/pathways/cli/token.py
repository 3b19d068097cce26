"""Token commands: ``token mint ROLE`` and ``token hash FILE``.

The tokens file holds only hashes (:mod:`pathways.service.tokens`): ``mint`` draws a token,
adds its hash and role to the file and prints the token, the one time it is shown; ``hash``
converts a file of plain tokens in place.
"""

from __future__ import annotations

import argparse
from typing import Any

from ..errors import InvalidInput
from . import Context

__all__ = ["register"]


def register(sub: Any) -> None:
    """Add the ``token`` command group to the ``pathways`` parser."""
    p = sub.add_parser("token", help="bearer tokens: mint one, or hash a file of plain tokens")
    tsub = p.add_subparsers(dest="token_command", required=True, metavar="ACTION")
    m = tsub.add_parser("mint", help="add a new token for ROLE to the tokens file and print it (once)")
    m.add_argument("role", metavar="ROLE", help="admin, council or registrar:INSTITUTION")
    m.add_argument("--tokens-file", metavar="FILE", help="the tokens file (default: PATHWAYS_TOKENS_FILE); created when missing")
    m.set_defaults(handler=_mint)
    h = tsub.add_parser("hash", help="rewrite a tokens file of plain tokens as sha256 hashes")
    h.add_argument("file", metavar="FILE")
    h.set_defaults(handler=_hash)


def _mint(args: argparse.Namespace, ctx: Context) -> int:
    from ..service.tokens import mint_token

    path = args.tokens_file or ctx.settings.tokens_file
    if not path:
        raise InvalidInput.one("--tokens-file", "no tokens file: pass --tokens-file FILE or set PATHWAYS_TOKENS_FILE")
    print(mint_token(path, args.role))
    return 0


def _hash(args: argparse.Namespace, ctx: Context) -> int:
    from ..service.tokens import hash_tokens_file

    converted = hash_tokens_file(args.file)
    print(f"pathways: {args.file}: {converted} plain token(s) replaced by their sha256 hashes")
    return 0
