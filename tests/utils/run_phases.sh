#!/usr/bin/env bash
# Run `make PHASE` for each PHASE given, with a header and a duration for each, and a summary.
#   run_phases.sh PHASE...        (MAKE and MAKE_ARGS come from the environment)
# A phase of one ansible-core series (sanity-2.21) is shown as "sanity 2.21" in the summary.
# Every phase runs even when an earlier one failed (set FAIL_FAST=1 to stop at the first
# failure), so one CI log shows every problem; the exit code is non-zero if any phase failed.
set -uo pipefail

make_cmd=${MAKE:-make}
read -r -a make_args <<<"${MAKE_ARGS:-}"
passed=() failed=() summary=()
start_all=$SECONDS

for phase in "$@"; do
  printf '\n%s\n==> [%s] started %s\n%s\n' "$(printf '=%.0s' {1..78})" "$phase" "$(date -u +%H:%M:%SZ)" "$(printf '=%.0s' {1..78})"
  start=$SECONDS
  "$make_cmd" --no-print-directory "${make_args[@]}" "$phase"
  rc=$?
  took=$((SECONDS - start))
  if ((rc == 0)); then
    passed+=("$phase"); status=PASSED
  else
    failed+=("$phase"); status="FAILED (exit $rc)"
  fi
  label=$phase
  if [[ $phase =~ ^(.+)-([0-9]+\.[0-9]+)$ ]]; then label="${BASH_REMATCH[1]} ${BASH_REMATCH[2]}"; fi
  summary+=("$(printf '  %-18s %-18s %4dm%02ds' "$label" "$status" $((took / 60)) $((took % 60)))")
  printf '==> [%s] %s in %dm%02ds\n' "$phase" "$status" $((took / 60)) $((took % 60))
  if ((rc != 0)) && [[ ${FAIL_FAST:-} == 1 ]]; then
    echo "==> FAIL_FAST=1: not running the remaining phases"
    break
  fi
done

total=$((SECONDS - start_all))
printf '\n%s\n==> summary (total %dm%02ds)\n' "$(printf '=%.0s' {1..78})" $((total / 60)) $((total % 60))
printf '%s\n' "${summary[@]}"
echo "phases: ${#passed[@]} passed, ${#failed[@]} failed"
((${#failed[@]} == 0))
