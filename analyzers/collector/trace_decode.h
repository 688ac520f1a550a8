// SPDX-License-Identifier: GPL-2.0-only
//
// From the BPF side's aggregates (bpf/aio_audit.h) to the model: op
// identity, counts and histograms, and verdicts through model::classify().
// Pure functions: unit-tested without a kernel.
#pragma once

#include <cstdint>

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
void apply_stats(model::TraceOp& op, const aio_audit_op_stats& stats, bool driver_hooked);

}  // namespace aio::collector
