"""Every module, the lookup and the role against Prism serving Twilio's OpenAPI documents and their examples.

All cases (``prism_cases.py``) run as the tasks of one playbook (``ignore_errors``), once per session;
each case then gets three tests: Prism accepted every request the task made, the task's result is the
one the examples call for, and the task made exactly the expected writes and the reads it needs. A
failure names the case, what was expected, what came back, and Prism's exchanges during the task with
every violation Prism reported.
"""

from __future__ import annotations

import json
import pprint
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from faults_support import collection_root, collections_path
from prism_cases import CASES, NOT_REACHED, ROLE_SUMMARY_TASK, Case, CollectionRun
from prism_server import describe_exchange, is_rejected, response_violations

MISSING = object()
PARAMS = [pytest.param(case, id=case.id) for case in CASES]


def dotted(result: Any, key: str) -> Any:
    value = result
    for part in key.split("."):
        if not isinstance(value, dict) or part not in value:
            return MISSING
        value = value[part]
    return value


def show(value: Any) -> str:
    if value is MISSING:
        return " (missing)"
    text = pprint.pformat(value, width=110, sort_dicts=True)
    return " " + text if "\n" not in text else "\n" + "\n".join("        " + line for line in text.splitlines())


def writes_of(exchanges: list[dict[str, Any]]) -> list[tuple[str, Any]]:
    return [(f"{entry['method']} {entry['path']}", entry["request_body"]) for entry in exchanges
            if entry["method"] != "GET"]


def canonical(writes: list[tuple[str, Any]]) -> list[str]:
    return sorted(f"{operation} {json.dumps(body, sort_keys=True)}" for operation, body in writes)


def failure(case: Case, collection: CollectionRun, problems: list[str]) -> str:
    record = collection.record(case)
    result = record["result"]
    lines = [f"case {case.id} ({case.plugin} {json.dumps(case.args)}{', check mode' if case.check_mode else ''}):",
             f"  why: {case.why}", *(f"  - {problem}" for problem in problems),
             f"  task status: {record['status']}, changed: {result.get('changed')}"]
    if result.get("msg"):
        lines.append(f"  msg: {str(result['msg'])[:1500]}")
    if result.get("warnings"):
        lines.append(f"  warnings: {result['warnings']}")
    lines.append("  Prism exchanges during the task:")
    lines += [f"    {describe_exchange(entry)}" for entry in collection.during(case)] or ["    (none)"]
    lines.append(f"  playbook log: {collection.run.log_path}")
    return "\n".join(lines)


@pytest.mark.parametrize("case", PARAMS)
def test_prism_accepts_every_request(case: Case, collection_run: CollectionRun) -> None:
    rejected = [entry for entry in collection_run.during(case) if is_rejected(entry)]
    if rejected:
        pytest.fail(failure(case, collection_run, [f"Prism rejected {len(rejected)} request(s) of this task"]),
                    pytrace=False)


@pytest.mark.parametrize("case", PARAMS)
def test_result(case: Case, collection_run: CollectionRun) -> None:
    record = collection_run.record(case)
    result = record["result"]
    problems = []
    if case.check is not None:
        problems += case.check(record, writes_of(collection_run.during(case)))
    else:
        if record["status"] != case.status:
            problems.append(f"expected the task to end {case.status}, it ended {record['status']}")
        if case.changed is not None and record["status"] == "ok" and result.get("changed") != case.changed:
            problems.append(f"expected changed={case.changed}, got changed={result.get('changed')}")
        for key, expected in case.result.items():
            got = dotted(result, key)
            if got != expected:
                problems.append(f"expected {key}:{show(expected)}\n      got {key}:{show(got)}")
        warnings = " ".join(str(warning) for warning in result.get("warnings") or ())
        unnamed = [name for name in case.warnings_name if name not in warnings]
        if unnamed:
            problems.append(f"expected a warning naming {', '.join(unnamed)}; warnings: {result.get('warnings') or []}")
        message = str(result.get("msg", ""))
        problems += [f"expected the message to contain {fragment!r}" for fragment in case.msg_has
                     if fragment not in message]
    if case.role_summary_has and record["status"] == "ok":
        summary = collection_run.run.record(ROLE_SUMMARY_TASK)["result"].get("msg") or []
        if not any(case.role_summary_has in line for line in summary):
            problems.append(f"expected the role's summary to say {case.role_summary_has!r}: {summary}")
    if problems:
        pytest.fail(failure(case, collection_run, problems), pytrace=False)


@pytest.mark.parametrize("case", PARAMS)
def test_requests(case: Case, collection_run: CollectionRun) -> None:
    exchanges = collection_run.during(case)
    made = {entry["operation"] for entry in exchanges}
    problems = []
    if case.writes is not None and canonical(writes_of(exchanges)) != canonical(case.writes):
        problems.append(f"expected the writes{show(canonical(case.writes))}\n      got the writes"
                        f"{show(canonical(writes_of(exchanges)))}")
    problems += [f"expected a {operation} request" for operation in case.reads if operation not in made]
    problems += [f"expected no {operation} request" for operation in case.no_reads if operation in made]
    if problems:
        pytest.fail(failure(case, collection_run, problems), pytrace=False)


def test_no_request_rejected_by_prism(collection_run: CollectionRun) -> None:
    rejected = [entry for entry in collection_run.exchanges if is_rejected(entry)]
    assert collection_run.exchanges, "the playbook made no request at all"
    if rejected:
        pytest.fail(f"Prism rejected {len(rejected)} of {len(collection_run.exchanges)} requests:\n"
                    + "\n".join(describe_exchange(entry) for entry in rejected), pytrace=False)


def test_prism_log_shows_no_error(collection_run: CollectionRun) -> None:
    """Prism's own log is a second witness: no error or warning line while the playbook ran."""
    if collection_run.prism_logged:
        pytest.fail("Prism logged errors or warnings during the playbook:\n" + "\n".join(collection_run.prism_logged),
                    pytrace=False)


def test_examples_match_their_schemas(collection_run: CollectionRun) -> None:
    """Prism checks each answer it gives against the operation's schema: a mismatch is a spec oddity."""
    broken = [entry for entry in collection_run.exchanges if response_violations(entry)]
    if broken:
        pytest.fail("answers whose example breaks the response schema (a spec/example oddity):\n"
                    + "\n".join(describe_exchange(entry) for entry in broken), pytrace=False)


def test_operations_reached_as_documented(collection_run: CollectionRun, prism: Any) -> None:
    per_operation = Counter(entry["operation"] for entry in collection_run.exchanges)
    keys = {operation.key for operation in prism.operations}
    unexplained = sorted(key for key in keys if not per_operation[key] and key not in NOT_REACHED)
    stale = sorted(key for key in NOT_REACHED if per_operation[key])
    unknown = sorted(set(NOT_REACHED) - keys)
    problems = []
    if unexplained:
        problems.append(f"operations no case reaches and NOT_REACHED does not explain: {unexplained}")
    if stale:
        problems.append(f"operations now reached but still listed in NOT_REACHED (prism_cases.py): {stale}")
    if unknown:
        problems.append(f"NOT_REACHED names operations neither document has: {unknown}")
    assert len(keys) == 45, f"the two documents should hold 45 operations, found {len(keys)}"
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


def test_every_plugin_has_a_case() -> None:
    root = collection_root(collections_path())
    plugins = {path.stem for path in (root / "plugins" / "modules").glob("*.py")}
    if list((root / "plugins" / "lookup").glob("*.py")):
        plugins.add("lookup")
    if (root / "roles").is_dir() and any(Path(root / "roles").iterdir()):
        plugins.add("role")
    missing = sorted(plugins - {case.plugin for case in CASES})
    assert not missing, f"no case runs these against Prism: {missing} (add them to tests/prism/prism_cases.py)"
