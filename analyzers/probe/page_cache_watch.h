// SPDX-License-Identifier: GPL-2.0-only
//
// Counts the pages added to one file's page cache, from the kernel's own
// filemap:mm_filemap_add_to_page_cache tracepoint in a private tracefs
// instance. mincore after a case finds pages that stayed; this also sees
// pages that an O_DIRECT write served through the page cache and then
// dropped before returning (btrfs writes back and invalidates them). Needs
// a writable tracefs (root); without it probe relies on mincore alone.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

namespace aio::probe {

class PageCacheWatch {
public:
    PageCacheWatch();
    ~PageCacheWatch();
    PageCacheWatch(const PageCacheWatch&) = delete;
    PageCacheWatch& operator=(const PageCacheWatch&) = delete;

    bool ok() const { return error_.empty(); }
    const std::string& error() const { return error_; }

    // Starts counting for the inode `ino` of the filesystem whose superblock
    // is `sb_major:sb_minor` (as /proc/self/mountinfo gives it). The event
    // stays enabled, filtered on that filesystem, until the watch ends.
    bool start(unsigned sb_major, unsigned sb_minor, ino_t ino);
    // Stops; the pages added since start(), or nullopt when the count is
    // not trustworthy (the trace buffer overran).
    std::optional<std::uint64_t> stop();

private:
    struct Drained {
        std::uint64_t pages = 0;
        bool lost = false;  // the buffer overran: the count is short
    };
    // Reads what the buffer holds; counts the pages of inode `ino`.
    Drained drain(ino_t ino) const;

    std::string instance_;
    std::string error_;
    bool enabled_ = false;
    unsigned long kdev_ = 0;
    ino_t ino_ = 0;
    bool started_ = false;
};

}  // namespace aio::probe
