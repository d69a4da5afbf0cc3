"""Run a playbook the way an AWX (Automation Controller) job runs it: through ansible-runner.

What AWX does for a job, and so what ``AWXJob.run`` does:

* a fresh private data dir per job, with the project (the playbook) under ``project/`` and the
  inventory as AWX hands it over: an executable ``inventory/hosts`` script printing the JSON that the
  inventory sync stored (``ansible-inventory --list`` over the inventory source; vault-encrypted
  strings stay encrypted in it, as ``__ansible_vault``);
* the credentials' injectors rendered with the credential's inputs (here the SendGrid API type of
  ``docs/awx/sendgrid_credential_type.yml``): ``env`` injectors become environment variables, passed to
  ansible-runner in memory; ``extra_vars`` injectors are written, with the job's extra variables, to
  ``env/extravars`` (mode 0600), the one file AWX itself writes them to;
* a Vault credential: ``--ask-vault-pass`` on the command line and the password given at the prompt
  (ansible-runner's ``passwords``, in memory), never in a file;
* ``suppress_env_files``: ansible-runner writes none of its own ``env/`` files (AWX's default,
  ``AWX_RUNNER_OMIT_ENV_FILES``);
* the job type ``check`` adds ``--check``, "Show changes" adds ``--diff``, the template's forks ``--forks``.

``expect_events`` checks a finished job from its events as AWX's job output does; ``leaks`` lists the
files of every private data dir that hold a secret in clear text.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import typing as t
from pathlib import Path

import yaml

from accounts import EXAMPLE_PLAYBOOK, REPO_ROOT, write_private

CREDENTIAL_TYPE = REPO_ROOT / 'docs' / 'awx' / 'sendgrid_credential_type.yml'
MODULE_TASK = 'Converge the SendGrid account to the IP layout'
VAULT_PROMPT = r'Vault password:\s*?$'        # the prompt AWX answers for a Vault credential


def injected(credential: t.Mapping[str, t.Any], credential_type: Path = CREDENTIAL_TYPE) -> tuple[dict, dict]:
    """The environment and extra variables a job gets from a credential of the type: AWX renders each
    injector with Jinja2 (a sandboxed environment), the credential's inputs as its variables; an input
    left empty renders as an empty string."""
    from jinja2.sandbox import ImmutableSandboxedEnvironment
    document = yaml.safe_load(credential_type.read_text(encoding='utf-8'))
    kind = document['credential_types'][0]
    fields = {field['id']: field for field in kind['inputs']['fields']}
    inputs = {name: credential.get(name, field.get('default', '')) for name, field in fields.items()}
    missing = [name for name in kind['inputs'].get('required', []) if not inputs.get(name)]
    if missing:
        raise ValueError(f'the credential lacks the required inputs {", ".join(missing)}')
    jinja = ImmutableSandboxedEnvironment()
    injectors = kind['injectors']

    def render(mapping: t.Mapping[str, str]) -> dict[str, str]:
        return {key: jinja.from_string(value).render(**inputs) for key, value in (mapping or {}).items()}

    return render(injectors.get('env')), render(injectors.get('extra_vars'))


INVENTORY_SCRIPT = '''#!{python}
# The inventory of this job as AWX hands it to ansible-runner: the JSON its inventory sync stored.
import sys
sys.stdout.write({document!r})
'''


class AWXJob:
    """Jobs of one job template: a playbook, an inventory, a SendGrid API credential and a Vault credential."""

    def __init__(self, workdir: Path, inventory_source: Path, vault_password: str, python: str,
                 collections_path: Path, credential: t.Mapping[str, t.Any], playbook: Path = EXAMPLE_PLAYBOOK) -> None:
        self.workdir = Path(workdir)
        self.playbook = Path(playbook)
        self.python = python
        self.collections_path = Path(collections_path)
        self.vault_password = vault_password
        self.env, self.credential_extra_vars = injected(credential)
        self.inventory = self.sync_inventory(Path(inventory_source))
        self.jobs = 0

    def sync_inventory(self, source: Path) -> str:
        """What an AWX inventory sync stores: ``ansible-inventory --list`` over the source, without the vault
        password (the sync of an inventory source has no Vault credential), so vaulted strings stay encrypted."""
        env = {key: value for key, value in os.environ.items() if not key.startswith(('SENDGRID_', 'ANSIBLE_VAULT'))}
        completed = subprocess.run([str(Path(sys.executable).parent / 'ansible-inventory'), '-i', str(source),
                                    '--list'], env=env, capture_output=True, text=True, check=False)
        if completed.returncode != 0:
            raise RuntimeError(f'ansible-inventory --list failed: {completed.stderr[-2000:]}')
        return completed.stdout

    def run(self, check: bool, forks: int | None = None, extra_vars: t.Mapping[str, t.Any] | None = None,
            diff: bool = True) -> t.Any:
        import ansible_runner
        self.jobs += 1
        private = self.workdir / f'job-{self.jobs}'
        if private.exists():
            shutil.rmtree(private)
        (private / 'project').mkdir(parents=True)
        shutil.copy(self.playbook, private / 'project' / self.playbook.name)
        script = private / 'inventory' / 'hosts'
        script.parent.mkdir()
        script.write_text(INVENTORY_SCRIPT.format(python=sys.executable, document=self.inventory), encoding='utf-8')
        script.chmod(0o700)
        write_private(private / 'env' / 'extravars',
                      yaml.safe_dump({**(extra_vars or {}), **self.credential_extra_vars}, default_flow_style=False))
        cmdline = ['--ask-vault-pass'] + (['--check'] if check else []) + (['--diff'] if diff else [])
        if forks:
            cmdline += ['--forks', str(forks)]
        envvars = {
            **self.env,
            # The execution environment's ansible-playbook: the one beside this Python.
            'PATH': os.pathsep.join([str(Path(sys.executable).parent), os.environ.get('PATH', '')]),
            'ANSIBLE_COLLECTIONS_PATH': str(self.collections_path),
            'ANSIBLE_PYTHON_INTERPRETER': self.python,
            'ANSIBLE_INVENTORY_UNPARSED_FAILED': 'True',
            'ANSIBLE_RETRY_FILES_ENABLED': 'False',
            'ANSIBLE_LOCAL_TEMP': str(private / 'tmp'),
            'ANSIBLE_REMOTE_TMP': str(private / 'tmp'),
        }
        return ansible_runner.run(
            private_data_dir=str(private), playbook=self.playbook.name, inventory=str(script), envvars=envvars,
            passwords={VAULT_PROMPT: self.vault_password}, cmdline=' '.join(cmdline), suppress_env_files=True,
            quiet=True, ident='1')

    def leaks(self, secrets: t.Iterable[str]) -> list[str]:
        """Files under the jobs' private data dirs holding one of ``secrets`` in clear text."""
        wanted = [secret.encode('utf-8') for secret in secrets if secret]
        found = []
        for path in sorted(self.workdir.rglob('*')):
            if path.is_file() and not path.is_symlink():
                data = path.read_bytes()
                if any(secret in data for secret in wanted):
                    found.append(str(path.relative_to(self.workdir)))
        return found


def expect_events(runner: t.Any, hosts: t.Sequence[str], changed: bool, canary: str | None = None) -> list[str]:
    """Problems with a finished job, from its status and events (empty when it is as expected).

    Expected: status ``successful`` and rc 0; for every task and every host exactly one ``runner_on_ok``
    and no failed, unreachable or skipped result; the layout task ``changed`` as ``changed`` says and
    every other task unchanged; with ``canary``, that host's layout task done before any other host's began.
    """
    problems = []
    if runner.status != 'successful' or runner.rc != 0:
        problems.append(f'status {runner.status}, rc {runner.rc}')
    events = list(runner.events)
    tasks = sorted({event['event_data'].get('task') for event in events if event['event'] == 'playbook_on_task_start'})
    if MODULE_TASK not in [task.split(' : ')[-1] for task in tasks]:
        problems.append(f'no task {MODULE_TASK!r} among {tasks}')
    ok: dict[tuple[str, str], list[dict]] = {}
    for event in events:
        data = event.get('event_data') or {}
        if event['event'] in ('runner_on_failed', 'runner_on_unreachable', 'runner_on_skipped'):
            problems.append(f'{event["event"]}: {data.get("host")} / {data.get("task")}')
        if event['event'] == 'runner_on_ok':
            ok.setdefault((data['host'], data['task']), []).append(data)
    for task in tasks:
        for host in hosts:
            results = ok.get((host, task), [])
            if len(results) != 1:
                problems.append(f'{host} / {task}: {len(results)} runner_on_ok events, expected 1')
                continue
            want = changed if task.endswith(MODULE_TASK) else False
            if bool(results[0]['res'].get('changed')) != want:
                problems.append(f'{host} / {task}: changed {results[0]["res"].get("changed")}, expected {want}')
    extra = sorted({host for host, _task in ok} - set(hosts))
    if extra:
        problems.append(f'events for hosts outside the inventory: {extra}')
    if canary:
        order = [(event['event'], event['event_data'].get('host')) for event in events
                 if (event.get('event_data') or {}).get('task', '').endswith(MODULE_TASK)
                 and event['event'] in ('runner_on_start', 'runner_on_ok')]
        canary_done = order.index(('runner_on_ok', canary)) if ('runner_on_ok', canary) in order else None
        others_start = [index for index, (kind, host) in enumerate(order) if kind == 'runner_on_start' and host != canary]
        if canary_done is None or (others_start and min(others_start) < canary_done):
            problems.append(f'the canary {canary} was not converged alone before the other accounts')
    stats = runner.stats or {}
    if stats.get('failures') or stats.get('dark'):
        problems.append(f'stats: failures {stats.get("failures")}, unreachable {stats.get("dark")}')
    return problems


def converge_as_awx(job: AWXJob, accounts: t.Any, forks: int | None = None, canary: bool = True) -> dict[str, t.Any]:
    """Check mode (no write), apply (exactly one write per differing subuser, every account converged), check
    mode again (nothing to change, no write). Returns the steps' status and wall seconds; raises
    ``AssertionError`` naming every problem."""
    import time
    hosts = [account.name for account in accounts]
    extra = {} if canary else {'sendgrid_accounts_serial': '100%'}
    record: dict[str, t.Any] = {}
    for step, check, changed in (('check', True, True), ('apply', False, True), ('recheck', True, False)):
        accounts.clear_logs()
        started = time.perf_counter()
        runner = job.run(check=check, forks=forks, extra_vars=extra)
        record[f'{step}_s'] = round(time.perf_counter() - started, 2)
        record[f'{step}_status'] = runner.status
        problems = expect_events(runner, hosts, changed=changed, canary=hosts[0] if canary else None)
        problems += [f'refused: {line}' for line in accounts.refused()[:5]]
        for account in accounts:
            seen = account.writes()
            expected = account.workload.differing if step == 'apply' else []
            if seen['written'] != expected:
                problems.append(f'{account.name}: wrote {len(seen["written"])} subusers, expected {len(expected)}')
            if step == 'apply' and account.wrong_subusers():
                problems.append(f'{account.name}: not converged: {account.wrong_subusers()[:3]}')
        if problems:
            raise AssertionError(f'ansible-runner {step}: ' + '; '.join(problems[:10]))
    return record
