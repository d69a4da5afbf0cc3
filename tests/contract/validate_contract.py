#!/usr/bin/env python
"""Contract test: validate a recorded SendGrid API log against Twilio's OpenAPI spec.

The log is the JSON-lines file written by ``tests/emulator/sendgrid_emulator.py --log``
(one request/response per line).  Every /v3 request must validate against the spec.
A response is schema-validated when its status is declared for the operation.
Responses from injected faults, and error statuses (>= 400) that the operation does
not declare (429, 401, 404 ... which the general v3 docs allow) are not
schema-validated, but must have a SendGrid error body (``{"errors":[{"field":...,
"message":str}]}`` or ``{"error":str}``).  A dropped connection (no status) must come
from an injected fault.  An undeclared success status is a failure.

Spec path: --spec, else $SENDGRID_OPENAPI_SPEC, else ../shared/sendgrid-openapi/
ip-endpoints.json relative to the repository root.

Spec reading note: the spec is OpenAPI 3.1 but 19 of its schemas use the OpenAPI 3.0
keyword ``nullable: true`` (e.g. ``start_date`` of GET /v3/ips, whose own example is
null).  3.1 ignores that keyword, so a literal reading rejects every null those
schemas were written to allow.  The validator translates ``{"type": T, "nullable":
true}`` to ``{"type": [T, "null"]}`` before validating and reports how many it changed.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable
from urllib.parse import quote, unquote

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SPEC = REPO_ROOT.parent / "shared" / "sendgrid-openapi" / "ip-endpoints.json"
SPEC_ENV = "SENDGRID_OPENAPI_SPEC"
HOST_URL = "https://api.sendgrid.com"        # the spec's server; the emulator's host:port stands in for it
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "options", "head", "trace")
ERROR_ITEM_KEYS = {"field", "message", "help", "error_id"}


class UsageError(Exception):
    """A problem with the command line or its input files (exit 1 with the message)."""


# ---------------------------------------------------------------------------
# Spec handling
# ---------------------------------------------------------------------------


def resolve_spec_path(cli_value: str | None) -> Path:
    raw = cli_value or os.environ.get(SPEC_ENV) or str(DEFAULT_SPEC)
    return Path(os.path.abspath(raw))


def load_spec(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise UsageError(f"OpenAPI spec not found: {path} (pass --spec PATH or set {SPEC_ENV})")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError as error:
        raise UsageError(f"OpenAPI spec {path} is not valid JSON: {error}") from error


def validator_for(spec_path: Path) -> ContractValidator:
    """A validator for the spec file.  Building one checks the whole spec (~2 s), so
    in-process callers (the pytest suite) reuse it while the spec's content is unchanged."""
    spec = load_spec(spec_path)
    return _cached_validator(str(spec_path), json.dumps(spec, sort_keys=True))


@functools.lru_cache(maxsize=4)
def _cached_validator(spec_path: str, spec_text: str) -> ContractValidator:
    return ContractValidator(json.loads(spec_text), Path(spec_path))


def translate_nullable(node: Any) -> tuple[Any, int]:
    """Rewrite OAS 3.0 ``nullable: true`` schemas as OAS 3.1 type unions; count them."""
    if isinstance(node, list):
        items = [translate_nullable(item) for item in node]
        return [item for item, count in items], sum(count for item, count in items)
    if not isinstance(node, dict):
        return node, 0
    count = 0
    result = {}
    for key, value in node.items():
        result[key], changed = translate_nullable(value)
        count += changed
    if result.get("nullable") is True and isinstance(result.get("type"), str):
        result["type"] = [result["type"], "null"]
        del result["nullable"]
        count += 1
    return result, count


def spec_operations(spec: dict[str, Any]) -> dict[str, str]:
    """operationId -> "METHOD /path" for every operation in the spec."""
    return {operation["operationId"]: f"{method.upper()} {path}"
            for path, item in spec.get("paths", {}).items()
            for method, operation in item.items() if method in HTTP_METHODS}


# ---------------------------------------------------------------------------
# openapi-core adapters (objects implementing its Request / Response protocols)
# ---------------------------------------------------------------------------


def canonical_path(raw_path: str) -> str:
    """One percent-encoding per path: %20 for spaces, ':' kept literal (ips:batchAdd)."""
    return "/".join(quote(unquote(segment), safe="!$&'()*+,;=:@-._~") for segment in raw_path.split("/"))


def header(headers: dict[str, str] | None, name: str) -> str | None:
    return next((v for k, v in (headers or {}).items() if k.lower() == name.lower()), None)


class LoggedRequest:
    """openapi_core.protocols.Request built from a log entry."""

    def __init__(self, entry: dict[str, Any]):
        from openapi_core.datatypes import RequestParameters
        from werkzeug.datastructures import Headers, ImmutableMultiDict

        self.host_url = HOST_URL
        self.path = canonical_path(entry["path"])
        self.method = entry["method"].lower()
        if "body_raw" in entry:
            self.body: bytes | None = entry["body_raw"].encode("utf-8")
        elif entry.get("body") is not None:
            self.body = json.dumps(entry["body"]).encode("utf-8")
        else:
            self.body = None
        self.content_type = (header(entry.get("headers"), "Content-Type") or "application/json").lower()
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(entry.get("query") or {}),
            header=Headers(entry.get("headers") or {}),
        )


class LoggedResponse:
    """openapi_core.protocols.Response built from a log entry."""

    def __init__(self, entry: dict[str, Any]):
        from werkzeug.datastructures import Headers

        self.status_code = entry["status"]
        self.headers = Headers(entry.get("response_headers") or {})
        body = entry.get("response_body")
        self.data = b"" if body is None else json.dumps(body).encode("utf-8")
        self.content_type = (header(entry.get("response_headers"), "Content-Type") or "application/json").lower()


def describe_error(error: BaseException) -> str:
    """The validator's message plus the underlying JSON-schema errors, on one line."""
    parts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        text = str(current)
        if text and not any(text in part for part in parts):
            parts.append(text)
        for schema_error in getattr(current, "schema_errors", None) or ():
            location = "/".join(str(p) for p in getattr(schema_error, "absolute_path", ())) or "<body>"
            parts.append(f"at {location}: {getattr(schema_error, 'message', schema_error)}")
        current = current.__cause__ or current.__context__
    return " | ".join(parts) or type(error).__name__


def error_body_problem(body: Any) -> str | None:
    """None if ``body`` is one of SendGrid's error shapes, else what is wrong with it."""
    if isinstance(body, dict) and set(body) == {"error"}:
        return None if isinstance(body["error"], str) else '"error" must be a string'
    if not isinstance(body, dict) or "errors" not in body or not set(body) <= {"errors", "id"}:
        return f'not a SendGrid error body ({{"errors":[...]}} or {{"error": str}}): {json.dumps(body)[:200]}'
    errors = body["errors"]
    if not isinstance(errors, list) or not errors:
        return '"errors" must be a non-empty array'
    for item in errors:
        if not isinstance(item, dict) or not isinstance(item.get("message"), str):
            return f'every "errors" item needs a string "message": {json.dumps(item)[:200]}'
        if not set(item) <= ERROR_ITEM_KEYS:
            return f'unexpected keys in an "errors" item: {sorted(set(item) - ERROR_ITEM_KEYS)}'
        if item.get("field") is not None and not isinstance(item["field"], str):
            return '"field" must be a string or null'
    return None


def status_declared(status: int, declared: Iterable[str]) -> bool:
    declared = set(declared)
    return str(status) in declared or f"{str(status)[0]}XX" in declared or "default" in declared


# ---------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------


@dataclass
class OperationStats:
    route: str
    requests: int = 0
    validated: int = 0            # entries whose request and declared-status response validated


@dataclass
class Report:
    spec_path: Path
    nullable_translated: int
    operations: dict[str, OperationStats]
    entries: int = 0
    skipped: int = 0              # entries outside /v3
    validated: int = 0
    undeclared: Counter = field(default_factory=Counter)     # status -> count
    faults: int = 0
    dropped: int = 0
    failures: list[str] = field(default_factory=list)
    missing_required: list[str] = field(default_factory=list)

    def fail(self, entry: dict[str, Any], where: str, message: str) -> None:
        self.failures.append(f"#{entry.get('seq', '?')} {entry.get('method')} {entry.get('path')} -> "
                             f"{entry.get('status')}: {where}: {message}")

    @property
    def ok(self) -> bool:
        return not self.failures and not self.missing_required


class ContractValidator:
    def __init__(self, spec: dict[str, Any], spec_path: Path):
        from openapi_core import OpenAPI
        from openapi_core.templating.paths.finders import APICallPathFinder

        translated, self.nullable_translated = translate_nullable(spec)
        self.spec_path = spec_path
        self.operation_routes = spec_operations(translated)
        self.app = OpenAPI.from_dict(translated)
        self.finder = APICallPathFinder(self.app.spec)

    def new_report(self) -> Report:
        return Report(self.spec_path, self.nullable_translated,
                      {op: OperationStats(route) for op, route in self.operation_routes.items()})

    def validate(self, entries: Iterable[dict[str, Any]], required: Iterable[str] = ()) -> Report:
        report = self.new_report()
        for entry in entries:
            report.entries += 1
            if not str(entry.get("path", "")).startswith("/v3/"):
                report.skipped += 1
                continue
            self.validate_entry(entry, report)
        report.missing_required = [op for op in required if report.operations[op].validated == 0]
        return report

    def validate_entry(self, entry: dict[str, Any], report: Report) -> None:
        from openapi_core.templating.paths.exceptions import PathError

        request = LoggedRequest(entry)
        try:
            found = self.finder.find(request.method, request.host_url + request.path)
        except PathError as error:
            report.fail(entry, "request", f"no such operation in the spec ({error})")
            return
        operation_id = (found.operation / "operationId").read_value()
        stats = report.operations[operation_id]
        stats.requests += 1
        request_ok = self.check(entry, report, "request", lambda: self.app.validate_request(request))

        status = entry.get("status")
        if status is None:
            report.dropped += 1
            if not entry.get("fault"):
                report.fail(entry, "response", "no response recorded and no injected fault explains it")
            return
        if entry.get("fault"):
            report.faults += 1
            self.check_error_shape(entry, report, "injected-fault response")
            return
        if status_declared(status, (found.operation / "responses").keys()):
            response = LoggedResponse(entry)
            if self.check(entry, report, f"response ({operation_id})",
                          lambda: self.app.validate_response(request, response)):
                report.validated += 1
                stats.validated += int(request_ok)
            return
        report.undeclared[status] += 1
        if status < 400:
            report.fail(entry, "response", f"success status {status} is not declared for {operation_id}")
        else:
            self.check_error_shape(entry, report, f"undeclared status {status}")

    @staticmethod
    def check(entry: dict[str, Any], report: Report, where: str, action: Any) -> bool:
        try:
            action()
        except Exception as error:          # openapi-core raises many unrelated exception types
            report.fail(entry, where, describe_error(error))
            return False
        return True

    @staticmethod
    def check_error_shape(entry: dict[str, Any], report: Report, where: str) -> None:
        problem = error_body_problem(entry.get("response_body"))
        if problem:
            report.fail(entry, where, problem)


def read_log(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        raise UsageError(f"log file not found: {path}")
    entries = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except ValueError as error:
            raise UsageError(f"{path}:{number}: not a JSON line: {error}") from error
        if not isinstance(entry, dict) or "method" not in entry or "path" not in entry:
            raise UsageError(f"{path}:{number}: not a request log entry")
        entries.append(entry)
    return entries


def format_report(report: Report) -> str:
    total = len(report.operations)
    exercised = {op: s for op, s in report.operations.items() if s.validated}
    lines = [
        f"spec: {report.spec_path} ({total} operations; {report.nullable_translated} OAS-3.0 'nullable' "
        "schemas read as 3.1 type unions)",
        f"log entries: {report.entries} ({report.skipped} outside /v3 skipped)",
        f"responses validated against a declared status: {report.validated}",
        "undeclared error statuses (error shape checked): "
        + (", ".join(f"{s} x{n}" for s, n in sorted(report.undeclared.items())) or "none"),
        f"injected-fault responses (error shape checked): {report.faults}; dropped connections: "
        f"{report.dropped}",
        f"operations exercised (request + declared response validated): {len(exercised)}/{total}",
    ]
    for op, stats in sorted(report.operations.items(), key=lambda pair: pair[1].route.split(" ")[::-1]):
        mark = "ok  " if stats.validated else "--  "
        lines.append(f"  {mark}{op:<38} {stats.route:<52} requests={stats.requests} validated={stats.validated}")
    if report.missing_required:
        lines.append("required operations never exercised: " + ", ".join(report.missing_required))
    lines.append(f"failures: {len(report.failures)}")
    lines.extend(f"  FAIL {failure}" for failure in report.failures)
    lines.append("RESULT: " + ("PASS" if report.ok else "FAIL"))
    return "\n".join(lines)


def parse_required(values: list[str] | None, known: Iterable[str]) -> list[str]:
    known = sorted(known)
    names = [name.strip() for value in values or () for name in value.split(",") if name.strip()]
    if "all" in names:
        return known
    unknown = [name for name in names if name not in known]
    if unknown:
        raise UsageError(f"--require-operations: unknown operationId(s) {unknown}; known: {', '.join(known)}")
    return names


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--spec", help=f"OpenAPI JSON (default: ${SPEC_ENV} or {DEFAULT_SPEC})")
    parser.add_argument("--log", required=True, type=Path, help="JSON-lines request log (emulator --log)")
    parser.add_argument("--require-operations", action="append", metavar="OP1,OP2",
                        help="fail unless each operationId was exercised with a validated declared response "
                             "('all' = every operation in the spec); may be repeated")
    args = parser.parse_args(argv)
    try:
        spec_path = resolve_spec_path(args.spec)
        validator = validator_for(spec_path)
        entries = read_log(args.log)
        required = parse_required(args.require_operations, validator.operation_routes)
    except UsageError as error:
        print(f"validate_contract: {error}", file=sys.stderr)
        return 1
    report = validator.validate(entries, required)
    if report.entries - report.skipped == 0:
        report.failures.append(f"the log {args.log} has no /v3 entries: nothing was validated")
    print(format_report(report))
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
