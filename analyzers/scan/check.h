// SPDX-License-Identifier: GPL-2.0-only
//
// `check`: scan restricted to what a diff touches, and the policy that turns
// findings into an exit code. A fops is touched when a changed line falls in
// its initializer or in any function on its handlers' paths (the called
// ones and the deferred ones), in any file of its module.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/static_verdict.h"
#include "scan/diff.h"
#include "scan/scanner.h"

namespace aio::scan {

// `--fail-on`: a comma-separated list of
//   a verdict        that verdict and every more severe one (model severity_rank)
//   a contract kind  e.g. double-completion
//   contract         every contract finding
//   error|warning|note  every finding at or above that severity
//   none             nothing fails
struct FailPolicy {
    std::optional<model::Verdict> verdict;
    std::optional<model::Severity> level;
    std::set<model::Contract> contracts;
};
inline constexpr std::string_view kDefaultFailOn = "fake-async,contract";
FailPolicy parse_fail_on(std::string_view text);  // throws aio::UsageError

using model::CheckFinding;

bool fails(const FailPolicy& policy, const CheckFinding& f);

struct CheckReport {
    std::vector<model::FopsReport> fops;  // touched by the diff
    std::vector<CheckFinding> findings;
    std::vector<std::string> warnings;
    std::size_t files_changed = 0;  // C files in the diff
    bool failed() const;
};

// `tree` is the post-image; diff paths are relative to it.
CheckReport check_diff(const DiffTouches& diff, const std::string& tree, const FailPolicy& policy,
                       const ScanOptions& base = {});

// Removes its directory tree when it goes.
class TempDir {
public:
    TempDir() = default;
    explicit TempDir(std::string path) : path_(std::move(path)) {}
    TempDir(TempDir&& o) noexcept : path_(std::exchange(o.path_, {})) {}
    TempDir& operator=(TempDir&& o) noexcept;
    ~TempDir();
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

// `--git-range A..B` in `repo`: the diff, and the tree holding B (the work
// tree when B is checked out, else B's touched directories extracted with
// `git archive` into a temporary directory).
struct GitRangeInput {
    std::string diff;
    std::string tree;
    TempDir temp;
    std::vector<std::string> warnings;
};
GitRangeInput git_range_input(const std::string& repo, const std::string& range);

}  // namespace aio::scan
