"""Fixtures of tests/prism: Prism serving the two OpenAPI documents, and one playbook run of every case.

Run with ``make prism`` (it installs Prism and stages the collection), or by hand:

    PRISM_CLI=BUILD_DIR/prism-npm/node_modules/.bin/prism SENDGRID_TEST_COLLECTIONS_PATH=BUILD_DIR/src \
        .venv/bin/python -m pytest tests/prism

``PRISM_LOG_DIR`` (default: a pytest temporary folder) receives Prism's output, ``exchanges.jsonl``
(every request with Prism's answer and violations), the playbook, its log and ``report.txt``.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

PRISM_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(PRISM_DIR))
sys.path.insert(0, str(PRISM_DIR.parent / "faults"))
# pylint: disable=wrong-import-position
from faults_support import Harness, collections_path, lookup_task, new_api_key, task  # noqa: E402
from prism_cases import CASES, NOT_REACHED, Case, CollectionRun  # noqa: E402
from prism_server import (  # noqa: E402
    DOCUMENTS,
    PRISM_CLI_ENV,
    PrismMock,
    describe_exchange,
    is_rejected,
    openapi_dir,
    response_violations,
)

LOG_DIR_ENV = "PRISM_LOG_DIR"
PRISM_LOG_DELAY = 0.5  # seconds for Prism to write the log lines of the last requests
REPORT: dict[str, Any] = {}


def case_task(case: Case) -> dict[str, Any]:
    keywords: dict[str, Any] = {"ignore_errors": True}
    if case.check_mode:
        keywords["check_mode"] = True
    if case.plugin == "lookup":
        return lookup_task(case.id, case.args, **keywords)
    if case.plugin == "role":
        return {"name": case.id, "ansible.builtin.include_role": {"name": "mailops.sendgrid.ip_layout",
                                                                  "apply": keywords},
                "vars": {"sendgrid_ip_layout": case.args}}
    return task(case.id, case.plugin, case.args, diff=True, **keywords)


@pytest.fixture(scope="session")
def log_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = Path(os.environ[LOG_DIR_ENV]) if os.environ.get(LOG_DIR_ENV) else tmp_path_factory.mktemp("prism")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def prism(log_dir: Path) -> Iterator[PrismMock]:
    prism_cli = os.environ.get(PRISM_CLI_ENV, "")
    if not prism_cli:
        pytest.exit(f"tests/prism cannot run: {PRISM_CLI_ENV} is not set; `make prism` installs Prism and sets it",
                    returncode=2)
    with PrismMock(Path(prism_cli), openapi_dir(), log_dir, api_key=new_api_key("prism-")) as mock:
        REPORT.update(version=mock.prism_version(), started_in=mock.started_in, log_dir=str(log_dir),
                      operations=[(op.key, op.operation_id, op.document) for op in mock.operations])
        yield mock


@pytest.fixture(scope="session")
def collection_run(prism: PrismMock, log_dir: Path) -> CollectionRun:
    try:
        collections = collections_path()
    except LookupError as error:
        pytest.exit(f"tests/prism cannot run: {error}", returncode=2)
    workdir = log_dir / "playbook"
    workdir.mkdir(exist_ok=True)
    harness = Harness(prism, workdir, collections, wrong_key=new_api_key("wrong-"))
    tasks = [case_task(case) for case in CASES if case.task_name == case.id or case.plugin == "role"]
    logged_before = {document: len(process.logged_problems()) for document, process in prism.processes.items()}
    run = harness.run("prism", tasks)
    time.sleep(PRISM_LOG_DELAY)
    exchanges = [entry for entry in prism.exchanges() if run.started <= entry["time"] <= run.ended]
    logged = [f"{document}: {line}" for document, process in prism.processes.items()
              for line in process.logged_problems()[logged_before[document]:]]
    REPORT.update(tasks=len(tasks), playbook_seconds=run.elapsed, playbook_log=str(run.log_path),
                  exchanges=exchanges, prism_logged=logged)
    return CollectionRun(run, exchanges, logged)


def report_lines() -> list[str]:
    if "exchanges" not in REPORT:
        return ["the playbook did not run: no Prism report"]
    exchanges = REPORT["exchanges"]
    per_operation = Counter(entry["operation"] for entry in exchanges)
    operations = REPORT["operations"]
    reached = sorted((key.split()[1], key, op_id) for key, op_id, _doc in operations if per_operation[key])
    not_reached = sorted((key.split()[1], key, op_id) for key, op_id, _doc in operations if not per_operation[key])
    rejected = [entry for entry in exchanges if is_rejected(entry)]
    bad_examples = [entry for entry in exchanges if response_violations(entry)]
    writes = sum(1 for entry in exchanges if entry["method"] != "GET")
    lines = [
        f"Prism {REPORT['version']} (@stoplight/prism-cli), one process per document ({', '.join(DOCUMENTS)})"
        f" behind a recording front; ready in {REPORT['started_in']:.1f} s",
        f"playbook: {REPORT['tasks']} tasks in {REPORT['playbook_seconds']:.1f} s ({REPORT['playbook_log']})",
        f"requests: {len(exchanges)} ({len(exchanges) - writes} reads, {writes} writes)",
        f"requests Prism rejected: {len(rejected)}",
        *(f"  {describe_exchange(entry)}" for entry in rejected),
        f"answers whose example breaks its own schema: {len(bad_examples)}",
        *(f"  {describe_exchange(entry)}" for entry in bad_examples),
        f"requests to no operation of the documents: {per_operation[None]}",
        f"errors and warnings in Prism's own log during the playbook: {len(REPORT['prism_logged'])}",
        *(f"  {line}" for line in REPORT["prism_logged"]),
        f"operations reached: {len(reached)} of {len(operations)}",
        *(f"  {key:52} {op_id:34} {per_operation[key]:3} request(s)" for _path, key, op_id in reached),
        f"operations not reached: {len(not_reached)}",
        *(f"  {key:52} {op_id:34} {NOT_REACHED.get(key, 'NOT EXPLAINED: no case reaches it')}"
          for _path, key, op_id in not_reached),
        f"exchange log: {Path(REPORT['log_dir']) / 'exchanges.jsonl'}",
    ]
    return lines


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not REPORT:
        return
    lines = report_lines()
    terminalreporter.section("Prism phase report")
    for line in lines:
        terminalreporter.write_line(line)
    log_dir = Path(REPORT["log_dir"])
    (log_dir / "report.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (log_dir / "report.json").write_text(json.dumps({key: value for key, value in REPORT.items()
                                                     if key != "exchanges"} | {"written": time.time()},
                                                    indent=1), encoding="utf-8")
