// SPDX-License-Identifier: GPL-2.0-only
//
// What `probe` measured: per target, per case (engine × operation × mode ×
// variant). Numbers and facts only; the rules that read them are in
// probe_rules.h, and the renderers in analyzers/report format them.
//
// Vocabulary (docs/probe.md has the mapping from fsqual's and fio's terms):
//   op       "read", "overwrite", "append", "fill-holes", "fill-prealloc",
//            "write" (char devices and FIFOs)
//   mode     "buffered", "direct" (O_DIRECT)
//   variant  "", "dsync" (O_DSYNC), "nowait" (RWF_NOWAIT, EAGAIN retried)
//   depth    with depth_kind "batch": requests per submitting call;
//            with "inflight": requests kept in flight, one submitted each
//            time one completes (fsqual's iodepth)
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/latency.h"
#include "model/op_identity.h"
#include "model/verdict_rules.h"

namespace aio::model {

// The alignment O_DIRECT needs on one file and where that came from.
struct DirectIoFacts {
    // statx(STATX_DIOALIGN): what the filesystem itself says; 0 = not reported.
    std::uint32_t statx_offset_align = 0;
    std::uint32_t statx_memory_align = 0;
    // The block device under the filesystem (st_dev, else the mount's
    // source), its logical block size (sysfs queue/logical_block_size or
    // BLKSSZGET); empty / 0 when there is none (tmpfs) or it is unknown.
    std::string device;  // "/dev/loop2" or "7:2"
    std::uint32_t device_logical_block = 0;
    // statfs f_bsize: the filesystem block (btrfs: its sector size).
    std::uint32_t fs_block = 0;
};

struct CaseResult {
    std::string engine;    // "libaio", "io_uring", "posix"
    std::string op;        // see the vocabulary above
    std::string mode;      // "buffered", "direct"
    std::string variant;   // "", "dsync", "nowait"
    std::size_t size = 0;  // bytes per request
    unsigned depth = 0;
    std::string depth_kind = "batch";  // "batch" or "inflight"

    unsigned requests = 0;   // issued (a retried request counts once)
    unsigned completed = 0;  // completed with a byte count (after a retry, if any)
    unsigned refused = 0;    // -EINVAL/-EOPNOTSUPP (also counted as `unsupported`)
    // RWF_NOWAIT: first attempts refused with -EAGAIN (the I/O would have
    // blocked). Each was retried at once without RWF_NOWAIT, as Seastar does,
    // and the retry is what the request is classified by.
    unsigned eagain = 0;
    unsigned errors = 0;  // any other failure (first one in `first_error`)
    unsigned data_mismatches = 0;
    std::string first_error;

    // Over completed requests.
    unsigned ready_at_return = 0;
    unsigned slept = 0;
    unsigned punted = 0;
    unsigned ambiguous = 0;    // ready at return without sleeping: inline copy or very fast device
    unsigned empty_reads = 0;  // reads that returned 0 bytes (end of file): nothing was read
    unsigned short_transfers = 0;  // fewer bytes than asked, but not 0
    // Reads during whose submission the submitter itself made the block layer
    // read: the request reached the device (libaio, io_uring; not POSIX AIO,
    // where a helper thread reads).
    std::optional<unsigned> device_reads;
    unsigned helper_threads = 0;
    // Voluntary context switches inside every submitting call of the case,
    // and the number of those calls (retries included).
    std::uint64_t submit_switches = 0;
    std::uint64_t submit_calls = 0;

    // O_DIRECT only: the alignment facts, and whether the page cache served
    // the requests anyway.
    std::optional<DirectIoFacts> dio;
    std::optional<bool> page_cache_fallback;      // any evidence below says yes
    std::optional<std::uint64_t> resident_after;  // pages of the range resident after the case (mincore)
    std::optional<std::uint64_t> pages_added;     // pages added to this file's page cache during the case (tracefs)

    LatencySummary submit;
    LatencySummary complete;
    VerdictTally tally;
    std::string skipped;  // non-empty: the case did not run, and why
    double elapsed_s = 0;

    bool ran() const { return skipped.empty(); }
    Verdict verdict() const { return tally.dominant(); }
    // fsqual's number: voluntary switches in submission per request.
    double ctxsw_per_io() const
    {
        return requests ? static_cast<double>(submit_switches) / static_cast<double>(requests) : 0.0;
    }
};

struct TargetResult {
    std::string label;  // as given, or the default target's name
    std::string path;   // what was opened
    FileKind kind = FileKind::unknown;
    bool created = false;  // a temp file or FIFO aio-audit made (and removed)
    std::string fstype;
    std::string source;
    // The kernel driver behind a char device, from /proc/devices ("mem" for
    // /dev/zero and /dev/null); empty otherwise.
    std::string driver;
    // Nothing but the CPU serves this target's I/O (tmpfs, ramfs, a FIFO,
    // the kernel's memory devices): no device exists that could complete a
    // request from an interrupt, so "ready at return" is certainly inline.
    bool memory_only = false;
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
