// SPDX-License-Identifier: GPL-2.0-only
//
// What `probe` measured: per target, per case (engine × operation × mode ×
// variant). Numbers only; the renderers in analyzers/report format them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/latency.h"
#include "model/op_identity.h"
#include "model/verdict_rules.h"

namespace aio::model {

struct CaseResult {
    std::string engine;    // "libaio", "io_uring", "posix"
    std::string op;        // "read", "overwrite", "append", "fill", "write"
    std::string mode;      // "buffered", "direct"
    std::string variant;   // "", "dsync", "nowait"
    std::size_t size = 0;  // bytes per request
    unsigned depth = 0;    // requests per submitting call

    unsigned requests = 0;   // issued
    unsigned completed = 0;  // completed with a byte count
    unsigned refused = 0;    // -EINVAL/-EOPNOTSUPP (also counted as `unsupported`)
    unsigned eagain = 0;     // -EAGAIN under RWF_NOWAIT: would have blocked
    unsigned errors = 0;     // any other failure (first one in `first_error`)
    unsigned data_mismatches = 0;
    std::string first_error;

    // Over completed requests.
    unsigned ready_at_return = 0;
    unsigned slept = 0;
    // Voluntary context switches of the submitter inside the submitting
    // calls, summed: divided by the requests, fsqual's number.
    std::uint64_t voluntary_switches = 0;
    unsigned punted = 0;
    unsigned ambiguous = 0;  // ready at return without sleeping: inline copy or very fast device
    // Reads during whose submission the submitter itself made the block layer
    // read: the request reached the device (libaio, io_uring; not POSIX AIO,
    // where a helper thread reads).
    std::optional<unsigned> device_reads;
    unsigned helper_threads = 0;
    std::optional<bool> page_cache_fallback;  // O_DIRECT served from the page cache (mincore)

    LatencySummary submit;
    LatencySummary complete;
    VerdictTally tally;
    std::string skipped;  // non-empty: the case did not run, and why
    double elapsed_s = 0;

    bool ran() const { return skipped.empty(); }
    Verdict verdict() const { return tally.dominant(); }
};

struct TargetResult {
    std::string label;  // as given, or the default target's name
    std::string path;   // what was opened
    FileKind kind = FileKind::unknown;
    bool created = false;  // a temp file or FIFO aio-audit made (and removed)
    std::string fstype;
    std::string source;
    std::string error;               // non-empty: the target could not be probed at all
    std::vector<std::string> notes;  // e.g. "writes skipped: pass --write"
    std::vector<CaseResult> cases;
    double elapsed_s = 0;
};

struct ProbeReport {
    std::vector<TargetResult> targets;
    bool interrupted = false;
    double elapsed_s = 0;
};

}  // namespace aio::model
