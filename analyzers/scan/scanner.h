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
    unsigned jobs = 0;             // worker threads; 0: one per core
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
};

// Roots that do not exist are a usage error (aio::UsageError); everything
// per file is a warning.
ScanResult run_scan(const ScanOptions& options);

// A root as the user typed it: "drivers/usb/" is shown as "drivers/usb",
// "./fs" as "fs", "." as nothing (its files are named "fs/pipe.c").
ScanRoot root_from_argument(const std::string& arg);

// "drivers/usb/" + "x.c" -> "drivers/usb/x.c"; "" + "x.c" -> "x.c".
std::string join_display(const std::string& dir, const std::string& name);

}  // namespace aio::scan
