"""The Prism harness itself: it routes all 45 operations, and it catches every way Prism refuses a request.

Without these, a phase with "zero rejections" could mean a front that hides them: each kind of refusal
(an invalid body, an invalid query on an operation that declares its own 400, no credentials, an
operation no document has) is provoked once and must be recorded as a rejection with its violation.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
from prism_server import Operation, PrismMock, describe_exchange, is_rejected, request_violations

PATH_VALUES = {"{ip_address}": "192.168.1.1", "{ip}": "127.0.0.1", "{pool_name}": "marketing", "{poolid}": "12345",
               "{subuser_name}": "example_subuser", "{id}": "123", "{accountID}": "account-1"}


def example_request_body(prism: PrismMock, operation: Operation) -> Any:
    spec = json.loads((prism.directory / operation.document).read_text(encoding="utf-8"))
    body = spec["paths"][operation.template][operation.method.lower()].get("requestBody")
    if not body:
        return None
    content = body["content"]["application/json"]
    if "example" in content:
        return content["example"]
    if "example" in content.get("schema", {}):
        return content["schema"]["example"]
    return next(iter(content["examples"].values()))["value"]


def send(prism: PrismMock, method: str, path: str, body: Any = None, auth: bool = True) -> dict[str, Any]:
    """One request through the front; returns the front's record of it."""
    before = len(prism.exchanges())
    headers = {"Accept": "application/json", **({"Authorization": f"Bearer {prism.api_key}"} if auth else {})}
    requests.request(method, prism.url + path, json=body, headers=headers, timeout=30)
    entries = prism.exchanges()[before:]
    assert len(entries) == 1, f"expected one recorded exchange, got {entries}"
    return entries[0]


def test_every_operation_is_routed_and_served(prism: PrismMock) -> None:
    """The spec's own example request of each operation reaches the Prism of its document and gets a 2xx."""
    problems = []
    for operation in prism.operations:
        path = operation.template
        for placeholder, value in PATH_VALUES.items():
            path = path.replace(placeholder, value)
        entry = send(prism, operation.method, path, example_request_body(prism, operation))
        if entry["operation"] != operation.key or entry["document"] != operation.document:
            problems.append(f"{operation.key}: routed as {entry['operation']} to {entry['document']}")
        if not 200 <= entry["status"] < 300 or is_rejected(entry) or entry["violations"]:
            problems.append(f"{operation.key} ({operation.document}): {describe_exchange(entry)}")
    assert len(prism.operations) == 45
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


@pytest.mark.parametrize(("method", "path", "body", "auth", "status", "fragment"), [
    pytest.param("PUT", "/v3/subusers/example_subuser/ips", ["not-an-ip"], True, 422, "ipv4", id="bad-body-422"),
    pytest.param("GET", "/v3/send_ips/ips?limit=many", None, True, 400, "limit", id="bad-query-declared-400"),
    pytest.param("POST", "/v3/send_ips/pools/12345/ips:batchAdd", {"addresses": []}, True, 400, "ips",
                 id="missing-property-declared-400"),
    pytest.param("GET", "/v3/ips", None, False, 401, "UNAUTHORIZED", id="no-credentials-401"),
    pytest.param("GET", "/v3/ips/pools/marketing/members", None, True, 404, "NO_PATH_MATCHED_ERROR",
                 id="no-such-path-404"),
    pytest.param("PATCH", "/v3/ips", {}, True, 405, "NO_METHOD_MATCHED_ERROR", id="no-such-method-405"),
])
def test_each_kind_of_refusal_is_recorded(prism: PrismMock, method: str, path: str, body: Any, auth: bool,
                                          status: int, fragment: str) -> None:
    entry = send(prism, method, path, body, auth=auth)
    assert entry["status"] == status, describe_exchange(entry)
    assert is_rejected(entry), f"not counted as a rejection: {describe_exchange(entry)}"
    described = describe_exchange(entry)
    assert fragment in described, f"the record does not say why ({fragment!r}): {described}"
    assert request_violations(entry), f"no request violation recorded: {described}"
