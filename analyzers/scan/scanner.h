// SPDX-License-Identifier: GPL-2.0-only
//
// `scan`: walks source trees on every core in two phases. The walk reads
// every C file once: it indexes the names each file defines, and lexes only
// the files that declare a file_operations or proc_ops. Then the fops with
// async-capable handlers are analyzed, following their callees anywhere in
// the roots through that index.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "model/static_verdict.h"
#include "scan/analyzer.h"

namespace aio::scan {

struct ScanRoot {
    std::string fs_path;  // what to open
    std::string display;  // how its files are named in reports ("" for the current directory)
    bool recursive = true;
};

struct ScanOptions {
    std::vector<ScanRoot> roots;
    bool follow_symlinks = false;  // follow symlinks that leave the roots (loops are detected)
    // When not empty, only the files directly in these directories (as
    // displayed: "fs/nfs") are reported; every other file of the roots is
    // read only to resolve the calls those make (`check`: the whole tree
    // resolves, the directories a diff touched are reported).
    std::vector<std::string> report_dirs;
    unsigned jobs = 0;             // worker threads; 0: one per core; clamped by effective_jobs()
    AnalyzerLimits limits;
    // Called about five times a second from the calling thread while the scan runs.
    std::function<void(std::uint64_t files, std::uint64_t fops)> progress;
};

struct ScanStats {
    std::uint64_t dirs = 0;
    std::uint64_t files = 0;       // .c/.h files seen
    std::uint64_t bytes = 0;       // read by the pre-filter
    std::uint64_t candidates = 0;  // mention file_operations or proc_ops: lexed and parsed
    std::uint64_t symlinks_skipped = 0;
    std::uint64_t definitions = 0;  // column-0 definition lines indexed
    // Steps of work (index lines, tokens, events, functions looked at):
    // what the tests that hold the scan to linear cost count.
    std::uint64_t work = 0;
};

struct ScanResult {
    std::vector<model::FopsReport> fops;  // sorted by file, line, name
    std::vector<std::string> warnings;
    ScanStats stats;
    // Files and directories inside the roots that could not be read (each
    // has its warning): the result is incomplete.
    std::uint64_t unreadable = 0;
};

// A root that does not exist or cannot be read is a usage error
// (aio::UsageError), before anything is scanned. Inside the roots, a file
// or directory that cannot be read is a warning and counts in
// `unreadable`: the rest of a kernel tree is still worth its report, and
// the caller decides what an incomplete result means (scan: exit 4;
// check: exit 2).
ScanResult run_scan(const ScanOptions& options);

// Worker threads for `requested`: 0 means one per core; anything else is
// kept between 1 and kMaxJobsPerCore per core. The scan is CPU-bound on a
// warm cache; more threads than that only add memory (each holds a
// module's parsed files).
inline constexpr unsigned kMaxJobsPerCore = 4;
unsigned effective_jobs(unsigned requested);
// "-j 100000 is more than this machine can use: 8 worker threads (4 per
// core)", or "" when `requested` is kept as it is.
std::string jobs_note(unsigned requested);

// A root as the user typed it: "drivers/usb/" is shown as "drivers/usb",
// "./fs" as "fs", "." as nothing (its files are named "fs/pipe.c").
ScanRoot root_from_argument(const std::string& arg);

// "drivers/usb/" + "x.c" -> "drivers/usb/x.c"; "" + "x.c" -> "x.c".
std::string join_display(const std::string& dir, const std::string& name);

}  // namespace aio::scan
