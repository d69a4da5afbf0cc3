"""Several SendGrid accounts on the local emulator, and an inventory with one host per account.

Shared by the ansible-runner test (``tests/runner/test_runner_accounts.py``, 3 accounts) and the
benchmark (``tests/benchmark/run.py``, 20 accounts with forks 1, 5 and 20).

Each account has an API key of its own and its own layout (a ``ConvergeWorkload`` of
``tests/benchmark/workloads.py`` with subusers named after the account). The inventory is the
pattern of ``docs/docsite/rst/accounts.rst``: one host per account with ``connection: local``, the
layout and the API URL as plain host variables, and the API key as an ansible-vault encrypted string
(``host_vars/<account>.yml``). Nothing here writes a key in clear text.

One emulator process serves every account (``{"accounts": [...]}`` seeds, one key each): the key of a
request picks its account, and the request log says which account each request acted on.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
import typing as t
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
    """One account of the emulator: its id (the inventory host), key and layout."""

    def __init__(self, name: str, api_key: str, workload: ConvergeWorkload, emulator: EmulatorProcess) -> None:
        self.name = name
        self.api_key = api_key
        self.workload = workload
        self.emulator = emulator

    @property
    def url(self) -> str:
        return self.emulator.url

    def seed(self, converged: bool = False) -> dict[str, t.Any]:
        return self.workload.converged_seed() if converged else self.workload.seed()

    def reset(self, converged: bool = False) -> None:
        self.emulator.reset(self.seed(converged), account=self.name)

    def requests_log(self) -> list[dict[str, t.Any]]:
        return self.emulator.requests_log(account=self.name)

    def clear_log(self) -> None:
        self.emulator.control('DELETE', 'requests', params={'account': self.name}).raise_for_status()

    def wrong_subusers(self) -> list[str]:
        """Subusers whose IPs are not the desired ones (empty when the account converged)."""
        current = subuser_ips_of(self.emulator.state(account=self.name))
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
    """``count`` accounts in one emulator process, each with a random key of its own.

    The first account's key is the emulator's ``--api-key``; the others' are in the seed.
    """

    def __init__(self, workdir: Path, count: int, subusers: int, latency_ms: int = 0) -> None:
        self.workdir = Path(workdir)
        keys = ['SG.' + secrets.token_urlsafe(24) for _index in range(count)]
        self.emulator = EmulatorProcess(self.workdir / 'emulator', api_key=keys[0], latency_ms=latency_ms)
        self.accounts = [Account(account_name(index), keys[index], ConvergeWorkload(subusers, prefix=account_name(index)),
                                 self.emulator) for index in range(count)]

    def __iter__(self) -> t.Iterator[Account]:
        return iter(self.accounts)

    def __len__(self) -> int:
        return len(self.accounts)

    @property
    def url(self) -> str:
        return self.emulator.url

    def start(self) -> AccountSet:
        self.emulator.start()
        try:
            self.reset()
        except Exception:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        self.emulator.stop()

    def reset(self, converged: bool = False) -> None:
        """Every account back to its seed (or, ``converged``, to its layout), the request log cleared."""
        self.emulator.reset({'accounts': [
            {'id': account.name, **({'api_key': account.api_key} if index else {}), **account.seed(converged)}
            for index, account in enumerate(self.accounts)]})

    def clear_logs(self) -> None:
        self.emulator.control('DELETE', 'requests').raise_for_status()

    def refused(self) -> list[str]:
        """Requests of the whole log that got an error: a key of no account (401, ``account`` null) among them."""
        return [f'{entry["method"]} {entry["path"]} -> {entry["status"]} (account {entry.get("account")})'
                for entry in self.emulator.requests_log() if (entry.get('status') or 0) >= 400]

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
                    per_host_url: bool = False, keyless: t.Collection[str] = ()) -> Path:
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
        plain: dict[str, t.Any] = {'sendgrid_ip_layout': {'subusers': account.workload.desired, 'ips_state': 'exact'}}
        if per_host_url:
            plain['sendgrid_api_url'] = account.url
        text = ''.join(f'{key}: {json.dumps(value, sort_keys=True)}\n' for key, value in sorted(plain.items()))
        if account.name not in keyless:
            text += vaulted('sendgrid_api_key', account.api_key, vault_password)
        write_private(directory / 'host_vars' / f'{account.name}.yml', text)
    return directory
