#!/usr/bin/env python
"""Benchmark of mailops.sendgrid against the local SendGrid emulator (not part of `make test`).

    run.py --collections-path DIR [--quick] [--sizes 10,100,500] [--big 5000:20000] [--latency 0,50]
           [--ways a,b,c,d,e] [--sweep 1,2,4,8,16,32] [--accounts 20] [--forks 1,5,20] [--repeat 3] ...

Measures, in one run on one machine, at each emulator latency:

* converge: the IPs of N subusers, a third of which differ from the seed, five ways:
  (a) the mailops.sendgrid.ip_layout role, (b) sendgrid_subuser_ips state=exact in a loop,
  (c) ansible.builtin.uri (one GET /v3/ips, Jinja, one PUT per differing subuser),
  (d) one Python process with a requests.Session making the calls one after the other,
  (e) the lower bound: one Python process, the role's necessary reads, the writes at the role's concurrency
  with one requests.Session per worker; and N=5,000 subusers on 20,000 IPs ((a), (d), (e); full run only);
* no-op converge: the same ways when nothing differs;
* where the time of (a) goes: per task, and inside the module task (start-up, reads, planning, writes,
  the result), the module's imports and peak memory;
* a concurrency sweep of (e) and (a): which number of writes at a time is fastest on the emulator;
* many accounts: one play over an inventory of 20 accounts (one host each, the key vault-encrypted) with
  forks 1, 5 and 20, and the same play through ansible-runner as AWX runs a job (check mode, then apply);
* listing: sendgrid_ip_info over 100 / 1,000 / 10,000 IPs (requests, wall time, peak RSS);
* the fixed cost of ansible-playbook running one module task (ansible.builtin.ping).

Requests and writes are counted from the emulator's request log (GET /_emulator/requests),
which is cleared, with the state reset to the seed, before every run. Prints tables and the
targets as PASS/FAIL lines; writes results.json, results.txt and results.png under --output. See README.md.

Exit status: 0, or 1 when a run failed or did not converge (or, with --strict, a target FAILs).
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import platform
import shutil
import subprocess
import sys
import time
import typing as t
from pathlib import Path

sys.dont_write_bytecode = True         # importing the helpers leaves no __pycache__ behind
HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO_ROOT / 'tests' / 'runner'))
sys.path.insert(0, str(REPO_ROOT / 'tests' / 'emulator'))

from emulator_process import EmulatorProcess  # noqa: E402  (tests/emulator is not a package)
from measure import BenchError, Measure, log  # noqa: E402
from report import chart, render, summarize  # noqa: E402
from workloads import ConvergeWorkload  # noqa: E402

WAYS = {
    'a': 'role ip_layout',
    'b': 'subuser_ips loop',
    'c': 'uri playbook',
    'd': 'requests, in turn',
    'e': 'requests, bound',
}
FULL_SIZES = [10, 100, 500]
QUICK_SIZES = [10, 100]
FULL_BIG = '5000:20000'        # N subusers : IPs, full run only
BIG_WAYS = ('a', 'd', 'e')     # (b) and (c) grow with N: minutes at 5,000 subusers
FULL_LISTING = [100, 1000, 10000]
QUICK_LISTING = [100, 1000]
FULL_SWEEP = [1, 2, 4, 8, 16, 32]
QUICK_SWEEP = [1, 4, 16]
FULL_ACCOUNTS, QUICK_ACCOUNTS = 20, 5
FULL_FORKS, QUICK_FORKS = [1, 5, 20], [1, 5]
ACCOUNT_SUBUSERS = 100
RUNNER_FORKS = 5               # AWX passes no --forks when the job template leaves forks at 0: Ansible's default, 5


def int_list(text: str) -> list[int]:
    if text.strip().lower() == 'none':
        return []
    try:
        values = [int(part) for part in text.split(',') if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f'expected comma-separated integers (or none), got {text!r}') from None
    if any(value < 0 for value in values):
        raise argparse.ArgumentTypeError(f'expected comma-separated integers >= 0, got {text!r}')
    return values


def big_size(text: str) -> tuple[int, int] | None:
    if text.strip().lower() == 'none':
        return None
    try:
        n, ips = (int(part) for part in text.split(':'))
    except ValueError:
        raise argparse.ArgumentTypeError(f'expected N:IPS (such as 5000:20000) or none, got {text!r}') from None
    return n, ips


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    add = parser.add_argument
    add('--collections-path', default=os.environ.get('BENCH_COLLECTIONS_PATH'),
        help='collections path holding ansible_collections/mailops/sendgrid '
             '(default: $BENCH_COLLECTIONS_PATH; `make bench` passes its install path)')
    add('--quick', action='store_true',
        help=f'N={",".join(map(str, QUICK_SIZES))} ((b) at the smallest only), no big account, listing '
             f'{",".join(map(str, QUICK_LISTING))}, '
             f'sweep {",".join(map(str, QUICK_SWEEP))}, {QUICK_ACCOUNTS} accounts with forks '
             f'{",".join(map(str, QUICK_FORKS))}')
    add('--sizes', type=int_list, help=f'numbers of subusers (default {FULL_SIZES})')
    add('--big', type=big_size, help=f'N:IPS of the big account, ways {",".join(BIG_WAYS)} only, or none '
                                     f'(default {FULL_BIG}; none with --quick)')
    add('--latency', type=int_list, default=[0, 50], help='emulator latencies in ms, one emulator each (default 0,50)')
    add('--listing-sizes', type=int_list, help=f'IPs for the listing, or none (default {FULL_LISTING})')
    add('--ways', default=','.join(WAYS), help=f'converge ways to run (default {",".join(WAYS)})')
    add('--repeat', type=int, default=3,
        help='runs of (a), (d), (e), the start-up baseline, the sweep and the listing; the median is reported '
             '((b), (c) and the accounts run once) (default %(default)s)')
    add('--concurrency', type=int, help="the role's sendgrid_ip_layout_concurrency, and (e)'s (default: the role's"
                                        ' own default)')
    add('--sweep', type=int_list, help=f'concurrencies of the sweep of (e) and (a), or none (default {FULL_SWEEP})')
    add('--accounts', type=int, help=f'accounts in the many-accounts play, 0 for none (default {FULL_ACCOUNTS})')
    add('--account-subusers', type=int, default=ACCOUNT_SUBUSERS,
        help='subusers of each of those accounts (default %(default)s)')
    add('--forks', type=int_list, help=f'forks of the many-accounts play (default {FULL_FORKS})')
    add('--no-runner', action='store_true', help='skip the many-accounts play through ansible-runner')
    add('--no-profile', action='store_true', help='skip the profile runs of (a) (module imports, memory)')
    add('--python', default=sys.executable,
        help='ANSIBLE_PYTHON_INTERPRETER for the modules and the Python of (d) and (e) (default: this one)')
    add('--ansible-playbook', default=str(Path(sys.executable).parent / 'ansible-playbook'),
        help='ansible-playbook to run (default: the one beside this Python)')
    add('--output', type=Path, default=REPO_ROOT / 'tests' / 'output' / 'bench',
        help='where results.json, results.png and the run logs go (default %(default)s)')
    add('--no-chart', action='store_true', help='skip results.png')
    add('--report', type=Path, metavar='RESULTS_JSON',
        help='only render results.txt and results.png again from a results.json (into --output), running nothing')
    add('--strict', action='store_true', help='exit 1 when a target FAILs too')
    args = parser.parse_args(argv)
    args.sizes = args.sizes if args.sizes is not None else (QUICK_SIZES if args.quick else FULL_SIZES)
    if args.big is None and '--big' not in ' '.join(argv or sys.argv):
        args.big = None if args.quick else big_size(FULL_BIG)
    args.listing_sizes = (args.listing_sizes if args.listing_sizes is not None
                          else (QUICK_LISTING if args.quick else FULL_LISTING))
    args.sweep = args.sweep if args.sweep is not None else (QUICK_SWEEP if args.quick else FULL_SWEEP)
    args.accounts = args.accounts if args.accounts is not None else (QUICK_ACCOUNTS if args.quick else FULL_ACCOUNTS)
    args.forks = args.forks if args.forks is not None else (QUICK_FORKS if args.quick else FULL_FORKS)
    args.ways = [way.strip() for way in args.ways.split(',') if way.strip()]
    unknown = sorted(set(args.ways) - set(WAYS))
    if unknown:
        parser.error(f'--ways: unknown {", ".join(unknown)} (choose from {", ".join(WAYS)})')
    if args.repeat < 1:
        parser.error('--repeat must be at least 1')
    if any(value < 1 for value in args.sweep + args.forks):
        parser.error('--sweep and --forks take numbers >= 1')
    if not args.collections_path and not args.report:
        parser.error('--collections-path (or BENCH_COLLECTIONS_PATH) is required: a directory holding '
                     'ansible_collections/mailops/sendgrid, e.g. the path `make install` prints')
    return args


class Bench(Measure):
    """The whole run: one emulator per latency, the measurements in a fixed order, the results."""

    def __init__(self, args: argparse.Namespace) -> None:
        super().__init__(args, WAYS)
        self.lock: t.IO[str] | None = None     # held for the whole run: one benchmark per output directory

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
        self.write_probe()
        self.role_concurrency = self.args.concurrency or self.role_default_concurrency(collection)
        version = subprocess.run([self.args.ansible_playbook, '--version'], env=self.env(), capture_output=True,
                                 text=True, check=True, cwd=self.work).stdout.splitlines()[0]
        return {
            'platform': platform.platform(),
            'cpus': os.cpu_count(),
            'python': platform.python_version(),
            'ansible': version,
            'collection': str(collection.resolve()),
            'started': time.strftime('%Y-%m-%d %H:%M:%S %z'),
            'load_before': _load(),
            'git': _git_head(),
        }

    def start_emulator(self, latency: int) -> None:
        self.latency = latency
        self.emulator = EmulatorProcess(self.work / f'emulator-{latency}ms', api_key=self.api_key, latency_ms=latency)
        self.emulator.start()
        log(f'emulator on {self.emulator.url}, latency {latency} ms')

    def stop_emulator(self) -> None:
        if self.emulator is not None:
            self.emulator.stop()
            self.emulator = None

    def run(self) -> None:
        args = self.args
        self.results['machine'] = self.preflight()
        workloads = [ConvergeWorkload(n) for n in args.sizes]
        if args.big:
            workloads.append(ConvergeWorkload(args.big[0], pool_size=args.big[1]))
        sweep_n = 500 if 500 in args.sizes else max(args.sizes, default=0)
        self.results['settings'] = {
            'sizes': args.sizes, 'big': list(args.big) if args.big else None, 'latencies_ms': args.latency,
            'listing_sizes': args.listing_sizes, 'ways': {way: WAYS[way] for way in args.ways}, 'repeat': args.repeat,
            'concurrency': self.role_concurrency, 'sweep': args.sweep, 'sweep_n': sweep_n,
            'accounts': args.accounts, 'account_subusers': args.account_subusers, 'forks': args.forks,
            'runner_forks': RUNNER_FORKS, 'python': args.python, 'collections_path': str(self.collections_path),
        }
        self.results['interpreter'] = self.interpreter_cost()
        started = time.perf_counter()
        for latency in args.latency:
            self.start_emulator(latency)
            try:
                self.guarded(self.measure_startup)
                for workload in workloads:
                    big = args.big is not None and (workload.n, workload.pool_size) == tuple(args.big)
                    for phase in ('change', 'noop'):
                        for way in args.ways:
                            if (not big or way in BIG_WAYS) and not (
                                    args.quick and way == 'b' and workload.n > min(args.sizes)):
                                self.guarded(self.measure_converge, workload, phase, way)
                        if 'a' in args.ways and not args.no_profile:
                            self.guarded(self.profile_role, workload, phase)
                if sweep_n and args.sweep:
                    workload = next(w for w in workloads if w.n == sweep_n)
                    for concurrency in args.sweep:
                        for way in ('e', 'a'):
                            if way in args.ways:
                                self.guarded(self.measure_sweep, workload, way, concurrency)
                for count in args.listing_sizes:
                    for variant in ('all fields', 'subusers,pools'):
                        self.guarded(self.measure_listing, count, variant)
            finally:
                self.stop_emulator()
            if args.accounts:
                self.guarded(self.measure_accounts, latency, RUNNER_FORKS if not args.no_runner else None)
        self.results['total_s'] = round(time.perf_counter() - started, 1)
        self.results['machine']['load_after'] = _load()


def _load() -> list[float]:
    return [round(value, 2) for value in os.getloadavg()]


def _git_head() -> str | None:
    try:
        return subprocess.run(['git', '-C', str(REPO_ROOT), 'rev-parse', '--short', 'HEAD'], capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def report_only(args: argparse.Namespace) -> int:
    results = json.loads(args.report.read_text(encoding='utf-8'))
    summarize(results)
    args.output.mkdir(parents=True, exist_ok=True)
    text = render(results)
    (args.output / 'results.txt').write_text(text + '\n', encoding='utf-8')
    print(text)
    if not args.no_chart:
        print(chart(results, args.output / 'results.png') or f'chart: {args.output / "results.png"}')
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.report:
        return report_only(args)
    bench = Bench(args)
    try:
        bench.run()
    except KeyboardInterrupt:
        log('interrupted')
        return 130
    except BenchError as exc:
        log(f'ERROR: {exc}')
        bench.results['errors'].append({'latency_ms': bench.latency, 'error': str(exc)})
    finally:
        bench.stop_emulator()
    results = bench.results
    results.setdefault('total_s', None)
    summarize(results)
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
