"""The many-accounts play (docs/examples/sendgrid_accounts.yml) run by ansible-runner as an AWX job template runs it.

Three accounts, each in an emulator with a key of its own, an inventory with one host per account and the keys
vault-encrypted (tests/runner/accounts.py), the SendGrid API credential type's injectors applied as AWX applies
them and the vault password given at the prompt (tests/runner/awx_job.py). Needs the collection:
SENDGRID_TEST_COLLECTIONS_PATH (set by `make runner`) is a collections path holding mailops.sendgrid.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from accounts import AccountSet, new_vault_password, write_inventory  # noqa: E402
from awx_job import AWXJob, converge_as_awx, injected  # noqa: E402

ACCOUNTS = 3
SUBUSERS = 10                  # 4 of them differ in each account
CREDENTIAL_KEY = 'SG.credential-key-of-no-account'


@pytest.fixture(scope='module')
def collections_path() -> Path:
    value = os.environ.get('SENDGRID_TEST_COLLECTIONS_PATH')
    if not value or not (Path(value) / 'ansible_collections' / 'mailops' / 'sendgrid').is_dir():
        pytest.fail('SENDGRID_TEST_COLLECTIONS_PATH must name a collections path holding mailops.sendgrid'
                    ' (`make runner` sets it)')
    return Path(value)


@pytest.fixture()
def accounts(tmp_path: Path):
    with AccountSet(tmp_path / 'accounts', ACCOUNTS, SUBUSERS) as started:
        started.reset()
        yield started


def make_job(tmp_path: Path, accounts: AccountSet, collections_path: Path, keyless: tuple[str, ...] = ()):
    password = new_vault_password()
    inventory = write_inventory(tmp_path / 'inventory', accounts, password, sys.executable, keyless=keyless)
    # The credential gives every host the API URL (and a key of no account: a host that used it would be refused).
    job = AWXJob(tmp_path / 'jobs', inventory, password, python=sys.executable, collections_path=collections_path,
                 credential={'api_key': CREDENTIAL_KEY, 'region': 'global', 'api_url': accounts.url})
    return job, password


def test_the_credential_type_injects_the_key_and_url_as_environment_and_the_region_as_an_extra_var():
    env, extra_vars = injected({'api_key': 'SG.x', 'region': 'eu'})
    assert env == {'SENDGRID_API_KEY': 'SG.x', 'SENDGRID_API_URL': ''}
    assert extra_vars == {'sendgrid_region': 'eu'}
    env, extra_vars = injected({'api_key': 'SG.x', 'api_url': 'https://proxy.example.com'})
    assert env['SENDGRID_API_URL'] == 'https://proxy.example.com' and extra_vars == {'sendgrid_region': 'global'}
    with pytest.raises(ValueError, match='api_key'):
        injected({'region': 'global'})


def test_check_mode_then_apply_then_nothing_left_for_every_account(tmp_path, accounts, collections_path):
    job, password = make_job(tmp_path, accounts, collections_path)
    steps = converge_as_awx(job, accounts)      # check (no write), apply (the minimum writes), check again
    assert [steps[f'{step}_status'] for step in ('check', 'apply', 'recheck')] == ['successful'] * 3
    # The keys of the accounts and the vault password are in no file in clear text; the credential's key is
    # only where ansible-runner records the job's environment (artifacts/<ident>/command).
    assert job.leaks([account.api_key for account in accounts] + [password]) == []
    assert job.leaks([CREDENTIAL_KEY]) and all(path.endswith('/command') for path in job.leaks([CREDENTIAL_KEY]))


def test_an_account_without_a_key_of_its_own_fails_before_any_request_and_stops_the_play(
        tmp_path, accounts, collections_path):
    job, _password = make_job(tmp_path, accounts, collections_path, keyless=('account-02',))
    runner = job.run(check=False)
    assert runner.status == 'failed'
    failed = [event['event_data'] for event in runner.events if event['event'] == 'runner_on_failed']
    assert [(data['host'], data['task']) for data in failed] == [
        ('account-02', 'Make sure this account has an API key of its own')]
    first, second, third = accounts
    assert first.wrong_subusers() == [] and first.writes()['writes'] == len(first.workload.differing)   # the canary
    # account-02 never sent the credential's key (or another account's) anywhere, and account-03 did not run at
    # all (max_fail_percentage 0 stopped the play): every request of the job is the canary's, none refused.
    log = accounts.emulator.requests_log()
    assert log and {entry['account'] for entry in log} == {first.name}
    assert [entry for entry in log if entry['status'] >= 400] == []
    assert second.wrong_subusers() and third.wrong_subusers()
