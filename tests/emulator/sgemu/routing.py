"""The route table: operation handlers register on a method and a path template."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import unquote

from .calls import Call

OperationHandler = Callable[[Call], tuple[int, Any]]


@dataclass(frozen=True)
class Route:
    """One operation.  ``global_only``: the spec serves it only from api.sendgrid.com (its
    ``servers`` override), so the EU host does not know it.  ``subuser``: a call made
    on-behalf-of a subuser may use it (and sees only that subuser's IPs); every other
    operation is the parent's alone."""

    method: str
    template: str
    handler: OperationHandler
    operation_id: str
    global_only: bool = False
    subuser: bool = False

    @property
    def segments(self) -> list[str]:
        return self.template.strip("/").split("/")


ROUTES: list[Route] = []


def route(method: str, template: str, operation_id: str, *, global_only: bool = False,
          subuser: bool = False) -> Callable[[OperationHandler], OperationHandler]:
    def register(handler: OperationHandler) -> OperationHandler:
        ROUTES.append(Route(method, template, handler, operation_id, global_only, subuser))
        return handler
    return register


def _match_template(template_segments: list[str], segments: list[str]) -> dict[str, str] | None:
    if len(template_segments) != len(segments):
        return None
    params: dict[str, str] = {}
    for pattern, segment in zip(template_segments, segments):
        if pattern.startswith("{") and pattern.endswith("}"):
            if not segment:
                return None
            params[pattern[1:-1]] = segment
        elif pattern != segment:
            return None
    return params


def find_route(method: str, raw_path: str, host: str = "global") -> tuple[Route | None, dict[str, str], list[str]]:
    """(route, decoded path params, methods allowed on the matched template).

    Segments are split on the raw path and then percent-decoded, so ``%20`` is a
    space and ``%2F`` inside a pool name does not split it.  Literal segments beat
    parameters (``/v3/ips/pools`` is not ``/v3/ips/{ip_address}``).  ``allowed`` leaves
    out what the EU host does not serve; refusing a global-only route there is the core's job.
    """
    segments = [unquote(s) for s in raw_path.strip("/").split("/")]
    best: tuple[tuple[bool, ...], str, dict[str, str]] | None = None
    for candidate in ROUTES:
        params = _match_template(candidate.segments, segments)
        if params is None:
            continue
        literal_score = tuple(not s.startswith("{") for s in candidate.segments)
        if best is None or literal_score > best[0]:
            best = (literal_score, candidate.template, params)
    if best is None:
        return None, {}, []
    template, params = best[1], best[2]
    allowed = [r.method for r in ROUTES if r.template == template and (host == "global" or not r.global_only)]
    chosen = next((r for r in ROUTES if r.template == template and r.method == method), None)
    return chosen, params, allowed
