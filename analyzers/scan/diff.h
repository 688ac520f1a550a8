// SPDX-License-Identifier: GPL-2.0-only
//
// Unified diffs, as `git diff`, `git format-patch` (one or a series) and
// `diff -u`/`diff -ur` write them: which lines of which post-image files
// they touch. Paths come out exactly as the files are named on disk: git's
// C-quoting ("b/f\303\251.c", \t, \", \\) is undone, a/ b/ prefixes, the
// mnemonic ones (c/ i/ w/ o/) and --no-prefix are told apart, and renames,
// copies, deletions and binary changes are recorded as such.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace aio::scan {

struct TouchedLine {
    std::uint32_t line = 0;        // in the post-image; a deletion touches the line after it
    std::uint32_t patch_line = 0;  // in the diff text (checkpatch's "#N")
    bool added = false;            // a '+' line (else the line after a '-')
    // A '+' line's text, to verify that a tree is this diff's post-image;
    // empty once a later patch of a series may have changed the line.
    std::optional<std::string> text;
};

enum class FileChange : std::uint8_t { modified, added, deleted, renamed, copied };
std::string_view name(FileChange c);

struct TouchedFile {
    std::string path;      // post-image path; for a deleted file, the path it had
    std::string old_path;  // renamed or copied: where from
    FileChange change = FileChange::modified;
    bool binary = false;
    // Every line counts as touched: a binary change (no line information)
    // or a copy (new code at a new path, though the diff shows only what
    // differs from its source).
    bool whole = false;
    std::uint32_t header_line = 0;   // the line of its header in the diff
    std::vector<TouchedLine> lines;  // sorted by line
};

struct DiffTouches {
    // By post-image path; deleted files by the path they had.
    std::map<std::string, TouchedFile> files;
};

// Throws aio::UsageError when the text is not empty and not a unified diff,
// when a hunk header or a quoted path is malformed, and for combined diffs
// (`diff --cc`, which only merges print).
DiffTouches parse_unified_diff(std::string_view text);

// git's C-quoting: `"a\303\251\t\"b\\"` -> the bytes it stands for. Returns
// nullopt when `quoted` is not one well-formed quoted string.
std::optional<std::string> unquote_c_style(std::string_view quoted);

}  // namespace aio::scan
