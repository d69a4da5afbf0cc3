"""Several SendGrid accounts on the local emulator, and an inventory with one host per account.

Shared by the ansible-runner test (``tests/runner/test_runner_accounts.py``, 3 accounts) and the
benchmark (``tests/benchmark/run.py``, 20 accounts with forks 1, 5 and 20).

Each account has an API key of its own and its own layout (a ``ConvergeWorkload`` of
``tests/benchmark/workloads.py`` with subusers named after the account). The inventory is the
pattern of ``docs/docsite/rst/accounts.rst``: one host per account with ``connection: local``, the
layout and the API URL as plain host variables, and the API key as an ansible-vault encrypted string
(``host_vars/<account>.yml``). Nothing here writes a key in clear text.

Each account runs in an emulator process of its own: the emulator of this tree serves one account
with one key. (Once the emulator serves several accounts, one key each, one process can serve them
all; nothing else here changes, as every host gets its own URL and key either way.)
"""

from __future__ import annotations

import json
import os
import secrets
import sys
import typing as t
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent.parent
for _path in (REPO_ROOT / 'tests' / 'emulator', REPO_ROOT / 'tests' / 'benchmark'):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from emulator_process import EmulatorProcess  # noqa: E402  (tests/emulator is not a package)
from workloads import ConvergeWorkload, subuser_ips_of  # noqa: E402

GROUP = 'sendgrid_accounts'
EXAMPLE_PLAYBOOK = REPO_ROOT / 'docs' / 'examples' / 'sendgrid_accounts.yml'


def account_name(index: int) -> str:
    return f'account-{index + 1:02d}'


class Account:
    """One account: its name (the inventory host), key, emulator and layout."""

    def __init__(self, name: str, workload: ConvergeWorkload, emulator: EmulatorProcess) -> None:
        self.name = name
        self.workload = workload
        self.emulator = emulator

    @property
    def api_key(self) -> str:
        return self.emulator.api_key

    @property
    def url(self) -> str:
        return self.emulator.url

    def reset(self, converged: bool = False) -> None:
        self.emulator.reset(self.workload.converged_seed() if converged else self.workload.seed())

    def requests_log(self) -> list[dict[str, t.Any]]:
        return self.emulator.requests_log()

    def clear_log(self) -> None:
        self.emulator.control('DELETE', 'requests').raise_for_status()

    def wrong_subusers(self) -> list[str]:
        """Subusers whose IPs are not the desired ones (empty when the account converged)."""
        current = subuser_ips_of(self.emulator.state())
        return sorted(name for name, ips in self.workload.desired.items() if current.get(name, set()) != set(ips))

    def writes(self) -> dict[str, t.Any]:
        """The writes in the request log, and whether they are the minimum: one PUT per differing subuser."""
        entries = self.requests_log()
        writes = [entry for entry in entries if entry['method'] != 'GET']
        written = sorted(entry['path'].split('/')[3] for entry in writes if entry['path'].startswith('/v3/subusers/'))
        refused = [entry for entry in entries if (entry.get('status') or 0) >= 400]
        return {'requests': len(entries), 'reads': len(entries) - len(writes), 'writes': len(writes),
                'refused': len(refused), 'written': written}


class AccountSet:
    """``count`` accounts, each in an emulator process of its own with a random key."""

    def __init__(self, workdir: Path, count: int, subusers: int, latency_ms: int = 0) -> None:
        self.workdir = Path(workdir)
        self.accounts: list[Account] = []
        for index in range(count):
            name = account_name(index)
            workload = ConvergeWorkload(subusers, prefix=name)
            emulator = EmulatorProcess(self.workdir / 'emulators' / name, api_key='SG.' + secrets.token_urlsafe(24),
                                       latency_ms=latency_ms)
            self.accounts.append(Account(name, workload, emulator))

    def __iter__(self) -> t.Iterator[Account]:
        return iter(self.accounts)

    def __len__(self) -> int:
        return len(self.accounts)

    def start(self) -> AccountSet:
        try:
            with ThreadPoolExecutor(max_workers=8) as pool:
                list(pool.map(lambda account: account.emulator.start(), self.accounts))
        except Exception:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        for account in self.accounts:
            account.emulator.stop()

    def reset(self, converged: bool = False) -> None:
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(lambda account: account.reset(converged), self.accounts))

    def clear_logs(self) -> None:
        for account in self.accounts:
            account.clear_log()

    def __enter__(self) -> AccountSet:
        return self.start()

    def __exit__(self, *exc_info: t.Any) -> None:
        self.stop()


def encrypt(plaintext: str, password: str) -> str:
    """ansible-vault's format (1.1, AES256), as ``ansible-vault encrypt`` writes it."""
    from ansible.parsing.vault import VaultLib, VaultSecret
    secret = VaultSecret(password.encode('utf-8'))
    return VaultLib([('default', secret)]).encrypt(plaintext, secret).decode('ascii')


def write_private(path: Path, text: str) -> Path:
    """Create ``path`` readable by its owner only (0600), as ansible-vault and AWX do for secrets."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, 'w', encoding='utf-8') as sink:
        sink.write(text)
    return path


def new_vault_password() -> str:
    return secrets.token_urlsafe(32)


def vaulted(name: str, value: str, password: str) -> str:
    """``name: !vault |`` and the encrypted value, as ``ansible-vault encrypt_string --name NAME`` prints it."""
    return f'{name}: !vault |\n' + ''.join(f'  {line}\n' for line in encrypt(value, password).splitlines())


def write_inventory(directory: Path, accounts: AccountSet, vault_password: str, python: str,
                    per_host_url: bool = True, keyless: t.Collection[str] = ()) -> Path:
    """``directory/hosts.yml`` and ``directory/host_vars/<account>.yml``; returns ``directory``.

    Each host's file holds its layout, its API URL (``per_host_url``) and ``sendgrid_api_key`` encrypted
    with ``vault_password`` as a string (``!vault``), not as a whole file: ``ansible-inventory --list``, which
    an AWX inventory sync runs, then passes the key on still encrypted (``__ansible_vault``). The hosts
    named in ``keyless`` get no key (to test that a host never falls back to another account's key).
    """
    directory = Path(directory)
    (directory / 'host_vars').mkdir(parents=True, exist_ok=True)
    hosts = {GROUP: {
        'hosts': {account.name: None for account in accounts},
        'vars': {'ansible_connection': 'local', 'ansible_python_interpreter': python},
    }}
    (directory / 'hosts.yml').write_text('# One host per SendGrid account (generated by tests/runner/accounts.py)\n'
                                         + json.dumps(hosts, indent=2) + '\n', encoding='utf-8')
    for account in accounts:
        plain: dict[str, t.Any] = {'sendgrid_ip_layout': {'subusers': account.workload.desired, 'exclusive': True}}
        if per_host_url:
            plain['sendgrid_api_url'] = account.url
        text = ''.join(f'{key}: {json.dumps(value, sort_keys=True)}\n' for key, value in sorted(plain.items()))
        if account.name not in keyless:
            text += vaulted('sendgrid_api_key', account.api_key, vault_password)
        write_private(directory / 'host_vars' / f'{account.name}.yml', text)
    return directory
