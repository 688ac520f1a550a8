// SPDX-License-Identifier: GPL-2.0-only
//
// `check`: scan restricted to what a diff touches, and the policy that turns
// findings into an exit code. A fops is touched when a changed line falls in
// its initializer or in any function on its handlers' paths (the called
// ones and the deferred ones), in any file of its module; a binary change
// or a copied file touches all of its lines, and a file deleted from (or
// renamed out of) a directory touches every fops left there.
//
// The gate fails closed: a tree that is not the diff's post-image, a file
// of the diff missing from it, or a file of a scanned directory that cannot
// be read is an input error (exit 2), never a pass; so is a diff with no C
// file in it, unless the caller allows an empty check.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/static_finding.h"
#include "model/static_verdict.h"
#include "scan/diff.h"
#include "scan/scanner.h"

namespace aio::scan {

// `--fail-on`: a comma-separated list of
//   a verdict        that verdict and every more severe one (model severity_rank)
//   a rule name      e.g. double-completion
//   contract         every contract finding
//   error|warning|note  every finding at or above that level
//   none             nothing fails
struct FailPolicy {
    std::optional<model::Verdict> verdict;
    std::optional<model::Severity> level;
    std::set<model::Contract> contracts;
};
FailPolicy parse_fail_on(std::string_view text);  // throws aio::UsageError
bool fails(const FailPolicy& policy, const model::StaticFinding& f);

// `--ignore RULE[,RULE...]` (repeatable): rule names, checked.
std::set<std::string> parse_ignore(const std::vector<std::string>& items);  // throws aio::UsageError

// `/* aio-audit: ignore no-cancel, nowait-ignored */` (or `// ...`, or
// `ignore all`) in a source line: the rule names it lists; unknown names go
// to `unknown`.
std::optional<std::set<std::string>> suppression_in(std::string_view line, std::vector<std::string>* unknown);

struct CheckSettings {
    FailPolicy policy;
    std::set<std::string> ignore;
    ScanOptions base;  // jobs, limits
};

struct CheckReport {
    std::vector<model::FopsReport> fops;          // touched by the diff
    std::vector<model::StaticFinding> findings;   // of those, suppressed ones included
    std::vector<std::string> warnings;
    std::vector<std::string> c_files;             // .c/.h files the diff changes (post-image paths)
    std::size_t dirs_scanned = 0;
    std::size_t fops_scanned = 0;                 // in the scanned directories
    bool empty() const { return c_files.empty(); }
    bool failed() const;                          // an unsuppressed finding matches --fail-on
};

// `tree` is the post-image; diff paths are relative to it.
CheckReport check_diff(const DiffTouches& diff, const std::string& tree, const CheckSettings& settings);

// 0 pass, 1 a finding fails, 2 nothing was checked (unless allowed).
int check_exit_code(const CheckReport& report, bool allow_empty);

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

// `--git-range A..B` in `repo`: the diff, and the tree holding B's version
// of the directories it touches, read from git's object store into a
// temporary directory (so that neither a dirty work tree nor a checkout
// of something else can change what is checked). `A..` (no B) and a
// single revision compare against the work tree, which is then the tree.
struct GitRangeInput {
    std::string diff;
    std::string tree;
    TempDir temp;
    std::string post_image;  // "work tree" or B's commit id
};
GitRangeInput git_range_input(const std::string& repo, const std::string& range);

}  // namespace aio::scan
