#!/usr/bin/env bash
# One complaint from intake to resolution, over the public API, with curl and jq:
# the admin sets up a product, a fee schedule, an outlet with a technician and the
# people; an agent imports a sales order, takes the complaint and triages it into a
# service order; the engine offers it to the outlet, whose manager accepts it naming the
# technician; the technician visits and completes on the mobile API; finance sees it
# priced; a dispatcher verifies and closes it, and the complaint resolves itself.
#
#   BASE=http://localhost:8080 ADMIN_PASSWORD=… bash docs/walkthrough.sh
#
# Start the server with LOGIN_RATE_LIMIT raised if you run this more than a few times a
# minute (it signs in five users from one address). Each run makes new people and
# objects (suffixed with the run's time), and its product needs a skill only its own
# technician has, so it can run against the same database again.
set -euo pipefail
BASE=${BASE:-http://localhost:8080}
ADMIN_EMAIL=${ADMIN_EMAIL:-admin@example.com}
: "${ADMIN_PASSWORD:?set ADMIN_PASSWORD to the password the server printed}"
RUN=$(date +%s)
PASSWORD=walkthrough-password-1

say() { printf '\n== %s\n' "$*" >&2; }
# call METHOD PATH TOKEN [JSON]: prints the answer; fails on a non-2xx status.
call() {
  local method=$1 path=$2 token=$3 body=${4:-}
  local args=(-sS -X "$method" "$BASE$path" -H "Authorization: Bearer $token" -w '\n%{http_code}')
  [ -n "$body" ] && args+=(-H 'Content-Type: application/json' -H "Idempotency-Key: $RUN-$RANDOM" -d "$body")
  local out code
  out=$(curl "${args[@]}")
  code=${out##*$'\n'}
  out=${out%$'\n'*}
  if [ "${code:0:1}" != 2 ]; then
    echo "$method $path answered $code: $out" >&2
    return 1
  fi
  echo "$out"
}
login() { # login EMAIL: prints a staff access token
  curl -sS "$BASE/api/v1/auth/login" -H 'Content-Type: application/json' \
    -d "{\"email\":\"$1\",\"password\":\"$2\"}" | jq -er .access_token
}
user() { # user ROLE NAME EXTRA_JSON: creates a user, prints its id
  call POST /api/v1/admin/users "$ADMIN" "$(jq -nc --arg e "$2.$RUN@example.com" --arg n "$2" --arg r "$1" \
    --arg p "$PASSWORD" --argjson x "${3:-{\}}" '{email:$e,name:$n,role:$r,password:$p} + $x')" | jq -er .id
}
# wait_for METHOD PATH TOKEN JQ_FILTER: polls until the filter is true (30 s at most).
wait_for() {
  for _ in $(seq 1 60); do
    if call "$1" "$2" "$3" | jq -e "$4" >/dev/null; then return 0; fi
    sleep 0.5
  done
  echo "gave up waiting for $4 on $2" >&2
  return 1
}

say "admin signs in and sets up the network"
ADMIN=$(login "$ADMIN_EMAIL" "$ADMIN_PASSWORD")
SKU=WT-AC-$RUN
call POST /api/v1/products "$ADMIN" "{\"sku\":\"$SKU\",\"name\":\"分体空调 9000\",\"brand\":\"aurora-$RUN\",
  \"category\":\"air_conditioner\",\"warranty_months\":36,\"skills_needed\":[\"ac_repair_$RUN\"]}" >/dev/null
# a default fee schedule prices completed work (409 when one exists already: keep it)
curl -sS -o /dev/null "$BASE/api/v1/fees/schedules" -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
  -d '{"name":"default","labour":[{"service_type":"repair","category":"*","region":"*","amount":12000},
  {"service_type":"installation","category":"*","region":"*","amount":9000},
  {"service_type":"maintenance","category":"*","region":"*","amount":6000},
  {"service_type":"inspection","category":"*","region":"*","amount":4000}],
  "travel":[{"from_km":0,"to_km":30,"amount":0},{"from_km":30,"amount":5000}],"parts":{"markup_bp":1500}}'
HOURS='{"mon":["00:00","24:00"],"tue":["00:00","24:00"],"wed":["00:00","24:00"],"thu":["00:00","24:00"],
  "fri":["00:00","24:00"],"sat":["00:00","24:00"],"sun":["00:00","24:00"]}'
OUTLET=$(call POST /api/v1/network/outlets "$ADMIN" "{\"name\":\"徐汇服务网点 $RUN\",\"kind\":\"outsourced\",
  \"address\":\"徐汇区漕溪北路 1 号\",\"lat\":31.19,\"lon\":121.44,\"service_radius_km\":50,
  \"categories\":[\"air_conditioner\"],\"brands\":[\"aurora-$RUN\"],\"skills\":[\"ac_repair_$RUN\"],\"capacity_per_day\":50,
  \"labour_rate\":9000,\"travel_rate_per_km\":150,\"working_hours\":$HOURS}" | jq -er .id)
TECH=$(call POST /api/v1/network/technicians "$ADMIN" "{\"outlet_id\":\"$OUTLET\",\"name\":\"王师傅\",
  \"phone\":\"139${RUN: -8}\",\"skills\":[\"ac_repair_$RUN\"],\"lat\":31.2,\"lon\":121.45,\"daily_capacity\":8}" | jq -er .id)
user agent "agent" '{"tier":"L1"}' >/dev/null
user outlet "outlet" "{\"outlet_id\":\"$OUTLET\"}" >/dev/null
user dispatcher "dispatcher" >/dev/null
TECH_USER=$(user technician "tech" "{\"outlet_id\":\"$OUTLET\",\"technician_id\":\"$TECH\"}")
AGENT=$(login "agent.$RUN@example.com" "$PASSWORD")
OUTLET_MGR=$(login "outlet.$RUN@example.com" "$PASSWORD")
DISPATCHER=$(login "dispatcher.$RUN@example.com" "$PASSWORD")

say "an agent imports the shop's order and takes the customer's complaint"
SERIAL=SN-WT-$RUN
DELIVERED=$(date -u -d '-2 days' +%Y-%m-%dT%H:%M:%SZ)
ORDERED=$(date -u -d '-3 days' +%Y-%m-%dT%H:%M:%SZ)
SALE=$(call POST /api/v1/sales-orders "$AGENT" "{\"shop\":\"tmall\",\"shop_order_no\":\"T-$RUN\",\"ordered_at\":\"$ORDERED\",
  \"currency\":\"CNY\",\"customer\":{\"name\":\"张三\",\"phone\":\"138${RUN: -8}\",\"addresses\":[{\"line\":\"南京东路 100 号\",
  \"city\":\"上海\",\"province\":\"上海\",\"lat\":31.235,\"lon\":121.48}]},\"lines\":[{\"line_no\":1,\"sku\":\"$SKU\",\"qty\":1,
  \"unit_price\":299900,\"serials\":[\"$SERIAL\"],\"delivered_at\":\"$DELIVERED\"}]}")
SALE_ID=$(jq -er .id <<<"$SALE")
CUSTOMER=$(jq -er .customer_id <<<"$SALE")
COMPLAINT=$(call POST /api/v1/complaints "$AGENT" "{\"channel\":\"phone\",\"customer_id\":\"$CUSTOMER\",
  \"serial\":\"$SERIAL\",\"sales_order_id\":\"$SALE_ID\",\"category\":\"needs_repair\",
  \"description\":\"空调不制冷 — blows warm air\"}" | jq -er .id)
echo "complaint $COMPLAINT about unit $SERIAL" >&2
call POST "/api/v1/complaints/$COMPLAINT/triage" "$AGENT" '{"service_order":{"type":"repair","notes":"blows warm air"}}' >/dev/null

say "the orders desk creates the service order and the engine offers it to the cheapest outlet that meets the SLA"
wait_for GET "/api/v1/complaints/$COMPLAINT" "$AGENT" '.work[] | select(.kind=="service_order" and .ref != null and .ref != "")'
ORDER=$(call GET "/api/v1/complaints/$COMPLAINT" "$AGENT" | jq -er '.work[] | select(.kind=="service_order") | .ref')
wait_for GET "/api/v1/service-orders/$ORDER" "$AGENT" '.offer != null'
call GET "/api/v1/service-orders/$ORDER" "$AGENT" | jq '{id, status, offer: .offer | {id, deadline, candidate: .candidate | {kind, name, distance_km}}}' >&2

say "the outlet's manager accepts, naming the technician"
OFFER=$(call GET /api/v1/outlet/offers "$OUTLET_MGR" | jq -er --arg o "$ORDER" '.items[] | select(.order_id==$o) | .offer_id')
call POST "/api/v1/outlet/offers/$OFFER/accept" "$OUTLET_MGR" "{\"technician_id\":\"$TECH\"}" | jq '{status, assignment}' >&2

say "the technician signs in on the phone and makes the visit"
MOBILE=$(curl -sS "$BASE/mobile/v1/auth/login" -H 'Content-Type: application/json' \
  -d "{\"staff_id\":\"$TECH_USER\",\"password\":\"$PASSWORD\",\"device_id\":\"phone-$RUN\"}" | jq -er .access_token)
NOW() { date -u +%Y-%m-%dT%H:%M:%SZ; }
START=$(date -u -d '+1 hour' +%Y-%m-%dT%H:00:00Z)
END=$(date -u -d '+3 hours' +%Y-%m-%dT%H:00:00Z)
call POST "/mobile/v1/jobs/$ORDER/appointment" "$MOBILE" "{\"start\":\"$START\",\"end\":\"$END\"}" | jq '{status, appointment}' >&2
call POST "/mobile/v1/jobs/$ORDER/en_route" "$MOBILE" "{\"lat\":31.21,\"lon\":121.46,\"accuracy_m\":15,\"device_time\":\"$(NOW)\"}" |
  jq -c '{type, flags, distance_m: .metrics.distance_m}' >&2
# a real visit has the drive between these two events; here they are a second apart, so
# the check-in is flagged impossible_travel: recorded and flagged, never refused
call POST "/mobile/v1/jobs/$ORDER/check_in" "$MOBILE" "{\"lat\":31.2351,\"lon\":121.4801,\"accuracy_m\":8,\"device_time\":\"$(NOW)\"}" |
  jq -c '{type, flags, distance_m: .metrics.distance_m, speed_kmh: .metrics.speed_kmh, order_status}' >&2
# the customer signs on the phone: a PNG (a 1×1 pixel here)
SIG=$(printf '%s' 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==' | base64 -d |
  curl -sS -X PUT "$BASE/mobile/v1/jobs/$ORDER/signature" -H "Authorization: Bearer $MOBILE" -H 'Content-Type: image/png' \
  --data-binary @- | jq -er .id)
call POST "/mobile/v1/jobs/$ORDER/complete" "$MOBILE" "{\"resolution_code\":\"repaired\",\"fault_found\":\"制冷剂不足 — low refrigerant\",
  \"work_done\":\"补漏加氟 — leak sealed, refrigerant topped up\",\"signature_id\":\"$SIG\"}" | jq '{status}' >&2

say "finance sees the job priced from the fee schedule in force"
wait_for GET "/api/v1/fees/priced-jobs/$ORDER" "$AGENT" '.lines | length > 0' 2>/dev/null || true
call GET "/api/v1/fees/priced-jobs/$ORDER" "$AGENT" | jq -c '{lines: [.lines[] | {kind, description, amount, payer}], totals}' >&2

say "a dispatcher verifies and closes the order; the complaint resolves itself"
call POST "/api/v1/service-orders/$ORDER/verify" "$DISPATCHER" '{"note":"customer confirmed by phone"}' >/dev/null
call POST "/api/v1/service-orders/$ORDER/close" "$DISPATCHER" '{}' | jq '{status}' >&2
wait_for GET "/api/v1/complaints/$COMPLAINT" "$AGENT" '.status == "resolved"'
call GET "/api/v1/complaints/$COMPLAINT" "$AGENT" | jq '{id, status, resolved_at, work: [.work[] | {kind, ref, status}]}'
