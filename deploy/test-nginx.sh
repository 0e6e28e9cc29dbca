#!/usr/bin/env bash
# Runs the release binary behind nginx with deploy/nginx.conf (its ports, certificate and
# upstream pointed at a scratch setup: self-signed certificate, a fresh SQLite file) and
# checks what a visitor gets through it: HTTP redirected to HTTPS, the probes, the
# catalog page and API, and a login whose Secure session cookie works over HTTPS.
#
#   deploy/test-nginx.sh target/release/project      (needs nginx, openssl, curl)
set -euo pipefail
BINARY="$(realpath "${1:?usage: deploy/test-nginx.sh PATH-TO-project-BINARY}")"
DEPLOY="$(cd "$(dirname "$0")" && pwd)"
for tool in nginx openssl curl; do
  command -v "$tool" >/dev/null || { echo "$tool is not installed"; exit 1; }
done

WORK="$(mktemp -d)"
SERVER_PID=""; NGINX_CONF=""
cleanup() {
  [ -n "$NGINX_CONF" ] && nginx -c "$NGINX_CONF" -s stop 2>/dev/null || true
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
APP_PORT=$(free_port); HTTP_PORT=$(free_port); HTTPS_PORT=$(free_port)
HOST=shop.example.com

# The store, production profile, environment only (SQLite here is the one thing
# `check --deploy` would refuse).
export APP_ENV=production APP__DATABASE__URL="sqlite://$WORK/db.sqlite3?mode=rwc" \
  APP__SECRET_KEY=nginx-test-secret-key-0123456789abcdef0123456789 \
  APP__PAYMENTS__WEBHOOK_SECRET=whsec_nginx_test_secret APP__SERVER__PORT="$APP_PORT" \
  APP__SERVER__ALLOWED_HOSTS="$HOST" APP__SERVER__TRUSTED_PROXIES=127.0.0.1 \
  APP__EMAIL__BACKEND=console APP__LOG__LEVEL=warn
(cd "$WORK" && "$BINARY" migrate && "$BINARY" seed --users) >/dev/null 2>>"$WORK/server.log"
(cd "$WORK" && exec "$BINARY" serve >"$WORK/server.log" 2>&1) &
SERVER_PID=$!

openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=$HOST" \
  -keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null
sed -e "s#listen 80;#listen 127.0.0.1:$HTTP_PORT;#" \
    -e "s#listen 443 ssl#listen 127.0.0.1:$HTTPS_PORT ssl#" \
    -e "s#server 127.0.0.1:8000;#server 127.0.0.1:$APP_PORT;#" \
    -e "s#/etc/letsencrypt/live/$HOST/fullchain.pem#$WORK/cert.pem#" \
    -e "s#/etc/letsencrypt/live/$HOST/privkey.pem#$WORK/key.pem#" \
    -e "s#https://\$host\$request_uri#https://\$host:$HTTPS_PORT\$request_uri#" \
    "$DEPLOY/nginx.conf" > "$WORK/store.conf"
NGINX_CONF="$WORK/nginx.conf"
# nginx's workers (www-data) buffer large bodies (an image upload, an image answered) in
# these folders.
chmod 755 "$WORK"
for temp in body proxy fastcgi uwsgi scgi; do mkdir -p "$WORK/$temp"; chmod 777 "$WORK/$temp"; done
cat > "$NGINX_CONF" <<EOF
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log;
events {}
http {
  access_log off;
  client_body_temp_path $WORK/body; proxy_temp_path $WORK/proxy;
  fastcgi_temp_path $WORK/fastcgi; uwsgi_temp_path $WORK/uwsgi; scgi_temp_path $WORK/scgi;
  include $WORK/store.conf;
}
EOF
nginx -t -c "$NGINX_CONF" -q
nginx -c "$NGINX_CONF"

for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$APP_PORT/healthz" >/dev/null && break; sleep 0.2; done
https() { curl -sk --resolve "$HOST:$HTTPS_PORT:127.0.0.1" "$@"; }
URL="https://$HOST:$HTTPS_PORT"
fail() { echo "FAIL: $*"; echo "--- server log"; cat "$WORK/server.log"; echo "--- nginx log"; cat "$WORK/nginx-error.log"; exit 1; }
expect() { # expect WHAT EXPECTED ACTUAL
  [ "$2" = "$3" ] || fail "$1: expected $2, got $3"
  echo "ok: $1"
}

expect "HTTP redirects to HTTPS" "301 $URL/catalog/" \
  "$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' -H "Host: $HOST" "http://127.0.0.1:$HTTP_PORT/catalog/")"
expect "/readyz through nginx" '{"status":"ok","database":"ok"}' "$(https "$URL/readyz")"
expect "catalog page" 200 "$(https -o /dev/null -w '%{http_code}' "$URL/catalog/")"
https "$URL/api/catalog/products?per_page=1" | grep -q '"total"' || fail "product list JSON"
echo "ok: product list JSON"
expect "a host not allowed is refused" 400 \
  "$(curl -sk -o /dev/null -w '%{http_code}' --resolve "evil.example:$HTTPS_PORT:127.0.0.1" "https://evil.example:$HTTPS_PORT/catalog/")"

# Log in with the form: the session cookie is Secure, so it only works over HTTPS.
JAR="$WORK/cookies"
TOKEN=$(https -c "$JAR" "$URL/accounts/login/" | sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' | head -1)
[ -n "$TOKEN" ] || fail "no CSRF token on the login page"
https -b "$JAR" -c "$JAR" -o /dev/null --data-urlencode "email=user@example.com" \
  --data-urlencode "password=userpass123" --data-urlencode "csrf_token=$TOKEN" "$URL/accounts/login/"
grep -q "sessionid" "$JAR" || fail "no session cookie"
awk '$6 == "sessionid" && $4 != "TRUE" { exit 1 }' "$JAR" || fail "the session cookie is not Secure"
https -b "$JAR" "$URL/accounts/profile/" | grep -q "user@example.com" || fail "profile after login"
echo "ok: login over HTTPS, Secure session cookie, profile"
# An image upload over the 1m every other route keeps passes nginx; its file is served
# through nginx with the store's caching.
API_TOKEN=$(https -H 'Content-Type: application/json' -d '{"email":"staff@example.com","password":"staffpass123"}' \
  "$URL/api/accounts/token" | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
[ -n "$API_TOKEN" ] || fail "no API token for staff@example.com"
python3 - "$WORK/noise.png" <<'PY'
import os, struct, sys, zlib
w, h = 700, 700  # about 1.4 MB of noise: PNG cannot compress it
rows = b"".join(b"\0" + os.urandom(w * 3) for _ in range(h))
chunk = lambda kind, data: struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(rows, 1)) + chunk(b"IEND", b"")
open(sys.argv[1], "wb").write(png)
PY
UPLOADED=$(https -H "Authorization: Bearer $API_TOKEN" -F "file=@$WORK/noise.png" -F "alt=Noise" \
  -w ' %{http_code}' "$URL/api/catalog/products/1/images")
[ "${UPLOADED##* }" = 201 ] || fail "a 1.4 MB image upload through nginx: $UPLOADED"
echo "ok: a 1.4 MB image upload through nginx"
MEDIA_URL=$(sed -n 's/.*"url":"\([^"]*\)".*/\1/p' <<<"$UPLOADED")
https -D "$WORK/media-headers" -o /dev/null "$URL$MEDIA_URL"
grep -qi '^cache-control: public, max-age=31536000, immutable' "$WORK/media-headers" || fail "media caching: $(cat "$WORK/media-headers")"
echo "ok: the image is served through nginx, cached for a year"
expect "a 1.4 MB JSON body is still refused" 413 \
  "$(https -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $API_TOKEN" -H 'Content-Type: application/json' \
    --data-binary "@$WORK/noise.png" -X PATCH "$URL/api/catalog/products/1")"
echo "nginx: all checks passed"
