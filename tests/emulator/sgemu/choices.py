"""Every status the emulator returns that the spec does not declare for the operation.

This table is the one list: the README shows it (between the ``choices`` markers, checked
by tests/emulator/test_docs.py) and tests/contract/validate_contract.py accepts an
undeclared status only when it is here.  Statuses of injected faults are the test's choice,
not the emulator's, and are not listed.

    python -m sgemu.choices        # prints the README table (run in tests/emulator)
"""

from __future__ import annotations

from dataclasses import dataclass

ANY = "*"


@dataclass(frozen=True)
class StatusChoice:
    operations: tuple[str, ...]          # operationIds, or ("*",) for every operation
    status: int
    when: str


UNDECLARED_STATUSES: tuple[StatusChoice, ...] = (
    StatusChoice((ANY,), 401, "The API key is not an account's key, or `on-behalf-of` names no subuser (or "
                              "customer account) of the key's account."),
    StatusChoice((ANY,), 403, "On-behalf-of a subuser, an operation that is the parent's alone "
                              "(see \"on-behalf-of\")."),
    StatusChoice((ANY,), 429, "A rate-limit rule of the control API is used up (`X-RateLimit-*` headers)."),
    StatusChoice(("ListIp", "ListSubuser", "ListReverseDns"), 400,
                 "A bad `limit` (not an integer >= 1) or `offset` (not an integer >= 0), or a bad boolean or enum."),
    StatusChoice(("GetIp",), 404, "The IP is not on the account."),
    StatusChoice(("CreateIpPool", "UpdateIpPool"), 400,
                 "A pool name that is taken, not 2 to 64 characters, or starts with `.` or a space; 100 pools already."),
    StatusChoice(("AddIpToIpPool",), 400,
                 "`ip` is not an IPv4 address, the IP is in the pool already, or is not parent-assigned, or the pool "
                 "holds 100 IPs."),
    StatusChoice(("WarmUpIp",), 400, "`ip` is missing, or the IP is warming up already."),
    StatusChoice(("UpdateSubuserIp",), 400,
                 "The list is empty, holds something that is not an IPv4 address, an IP not on the account, or an IP "
                 "of another region than the subuser's."),
    StatusChoice(("UpdateSubuserIp",), 404, "No subuser has that name."),
    StatusChoice(("DeleteSubuser",), 400, "No subuser has that name (`invalid username`, as UpdateSubuser says)."),
    StatusChoice(("SetUpReverseDns",), 400,
                 "`ip` or `domain` is missing or malformed, the IP is not on the account, or it has a record already."),
    StatusChoice(("GetReverseDns", "DeleteReverseDns"), 404, "No record has that id (ValidateReverseDns's 404 body)."),
    StatusChoice(("CreateIpPool", "UpdateIpPool", "AddIpToIpPool", "WarmUpIp", "UpdateSubuserIp", "SetUpReverseDns"),
                 400, "The body is not JSON, or not a JSON object (an array for UpdateSubuserIp)."),
)


def is_choice(operation_id: str, status: int) -> bool:
    return any(c.status == status and (ANY in c.operations or operation_id in c.operations)
               for c in UNDECLARED_STATUSES)


def markdown_table() -> str:
    lines = ["| Operations | Status | When |", "| --- | --- | --- |"]
    for choice in UNDECLARED_STATUSES:
        operations = "every operation" if ANY in choice.operations else ", ".join(choice.operations)
        lines.append(f"| {operations} | {choice.status} | {choice.when} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown_table())
