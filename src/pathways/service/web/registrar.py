"""The registrar's page: sign in with a token, see the institution's rules, add, edit or end one.

The token is kept in an HttpOnly, SameSite=Strict cookie scoped to ``/registrar`` and checked
against the tokens file on every request, exactly as a bearer token is. Saving goes through
the same :func:`~pathways.service.writes.put_rule` as ``PUT /rules/{id}`` (same validation,
same access rules, same audit); a rejected rule comes back with each problem shown at its
field. Before saving, "Preview impact" posts the change to ``POST /impact`` from the browser
and shows which reach pairs and credentials' routes it gains or loses
(``POST /registrar/impact-view`` renders that answer with course names).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ...errors import AccessDenied, InvalidInput, PathwaysError, Problem
from ...model import Rule
from ...store import RuleQuery
from ..auth import Role
from ..tokens import Tokens
from ..dependencies import Body, Cache, CurrentStore
from ..writes import put_rule
from .rendering import form_data, render, summaries

__all__ = ["COOKIE", "field_errors", "router", "rule_from_form"]

router = APIRouter(prefix="/registrar", include_in_schema=False)

COOKIE = "pathways_token"
FIELDS = ("id", "kind", "granted_by", "requires", "grants", "valid_from", "valid_to", "max_age_years", "status", "approved_by",
          "note", "source")
"""The rule form's fields, in pathways/1's order."""


def _role(request: Request) -> Role | None:
    token = request.cookies.get(COOKIE)
    if not token:
        return None
    tokens: Tokens = request.app.state.tokens
    try:
        return tokens.role_for(f"Bearer {token}")
    except AccessDenied:
        return None


async def _signed_in_form(request: Request) -> tuple[Role, dict[str, list[str]]] | None:
    """The signed-in role and the posted form, or ``None`` when nobody is signed in."""
    role = _role(request)
    return None if role is None else (role, await form_data(request))


def field_errors(problems: list[Problem]) -> dict[str, list[str]]:
    """Problems by the form field they belong to: the first name of their JSON path or, for a problem
    of the whole rule, the field its message starts with (else ``""``).

    >>> field_errors([Problem("requires.all[1].node", 'unknown node "U:X"'), Problem("", "valid_from 2026-09-01 is after ...")])
    {'requires': ['all[1].node: unknown node "U:X"'], 'valid_from': ['valid_from 2026-09-01 is after ...']}
    """
    out: dict[str, list[str]] = {}
    for p in problems:
        if not p.path and (first := p.message.split(" ", 1)[0]) in FIELDS:
            out.setdefault(first, []).append(p.message)
            continue
        m = re.match(r"^\.?(?:input\.)?([a-z_]+)(.*)$", p.path)
        name, rest = (m.group(1), m.group(2).lstrip(".")) if m and m.group(1) in FIELDS else ("", p.path)
        out.setdefault(name, []).append(f"{rest}: {p.message}" if rest else p.message)
    return out


def rule_from_form(form: dict[str, list[str]]) -> dict[str, Any]:
    """A rule's ``pathways/1`` JSON from the form: ``requires`` is JSON, ``grants`` one ``NODE`` or ``NODE = credits`` a line.

    >>> rule_from_form({"id": ["R"], "requires": ['{"node": "U:A"}'], "grants": ["V:A = 3\\nV:B"], "note": [""]})
    {'id': 'R', 'requires': {'node': 'U:A'}, 'grants': [{'node': 'V:A', 'credits': 3.0}, {'node': 'V:B'}]}
    """
    values = {k: (form.get(k) or [""])[0].strip() for k in FIELDS}
    problems = []
    rule: dict[str, Any] = {}
    for key in FIELDS:
        value = values[key]
        if not value:
            continue
        if key == "requires":
            try:
                rule[key] = json.loads(value)
            except json.JSONDecodeError as err:
                problems.append(Problem("requires", f"not JSON: {err.msg} at line {err.lineno} column {err.colno}"))
        elif key == "grants":
            grants = []
            for i, line in enumerate(x for x in value.splitlines() if x.strip()):
                node, _, credits = line.partition("=")
                grant: dict[str, Any] = {"node": node.strip()}
                if credits.strip():
                    try:
                        grant["credits"] = float(credits)
                    except ValueError:
                        problems.append(Problem(f"grants[{i}].credits", f"not a number: {credits.strip()!r}"))
                grants.append(grant)
            rule[key] = grants
        elif key == "max_age_years":
            try:
                rule[key] = float(value)
            except ValueError:
                problems.append(Problem(key, f"not a number: {value!r}"))
        else:
            rule[key] = value
    if problems:
        raise InvalidInput(problems)
    return rule


def _form_values(rule: Rule | dict[str, Any] | None) -> dict[str, str]:
    if rule is None:
        return {}
    data = rule.to_json() if isinstance(rule, Rule) else rule
    out = {k: str(v) for k, v in data.items() if k not in ("requires", "grants")}
    if "requires" in data:
        out["requires"] = json.dumps(data["requires"], indent=1)
    if "grants" in data:
        out["grants"] = "\n".join(g["node"] + (f" = {g['credits']}" if g.get("credits") is not None else "") for g in data["grants"])
    return out


@router.get("", response_class=HTMLResponse)
def registrar_page(request: Request, store: CurrentStore, cache: Cache,
                   institution: Annotated[str, Query(max_length=100)] = "") -> HTMLResponse:
    role = _role(request)
    if role is None:
        return render(request, "registrar_signin.html", error=None)
    inst = role.institution or institution or None
    rules = store.list_rules(RuleQuery(granted_by=inst, limit=1000)) if inst else []
    snapshot = cache.current()
    nodes = summaries(snapshot, {g.node for r in rules for g in r.grants})
    return render(request, "registrar.html", role=role, institution=inst, rules=rules, nodes=nodes,
                  institutions=sorted(snapshot.engine.institutions), today=dt.date.today().isoformat())


@router.post("/sign-in", response_class=HTMLResponse)
async def sign_in(request: Request) -> Response:
    form = await form_data(request)
    token = (form.get("token") or [""])[0].strip()
    tokens: Tokens = request.app.state.tokens
    try:
        role = tokens.role_for(f"Bearer {token}") if token else None
    except AccessDenied:
        role = None
    if role is None or not (role.is_admin or role.institution):
        message = "Enter your token." if not token else "That token is not a registrar's (or admin's) token here."
        return render(request, "registrar_signin.html", status_code=401, error=message)
    response = RedirectResponse("/registrar", status_code=303)
    response.set_cookie(COOKIE, token, httponly=True, samesite="strict", path="/registrar")
    return response


@router.post("/sign-out")
def sign_out() -> Response:
    response = RedirectResponse("/registrar", status_code=303)
    response.delete_cookie(COOKIE, path="/registrar")
    return response


@router.get("/rule", response_class=HTMLResponse)
def rule_form(request: Request, store: CurrentStore, id: Annotated[str, Query(max_length=200)] = "") -> Response:
    role = _role(request)
    if role is None:
        return RedirectResponse("/registrar", status_code=303)
    rule = store.get_rule(id) if id else None
    values = _form_values(rule) if rule else {"granted_by": role.institution or "", "kind": "transfer", "status": "approved"}
    return render(request, "registrar_rule.html", role=role, values=values, errors={}, editing=rule is not None, saved=None)


@router.post("/rule", response_class=HTMLResponse)
async def save_rule(request: Request, store: CurrentStore, cache: Cache) -> Response:
    signed = await _signed_in_form(request)
    if signed is None:
        return RedirectResponse("/registrar", status_code=303)
    role, form = signed
    values = {k: (form.get(k) or [""])[0] for k in FIELDS}
    editing = bool((form.get("editing") or [""])[0])
    try:
        written = put_rule(store, cache, role, rule_from_form(form))
    except InvalidInput as err:
        return render(request, "registrar_rule.html", status_code=422, role=role, values=values, errors=field_errors(err.problems),
                      editing=editing, saved=None)
    except PathwaysError as err:
        return render(request, "registrar_rule.html", status_code=403 if isinstance(err, AccessDenied) else 422, role=role,
                      values=values, errors={"": [str(err)]}, editing=editing, saved=None)
    assert isinstance(written.entity, Rule)
    return render(request, "registrar_rule.html", role=role, values=_form_values(written.entity), errors={}, editing=True,
                  saved="created" if written.created else "saved")


@router.post("/end", response_class=HTMLResponse)
async def end_rule(request: Request, store: CurrentStore, cache: Cache) -> Response:
    """End an agreement on a date: its ``valid_to`` becomes that date (the rule stays, for the record)."""
    signed = await _signed_in_form(request)
    if signed is None:
        return RedirectResponse("/registrar", status_code=303)
    role, form = signed
    rule_id, day = (form.get("id") or [""])[0], (form.get("date") or [""])[0]
    rule = store.get_rule(rule_id)
    message, status = "", 200
    try:
        if rule is None:
            raise InvalidInput.one("id", f'unknown rule "{rule_id}"')
        put_rule(store, cache, role, rule.to_json() | {"valid_to": day})
        message = f"Agreement {rule_id} now ends on {day}."
    except PathwaysError as err:
        message, status = str(err), 403 if isinstance(err, AccessDenied) else 422
    return render(request, "registrar_done.html", status_code=status, message=message, ok=status == 200)


@router.post("/impact-view", response_class=HTMLResponse)
def impact_view(request: Request, cache: Cache, body: Body) -> HTMLResponse:
    """``POST /impact``'s answer (posted back by the page's script) with course names."""
    answer = body if isinstance(body, dict) else {}
    snapshot = cache.current()
    ids: set[str] = set()
    for part in ("reach", "routes"):
        for side in ("gained", "lost"):
            for item in (answer.get(part) or {}).get(side) or []:
                ids |= {v for k, v in item.items() if k in ("source", "target", "credential") and isinstance(v, str)}
    return render(request, "registrar_impact.html", answer=answer, nodes=summaries(snapshot, ids))
