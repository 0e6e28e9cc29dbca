#!/usr/bin/env bash
# A seeded store moved SQLite → MariaDB → PostgreSQL → SQLite with `project dumpdata` and
# `project loaddata` keeps every row (a checksum per table), and the last copy serves it:
# the customer's token still lists their paid order.
#
#   .ci/roundtrip.sh PROJECT_BINARY [MYSQL_SERVER_URL] [POSTGRES_SERVER_URL]
#
# The server URLs name a server (the database part is replaced by `ci_roundtrip`, which is
# dropped and created).
set -euo pipefail
BIN="$(realpath "$1")"
MYSQL_SERVER="${2:-mysql://root@127.0.0.1:3306/test}"
POSTGRES_SERVER="${3:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}"
WORK="$(mktemp -d)"
PORT=18731
SERVER_PID=""
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
cd "$WORK"
export RUST_LOG=warn

on() { APP__DATABASE__URL="$1" "$BIN" "${@:2}"; }
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
api() { # METHOD PATH [JSON] [TOKEN] [EXTRA HEADER]
  curl -sf -X "$1" "http://127.0.0.1:$PORT$2" -H 'content-type: application/json' \
    ${3:+-d "$3"} ${4:+-H "authorization: Bearer $4"} ${5:+-H "$5"}
}
serve() {
  APP__DATABASE__URL="$1" APP__JOBS__RUN_IN_SERVER=false "$BIN" serve --port "$PORT" >serve.log 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && return; sleep 0.1; done
  cat serve.log; echo "the server did not start"; exit 1
}
stop() { kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""; }
# Per table (model): how many objects and a digest of them in key order.
checksums() {
  python3 - "$1" <<'EOF'
import hashlib, json, sys
tables = {}
for o in json.load(open(sys.argv[1])):
    tables.setdefault(o["model"], []).append(json.dumps(o, sort_keys=True))
for model in sorted(tables):
    rows = sorted(tables[model])
    print(model, len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest()[:16])
EOF
}

# 1. A store on SQLite: demo users, catalog with pictures, shipping and tax, and a paid order.
FIRST="sqlite://$WORK/first.db?mode=rwc"
on "$FIRST" migrate >/dev/null
on "$FIRST" seed --users >/dev/null
serve "$FIRST"
TOKEN="$(api POST /api/accounts/token '{"email":"user@example.com","password":"userpass123"}' | json '["token"]')"
PRODUCT="$(api GET '/api/catalog/products?page_size=1' | json '["items"][0]["id"]')"
ORDER="$(api POST /api/orders "{\"items\":[{\"product_id\":$PRODUCT,\"quantity\":2}]}" "$TOKEN" | json '["id"]')"
api POST "/api/orders/$ORDER/pay" '{"card_number":"4242424242424242"}' "$TOKEN" "idempotency-key: roundtrip-1" >/dev/null
stop
on "$FIRST" dumpdata -o first.json

# 2. Through MariaDB and PostgreSQL, back to SQLite.
mariadb -uroot -h127.0.0.1 -e "DROP DATABASE IF EXISTS ci_roundtrip; CREATE DATABASE ci_roundtrip CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
psql "${POSTGRES_SERVER%%\?*}" -qc "DROP DATABASE IF EXISTS ci_roundtrip" -c "CREATE DATABASE ci_roundtrip" 2>/dev/null
MYSQL="${MYSQL_SERVER%/*}/ci_roundtrip"
POSTGRES="${POSTGRES_SERVER%/*}/ci_roundtrip?sslmode=disable"
LAST="sqlite://$WORK/last.db?mode=rwc"
from=first.json
for step in "$MYSQL mariadb" "$POSTGRES postgresql" "$LAST sqlite"; do
  url="${step% *}"; name="${step##* }"
  on "$url" migrate >/dev/null
  on "$url" loaddata "$from"
  on "$url" dumpdata -o "$name.json"
  from="$name.json"
done

# 3. The same rows, table by table.
checksums first.json >first.sums
checksums sqlite.json >last.sums
cat first.sums
diff -u first.sums last.sums
grep -q '^payments.order 1 ' first.sums
grep -q '^payments.payment 1 ' first.sums
grep -q '^catalog.image ' first.sums

# 4. The last copy serves the customer their order.
serve "$LAST"
STATUS="$(api GET /api/orders '' "$TOKEN" | json '["items"][0]["status"]')"
test "$STATUS" = paid
stop
echo "roundtrip: SQLite → MariaDB → PostgreSQL → SQLite kept every row; the customer's paid order is served"
