#!/usr/bin/env bash
# A private PostgreSQL cluster for the tests (ctest fixture `postgres`, tests/CMakeLists.txt):
#   cluster.sh start DIR [durable]
#                          initdb into DIR, start the server listening on a Unix socket in DIR
#                          only (no TCP port), trust authentication for its superuser `keydesk`;
#                          fsync off (the tests), or on with `durable` (benchmarks that time
#                          commits: a commit then waits for its WAL to reach the disk, as in
#                          production)
#   cluster.sh stop DIR    stop the server at once and remove DIR with everything in it
#   cluster.sh down DIR    stop the server (fast shutdown), keeping its data: an outage
#   cluster.sh up DIR [durable]
#                          start the server of DIR again on its data
# The tests reach it as postgresql:///postgres?host=DIR&user=keydesk (KEYDESK_TEST_POSTGRES).
# PostgreSQL refuses to run as root (CI runs as root): then the server runs as Debian's
# `postgres` system user (made by the postgresql package), through runuser.
set -euo pipefail
action=${1:?usage: cluster.sh start DIR [durable] | stop DIR | down DIR | up DIR}
dir=${2:?usage: cluster.sh start|stop|down|up DIR}
fsync=off
[ "${3:-}" != durable ] || fsync=on
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  echo "cluster.sh: PostgreSQL server binaries not found under /usr/lib/postgresql: run scripts/install-deps.sh" >&2
  exit 2
fi

as_owner=()
if [ "$(id -u)" -eq 0 ]; then
  if ! id postgres >/dev/null 2>&1; then
    echo "cluster.sh: running as root, and no 'postgres' system user to run the server as: install Debian's postgresql package (scripts/install-deps.sh)" >&2
    exit 2
  fi
  as_owner=(runuser -u postgres --)
fi

stop() {
  if [ -f "$dir/data/postmaster.pid" ]; then
    "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
}

run() {
  if ! "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses='' -k $dir -c fsync=$fsync -c max_connections=200" start >/dev/null; then
    cat "$dir/server.log" >&2
    exit 1
  fi
}

case "$action" in
  start)
    stop  # a cluster left by a run that was killed
    mkdir -p "$dir"
    chmod 700 "$dir"
    [ ${#as_owner[@]} -eq 0 ] || chown postgres: "$dir"
    "${as_owner[@]}" "$bin/initdb" -D "$dir/data" -U keydesk --auth=trust --encoding=UTF8 \
      --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 ||
      { cat "$dir/initdb.log" >&2; exit 1; }
    # fsync off: a test cluster that dies is made again; nothing in it must survive a crash.
    # (`durable`: on, for benchmarks that time what a commit costs.)
    run
    echo "cluster.sh: PostgreSQL running on the socket in $dir (fsync $fsync)"
    ;;
  down)
    "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    ;;
  up)
    run
    ;;
  stop)
    stop
    ;;
  *)
    echo "usage: cluster.sh start DIR [durable] | stop DIR | down DIR | up DIR" >&2
    exit 2
    ;;
esac
