# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Records end to end: the real agent with the file sink, a pinned burner and a
# workload; every emitted record must validate against docs/records.schema.json,
# and the records must carry what the workload did.
. "$(dirname "$0")/../lib.sh"
need_root records || finish
SCHEMA=$TOP/docs/records.schema.json
CHECK=$BUILD/tests/helpers/schemacheck

start_agent --flush-interval 1 || { fail records_agent_started "agent did not start"; finish; }
cp "$BUILD/tests/helpers/burn" "$TMPD/hl_recburn"
taskset -c 1 "$TMPD/hl_recburn" 3000 100 >"$TMPD/burn.out"
sleep 1.5
stop_agent
REC=$TMPD/data/records.ndjson
if [ ! -s "$REC" ]; then fail records_written "no $REC"; finish; fi

out=$("$CHECK" "$SCHEMA" "$REC"); rc=$?
if [ $rc = 0 ]; then ok records_validate_against_schema; else fail records_validate_against_schema "$(echo "$out" | grep invalid | sort | uniq -c | head -5)"; fi
for t in vm-metrics process-metrics; do
	if echo "$out" | grep -q "^$t [1-9]"; then ok "records_has_$t"; else fail "records_has_$t" "no $t record in: $out"; fi
done

pid=$(sed -n 's/^pid //p' "$TMPD/burn.out")
res=$(python3 - "$REC" "$pid" <<'PY'
import json, sys
core1 = 0; burner = 0
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["type"] == "vm-metrics":
        for c in r.get("cpu_cores", []):
            if c["cpu"] == 1: core1 = max(core1, c["usage_pct"])
    if r["type"] == "process-metrics":
        for p in r["processes"]:
            if p["pid"] == int(sys.argv[2]) and p["comm"] == "hl_recburn": burner += p["oncpu_ms"]
print(int(core1), int(burner))
PY
)
core1=${res% *}; burner=${res#* }
if [ "$core1" -ge 80 ]; then ok records_pinned_core_usage; else fail records_pinned_core_usage "expected cpu 1 >= 80% in a vm-metrics record, got $core1%"; fi
if [ "$burner" -ge 2400 ] && [ "$burner" -le 3600 ]; then ok records_process_oncpu_sum
else fail records_process_oncpu_sum "expected hl_recburn's on-CPU over all process-metrics records ~3000 ms (2400..3600), got $burner ms"; fi
finish
