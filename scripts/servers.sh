#!/usr/bin/env bash
# Throwaway PostgreSQL and MariaDB servers for the tests, never the system services: each run
# gets its own clusters in a folder of its own, listening on free ports of 127.0.0.1 only, with
# a user `sluice`, a random password and a database `sluice_test`; and an S3-compatible server
# (moto's server mode, from the venv `sluice_servers_venv` of scripts/env.sh makes) with a
# bucket `sluice-test`.
#
#   scripts/servers.sh start DIR   create DIR/pg, DIR/maria and DIR/s3, start the servers and
#                                  write DIR/env (to `source`) and DIR/password
#   scripts/servers.sh stop DIR    stop the servers and remove DIR
#
# DIR/env exports SLUICE_TEST_PG_URL, SLUICE_TEST_PG_PASSWORD, SLUICE_TEST_MYSQL_URL,
# SLUICE_TEST_MYSQL_PASSWORD, SLUICE_TEST_PG_BIN, SLUICE_TEST_S3_ENDPOINT and
# SLUICE_TEST_S3_BUCKET. The URLs carry no password.
# PostgreSQL refuses to run as root: as root, it runs as the system user sluice-pg (created if
# missing), which must be able to reach DIR.
set -euo pipefail

TIMEOUT=30          # seconds a server may take to start or stop
PG_USER=sluice-pg   # the unprivileged user PostgreSQL runs as when this script runs as root

usage() { echo "usage: $0 start|stop DIR" >&2; exit 2; }
die() { echo "servers.sh: $*" >&2; exit 1; }

is_root() { [ "$(id -u)" = 0 ]; }

# The binaries of the newest PostgreSQL installed from Debian.
pg_bin() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5,5n | tail -n1)
  [ -n "$d" ] && [ -x "$d/initdb" ] || die "no PostgreSQL found under /usr/lib/postgresql (apt package postgresql)"
  echo "$d"
}

mariadb_server_bin() {
  command -v mariadbd || command -v mysqld || { [ -x /usr/sbin/mariadbd ] && echo /usr/sbin/mariadbd; } \
    || die "no mariadbd found (apt package mariadb-server)"
}

# A TCP port of 127.0.0.1 that nothing listens on now.
free_port() {
  if command -v python3 >/dev/null; then
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
  else
    local p=$((55432 + RANDOM % 2000))
    while (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do p=$((p + 1)); done
    echo "$p"
  fi
}

# Run a command as the owner of the PostgreSQL files.
as_pg() {
  if is_root; then (cd / && runuser -u "$PG_USER" -- "$@"); else "$@"; fi
}

# Seconds since an $EPOCHREALTIME, to a tenth.
elapsed() {
  local us=$(( ${EPOCHREALTIME/[.,]/} - ${1/[.,]/} ))
  printf '%d.%d' $((us / 1000000)) $((us % 1000000 / 100000))
}

log_tail() {
  echo "---- last lines of $1 ----" >&2
  tail -n 40 "$1" >&2 2>/dev/null || echo "(no log)" >&2
  echo "----" >&2
}

start_pg() {
  local dir=$1 password=$2 bin=$3 pg=$1/pg port attempt
  mkdir -p "$pg"
  if is_root; then
    # Under a lock: two starts at once would otherwise both add the user.
    id -u "$PG_USER" >/dev/null 2>&1 \
      || flock "${BASH_SOURCE[0]}" sh -c 'id -u "$1" >/dev/null 2>&1 ||
           useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$1"' sh "$PG_USER" \
      || die "could not create the user $PG_USER"
    chown "$PG_USER:" "$pg"
    chmod 700 "$pg"
    runuser -u "$PG_USER" -- test -w "$pg" \
      || die "$PG_USER cannot reach $pg: every folder above it must be searchable by others (chmod o+x)"
  fi
  # initdb reads the superuser's password from a file its user can read; it is removed at once.
  (umask 077; printf '%s\n' "$password" >"$pg/pwfile")
  is_root && chown "$PG_USER:" "$pg/pwfile"
  if ! as_pg "$bin/initdb" -D "$pg/data" -U sluice --pwfile="$pg/pwfile" --auth=scram-sha-256 \
      --encoding=UTF8 --locale=C.UTF-8 --no-sync >"$pg/initdb.log" 2>&1; then
    rm -f "$pg/pwfile"
    log_tail "$pg/initdb.log"
    die "initdb failed"
  fi
  rm -f "$pg/pwfile"
  cat >>"$pg/data/postgresql.conf" <<EOF

# Throwaway test cluster
listen_addresses = '127.0.0.1'
unix_socket_directories = '$pg'
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 16MB
max_wal_size = 256MB
EOF
  # The port is only known free when chosen: if another server takes it first, try another.
  for attempt in 1 2 3; do
    port=$(free_port)
    # In a session of its own, like MariaDB's: a Ctrl-C of the tests leaves both to `stop`.
    if as_pg setsid "$bin/pg_ctl" start -D "$pg/data" -l "$pg/postgresql.log" -o "-p $port" -w -t "$TIMEOUT" >/dev/null 2>&1; then
      break
    fi
    if [ "$attempt" -lt 3 ] && grep -q 'already in use' "$pg/postgresql.log" 2>/dev/null; then
      : >"$pg/postgresql.log"; continue
    fi
    log_tail "$pg/postgresql.log"
    die "PostgreSQL did not start (within ${TIMEOUT}s)"
  done
  PGPASSWORD=$password "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U sluice -d postgres \
    -c 'CREATE DATABASE sluice_test' >/dev/null || die "could not create the PostgreSQL database sluice_test"
  echo "$port" >"$pg/port"
}

start_maria() {
  local dir=$1 password=$2 m=$1/maria server port attempt pid i sock user=()
  server=$(mariadb_server_bin)
  mkdir -p "$m/tmp"
  chmod 700 "$m"   # its root user has no password: only this user may reach its socket
  is_root && user=(--user=root)
  sock=$m/sock
  # --no-defaults: nothing from /etc/mysql (the system server's folders and socket).
  if ! mariadb-install-db --no-defaults "${user[@]}" --datadir="$m/data" --tmpdir="$m/tmp" \
      --auth-root-authentication-method=normal --skip-test-db --skip-name-resolve \
      --innodb-log-file-size=16M >"$m/install.log" 2>&1; then
    log_tail "$m/install.log"
    die "mariadb-install-db failed"
  fi
  for attempt in 1 2 3; do
    port=$(free_port)
    : >"$m/mariadb.log"
    setsid "$server" --no-defaults "${user[@]}" --datadir="$m/data" --tmpdir="$m/tmp" \
      --socket="$sock" --port="$port" --bind-address=127.0.0.1 --skip-name-resolve \
      --pid-file="$m/pid" --log-error="$m/mariadb.log" --skip-log-bin \
      --innodb-flush-log-at-trx-commit=0 --innodb-doublewrite=0 --innodb-buffer-pool-size=32M \
      --innodb-log-file-size=16M --innodb-use-native-aio=0 --innodb-buffer-pool-dump-at-shutdown=0 \
      --innodb-buffer-pool-load-at-startup=0 --performance-schema=off \
      </dev/null >/dev/null 2>&1 &
    pid=$!
    for ((i = 0; i < TIMEOUT * 10; i++)); do
      mariadb-admin --no-defaults --socket="$sock" -u root ping >/dev/null 2>&1 && break
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null && mariadb-admin --no-defaults --socket="$sock" -u root ping >/dev/null 2>&1; then
      break
    fi
    if ! kill -0 "$pid" 2>/dev/null && [ "$attempt" -lt 3 ] && grep -q 'already in use' "$m/mariadb.log"; then
      continue
    fi
    log_tail "$m/mariadb.log"
    kill -0 "$pid" 2>/dev/null || die "MariaDB stopped while starting"
    kill "$pid" 2>/dev/null || true
    die "MariaDB did not start within ${TIMEOUT}s"
  done
  mariadb --no-defaults --socket="$sock" -u root <<EOF || die "could not create the MariaDB user and database"
CREATE DATABASE sluice_test;
CREATE USER 'sluice'@'127.0.0.1' IDENTIFIED BY '$password';
CREATE USER 'sluice'@'localhost' IDENTIFIED BY '$password';
GRANT ALL PRIVILEGES ON sluice_test.* TO 'sluice'@'127.0.0.1';
GRANT ALL PRIVILEGES ON sluice_test.* TO 'sluice'@'localhost';
EOF
  echo "$port" >"$m/port"
}

# moto's S3 server, in memory: whatever the tests put there goes with it.
start_s3() {
  local dir=$1 s3=$1/s3 moto port attempt i
  moto="${SLUICE_SERVERS_VENV:-$HOME/.cache/sluice/servers-venv}/bin/moto_server"
  [ -x "$moto" ] || die "no $moto: run sluice_servers_venv from scripts/env.sh first"
  mkdir -p "$s3"
  for attempt in 1 2 3; do
    port=$(free_port)
    setsid "$moto" -H 127.0.0.1 -p "$port" </dev/null >"$s3/moto.log" 2>&1 &
    echo $! >"$s3/pid"
    for ((i = 0; i < TIMEOUT * 10; i++)); do
      curl -sf -o /dev/null "http://127.0.0.1:$port/moto-api/" 2>/dev/null && break
      kill -0 "$(cat "$s3/pid")" 2>/dev/null || break
      sleep 0.1
    done
    if curl -sf -X PUT -o /dev/null "http://127.0.0.1:$port/sluice-test" 2>/dev/null; then
      echo "$port" >"$s3/port"
      return 0
    fi
    kill "$(cat "$s3/pid")" 2>/dev/null || true
    [ "$attempt" -lt 3 ] && grep -q 'in use' "$s3/moto.log" && continue
    log_tail "$s3/moto.log"
    die "the S3 server did not start within ${TIMEOUT}s"
  done
}

stop_s3() {
  local s3=$1/s3 pid
  [ -f "$s3/pid" ] || return 0
  pid=$(cat "$s3/pid")
  grep -q moto_server "/proc/$pid/cmdline" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
}

start() {
  local dir=$1 password bin started=$EPOCHREALTIME
  if [ -e "$dir/pg" ] || [ -e "$dir/maria" ]; then
    die "$dir already holds servers (stop them first: $0 stop $dir)"
  fi
  # Unix sockets paths are limited to 107 bytes.
  [ ${#dir} -le 80 ] || die "$dir is too long a path for the servers' sockets"
  mkdir -p "$dir"
  # The PostgreSQL user must be able to pass through DIR to its own folder.
  is_root && chmod 711 "$dir"
  bin=$(pg_bin)
  password=$(openssl rand -hex 12 2>/dev/null || python3 -c 'import secrets; print(secrets.token_hex(12))')
  (umask 077; echo "$password" >"$dir/password")

  # Both servers start side by side; if either fails, both are stopped (DIR and its logs stay).
  start_pg "$dir" "$password" "$bin" &
  local pg_job=$! failed=0
  start_s3 "$dir" &
  local s3_job=$!
  start_maria "$dir" "$password" &
  wait $! || failed=1
  wait "$pg_job" || failed=1
  wait "$s3_job" || failed=1
  if [ "$failed" = 1 ]; then
    stop_servers "$dir" || true
    exit 1
  fi

  (umask 077; cat >"$dir/env" <<EOF
# Throwaway test servers started by scripts/servers.sh; stop them with: scripts/servers.sh stop $dir
export SLUICE_TEST_PG_URL=postgres://sluice@127.0.0.1:$(cat "$dir/pg/port")/sluice_test
export SLUICE_TEST_PG_PASSWORD=$password
export SLUICE_TEST_PG_BIN=$bin
export SLUICE_TEST_MYSQL_URL=mysql://sluice@127.0.0.1:$(cat "$dir/maria/port")/sluice_test
export SLUICE_TEST_MYSQL_PASSWORD=$password
export SLUICE_TEST_S3_ENDPOINT=http://127.0.0.1:$(cat "$dir/s3/port")
export SLUICE_TEST_S3_BUCKET=sluice-test
EOF
)
  echo "PostgreSQL on 127.0.0.1:$(cat "$dir/pg/port"), MariaDB on 127.0.0.1:$(cat "$dir/maria/port"), S3 on 127.0.0.1:$(cat "$dir/s3/port") (started in $(elapsed "$started") s)"
  echo "source $dir/env"
}

stop_pg() {
  local pg=$1/pg pid
  [ -f "$pg/data/postmaster.pid" ] || return 0
  as_pg "$(pg_bin)/pg_ctl" stop -D "$pg/data" -m fast -w -t "$TIMEOUT" >/dev/null && return 0
  pid=$(head -n1 "$pg/data/postmaster.pid" 2>/dev/null || true)
  [ -z "$pid" ] || kill -QUIT "$pid" 2>/dev/null || true
  echo "servers.sh: PostgreSQL did not stop cleanly" >&2
  return 1
}

stop_maria() {
  local m=$1/maria pid i
  [ -f "$m/pid" ] || return 0
  pid=$(cat "$m/pid" 2>/dev/null || true)
  # A pid file left by a server that died may name another process by now.
  [ -n "$pid" ] && grep -qF -- "--datadir=$m/data" "/proc/$pid/cmdline" 2>/dev/null || return 0
  # SIGTERM is a clean shutdown (and quicker to wait for than mariadb-admin shutdown).
  kill -TERM "$pid" 2>/dev/null \
    || mariadb-admin --no-defaults --socket="$m/sock" -u root shutdown >/dev/null 2>&1 || true
  for ((i = 0; i < TIMEOUT * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  echo "servers.sh: MariaDB did not stop cleanly" >&2
  return 1
}

# Stop both servers side by side.
stop_servers() {
  local status=0 pg_job
  stop_pg "$1" &
  pg_job=$!
  stop_maria "$1" || status=1
  stop_s3 "$1" || status=1
  wait "$pg_job" || status=1
  return "$status"
}

stop() {
  local dir=$1 status=0
  [ -d "$dir" ] || return 0
  # Only ever remove a folder this script made.
  [ -e "$dir/password" ] || [ -e "$dir/pg" ] || [ -e "$dir/maria" ] || [ -e "$dir/s3" ] \
    || die "$dir holds no servers of this script; left alone"
  stop_servers "$dir" || status=1
  rm -rf "$dir"
  return "$status"
}

[ $# = 2 ] || usage
dir=$(realpath -m -- "$2")
case "$1" in
  start) start "$dir" ;;
  stop) stop "$dir" ;;
  *) usage ;;
esac
