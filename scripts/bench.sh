#!/usr/bin/env bash
# Reproduces the README's performance figures: the SDK against the same call
# written by hand, in pairs. The client package's test binary is built once;
# in each of COUNT rounds every pair runs its two sides in separate
# processes, back to back, in the opposite order from the round before, so
# a drift of the machine's speed falls on both sides alike. It prints, per
# pair, the medians of each side and the median and spread (min–max) of the
# per-round ratios ours/baseline.
#
# Then BenchmarkInterleaved pairs the per-call benchmarks more tightly: in
# one loop it makes a call of each side per iteration and compares the
# medians of the two sides' call times, which a busy machine's preemptions
# do not move; BenchmarkInterleavedConcurrent alternates slices of calls
# from 64 and 256 goroutines the same way. Both run COUNT times and the same
# statistics are printed (for the goroutines, throughput: ours/base above 1
# is better; and the process's CPU time per call, server included, in the
# "-cpu-per-call" rows: below 1 is better; a VM's neighbours, who move
# the throughput by several per cent between runs, move it less).
#
#   scripts/bench.sh               # 6 rounds (the README's figures)
#   COUNT=10 scripts/bench.sh
#   PAIRS='Concurrent' scripts/bench.sh   # only the pairs whose label matches
set -euo pipefail
cd "$(dirname "$0")/.."
count="${COUNT:-6}"
only="${PAIRS:-}"
raw=$(mktemp)
inter=$(mktemp)
bin=$(mktemp)
trap 'rm -f "$raw" "$inter" "$bin"' EXIT

# label | ours | baseline | benchtime
pairs=(
  "GET ~300 B vs resty|^BenchmarkClientDo\$|^BenchmarkRestyBaseline\$|1s"
  "GET ~300 B vs net/http|^BenchmarkClientDo\$|^BenchmarkNetHTTPBaseline\$|1s"
  "POST 1 MiB vs resty|^BenchmarkPost1MiB\$/^sdk\$|^BenchmarkPost1MiB\$/^resty\$|1s"
  "GET 10 MB vs resty|^BenchmarkGet10MB\$/^sdk\$|^BenchmarkGet10MB\$/^resty\$|8x"
  "GET 1 MB over HTTP/2 vs resty|^BenchmarkGet1MB\$/^h2-sdk\$|^BenchmarkGet1MB\$/^h2-resty\$|20x"
  "error 20001 vs resty|^BenchmarkErrorPath\$/^sdk\$|^BenchmarkErrorPath\$/^resty\$|1s"
  "64 goroutines vs resty|^BenchmarkConcurrent64\$/^sdk\$|^BenchmarkConcurrent64\$/^resty\$|1s"
  "256 goroutines vs resty|^BenchmarkConcurrent256\$/^sdk\$|^BenchmarkConcurrent256\$/^resty\$|1s"
  "decode success vs json.Unmarshal|^BenchmarkDecodeResponse\$/^success\$|^BenchmarkJSONUnmarshal\$/^success\$|1s"
  "decode error vs json.Unmarshal|^BenchmarkDecodeResponse\$/^error\$|^BenchmarkJSONUnmarshal\$/^error\$|1s"
)

go test -c -o "$bin" ./client
# one runs a single benchmark and prints "ns B allocs calls/s" (calls/s 0
# when not reported).
one() {
  (cd client && "$bin" -test.run '^$' -test.benchmem -test.count 1 -test.benchtime "$2" -test.bench "$1") |
    awk '/^Benchmark/ { ns = b = al = cps = 0
      for (i = 2; i <= NF; i++) {
        if ($i == "ns/op") ns = $(i - 1); if ($i == "B/op") b = $(i - 1)
        if ($i == "allocs/op") al = $(i - 1); if ($i == "calls/s") cps = $(i - 1)
      }
      print ns, b, al, cps; n++ }
      END { if (n != 1) exit 1 }'
}

echo "$(uname -m), $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), $(go version | cut -d' ' -f3), load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq "$count"); do
  for p in "${!pairs[@]}"; do
    IFS='|' read -r label ours base time <<<"${pairs[$p]}"
    [[ -n "$only" && "$label" != *$only* ]] && continue
    if (( round % 2 )); then order="ours base"; else order="base ours"; fi
    for side in $order; do
      if [[ $side == ours ]]; then name=$ours; else name=$base; fi
      echo "$p $round $side $(one "$name" "$time")" >>"$raw"
    done
    printf '.' >&2
  done
done
for round in $(seq "$count"); do
  if [[ -z "$only" || "Interleaved" == *$only* ]]; then
    {
      (cd client && "$bin" -test.run '^$' -test.benchtime "${INTERLEAVED:-2000x}" -test.bench '^BenchmarkInterleaved$')
      (cd client && "$bin" -test.run '^$' -test.benchtime "${SLICES:-64x}" -test.bench '^BenchmarkInterleavedConcurrent$')
      (cd client && "$bin" -test.run '^$' -test.benchtime "${LARGE:-20x}" -test.bench '^BenchmarkInterleavedLarge$')
    } | awk '/^BenchmarkInterleaved/ { name = $1; sub(/^BenchmarkInterleaved(Concurrent|Large)?\//, "", name); sub(/-[0-9]+$/, "", name)
        oc = bc = cr = ""
        for (i = 2; i <= NF; i++) {
          if ($i == "ours-ns/call" || $i == "ours-calls/s") { o = $(i - 1); unit = $i }
          if ($i == "base-ns/call" || $i == "base-calls/s") b = $(i - 1)
          if ($i == "ours/base") r = $(i - 1)
          if ($i == "ours-cpu-ns/call") oc = $(i - 1)
          if ($i == "base-cpu-ns/call") bc = $(i - 1)
          if ($i == "cpu-ours/base") cr = $(i - 1)
        }
        print name, o, b, r, unit
        if (cr != "") print name "-cpu-per-call", oc, bc, cr, "cpu-ns/call" }' >>"$inter"
    printf '.' >&2
  fi
done
echo >&2
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"

labels=$(printf '%s\n' "${pairs[@]}" | cut -d'|' -f1)
awk -v count="$count" -v labels="$labels" '
function median(list,   n, a, i, j, t) {
  n = split(list, a, " ")
  for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
  return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function lo(list,   n, a, i, m) { n = split(list, a, " "); m = a[1]; for (i = 2; i <= n; i++) if (a[i] + 0 < m + 0) m = a[i]; return m }
function hi(list,   n, a, i, m) { n = split(list, a, " "); m = a[1]; for (i = 2; i <= n; i++) if (a[i] + 0 > m + 0) m = a[i]; return m }
function human(ns) { return ns >= 1e6 ? sprintf("%.1f ms", ns / 1e6) : sprintf("%.1f µs", ns / 1e3) }
function bytes(b) { return b >= 1e6 ? sprintf("%.1f MB", b / 1e6) : b >= 1e4 ? sprintf("%.1f kB", b / 1e3) : sprintf("%d B", b) }
{
  key = $1 SUBSEP $3
  ns[key] = ns[key] " " $4; by[key] = by[key] " " $5; al[key] = al[key] " " $6; cps[key] = cps[key] " " $7
  run[$1 SUBSEP $2 SUBSEP $3] = $4; seen[$1] = 1
}
END {
  split(labels, name, "\n")
  printf "medians of %d rounds; ratio = ours/baseline per round: median [min–max]\n\n", count
  printf "| pair | ours | baseline | time ratio | bytes ours / baseline | allocs ours / baseline |\n|---|---|---|---|---|---|\n"
  for (p = 0; (p + 1) in name; p++) {
    if (!(p in seen)) continue
    o = p SUBSEP "ours"; b = p SUBSEP "base"; ratios = ""
    for (r = 1; r <= count; r++) if ((p SUBSEP r SUBSEP "ours") in run) ratios = ratios " " run[p SUBSEP r SUBSEP "ours"] / run[p SUBSEP r SUBSEP "base"]
    ot = human(median(ns[o])); bt = human(median(ns[b]))
    if (median(cps[o]) > 0) { ot = ot sprintf(" (%.0f calls/s)", median(cps[o])); bt = bt sprintf(" (%.0f calls/s)", median(cps[b])) }
    printf "| %s | %s | %s | %.2f× [%.2f–%.2f] | %s / %s = %.2f× | %d / %d |\n", name[p + 1], ot, bt,
      median(ratios), lo(ratios), hi(ratios), bytes(median(by[o])), bytes(median(by[b])),
      (median(by[b]) > 0 ? median(by[o]) / median(by[b]) : 0), median(al[o]), median(al[b])
  }
}' "$raw"

[[ -s "$inter" ]] && awk -v count="$count" '
function median(list,   n, a, i, j, t) {
  n = split(list, a, " ")
  for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
  return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function lo(list,   n, a, i, m) { n = split(list, a, " "); m = a[1]; for (i = 2; i <= n; i++) if (a[i] + 0 < m + 0) m = a[i]; return m }
function hi(list,   n, a, i, m) { n = split(list, a, " "); m = a[1]; for (i = 2; i <= n; i++) if (a[i] + 0 > m + 0) m = a[i]; return m }
function human(ns) { return ns >= 1e6 ? sprintf("%.2f ms", ns / 1e6) : sprintf("%.1f µs", ns / 1e3) }
!($1 in seen) { seen[$1] = 1; order[n++] = $1 }
{ o[$1] = o[$1] " " $2; b[$1] = b[$1] " " $3; r[$1] = r[$1] " " $4; unit[$1] = $5 }
END {
  printf "\nBenchmarkInterleaved and BenchmarkInterleavedConcurrent, %d runs: each side'"'"'s median call time (or slice throughput) per run; ratio of the medians: median [min–max] over the runs\n\n", count
  printf "| pair | ours | baseline | ours/baseline |\n|---|---|---|---|\n"
  for (i = 0; i < n; i++) { p = order[i]
    if (unit[p] ~ /calls/) { ot = sprintf("%.0f calls/s", median(o[p])); bt = sprintf("%.0f calls/s", median(b[p])) }
    else { ot = human(median(o[p])); bt = human(median(b[p])) }
    printf "| %s | %s | %s | %.3f× [%.3f–%.3f] |\n", p, ot, bt, median(r[p]), lo(r[p]), hi(r[p])
  }
}' "$inter"
