#!/bin/sh
# Entrypoint of the offline test image (see docker-image.sh). It follows the official
# postgres:<major> image: initialise PGDATA on first start from the POSTGRES_* variables, run
# /docker-entrypoint-initdb.d/*.sh and *.sql, then run `postgres "$@"` as the postgres user.
# Without psql, *.sql files run through single-user mode (statements end with ";" and a blank
# line, as `postgres --single -j` reads them).
set -eu

: "${PGDATA:=/var/lib/postgresql/18/docker}"
: "${POSTGRES_USER:=postgres}"
: "${POSTGRES_DB:=$POSTGRES_USER}"
: "${POSTGRES_PASSWORD:=}"
: "${POSTGRES_INITDB_ARGS:=}"
export PGDATA

if [ "${1#-}" != "$1" ]; then set -- postgres "$@"; fi

if [ "$1" = postgres ] && [ "$(id -u)" = 0 ]; then
  mkdir -p "$PGDATA" /var/run/postgresql
  chmod 700 "$PGDATA"
  chown -R postgres:postgres "$(dirname "$PGDATA")" /var/run/postgresql
  # busybox su execs the shell (no extra process), keeping the environment with -p.
  exec su -p -s /bin/sh -c 'exec "$0" "$@"' postgres -- "$0" "$@"
fi

single_user() {
  postgres --single -j -D "$PGDATA" -c listen_addresses='' "$1" >/dev/null
}

initialise() {
  if [ -z "$POSTGRES_PASSWORD" ] && [ "${POSTGRES_HOST_AUTH_METHOD:-}" != trust ]; then
    echo 'Error: Database is uninitialized and superuser password is not specified.' >&2
    echo '  Set POSTGRES_PASSWORD, or POSTGRES_HOST_AUTH_METHOD=trust.' >&2
    exit 1
  fi
  pwfile=
  if [ -n "$POSTGRES_PASSWORD" ]; then
    pwfile=/tmp/pwfile.$$
    printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
  fi
  # shellcheck disable=SC2086
  initdb -D "$PGDATA" --username="$POSTGRES_USER" ${pwfile:+--pwfile="$pwfile"} \
    --encoding=UTF8 --locale=C $POSTGRES_INITDB_ARGS
  [ -n "$pwfile" ] && rm -f "$pwfile"
  method=${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}
  printf '\nhost all all all %s\n' "$method" >>"$PGDATA/pg_hba.conf"
  printf "\nlisten_addresses = '*'\n" >>"$PGDATA/postgresql.conf"
  if [ "$POSTGRES_DB" != postgres ]; then
    printf 'CREATE DATABASE "%s";\n\n' "$POSTGRES_DB" | single_user postgres
  fi
  for f in $(ls /docker-entrypoint-initdb.d/ 2>/dev/null | sort); do
    path=/docker-entrypoint-initdb.d/$f
    case "$f" in
      *.sh)
        echo "running $path"
        if [ -x "$path" ]; then "$path"; else . "$path"; fi
        ;;
      *.sql)
        echo "running $path"
        single_user "$POSTGRES_DB" <"$path"
        ;;
      *) echo "ignoring $path" ;;
    esac
  done
  # The official image runs the init scripts against a temporary server, so clients wait for
  # the "ready to accept connections" line twice; log it the same way.
  pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -p 5432" -w start
  pg_ctl -D "$PGDATA" -m fast -w stop
  echo 'PostgreSQL init process complete; ready for start up.'
}

if [ "$1" = postgres ] && [ ! -s "$PGDATA/PG_VERSION" ]; then
  initialise
fi
exec "$@"
