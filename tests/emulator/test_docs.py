"""The emulator's docs (tests/emulator/README.md) say what the code does."""

from __future__ import annotations

import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from sgemu import choices, control  # noqa: E402  pylint: disable=wrong-import-position
from sgemu.routing import ROUTES  # noqa: E402  pylint: disable=wrong-import-position
# Importing the core registers the routes.
from sgemu import core  # noqa: E402,F401  pylint: disable=wrong-import-position,unused-import

README = (HERE / "README.md").read_text(encoding="utf-8")


def test_the_readme_table_of_undeclared_statuses_is_the_one_the_validator_reads() -> None:
    found = re.search(r"<!-- choices:begin -->\n(.*?)\n<!-- choices:end -->", README, re.S)
    assert found, "README.md lost its choices markers"
    assert found.group(1) == choices.markdown_table(), "run: cd tests/emulator && python -m sgemu.choices"


def test_every_control_endpoint_is_documented() -> None:
    source = Path(control.__file__).read_text(encoding="utf-8")
    endpoints = set(re.findall(r'\("(GET|POST|DELETE)", "(/_emulator/[a-z_]+)"\)', source))
    assert len(endpoints) >= 17
    for method, path in endpoints:
        assert f"`{method} {path}" in README, f"{method} {path} is not in README.md's control table"


def test_the_emulator_serves_the_45_operations_and_knows_the_global_only_ones() -> None:
    operations = {r.operation_id for r in ROUTES}
    assert len(ROUTES) == len(operations) == 45
    global_only = sorted(r.operation_id for r in ROUTES if r.global_only)
    assert global_only == sorted(["AddIp", "ListAssignedIp", "GetIp", "IpAddressManagementAddIp", "UpdateIp",
                                  "ListSubUserAssignedToIp", "AddSubUsersToIp", "DeleteSubUsersFromIp"])
    for name in global_only:
        template = next(r.template for r in ROUTES if r.operation_id == name)
        assert template.split("{")[0].rstrip("/") in README
