// SPDX-License-Identifier: GPL-2.0-only
//
// Reading source files whole, and the checks every file gets before it is
// lexed: binary content and bytes that are not UTF-8.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace aio::scan {

// A file's bytes. Unlike std::string it does not zero memory that read()
// overwrites at once, which is a measurable share of a kernel-tree scan.
class Bytes {
public:
    Bytes() = default;
    Bytes(Bytes&& o) noexcept : data_(std::move(o.data_)), size_(o.size_), cap_(o.cap_) { o.size_ = o.cap_ = 0; }
    Bytes& operator=(Bytes&& o) noexcept
    {
        data_ = std::move(o.data_);
        size_ = o.size_;
        cap_ = o.cap_;
        o.size_ = o.cap_ = 0;
        return *this;
    }
    Bytes(const Bytes&) = delete;
    Bytes& operator=(const Bytes&) = delete;

    std::string_view view() const { return {data_.get(), size_}; }
    std::size_t size() const { return size_; }
    char* prepare(std::size_t n);  // capacity for n bytes; contents undefined
    void set_size(std::size_t n) { size_ = n; }
    void clear() { size_ = 0; }
    void release()
    {
        data_.reset();
        size_ = cap_ = 0;
    }

private:
    std::unique_ptr<char[]> data_;
    std::size_t size_ = 0;
    std::size_t cap_ = 0;
};

// Reads a regular file whole into `out` (reusing its capacity). Returns 0,
// or an errno; EINVAL when it is not a regular file, EFBIG when over `max`.
int read_file(const std::string& path, Bytes& out, std::size_t max = std::size_t{1} << 30);

bool looks_binary(std::string_view content);
// The 1-based line of the first byte sequence that is not UTF-8, if any.
std::optional<std::size_t> first_non_utf8_line(std::string_view content);

// Searches for `word` as a whole C identifier.
bool contains_word(std::string_view text, std::string_view word);

// Per-file problems: the scan goes on, and they are reported at the end.
// `unreadable` ones (a file or directory that could not be read) also make
// the result incomplete, which `scan` and `check` turn into their exit code;
// the others (binary files, symlink loops, bytes that are not UTF-8) do not.
class Warnings {
public:
    void add(std::string text);
    void unreadable(std::string text);
    std::vector<std::string> take();
    // Distinct unreadable files and directories so far.
    std::uint64_t unreadable_count();

private:
    std::mutex mu_;
    std::vector<std::string> items_;
    std::set<std::string> unreadable_;
};

}  // namespace aio::scan
