#!/usr/bin/env python
"""Benchmark of mailops.sendgrid against the local SendGrid emulator (not part of `make test`).

    run.py --collections-path DIR [--quick] [--sizes 10,100,500] [--latency 0,50]
           [--listing-sizes 100,1000,10000] [--repeat 3] [--ways a,b,c,d] [--output tests/output/bench]

Measures, in one run on one machine, at each emulator latency:

* converge: the IPs of N subusers, a third of which differ from the seed, four ways:
  (a) the mailops.sendgrid.ip_layout role, (b) sendgrid_subuser_ips state=exact in a loop,
  (c) ansible.builtin.uri (one GET /v3/ips, Jinja, one PUT per differing subuser),
  (d) one Python process with a requests.Session making only the necessary calls;
* no-op converge: the same ways when nothing differs;
* listing: sendgrid_ip_info over 100 / 1,000 / 10,000 IPs (requests, wall time, peak RSS);
* the fixed cost of ansible-playbook running one module task (ansible.builtin.ping).

Requests and writes are counted from the emulator's request log (GET /_emulator/requests),
which is cleared, with the state reset to the seed, before every run. Prints tables and the
targets as PASS/FAIL lines; writes results.json and results.png under --output. See README.md.

Exit status: 0, or 1 when a run failed or did not converge (or, with --strict, a target FAILs).
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import platform
import secrets
import shutil
import statistics
import subprocess
import sys
import time
import typing as t
from pathlib import Path

sys.dont_write_bytecode = True         # importing workloads and emulator_process leaves no __pycache__ behind
HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO_ROOT / 'tests' / 'emulator'))

from emulator_process import EmulatorProcess  # noqa: E402  (tests/emulator is not a package)
from workloads import ConvergeWorkload, listing_seed, subuser_ips_of  # noqa: E402

PLAYBOOKS = HERE / 'playbooks'
WAYS = {
    'a': 'role ip_layout',
    'b': 'subuser_ips loop',
    'c': 'uri playbook',
    'd': 'requests (bound)',
}
PLAYBOOK_OF = {'a': 'converge_role.yml', 'b': 'converge_loop.yml', 'c': 'converge_uri.yml'}
FULL_SIZES = [10, 100, 500]
QUICK_SIZES = [10, 100]
FULL_LISTING = [100, 1000, 10000]
QUICK_LISTING = [100, 1000]
LISTING_VARIANTS = {'all fields': None, 'subusers,pools': ['subusers', 'pools']}
SPEEDUP_TARGET = 10.0        # (a) at least this much faster than (c) at N=500
BOUND_TARGET = 3.0           # (a) within this factor of (d)
TARGET_N = 500
LIST_ENDPOINTS = {'GET /v3/ips', 'GET /v3/subusers'}   # what a no-op converge with (a) may read
TAIL_LINES = 40


def log(message: str) -> None:
    print(f'[bench] {message}', file=sys.stderr, flush=True)


def int_list(text: str) -> list[int]:
    try:
        values = [int(part) for part in text.split(',') if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f'expected comma-separated integers, got {text!r}') from None
    if not values or any(value < 0 for value in values):
        raise argparse.ArgumentTypeError(f'expected comma-separated integers >= 0, got {text!r}')
    return values


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--collections-path', default=os.environ.get('BENCH_COLLECTIONS_PATH'),
                        help='collections path holding ansible_collections/mailops/sendgrid '
                             '(default: $BENCH_COLLECTIONS_PATH; `make bench` passes its install path)')
    parser.add_argument('--quick', action='store_true',
                        help=f'N={",".join(map(str, QUICK_SIZES))} and listing {",".join(map(str, QUICK_LISTING))} only')
    parser.add_argument('--sizes', type=int_list, help=f'numbers of subusers (default {FULL_SIZES})')
    parser.add_argument('--latency', type=int_list, default=[0, 50],
                        help='emulator latencies in ms, one emulator each (default 0,50)')
    parser.add_argument('--listing-sizes', type=int_list, help=f'IPs for the listing (default {FULL_LISTING})')
    parser.add_argument('--ways', default='a,b,c,d', help='converge ways to run (default a,b,c,d)')
    parser.add_argument('--repeat', type=int, default=3,
                        help='runs of (a), (d), the start-up baseline and the listing; the median is reported '
                             '((b) and (c) run once) (default %(default)s)')
    parser.add_argument('--concurrency', type=int,
                        help="the role's sendgrid_ip_layout_concurrency (default: the role's own default)")
    parser.add_argument('--python', default=sys.executable,
                        help='ANSIBLE_PYTHON_INTERPRETER for the modules and the Python of (d) (default: this one)')
    parser.add_argument('--ansible-playbook', default=str(Path(sys.executable).parent / 'ansible-playbook'),
                        help='ansible-playbook to run (default: the one beside this Python)')
    parser.add_argument('--output', type=Path, default=REPO_ROOT / 'tests' / 'output' / 'bench',
                        help='where results.json, results.png and the run logs go (default %(default)s)')
    parser.add_argument('--no-chart', action='store_true', help='skip results.png')
    parser.add_argument('--strict', action='store_true', help='exit 1 when a target FAILs too')
    args = parser.parse_args(argv)
    args.sizes = args.sizes or (QUICK_SIZES if args.quick else FULL_SIZES)
    args.listing_sizes = args.listing_sizes or (QUICK_LISTING if args.quick else FULL_LISTING)
    args.ways = [way.strip() for way in args.ways.split(',') if way.strip()]
    unknown = sorted(set(args.ways) - set(WAYS))
    if unknown:
        parser.error(f'--ways: unknown {", ".join(unknown)} (choose from {", ".join(WAYS)})')
    if args.repeat < 1:
        parser.error('--repeat must be at least 1')
    if not args.collections_path:
        parser.error('--collections-path (or BENCH_COLLECTIONS_PATH) is required: a directory holding '
                     'ansible_collections/mailops/sendgrid, e.g. the path `make install` prints')
    return args


# ------------------------------------------------------------------------------------------ processes


class ProcessResult(t.NamedTuple):
    wall: float
    returncode: int
    maxrss_kib: int           # largest single process of the tree (the child or a descendant it waited for)
    output: Path


def run_measured(command: list[str], env: dict[str, str], cwd: Path, output: Path) -> ProcessResult:
    """Run ``command`` with stdout and stderr to ``output``; wall seconds and the tree's largest max RSS.

    ``os.wait4`` returns the child's own resource usage merged with that of every descendant it
    reaped; for ``ru_maxrss`` that is the maximum over those processes (Linux: the largest one,
    not a sum).
    """
    output.parent.mkdir(parents=True, exist_ok=True)
    with output.open('wb') as sink:
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, cwd=cwd, stdout=sink, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL)
        _pid, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    return ProcessResult(wall, process.returncode, usage.ru_maxrss, output)


def tail(path: Path, lines: int = TAIL_LINES) -> str:
    text = path.read_text(encoding='utf-8', errors='replace').splitlines()
    return '\n'.join(text[-lines:])


MODULE_PYTHON = '''#!{python}
# Generated by tests/benchmark/run.py. Used as ANSIBLE_PYTHON_INTERPRETER for the listing runs:
# runs the module with {python} and appends the module process's peak RSS in KiB
# (getrusage(RUSAGE_CHILDREN).ru_maxrss of this wrapper, whose only child is the module) to
# the file named by $BENCH_MODULE_RSS_FILE.
import os, resource, subprocess, sys
code = subprocess.call([{python!r}] + sys.argv[1:])
with open(os.environ['BENCH_MODULE_RSS_FILE'], 'a', encoding='utf-8') as out:
    out.write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) + '\\n')
sys.exit(code)
'''


# ------------------------------------------------------------------------------------------ the bench


class BenchError(Exception):
    """A run failed (non-zero exit, wrong result): the benchmark's numbers would mean nothing."""


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.output: Path = args.output.resolve()
        self.work = self.output / 'work'
        self.api_key = 'SG.bench-' + secrets.token_hex(12)
        self.collections_path = Path(args.collections_path).resolve()
        self.emulator: EmulatorProcess | None = None
        self.latency = 0
        self.results: dict[str, t.Any] = {'startup': [], 'converge': [], 'listing': [], 'errors': []}
        self.module_python = self.work / 'python-rss'
        self.lock: t.IO[str] | None = None     # held for the whole run: one benchmark per output directory

    # -- environment -------------------------------------------------------------------------------

    def preflight(self) -> dict[str, t.Any]:
        collection = self.collections_path / 'ansible_collections' / 'mailops' / 'sendgrid'
        needed = [collection / 'plugins' / 'modules' / 'sendgrid_ip_layout.py',
                  collection / 'plugins' / 'modules' / 'sendgrid_subuser_ips.py',
                  collection / 'plugins' / 'modules' / 'sendgrid_ip_info.py',
                  collection / 'roles' / 'ip_layout' / 'tasks' / 'main.yml']
        missing = [str(path) for path in needed if not path.exists()]
        if missing:
            raise SystemExit('the collections path lacks the collection (run `make install`, or give --collections-path):'
                             '\n  ' + '\n  '.join(missing))
        if not Path(self.args.ansible_playbook).exists():
            raise SystemExit(f'no ansible-playbook at {self.args.ansible_playbook} (give --ansible-playbook)')
        self.output.mkdir(parents=True, exist_ok=True)
        self.lock = (self.output / '.lock').open('w')
        try:
            fcntl.flock(self.lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SystemExit(f'another benchmark is running with the output directory {self.output}; wait for it'
                             ' (two at once on one machine would distort each other\'s timings)') from None
        if self.work.exists():
            shutil.rmtree(self.work)
        self.work.mkdir(parents=True, exist_ok=True)
        (self.work / 'tmp').mkdir()
        self.module_python.write_text(MODULE_PYTHON.format(python=self.args.python), encoding='utf-8')
        self.module_python.chmod(0o755)
        version = subprocess.run([self.args.ansible_playbook, '--version'], env=self.env(), capture_output=True,
                                 text=True, check=True, cwd=self.work).stdout.splitlines()[0]
        return {
            'platform': platform.platform(),
            'cpus': os.cpu_count(),
            'python': platform.python_version(),
            'ansible': version,
            'collection': str(collection.resolve()),
            'started': time.strftime('%Y-%m-%d %H:%M:%S %z'),
        }

    def env(self, **extra: str) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if not key.startswith('SENDGRID_')}
        env.update({
            'ANSIBLE_COLLECTIONS_PATH': str(self.collections_path),
            'ANSIBLE_PYTHON_INTERPRETER': self.args.python,
            'ANSIBLE_LOCALHOST_WARNING': 'false',
            'ANSIBLE_INVENTORY_UNPARSED_WARNING': 'false',
            'ANSIBLE_NOCOLOR': '1',
            'ANSIBLE_RETRY_FILES_ENABLED': 'false',
            'ANSIBLE_LOCAL_TEMP': str(self.work / 'tmp' / 'local'),
            'ANSIBLE_REMOTE_TMP': str(self.work / 'tmp' / 'remote'),
        })
        if self.emulator is not None:
            # Belt and braces: whatever a module would fall back to is the emulator too.
            env.update({'SENDGRID_API_URL': self.emulator.url, 'SENDGRID_API_KEY': self.api_key})
        env.update(extra)
        return env

    def start_emulator(self, latency: int) -> None:
        self.latency = latency
        self.emulator = EmulatorProcess(self.work / f'emulator-{latency}ms', api_key=self.api_key, latency_ms=latency)
        self.emulator.start()
        log(f'emulator on {self.emulator.url}, latency {latency} ms')

    def stop_emulator(self) -> None:
        if self.emulator is not None:
            self.emulator.stop()
            self.emulator = None

    def requests_log(self) -> list[dict[str, t.Any]]:
        assert self.emulator is not None
        response = self.emulator.control_session.get(f'{self.emulator.url}/_emulator/requests', timeout=120)
        response.raise_for_status()
        return response.json()

    def reset(self, seed: dict[str, t.Any]) -> None:
        assert self.emulator is not None
        response = self.emulator.control_session.post(f'{self.emulator.url}/_emulator/reset', json=seed,
                                                      params={'clear_log': 'true'}, timeout=120)
        if response.status_code != 200:
            raise BenchError(f'emulator reset failed: {response.status_code} {response.text[:500]}')

    def state(self) -> dict[str, t.Any]:
        assert self.emulator is not None
        return self.emulator.control_session.get(f'{self.emulator.url}/_emulator/state', timeout=120).json()

    # -- one run -----------------------------------------------------------------------------------

    def write_vars(self, name: str, variables: dict[str, t.Any]) -> Path:
        assert self.emulator is not None
        path = self.work / 'vars' / f'{name}.json'
        path.parent.mkdir(parents=True, exist_ok=True)
        document = {'sendgrid_api_url': self.emulator.url, 'sendgrid_api_key': self.api_key, **variables}
        path.write_text(json.dumps(document), encoding='utf-8')
        return path

    def playbook(self, playbook: str, vars_file: Path, label: str, **env: str) -> ProcessResult:
        command = [self.args.ansible_playbook, '-i', 'localhost,', '-c', 'local', str(PLAYBOOKS / playbook),
                   '-e', f'@{vars_file}']
        result = run_measured(command, self.env(**env), self.work, self.work / 'logs' / f'{label}.log')
        if result.returncode != 0:
            raise BenchError(f'{label}: ansible-playbook exited {result.returncode}; last lines of {result.output}:\n'
                             + tail(result.output))
        return result

    def direct(self, desired_file: Path, label: str) -> tuple[ProcessResult, dict[str, t.Any]]:
        assert self.emulator is not None
        command = [self.args.python, str(HERE / 'direct.py'), '--url', self.emulator.url, '--desired', str(desired_file)]
        result = run_measured(command, self.env(BENCH_API_KEY=self.api_key), self.work,
                              self.work / 'logs' / f'{label}.log')
        if result.returncode != 0:
            raise BenchError(f'{label}: direct.py exited {result.returncode}:\n' + tail(result.output))
        report = json.loads(result.output.read_text(encoding='utf-8').strip().splitlines()[-1])
        return result, report

    def count_requests(self) -> dict[str, t.Any]:
        entries = self.requests_log()
        writes = [entry for entry in entries if entry['method'] != 'GET']
        return {
            'requests': len(entries),
            'reads': len(entries) - len(writes),
            'writes': len(writes),
            'errors': sum(1 for entry in entries if (entry.get('status') or 0) >= 400 or entry.get('status') is None),
            # the emulator's own time per request, its latency included (it handles one request at a time)
            'server_s': round(sum(entry.get('duration_ms') or 0 for entry in entries) / 1000, 3),
            'write_paths': sorted(f'{entry["method"]} {entry["path"]}' for entry in writes),
            'endpoints': _endpoint_counts(entries),
        }

    # -- the measurements --------------------------------------------------------------------------

    def measure_startup(self) -> None:
        vars_file = self.write_vars('startup', {})
        walls = []
        for attempt in range(self.args.repeat):
            walls.append(self.playbook('startup.yml', vars_file, f'{self.latency}ms-startup-{attempt}').wall)
        record = {'latency_ms': self.latency, 'wall_s': statistics.median(walls), 'walls': walls}
        self.results['startup'].append(record)
        log(f'ansible-playbook + one ping task: {record["wall_s"]:.2f} s')

    def measure_converge(self, workload: ConvergeWorkload, phase: str, way: str) -> dict[str, t.Any]:
        seed = workload.seed() if phase == 'change' else workload.converged_seed()
        expected = workload.differing if phase == 'change' else []
        label = f'{self.latency}ms-{phase}-{way}-n{workload.n}'
        desired_file = self.write_vars(f'n{workload.n}', {'desired': workload.desired, **(
            {'sendgrid_ip_layout_concurrency': self.args.concurrency} if self.args.concurrency else {})})
        runs = self.args.repeat if way in ('a', 'd') else 1
        walls, calls_walls, counts = [], [], None
        for attempt in range(runs):
            self.reset(seed)
            if way == 'd':
                plain = self.work / 'vars' / f'desired-n{workload.n}.json'
                plain.write_text(json.dumps(workload.desired), encoding='utf-8')
                result, report = self.direct(plain, f'{label}-{attempt}')
                calls_walls.append(report['seconds'])
            else:
                result = self.playbook(PLAYBOOK_OF[way], desired_file, f'{label}-{attempt}')
            walls.append(result.wall)
            these = self.count_requests()
            if counts is not None and (these['requests'], these['writes']) != (counts['requests'], counts['writes']):
                raise BenchError(f'{label}: request counts differ between repeats: {counts} vs {these}')
            counts = these
            self.check_converged(workload, label)
        assert counts is not None
        written = sorted(path.split('/')[3] for path in counts['write_paths'] if path.startswith('PUT /v3/subusers/'))
        record = {
            'latency_ms': self.latency, 'phase': phase, 'way': way, 'way_name': WAYS[way], 'n': workload.n,
            'pool_ips': workload.pool_size, 'differing': len(expected),
            'wall_s': statistics.median(walls), 'walls': walls,
            **({'calls_s': statistics.median(calls_walls)} if calls_walls else {}),
            **{key: counts[key] for key in ('requests', 'reads', 'writes', 'errors', 'endpoints', 'server_s')},
            'one_write_per_differing_subuser': counts['writes'] == len(expected) and written == expected,
            'converged': True,
        }
        self.results['converge'].append(record)
        log(f'{phase:6} N={workload.n:<4} ({way}) {WAYS[way]:17} {record["wall_s"]:8.2f} s  '
            f'{record["requests"]:5} requests  {record["writes"]:4} writes')
        return record

    def check_converged(self, workload: ConvergeWorkload, label: str) -> None:
        current = subuser_ips_of(self.state())
        wrong = sorted(name for name, ips in workload.desired.items() if current.get(name, set()) != set(ips))
        if wrong:
            raise BenchError(f'{label}: {len(wrong)} subusers did not converge, e.g. {", ".join(wrong[:5])}')

    def measure_listing(self, count: int, variant: str) -> None:
        fields = LISTING_VARIANTS[variant]
        label = f'{self.latency}ms-listing-{count}-{variant.replace(",", "+").replace(" ", "-")}'
        vars_file = self.write_vars(f'listing-{count}', {
            'expected_ips': count, **({'info_fields': fields} if fields else {})})
        seed = listing_seed(count)
        walls, module_rss, tree_rss, counts = [], [], [], None
        for attempt in range(self.args.repeat):
            self.reset(seed)
            rss_file = self.work / 'logs' / f'{label}-{attempt}.rss'
            rss_file.unlink(missing_ok=True)
            result = self.playbook('ip_info.yml', vars_file, f'{label}-{attempt}',
                                   ANSIBLE_PYTHON_INTERPRETER=str(self.module_python),
                                   BENCH_MODULE_RSS_FILE=str(rss_file))
            values = [int(line) for line in rss_file.read_text(encoding='utf-8').split()]
            if len(values) != 1:
                raise BenchError(f'{label}: expected one module process, the wrapper saw {len(values)}')
            walls.append(result.wall)
            module_rss.append(values[0])
            tree_rss.append(result.maxrss_kib)
            these = self.count_requests()
            if counts is not None and these['requests'] != counts['requests']:
                raise BenchError(f'{label}: request counts differ between repeats: {counts} vs {these}')
            counts = these
        assert counts is not None
        record = {
            'latency_ms': self.latency, 'ips': count, 'fields': variant, 'wall_s': statistics.median(walls),
            'walls': walls, 'requests': counts['requests'], 'writes': counts['writes'], 'errors': counts['errors'],
            'endpoints': counts['endpoints'], 'server_s': counts['server_s'],
            'module_max_rss_mib': round(max(module_rss) / 1024, 1),
            'tree_max_rss_mib': round(max(tree_rss) / 1024, 1),
        }
        self.results['listing'].append(record)
        log(f'listing {count:>6} IPs ({variant:14}) {record["wall_s"]:7.2f} s  {record["requests"]:4} requests  '
            f'module {record["module_max_rss_mib"]} MiB, largest process {record["tree_max_rss_mib"]} MiB')

    def run(self) -> int:
        self.results['machine'] = self.preflight()
        self.results['settings'] = {
            'sizes': self.args.sizes, 'latencies_ms': self.args.latency, 'listing_sizes': self.args.listing_sizes,
            'ways': {way: WAYS[way] for way in self.args.ways}, 'repeat': self.args.repeat,
            'concurrency': self.args.concurrency or 'role default', 'python': self.args.python,
            'collections_path': str(self.collections_path),
        }
        workloads = [ConvergeWorkload(n) for n in self.args.sizes]
        started = time.perf_counter()
        for latency in self.args.latency:
            self.start_emulator(latency)
            try:
                self.measure_startup()
                for workload in workloads:
                    for phase in ('change', 'noop'):
                        for way in self.args.ways:
                            self.guarded(self.measure_converge, workload, phase, way)
                for count in self.args.listing_sizes:
                    for variant in LISTING_VARIANTS:
                        self.guarded(self.measure_listing, count, variant)
            finally:
                self.stop_emulator()
        self.results['total_s'] = round(time.perf_counter() - started, 1)
        return 0

    def guarded(self, measure: t.Callable[..., t.Any], *args: t.Any) -> None:
        try:
            measure(*args)
        except BenchError as exc:
            log(f'ERROR: {exc}')
            self.results['errors'].append({'latency_ms': self.latency, 'error': str(exc)})


def _endpoint_counts(entries: list[dict[str, t.Any]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for entry in entries:
        key = entry.get('endpoint') or f'{entry["method"]} {entry["path"]}'
        counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items()))


# ------------------------------------------------------------------------------------------ report


def find(records: list[dict[str, t.Any]], **match: t.Any) -> dict[str, t.Any] | None:
    for record in records:
        if all(record.get(key) == value for key, value in match.items()):
            return record
    return None


def ratios(results: dict[str, t.Any]) -> list[dict[str, t.Any]]:
    rows = []
    converge = results['converge']
    for latency in results['settings']['latencies_ms']:
        for n in results['settings']['sizes']:
            for phase in ('change', 'noop'):
                a, c, d = (find(converge, latency_ms=latency, n=n, phase=phase, way=way) for way in 'acd')
                if a is None:
                    continue
                row: dict[str, t.Any] = {'latency_ms': latency, 'n': n, 'phase': phase}
                if c is not None:
                    row['a_over_c'] = a['wall_s'] / c['wall_s']
                if d is not None:
                    row['a_over_d'] = a['wall_s'] / d['wall_s']
                    row['a_over_d_calls'] = a['wall_s'] / d['calls_s'] if d.get('calls_s') else None
                rows.append(row)
    return rows


def targets(results: dict[str, t.Any]) -> list[dict[str, t.Any]]:
    checks: list[dict[str, t.Any]] = []

    def check(name: str, ok: bool | None, detail: str) -> None:
        checks.append({'target': name, 'result': 'SKIP' if ok is None else ('PASS' if ok else 'FAIL'), 'detail': detail})

    converge = results['converge']
    settings = results['settings']
    ways = list(settings['ways'])
    noop = [r for r in converge if r['phase'] == 'noop']
    change = [r for r in converge if r['phase'] == 'change']
    a_noop = [r for r in noop if r['way'] == 'a']
    if a_noop:
        endpoints = sorted({endpoint for r in a_noop for endpoint in r['endpoints']})
        check('no-op converge with (a): zero writes, and only list reads (no read per subuser)',
              all(r['writes'] == 0 for r in a_noop) and set(endpoints) <= LIST_ENDPOINTS,
              f'writes {sorted({r["writes"] for r in a_noop})}; endpoints read: {", ".join(endpoints)}')
        by_n: dict[int, set[int]] = {}
        pages: dict[int, set[str]] = {}
        for r in a_noop:
            by_n.setdefault(r['n'], set()).add(r['reads'])
            pages.setdefault(r['n'], set()).add(', '.join(f'{k} x{v}' for k, v in r['endpoints'].items()))
        fixed = len({reads for counts in by_n.values() for reads in counts}) == 1
        detail = 'reads by N: ' + '; '.join(
            f'N={n}: {"/".join(map(str, sorted(by_n[n])))} ({" / ".join(sorted(pages[n]))})' for n in sorted(by_n))
        if not fixed:
            detail += (' - the list endpoints are read in pages (bare arrays without a total), so a page that comes'
                       ' back full costs one more read to see the end of the list')
        check('no-op converge with (a): the same number of reads for every N', fixed if len(by_n) > 1 else None,
              detail if len(by_n) > 1 else detail + ' (only one N run)')
    for way in ways:
        records = [r for r in noop if r['way'] == way]
        if records and way != 'a':
            by_n = {r['n']: r['reads'] for r in records if r['latency_ms'] == records[0]['latency_ms']}
            trend = ''
            if len(by_n) > 1:
                trend = ' (the same for every N)' if len(set(by_n.values())) == 1 else ' (grows with N)'
            check(f'no-op converge with ({way}) {WAYS[way]}: zero writes', all(r['writes'] == 0 for r in records),
                  f'reads by N {by_n}{trend}')
    for way in ways:
        records = [r for r in change if r['way'] == way]
        if records:
            check(f'change with ({way}) {WAYS[way]}: exactly one write per subuser that differs',
                  all(r['one_write_per_differing_subuser'] for r in records),
                  '; '.join(f'N={r["n"]}@{r["latency_ms"]}ms: {r["writes"]} writes for {r["differing"]} differing'
                            for r in records))
    sizes = settings['sizes']
    for latency in settings['latencies_ms']:
        a, c = (find(change, latency_ms=latency, n=TARGET_N, way=way) for way in 'ac')
        if a and c:
            speedup = c['wall_s'] / a['wall_s']
            check(f'(a) >= {SPEEDUP_TARGET:g}x faster than (c) at N={TARGET_N}, {latency} ms', speedup >= SPEEDUP_TARGET,
                  f'{a["wall_s"]:.2f} s vs {c["wall_s"]:.2f} s: {speedup:.1f}x')
        elif 'a' in ways and 'c' in ways:
            largest = max(sizes)
            a, c = (find(change, latency_ms=latency, n=largest, way=way) for way in 'ac')
            detail = f'N={TARGET_N} not run' + (
                f'; at N={largest}: {c["wall_s"] / a["wall_s"]:.1f}x' if a and c else '')
            check(f'(a) >= {SPEEDUP_TARGET:g}x faster than (c) at N={TARGET_N}, {latency} ms', None, detail)
        n = TARGET_N if TARGET_N in sizes else max(sizes)
        a, d = (find(change, latency_ms=latency, n=n, way=way) for way in 'ad')
        if a and d:
            factor = a['wall_s'] / d['wall_s']
            check(f'(a) within {BOUND_TARGET:g}x of (d) at N={n}, {latency} ms', factor <= BOUND_TARGET,
                  f'{a["wall_s"]:.2f} s vs {d["wall_s"]:.2f} s (process wall; calls alone {d["calls_s"]:.2f} s): '
                  f'{factor:.2f}x' + (_startup_note(results, latency) if factor > BOUND_TARGET else ''))
    return checks


def _startup_note(results: dict[str, t.Any], latency: int) -> str:
    startup = find(results['startup'], latency_ms=latency)
    if not startup:
        return ''
    return (f' - ansible-playbook alone costs {startup["wall_s"]:.2f} s for one ping task, a fixed cost (a) pays'
            f' and a plain Python process does not')


def table(headers: list[str], rows: list[list[t.Any]]) -> str:
    """A plain-text table: numbers right-aligned, text left-aligned."""
    cells = [[str(cell) for cell in row] for row in rows]
    widths = [max([len(headers[i])] + [len(row[i]) for row in cells]) for i in range(len(headers))]
    numeric = [all(isinstance(row[i], (int, float)) or _is_number(str(row[i])) for row in rows) for i in range(len(headers))]

    def line(values: list[str]) -> str:
        return '  '.join(value.rjust(width) if right else value.ljust(width)
                         for value, width, right in zip(values, widths, numeric)).rstrip()

    return '\n'.join([line(headers), line(['-' * width for width in widths])] + [line(row) for row in cells])


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return text == ''
    return True


def render(results: dict[str, t.Any]) -> str:
    out = []
    machine = results['machine']
    out.append(f'mailops.sendgrid benchmark - {machine["started"]} - {machine["platform"]}, {machine["cpus"]} CPUs, '
               f'Python {machine["python"]}, {machine["ansible"]}')
    out.append(f'collection: {machine["collection"]}')
    for latency in results['settings']['latencies_ms']:
        out.append(f'\n=== emulator latency {latency} ms ===')
        startup = find(results['startup'], latency_ms=latency)
        if startup:
            out.append(f'ansible-playbook with one module task (ansible.builtin.ping, no API call): '
                       f'{startup["wall_s"]:.2f} s (the fixed cost of every Ansible way)')
        for phase, title in (('change', 'Converge (a third of the subusers differ)'),
                             ('noop', 'No-op converge (nothing differs)')):
            rows = []
            for record in results['converge']:
                if record['latency_ms'] == latency and record['phase'] == phase:
                    rows.append([record['n'], f'({record["way"]}) {record["way_name"]}', f'{record["wall_s"]:.2f}',
                                 f'{record["calls_s"]:.2f}' if 'calls_s' in record else '',
                                 record['requests'], record['reads'], record['writes'], record['differing'],
                                 'yes' if record['one_write_per_differing_subuser'] else 'NO'])
            if rows:
                out.append(f'\n{title}')
                out.append(table(['N', 'way', 'wall s', 'calls s', 'requests', 'reads', 'writes', 'differ',
                                  'writes=differ'], rows))
        rows = []
        for row in ratios(results):
            if row['latency_ms'] == latency:
                rows.append([row['n'], row['phase'],
                             f'{row["a_over_c"]:.3f} ({1 / row["a_over_c"]:.1f}x faster)' if 'a_over_c' in row else '',
                             f'{row["a_over_d"]:.2f}' if 'a_over_d' in row else '',
                             f'{row["a_over_d_calls"]:.2f}' if row.get('a_over_d_calls') else ''])
        if rows:
            out.append('\nRatios of wall time')
            out.append(table(['N', 'phase', '(a)/(c)', '(a)/(d)', '(a)/(d calls only)'], rows))
        rows = [[r['ips'], r['fields'], r['requests'], f'{r["wall_s"]:.2f}', f'{r["server_s"]:.2f}',
                 r['module_max_rss_mib'], r['tree_max_rss_mib']]
                for r in results['listing'] if r['latency_ms'] == latency]
        if rows:
            out.append('\nListing with sendgrid_ip_info')
            out.append(table(['IPs', 'fields', 'requests', 'wall s', 'emulator s', 'module MiB', 'largest proc MiB'],
                             rows))
    out.append('\nwall s: the whole command (ansible-playbook, or the Python process of (d)), median of the repeats'
               ' for (a), (d), the baseline and the listing; calls s: (d) from its first request to its last.'
               '\nemulator s: the time the emulator spent answering the requests (its latency included), part of wall s.'
               '\nmodule MiB: peak RSS of the sendgrid_ip_info module process; largest proc MiB: the largest'
               ' single process of the ansible-playbook tree (controller, worker, module), each by getrusage maxrss.')
    out.append('\nTargets')
    for check in results['targets']:
        out.append(f'{check["result"]}: {check["target"]} - {check["detail"]}')
    for error in results['errors']:
        out.append(f'ERROR at {error["latency_ms"]} ms: {error["error"]}')
    out.append(f'\ntotal {results["total_s"]} s')
    return '\n'.join(out)


def chart(results: dict[str, t.Any], path: Path) -> str | None:
    try:
        import matplotlib
        matplotlib.use('Agg')
        import matplotlib.pyplot as plt
    except ImportError:
        return 'matplotlib is not installed (pip install -r tests/benchmark/requirements.txt): no chart'
    latencies = results['settings']['latencies_ms']
    figure, axes = plt.subplots(3, len(latencies), figsize=(6.5 * len(latencies), 13), squeeze=False)
    for column, latency in enumerate(latencies):
        for row, phase in enumerate(('change', 'noop')):
            axis = axes[row][column]
            for way in results['settings']['ways']:
                points = sorted((r['n'], r['wall_s']) for r in results['converge']
                                if r['latency_ms'] == latency and r['phase'] == phase and r['way'] == way)
                if points:
                    axis.plot(*zip(*points), marker='o', label=f'({way}) {WAYS[way]}')
            startup = find(results['startup'], latency_ms=latency)
            if startup:
                axis.axhline(startup['wall_s'], color='grey', linestyle=':', label='ansible-playbook, 1 ping task')
            axis.set_xscale('log')
            axis.set_yscale('log')
            axis.set_xlabel('subusers (N)')
            axis.set_ylabel('wall seconds')
            axis.set_title(f'{"Converge, a third differ" if phase == "change" else "No-op converge"} - {latency} ms')
            axis.grid(True, which='both', alpha=0.3)
            axis.legend(fontsize=8)
        axis = axes[2][column]
        twin = axis.twinx()
        for variant, style in zip(LISTING_VARIANTS, ('-', '--')):
            points = sorted((r['ips'], r['wall_s'], r['module_max_rss_mib']) for r in results['listing']
                            if r['latency_ms'] == latency and r['fields'] == variant)
            if points:
                ips, walls, rss = zip(*points)
                axis.plot(ips, walls, style, marker='o', color='tab:blue', label=f'wall s ({variant})')
                twin.plot(ips, rss, style, marker='s', color='tab:red', label=f'module MiB ({variant})')
        axis.set_xscale('log')
        axis.set_xlabel('IPs on the account')
        axis.set_ylabel('wall seconds', color='tab:blue')
        twin.set_ylabel('module peak RSS MiB', color='tab:red')
        axis.set_title(f'sendgrid_ip_info listing - {latency} ms')
        axis.grid(True, which='both', alpha=0.3)
        lines = axis.get_legend_handles_labels()
        more = twin.get_legend_handles_labels()
        axis.legend(lines[0] + more[0], lines[1] + more[1], fontsize=8, loc='upper left')
    figure.suptitle(f'mailops.sendgrid benchmark ({results["machine"]["started"]})')
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return None


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    bench = Bench(args)
    try:
        bench.run()
    except KeyboardInterrupt:
        log('interrupted')
        return 130
    finally:
        bench.stop_emulator()
    results = bench.results
    results['ratios'] = ratios(results)
    results['targets'] = targets(results)
    bench.output.mkdir(parents=True, exist_ok=True)
    (bench.output / 'results.json').write_text(json.dumps(results, indent=2, sort_keys=True) + '\n', encoding='utf-8')
    report = render(results)
    (bench.output / 'results.txt').write_text(report + '\n', encoding='utf-8')
    print(report)
    if not args.no_chart:
        problem = chart(results, bench.output / 'results.png')
        print(problem or f'chart: {bench.output / "results.png"}')
    print(f'results: {bench.output / "results.json"}, {bench.output / "results.txt"}; run logs under {bench.work}')
    if results['errors']:
        return 1
    if args.strict and any(check['result'] == 'FAIL' for check in results['targets']):
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
