// SPDX-License-Identifier: GPL-2.0-only
//
// A report file rewritten while the run goes on (trace -i N --html FILE):
// each version is written to FILE.tmp in the same directory and renamed over
// FILE, so a reader - a browser's reload - sees the previous version or the
// new one, never half of one.
#pragma once

#include <functional>
#include <ostream>
#include <string>
#include <string_view>

namespace aio::report {

// Writes all of `data` to fd, resuming after short writes and EINTR; on
// failure sets err (errno, or EIO for a write that wrote nothing) and
// returns false. Every report file and --summary-file goes through it.
bool write_all(int fd, std::string_view data, int& err);

class FileRewriter {
public:
    using Render = std::function<void(std::ostream&)>;

    explicit FileRewriter(std::string path);

    // One version during the run. A failure (disk full) does not stop the
    // run: it returns the reason once, for a warning, and "" after that;
    // nothing is left at FILE.tmp.
    std::string refresh(const Render& render);
    // The last version; a failure throws aio::UsageError (exit 2), as a
    // report that cannot be written does.
    void finish(const Render& render);

    const std::string& path() const { return path_; }
    std::string temp_path() const { return path_ + ".tmp"; }

private:
    std::string write(const Render& render);  // "" or why not
    std::string path_;
    bool warned_ = false;
};

}  // namespace aio::report
