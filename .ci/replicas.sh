#!/usr/bin/env bash
# Starts the project's own replicated database pairs, from the installed Debian packages,
# leaving the shared servers on 3306/5432 alone (their binlog is off and their pg_hba.conf
# has no replication line):
#
#   MariaDB     primary 127.0.0.1:3307 (--log-bin --server-id=1)  → replica 3308 (GTID)
#   PostgreSQL  primary 127.0.0.1:5433 (initdb)                   → standby 5434 (pg_basebackup -R)
#
# Each pair has a database `test` (MariaDB: root with no password; PostgreSQL: the
# postgres user, trust), replicated to the other server of its pair.
#
#   .ci/replicas.sh start                 start both pairs (idempotent; fresh data dirs)
#   .ci/replicas.sh stop                  stop all four servers
#   .ci/replicas.sh delay SECONDS         delay applying on both replicas
#                                         (MariaDB MASTER_DELAY, PostgreSQL recovery_min_apply_delay)
#   .ci/replicas.sh stop-replica  mysql|postgres    stop one replica (an outage)
#   .ci/replicas.sh start-replica mysql|postgres    start it again
#   .ci/replicas.sh status                what each replica reports
#
# REPLICAS_DIR (default /tmp/store-replicas) holds the data directories and logs.
set -euo pipefail
[ -n "${REPLICAS_TRACE:-}" ] && { PS4='+ $EPOCHREALTIME '; set -x; }

DIR=${REPLICAS_DIR:-/tmp/store-replicas}
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
MY_PRIMARY=3307
MY_REPLICA=3308
PG_PRIMARY=5433
PG_REPLICA=5434

say() { echo "replicas: $*" >&2; }

my() { # my PORT SQL…
  local port=$1; shift
  mariadb --no-defaults -uroot --socket="$DIR/my$port.sock" -N -e "$*"
}

as_postgres() { runuser -u postgres -- "$@"; }

wait_for() { # wait_for WHAT COMMAND…
  local what=$1; shift
  for _ in $(seq 1 100); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.2
  done
  say "$what did not come up; its log:"
  tail -n 30 "$DIR"/*.log >&2 || true
  return 1
}

mariadb_up() { # mariadb_up PORT SERVER_ID
  local port=$1 id=$2
  mariadbd --no-defaults --user=root --datadir="$DIR/my$port" --port="$port" \
    --bind-address=127.0.0.1 --socket="$DIR/my$port.sock" --pid-file="$DIR/my$port.pid" \
    --log-error="$DIR/my$port.log" --server-id="$id" --log-bin=binlog --log-basename="my$port" \
    --binlog-format=ROW --gtid-strict-mode=1 --innodb-buffer-pool-size=128M \
    --skip-name-resolve --max-connections=400 >/dev/null 2>&1 &
  wait_for "MariaDB on $port" my "$port" "SELECT 1"
}

start_mariadb() {
  if ! command -v mariadbd >/dev/null; then
    say "installing mariadb-server"
    apt-get install -y -qq mariadb-server mariadb-client >/dev/null
  fi
  for port in $MY_PRIMARY $MY_REPLICA; do
    rm -rf "$DIR/my$port"
    mariadb-install-db --no-defaults --user=root --datadir="$DIR/my$port" \
      --auth-root-authentication-method=normal --skip-test-db >"$DIR/install$port.log" 2>&1
  done
  mariadb_up $MY_PRIMARY 1
  mariadb_up $MY_REPLICA 2
  # Local accounts, kept out of the binlog: root over TCP on each, the replication user.
  for port in $MY_PRIMARY $MY_REPLICA; do
    my "$port" "SET sql_log_bin=0; CREATE USER IF NOT EXISTS 'root'@'127.0.0.1';
      GRANT ALL ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;
      CREATE USER IF NOT EXISTS 'repl'@'127.0.0.1' IDENTIFIED BY 'repl';
      GRANT REPLICATION SLAVE ON *.* TO 'repl'@'127.0.0.1'; FLUSH PRIVILEGES;"
  done
  my $MY_REPLICA "CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=$MY_PRIMARY,
    MASTER_USER='repl', MASTER_PASSWORD='repl', MASTER_USE_GTID=slave_pos,
    MASTER_CONNECT_RETRY=1; START SLAVE;"
  # Made on the primary, so it reaches the replica through the binlog.
  my $MY_PRIMARY "CREATE DATABASE IF NOT EXISTS test"
  wait_for "the MariaDB replica's copy of test" my $MY_REPLICA "USE test"
  say "MariaDB primary 127.0.0.1:$MY_PRIMARY → replica 127.0.0.1:$MY_REPLICA (GTID)"
}

pg_ctl_as() { # pg_ctl_as DATADIR ACTION
  as_postgres "$PGBIN/pg_ctl" -D "$1" -l "$1.log" -w -t 30 "$2" >/dev/null
}

start_postgres() {
  if [ -z "$PGBIN" ]; then
    say "installing postgresql"
    apt-get install -y -qq postgresql >/dev/null
    PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  fi
  local primary="$DIR/pg$PG_PRIMARY" standby="$DIR/pg$PG_REPLICA"
  rm -rf "$primary" "$standby"
  as_postgres "$PGBIN/initdb" -D "$primary" -U postgres --auth=trust >"$DIR/initdb.log"
  cat >>"$primary/postgresql.conf" <<EOF
port = $PG_PRIMARY
listen_addresses = '127.0.0.1'
unix_socket_directories = '$DIR'
wal_level = replica
max_wal_senders = 5
max_connections = 300
hot_standby = on
hot_standby_feedback = on
max_standby_streaming_delay = 5s
fsync = off
EOF
  echo "host replication postgres 127.0.0.1/32 trust" >>"$primary/pg_hba.conf"
  pg_ctl_as "$primary" start
  as_postgres "$PGBIN/createdb" -h 127.0.0.1 -p $PG_PRIMARY -U postgres test
  as_postgres "$PGBIN/pg_basebackup" -h 127.0.0.1 -p $PG_PRIMARY -U postgres -D "$standby" -R -X stream -c fast
  echo "port = $PG_REPLICA" >>"$standby/postgresql.auto.conf"
  pg_ctl_as "$standby" start
  wait_for "the PostgreSQL standby" as_postgres "$PGBIN/psql" -h 127.0.0.1 -p $PG_REPLICA -U postgres -d test -Atc "SELECT pg_is_in_recovery()"
  say "PostgreSQL primary 127.0.0.1:$PG_PRIMARY → standby 127.0.0.1:$PG_REPLICA (streaming)"
}

stop_mariadb_port() {
  local port=$1
  if [ -f "$DIR/my$port.pid" ]; then
    local pid; pid=$(cat "$DIR/my$port.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    rm -f "$DIR/my$port.pid"
  fi
}

stop_postgres_dir() {
  [ -f "$1/postmaster.pid" ] && as_postgres "$PGBIN/pg_ctl" -D "$1" -m fast -w stop >/dev/null 2>&1 || true
}

stop_all() {
  stop_mariadb_port $MY_REPLICA
  stop_mariadb_port $MY_PRIMARY
  stop_postgres_dir "$DIR/pg$PG_REPLICA"
  stop_postgres_dir "$DIR/pg$PG_PRIMARY"
}

set_delay() {
  local seconds=$1
  my $MY_REPLICA "STOP SLAVE; CHANGE MASTER TO MASTER_DELAY=$seconds; START SLAVE;"
  local standby="$DIR/pg$PG_REPLICA"
  sed -i '/^recovery_min_apply_delay/d' "$standby/postgresql.auto.conf"
  echo "recovery_min_apply_delay = '${seconds}s'" >>"$standby/postgresql.auto.conf"
  as_postgres "$PGBIN/pg_ctl" -D "$standby" reload >/dev/null
  say "replicas apply changes ${seconds}s late"
}

case "${1:-}" in
  start)
    stop_all
    mkdir -p "$DIR"
    chmod 755 "$DIR"
    chown postgres: "$DIR"
    start_mariadb
    start_postgres
    ;;
  stop) stop_all ;;
  delay) set_delay "${2:?delay SECONDS}" ;;
  stop-replica)
    case "${2:-}" in
      mysql) stop_mariadb_port $MY_REPLICA ;;
      postgres) stop_postgres_dir "$DIR/pg$PG_REPLICA" ;;
      *) echo "usage: $0 stop-replica mysql|postgres" >&2; exit 2 ;;
    esac ;;
  start-replica)
    case "${2:-}" in
      mysql) mariadb_up $MY_REPLICA 2 ;;
      postgres) pg_ctl_as "$DIR/pg$PG_REPLICA" start ;;
      *) echo "usage: $0 start-replica mysql|postgres" >&2; exit 2 ;;
    esac ;;
  status)
    mariadb --no-defaults -uroot --socket="$DIR/my$MY_REPLICA.sock" -e "SHOW SLAVE STATUS\G" | grep -E "Slave_(IO|SQL)_Running:|Seconds_Behind|SQL_Delay|Gtid_IO_Pos" || true
    as_postgres "$PGBIN/psql" -h 127.0.0.1 -p $PG_REPLICA -U postgres -d test -Atc \
      "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn(), now() - pg_last_xact_replay_timestamp()"
    ;;
  *)
    sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
