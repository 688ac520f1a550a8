// SPDX-License-Identifier: GPL-2.0-only
#include "scan/check.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "model/errors.h"
#include "model/verdict_rules.h"
#include "scan/git.h"

namespace aio::scan {
namespace {

std::string handlers_text(const model::FopsReport& f)
{
    std::string s;
    for (const auto& h : f.handlers) {
        s += s.empty() ? " (" : ", ";
        s += std::string(model::name(h.op)) + "=" + h.handler;
    }
    return s.empty() ? s : s + ")";
}

std::string dir_of(const std::string& path)
{
    const auto slash = path.rfind('/');
    return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

bool is_c_source(const std::string& p)
{
    return p.size() > 2 && p[p.size() - 2] == '.' && (p.back() == 'c' || p.back() == 'h');
}

}  // namespace

FailPolicy parse_fail_on(std::string_view text)
{
    FailPolicy p;
    std::size_t pos = 0;
    while (pos <= text.size()) {
        const auto comma = text.find(',', pos);
        std::string_view item =
            text.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
        while (!item.empty() && item.front() == ' ')
            item.remove_prefix(1);
        while (!item.empty() && item.back() == ' ')
            item.remove_suffix(1);
        if (item == "contract") {
            p.contracts.insert(model::kAllContracts.begin(), model::kAllContracts.end());
        } else if (item == "none" || item.empty()) {
        } else if (item == "error") {
            p.level = model::Severity::error;
        } else if (item == "warning") {
            p.level = model::Severity::warning;
        } else if (item == "note") {
            p.level = model::Severity::note;
        } else if (auto c = model::parse_contract(item)) {
            p.contracts.insert(*c);
        } else if (auto v = model::parse_verdict(item)) {
            if (!p.verdict || model::severity_rank(*v) > model::severity_rank(*p.verdict))
                p.verdict = *v;
        } else {
            throw UsageError(
                "--fail-on: unknown item '" + std::string(item) + "'",
                "use verdicts (fake-async, blocking, unknown, ...), contract kinds "
                "(queued-without-completion, "
                "double-completion, no-cancel, nowait-ignored), 'contract', error|warning|note, or none");
        }
        if (comma == std::string_view::npos)
            break;
        pos = comma + 1;
    }
    return p;
}

bool fails(const FailPolicy& policy, const CheckFinding& f)
{
    if (policy.level && f.severity >= *policy.level && f.severity != model::Severity::none)
        return true;
    if (f.verdict && policy.verdict &&
        model::severity_rank(*f.verdict) <= model::severity_rank(*policy.verdict))
        return true;
    return f.contract && policy.contracts.count(*f.contract) > 0;
}

bool CheckReport::failed() const
{
    return std::any_of(findings.begin(), findings.end(), [](const CheckFinding& f) { return f.fails; });
}

CheckReport check_diff(const DiffTouches& diff, const std::string& tree, const FailPolicy& policy,
                       const ScanOptions& base)
{
    CheckReport rep;
    std::set<std::string> dirs;
    for (const auto& [path, f] : diff.files) {
        if (!is_c_source(path))
            continue;
        ++rep.files_changed;
        if (!f.deleted)
            dirs.insert(dir_of(path));
    }
    ScanOptions opt = base;
    opt.roots.clear();
    for (const auto& d : dirs) {
        const std::string fs = d.empty() ? tree : tree + "/" + d;
        struct stat st {};
        if (::stat(fs.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
            rep.warnings.push_back((d.empty() ? "." : d) + ": in the diff but not in the tree " + tree);
            continue;
        }
        opt.roots.push_back({fs, d, false});
    }
    if (opt.roots.empty())
        return rep;
    ScanResult scanned = run_scan(opt);
    rep.warnings.insert(rep.warnings.end(), scanned.warnings.begin(), scanned.warnings.end());

    for (auto& f : scanned.fops) {
        const TouchedLine* first = nullptr;
        for (const auto& r : f.depends_on) {
            auto it = diff.files.find(r.file);
            if (it == diff.files.end())
                continue;
            for (const auto& t : it->second.lines)
                if (t.line >= r.first && t.line <= r.last && (!first || t.patch_line < first->patch_line))
                    first = &t;
        }
        if (!first)
            continue;
        const std::string who = f.name + handlers_text(f);
        if (model::severity(f.verdict) != model::Severity::none) {
            CheckFinding cf;
            cf.severity = model::severity(f.verdict);
            cf.rule = std::string(model::name(f.verdict));
            cf.verdict = f.verdict;
            cf.fops = f.name;
            cf.at = f.at;
            cf.patch_line = first->patch_line;
            cf.message = who + " is " + cf.rule + ": " + f.reason;
            cf.fails = fails(policy, cf);
            rep.findings.push_back(std::move(cf));
        }
        for (model::Contract c : f.findings) {
            CheckFinding cf;
            cf.severity = model::severity(c);
            cf.rule = std::string(model::name(c));
            cf.contract = c;
            cf.fops = f.name;
            cf.at = f.at;
            cf.patch_line = first->patch_line;
            cf.message = who + ": " + std::string(model::meaning(c));
            cf.fails = fails(policy, cf);
            rep.findings.push_back(std::move(cf));
        }
        rep.fops.push_back(std::move(f));
    }
    return rep;
}

TempDir& TempDir::operator=(TempDir&& o) noexcept
{
    if (this != &o) {
        TempDir gone(std::move(*this));
        path_ = std::exchange(o.path_, {});
    }
    return *this;
}

TempDir::~TempDir()
{
    if (path_.empty())
        return;
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

GitRangeInput git_range_input(const std::string& repo, const std::string& range)
{
    GitRangeInput in;
    if (range.empty() || range.front() == '-')
        throw UsageError("--git-range: '" + range + "' is not a revision range",
                         "e.g. --git-range origin/main..HEAD");
    const GitResult top = run_git(repo, {"rev-parse", "--show-toplevel"});
    if (top.status != 0)
        throw UsageError("--git-range: '" + repo + "' is not in a git repository: " + top.err);
    std::string root = top.out;
    while (!root.empty() && (root.back() == '\n' || root.back() == '\r'))
        root.pop_back();

    const GitResult d =
        run_git(root, {"diff", "--no-color", "--no-ext-diff", "--no-renames", "-U0", range, "--"});
    if (d.status != 0)
        throw UsageError("--git-range: git diff " + range + " failed: " + d.err);
    in.diff = d.out;
    in.tree = root;

    // The post-image: B. When B is not what is checked out, take B's
    // touched directories from git itself rather than the work tree.
    std::string b;
    if (auto dots = range.find("..."); dots != std::string::npos)
        b = range.substr(dots + 3);
    else if (auto two = range.find(".."); two != std::string::npos)
        b = range.substr(two + 2);
    if (b.empty())
        return in;  // A..: against the work tree, which is the post-image
    const GitResult rb = run_git(root, {"rev-parse", "--verify", "--quiet", b + "^{commit}"});
    const GitResult head = run_git(root, {"rev-parse", "--verify", "--quiet", "HEAD^{commit}"});
    if (rb.status != 0)
        throw UsageError("--git-range: unknown revision '" + b + "'");
    const DiffTouches touches = parse_unified_diff(in.diff);
    std::set<std::string> dirs;
    for (const auto& [path, f] : touches.files)
        if (!f.deleted && is_c_source(path))
            dirs.insert(dir_of(path));
    if (rb.out == head.out) {
        const GitResult dirty = run_git(root, {"diff", "--quiet", "HEAD", "--"});
        if (dirty.status == 1)
            in.warnings.push_back("the work tree has uncommitted changes; scanning it as the post-image of " +
                                  range);
        return in;
    }
    if (dirs.empty())
        return in;
    char tmpl[] = "/tmp/aio-audit-check-XXXXXX";
    if (!::mkdtemp(tmpl))
        throw EnvironmentError("cannot create a temporary directory: " + errno_text(errno));
    in.temp = TempDir(tmpl);
    const std::string tar = in.temp.path() + "/post-image.tar";
    std::vector<std::string> args = {"archive", "--format=tar", "-o", tar, b, "--"};
    for (const auto& dir : dirs)
        args.push_back(dir.empty() ? "." : dir);
    const GitResult ar = run_git(root, args);
    if (ar.status != 0)
        throw UsageError("--git-range: git archive " + b + " failed: " + ar.err);
    const std::string tree = in.temp.path() + "/tree";
    std::filesystem::create_directory(tree);
    const GitResult x = run_program("tar", {"-xf", tar, "-C", tree});
    if (x.status != 0)
        throw EnvironmentError("cannot unpack " + b + " with tar: " + x.err);
    in.tree = tree;
    return in;
}

}  // namespace aio::scan
