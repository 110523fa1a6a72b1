#!/bin/sh
# Starts a Docker engine in the background when none answers, and waits until `docker info`
# does. For sandboxes and CI machines without systemd (run as root). Extra dockerd flags can be
# passed in DOCKERD_FLAGS; the defaults work where iptables is unavailable.
set -eu

if docker info >/dev/null 2>&1; then
  echo "docker engine already answers"
  exit 0
fi

if ! command -v dockerd >/dev/null 2>&1; then
  echo "dockerd not found; install it first: apt-get install -y docker.io" >&2
  exit 1
fi

LOG=${DOCKERD_LOG:-/tmp/dockerd.log}
# shellcheck disable=SC2086
nohup dockerd ${DOCKERD_FLAGS:---iptables=false --ip6tables=false} >"$LOG" 2>&1 &
echo "dockerd started (pid $!, log $LOG)"

i=0
until docker info >/dev/null 2>&1; do
  i=$((i + 1))
  if [ "$i" -gt 60 ]; then
    echo "dockerd did not answer within 30 s; last lines of $LOG:" >&2
    tail -n 20 "$LOG" >&2
    exit 1
  fi
  sleep 0.5
done
echo "docker engine answers"
