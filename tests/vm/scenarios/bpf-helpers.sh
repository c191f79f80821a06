# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=sh disable=SC1091
# bpf-helpers: --filter-track-bpf-helpers --output-bpfmap with the tc program of
# tests/vm/progs/bpfmap.bpf.c on the server's veth (clsact ingress). For each ICMP packet it
# looks up the key "pwru" in its hash map pwru_test_map, updates it with the count + 1 and
# deletes the key "gone". pwru finds the kernel functions the program calls in its xlated
# code (htab_map_update_elem, htab_map_delete_elem, the inlined lookup's
# __htab_map_lookup_elem) and traces them for the echo request whose stack they run on
# (by stack id; no --filter-track-skb needed), printing the map after each event line as
# cilium/pwru does: map_id, map_name, key(N) and value(N) with Go hex dumps. Three echo
# requests: the updates write 1, 2 and 3 (8-byte little-endian counters), the lookups that
# hit read 1 and 2, the deletes show the key "gone" and no value. The tracepoint backend
# cannot trace functions: pwru must refuse with exit status 2 and one line.
. /vm/lib.sh
if [ "$VM_BACKEND" = tracepoint ]; then
	rc=0
	"$PWRU" --backend tracepoint --filter-track-bpf-helpers --output-bpfmap 'icmp' \
		>"$VM_TMP/pwru.stdout" 2>"$VM_TMP/pwru.err" </dev/null || rc=$?
	line=$(head -n 1 "$VM_TMP/pwru.err")
	[ "$rc" = 2 ] || vm_fail "exit status $rc, expected 2: $line"
	[ "$(wc -l <"$VM_TMP/pwru.err")" = 1 ] || vm_fail "$(wc -l <"$VM_TMP/pwru.err") lines on stderr, expected 1"
	echo "$line" | grep -q -- '--filter-track-bpf-helpers: needs a kprobe backend' || vm_fail "unexpected message: $line"
	vm_pass "refused: $line"
fi
vm_topology 198.51.100.1 198.51.100.10
obj=/vm/progs/bpfmap.bpf.o
[ -f "$obj" ] || vm_fail "the test program ($obj) is not in the image"
ip netns exec "$VM_NSS" /usr/sbin/tc qdisc add dev "$VM_DEVS" clsact || vm_fail "tc qdisc add clsact failed"
out=$(ip netns exec "$VM_NSS" /usr/sbin/tc filter add dev "$VM_DEVS" ingress bpf da obj "$obj" sec tc 2>&1) ||
	vm_fail "tc filter add ... bpf da obj $obj sec tc failed: $out"

vm_pwru_start --filter-track-bpf-helpers --output-bpfmap 'icmp and dst host 198.51.100.10'
said=$(grep -m1 -- '--filter-track-bpf-helpers:' "$VM_TMP/pwru.err")
[ -n "$said" ] || vm_fail "pwru did not say what --filter-track-bpf-helpers found"
vm_ping "$VM_NSC" 198.51.100.10 3 "$VM_DEVC" || vm_fail "ping 198.51.100.10 failed"
sleep 0.5
vm_pwru_stop
vm_expect_header

# One record per map event: FUNC|map_id|map_name|key(N)|key dump|value(N)|value dump|tuple.
awk '
	function flush() { if (id != "") print f "|" id "|" name "|" kh "|" kd "|" vh "|" vd "|" tup; id = "" }
	/^0x[0-9a-f]+ / { flush(); f = $NF; tup = $(NF - 1); name = kh = kd = vh = vd = ""; st = 0; next }
	/^map_id: / { id = substr($0, 9); next }
	/^map_name: / { name = substr($0, 11); next }
	/^key\([0-9]+\):$/ { kh = $0; st = 2; next }
	/^value\([0-9]+\):$/ { vh = $0; st = 3; next }
	/^[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]  / { if (st == 2) kd = kd substr($0, 11, 49); else if (st == 3) vd = vd substr($0, 11, 49); next }
	END { flush() }
' "$VM_PWRU_OUT" | sed 's/  */ /g' >"$VM_TMP/maps.txt"
[ -s "$VM_TMP/maps.txt" ] || vm_fail "no event is followed by map_id: ($said)"
vm_log "map events: $(wc -l <"$VM_TMP/maps.txt")"
tuple='198.51.100.1:0->198.51.100.10:0(icmp)'
bad=$(grep -v "|pwru_test_map|" "$VM_TMP/maps.txt" | head -n 1)
[ -z "$bad" ] || vm_fail "a map event not on pwru_test_map: $bad"
bad=$(awk -F'|' -v t="$tuple" '$8 != t' "$VM_TMP/maps.txt" | head -n 1)
[ -z "$bad" ] || vm_fail "a map event without the echo request's tuple $tuple: $bad"
[ "$(cut -d'|' -f2 "$VM_TMP/maps.txt" | sort -u | wc -l)" = 1 ] || vm_fail "map events with different map ids"

# Updates: key "pwru", value(8) 1, 2, 3.
grep -qF "htab_map_update_elem|" "$VM_TMP/maps.txt" || vm_fail "no htab_map_update_elem event ($said)"
for n in 1 2 3; do
	grep -F "htab_map_update_elem|" "$VM_TMP/maps.txt" |
		grep -qF "|key(4):|70 77 72 75 |value(8):|0$n 00 00 00 00 00 00 00 |" ||
		vm_fail "no htab_map_update_elem of key 70 77 72 75 to value $n: $(grep -m1 -F htab_map_update_elem "$VM_TMP/maps.txt")"
done
# Deletes: key "gone", no value.
grep -F "htab_map_delete_elem|" "$VM_TMP/maps.txt" | grep -qF "|key(4):|67 6f 6e 65 |value(8):||" ||
	vm_fail "no htab_map_delete_elem of key 67 6f 6e 65 without a value: $(grep -m1 -F delete_elem "$VM_TMP/maps.txt")"
# Lookups (at their return): where the kernel lets pwru trace the inlined lookup's
# __htab_map_lookup_elem, the hits read 1 and 2 and the first one misses (no value).
nlook=$(grep -c 'lookup_elem|' "$VM_TMP/maps.txt")
aff=/sys/kernel/tracing/available_filter_functions
[ -r "$aff" ] || aff=/sys/kernel/debug/tracing/available_filter_functions
if grep -qx '__htab_map_lookup_elem' "$aff"; then
	for n in 1 2; do
		grep -F "__htab_map_lookup_elem|" "$VM_TMP/maps.txt" |
			grep -qF "|key(4):|70 77 72 75 |value(8):|0$n 00 00 00 00 00 00 00 |" ||
			vm_fail "no __htab_map_lookup_elem of key 70 77 72 75 reading value $n"
	done
	grep -F "__htab_map_lookup_elem|" "$VM_TMP/maps.txt" | grep -qF "|key(4):|70 77 72 75 |value(8):||" ||
		vm_fail "no __htab_map_lookup_elem that missed (the first echo request's)"
else
	vm_log "__htab_map_lookup_elem cannot be traced on this kernel: lookups not checked"
fi
vm_pass "$(vm_summary "$(wc -l <"$VM_TMP/maps.txt") map events ($nlook lookups)")"
