// SPDX-License-Identifier: GPL-2.0-only
#include "scan/diff.h"

#include <algorithm>
#include <charconv>

#include "model/errors.h"

namespace aio::scan {
namespace {

// "b/drivers/x.c\t2024-01-01 ..." -> "drivers/x.c"
std::string header_path(std::string_view s)
{
    if (const auto tab = s.find('\t'); tab != std::string_view::npos)
        s = s.substr(0, tab);
    while (!s.empty() && (s.back() == '\r' || s.back() == ' '))
        s.remove_suffix(1);
    if (s.size() > 2 && s.front() == '"' && s.back() == '"')
        s = s.substr(1, s.size() - 2);
    if (s.starts_with("a/") || s.starts_with("b/"))
        s.remove_prefix(2);
    return std::string(s);
}

bool parse_range(std::string_view& s, std::uint32_t& start, std::uint32_t& count)
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

}  // namespace

DiffTouches parse_unified_diff(std::string_view text)
{
    DiffTouches out;
    std::vector<std::string_view> lines;
    for (std::size_t pos = 0; pos < text.size();) {
        const auto nl = text.find('\n', pos);
        const auto end = nl == std::string_view::npos ? text.size() : nl;
        std::string_view l = text.substr(pos, end - pos);
        if (!l.empty() && l.back() == '\r')
            l.remove_suffix(1);
        lines.push_back(l);
        pos = end + 1;
    }

    TouchedFile* cur = nullptr;
    std::uint32_t new_line = 0, old_left = 0, new_left = 0;
    bool any_header = false;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const std::string_view l = lines[i];
        const auto patch_line = static_cast<std::uint32_t>(i + 1);
        if (cur && (old_left > 0 || new_left > 0)) {
            const char c = l.empty() ? ' ' : l.front();
            if (c == ' ') {
                ++new_line;
                old_left -= old_left > 0;
                new_left -= new_left > 0;
                continue;
            }
            if (c == '+') {
                cur->lines.push_back({new_line, patch_line});
                ++new_line;
                new_left -= new_left > 0;
                continue;
            }
            if (c == '-') {
                cur->lines.push_back({new_line, patch_line});
                old_left -= old_left > 0;
                continue;
            }
            if (c == '\\')
                continue;             // "\ No newline at end of file"
            old_left = new_left = 0;  // a truncated hunk: read on as headers
        }
        if (l.starts_with("--- ") && i + 1 < lines.size() && lines[i + 1].starts_with("+++ ")) {
            const std::string old_path = header_path(l.substr(4));
            const std::string new_path = header_path(lines[i + 1].substr(4));
            any_header = true;
            const bool deleted = new_path == "/dev/null";
            const std::string& key = deleted ? old_path : new_path;
            cur = &out.files[key];
            cur->path = key;
            cur->deleted = deleted;
            ++i;
            continue;
        }
        if (l.starts_with("diff --git ")) {
            any_header = true;
            cur = nullptr;
            continue;
        }
        if (l.starts_with("@@ ")) {
            if (!cur)
                throw UsageError("diff line " + std::to_string(patch_line) + ": hunk without a file header");
            std::string_view s = l.substr(3);
            std::uint32_t old_start = 0, new_start = 0;
            if (s.empty() || s.front() != '-')
                throw UsageError("diff line " + std::to_string(patch_line) + ": malformed hunk header");
            s.remove_prefix(1);
            if (!parse_range(s, old_start, old_left) || !s.starts_with(" +"))
                throw UsageError("diff line " + std::to_string(patch_line) + ": malformed hunk header");
            s.remove_prefix(2);
            if (!parse_range(s, new_start, new_left))
                throw UsageError("diff line " + std::to_string(patch_line) + ": malformed hunk header");
            // A zero-length new range ("+12,0") sits after line 12.
            new_line = new_left == 0 ? new_start + 1 : new_start;
            continue;
        }
    }
    bool blank = std::all_of(text.begin(), text.end(),
                             [](char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; });
    if (!any_header && !blank)
        throw UsageError("the input is not a unified diff (no ---/+++ file headers)",
                         "give the output of `git diff`, `git format-patch` or `diff -u`");
    for (auto& [path, f] : out.files)
        std::stable_sort(f.lines.begin(), f.lines.end(),
                         [](const TouchedLine& a, const TouchedLine& b) { return a.line < b.line; });
    return out;
}

}  // namespace aio::scan
