// SPDX-License-Identifier: GPL-2.0-only
//
// The rules that read `probe`'s measurements (probe_result.h): which
// verdicts a case's headline names, whether an --expect holds, when the
// user-space "inline?" ambiguity could change a verdict, whether O_DIRECT
// was served by the page cache, and the conclusion a storage engineer would
// draw for each target and for the whole run. Decisions only: the words
// are chosen by analyzers/report/probe_report.cpp.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "model/probe_result.h"
#include "model/verdict_rules.h"

namespace aio::model {

// "read", "overwrite+dsync", "append+nowait": an operation with its variant.
std::string op_label(const CaseResult& c);

// A verdict is named in a case's headline when at least this share of its
// requests got it (the largest share is always named). fsqual calls a
// scenario BAD at 0.1 voluntary context switches per I/O or more; at one
// request per submitting call a request that slept switched at least once,
// so a `blocking` share of 10% or more is always fsqual-BAD. (fsqual can say
// BAD below that when a few requests switch many times each; the case's
// ctxsw_per_io is fsqual's own number.)
inline constexpr double kHeadlineThreshold = 0.1;
// `--expect` fails when more than this share of a case's requests got a
// verdict it does not list. Equal to the headline threshold, so that a
// verdict named in the headline beside the expected one fails the check
// (the O_DIRECT 512-byte hole fill on ext4, 12.5% blocking, fails
// `--expect async`), while a stray request or two does not.
inline constexpr double kExpectTolerance = 0.1;

// The headline: every verdict with a share of at least `threshold`, largest
// first (ties: the more severe first); never empty when the tally is not.
std::vector<Verdict> named_verdicts(const VerdictTally& tally, double threshold = kHeadlineThreshold);

struct ExpectOutcome {
    bool met = true;
    double disagreeing = 0;          // share of requests with a verdict not listed
    std::vector<Verdict> offending;  // those verdicts, largest share first
};
ExpectOutcome check_expectation(const VerdictTally& tally, const std::vector<Verdict>& allowed,
                                double tolerance = kExpectTolerance);

// --expect over a whole run: every measured case is judged. Requests that
// user space cannot tell from a device's interrupt completion (ready at
// return without sleeping, where a device could have posted it) count as
// `async` when async is expected and sync is not.
struct ExpectFailure {
    const TargetResult* target = nullptr;
    const CaseResult* c = nullptr;
    ExpectOutcome outcome;
};
struct RunExpectation {
    unsigned judged = 0;  // measured cases
    std::vector<ExpectFailure> failures;
    bool met() const { return judged > 0 && failures.empty(); }
};
RunExpectation check_expectation(const ProbeReport& report, const std::vector<Verdict>& allowed,
                                 double tolerance = kExpectTolerance);

// Nothing was planned anywhere: every target was prepared without error but
// none of the asked operations, modes or engines applies to any of them
// (`probe victim.dat -o overwrite`: aio-audit never writes a file it did not
// create). A usage error, not an empty success.
bool nothing_to_do(const ProbeReport& report);

// Requests read "ready at return without sleeping" from user space could be
// an inline copy or a device that completed from an interrupt before the
// submitting call returned. That matters only where a device could have
// posted the completion (not tmpfs, FIFOs, the kernel's memory devices, or
// a buffered write, which the page cache absorbs, nor a case the page cache
// measurably served) and only if calling those requests `async` would
// change the headline.
bool inline_ambiguity_matters(const CaseResult& c, const TargetResult& t, double threshold = kHeadlineThreshold);

// Every completed read returned 0 bytes (end of file, /dev/null): nothing
// was read, and the verdict describes a call that did no I/O.
bool read_nothing(const CaseResult& c);

// O_DIRECT served through the page cache: pages of the file entered the
// page cache during the case (tracefs), or were resident after it (mincore).
bool served_by_page_cache(const CaseResult& c);

// What O_DIRECT with `size`-byte requests is expected to do here, from the
// alignment facts, before measuring.
enum class DirectIoExpectation {
    direct,    // aligned: served directly, as far as alignment goes
    refused,   // misaligned: the filesystem refuses it (EINVAL)
    buffered,  // misaligned: the filesystem serves it through the page cache (btrfs)
    unknown,   // no alignment facts
};
struct DirectIoOutlook {
    DirectIoExpectation expect = DirectIoExpectation::unknown;
    std::uint32_t alignment = 0;  // the alignment that decided it
    std::string source;           // where it came from: "statx", "device", "btrfs sector size"
};
DirectIoOutlook direct_io_outlook(const std::string& fstype, const DirectIoFacts& facts, std::size_t size);

// ---- Conclusions -----------------------------------------------------------
//
// Operation lists in conclusions are collapsed where they cover a whole
// class: "*" stands for every operation measured in that mode, and "write"
// for every write operation (at least two of them, no read).

// Operations (op + variant: "append", "overwrite+dsync") whose headlines
// name the same verdicts.
struct OpGroup {
    std::vector<std::string> ops;  // in the order the cases ran
    std::vector<Verdict> named;    // those verdicts, the most requests first
    // Over the group's cases: the smallest and largest share of the
    // verdicts named after the first (0 when only one is named).
    double minority_low = 0;
    double minority_high = 0;
};

// One engine in one mode (or in every mode, when they agree).
struct ModeSummary {
    std::string mode;  // "direct", "buffered"; "" = every mode alike
    OpGroup usual;     // what most of its operations do
    std::vector<OpGroup> exceptions;
};

struct EngineSummary {
    std::vector<std::string> engines;  // several when they behave identically
    // No case of the engine names `blocking` or `fake-async`.
    bool never_blocks = false;
    // Operations (with mode) whose headline names `thread-async`.
    std::vector<std::string> threaded;  // "direct append", "buffered overwrite"
    bool all_threaded = false;          // every case is `thread-async` and nothing else
    std::vector<ModeSummary> modes;
    // RWF_NOWAIT cases where EAGAIN refused at least the threshold share.
    std::vector<std::string> nowait_refused;  // "direct append"
    double nowait_refused_low = 0;
    double nowait_refused_high = 0;
};

struct TargetConclusion {
    std::vector<EngineSummary> engines;
    // O_DIRECT cases the page cache served ("append", "read"), with the mode
    // implied.
    std::vector<std::string> direct_served_buffered;
    // Set when the alignment facts predicted it: the filesystem serves
    // O_DIRECT requests of this size through the page cache (btrfs).
    std::optional<DirectIoOutlook> direct_misaligned;
    std::size_t request_size = 0;
    bool nothing_read = false;  // every read case read nothing (end of file)
    unsigned unmeasured = 0;    // cases skipped or failed
};

TargetConclusion conclude(const TargetResult& t, double threshold = kHeadlineThreshold);

// The last line of a run: which engines never blocked the caller anywhere,
// and where each of the others blocked.
struct Blocked {
    std::string engine;
    std::string target;            // label
    std::string fstype;            // "" for devices
    std::vector<std::string> ops;  // "buffered read", "direct append"
};
struct BottomLine {
    std::vector<std::string> never_blocked;  // engines measured somewhere and never blocking
    std::vector<Blocked> blocked;
    unsigned unmeasured_cases = 0;
    unsigned failed_targets = 0;
    bool measured_anything = false;
};
BottomLine bottom_line(const ProbeReport& report, double threshold = kHeadlineThreshold);

}  // namespace aio::model
