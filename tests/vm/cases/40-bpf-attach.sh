#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The guest kernel lets the project's BPF programs (built once on the host,
# loaded here through CO-RE) attach where the live tracer needs them: by
# fentry/fexit and kprobe/kretprobe to aio_read, and to a gadget handler -
# fentry there needs the module's BTF.
# timeout: 180
source "$AIO_VM_SRC/tests/vm/guest/lib.sh"
gadget_load

# doctor --json: {"capabilities": [{"id": "bpf.fentry", "status": "yes", ...}]}
# Every capability is printed (docs/vm.md records them per guest kernel);
# the BPF ones are returned.
attach() { # TARGET: print "id status detail" per BPF capability
	local doc
	doc=$("$AIO_AUDIT" doctor --json --attach-target "$1")
	jq -r '(.capabilities[] | "  doctor: \(.id) \(.status) \(.detail)"),
		"  doctor: trace backend \(.trace_backend | tostring)"' <<<"$doc" >&2
	jq -r '.capabilities[] | select(.id | startswith("bpf.")) | "\(.id) \(.status) \(.detail)"' <<<"$doc"
}

expect_cap() { # CAPS ID STATUS
	local line
	line=$(grep "^$2 " <<<"$1") || fail "doctor did not report $2"
	[[ $(cut -d' ' -f2 <<<"$line") == "$3" ]] || fail "$2: want $3, got: $line"
	echo "  ok   $line"
}

step "aio_read (kernel)"
caps=$(attach aio_read)
for kind in fentry fexit kprobe kretprobe; do
	expect_cap "$caps" "bpf.$kind" yes
done

step "gadget_async_read_iter (module)"
caps=$(attach gadget_async_read_iter)
expect_cap "$caps" bpf.kprobe yes
expect_cap "$caps" bpf.kretprobe yes
if [[ $(cat "$AIO_VM_BTF_STATUS") == generated ]]; then
	expect_cap "$caps" bpf.fentry yes
	expect_cap "$caps" bpf.fexit yes
else
	echo "  (no module BTF: $(cat "$AIO_VM_BTF_STATUS"); fentry is not expected)"
fi
