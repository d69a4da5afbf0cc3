#!/usr/bin/env bash
# The CI job of docs/docsite/rst/emulator.rst: starts the SendGrid emulator that ships in the installed
# mailops.sendgrid collection with our own seed, runs the playbook under test in check mode and the checks against
# it, and stops it. Run it as `bash docs/examples/emulator_ci.sh`; it needs ansible-galaxy, ansible-playbook and
# python3 on PATH. SENDGRID_EMULATOR_LOG=FILE keeps the emulator's request log (one JSON line per API request).
set -euo pipefail
cd "$(dirname "$0")"   # the seed and the playbooks are beside this script

# 1. Where ansible-galaxy installed the collection, and so its emulator
collections=$(ansible-galaxy collection list mailops.sendgrid --format json \
  | python3 -c 'import json, sys; print(next(iter(json.load(sys.stdin))))')
emulator=$collections/mailops/sendgrid/tests/emulator/sendgrid_emulator.py

# 2. Start it on a free port with our seed; it writes the port to the port file once it listens
run=$(mktemp -d)
export SENDGRID_API_KEY=SG.emulator-test-key   # any string: the key of the seed's account
python3 "$emulator" --api-key "$SENDGRID_API_KEY" --seed emulator_seed.json \
  --port 0 --port-file "$run/port" --log "${SENDGRID_EMULATOR_LOG:-$run/requests.jsonl}" &
emulator_pid=$!
stop_emulator() { kill "$emulator_pid" 2>/dev/null || true; wait "$emulator_pid" || true; rm -rf "$run"; }
trap stop_emulator EXIT   # SIGTERM stops the emulator cleanly, whatever happens below
until [[ -s $run/port ]]; do kill -0 "$emulator_pid"; sleep 0.1; done   # kill -0 fails if it exited (a bad seed)
SENDGRID_API_URL=http://127.0.0.1:$(<"$run/port")
export SENDGRID_API_URL

# 3. The playbook under test in check mode, then the checks: the request log, the real run, faults
ansible-playbook --check --diff emulator_site.yml
ansible-playbook emulator_checks.yml
