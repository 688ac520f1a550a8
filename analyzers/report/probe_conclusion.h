// SPDX-License-Identifier: GPL-2.0-only
//
// The words for `probe`'s conclusions: one or two sentences per target and
// the run's last line, from what model/probe_rules.h decided. Nothing here
// judges a measurement; it only says what the model concluded.
#pragma once

#include <string>

#include "model/probe_rules.h"

namespace aio::report {

// "ext4 on loop0: libaio O_DIRECT is async except appends, which block;
// buffered reads block. io_uring never blocks the caller (io-wq threads take
// buffered writes)." Unwrapped; empty when nothing was measured.
std::string conclusion_text(const model::TargetResult& t, const model::TargetConclusion& c);

// "io_uring and POSIX AIO never blocked the caller; libaio blocked on . (ext4):
// buffered read, O_DIRECT append."
std::string bottom_line_text(const model::BottomLine& b);

// Greedy word wrap to `width` columns, every line prefixed by `indent`.
std::string wrap(const std::string& text, std::size_t width, const std::string& indent);

// The same, with `first` starting the first line and the others indented
// to its width: "  inline?    complete when ..." with the text aligned.
std::string wrap_hanging(const std::string& first, const std::string& text, std::size_t width);

// "POSIX AIO" for posix; other engines by their own name.
std::string engine_display(const std::string& engine);

}  // namespace aio::report
