"""``--diff`` shows names as the user wrote them: what ansible-playbook prints, not what a module returns.

ansible-core's callback prints a ``before``/``after`` that is a dictionary with ``json.dumps`` and its default
``ensure_ascii`` (``CallbackBase._serialize_diff``), so a pool named ``marketing-üß`` would show as
``marketing-\\u00fc\\u00df`` whatever the module did. The modules give ``before``/``after`` as the text the callback
would have printed, in UTF-8 (``_module.diff_text``); this runs real playbooks with ``--diff`` (``ANSIBLE_DIFF_ALWAYS``)
and reads their output.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from faults_support import Harness, task  # noqa: E402  pylint: disable=wrong-import-position

DIFF = {"ANSIBLE_DIFF_ALWAYS": "true"}


def diff_lines(output: str) -> list[str]:
    """The added and removed lines of the unified diffs in the output (not the ---/+++ headers)."""
    return [line for line in output.splitlines()
            if line[:1] in "+-" and not line.startswith(("+++", "---"))]


def test_a_pool_name_shows_in_utf8_in_the_diff(sg: Harness) -> None:
    run = sg.run("diff-utf8-pool", [
        task("create", "sendgrid_ip_pool", {"pool": "marketing-üß", "ips": ["192.0.2.31"]}),
        task("rename", "sendgrid_ip_pool", {"pool": "marketing-üß", "new_name": "marketing-ÄÖ"}),
    ], verbosity=0, extra_env=DIFF)

    assert run.ok("create")["changed"] is True and run.ok("rename")["changed"] is True
    lines = diff_lines(run.stdout)
    assert '+    "pool": "marketing-üß"' in lines, run.stdout
    assert '-    "pool": "marketing-üß"' in lines and '+    "pool": "marketing-ÄÖ"' in lines, run.stdout
    assert "\\u00" not in run.stdout, run.stdout


def test_a_subuser_name_shows_in_utf8_in_the_diff(sg: Harness) -> None:
    run = sg.run("diff-utf8-subuser", [
        task("create", "sendgrid_subuser", {"subuser": "müller", "email": "m@example.com", "password": "Sup3r-secret!",
                                            "ips": ["192.0.2.31"]}),
    ], verbosity=0, extra_env=DIFF)

    assert run.ok("create")["changed"] is True
    assert '+    "subuser": "müller",' in diff_lines(run.stdout), run.stdout
    assert "\\u00" not in run.stdout, run.stdout


def test_a_layout_pool_name_shows_in_utf8_in_the_diff(sg: Harness) -> None:
    run = sg.run("diff-utf8-layout", [
        task("layout", "sendgrid_ip_layout", {"pools": {"marketing-üß": ["192.0.2.31"]}}),
    ], verbosity=0, extra_env=DIFF)

    assert run.ok("layout")["changed"] is True
    assert '+        "marketing-üß": [' in diff_lines(run.stdout), run.stdout
    assert "\\u00" not in run.stdout, run.stdout
