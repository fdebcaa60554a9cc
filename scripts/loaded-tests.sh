#!/usr/bin/env bash
# The CI's race tests of every module (go test -race -count=3 -shuffle=on),
# run N times in a row (default 3) beside a busy loop per core, as on a loaded
# machine: a test that depends on the machine's speed fails here. redisstore
# runs against a real redis-server, as in CI. Usage: scripts/loaded-tests.sh [N]
set -uo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}

busy=()
for _ in $(seq "$(nproc)"); do
  ( while :; do :; done ) >/dev/null 2>&1 &
  busy+=($!)
done
trap 'kill "${busy[@]}" 2>/dev/null' EXIT
source .ci/redis-server.sh
start_redis # sets its own EXIT trap: ours goes after it
trap 'kill "${busy[@]}" 2>/dev/null; stop_redis' EXIT
echo "load: ${#busy[@]} busy loops on $(nproc) cores; $(go version)"

modules=()
while IFS= read -r mod; do modules+=("$(dirname "$mod")"); done < <(git ls-files '*go.mod' | sort)

failed=0
for i in $(seq "$runs"); do
  start=$(date +%s)
  result=PASS
  for m in "${modules[@]}"; do
    if ! go -C "$m" test -race -count=3 -shuffle=on ./... >"/tmp/loaded-tests.$$.log" 2>&1; then
      result="FAIL in $m"
      grep -E -- '^(--- FAIL|FAIL|panic)' "/tmp/loaded-tests.$$.log" | head -20
    fi
  done
  echo "run $i/$runs: $result ($(( $(date +%s) - start )) s; modules: ${modules[*]})"
  [ "$result" = PASS ] || failed=1
done
rm -f "/tmp/loaded-tests.$$.log"
exit "$failed"
