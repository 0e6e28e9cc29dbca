#!/usr/bin/env bash
# The read-replica benchmark (BENCHMARKS.md, "Read replicas"): uncached product list and
# detail at 64 connections while 16 more connections (four customers) write: cart lines, new orders, payments to
# the same server, first with the primary alone, then with one replica in
# `database.replica_urls`. Not run by CI (it takes a few minutes).
#
#   cargo build --release -p project
#   bash xtask/replicas-bench.sh target/release/project [mysql] [postgres]
#
# The pairs come from `.ci/replicas.sh start` (MariaDB 3307 → 3308, PostgreSQL 5433 →
# 5434). On one machine every server shares the same cores, so a replica could only add
# what the primary leaves idle; to measure what a second database machine adds, each
# database server is capped at DB_CPU percent of a core (cgroup v1 `cpu` quota; default
# 50), the primary and the replica alike: the server under test, wrk and the cgroups'
# remainder share the rest. DURATION (default 15) seconds per endpoint.
set -euo pipefail

BIN=$(realpath "${1:?usage: $0 target/release/project [mysql] [postgres]}")
shift
KINDS=${*:-mysql postgres}
DURATION=${DURATION:-15}
DB_CPU=${DB_CPU:-50}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIR=${REPLICAS_DIR:-/tmp/store-replicas}
WORK=$(mktemp -d)
PORT=8931
CGROUP=/sys/fs/cgroup/cpu
SERVER_PID=
WRITER_PID=
trap 'kill $SERVER_PID $WRITER_PID 2>/dev/null || true; rm -rf "$WORK"' EXIT

command -v wrk >/dev/null || apt-get install -y -qq wrk >/dev/null

cap() { # cap NAME PID… : at most DB_CPU % of a core for these processes (and their threads)
  local group="$CGROUP/bench-$1"; shift
  mkdir -p "$group"
  echo 100000 >"$group/cpu.cfs_period_us"
  echo $((DB_CPU * 1000)) >"$group/cpu.cfs_quota_us"
  for pid in "$@"; do echo "$pid" >"$group/cgroup.procs" 2>/dev/null || true; done
}

pids_of_postgres() { # the postmaster of DATADIR and every process it started
  local main; main=$(head -1 "$1/postmaster.pid")
  echo "$main"; ps -o pid= --ppid "$main"
}

cap_servers() {
  cap primary "$(cat "$DIR/my3307.pid")" $(pids_of_postgres "$DIR/pg5433")
  cap replica "$(cat "$DIR/my3308.pid")" $(pids_of_postgres "$DIR/pg5434")
}

uncap() {
  for group in primary replica; do
    [ -d "$CGROUP/bench-$group" ] || continue
    while read -r pid; do echo "$pid" >"$CGROUP/cgroup.procs" 2>/dev/null || true; done <"$CGROUP/bench-$group/cgroup.procs"
    rmdir "$CGROUP/bench-$group" 2>/dev/null || true
  done
}

env_for() { # env_for DATABASE_URL [REPLICA_URL]
  echo APP_ENV=production APP__SECRET_KEY=bench-secret-key-0123456789abcdef0123456789abcdef \
    APP__PAYMENTS__WEBHOOK_SECRET=whsec_test_secret APP__DATABASE__URL="$1" \
    APP__DATABASE__REPLICA_URLS="${2:-}" APP__DATABASE__AUTO_MIGRATE=false \
    APP__LOG__LEVEL=warn APP__SERVER__ALLOWED_HOSTS=127.0.0.1,localhost \
    APP__EMAIL__BACKEND=console APP__RATELIMIT__ENABLED=false \
    APP__PAYMENTS__MAX_PENDING_UNITS=0 APP__SERVER__PORT=$PORT
}

start_server() { # start_server DATABASE_URL [REPLICA_URL]
  (cd "$WORK" && exec env $(env_for "$@") "$BIN" serve >"$WORK/server.log" 2>&1) &
  SERVER_PID=$!
  for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && return 0
    sleep 0.1
  done
  cat "$WORK/server.log"; exit 1
}

stop_server() {
  kill "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
}

cat >"$WORK/writes.lua" <<'EOF'
-- Writes, in turns: a cart line set; a new order; that order paid with the test card.
-- Each wrk thread is another customer (TOKENS).
local tokens = {}
for token in string.gmatch(os.getenv("TOKENS"), "[^,]+") do tokens[#tokens + 1] = token end
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("customer", threads)
end
function init(args)
  wrk.headers["Authorization"] = "Bearer " .. tokens[customer]
end
wrk.headers["Content-Type"] = "application/json"
local ids = {}
for id in string.gmatch(os.getenv("IDS"), "%d+") do ids[#ids + 1] = id end
local n, unpaid = 0, {}
request = function()
  n = n + 1
  local id = ids[math.random(#ids)]
  if n % 3 == 0 then
    return wrk.format("PUT", "/api/cart/items/" .. id, nil, '{"quantity": ' .. (n % 7 + 1) .. '}')
  end
  local order = table.remove(unpaid, 1)
  if order then
    local headers = {["Idempotency-Key"] = "bench-" .. order}
    for name, value in pairs(wrk.headers) do headers[name] = value end
    return wrk.format("POST", "/api/orders/" .. order .. "/pay", headers, '{"card_number": "4242424242424242"}')
  end
  return wrk.format("POST", "/api/orders", nil, '{"items": [{"product_id": ' .. id .. ', "quantity": 1}]}')
end
response = function(status, headers, body)
  if status == 201 then
    local order = string.match(body, '^{"id":(%d+)')
    if order then unpaid[#unpaid + 1] = order end
  end
end
function done(summary, latency, requests)
  io.write(string.format("WRITES %d %.1f %d\n", summary.requests, summary.requests / (summary.duration / 1e6), summary.errors.status))
end
EOF

cat >"$WORK/reads.lua" <<'EOF'
-- Reads: PATH, with {id} replaced by a random product id on each request.
local ids = {}
for id in string.gmatch(os.getenv("IDS"), "%d+") do ids[#ids + 1] = id end
local path = os.getenv("READ_PATH")
request = function()
  return wrk.format("GET", (string.gsub(path, "{id}", ids[math.random(#ids)])))
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("READS %.1f %.2f %d\n", summary.requests / (summary.duration / 1e6),
    latency:percentile(99) / 1000, e.connect + e.read + e.write + e.status + e.timeout))
end
EOF

measure() { # measure LABEL : prints one row per endpoint, with the write load running
  local tokens="" ids usd email
  for customer in 1 2 3 4; do
    email="writer$customer.$RANDOM$RANDOM@example.com"
    curl -sf -X POST "http://127.0.0.1:$PORT/api/accounts/register" -H 'Content-Type: application/json' \
      -d "{\"email\": \"$email\", \"password\": \"a-long-passphrase\", \"name\": \"W\"}" >/dev/null
    tokens+=$(curl -sf -X POST "http://127.0.0.1:$PORT/api/accounts/token" -H 'Content-Type: application/json' \
      -d "{\"email\": \"$email\", \"password\": \"a-long-passphrase\"}" |
      python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'),
  done
  ids=$(curl -sf "http://127.0.0.1:$PORT/api/catalog/products?per_page=100" |
    python3 -c 'import json,sys; print(",".join(str(p["id"]) for p in json.load(sys.stdin)["items"]))')
  # A cart holds one currency: the writer's lines are all in dollars.
  usd=$(curl -sf "http://127.0.0.1:$PORT/api/catalog/products?per_page=100" |
    python3 -c 'import json,sys; print(",".join(str(p["id"]) for p in json.load(sys.stdin)["items"] if p["currency"] == "USD"))')
  for endpoint in "/api/catalog/products?per_page=20" "/api/catalog/products/{id}"; do
    TOKENS=$tokens IDS=$usd wrk -t4 -c16 -d$((DURATION + 4))s -s "$WORK/writes.lua" "http://127.0.0.1:$PORT" >"$WORK/writes.txt" 2>&1 &
    WRITER_PID=$!
    sleep 2
    IDS=$ids READ_PATH=$endpoint wrk -t2 -c64 -d"${DURATION}s" -s "$WORK/reads.lua" "http://127.0.0.1:$PORT" >"$WORK/reads.txt" 2>&1
    wait "$WRITER_PID" || true
    read -r _ rps p99 errors < <(grep '^READS' "$WORK/reads.txt")
    read -r _ _ wps werrors < <(grep '^WRITES' "$WORK/writes.txt")
    echo "$1 $endpoint $rps $p99 $errors $wps $werrors" | tee -a "$WORK/rows.txt"
  done
}

bash "$ROOT/.ci/replicas.sh" start
for kind in $KINDS; do
  if [ "$kind" = mysql ]; then
    primary="mysql://root@127.0.0.1:3307/bench"; replica="mysql://root@127.0.0.1:3308/bench"
    mariadb --no-defaults -uroot -h127.0.0.1 -P3307 -e "DROP DATABASE IF EXISTS bench; CREATE DATABASE bench"
    raise_stock() { mariadb --no-defaults -uroot -h127.0.0.1 -P3307 bench -e "UPDATE products SET stock = 1000000000"; }
  else
    primary="postgres://postgres@127.0.0.1:5433/bench?sslmode=disable"; replica="postgres://postgres@127.0.0.1:5434/bench?sslmode=disable"
    psql -h 127.0.0.1 -p 5433 -U postgres -d test -qc "DROP DATABASE IF EXISTS bench" -c "CREATE DATABASE bench"
    raise_stock() { psql -h 127.0.0.1 -p 5433 -U postgres -d bench -qc "UPDATE products SET stock = 1000000000"; }
  fi
  (cd "$WORK" && env $(env_for "$primary") "$BIN" migrate >/dev/null && env $(env_for "$primary") "$BIN" seed --no-images >/dev/null)
  raise_stock
  sleep 2 # the replica catches up with the seed
  cap_servers
  start_server "$primary"
  # Our own floor in this run: /healthz, no database, no write load.
  floor=$(wrk -t2 -c64 -d5s "http://127.0.0.1:$PORT/healthz" | awk '/Requests\/sec/ {print $2}')
  echo "$kind floor $floor" | tee -a "$WORK/rows.txt"
  measure "$kind primary-alone"
  stop_server
  start_server "$primary" "$replica"
  for _ in $(seq 1 50); do
    curl -sf "http://127.0.0.1:$PORT/readyz" | grep -q '"ok":true' && break
    sleep 0.2
  done
  measure "$kind with-replica"
  stop_server
  uncap
done
bash "$ROOT/.ci/replicas.sh" stop

echo
grep -F " floor " "$WORK/rows.txt" | awk '{print "/healthz floor on " $1 ": " $3 " req/s"}'
echo "| database | endpoint | primary alone req/s | with a replica req/s | ratio | p99 ms alone / replica | writes/s alone / replica | read errors |"
echo "|---|---|---:|---:|---:|---:|---:|---:|"
for kind in $KINDS; do
  for endpoint in "/api/catalog/products?per_page=20" "/api/catalog/products/{id}"; do
    read -r _ _ _ a_rps a_p99 a_err a_wps _ < <(grep -F "$kind primary-alone $endpoint " "$WORK/rows.txt" | head -1)
    read -r _ _ _ r_rps r_p99 r_err r_wps _ < <(grep -F "$kind with-replica $endpoint " "$WORK/rows.txt" | head -1)
    ratio=$(python3 -c "print(f'{$r_rps / $a_rps:.2f}×')")
    echo "| $kind | \`$endpoint\` | $a_rps | $r_rps | $ratio | $a_p99 / $r_p99 | $a_wps / $r_wps | $a_err / $r_err |"
  done
done
