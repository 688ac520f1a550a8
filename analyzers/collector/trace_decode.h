// SPDX-License-Identifier: GPL-2.0-only
//
// From the BPF side's aggregates (bpf/aio_audit.h) to the model: op
// identity, counts and histograms, and verdicts through model::classify().
// Pure functions: unit-tested without a kernel.
#pragma once

#include <cstdint>
#include <string>

extern "C" {
#include "aio_audit.h"
}

#include "collector/ksyms.h"
#include "model/trace_result.h"
#include "model/verdict_rules.h"

namespace aio::collector {

model::TraceOp describe_op(const aio_audit_op_key& key, const Ksyms& ksyms);
model::RequestEvidence decode_evidence(const aio_audit_evidence_key& key);
// Adds `count` requests with these facts to `op`: verdict shares and fact counts.
void apply_evidence(model::TraceOp& op, const aio_audit_evidence_key& key, std::uint64_t count);

// Whether the op's driver function had its return hooked, and if not, why.
struct DriverHookState {
    bool hooked = false;
    std::string why_not;
};
// Adds the kernel's per-op counts and histograms. Driver return values are
// set only where some were seen; otherwise the op says why not.
void apply_stats(model::TraceOp& op, const aio_audit_op_stats& stats, const DriverHookState& hook);

// The name /sys gives a device: /sys/dev/char/MAJ:MIN for char device files,
// /sys/dev/block/MAJ:MIN otherwise, links to its device directory ("loop0",
// "nvme0n1", "zero"). Empty when there is none (0:N: an anonymous device).
std::string device_name(model::FileKind file, std::uint32_t major, std::uint32_t minor,
                        const std::string& sys_root = "/sys");

}  // namespace aio::collector
