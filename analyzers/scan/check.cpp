// SPDX-License-Identifier: GPL-2.0-only
#include "scan/check.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

#include "model/errors.h"
#include "model/verdict_rules.h"
#include "scan/file_io.h"
#include "scan/git.h"

namespace aio::scan {
namespace {

std::string dir_of(const std::string& path)
{
    const auto slash = path.rfind('/');
    return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

bool is_c_source(const std::string& p)
{
    return p.size() > 2 && p[p.size() - 2] == '.' && (p.back() == 'c' || p.back() == 'h');
}

std::string in_tree(const std::string& tree, const std::string& path)
{
    return path.empty() ? tree : tree + "/" + path;
}

std::string first_line(const std::string& text)
{
    std::string s = text.substr(0, text.find('\n'));
    while (!s.empty() && (s.back() == '\r' || s.back() == ' '))
        s.pop_back();
    return s;
}

bool is_rule_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

// The lines of the post-image files check looks at, read once each.
class Sources {
public:
    explicit Sources(std::string tree) : tree_(std::move(tree)) {}

    // Line `n` (1-based) of `path`, without its newline; nullopt past the end.
    std::optional<std::string_view> line(const std::string& path, std::uint32_t n)
    {
        const auto& ls = lines(path);
        if (n == 0 || n > ls.size())
            return std::nullopt;
        return std::string_view(ls[n - 1]);
    }

private:
    const std::vector<std::string>& lines(const std::string& path)
    {
        auto it = files_.find(path);
        if (it != files_.end())
            return it->second;
        Bytes b;
        const std::string fs = in_tree(tree_, path);
        if (const int err = read_file(fs, b); err != 0)
            throw UsageError("cannot read '" + fs + "': " + errno_text(err));
        std::vector<std::string> out;
        const std::string_view v = b.view();
        for (std::size_t pos = 0; pos < v.size();) {
            auto nl = v.find('\n', pos);
            if (nl == std::string_view::npos)
                nl = v.size();
            std::string_view l = v.substr(pos, nl - pos);
            if (!l.empty() && l.back() == '\r')
                l.remove_suffix(1);
            out.emplace_back(l);
            pos = nl + 1;
        }
        return files_.emplace(path, std::move(out)).first->second;
    }

    std::string tree_;
    std::map<std::string, std::vector<std::string>> files_;
};

// A file of the diff must be in the tree, and hold the lines the diff adds
// where it adds them: otherwise the tree is not this diff's post-image, and
// whatever check found there would not be about the patch.
void verify_post_image(const TouchedFile& f, const std::string& tree, Sources& sources)
{
    const std::string fs = in_tree(tree, f.path);
    struct stat st {};
    if (::stat(fs.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
        throw UsageError("'" + f.path + "' (changed by the diff) is not in the tree '" + tree + "'",
                         "--tree must be the post-image: the tree with the patch applied");
    if (f.binary)
        return;
    for (const auto& t : f.lines) {
        if (!t.text)
            continue;
        const auto have = sources.line(f.path, t.line);
        if (!have || *have != *t.text)
            throw UsageError("the tree '" + tree + "' is not the post-image of the diff: " + f.path + ":" +
                                 std::to_string(t.line) + " is not the line the diff adds there (diff line " +
                                 std::to_string(t.patch_line) + ")",
                             "apply the patch first (git am, git apply), or use --git-range");
    }
}

// A diff names files inside the tree; "../x.c" or "/etc/x.c" would make
// check read (and quote in its report) files outside it.
void require_inside(const std::string& path)
{
    bool up = path.empty() || path.front() == '/';
    for (std::size_t pos = 0; !up && pos <= path.size();) {
        auto slash = path.find('/', pos);
        if (slash == std::string::npos)
            slash = path.size();
        up = path.compare(pos, slash - pos, "..") == 0 && slash - pos == 2;
        pos = slash + 1;
    }
    if (up)
        throw UsageError("the diff names '" + path + "', which is not inside the tree",
                         "paths in a diff are relative to the tree's top");
}

struct Touch {
    std::uint32_t patch_line = 0;
    bool any = false;
    void at(std::uint32_t p)
    {
        if (!any || p < patch_line)
            patch_line = p;
        any = true;
    }
};

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
            throw UsageError("--fail-on: unknown item '" + std::string(item) + "'",
                             "use verdicts (fake-async, blocking, unknown, ...), rule names "
                             "(queued-without-completion, double-completion, no-cancel, nowait-ignored), "
                             "'contract', error|warning|note, or none");
        }
        if (comma == std::string_view::npos)
            break;
        pos = comma + 1;
    }
    return p;
}

bool fails(const FailPolicy& policy, const model::StaticFinding& f)
{
    const model::FindingRule& r = *f.rule;
    if (policy.level && r.level >= *policy.level && r.level != model::Severity::none)
        return true;
    if (r.verdict && policy.verdict && model::severity_rank(*r.verdict) <= model::severity_rank(*policy.verdict))
        return true;
    return r.contract && policy.contracts.count(*r.contract) > 0;
}

std::set<std::string> parse_ignore(const std::vector<std::string>& items)
{
    std::set<std::string> out;
    for (const auto& item : items) {
        std::size_t pos = 0;
        while (pos <= item.size()) {
            auto comma = item.find(',', pos);
            if (comma == std::string::npos)
                comma = item.size();
            std::string name = item.substr(pos, comma - pos);
            name.erase(0, name.find_first_not_of(' '));
            name.erase(name.find_last_not_of(' ') + 1);
            if (!name.empty()) {
                if (!model::find_rule(name)) {
                    std::string all;
                    for (const auto& r : model::finding_rules())
                        all += (all.empty() ? "" : ", ") + std::string(r.name);
                    throw UsageError("--ignore: unknown rule '" + name + "'", "rules: " + all);
                }
                out.insert(name);
            }
            pos = comma + 1;
        }
    }
    return out;
}

std::optional<std::set<std::string>> suppression_in(std::string_view line, std::vector<std::string>* unknown)
{
    const auto at = line.find("aio-audit:");
    if (at == std::string_view::npos)
        return std::nullopt;
    std::string_view s = line.substr(at + 10);
    s.remove_prefix(std::min(s.size(), s.find_first_not_of(" \t")));
    if (!s.starts_with("ignore"))
        return std::nullopt;
    s.remove_prefix(6);
    std::set<std::string> rules;
    for (;;) {
        s.remove_prefix(std::min(s.size(), s.find_first_not_of(" \t,")));
        std::size_t n = 0;
        while (n < s.size() && is_rule_char(s[n]))
            ++n;
        if (n == 0)
            break;
        const std::string name(s.substr(0, n));
        if (name == "all" || model::find_rule(name))
            rules.insert(name);
        else if (unknown)
            unknown->push_back(name);
        s.remove_prefix(n);
    }
    return rules;
}

bool CheckReport::failed() const
{
    return std::any_of(findings.begin(), findings.end(), [](const model::StaticFinding& f) {
        return f.fails && f.suppressed == model::Suppression::none;
    });
}

int check_exit_code(const CheckReport& report, bool allow_empty)
{
    if (report.empty() && !allow_empty)
        return kExitUsage;
    return report.failed() ? kExitFindings : kExitOk;
}

CheckReport check_diff(const DiffTouches& diff, const std::string& tree, const CheckSettings& settings)
{
    CheckReport rep;
    Sources sources(tree);
    std::set<std::string> dirs;
    std::map<std::string, std::uint32_t> lost;  // directories a C file left, and the diff line saying so
    auto lose = [&](const std::string& path, std::uint32_t header_line) {
        const std::string d = dir_of(path);
        struct stat st {};
        if (::stat(in_tree(tree, d).c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
            return;  // the whole directory went: nothing is left to break
        dirs.insert(d);
        auto [it, fresh] = lost.emplace(d, header_line);
        if (!fresh)
            it->second = std::min(it->second, header_line);
    };
    for (const auto& [path, f] : diff.files) {
        require_inside(path);
        if (!f.old_path.empty())
            require_inside(f.old_path);
        const bool c = is_c_source(path);
        if (f.change == FileChange::renamed && is_c_source(f.old_path) && dir_of(f.old_path) != dir_of(path))
            lose(f.old_path, f.header_line);
        if (!c)
            continue;
        rep.c_files.push_back(path);
        if (f.change == FileChange::deleted) {
            lose(path, f.header_line);
            continue;
        }
        verify_post_image(f, tree, sources);
        dirs.insert(dir_of(path));
    }
    if (dirs.empty())
        return rep;

    // The fops of the directories the diff touched are reported; the whole
    // tree is read to resolve their calls, as `scan .` would (a handler
    // whose helpers live in mm/ or fs/ is not `unknown` here and something
    // else in `scan`). Files outside those directories cannot make check
    // exit 2 by being unreadable: they are not what it reports on.
    ScanOptions opt = settings.base;
    opt.roots = {{tree, "", true}};
    opt.report_dirs.assign(dirs.begin(), dirs.end());
    rep.dirs_scanned = dirs.size();
    ScanResult scanned = run_scan(opt);
    if (scanned.unreadable > 0) {
        std::string first;
        for (const auto& w : scanned.warnings)
            if (w.find("cannot ") != std::string::npos) {
                first = w;
                break;
            }
        throw UsageError("cannot check: " + std::to_string(scanned.unreadable) +
                         " file(s) of the scanned directories cannot be read (" + first + ")");
    }
    rep.warnings = std::move(scanned.warnings);
    rep.fops_scanned = scanned.fops.size();

    for (auto& f : scanned.fops) {
        Touch touch;
        auto touch_file = [&](const std::string& file, std::uint32_t first, std::uint32_t last) {
            auto it = diff.files.find(file);
            if (it == diff.files.end() || it->second.change == FileChange::deleted)
                return;
            if (it->second.whole) {
                touch.at(it->second.header_line);
                return;
            }
            for (const auto& t : it->second.lines)
                if (t.line >= first && t.line <= last)
                    touch.at(t.patch_line);
        };
        for (const auto& r : f.depends_on)
            touch_file(r.file, r.first, r.last);
        touch_file(f.at.file, f.at.line, f.at.line);
        if (auto it = lost.find(dir_of(f.at.file)); it != lost.end())
            touch.at(it->second);
        if (!touch.any)
            continue;

        const TouchedFile* own = nullptr;
        if (auto it = diff.files.find(f.at.file); it != diff.files.end())
            own = &it->second;
        const auto here = sources.line(f.at.file, f.at.line);
        // A suppression comment on the fops's line or the line before it.
        std::set<std::string> suppressed;
        for (std::uint32_t n : {f.at.line, f.at.line > 1 ? f.at.line - 1 : 0u}) {
            const auto l = n ? sources.line(f.at.file, n) : std::nullopt;
            if (!l)
                continue;
            std::vector<std::string> unknown;
            if (auto s = suppression_in(*l, &unknown))
                suppressed.insert(s->begin(), s->end());
            for (const auto& u : unknown)
                rep.warnings.push_back(f.at.file + ":" + std::to_string(n) + ": unknown rule '" + u +
                                       "' in an aio-audit suppression comment");
        }
        for (auto& finding : model::findings_of(f)) {
            finding.patch_line = touch.patch_line;
            finding.source_line = here ? std::string(*here) : std::string();
            finding.line_added = own && (own->whole || std::any_of(own->lines.begin(), own->lines.end(),
                                                                   [&](const TouchedLine& t) {
                                                                       return t.added && t.line == f.at.line;
                                                                   }));
            const std::string name(finding.rule->name);
            if (suppressed.count(name) || suppressed.count("all"))
                finding.suppressed = model::Suppression::source;
            else if (settings.ignore.count(name))
                finding.suppressed = model::Suppression::option;
            finding.fails = fails(settings.policy, finding);
            rep.findings.push_back(std::move(finding));
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

namespace {

// B's version of the .c/.h files directly in `dirs`, written under `root`:
// `git ls-tree` names them (-z: raw bytes, no quoting), one `git cat-file
// --batch` reads them all.
void extract_dirs(const std::string& repo, const std::string& commit, const std::set<std::string>& dirs,
                  const std::string& root)
{
    std::vector<std::string> args = {"ls-tree", "-z", commit, "--"};
    for (const auto& d : dirs)
        args.push_back(d.empty() ? "." : d + "/");
    const GitResult ls = run_git(repo, args);
    if (ls.status != 0)
        throw UsageError("--git-range: git ls-tree " + commit + " failed: " + first_line(ls.err));
    std::vector<std::pair<std::string, std::string>> blobs;  // object id, path
    std::string request;
    for (std::size_t pos = 0; pos < ls.out.size();) {
        auto end = ls.out.find('\0', pos);
        if (end == std::string::npos)
            end = ls.out.size();
        const std::string entry = ls.out.substr(pos, end - pos);
        pos = end + 1;
        // "<mode> SP <type> SP <object> TAB <path>"
        const auto tab = entry.find('\t');
        if (tab == std::string::npos)
            continue;
        const std::string meta = entry.substr(0, tab), path = entry.substr(tab + 1);
        const auto s1 = meta.find(' '), s2 = meta.find(' ', s1 + 1);
        if (s1 == std::string::npos || s2 == std::string::npos)
            continue;
        if (meta.substr(0, s1) == "120000" || meta.substr(s1 + 1, s2 - s1 - 1) != "blob" || !is_c_source(path))
            continue;  // symlinks are not followed in a scan either
        blobs.emplace_back(meta.substr(s2 + 1), path);
        request += meta.substr(s2 + 1) + "\n";
    }
    for (const auto& d : dirs)
        std::filesystem::create_directories(in_tree(root, d));
    if (blobs.empty())
        return;
    const GitResult cat = run_git(repo, {"cat-file", "--batch"}, request);
    if (cat.status != 0)
        throw UsageError("--git-range: git cat-file failed: " + first_line(cat.err));
    std::size_t pos = 0;
    for (const auto& [id, path] : blobs) {
        // "<object> SP blob SP <size> LF <contents> LF"
        const auto nl = cat.out.find('\n', pos);
        if (nl == std::string::npos)
            throw EnvironmentError("--git-range: git cat-file ended early at " + path);
        const std::string header = cat.out.substr(pos, nl - pos);
        const auto sp = header.rfind(' ');
        const auto size = std::strtoull(header.c_str() + sp + 1, nullptr, 10);
        if (sp == std::string::npos || header.find(" blob ") == std::string::npos || nl + 1 + size > cat.out.size())
            throw EnvironmentError("--git-range: unexpected git cat-file answer for " + path + ": " + header);
        const std::string file = in_tree(root, path);
        std::ofstream out(file, std::ios::binary);
        out.write(cat.out.data() + nl + 1, static_cast<std::streamsize>(size));
        if (!out.flush())
            throw EnvironmentError("cannot write " + file);
        pos = nl + 1 + size + 1;
    }
}

}  // namespace

GitRangeInput git_range_input(const std::string& repo, const std::string& range)
{
    GitRangeInput in;
    if (range.empty() || range.front() == '-')
        throw UsageError("--git-range: '" + range + "' is not a revision range", "e.g. --git-range origin/main..HEAD");
    const GitResult top = run_git(repo, {"rev-parse", "--show-toplevel"});
    if (top.status != 0)
        throw UsageError("--git-range: '" + repo + "' is not in a git repository: " + first_line(top.err));
    std::string root = top.out;
    while (!root.empty() && (root.back() == '\n' || root.back() == '\r'))
        root.pop_back();

    // Renames are found (-M) so that a moved file is an edit at its new
    // path; copies are not (-C would show a new driver copied from an old
    // one as the few lines that differ, and check would miss the rest).
    const GitResult d = run_git(root, {"diff", "--no-color", "--no-ext-diff", "--no-textconv", "--src-prefix=a/",
                                       "--dst-prefix=b/", "--no-relative", "-M", "-U0", range, "--"});
    if (d.status != 0)
        throw UsageError("--git-range: git diff " + range + " failed: " + first_line(d.err));
    in.diff = d.out;
    in.tree = root;
    in.post_image = "work tree";

    std::string b;
    if (auto dots = range.find("..."); dots != std::string::npos)
        b = range.substr(dots + 3);
    else if (auto two = range.find(".."); two != std::string::npos)
        b = range.substr(two + 2);
    if (b.empty())
        return in;  // A.. or a single revision: against the work tree, which is the post-image
    const GitResult rb = run_git(root, {"rev-parse", "--verify", "--quiet", b + "^{commit}"});
    if (rb.status != 0)
        throw UsageError("--git-range: unknown revision '" + b + "'");
    const std::string commit = first_line(rb.out);
    in.post_image = commit;

    const DiffTouches touches = parse_unified_diff(in.diff);
    std::set<std::string> dirs;
    for (const auto& [path, f] : touches.files) {
        if (is_c_source(path))
            dirs.insert(dir_of(path));
        if (f.change == FileChange::renamed && is_c_source(f.old_path))
            dirs.insert(dir_of(f.old_path));
    }
    const char* tmpdir = std::getenv("TMPDIR");
    std::string tmpl = std::string(tmpdir && *tmpdir ? tmpdir : "/tmp") + "/aio-audit-check-XXXXXX";
    if (!::mkdtemp(tmpl.data()))
        throw EnvironmentError("cannot create a temporary directory in " + tmpl + ": " + errno_text(errno));
    in.temp = TempDir(tmpl);
    in.tree = in.temp.path() + "/tree";
    std::filesystem::create_directory(in.tree);
    // A directory B no longer has stays absent: check treats it as gone.
    std::set<std::string> present;
    for (const auto& dir : dirs) {
        if (dir.empty()) {
            present.insert(dir);
            continue;
        }
        const GitResult t = run_git(root, {"cat-file", "-t", commit + ":" + dir});
        if (t.status == 0 && first_line(t.out) == "tree")
            present.insert(dir);
    }
    extract_dirs(root, commit, present, in.tree);
    return in;
}

}  // namespace aio::scan
