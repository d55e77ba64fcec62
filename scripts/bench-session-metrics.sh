#!/usr/bin/env bash
# bench-session-metrics.sh: what metrics cost on the session check.
#
# Starts three astral-auth servers from dist/ (npm run build first), each on
# its own SQLite folder, all pinned to core 0, and measures GET /v1/session
# with a bearer session token using wrk pinned to core 1:
#   on    ASTRAL_METRICS=true  (the default: metrics, alerts, dashboard)
#   off   ASTRAL_METRICS=false (slow-query log still times store calls)
#   bare  ASTRAL_METRICS=false ASTRAL_LOG_SLOW_QUERY=0 (no instrumentation at all)
# Runs alternate between the servers, so drift on the machine hits all three
# alike; the medians of the runs are printed side by side: requests per
# second, and the server's CPU time per request (user + system, from
# /proc), which other load on the machine disturbs less.
#
# Then, on a shared machine, the fairer test: "on" and "off" loaded at the
# same moment, both servers on core 0 and both wrk on core 1. The kernel
# gives the two busy servers equal CPU, so whatever else runs hits both
# alike, and the ratio of their throughputs is the inverse ratio of their
# CPU cost per request.
#
#   scripts/bench-session-metrics.sh [runs=7] [seconds=10] [connections=32]
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${1:-7}
SECONDS_PER_RUN=${2:-10}
CONNECTIONS=${3:-32}
MODES=(on off bare)
declare -A PORT=([on]=18181 [off]=18182 [bare]=18183)
declare -A ENV_OF=(
  [on]="ASTRAL_METRICS=true"
  [off]="ASTRAL_METRICS=false"
  [bare]="ASTRAL_METRICS=false ASTRAL_LOG_SLOW_QUERY=0"
)
WORK=$(mktemp -d)
PIDS=()

cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

start_server() {
  local mode=$1 port=${PORT[$1]}
  mkdir -p "$WORK/$mode"
  env ASTRAL_PORT="$port" ASTRAL_DATA_DIR="$WORK/$mode" ASTRAL_COOKIE_SECURE=false ${ENV_OF[$mode]} \
    taskset -c 0 node dist/cli.js serve >"$WORK/$mode.log" 2>&1 &
  PIDS+=($!)
  SERVER_PID[$mode]=$!
  for _ in $(seq 100); do
    curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && return
    sleep 0.1
  done
  echo "server $mode did not start:" >&2; cat "$WORK/$mode.log" >&2; exit 1
}

session_token() {
  local port=$1 body='{"email":"bench@example.com","password":"a long passphrase for the bench"}'
  curl -fs -XPOST "http://127.0.0.1:$port/v1/register" -H 'content-type: application/json' -d "$body" >/dev/null
  curl -fs -XPOST "http://127.0.0.1:$port/v1/login" -H 'content-type: application/json' -d "$body" |
    node -e 'let s="";process.stdin.on("data",(c)=>s+=c).on("end",()=>process.stdout.write(JSON.parse(s).sessionToken))'
}

# Prints "requests-per-second requests".
load() {
  local port=$1 token=$2 seconds=$3
  taskset -c 1 wrk -t1 -c"$CONNECTIONS" -d"${seconds}s" -H "authorization: Bearer $token" \
    "http://127.0.0.1:$port/v1/session" | awk '/requests in/ { n = $1 } /Requests\/sec/ { print $2, n }'
}

# CPU time of a process so far, in clock ticks (user + system).
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
TICK_US=$((1000000 / $(getconf CLK_TCK)))

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

declare -A TOKEN SERVER_PID
for mode in "${MODES[@]}"; do
  start_server "$mode"
  TOKEN[$mode]=$(session_token "${PORT[$mode]}")
  [ "$(curl -s -o /dev/null -w '%{http_code}' -H "authorization: Bearer ${TOKEN[$mode]}" "http://127.0.0.1:${PORT[$mode]}/v1/session")" = 200 ]
  load "${PORT[$mode]}" "${TOKEN[$mode]}" 5 >/dev/null   # warm-up: JIT, prepared statements
done

for run in $(seq "$RUNS"); do
  for mode in "${MODES[@]}"; do
    before=$(cpu_ticks "${SERVER_PID[$mode]}")
    read -r rps requests < <(load "${PORT[$mode]}" "${TOKEN[$mode]}" "$SECONDS_PER_RUN")
    cpu_us=$(( ($(cpu_ticks "${SERVER_PID[$mode]}") - before) * TICK_US * 10 / requests ))
    cpu_us=$(awk -v t="$cpu_us" 'BEGIN { printf "%.1f", t / 10 }')
    echo "$rps" >>"$WORK/$mode.rps"
    echo "$cpu_us" >>"$WORK/$mode.cpu"
    printf 'run %d %-4s %10s req/s %7s µs CPU/request\n' "$run" "$mode" "$rps" "$cpu_us"
  done
done

echo
printf '%-5s %13s %22s\n' mode 'median req/s' 'median µs CPU/request'
for mode in "${MODES[@]}"; do
  printf '%-5s %13s %22s\n' "$mode" "$(median <"$WORK/$mode.rps")" "$(median <"$WORK/$mode.cpu")"
done
echo
for run in $(seq "$RUNS"); do
  # Which load starts first alternates, so that neither server is favoured by it.
  pair=(on off)
  [ $((run % 2)) -eq 0 ] && pair=(off on)
  load "${PORT[${pair[0]}]}" "${TOKEN[${pair[0]}]}" "$SECONDS_PER_RUN" >"$WORK/together.${pair[0]}" &
  other=$!
  load "${PORT[${pair[1]}]}" "${TOKEN[${pair[1]}]}" "$SECONDS_PER_RUN" >"$WORK/together.${pair[1]}"
  wait "$other"
  read -r on _ <"$WORK/together.on"
  read -r off _ <"$WORK/together.off"
  ratio=$(awk -v a="$on" -v b="$off" 'BEGIN { printf "%.3f", a / b }')
  echo "$ratio" >>"$WORK/together.ratio"
  printf 'together %d  on %10s req/s  off %10s req/s  on/off %s\n' "$run" "$on" "$off" "$ratio"
done
echo "median on/off at the same moment: $(median <"$WORK/together.ratio")"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
