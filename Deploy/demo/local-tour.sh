#!/usr/bin/env bash
# A local tour of two Liandong nodes on this machine: a throwaway federation CA made with the
# openssl tool, two nodes, leads (one with a bad USCC, refused), a sync over mutual TLS from jjj
# to yrd (which serves), and verification on both sides.
# Exits 0 only if every step behaved as described. Stops everything it started, also on failure
# or Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/ensure-deps

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
fail() { printf '\n\033[31mTOUR FAILED: %s\033[0m\n' "$*" >&2; exit 1; }

step "Building liandong (the first build takes a minute or two)"
swift build 2>&1 | grep -E "error|warning:|Compiling liandong|Build complete" || true
bin=$(swift build --show-bin-path)/liandong
[ -x "$bin" ] || fail "the build did not produce $bin"

work=$(mktemp -d "${TMPDIR:-/tmp}/liandong-tour.XXXXXX")
server=""
cleanup() {
  if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then kill -TERM "$server"; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
export LIANDONG_OFFICER=tour-officer

step "A throwaway federation CA, and certificates for jjj (京津冀) and yrd (长三角), made with openssl"
Deploy/pki/liandong-pki init "$work/ca" --name "Liandong Tour CA"
Deploy/pki/liandong-pki issue "$work/ca" jjj
Deploy/pki/liandong-pki issue "$work/ca" yrd

step "Initialising the two nodes (each checks its certificate against the CA and the CRL)"
for node in jjj yrd; do
  "$bin" init --data "$work/$node" --node "$node" --ca "$work/ca/ca.pem" --crl "$work/ca/crl.pem" \
    --cert "$work/ca/nodes/$node.pem" --key "$work/ca/nodes/$node.key"
done

step "jjj records a lead about a shop selling 'one-day, no-sample' inspection reports, for yrd"
lead=$("$bin" lead add --data "$work/jjj" --subject-name "速通检测服务店" --subject-kind shop \
  --subject-uscc 91350100M000100Y43 --subject-division 310115 --platform "某电商平台" --shop-id 778899 \
  --violation forged-report,misused-cma --risk high --source-reliability B --info-reliability 2 \
  --summary "Sells CMA-stamped reports in one day without samples" --to yrd)
echo "lead ID: $lead"

step "A lead with a mistyped USCC (last character 4 instead of 3) is refused, and nothing is stored"
if "$bin" lead add --data "$work/jjj" --subject-name "Typo Ltd" --subject-uscc 91350100M000100Y44 \
  --violation no-ccc --summary "should be refused"; then
  fail "a bad USCC was accepted"
fi
[ "$("$bin" lead list --data "$work/jjj" --json | grep -c "\"createdBy\"")" = 1 ] || fail "the refused lead was stored"

step "A private working note stays on jjj (no --to)"
"$bin" lead add --data "$work/jjj" --subject-name "某平台自营店" --violation abnormal-price \
  --summary "Prices far below cost; keep watching" >/dev/null
"$bin" lead list --data "$work/jjj"

step "jjj's log: every change signed, chained, and addressed"
"$bin" log --data "$work/jjj"

step "yrd starts serving: mutual TLS, only certificates from the federation CA get in"
"$bin" serve --data "$work/yrd" --listen 127.0.0.1:0 --interval 60 > "$work/yrd.out" 2> "$work/yrd.log" &
server=$!
for _ in $(seq 100); do grep -q "serving node yrd" "$work/yrd.out" 2>/dev/null && break; sleep 0.1; done
port=$(sed -n 's/^serving node yrd on 127.0.0.1:\([0-9]*\)$/\1/p' "$work/yrd.out")
[ -n "$port" ] || fail "yrd did not start serving: $(cat "$work/yrd.log")"
cat "$work/yrd.out"

step "jjj adds yrd as a peer and syncs: each side sends what the other lacks, verified and committed in batches"
"$bin" peer add --data "$work/jjj" yrd "127.0.0.1:$port"
"$bin" sync --data "$work/jjj" yrd || fail "the sync failed"
"$bin" lead show --data "$work/yrd" "$lead"

step "yrd holds only a stub of jjj's private note: it can verify it, not read it"
"$bin" log --data "$work/yrd" | grep -q "stub: this node is not in the audience" || fail "no stub on yrd"
echo "yes: one stub, content withheld"

step "yrd stops cleanly on SIGTERM"
kill -TERM "$server"; wait "$server" || fail "yrd did not stop cleanly"; server=""
tail -1 "$work/yrd.log"

step "Verification and digests on both nodes"
"$bin" verify --data "$work/jjj" || fail "jjj does not verify"
"$bin" verify --data "$work/yrd" || fail "yrd does not verify"
"$bin" rebuild --data "$work/yrd" | tail -1
"$bin" status --data "$work/yrd"

step "Tour complete: every step held"
