#!/bin/sh
# usage: tests/image/image_test.sh [TAG]
# Builds the levdyn image from the top-level Dockerfile with ../shared/tools/container-build.sh
# (buildah; no Docker engine needed), runs `levdyn demo` in it with podman on the host network,
# and reads /healthz and /metrics from the host. Also checks the container runs as non-root
# and reports the image size. Needs root (buildah/podman), like the rest of `make deps`.
set -eu
cd "$(dirname "$0")/../.."
TAG=${1:-localhost/levdyn:test}
CB=../shared/tools/container-build.sh
[ -x "$CB" ] || { echo "image_test: $CB not found (../shared must sit beside the project)" >&2; exit 1; }

# Docker image format: the OCI format has no HEALTHCHECK, which buildah would drop.
"$CB" all . "$TAG" -f Dockerfile --format docker
hc=$("$CB" podman image inspect --format '{{json .HealthCheck}}' "$TAG")
case "$hc" in
  *healthcheck*) echo "image_test: HEALTHCHECK kept: $hc" ;;
  *) echo "image_test: FAIL: the image has no HEALTHCHECK ($hc)" >&2; exit 1 ;;
esac

size=$("$CB" podman image inspect --format '{{.Size}}' "$TAG")
echo "image_test: image $TAG size $size bytes ($((size / 1048576)) MiB)"

uid=$("$CB" podman run --rm --network host --entrypoint id "$TAG" -u)
[ "$uid" != 0 ] || { echo "image_test: FAIL: the container runs as root" >&2; exit 1; }
echo "image_test: runs as uid $uid"

port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
name="levdyn-image-test-$$"
"$CB" podman run --rm -d --name "$name" --network host "$TAG" demo --listen "127.0.0.1:$port" >/dev/null
trap '"$CB" podman rm -f "$name" >/dev/null 2>&1 || true' EXIT

ok=""
for _ in $(seq 1 60); do
  if curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then ok=1; break; fi
  sleep 0.5
done
[ -n "$ok" ] || { echo "image_test: FAIL: /healthz never answered" >&2; "$CB" podman logs "$name" >&2 || true; exit 1; }
curl -fsS "http://127.0.0.1:$port/healthz"; echo
found=""
for _ in $(seq 1 40); do
  if curl -fsS "http://127.0.0.1:$port/metrics" | grep -q '^levdyn_open_interest_usd{'; then found=1; break; fi
  sleep 0.5
done
[ -n "$found" ] || { echo "image_test: FAIL: /metrics has no open interest" >&2; exit 1; }
curl -fsS "http://127.0.0.1:$port/metrics" | promtool check metrics
"$CB" podman exec "$name" levdyn healthcheck --url "http://127.0.0.1:$port/healthz"
echo "image_test: PASS (healthz, metrics with open interest, promtool check metrics, in-image healthcheck)"
