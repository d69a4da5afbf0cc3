"""Prism (Stoplight's OpenAPI mock server) serving SendGrid's two OpenAPI documents behind one URL.

    with PrismMock(prism_cli, openapi_dir, log_dir) as prism:
        ... requests to prism.url ...
        prism.exchanges()      # every request with Prism's answer and its violations

Prism serves one document per process, so this starts two (``ip-endpoints.json`` and
``ip-lifecycle-endpoints.json``, each exactly as it is in ``../shared/sendgrid-openapi/``) on
free loopback ports, and a small front server in this process that the collection talks to.
The front dispatches each request by method and path to the process whose document declares
that operation (``/v3/subusers/{subuser_name}`` is in both documents, with other methods), and
passes requests and answers through unchanged. A request that no document declares goes to
the first process, so that Prism itself answers it (404 ``NO_PATH_MATCHED_ERROR`` or 405
``NO_METHOD_MATCHED_ERROR``).

The front records every exchange (never the ``Authorization`` header): the operation, the
request, Prism's status and body, and every violation Prism reported, from its
``sl-violations`` header (set when it answered with a response the spec declares, such as
a 400 example) and from the ``validation`` list of the ``application/problem+json`` errors it
generates itself (422 invalid request, 401 no credentials, 404/405 no such operation, 500
``VIOLATIONS``). See ``rejections()``.

Everything this starts is stopped when the ``with`` block ends, whatever happens in it.

Run it by hand (the Makefile installs Prism into the build dir; ``make prism`` prints where):

    python tests/prism/prism_server.py --prism-cli BUILD_DIR/prism/npm/node_modules/.bin/prism --serve
"""

from __future__ import annotations

import argparse
import ctypes
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OPENAPI_DIR = REPO_ROOT.parent / "shared" / "sendgrid-openapi"
OPENAPI_DIR_ENV = "SENDGRID_OPENAPI_DIR"
PRISM_CLI_ENV = "PRISM_CLI"
DOCUMENTS = ("ip-endpoints.json", "ip-lifecycle-endpoints.json")
METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
# Prism answers with an example as it is: with --errors, a response example that breaks its own schema
# would become a 500 and hide the example from the collection; without it, Prism still refuses every invalid
# request (422, or the 400 the operation declares) and reports response violations in sl-violations.
PRISM_FLAGS = ("--verboseLevel", "info")
START_TIMEOUT = 90.0   # two Prism processes parsing their documents on a busy 2-core machine
BODY_LOG_LIMIT = 4000  # characters of a body kept in the exchange log
HOP_BY_HOP = frozenset(("connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
                        "transfer-encoding", "upgrade", "host", "content-length"))
PR_SET_PDEATHSIG = 1
PROBLEM_TYPE = re.compile(r"#([A-Z_]+)$")
LOGGED_PROBLEM = re.compile(r"\s(✖|⚠)\s+(error|warning|fatal)\s")
LOGGED_BENIGN = re.compile(r"\[NEGOTIATOR\] ⚠\s+warning\s+Unable to find content for application/json$")


@dataclass(frozen=True)
class Operation:
    """One operation of one document."""

    document: str
    method: str          # upper case
    template: str        # the path as the document writes it, e.g. /v3/ips/{ip_address}
    operation_id: str
    pattern: re.Pattern[str]

    @property
    def key(self) -> str:
        return f"{self.method} {self.template}"

    @property
    def literal_segments(self) -> int:
        return sum(1 for segment in self.template.split("/") if segment and "{" not in segment)


def template_pattern(template: str) -> re.Pattern[str]:
    """A path template as a regular expression; a ``{name}`` matches one non-empty path segment part."""
    parts = re.split(r"(\{[^}/]+\})", template)
    return re.compile("".join("[^/]+" if part.startswith("{") else re.escape(part) for part in parts) + r"\Z")


def openapi_dir() -> Path:
    return Path(os.environ.get(OPENAPI_DIR_ENV) or DEFAULT_OPENAPI_DIR)


def load_operations(directory: Path) -> list[Operation]:
    """Every operation of the documents, the most literal templates first (as Prism prefers them)."""
    operations = []
    for document in DOCUMENTS:
        spec = json.loads((directory / document).read_text(encoding="utf-8"))
        for template, item in spec["paths"].items():
            for method, operation in item.items():
                if method in METHODS:
                    operations.append(Operation(document, method.upper(), template, operation["operationId"],
                                                template_pattern(template)))
    operations.sort(key=lambda op: (-op.literal_segments, op.template.count("{"), op.template, op.method))
    return operations


def match_operation(operations: list[Operation], method: str, path: str) -> Operation | None:
    for operation in operations:
        if operation.method == method and operation.pattern.match(path):
            return operation
    return None


def die_with_parent() -> None:
    """In the child before exec: Linux sends it SIGTERM when the process that started it dies (even by SIGKILL)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass  # not Linux: PrismMock.stop() and the SIGTERM handler still stop Prism


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PrismProcess:
    """One ``prism mock`` process serving one document on a loopback port."""

    def __init__(self, prism_cli: Path, document: Path, output: Path) -> None:
        self.prism_cli = prism_cli
        self.document = document
        self.output = output
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.port = free_port()
        command = [str(self.prism_cli), "mock", "--host", "127.0.0.1", "--port", str(self.port), *PRISM_FLAGS,
                   str(self.document)]
        with self.output.open("wb") as output:
            output.write(("$ " + " ".join(command) + "\n").encode())
            output.flush()
            # A session of its own: stop() ends Prism and anything it started, and nothing else.
            self.process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                            start_new_session=True, preexec_fn=die_with_parent)

    def ready(self) -> bool:
        """True once Prism answers HTTP (any status: an unauthenticated request gets a 404 or 401)."""
        if self.process is None or self.process.poll() is not None:
            raise RuntimeError(f"Prism for {self.document.name} exited with code "
                               f"{None if self.process is None else self.process.returncode}:\n{self.tail()}")
        try:
            with urllib.request.urlopen(f"{self.url}/", timeout=1):  # noqa: S310 - loopback only
                return True
        except urllib.error.HTTPError:
            return True
        except (urllib.error.URLError, OSError):
            return False

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def logged_problems(self) -> list[str]:
        """The error and warning lines of Prism's log so far (its start-up probe's 404 included).

        Left out: the negotiator's "Unable to find content for application/json", which Prism logs for every
        answer the spec declares without a body (204) to a request that accepts JSON.
        """
        try:
            text = self.output.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return []
        return [line for line in text.splitlines() if LOGGED_PROBLEM.search(line) and not LOGGED_BENIGN.search(line)]

    def tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.output.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
        except OSError as error:
            return f"(cannot read {self.output}: {error})"


def decode_body(raw: bytes, limit: int = BODY_LOG_LIMIT) -> Any:
    if not raw:
        return None
    text = raw.decode("utf-8", errors="replace")
    try:
        return json.loads(text)
    except ValueError:
        return text[:limit]


def clip(value: Any) -> Any:
    """A decoded body, cut to BODY_LOG_LIMIT characters of JSON when it is longer."""
    text = json.dumps(value)
    return value if len(text) <= BODY_LOG_LIMIT else text[:BODY_LOG_LIMIT] + "...(cut)"


def normalized_location(location: list[Any], default_side: str) -> list[str]:
    location = [str(part) for part in location]
    return location if location[:1] in (["request"], ["response"]) else [default_side, *location]


def prism_violations(header: str | None, content_type: str, body: Any) -> tuple[list[dict[str, Any]], str | None]:
    """The violations Prism reported for one exchange, and the type of the error Prism generated (if it did)."""
    violations: list[dict[str, Any]] = []
    if header:
        try:
            violations.extend(json.loads(header))
        except ValueError:
            violations.append({"location": ["request"], "severity": "Error", "code": "unparsed",
                               "message": f"sl-violations header that is not JSON: {header[:500]}"})
    problem = None
    if content_type.startswith("application/problem+json") and isinstance(body, dict):
        found = PROBLEM_TYPE.search(str(body.get("type") or ""))
        problem = found.group(1) if found else str(body.get("title") or "PRISM_ERROR")
        for item in body.get("validation") or ():
            if item not in violations:
                violations.append(item)
        if problem != "VIOLATIONS" and not body.get("validation"):
            violations.append({"location": ["request"], "severity": "Error", "code": problem,
                               "message": str(body.get("detail") or body.get("title"))})
    side = "request"
    for item in violations:
        item["location"] = normalized_location(item.get("location") or [], side)
    return violations, problem


class Front(ThreadingHTTPServer):
    """The URL the collection talks to: dispatches to the Prism processes and records every exchange."""

    daemon_threads = True

    def __init__(self, operations: list[Operation], backends: dict[str, str], log_path: Path) -> None:
        super().__init__(("127.0.0.1", 0), FrontHandler)
        self.operations = operations
        self.backends = backends
        self.log_path = log_path
        self.entries: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.log_path.write_text("", encoding="utf-8")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def route(self, method: str, path: str) -> tuple[Operation | None, str]:
        operation = match_operation(self.operations, method, path)
        document = operation.document if operation is not None else DOCUMENTS[0]
        return operation, self.backends[document]

    def record(self, entry: dict[str, Any]) -> None:
        with self.lock:
            entry["seq"] = len(self.entries) + 1
            self.entries.append(entry)
            with self.log_path.open("a", encoding="utf-8") as log:
                log.write(json.dumps(entry, sort_keys=True) + "\n")

    def snapshot(self) -> list[dict[str, Any]]:
        with self.lock:
            return [dict(entry) for entry in self.entries]


class FrontHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Front

    def log_message(self, format: str, *args: Any) -> None:  # pylint: disable=redefined-builtin
        """Quiet: the exchange log is the record."""

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self.forward()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET

    def forward(self) -> None:
        received = time.time()
        path, _separator, query = self.path.partition("?")
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        operation, backend = self.server.route(self.command, path)
        headers = {name: value for name, value in self.headers.items() if name.lower() not in HOP_BY_HOP}
        if body:
            headers["Content-Length"] = str(len(body))
        target = urllib.parse.urlsplit(backend)
        connection = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
        try:
            connection.request(self.command, self.path, body=body or None, headers=headers)
            response = connection.getresponse()
            status, reason = response.status, response.reason
            answer_headers = [(name, value) for name, value in response.getheaders() if name.lower() not in HOP_BY_HOP]
            answer = response.read()
        except (OSError, http.client.HTTPException) as error:
            status, reason, answer_headers = 502, "Bad Gateway", [("Content-Type", "application/problem+json")]
            answer = json.dumps({"type": "prism-front#BACKEND_UNREACHABLE", "title": "Prism did not answer",
                                 "detail": f"{backend}: {error}"}).encode()
        finally:
            connection.close()
        lowered = {name.lower(): value for name, value in answer_headers}
        content_type = lowered.get("content-type", "")
        decoded = decode_body(answer)
        violations, problem = prism_violations(lowered.get("sl-violations"), content_type, decoded)
        self.server.record({
            "time": round(received, 3),
            "duration_ms": round((time.time() - received) * 1000, 1),
            "method": self.command,
            "path": urllib.parse.unquote(path),
            "raw_path": path,
            "query": query,
            "operation": operation.key if operation else None,
            "operation_id": operation.operation_id if operation else None,
            "document": operation.document if operation else None,
            "authorization": "present" if self.headers.get("Authorization") else "missing",
            "request_headers": {name: self.headers[name] for name in ("Accept", "Content-Type", "on-behalf-of")
                                if self.headers.get(name) is not None},
            "request_body": clip(decode_body(body)),
            "status": status,
            "response_content_type": content_type,
            "response_body": clip(decoded),
            "violations": violations,
            "prism_error": problem,
        })
        # Recorded first, so that whoever got the answer finds its exchange in the log.
        self.send_response(status, reason)
        for name, value in answer_headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(answer)


def request_violations(entry: dict[str, Any]) -> list[dict[str, Any]]:
    return [item for item in entry["violations"] if item["location"][:1] == ["request"]]


def response_violations(entry: dict[str, Any]) -> list[dict[str, Any]]:
    return [item for item in entry["violations"] if item["location"][:1] == ["response"]]


def is_rejected(entry: dict[str, Any]) -> bool:
    """Prism refused the request: it broke the spec, or no document declares its operation."""
    return bool(request_violations(entry)) or (entry["prism_error"] not in (None, "VIOLATIONS"))


def describe_exchange(entry: dict[str, Any]) -> str:
    """One readable paragraph: the request, Prism's answer and every violation."""
    line = f"#{entry['seq']} {entry['method']} {entry['raw_path']}{'?' + entry['query'] if entry['query'] else ''}"
    if entry["request_body"] is not None:
        line += f" body={json.dumps(entry['request_body'])}"
    line += f" -> {entry['status']}"
    if entry["prism_error"]:
        line += f" (Prism: {entry['prism_error']})"
    for item in entry["violations"]:
        line += f"\n      violation [{'.'.join(item['location'])}] {item.get('code')}: {item.get('message')}"
    return line


def interrupt(_signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt("SIGTERM")


class PrismMock:
    """Both Prism processes and the front; a context manager that always stops them."""

    def __init__(self, prism_cli: Path, directory: Path, log_dir: Path, api_key: str = "SG.prism-phase") -> None:
        self.prism_cli = Path(prism_cli)
        self.directory = Path(directory)
        self.log_dir = Path(log_dir)
        self.api_key = api_key
        self.operations = load_operations(self.directory)
        self.processes = {document: PrismProcess(self.prism_cli, self.directory / document,
                                                 self.log_dir / f"prism-{Path(document).stem}.log")
                          for document in DOCUMENTS}
        self.front: Front | None = None
        self.thread: threading.Thread | None = None
        self.started_in: float | None = None
        self.previous_sigterm: Any = None

    @property
    def url(self) -> str:
        assert self.front is not None, "PrismMock is not started"
        return self.front.url

    def start(self) -> PrismMock:
        if not os.access(self.prism_cli, os.X_OK):
            raise RuntimeError(f"no Prism executable at {self.prism_cli}: run `make prism` (it installs Prism from"
                               f" tests/prism/package-lock.json into the build dir) or set {PRISM_CLI_ENV}")
        self.log_dir.mkdir(parents=True, exist_ok=True)
        if threading.current_thread() is threading.main_thread():
            # A SIGTERM (make interrupted, a CI timeout) ends the run like Ctrl-C, so that stop() still runs.
            self.previous_sigterm = signal.signal(signal.SIGTERM, interrupt)
        begun = time.monotonic()
        for process in self.processes.values():
            process.start()
        deadline = begun + START_TIMEOUT
        waiting = list(self.processes.values())
        while waiting:
            waiting = [process for process in waiting if not process.ready()]
            if waiting and time.monotonic() > deadline:
                raise RuntimeError(f"Prism not ready after {START_TIMEOUT:g}s: "
                                   + "; ".join(f"{p.document.name}:\n{p.tail()}" for p in waiting))
            if waiting:
                time.sleep(0.2)
        self.front = Front(self.operations, {doc: process.url for doc, process in self.processes.items()},
                           self.log_dir / "exchanges.jsonl")
        self.thread = threading.Thread(target=self.front.serve_forever, name="prism-front", daemon=True)
        self.thread.start()
        self.started_in = time.monotonic() - begun
        return self

    def stop(self) -> None:
        if self.front is not None:
            self.front.shutdown()
            self.front.server_close()
        for process in self.processes.values():
            process.stop()
        if self.previous_sigterm is not None:
            signal.signal(signal.SIGTERM, self.previous_sigterm)
            self.previous_sigterm = None

    def __enter__(self) -> PrismMock:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()

    def exchanges(self) -> list[dict[str, Any]]:
        return self.front.snapshot() if self.front is not None else []

    def rejections(self) -> list[dict[str, Any]]:
        return [entry for entry in self.exchanges() if is_rejected(entry)]

    def prism_version(self) -> str:
        completed = subprocess.run([str(self.prism_cli), "--version"], capture_output=True, text=True, timeout=60,
                                   check=False)
        return completed.stdout.strip() or completed.stderr.strip()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prism-cli", default=os.environ.get(PRISM_CLI_ENV), required=not os.environ.get(PRISM_CLI_ENV),
                        help=f"the prism executable (default: ${PRISM_CLI_ENV})")
    parser.add_argument("--openapi-dir", default=str(openapi_dir()), help="folder of the two documents")
    parser.add_argument("--log-dir", default="prism-logs", help="Prism output and exchanges.jsonl (default: %(default)s)")
    parser.add_argument("--serve", action="store_true", help="serve until interrupted, printing each exchange")
    args = parser.parse_args(argv)
    with PrismMock(Path(args.prism_cli), Path(args.openapi_dir), Path(args.log_dir)) as prism:
        print(f"Prism {prism.prism_version()} for {', '.join(DOCUMENTS)} at {prism.url}"
              f" (ready in {prism.started_in:.1f}s; log in {args.log_dir})", flush=True)
        if not args.serve:
            return 0
        seen = 0
        try:
            while True:
                time.sleep(0.5)
                entries = prism.exchanges()
                for entry in entries[seen:]:
                    print(describe_exchange(entry), flush=True)
                seen = len(entries)
        except KeyboardInterrupt:
            return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
