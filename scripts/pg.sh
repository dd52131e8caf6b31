#!/usr/bin/env bash
# A throwaway PostgreSQL server for the team store's tests (crates/cordon-core/tests/pg.rs).
#
#   eval "$(bash scripts/pg.sh start)"   # exports CORDON_TEST_PG_URL
#   bash scripts/pg.sh status            # prints the export line of the running server
#   bash scripts/pg.sh stop              # stops it and removes its folder
#
# `start` installs Debian's `postgresql` package when no server binaries are found
# (without its default cluster), makes a private folder owned by the system user
# `cordon-pg` (the server refuses to run as root), runs `initdb` with the superuser
# `postgres` and a random password (scram-sha-256, for TCP and the socket alike), and
# starts the server on a free loopback port with its socket inside the folder. TLS is on
# (issue 12's "TLS to the server"), with a certificate for 127.0.0.1 and localhost
# signed by a private CA made for this server (openssl), whose certificate stays in the
# folder for the TLS tests. It waits until the server accepts connections, writes the
# URL to $STATE and prints
#   export CORDON_TEST_PG_URL=postgres://postgres:PASSWORD@127.0.0.1:PORT/postgres?sslmode=disable
#   export CORDON_TEST_PG_CA=FOLDER/ca.crt
# on standard output (messages go to standard error). The URL says `sslmode=disable`
# because Cordon checks every TLS certificate, and the private CA is trusted only where
# a test says so (`crates/cordon-core/tests/pg_tls.rs`, through SSL_CERT_FILE). Both
# commands are idempotent: `start` with a server running prints its lines again (a
# server started before TLS is replaced); `stop` without one does nothing. The server
# is for tests only: fsync is off. CORDON_PG_STATE names the state file (default
# target/pg.env of this checkout), so checkouts side by side keep servers apart.
set -euo pipefail
cd "$(dirname "$0")/.."
STATE=${CORDON_PG_STATE:-$PWD/target/pg.env}
RUN_USER=cordon-pg

say() { echo "pg: $*" >&2; }
die() { say "$*"; exit 1; }

is_root() { [ "$(id -u)" -eq 0 ]; }
SUDO=""
is_root || SUDO="sudo"

# Runs a server binary as the unprivileged owner of the data folder.
as_owner() {
  if is_root; then runuser -u "$RUN_USER" -- "$@"; else "$@"; fi
}

pg_bin() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
  [ -n "$d" ] && [ -x "$d/initdb" ] && echo "$d"
}

install_server() {
  say "installing Debian's postgresql package (no server binaries under /usr/lib/postgresql)"
  # No default cluster: only the private server below is wanted.
  $SUDO mkdir -p /etc/postgresql-common/createcluster.d
  echo "create_main_cluster = false" \
    | $SUDO tee /etc/postgresql-common/createcluster.d/cordon-no-main-cluster.conf >/dev/null
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    postgresql >/dev/null
}

# The state file's values (PG_DIR, PG_URL, PG_CA), when it exists.
load_state() {
  PG_DIR="" PG_URL="" PG_CA=""
  [ -f "$STATE" ] || return 1
  PG_DIR=$(sed -n 's/^CORDON_PG_DIR=//p' "$STATE")
  PG_URL=$(sed -n 's/^export CORDON_TEST_PG_URL=//p' "$STATE")
  PG_CA=$(sed -n 's/^export CORDON_TEST_PG_CA=//p' "$STATE")
  [ -n "$PG_DIR" ] && [ -n "$PG_URL" ]
}

print_exports() {
  echo "export CORDON_TEST_PG_URL=$PG_URL"
  echo "export CORDON_TEST_PG_CA=$PG_CA"
}

# A private CA and a server certificate for 127.0.0.1 and localhost that it signed, in
# folder $1: ca.crt (public), server.crt and server.key (the server's own, 0600).
make_tls() {
  local dir=$1
  command -v openssl >/dev/null || die "openssl is needed to make the server's TLS certificate"
  (
    cd "$dir"
    umask 077
    openssl genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ca.key
    openssl req -x509 -new -key ca.key -sha256 -days 30 -subj "/CN=Cordon test PostgreSQL CA" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
      -out ca.crt
    openssl genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out server.key
    openssl req -new -key server.key -subj "/CN=127.0.0.1" -out server.csr
    printf '%s\n' "subjectAltName=IP:127.0.0.1,DNS:localhost" "extendedKeyUsage=serverAuth" \
      "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" >server.ext
    openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 30 \
      -sha256 -extfile server.ext -out server.crt 2>/dev/null
    rm -f ca.key ca.srl server.csr server.ext
    chmod 644 ca.crt
  ) || die "cannot make the server's TLS certificate"
  if is_root; then chown "$RUN_USER:" "$dir/server.key" "$dir/server.crt"; fi
}

running() {
  local bin=$1
  [ -n "$PG_DIR" ] && [ -f "$PG_DIR/data/postmaster.pid" ] \
    && as_owner "$bin/pg_ctl" -D "$PG_DIR/data" status >/dev/null 2>&1
}

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

stop_server() {
  if ! load_state; then
    say "no server recorded in $STATE: nothing to stop"
    rm -f "$STATE"
    return 0
  fi
  local bin
  bin=$(pg_bin || true)
  if [ -n "$bin" ] && running "$bin"; then
    as_owner "$bin/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null
    say "stopped the server in $PG_DIR"
  fi
  case "$PG_DIR" in
    */cordon-pg.*) rm -rf "$PG_DIR" ;;
    *) say "not removing $PG_DIR: not a folder this script made" ;;
  esac
  rm -f "$STATE"
}

start_server() {
  local bin
  bin=$(pg_bin || true)
  if load_state && [ -n "$bin" ] && running "$bin"; then
    if [ -n "$PG_CA" ]; then
      say "already running in $PG_DIR"
      print_exports
      return 0
    fi
    say "the server in $PG_DIR was started without TLS: replacing it"
  fi
  if [ -f "$STATE" ]; then
    say "removing a stale record ($STATE)"
    stop_server
  fi
  if [ -z "$bin" ]; then
    install_server
    bin=$(pg_bin) || die "no initdb under /usr/lib/postgresql/*/bin after installing"
  fi

  if is_root && ! id -u "$RUN_USER" >/dev/null 2>&1; then
    say "creating the system user $RUN_USER (the server refuses to run as root)"
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$RUN_USER"
  fi

  local dir password port="" log
  dir=$(mktemp -d "${TMPDIR:-/tmp}/cordon-pg.XXXXXX")
  if is_root; then chown "$RUN_USER:" "$dir"; fi
  chmod 700 "$dir"
  password=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
  printf '%s\n' "$password" >"$dir/pwfile"
  if is_root; then chown "$RUN_USER:" "$dir/pwfile"; fi
  if ! as_owner "$bin/initdb" -D "$dir/data" -U postgres --pwfile="$dir/pwfile" \
    --auth=scram-sha-256 --encoding=UTF8 --locale=C --no-sync >"$dir/initdb.log" 2>&1; then
    cat "$dir/initdb.log" >&2
    rm -rf "$dir"
    die "initdb failed"
  fi
  rm -f "$dir/pwfile"
  make_tls "$dir"

  log="$dir/server.log"
  for _ in 1 2 3 4 5 6 7 8; do
    port=$((20000 + RANDOM % 40000))
    port_busy "$port" && continue
    if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$log" -w -t 60 \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=200 -c ssl=on -c ssl_cert_file=$dir/server.crt -c ssl_key_file=$dir/server.key" \
      start >/dev/null 2>&1; then
      break
    fi
    port=""
  done
  if [ -z "$port" ]; then
    tail -20 "$log" >&2 || true
    rm -rf "$dir"
    die "the server did not start (see the log above)"
  fi
  for _ in $(seq 1 60); do
    "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" && break
    sleep 0.5
  done
  "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" || die "the server on port $port does not accept connections"

  PG_URL="postgres://postgres:$password@127.0.0.1:$port/postgres?sslmode=disable"
  PG_CA="$dir/ca.crt"
  mkdir -p "$(dirname "$STATE")"
  (umask 077; printf 'CORDON_PG_DIR=%s\nexport CORDON_TEST_PG_URL=%s\nexport CORDON_TEST_PG_CA=%s\n' \
    "$dir" "$PG_URL" "$PG_CA" >"$STATE")
  say "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port, TLS on (folder $dir, URL in $STATE)"
  print_exports
}

case "${1:-}" in
  start) start_server ;;
  stop) stop_server ;;
  status)
    bin=$(pg_bin || true)
    if load_state && [ -n "$bin" ] && running "$bin" && [ -n "$PG_CA" ]; then
      print_exports
    elif [ -n "$PG_DIR" ] && [ -z "$PG_CA" ]; then
      die "the server in $PG_DIR runs without TLS (started by an older pg.sh): bash scripts/pg.sh start replaces it"
    else
      die "not running (bash scripts/pg.sh start)"
    fi
    ;;
  *) die "usage: bash scripts/pg.sh start|stop|status" ;;
esac
