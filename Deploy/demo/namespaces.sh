#!/usr/bin/env bash
# jjj, yrd and prd as three hosts, each in its own network namespace with its own address, linked
# in a line jjj - yrd - prd by virtual Ethernet cables. The yrd - prd link is taken down (a
# partition), both sides write, and after the link comes back every node converges.
# Needs root (network namespaces) and iproute2. Set LIANDONG_BIN to use a built binary instead of
# building. Exits 0 only if every step held; removes the namespaces and stops the nodes it started,
# also on failure or Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/../.."

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
say() { printf '   %s\n' "$*"; }
fail() { printf '\n\033[31mNAMESPACE RUN FAILED: %s\033[0m\n' "$*" >&2; exit 1; }

if [ "$(id -u)" != 0 ]; then
  echo "namespaces.sh needs root to create network namespaces; run it with sudo (nothing was changed)" >&2
  exit 2
fi
command -v ip >/dev/null || { echo "namespaces.sh needs iproute2: apt-get install iproute2" >&2; exit 2; }

if [ -n "${LIANDONG_BIN:-}" ]; then
  bin=$LIANDONG_BIN
else
  scripts/ensure-deps
  swift build 2>&1 | grep -E "error|warning:|Build complete" || true
  bin=$(swift build --show-bin-path)/liandong
fi
[ -x "$bin" ] || fail "no liandong binary at $bin"

tag=ld$$
work=$(mktemp -d "${TMPDIR:-/tmp}/liandong-netns.XXXXXX")
nodes=(jjj yrd prd)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid"; wait "$pid" 2>/dev/null || true; fi
  done
  for node in "${nodes[@]}"; do ip netns del "$tag-$node" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
at() { local node=$1; shift; LIANDONG_OFFICER="$node-officer" "$bin" "$@" --data "$work/$node"; }
digest() { at "$1" status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["heldChangesDigest"])'; }
await() {
  local what=$1; shift
  for _ in $(seq 200); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
  fail "$what did not happen within 40 s"
}

step "Three hosts: a network namespace per region, linked jjj - yrd - prd"
for node in "${nodes[@]}"; do
  ip netns add "$tag-$node"
  ip -n "$tag-$node" link set lo up
done
# jjj 10.77.1.1 <-> 10.77.1.2 yrd 10.77.2.1 <-> 10.77.2.2 prd
ip link add "$tag-jy" netns "$tag-jjj" type veth peer name "$tag-yj" netns "$tag-yrd"
ip link add "$tag-yp" netns "$tag-yrd" type veth peer name "$tag-py" netns "$tag-prd"
ip -n "$tag-jjj" addr add 10.77.1.1/24 dev "$tag-jy"
ip -n "$tag-yrd" addr add 10.77.1.2/24 dev "$tag-yj"
ip -n "$tag-yrd" addr add 10.77.2.1/24 dev "$tag-yp"
ip -n "$tag-prd" addr add 10.77.2.2/24 dev "$tag-py"
for pair in jjj:jy yrd:yj yrd:yp prd:py; do ip -n "$tag-${pair%%:*}" link set "$tag-${pair##*:}" up; done
say "jjj 10.77.1.1 -- 10.77.1.2 yrd 10.77.2.1 -- 10.77.2.2 prd"

step "A throwaway CA, three nodes, each serving on its own host"
Deploy/pki/liandong-pki init "$work/ca" --name "Liandong Namespace CA" >/dev/null
for node in "${nodes[@]}"; do
  Deploy/pki/liandong-pki issue "$work/ca" "$node" >/dev/null
  "$bin" init --data "$work/$node" --node "$node" --ca "$work/ca/ca.pem" --crl "$work/ca/crl.pem" \
    --cert "$work/ca/nodes/$node.pem" --key "$work/ca/nodes/$node.key" >/dev/null
  ip netns exec "$tag-$node" "$bin" serve --data "$work/$node" --listen 0.0.0.0:7420 --interval 1 \
    > "$work/$node.out" 2> "$work/$node.log" &
  pids+=($!)
done
at jjj peer add yrd 10.77.1.2:7420 >/dev/null
at yrd peer add jjj 10.77.1.1:7420 >/dev/null
at yrd peer add prd 10.77.2.2:7420 >/dev/null
at prd peer add yrd 10.77.2.1:7420 >/dev/null
for node in "${nodes[@]}"; do
  await "$node serving" grep -q "serving node $node" "$work/$node.out"
done
say "each node listens on 0.0.0.0:7420 inside its namespace"

step "A warning from jjj reaches prd through yrd"
first=$(at jjj lead add --subject-name "速通检测服务店" --violation forged-report --summary "before the partition" --to all 2>/dev/null)
await "prd receiving jjj's warning" at prd lead show "$first"
say "prd holds lead $first"

step "The yrd - prd link goes down; both sides write"
ip -n "$tag-yrd" link set "$tag-yp" down
west=$(at jjj lead add --subject-name "某检测店" --violation misused-cma --summary "written by jjj during the partition" --to all 2>/dev/null)
south=$(at prd lead add --subject-name "某认证店" --violation false-certification --summary "written by prd during the partition" --to all 2>/dev/null)
await "yrd receiving jjj's partition write" at yrd lead show "$west"
sleep 3
if at prd lead show "$west" >/dev/null 2>&1; then fail "prd received a lead across the partition"; fi
if at jjj lead show "$south" >/dev/null 2>&1; then fail "jjj received a lead across the partition"; fi
say "jjj and yrd hold $west; prd holds $south; neither crossed the partition"
await "yrd noticing the partition" grep -q "backing off.*prd\|prd.*backing off" "$work/yrd.log"
say "yrd's log: $(grep "backing off" "$work/yrd.log" | grep prd | tail -1 | cut -c1-160)"

step "The link comes back; every node converges"
ip -n "$tag-yrd" link set "$tag-yp" up
converged() { [ "$(for node in "${nodes[@]}"; do digest "$node"; done | sort -u | wc -l)" = 1 ]; }
await "convergence after the partition" converged
await "prd receiving jjj's lead" at prd lead show "$west"
await "jjj receiving prd's lead" at jjj lead show "$south"
for node in "${nodes[@]}"; do
  at "$node" verify >/dev/null || fail "$node does not verify"
  say "$node: verified, held-changes digest $(digest "$node")"
done

step "Every node stops cleanly"
for index in "${!nodes[@]}"; do
  kill -TERM "${pids[$index]}"
  wait "${pids[$index]}" || { tail -n 60 "$work/${nodes[$index]}.log" >&2; fail "${nodes[$index]} did not stop cleanly"; }
done
pids=()

step "Converged after the partition: every step held"
