#!/usr/bin/env python
"""Run a command against a freshly started local SendGrid API emulator.

    run_with_emulator.py [options] -- CMD [ARGS...]

Starts ``tests/emulator/sendgrid_emulator.py`` on 127.0.0.1 with a random port and a
random API key, waits until it writes its port file and answers ``GET
/_emulator/health``, then runs CMD with these environment variables added:

    SENDGRID_API_URL       http://127.0.0.1:PORT
    SENDGRID_API_KEY       the random per-run API key
    SENDGRID_EMULATOR_URL  http://127.0.0.1:PORT (control API under /_emulator/)
    SENDGRID_EU_API_URL    http://127.0.0.1:EU_PORT (the listener that stands for api.eu.sendgrid.com)

With ``--integration-config PATH`` it also writes an ansible-test
``integration_config.yml`` holding the same values as ``sendgrid_api_url``,
``sendgrid_api_key``, ``sendgrid_emulator_url`` and ``sendgrid_eu_api_url`` (ansible-test
filters the environment it passes to ansible-playbook, so integration targets get them as
variables instead).

The emulator is always stopped afterwards (SIGTERM, then SIGKILL) and CMD's exit code is
returned.  The emulator's own output goes to a file (``--emulator-output``, default next to
the log, or a temporary file) and its tail is printed when start-up or CMD fails.  The API
key is never printed.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_EMULATOR = os.path.join(REPO_ROOT, 'tests', 'emulator', 'sendgrid_emulator.py')
TAIL_LINES = 60


def log(message: str) -> None:
    print(f'[run_with_emulator] {message}', file=sys.stderr, flush=True)


def parse_args(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    if '--' not in argv:
        raise SystemExit('usage: run_with_emulator.py [options] -- CMD [ARGS...]  (the "--" is required)')
    split = argv.index('--')
    own, command = argv[:split], argv[split + 1:]
    if not command:
        raise SystemExit('run_with_emulator.py: no command given after "--"')

    parser = argparse.ArgumentParser(prog='run_with_emulator.py', description=__doc__.splitlines()[0])
    parser.add_argument('--emulator', default=DEFAULT_EMULATOR, help='emulator script (default: %(default)s)')
    parser.add_argument('--python', default=sys.executable, help='Python that runs the emulator (default: this one)')
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--seed', help='seed JSON file passed to the emulator')
    parser.add_argument('--log', help='JSON-lines request/response log written by the emulator')
    parser.add_argument('--latency-ms', type=int, help='artificial latency per request')
    parser.add_argument('--api-key', help='API key the emulator accepts '
                        '(default: RUN_WITH_EMULATOR_API_KEY, else random per run)')
    parser.add_argument('--startup-timeout', type=float, default=30.0, help='seconds (default: %(default)s)')
    parser.add_argument('--emulator-output', help="file for the emulator's stdout/stderr")
    parser.add_argument('--integration-config', help='write an ansible-test integration_config.yml here')
    parser.add_argument('--interpreter', help='also put ansible_python_interpreter into the integration config')
    return parser.parse_args(own), command


def tail(path: str, lines: int = TAIL_LINES) -> str:
    try:
        with open(path, encoding='utf-8', errors='replace') as output:
            content = output.read().splitlines()
    except OSError as ex:
        return f'(cannot read emulator output {path}: {ex})'
    if not content:
        return '(emulator printed nothing)'
    return '\n'.join(content[-lines:])


def http_ok(url: str, api_key: str) -> bool:
    request = urllib.request.Request(url, headers={'Authorization': f'Bearer {api_key}'})
    try:
        with urllib.request.urlopen(request, timeout=2) as response:  # noqa: S310 - loopback only
            return 200 <= response.status < 300
    except (urllib.error.URLError, OSError, ValueError):
        return False


def wait_until_ready(proc: subprocess.Popen, port_file: str, host: str, api_key: str, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    port = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f'emulator exited with code {proc.returncode} before it was ready')
        if port is None:
            port = read_port(port_file)
        if port is not None and http_ok(f'http://{host}:{port}/_emulator/health', api_key):
            return port
        time.sleep(0.1)
    if port:
        state = f'port file {port_file} said {port} but /_emulator/health never answered'
    else:
        state = f'port file {port_file} never appeared'
    raise RuntimeError(f'emulator not ready after {timeout:g}s: {state}')


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        log('emulator ignored SIGTERM for 10s; killing it')
        proc.kill()
        proc.wait()


def yaml_str(value: str) -> str:
    return json.dumps(value)  # a JSON string is a valid YAML double-quoted scalar


def read_port(path: str) -> int | None:
    try:
        with open(path, encoding='ascii') as handle:
            text = handle.read().strip()
        return int(text) if text else None
    except (OSError, ValueError):
        return None


def write_integration_config(path: str, url: str, api_key: str, interpreter: str | None,
                             eu_url: str | None = None) -> None:
    lines = [
        '# Generated by tests/utils/run_with_emulator.py for one test run; do not commit.',
        f'sendgrid_api_url: {yaml_str(url)}',
        f'sendgrid_api_key: {yaml_str(api_key)}',
        f'sendgrid_emulator_url: {yaml_str(url)}',
    ]
    if eu_url:
        lines.append(f'sendgrid_eu_api_url: {yaml_str(eu_url)}')
    if interpreter:
        lines.append(f'ansible_python_interpreter: {yaml_str(interpreter)}')
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, temp_path = tempfile.mkstemp(dir=directory, prefix='.integration_config.')
    with os.fdopen(fd, 'w', encoding='utf-8') as handle:
        handle.write('\n'.join(lines) + '\n')
    os.replace(temp_path, path)


def run_child(command: list[str], env: dict[str, str]) -> int:
    try:
        child = subprocess.Popen(command, env=env)
    except OSError as ex:
        log(f'cannot run {command[0]!r}: {ex}')
        return 127

    def forward(signum, _frame):
        if child.poll() is None:
            child.send_signal(signum)

    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    try:
        returncode = child.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 128 - returncode if returncode < 0 else returncode  # killed by a signal: shell convention 128+N


def main(argv: list[str]) -> int:
    args, command = parse_args(argv)
    if not os.path.isfile(args.emulator):
        log(f'emulator script not found: {args.emulator}')
        return 2

    api_key = args.api_key or os.environ.get('RUN_WITH_EMULATOR_API_KEY') or 'SG.emulator.' + secrets.token_hex(16)
    workdir = tempfile.mkdtemp(prefix='sendgrid-emulator-')
    port_file = os.path.join(workdir, 'port')
    eu_port_file = os.path.join(workdir, 'eu-port')
    output_path = args.emulator_output or (args.log + '.emulator-output' if args.log
                                           else os.path.join(workdir, 'emulator-output.txt'))

    emulator_cmd = [args.python, args.emulator, '--host', args.host, '--port', '0', '--port-file', port_file,
                    '--eu-port', '0', '--eu-port-file', eu_port_file, '--api-key', api_key]
    if args.seed:
        emulator_cmd += ['--seed', os.path.abspath(args.seed)]
    if args.log:
        os.makedirs(os.path.dirname(os.path.abspath(args.log)), exist_ok=True)
        emulator_cmd += ['--log', os.path.abspath(args.log)]
    if args.latency_ms is not None:
        emulator_cmd += ['--latency-ms', str(args.latency_ms)]

    shown = ' '.join(part if part != api_key else '***' for part in emulator_cmd)
    log(f'starting emulator: {shown}')
    with open(output_path, 'wb') as output:
        emulator = subprocess.Popen(emulator_cmd, stdout=output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    cwd=REPO_ROOT)
    try:
        try:
            port = wait_until_ready(emulator, port_file, args.host, api_key, args.startup_timeout)
        except RuntimeError as ex:
            log(f'ERROR: {ex}')
            log(f'emulator output ({output_path}):\n{tail(output_path)}')
            return 3

        url = f'http://{args.host}:{port}'
        eu_port = read_port(eu_port_file)          # the emulator writes it before the main port file
        eu_url = f'http://{args.host}:{eu_port}' if eu_port else ''
        log(f'emulator ready at {url}, EU host {eu_url or "(none)"} (pid {emulator.pid}); log: {args.log or "(none)"}')
        if args.integration_config:
            write_integration_config(args.integration_config, url, api_key, args.interpreter, eu_url)
            log(f'wrote integration config: {args.integration_config}')

        env = dict(os.environ, SENDGRID_API_URL=url, SENDGRID_API_KEY=api_key, SENDGRID_EMULATOR_URL=url,
                   SENDGRID_EU_API_URL=eu_url)
        returncode = run_child(command, env)
        if emulator.poll() is not None:
            log(f'WARNING: the emulator died while the command ran (exit code {emulator.returncode})')
            if returncode == 0:
                returncode = 1
        if returncode:
            log(f'command exited with code {returncode}; emulator output ({output_path}), last lines:\n'
                f'{tail(output_path, 30)}')
        return returncode
    finally:
        stop(emulator)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
