#!/usr/bin/env python
"""Contract test: validate a recorded SendGrid API log against Twilio's OpenAPI documents.

The log is the JSON-lines file written by ``tests/emulator/sendgrid_emulator.py --log``
(one request/response per line).  Each exchange is matched against whichever document
declares its operation (``ip-endpoints.json``: 35 operations, ``ip-lifecycle-endpoints.json``:
10 more) and its request must validate.  Beyond the schemas, the validator checks:

* the host: an operation whose ``servers`` list only api.sendgrid.com must not be sent to
  the EU host (the log's ``host`` field says which listener served it);
* the statuses: a declared status is schema-validated; an undeclared one is reported per
  operation and fails unless it is one of the emulator's documented choices
  (``tests/emulator/sgemu/choices.py``, the table in tests/emulator/README.md), and then it
  must still have a SendGrid error body (``{"errors":[{"field":..., "message":str}]}`` or
  ``{"error":str}``).  An undeclared success status always fails.
* responses of injected faults are the test's choice: only their error shape is checked
  (a 3xx fault needs none).  A dropped connection (no status) must come from a fault.

Spec paths: --spec (repeatable), else $SENDGRID_OPENAPI_SPEC (paths separated by
``os.pathsep``), else both documents in ../shared/sendgrid-openapi/ beside the repository.

Spec reading note: the documents are OpenAPI 3.1 but some of their schemas (19 in
ip-endpoints.json) use the OpenAPI 3.0 keyword ``nullable: true`` (e.g. ``start_date`` of
GET /v3/ips, whose own example is null).  3.1 ignores that keyword, so a literal reading
rejects every null those schemas were written to allow.  The validator translates
``{"type": T, "nullable": true}`` to ``{"type": [T, "null"]}`` before validating and
reports how many it changed.
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
SPEC_DIR = REPO_ROOT.parent / "shared" / "sendgrid-openapi"
DEFAULT_SPECS = (SPEC_DIR / "ip-endpoints.json", SPEC_DIR / "ip-lifecycle-endpoints.json")
SPEC_ENV = "SENDGRID_OPENAPI_SPEC"
# The emulator's listeners stand in for the spec's servers: its log says which one served a request.
HOST_URLS = {"global": "https://api.sendgrid.com", "eu": "https://api.eu.sendgrid.com"}
HOST_URL = HOST_URLS["global"]
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "options", "head", "trace")
ERROR_ITEM_KEYS = {"field", "message", "help", "error_id"}

sys.path.insert(0, str(REPO_ROOT / "tests" / "emulator"))
from sgemu.choices import is_choice  # noqa: E402  pylint: disable=wrong-import-position


class UsageError(Exception):
    """A problem with the command line or its input files (exit 1 with the message)."""


# ---------------------------------------------------------------------------
# Spec handling
# ---------------------------------------------------------------------------


def resolve_spec_paths(cli_values: list[str] | None) -> list[Path]:
    if cli_values:
        raws = list(cli_values)
    elif os.environ.get(SPEC_ENV):
        raws = [p for p in os.environ[SPEC_ENV].split(os.pathsep) if p]
    else:
        raws = [str(p) for p in DEFAULT_SPECS]
    return [Path(os.path.abspath(raw)) for raw in raws]


def load_spec(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise UsageError(f"OpenAPI spec not found: {path} (pass --spec PATH or set {SPEC_ENV})")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError as error:
        raise UsageError(f"OpenAPI spec {path} is not valid JSON: {error}") from error


def validator_for(spec_paths: list[Path]) -> ContractValidator:
    """A validator for the spec files.  Building one checks every document (~2 s each), so
    in-process callers (the pytest suite) reuse it while the documents are unchanged."""
    texts = tuple((str(path), json.dumps(load_spec(path), sort_keys=True)) for path in spec_paths)
    return _cached_validator(texts)


@functools.lru_cache(maxsize=4)
def _cached_validator(texts: tuple[tuple[str, str], ...]) -> ContractValidator:
    return ContractValidator([(json.loads(text), Path(path)) for path, text in texts])


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


def operation_hosts(spec: dict[str, Any]) -> dict[str, set[str]]:
    """operationId -> the hosts ("global", "eu") that serve it: the operation's ``servers``,
    else its path's, else the document's."""
    by_url = {url: host for host, url in HOST_URLS.items()}
    hosts = {}
    for item in spec.get("paths", {}).values():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                servers = operation.get("servers") or item.get("servers") or spec.get("servers") or []
                hosts[operation["operationId"]] = {by_url.get(s.get("url", "").rstrip("/"), s.get("url", ""))
                                                   for s in servers}
    return hosts


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
    document: str
    requests: int = 0
    validated: int = 0            # entries whose request and declared-status response validated
    undeclared: Counter = field(default_factory=Counter)     # status -> count (documented emulator choices)


@dataclass
class Report:
    spec_paths: list[Path]
    nullable_translated: dict[str, int]
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


@dataclass
class Document:
    path: Path
    app: Any                      # openapi_core.OpenAPI
    finder: Any                   # APICallPathFinder
    nullable_translated: int


class ContractValidator:
    def __init__(self, specs: list[tuple[dict[str, Any], Path]]):
        from openapi_core import OpenAPI
        from openapi_core.templating.paths.finders import APICallPathFinder

        self.spec_paths = [path for _spec, path in specs]
        self.documents: list[Document] = []
        self.operation_routes: dict[str, str] = {}
        self.operation_documents: dict[str, str] = {}
        self.hosts: dict[str, set[str]] = {}
        for spec, path in specs:
            translated, count = translate_nullable(spec)
            app = OpenAPI.from_dict(translated)
            self.documents.append(Document(path, app, APICallPathFinder(app.spec), count))
            routes = spec_operations(translated)
            clash = sorted(set(routes) & set(self.operation_routes))
            if clash:
                raise UsageError(f"{path}: operationIds {clash} are declared by another document too")
            self.operation_routes.update(routes)
            self.operation_documents.update({op: path.name for op in routes})
            self.hosts.update(operation_hosts(translated))

    def new_report(self) -> Report:
        return Report(self.spec_paths, {d.path.name: d.nullable_translated for d in self.documents},
                      {op: OperationStats(route, self.operation_documents[op])
                       for op, route in self.operation_routes.items()})

    def find(self, request: LoggedRequest) -> tuple[Document, Any] | None:
        """The document that declares the request's operation, and the operation found there."""
        from openapi_core.templating.paths.exceptions import PathError

        for document in self.documents:
            try:
                return document, document.finder.find(request.method, HOST_URL + request.path)
            except PathError:
                continue
        return None

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
        request = LoggedRequest(entry)
        match = self.find(request)
        if match is None:
            names = " or ".join(d.path.name for d in self.documents)
            report.fail(entry, "request", f"no such operation in {names}")
            return
        document, found = match
        operation_id = (found.operation / "operationId").read_value()
        stats = report.operations[operation_id]
        stats.requests += 1
        host = entry.get("host") or "global"
        if host not in self.hosts[operation_id]:
            served = ", ".join(HOST_URLS.get(h, h) for h in sorted(self.hosts[operation_id]))
            report.fail(entry, "host", f"{operation_id} is served only by {served}; this request went to the "
                                       f"{host} host ({HOST_URLS.get(host, host)})")
        request_ok = self.check(entry, report, "request", lambda: document.app.validate_request(request))

        status = entry.get("status")
        if status is None:
            report.dropped += 1
            if not entry.get("fault"):
                report.fail(entry, "response", "no response recorded and no injected fault explains it")
            return
        if entry.get("fault"):
            report.faults += 1
            if not 300 <= status <= 399 and status != 204:
                self.check_error_shape(entry, report, "injected-fault response")
            return
        if status_declared(status, (found.operation / "responses").keys()):
            response = LoggedResponse(entry)
            if self.check(entry, report, f"response ({operation_id})",
                          lambda: document.app.validate_response(request, response)):
                report.validated += 1
                stats.validated += int(request_ok)
            return
        report.undeclared[status] += 1
        stats.undeclared[status] += 1
        if status < 400:
            report.fail(entry, "response", f"success status {status} is not declared for {operation_id}")
        elif not is_choice(operation_id, status):
            report.fail(entry, "response", f"status {status} is not declared for {operation_id} and is not one of "
                                           "the emulator's documented choices (tests/emulator/sgemu/choices.py)")
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
    lines = [f"spec: {path}" for path in report.spec_paths] + [
        f"operations: {total}; OAS-3.0 'nullable' schemas read as 3.1 type unions: "
        + ", ".join(f"{name} {count}" for name, count in report.nullable_translated.items()),
        f"log entries: {report.entries} ({report.skipped} outside /v3 skipped)",
        f"responses validated against a declared status: {report.validated}",
        "undeclared error statuses (documented emulator choices, error shape checked): "
        + (", ".join(f"{s} x{n}" for s, n in sorted(report.undeclared.items())) or "none"),
        f"injected-fault responses (error shape checked): {report.faults}; dropped connections: "
        f"{report.dropped}",
        f"operations exercised (request + declared response validated): {len(exercised)}/{total}",
    ]
    for op, stats in sorted(report.operations.items(), key=lambda pair: pair[1].route.split(" ")[::-1]):
        mark = "ok  " if stats.validated else "--  "
        undeclared = " undeclared=" + ",".join(f"{s}x{n}" for s, n in sorted(stats.undeclared.items())) \
            if stats.undeclared else ""
        lines.append(f"  {mark}{op:<38} {stats.route:<52} requests={stats.requests} validated={stats.validated}"
                     f"{undeclared}")
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
    parser.add_argument("--spec", action="append",
                        help=f"an OpenAPI JSON document; may be repeated (default: ${SPEC_ENV}, else "
                             f"{' and '.join(str(p) for p in DEFAULT_SPECS)})")
    parser.add_argument("--log", required=True, type=Path, help="JSON-lines request log (emulator --log)")
    parser.add_argument("--require-operations", action="append", metavar="OP1,OP2",
                        help="fail unless each operationId was exercised with a validated declared response "
                             "('all' = every operation of the documents); may be repeated")
    args = parser.parse_args(argv)
    try:
        validator = validator_for(resolve_spec_paths(args.spec))
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
