// SPDX-License-Identifier: GPL-2.0-only
//
// What `matrix` measured: per file-system configuration, per scenario (fsqual's
// write/read patterns), per engine, the verdict shares, fsqual's own number
// (voluntary context switches per I/O in submission) and the latencies. Numbers only; the
// renderers in analyzers/report format them, and compare() below is the one
// rule for what counts as a change between two runs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/latency.h"
#include "model/verdict_rules.h"

namespace aio::model {

// fsqual calls a scenario BAD at 0.1 voluntary switches per I/O or more; the
// same threshold names a minority verdict in a cell (10% of requests).
inline constexpr double kMatrixThreshold = 0.1;

// One scenario through one engine.
struct MatrixCell {
    std::string engine;  // "libaio", "io_uring", "posix"
    VerdictTally tally;  // over requests that completed (and refusals)
    unsigned requests = 0;
    unsigned completed = 0;
    unsigned eagain = 0;   // RWF_NOWAIT refusals (would have blocked)
    unsigned refused = 0;  // -EINVAL/-EOPNOTSUPP
    unsigned errors = 0;
    unsigned ambiguous = 0;  // ready at return without sleeping: inline copy or fast device
    // fsqual's number: voluntary context switches of the submitter inside
    // the submitting calls, divided by the requests submitted.
    std::optional<double> switches_per_io;
    std::optional<bool> page_cache;  // O_DIRECT data found in the page cache afterwards
    std::string skipped;             // non-empty: the cell was not measured, and why
    std::string error;               // first error, when some requests failed
    // The probe case's latencies (nanoseconds): submission (the submitting
    // call) and completion (from submission to the completion being seen).
    // Empty in documents written before matrix kept them.
    LatencySummary submit;
    LatencySummary complete;

    bool measured() const { return skipped.empty() && tally.total() > 0; }
    Verdict verdict() const { return tally.dominant(); }
    double eagain_share() const { return requests ? static_cast<double>(eagain) / requests : 0.0; }
};

// One row of a table: an I/O pattern.
struct MatrixScenario {
    std::string id;       // stable key across runs ("direct/append/block/q1"): --compare matches on it
    std::string op;       // "read", "overwrite", "append", "fill-holes", "fill-prealloc"
    std::string mode;     // "direct", "buffered"
    std::string size_of;  // "block" or "sector": what the size is in this file system
    std::size_t size = 0;
    unsigned depth = 1;  // requests kept in flight
    bool dsync = false;
    bool nowait = false;
    std::string fsqual;  // fsqual's matching test ("fsqual 3"), empty if fsqual has none
    std::vector<MatrixCell> cells;
};

// One file system made for the run, with one set of mount options (or one
// directory given on the command line).
struct MatrixFs {
    std::string id;      // "ext4", "ext4-data-journal", "btrfs-nodatacow", or the directory given
    std::string fstype;  // "ext4"
    std::string mkfs;    // the command run (without the image path), empty for tmpfs / a given directory
    std::string mount_options;     // "" = the defaults
    std::string why;               // why this configuration is in the table
    std::string backing;           // "loop, direct I/O on ext4", "RAM", "the directory's own device"
    std::uint32_t block_size = 0;  // statfs f_bsize
    std::uint32_t sector_size =
        0;                // O_DIRECT granularity (statx dio offset alignment, else the loop device's)
    std::string skipped;  // not run: mkfs not installed, the kernel lacks it, not selected
    std::string error;    // tried, and setting it up failed
    std::vector<MatrixScenario> scenarios;
    double elapsed_s = 0;
};

struct MatrixReport {
    // Where it ran: from the run itself, or from a saved document's header.
    std::string kernel_release;
    std::string machine;
    std::string host;
    std::string started;    // RFC 3339
    unsigned requests = 0;  // per cell
    std::vector<MatrixFs> file_systems;
    bool interrupted = false;
    double elapsed_s = 0;
};

// The verdicts a cell is summed up by: the dominant one, then every other
// whose share is at least `threshold`, most frequent first. A minority that
// blocks is named, not hidden behind the majority.
std::vector<Verdict> headline_verdicts(const VerdictTally& tally, double threshold = kMatrixThreshold);

// What changed between two runs (two kernels, two machines).
struct MatrixChange {
    enum class Kind {
        verdict,   // the headline verdicts differ
        fsqual,    // fsqual's GOOD/BAD (switches per I/O against 0.1) differs
        eagain,    // RWF_NOWAIT refusals crossed the threshold
        measured,  // measured in one run, skipped/refused-to-run in the other
    };
    Kind kind = Kind::verdict;
    std::string fs_id;
    std::string scenario_id;
    std::string engine;
    const MatrixScenario* scenario = nullptr;  // from the new run (else the old)
    const MatrixCell* before = nullptr;
    const MatrixCell* after = nullptr;
};

struct MatrixComparison {
    const MatrixReport* before = nullptr;
    const MatrixReport* after = nullptr;
    unsigned cells_compared = 0;  // measured in both runs
    std::vector<MatrixChange> changes;
    // Cells whose headlines differ only through requests that completed
    // before submission returned without a sleep (`inline?`): user space
    // cannot tell an inline copy from a fast device's completion, so these
    // are not called changes (kind `verdict`, listed apart).
    std::vector<MatrixChange> undecided;
    std::vector<std::string> fs_only_before;  // file-system ids measured in one run only
    std::vector<std::string> fs_only_after;
    std::vector<std::string> scenarios_only_before;  // "fs/scenario"
    std::vector<std::string> scenarios_only_after;
};

// The comparison keeps pointers into both reports: they must outlive it.
MatrixComparison compare(const MatrixReport& before, const MatrixReport& after);

std::string_view name(MatrixChange::Kind k);

}  // namespace aio::model
