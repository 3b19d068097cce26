"""Access control: bearer tokens from ``PATHWAYS_TOKENS_FILE``, roles and their scopes.

The tokens file (:mod:`~pathways.service.tokens`) maps each bearer token's hash to a role: ``admin`` (every
write), ``registrar:INST`` (nodes of institution INST whose id is ``INST:...``, and rules
granted by INST that grant only nodes of INST: a receiving institution grants its own
credit, nothing else) or ``council`` (reads, the whole-graph export and the audit log). Reads, evaluation,
reach and planning need no token. A write without a known token is refused with 401, one
outside the role's scope with 403, and in both cases before anything is written.

Example:
    >>> role = Role.parse("registrar:UFV")
    >>> role.may_write_node("UFV:GD157", "UFV"), role.may_write_node("UFV:FAKE", "SFU"), role.may_write_institution()
    (True, False, False)
    >>> role.may_write_node("SFU:FAKE", "UFV")
    False
    >>> Role.parse("council").may_read_audit()
    True
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import Forbidden, InvalidInput, Unauthenticated
from ..model.ids import id_problem

__all__ = ["ADMIN", "COUNCIL", "REGISTRAR_PREFIX", "Role", "forbid", "require_role"]

ADMIN = "admin"
COUNCIL = "council"
REGISTRAR_PREFIX = "registrar:"


@dataclass(frozen=True, slots=True)
class Role:
    """A caller's role; ``name`` is what the audit log records as the actor."""

    name: str

    @classmethod
    def parse(cls, value: object, where: str = "role") -> Role:
        """Validate a role string from the tokens file."""
        if value in (ADMIN, COUNCIL):
            return cls(str(value))
        if isinstance(value, str) and value.startswith(REGISTRAR_PREFIX):
            inst = value[len(REGISTRAR_PREFIX) :]
            problem = id_problem(inst)
            if problem is None:
                return cls(value)
            raise InvalidInput.one(where, f"registrar institution {inst!r}: {problem}")
        raise InvalidInput.one(where, f"unknown role {value!r}: expected admin, council or registrar:INSTITUTION")

    @property
    def institution(self) -> str | None:
        """The institution of a registrar, else ``None``."""
        return self.name[len(REGISTRAR_PREFIX) :] if self.name.startswith(REGISTRAR_PREFIX) else None

    @property
    def is_admin(self) -> bool:
        return self.name == ADMIN

    def may_write_institution(self) -> bool:
        """Institutions are the admin's."""
        return self.is_admin

    def may_write_node(self, node_id: str, institution: str | None) -> bool:
        """A node whose ``institution`` and id prefix (``INST:``) are the registrar's own.

        The id prefix counts because ids carry the institution by convention: ``UFV:FAKE``
        written by SFU would read as UFV's course. Competencies have no institution: admin only.
        """
        if self.is_admin:
            return True
        inst = self.institution
        return inst is not None and institution == inst and node_id.startswith(inst + ":")

    def may_write_rule(self, granted_by: str) -> bool:
        """A rule the registrar's institution grants (what it grants is checked by the caller,
        which knows the granted nodes' institutions: see :meth:`may_grant`)."""
        return self.is_admin or granted_by == self.institution

    def may_grant(self, institution: str | None) -> bool:
        """Whether a rule written by this role may grant a node of ``institution``: a registrar
        grants only their own institution's credit (a competency, with none, needs admin)."""
        return self.is_admin or (institution is not None and institution == self.institution)

    def may_read_audit(self) -> bool:
        """The audit log and the whole-graph export: admin and council."""
        return self.name in (ADMIN, COUNCIL)


def require_role(role: Role | None) -> Role:
    """The role itself, or 401 when the request carries no token."""
    if role is None:
        raise Unauthenticated("this route needs Authorization: Bearer TOKEN")
    return role


def forbid(role: Role, what: str) -> Forbidden:
    """The 403 for ``role`` attempting ``what``."""
    return Forbidden(f"role {role.name} may not {what}")
