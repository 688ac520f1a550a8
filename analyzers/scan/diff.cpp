// SPDX-License-Identifier: GPL-2.0-only
#include "scan/diff.h"

#include <algorithm>
#include <charconv>

#include "model/errors.h"

namespace aio::scan {
namespace {

constexpr std::string_view kDevNull = "/dev/null";

[[noreturn]] void malformed(std::uint32_t patch_line, const std::string& what)
{
    throw UsageError("diff line " + std::to_string(patch_line) + ": " + what);
}

// One C-quoted string at the front of `s` (git's quote_c_style: \a \b \f \n
// \r \t \v \\ \" and three octal digits for any other byte); `s` is left
// after the closing quote.
std::optional<std::string> take_quoted(std::string_view& s)
{
    if (s.empty() || s.front() != '"')
        return std::nullopt;
    std::string out;
    for (std::size_t i = 1; i < s.size(); ++i) {
        const char c = s[i];
        if (c == '"') {
            s.remove_prefix(i + 1);
            return out;
        }
        if (c != '\\') {
            out += c;
            continue;
        }
        if (++i >= s.size())
            return std::nullopt;
        switch (s[i]) {
        case 'a': out += '\a'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'v': out += '\v'; break;
        case '\\': out += '\\'; break;
        case '"': out += '"'; break;
        default: {
            if (i + 2 >= s.size())
                return std::nullopt;
            int v = 0;
            for (int k = 0; k < 3; ++k) {
                const char d = s[i + static_cast<std::size_t>(k)];
                if (d < '0' || d > '7')
                    return std::nullopt;
                v = v * 8 + (d - '0');
            }
            if (v > 0xff)
                return std::nullopt;
            out += static_cast<char>(v);
            i += 2;
        }
        }
    }
    return std::nullopt;  // no closing quote
}

// The path on a ---/+++ line: quoted, or up to the TAB before a timestamp
// (git also ends names that contain a space with a TAB).
std::optional<std::string> header_path(std::string_view s, std::uint32_t patch_line)
{
    if (!s.empty() && s.front() == '"') {
        auto q = take_quoted(s);
        if (!q)
            malformed(patch_line, "malformed quoted path");
        return q;
    }
    if (const auto tab = s.find('\t'); tab != std::string_view::npos)
        s = s.substr(0, tab);
    if (s.empty())
        malformed(patch_line, "file header without a path");
    return std::string(s);
}

// "a/drivers/x.c" -> "drivers/x.c"; nullopt without a '/'.
std::optional<std::string_view> strip_component(std::string_view p)
{
    const auto slash = p.find('/');
    if (slash == std::string_view::npos || slash == 0)
        return std::nullopt;
    return p.substr(slash + 1);
}

// The two names of `diff --git A B`. Unquoted names may hold spaces: as
// git apply does, take the split where both names are equal after their
// first component (a/x b/x, c/x w/x), or equal outright (--no-prefix).
// A rename without quotes cannot be split that way; its rename headers
// name both sides.
std::optional<std::pair<std::string, std::string>> git_header_names(std::string_view rest)
{
    std::string a, b;
    if (!rest.empty() && rest.front() == '"') {
        auto q = take_quoted(rest);
        if (!q || rest.size() < 2 || rest.front() != ' ')
            return std::nullopt;
        rest.remove_prefix(1);
        a = std::move(*q);
        if (rest.front() == '"') {
            auto q2 = take_quoted(rest);
            if (!q2 || !rest.empty())
                return std::nullopt;
            b = std::move(*q2);
        } else {
            b = std::string(rest);
        }
        return std::make_pair(a, b);
    }
    if (const auto q = rest.find(" \""); q != std::string_view::npos && rest.back() == '"') {
        std::string_view second = rest.substr(q + 1);
        if (auto u = take_quoted(second); u && second.empty())
            return std::make_pair(std::string(rest.substr(0, q)), std::move(*u));
    }
    for (std::size_t sp = rest.find(' '); sp != std::string_view::npos; sp = rest.find(' ', sp + 1)) {
        const std::string_view l = rest.substr(0, sp), r = rest.substr(sp + 1);
        if (l == r)
            return std::make_pair(std::string(l), std::string(r));
        const auto sl = strip_component(l), sr = strip_component(r);
        if (sl && sr && *sl == *sr)
            return std::make_pair(std::string(l), std::string(r));
    }
    return std::nullopt;
}

struct Hunk {
    std::uint32_t old_first = 0, old_count = 0;  // old_first: the first old line it covers
    std::uint32_t new_first = 0, new_count = 0;
    std::string ops;  // ' ', '-', '+' per body line
};

// Where line `l` of a file's pre-image is in its post-image, through one
// section's hunks (a later patch of a series moves an earlier one's lines).
std::uint32_t remap(std::uint32_t l, const std::vector<Hunk>& hunks)
{
    std::int64_t shift = 0;
    for (const Hunk& h : hunks) {
        if (l < h.old_first)
            break;
        if (l < h.old_first + h.old_count) {
            std::uint32_t o = h.old_first, n = h.new_first;
            for (char op : h.ops) {
                if (op == '+') {
                    ++n;
                    continue;
                }
                if (o == l)
                    return n;  // a removed line maps to the line after it
                ++o;
                if (op == ' ')
                    ++n;
            }
            return n;
        }
        shift = static_cast<std::int64_t>(h.new_first + h.new_count) -
                static_cast<std::int64_t>(h.old_first + h.old_count);
    }
    return static_cast<std::uint32_t>(std::max<std::int64_t>(1, l + shift));
}

struct Section {
    std::uint32_t header_line = 0;
    bool git = false;
    std::optional<std::pair<std::string, std::string>> names;  // diff --git A B
    std::optional<std::string> minus, plus;                    // --- and +++ paths, prefixes on
    std::string rename_from, rename_to, copy_from, copy_to;
    bool new_file = false, deleted_file = false, binary = false;
    bool headers_done = false;  // past git's extended headers (a commit message may follow)
    std::vector<Hunk> hunks;
    std::vector<TouchedLine> lines;
};

// How many leading components the section's paths carry: 1 for a/ b/,
// mnemonic prefixes and `diff -ur old/ new/`; 0 for --no-prefix and for
// `diff -u x.c y.c`.
int prefix_depth(const Section& s)
{
    auto depth_of = [](std::string_view a, std::string_view b) {
        if (a == b)
            return 0;
        const auto sa = strip_component(a), sb = strip_component(b);
        if (sa && sb && *sa == *sb)
            return 1;
        // A rename: the prefixes are one letter each (git's a/ b/, c/ w/,
        // i/ w/, o/ w/) when there are any.
        const auto pa = a.find('/'), pb = b.find('/');
        return pa == 1 && pb == 1 && a[0] != b[0] ? 1 : 0;
    };
    if (s.names)
        return depth_of(s.names->first, s.names->second);
    if (s.minus && s.plus && *s.minus != kDevNull && *s.plus != kDevNull)
        return depth_of(*s.minus, *s.plus);
    // One side is /dev/null and there is no git header: only git's own
    // a/ and b/ are recognized.
    const std::string& p = s.plus && *s.plus != kDevNull ? *s.plus : s.minus.value_or("");
    return p.starts_with("a/") || p.starts_with("b/") ? 1 : 0;
}

std::string strip(const std::string& p, int depth)
{
    if (depth == 0)
        return p;
    if (auto s = strip_component(p))
        return std::string(*s);
    return p;
}

class Parser {
public:
    explicit Parser(std::string_view text)
    {
        for (std::size_t pos = 0; pos < text.size();) {
            const auto nl = text.find('\n', pos);
            const auto end = nl == std::string_view::npos ? text.size() : nl;
            std::string_view l = text.substr(pos, end - pos);
            if (!l.empty() && l.back() == '\r')
                l.remove_suffix(1);
            lines_.push_back(l);
            pos = end + 1;
        }
    }

    DiffTouches run()
    {
        bool any_header = false;
        for (std::size_t i = 0; i < lines_.size(); ++i) {
            const std::string_view l = lines_[i];
            const auto patch_line = static_cast<std::uint32_t>(i + 1);
            if (in_hunk()) {
                body_line(l, patch_line);
                continue;
            }
            if (l.starts_with("diff --git ")) {
                any_header = true;
                finish();
                cur_.emplace();
                cur_->git = true;
                cur_->header_line = patch_line;
                cur_->names = git_header_names(l.substr(11));
                continue;
            }
            if (l.starts_with("diff --cc ") || l.starts_with("diff --combined "))
                throw UsageError("diff line " + std::to_string(patch_line) +
                                     ": a combined diff (of a merge) is not supported",
                                 "give `git diff A..B` or `git format-patch` output, or use --git-range");
            if (l.starts_with("--- ") && i + 1 < lines_.size() && lines_[i + 1].starts_with("+++ ")) {
                any_header = true;
                // A git section takes its own ---/+++; anything else starts a plain one.
                if (!cur_ || !cur_->git || cur_->minus || cur_->headers_done) {
                    finish();
                    cur_.emplace();
                    cur_->header_line = patch_line;
                }
                cur_->minus = header_path(l.substr(4), patch_line);
                cur_->plus = header_path(lines_[i + 1].substr(4), patch_line + 1);
                ++i;
                continue;
            }
            if (l.starts_with("@@ ")) {
                if (!cur_ || (!cur_->plus && !cur_->names))
                    malformed(patch_line, "hunk without a file header");
                hunk_header(l, patch_line);
                continue;
            }
            if (l.starts_with("Binary files ") && l.ends_with(" differ")) {
                any_header = true;
                if (!cur_ || !cur_->git)
                    binary_plain(l, patch_line);
                else
                    cur_->binary = true;
                continue;
            }
            if (!cur_ || !cur_->git || cur_->minus || cur_->headers_done)
                continue;  // commit messages, mail headers, diffstat, signatures
            // git's extended headers, right after `diff --git`.
            if (l == "GIT binary patch")
                cur_->binary = true;
            else if (l.starts_with("new file mode "))
                cur_->new_file = true;
            else if (l.starts_with("deleted file mode "))
                cur_->deleted_file = true;
            else if (l.starts_with("rename from "))
                cur_->rename_from = path_field(l.substr(12), patch_line);
            else if (l.starts_with("rename to "))
                cur_->rename_to = path_field(l.substr(10), patch_line);
            else if (l.starts_with("copy from "))
                cur_->copy_from = path_field(l.substr(10), patch_line);
            else if (l.starts_with("copy to "))
                cur_->copy_to = path_field(l.substr(8), patch_line);
            else if (!l.starts_with("index ") && !l.starts_with("old mode ") && !l.starts_with("new mode ") &&
                     !l.starts_with("similarity index ") && !l.starts_with("dissimilarity index "))
                cur_->headers_done = true;
        }
        finish();
        const bool blank = std::all_of(lines_.begin(), lines_.end(), [](std::string_view l) {
            return l.find_first_not_of(" \t") == std::string_view::npos;
        });
        if (!any_header && !blank)
            throw UsageError("the input is not a unified diff (no ---/+++ file headers)",
                             "give the output of `git diff`, `git format-patch` or `diff -u`");
        for (auto& [path, f] : out_.files) {
            std::stable_sort(f.lines.begin(), f.lines.end(),
                             [](const TouchedLine& a, const TouchedLine& b) { return a.line < b.line; });
            // One entry per line: the latest patch's (its text is the post-image's).
            std::vector<TouchedLine> unique;
            for (auto& t : f.lines) {
                if (!unique.empty() && unique.back().line == t.line) {
                    unique.back().added = unique.back().added || t.added;
                    unique.back().patch_line = std::min(unique.back().patch_line, t.patch_line);
                    if (t.text)
                        unique.back().text = std::move(t.text);
                    continue;
                }
                unique.push_back(std::move(t));
            }
            f.lines = std::move(unique);
        }
        return std::move(out_);
    }

private:
    bool in_hunk() const { return cur_ && (old_left_ > 0 || new_left_ > 0); }

    static std::string path_field(std::string_view s, std::uint32_t patch_line)
    {
        if (!s.empty() && s.front() == '"') {
            auto q = take_quoted(s);
            if (!q || !s.empty())
                malformed(patch_line, "malformed quoted path");
            return *q;
        }
        return std::string(s);
    }

    void body_line(std::string_view l, std::uint32_t patch_line)
    {
        const char c = l.empty() ? ' ' : l.front();
        Hunk& h = cur_->hunks.back();
        if (c == ' ') {
            h.ops += ' ';
            ++new_line_;
            old_left_ -= old_left_ > 0;
            new_left_ -= new_left_ > 0;
        } else if (c == '+') {
            h.ops += '+';
            cur_->lines.push_back({new_line_, patch_line, true, std::string(l.substr(1))});
            ++new_line_;
            new_left_ -= new_left_ > 0;
        } else if (c == '-') {
            h.ops += '-';
            cur_->lines.push_back({new_line_, patch_line, false, std::nullopt});
            old_left_ -= old_left_ > 0;
        } else if (c == '\\') {
            // "\ No newline at end of file"
        } else {
            malformed(patch_line, "the hunk ends early (its header counts more lines)");
        }
    }

    static bool parse_range(std::string_view& s, std::uint32_t& start, std::uint32_t& count)
    {
        auto num = [&](std::uint32_t& out) {
            const auto* b = s.data();
            const auto [p, ec] = std::from_chars(b, b + s.size(), out);
            if (ec != std::errc() || p == b)
                return false;
            s.remove_prefix(static_cast<std::size_t>(p - b));
            return true;
        };
        if (!num(start))
            return false;
        count = 1;
        if (!s.empty() && s.front() == ',') {
            s.remove_prefix(1);
            if (!num(count))
                return false;
        }
        return true;
    }

    void hunk_header(std::string_view l, std::uint32_t patch_line)
    {
        std::string_view s = l.substr(3);
        std::uint32_t old_start = 0, new_start = 0, old_count = 0, new_count = 0;
        if (s.empty() || s.front() != '-')
            malformed(patch_line, "malformed hunk header");
        s.remove_prefix(1);
        if (!parse_range(s, old_start, old_count) || !s.starts_with(" +"))
            malformed(patch_line, "malformed hunk header");
        s.remove_prefix(2);
        if (!parse_range(s, new_start, new_count) || !s.starts_with(" @@"))
            malformed(patch_line, "malformed hunk header");
        // A zero-length range ("-12,0", "+12,0") sits after line 12.
        Hunk h;
        h.old_first = old_count == 0 ? old_start + 1 : old_start;
        h.old_count = old_count;
        h.new_first = new_count == 0 ? new_start + 1 : new_start;
        h.new_count = new_count;
        cur_->hunks.push_back(std::move(h));
        old_left_ = old_count;
        new_left_ = new_count;
        new_line_ = cur_->hunks.back().new_first;
    }

    // "Binary files a/x.bin and b/x.bin differ" without a git header.
    void binary_plain(std::string_view l, std::uint32_t patch_line)
    {
        std::string_view names = l.substr(13, l.size() - 13 - 7);
        const auto sep = names.find(" and ");
        finish();
        cur_.emplace();
        cur_->header_line = patch_line;
        if (sep == std::string_view::npos)
            malformed(patch_line, "malformed 'Binary files' line");
        cur_->minus = std::string(names.substr(0, sep));
        cur_->plus = std::string(names.substr(sep + 5));
        cur_->binary = true;
    }

    void finish()
    {
        old_left_ = new_left_ = 0;
        if (!cur_)
            return;
        Section s = std::move(*cur_);
        cur_.reset();
        const int depth = prefix_depth(s);
        TouchedFile f;
        f.header_line = s.header_line;
        f.binary = s.binary;
        f.whole = s.binary;
        f.lines = std::move(s.lines);
        if (!s.rename_to.empty() || !s.copy_to.empty()) {
            const bool copy = s.rename_to.empty();
            f.path = copy ? s.copy_to : s.rename_to;
            f.old_path = copy ? s.copy_from : s.rename_from;
            f.change = copy ? FileChange::copied : FileChange::renamed;
            f.whole = f.whole || copy;
        } else if (s.plus && *s.plus != kDevNull) {
            f.path = strip(*s.plus, depth);
            f.change = s.minus && *s.minus == kDevNull ? FileChange::added : FileChange::modified;
        } else if (s.minus && *s.minus != kDevNull) {
            f.path = strip(*s.minus, depth);
            f.change = FileChange::deleted;
        } else if (s.names) {
            f.path = strip(s.deleted_file ? s.names->first : s.names->second, depth);
            f.change = FileChange::modified;
        } else {
            // A git header that could not be split (unquoted names with
            // spaces that differ) and nothing else naming the file.
            malformed(s.header_line, "cannot tell the file names apart in this header");
        }
        if (s.new_file)
            f.change = FileChange::added;
        if (s.deleted_file)
            f.change = FileChange::deleted;
        merge(std::move(f), s.hunks);
    }

    // A file a series already touched: move its earlier lines to where
    // this patch puts them, then add this patch's lines.
    void merge(TouchedFile f, const std::vector<Hunk>& hunks)
    {
        const std::string from = f.change == FileChange::renamed ? f.old_path : f.path;
        auto it = out_.files.find(from);
        if (f.change == FileChange::deleted) {
            f.lines.clear();
            out_.files.insert_or_assign(f.path, std::move(f));
            return;
        }
        if (it != out_.files.end() && f.change != FileChange::copied && f.change != FileChange::added &&
            it->second.change != FileChange::deleted) {
            TouchedFile earlier = std::move(it->second);
            out_.files.erase(it);
            for (auto& t : earlier.lines)
                f.lines.push_back({remap(t.line, hunks), t.patch_line, t.added, std::nullopt});
            f.whole = f.whole || earlier.whole;
            f.binary = f.binary || earlier.binary;
            f.header_line = earlier.header_line;
            if (earlier.change == FileChange::added || earlier.change == FileChange::copied) {
                f.change = earlier.change;
                f.old_path = earlier.old_path;
            } else if (f.change == FileChange::modified && earlier.change == FileChange::renamed) {
                f.change = FileChange::renamed;
                f.old_path = earlier.old_path;
            }
        }
        out_.files.insert_or_assign(f.path, std::move(f));
    }

    std::vector<std::string_view> lines_;
    std::optional<Section> cur_;
    std::uint32_t new_line_ = 0, old_left_ = 0, new_left_ = 0;
    DiffTouches out_;
};

}  // namespace

std::string_view name(FileChange c)
{
    switch (c) {
    case FileChange::modified: return "modified";
    case FileChange::added: return "added";
    case FileChange::deleted: return "deleted";
    case FileChange::renamed: return "renamed";
    case FileChange::copied: return "copied";
    }
    return "modified";
}

std::optional<std::string> unquote_c_style(std::string_view quoted)
{
    auto out = take_quoted(quoted);
    if (!out || !quoted.empty())
        return std::nullopt;
    return out;
}

DiffTouches parse_unified_diff(std::string_view text)
{
    return Parser(text).run();
}

}  // namespace aio::scan
