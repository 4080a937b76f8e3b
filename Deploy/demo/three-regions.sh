#!/usr/bin/env bash
# The three-region demonstration: a throwaway federation CA, and 京津冀 (jjj), 长三角 (yrd) and
# 珠三角 (prd) as three `liandong serve` processes on loopback, connected in a line jjj - yrd - prd.
# jjj finds a shop selling "one-day, no-sample" inspection reports whose operator is registered in
# Shanghai; it sends yrd a lead with a screenshot, warns everyone, and asks yrd for assistance; yrd
# answers with findings and evidence; jjj hands the case to yrd. prd sees the warning, and only
# stubs of the rest. Then every node verifies, digests are compared, deadlines and statistics are
# printed, and an evidence bundle is verified with the openssl tool alone.
# Each node also serves its officers' console; the end prints each console's address and a login.
# Exits 0 only if every step held. Stops every process it started, also on failure or Ctrl-C.
# With --keep, the three nodes keep running after the last step, for a newcomer to click
# through the consoles, until Ctrl-C. With --sm (or LIANDONG_DEMO_SUITE=sm) the federation runs
# on the national algorithms: an SM2 CA, SM2 signatures, SM3 hashes, and a P-256 certificate
# per node for TLS.
set -euo pipefail
cd "$(dirname "$0")/../.."
keep=false
suite=${LIANDONG_DEMO_SUITE:-p256}
for argument in "$@"; do
  case $argument in
    --keep) keep=true ;;
    --sm) suite=sm ;;
    -h | --help)
      echo "usage: Deploy/demo/three-regions.sh [--keep] [--sm]"
      echo "  --keep  leave the nodes and consoles running until Ctrl-C"
      echo "  --sm    run the federation on SM2/SM3 (also LIANDONG_DEMO_SUITE=sm)"
      exit 0 ;;
    *) echo "unknown option: $argument (try --help)" >&2; exit 2 ;;
  esac
done
case $suite in
  p256) cakey=p256; hash=SHA-256 ;;
  sm) cakey=sm2; hash=SM3 ;;
  *) echo "LIANDONG_DEMO_SUITE must be p256 or sm, not '$suite'" >&2; exit 2 ;;
esac
scripts/ensure-deps

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
say() { printf '   %s\n' "$*"; }
fail() { printf '\n\033[31mDEMONSTRATION FAILED: %s\033[0m\n' "$*" >&2; exit 1; }

step "Building liandong (the first build takes a minute or two)"
swift build 2>&1 | grep -E "error|warning:|Build complete" || true
bin=$(swift build --show-bin-path)/liandong
[ -x "$bin" ] || fail "the build did not produce $bin"

work=$(mktemp -d "${TMPDIR:-/tmp}/liandong-demo.XXXXXX")
pids=()
cleanup() {
  for pid in "${pids[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid"; wait "$pid" 2>/dev/null || true; fi
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
nodes=(jjj yrd prd)
at() { local node=$1; shift; LIANDONG_OFFICER="$node-officer" "$bin" "$@" --data "$work/$node"; }
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))" "$1"; }

step "A throwaway federation CA ($suite suite), and a certificate for each region, made with the openssl tool"
Deploy/pki/liandong-pki init "$work/ca" --name "Liandong Demonstration CA" --key "$cakey" >/dev/null
for node in "${nodes[@]}"; do Deploy/pki/liandong-pki issue "$work/ca" "$node" >/dev/null; done
say "CA: $(openssl x509 -in "$work/ca/ca.pem" -noout -subject)"
for node in "${nodes[@]}"; do
  tls=(); [ "$suite" = sm ] && tls=(--tls-cert "$work/ca/nodes/$node.tls.pem" --tls-key "$work/ca/nodes/$node.tls.key")
  "$bin" init --data "$work/$node" --node "$node" --ca "$work/ca/ca.pem" --crl "$work/ca/crl.pem" \
    --cert "$work/ca/nodes/$node.pem" --key "$work/ca/nodes/$node.key" "${tls[@]}" >/dev/null
  say "$node: initialised, certificate checked against the CA and its CRL"
done

step "Each region's officer gets an account with a password, for the console"
password="demo-$(openssl rand -hex 6)"
for node in "${nodes[@]}"; do
  at "$node" officer add "$node.officer" --role officer >/dev/null
  printf '%s\n' "$password" | at "$node" officer password "$node.officer" >/dev/null
  say "$node: account $node.officer"
done

step "Three nodes serve over mutual TLS on loopback, connected in a line: jjj - yrd - prd"
for node in "${nodes[@]}"; do
  # The console is served with the API, as plain HTTP on loopback (a bureau's node serves HTTPS).
  "$bin" serve --data "$work/$node" --listen 127.0.0.1:0 --interval 1 --api 127.0.0.1:0 --api-plain-http \
    > "$work/$node.out" 2> "$work/$node.log" &
  pids+=($!)
done
declare -A port console
for node in "${nodes[@]}"; do
  for _ in $(seq 300); do grep -q "serving the API of node $node" "$work/$node.out" 2>/dev/null && break; sleep 0.1; done
  port[$node]=$(sed -n "s/^serving node $node on 127.0.0.1:\([0-9]*\)$/\1/p" "$work/$node.out")
  console[$node]=$(sed -n "s/^serving the API of node $node on \(.*\)$/\1/p" "$work/$node.out")/console/
  [ -n "${port[$node]}" ] && [ "${console[$node]}" != /console/ ] || fail "$node did not start serving: $(cat "$work/$node.log")"
  say "$node listens on 127.0.0.1:${port[$node]}, its console on ${console[$node]}"
done
at jjj peer add yrd "127.0.0.1:${port[yrd]}" >/dev/null
at yrd peer add jjj "127.0.0.1:${port[jjj]}" >/dev/null
at yrd peer add prd "127.0.0.1:${port[prd]}" >/dev/null
at prd peer add yrd "127.0.0.1:${port[yrd]}" >/dev/null

# Waits until `command` succeeds (the nodes sync every second).
await() {
  local what=$1; shift
  for _ in $(seq 150); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
  fail "$what did not happen within 30 s"
}

step "jjj finds a shop selling 'one-day, no-sample' inspection reports; its operator is registered in Shanghai"
lead=$(at jjj lead add --subject-name "速通检测服务店" --subject-kind shop --subject-uscc 91310115MA1K4LJ8XT \
  --subject-division 310115 --platform "某电商平台" --shop-id 778899 --url "https://shop.example/778899" \
  --violation forged-report,misused-cma --risk high --source-reliability B --info-reliability 2 \
  --summary "Sells CMA-stamped reports in one day without samples" --to yrd 2>/dev/null)
say "lead $lead, for yrd (the operator's region)"
head -c 180000 /dev/urandom > "$work/listing-screenshot.png"
screenshot=$(at jjj evidence add "$lead" "$work/listing-screenshot.png" --category electronic-data \
  --how-fixed screenshot --source-url "https://shop.example/778899" --captured-at 2026-11-20T14:05:00+08:00 \
  --tool "browser capture" 2>/dev/null)
at jjj evidence custody "$screenshot" hashed --note "$hash taken at capture" >/dev/null
say "screenshot $screenshot attached, hashed, its custody begun"

step "jjj warns every region about the subject, and asks yrd for assistance"
warning=$(at jjj lead add --subject-name "速通检测服务店" --subject-kind shop --subject-uscc 91310115MA1K4LJ8XT \
  --platform "某电商平台" --shop-id 778899 --violation forged-report --risk high \
  --summary "Warning: this shop sells forged inspection reports nationwide" --to all 2>/dev/null)
say "warning $warning, for all"
request=$(at jjj request send --to yrd --case "京市监案〔2026〕17号" --legal-basis "Penalty Procedure Rules, Art. 45" \
  --task verify-registration --task obtain-records --evidence "$screenshot" \
  --details "Verify the operator's registration in Pudong and obtain its order records" 2>/dev/null)
say "assistance request $request, to yrd"

step "yrd receives them over sync, with the screenshot file, and answers the request"
await "yrd receiving the request" at yrd request show "$request"
await "yrd receiving the screenshot" sh -c "'$bin' evidence show '$screenshot' --data '$work/yrd' | grep -q 'blobs/'"
at yrd request acknowledge "$request"
at yrd request accept "$request"
printf 'order records, 2026-09 to 2026-11: 312 orders\n' > "$work/order-records.txt"
findings=$(at yrd evidence add "$request" "$work/order-records.txt" --category documentary --to jjj 2>/dev/null)
at yrd request complete "$request" --evidence "$findings" \
  --findings "Registered in Pudong (USCC 91310115MA1K4LJ8XT); 312 orders for reports in three months"
at yrd lead acknowledge "$lead"

step "prd receives the warning through yrd, and acknowledges it: 15 working days to decide"
await "prd receiving the warning" at prd lead show "$warning"
at prd lead acknowledge "$warning"

step "jjj hands the case to yrd, where the operator is registered; yrd accepts"
await "jjj hearing the request's outcome" sh -c "'$bin' request show '$request' --data '$work/jjj' | grep -q completed"
at jjj handoff offer "$lead" --to yrd --evidence "$screenshot" \
  --letter "移送函: the operator is registered in Shanghai Pudong (Art. 10); evidence list attached"
await "yrd receiving the offer" sh -c "'$bin' lead show '$lead' --data '$work/yrd' | grep -q offered"
at yrd handoff accept "$lead"
at yrd lead decide "$lead" --outcome case-opened --case "沪市监案〔2026〕88号" --note "opened on jjj's hand-off"
await "jjj hearing the acceptance" sh -c "'$bin' lead show '$lead' --data '$work/jjj' | grep -q accepted"
say "jjj shares its history of the case and its evidence with the new owner, by a signed change to yrd alone"
at jjj handoff share "$lead"

step "After a quiet period, every node holds the same changes"
same_changes() {
  local digests
  digests=$(for node in "${nodes[@]}"; do at "$node" status --json | json 'd["heldChangesDigest"]'; done | sort -u | wc -l)
  [ "$digests" = 1 ]
}
await "convergence" same_changes
for node in "${nodes[@]}"; do
  say "$node: held-changes digest $(at "$node" status --json | json 'd["heldChangesDigest"]'), $(at "$node" status --json | json 'd["stubs"]') stub(s)"
done

step "prd sees the warning, but only stubs of the lead, the request and the evidence meant for yrd"
at prd lead show "$warning" | grep -E "^(lead|origin|summary|shared with) "
if at prd lead show "$lead" >/dev/null 2>&1; then fail "prd can read the lead meant for yrd"; fi
if at prd request show "$request" >/dev/null 2>&1; then fail "prd can read the request"; fi
[ -z "$(ls "$work/prd/blobs" 2>/dev/null | grep -v partial || true)" ] || fail "prd holds an evidence file"
say "prd: lead and request not readable, no evidence files; it verifies their stubs all the same"

step "jjj and yrd hold the same bodies, so their tables are identical; every node verifies"
for node in "${nodes[@]}"; do at "$node" verify >/dev/null || fail "$node does not verify"; say "$node: every change verifies"; done
j=$(at jjj status --json | json 'd["projectionDigest"]')
y=$(at yrd status --json | json 'd["projectionDigest"]')
[ "$j" = "$y" ] || fail "jjj and yrd hold the same changes but their projections differ"
say "jjj and yrd projection digest: $j"
at yrd lead show "$lead" | grep -E "owner|hand-off|handled by"

step "Deadlines on both sides (prd must decide on the warning; jjj sees it too), and the campaign statistics"
at prd due
at jjj due | grep -q "$warning" || fail "jjj does not see prd's deadline"
at jjj due
today=$(TZ=Asia/Shanghai date +%F)
at yrd report --from "$today" --to "$today"

step "An evidence bundle from yrd, verified with the openssl tool alone"
at yrd evidence export "$lead" --out "$work/bundle" >/dev/null
sh "$work/bundle/verify.sh" > "$work/verify.out" || fail "the bundle does not verify: $(tail -5 "$work/verify.out")"
grep -E "^[0-9]\.|Verified OK|All checks" "$work/verify.out" | sort -u -k1,1 -s
cat "$work/bundle/custody.txt"
grep -q "received  by yrd (system:sync), $hash matched" "$work/bundle/custody.txt" || fail "yrd's receipt is not in the custody chain"
! grep -q "did not match" "$work/bundle/custody.txt" || fail "a file arrived damaged"

step "Each region's console (log in with the account and password shown)"
for node in "${nodes[@]}"; do
  page=$(curl -s -o /dev/null -w '%{http_code}' "${console[$node]}login")
  [ "$page" = 200 ] || fail "$node's console login page answered $page"
  say "$node: ${console[$node]}   account $node.officer   password $password"
done
if $keep; then
  say "The nodes keep running (--keep). Press Ctrl-C to stop them."
  # Ctrl-C reaches the nodes too (one process group): each stops cleanly, and the wait ends.
  wait "${pids[@]}" || true
  say "The nodes stopped."
  exit 0
fi

step "Every node stops cleanly on SIGTERM"
for index in "${!nodes[@]}"; do
  kill -TERM "${pids[$index]}"
  wait "${pids[$index]}" || fail "${nodes[$index]} did not stop cleanly"
  say "${nodes[$index]}: $(tail -1 "$work/${nodes[$index]}.log" | sed 's/.*\] //')"
done
pids=()

step "Demonstration complete: every step held"
