// SPDX-License-Identifier: GPL-2.0-only
//
// The active prober: issues asynchronous I/O against targets and derives
// verdicts from what user space can measure, through the model's rules.
//
// It never destroys data: a regular file is only read; a directory gets a
// temp file of our own (O_TMPFILE, so nothing is left behind even on a
// crash); a block device is written only with `destructive`, a char device
// or someone else's FIFO only with `write`.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "probe/engine.h"
#include "model/probe_result.h"

namespace aio::probe {

// The scenarios, as in ScyllaDB's fsqual:
//   read           cold reads of written blocks (random order, distinct blocks)
//   overwrite      writes over written blocks: size and allocation unchanged
//   append         writes past the end of the file: size-changing
//   fill_holes     writes into the holes of a truncated (sparse) file: the
//                  filesystem allocates blocks, the size does not change
//                  (fsqual's "fill")
//   fill_prealloc  writes into a range pre-allocated with fallocate(2):
//                  unwritten extents get converted
//   write          char devices and FIFOs (and a synonym of overwrite elsewhere)
enum class Op { read, overwrite, append, fill_holes, fill_prealloc, write };
enum class Mode { buffered, direct };
enum class Variant { plain, dsync, nowait };

// How requests are kept in flight.
//   batch     `depth` requests per submitting call; the next batch starts
//             when all of them completed (-q)
//   inflight  `depth` requests in flight; each time some complete, as many
//             new ones are submitted with one call (--inflight, fsqual's
//             and fio's iodepth)
enum class DepthKind { batch, inflight };

// "read", "fill-holes", "fill-prealloc", ...: the names used in options,
// text and JSON.
std::string_view name(Op o);
std::string_view name(Mode m);
std::string_view name(Variant v);
std::string_view name(DepthKind d);
// Accepts every name above; "fill" is both fills (fill-holes, fill-prealloc).
std::optional<std::vector<Op>> parse_op(std::string_view text);

struct ProbeOptions {
    std::vector<EngineKind> engines{EngineKind::libaio, EngineKind::io_uring, EngineKind::posix};
    std::vector<Op> ops;  // empty: every op the target allows; ops it does not allow are left out (a note says so)
    std::vector<Mode> modes{Mode::buffered, Mode::direct};
    // Each listed variant runs for every case it applies to: dsync only for
    // writes, nowait not for POSIX AIO. {Variant::dsync} alone runs only the
    // O_DSYNC writes.
    std::vector<Variant> variants{Variant::plain};
    unsigned requests = 64;  // per case; a retried NOWAIT request counts once
    unsigned depth = 1;      // see DepthKind
    DepthKind depth_kind = DepthKind::batch;
    std::size_t size = 4096;   // bytes per request
    bool write = false;        // char devices and FIFOs we did not create
    bool destructive = false;  // block devices
    std::chrono::milliseconds timeout{5000};  // for completions; then what is in flight is cancelled
};

struct TargetSpec {
    std::string label;
    std::string path;
    bool make_fifo = false;  // create a FIFO of our own (default target set)
};

// How a target given on the command line is named in the report: as given,
// except a path made only of dots and slashes ("." or "../.."), which says
// nothing once printed; that one becomes the absolute directory it names.
std::string target_label(const std::string& given);

// The built-in default set: a temp file on the current directory's
// filesystem, tmpfs, /dev/zero, a FIFO of our own.
std::vector<TargetSpec> default_targets();

// Set from a signal handler: stop after the current batch, clean up, report.
extern std::atomic<bool> stop_requested;

using ProgressFn = std::function<void(const std::string& what)>;

// Probes one target: decides what may be done with it, prepares its files
// (for a directory: a pre-filled temp file to read and overwrite, another
// to append to and fill), and runs every op × mode × variant × engine it
// allows, in that order, one engine of each kind for all its cases. Never
// throws for a target that cannot be probed: TargetResult::error says why.
model::TargetResult probe_target(const TargetSpec& spec, const ProbeOptions& opts, const ProgressFn& progress = {});
model::ProbeReport probe_all(const std::vector<TargetSpec>& specs, const ProbeOptions& opts,
                      const ProgressFn& progress = {});

// The pattern written to and expected from files we create: deterministic per
// byte offset, so a misplaced or torn request is caught.
void fill_pattern(unsigned char* buf, std::size_t len, std::uint64_t offset);
std::size_t count_pattern_mismatches(const unsigned char* buf, std::size_t len, std::uint64_t offset);

}  // namespace aio::probe
