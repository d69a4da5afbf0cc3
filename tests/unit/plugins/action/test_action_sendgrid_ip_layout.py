# Copyright (c) mailops.sendgrid contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The sendgrid_ip_layout action plugin: YAML 1.1 booleans and numbers as names fail before the module runs."""

from __future__ import annotations

from unittest import mock

import pytest

from ansible.playbook.task import Task

from ansible_collections.mailops.sendgrid.plugins.action.sendgrid_ip_layout import ActionModule


def action_for(args):
    task = mock.MagicMock(Task)
    task.args = args
    task.async_val = 0
    task.check_mode = False
    task.action = 'mailops.sendgrid.sendgrid_ip_layout'
    connection = mock.MagicMock()
    connection._shell.tmpdir = None
    connection.has_native_async = False
    plugin = ActionModule(task, connection, mock.MagicMock(), loader=None, templar=None, shared_loader_obj=None)
    return plugin


def test_string_names_go_to_the_module_unchanged():
    plugin = action_for({'pools': {'yes-pool': ['192.0.2.1']}, 'subusers': {'shop': []}})
    with mock.patch.object(ActionModule, '_execute_module', return_value={'changed': True}) as execute, \
            mock.patch.object(ActionModule, '_remove_tmp_path'):
        result = plugin.run(task_vars={})
    assert result == {'changed': True}
    execute.assert_called_once_with(task_vars={}, wrap_async=False)


@pytest.mark.parametrize('pools, subusers, expected', [
    ({True: ['192.0.2.1'], 'fine': []}, None,
     ["pools: the name True is a boolean, not a name: YAML reads an unquoted yes, no, on, off, true or false as a"
      " boolean; quote the name as you meant it, for example 'yes': [...]"]),
    ({31: [], 750: []}, {False: []},
     ["pools: the name 31 is a number, not a name: YAML reads unquoted names such as 0x1F, 012 or 12:30 as numbers;"
      " quote the name as you meant it, for example '12:30': [...]",
      "pools: the name 750 is a number, not a name: YAML reads unquoted names such as 0x1F, 012 or 12:30 as numbers;"
      " quote the name as you meant it, for example '12:30': [...]",
      "subusers: the name False is a boolean, not a name: YAML reads an unquoted yes, no, on, off, true or false as a"
      " boolean; quote the name as you meant it, for example 'yes': [...]"]),
])
def test_names_yaml_turned_into_booleans_or_numbers_fail_before_the_module_runs(pools, subusers, expected):
    plugin = action_for({'pools': pools, 'subusers': subusers})
    with mock.patch.object(ActionModule, '_execute_module') as execute:
        result = plugin.run(task_vars={})
    execute.assert_not_called()
    assert result['failed'] is True and result['changed'] is False
    assert result['problems'] == expected
    assert result['msg'].startswith(f'the IP layout has {len(expected)} problem')
    assert 'nothing was written' in result['msg']
