#!/usr/bin/env bash
# Reproduces the README's performance figures. The client package's test
# binary is built once and run COUNT times; each run measures every
# benchmark once, so ours and its baseline are measured back to back against
# the same loopback server, and drifts of the machine's speed fall on both.
# The medians of the COUNT runs are compared.
#
#   scripts/bench.sh            # 6 runs of each benchmark (the README's figures)
#   COUNT=10 scripts/bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
count="${COUNT:-6}"
out=$(mktemp)
bin=$(mktemp)
trap 'rm -f "$out" "$bin"' EXIT

go test -c -o "$bin" ./client
for i in $(seq "$count"); do
  (cd client && "$bin" -test.run '^$' -test.benchmem -test.count 1 \
    -test.bench '^(BenchmarkClientDo|BenchmarkRestyBaseline|BenchmarkDecodeResponse|BenchmarkJSONUnmarshal)$') |
    grep '^Benchmark' | tee -a "$out"
done

echo
awk -v count="$count" '
function median(list,   n, a, i, j, t) {
  n = split(list, a, " ")
  for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
  return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
/^Benchmark/ {
  name = $1; sub(/-[0-9]+$/, "", name)
  for (i = 2; i <= NF; i++) {
    if ($i == "ns/op") ns[name] = ns[name] " " $(i - 1)
    if ($i == "allocs/op") al[name] = al[name] " " $(i - 1)
  }
}
function pair(label, ours, base) {
  if (!(ours in ns) || !(base in ns)) return
  printf "%-22s %10.0f ns/op %4d allocs/op   vs %10.0f ns/op %4d allocs/op   ratio %.2fx, %+d allocs\n", label,
    median(ns[ours]), median(al[ours]), median(ns[base]), median(al[base]),
    median(ns[ours]) / median(ns[base]), median(al[ours]) - median(al[base])
}
END {
  printf "medians of %d runs (ours vs baseline)\n", count
  pair("Client.Do / resty", "BenchmarkClientDo", "BenchmarkRestyBaseline")
  pair("DecodeResponse success", "BenchmarkDecodeResponse/success", "BenchmarkJSONUnmarshal/success")
  pair("DecodeResponse error", "BenchmarkDecodeResponse/error", "BenchmarkJSONUnmarshal/error")
}' "$out"
