"""The operation table of ``module_utils/_api.py`` agrees with Twilio's OpenAPI description.

For every declared ``Operation``: the spec has its method and path with the same operationId;
``global_only`` is true exactly when the spec's ``servers`` override lists only
``https://api.sendgrid.com`` (ENDPOINTS.md §11 "Host per operation"); and the declared response
shape is the kind of the spec's 2xx schema (an array, a cursor page with ``result``, an object, or
no body; the partner IP list's pages, ``result`` with ``pages``, are objects read by the last IP). Every key a shape requires is a property of that schema.

The spec is read from ``$SENDGRID_OPENAPI_SPEC`` or ``../shared/sendgrid-openapi/ip-endpoints.json``
beside the repository (as tests/contract does); the collection from ``$SENDGRID_TEST_COLLECTIONS_PATH``.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SPEC_DIR = REPO_ROOT.parent / "shared" / "sendgrid-openapi"
SPEC_FILES = ("ip-endpoints.json", "ip-lifecycle-endpoints.json")
GLOBAL = "https://api.sendgrid.com"


def spec_operations() -> dict[tuple[str, str], dict[str, Any]]:
    override = os.environ.get("SENDGRID_OPENAPI_SPEC")
    paths = [Path(override)] if override else [SPEC_DIR / name for name in SPEC_FILES]
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for path in paths:
        assert path.is_file(), f"OpenAPI description not found: {path} (set SENDGRID_OPENAPI_SPEC)"
        document = json.loads(path.read_text(encoding="utf-8"))
        for template, item in document["paths"].items():
            for method, operation in item.items():
                if method in ("get", "put", "post", "patch", "delete"):
                    servers = operation.get("servers") or item.get("servers") or document.get("servers") or []
                    found[(method.upper(), template)] = {**operation, "_servers": [s["url"] for s in servers],
                                                         "_document": document}
    return found


def api_module(collections: Path) -> Any:
    if str(collections) not in sys.path:
        sys.path.insert(0, str(collections))
    return importlib.import_module("ansible_collections.mailops.sendgrid.plugins.module_utils._api")


def resolved(schema: Any, document: dict[str, Any]) -> Any:
    """``schema`` with every local ``$ref`` replaced by what it points at."""
    if isinstance(schema, dict):
        if "$ref" in schema:
            target: Any = document
            for part in schema["$ref"].lstrip("#/").split("/"):
                target = target[part]
            return resolved(target, document)
        return {key: resolved(value, document) for key, value in schema.items()}
    if isinstance(schema, list):
        return [resolved(value, document) for value in schema]
    return schema


def success_schema(operation: dict[str, Any]) -> tuple[str, dict[str, Any] | None]:
    for status, response in sorted(operation.get("responses", {}).items()):
        if status.startswith("2"):
            content = (response.get("content") or {}).get("application/json")
            return status, resolved((content or {}).get("schema"), operation["_document"])
    raise AssertionError(f"{operation['operationId']} declares no 2xx response")


def kind_of(schema: dict[str, Any] | None) -> str:
    if not schema:
        return "none"
    if schema.get("type") == "array":
        return "list"
    keys = schema.get("properties") or {}
    # {"result", "pages"}: the partner IP list, paged by its last IP; each page is an object (iter_marker_pages)
    if "result" in keys and "pages" not in keys:
        return "cursor"
    return "object"


def properties(schema: dict[str, Any], kind: str) -> set[str]:
    if kind == "list":
        return set((schema.get("items") or {}).get("properties") or {})
    if kind == "cursor":
        return set((schema["properties"]["result"].get("items") or {}).get("properties") or {})
    return set(schema.get("properties") or {})


def test_every_operation_is_the_spec_s(collections: Path) -> None:
    api = api_module(collections)
    spec = spec_operations()
    problems = []
    for operation in api.OPERATIONS.values():
        declared = spec.get((operation.method, operation.path))
        if declared is None:
            problems.append(f"{operation}: no such operation in the spec")
            continue
        if declared["operationId"] != operation.name:
            problems.append(f"{operation}: the spec calls it {declared['operationId']}")
        global_only = declared["_servers"] == [GLOBAL]
        if operation.global_only != global_only:
            problems.append(f"{operation}: global_only is {operation.global_only}, the spec serves it from"
                            f" {declared['_servers']}")
        _status, schema = success_schema(declared)
        kind = kind_of(schema)
        if operation.response.kind != kind and not (operation.response.kind == "none" and kind != "none"
                                                    and operation.method != "GET"):
            problems.append(f"{operation}: declared {operation.response.kind}, the spec's body is {kind}")
        if schema and operation.response.keys:
            missing = set(operation.response.keys) - properties(schema, kind)
            if missing:
                problems.append(f"{operation}: requires {sorted(missing)}, not properties of the spec's body")
    assert not problems, "\n".join(problems)


def test_only_writes_leave_their_answer_unread(collections: Path) -> None:
    api = api_module(collections)
    unread = [str(op) for op in api.OPERATIONS.values() if op.response.kind == "none" and op.method == "GET"]
    assert not unread


@pytest.mark.parametrize("name", ["AddIp", "IpAddressManagementAddIp"])
def test_the_spec_s_global_only_set_is_the_one_the_docs_name(name: str) -> None:
    # The connection docs list POST /v3/ips and POST /v3/send_ips/ips as global-only too (not in _api yet).
    spec = spec_operations()
    matches = [op for op in spec.values() if op["operationId"] == name]
    assert len(matches) == 1 and matches[0]["_servers"] == [GLOBAL]
