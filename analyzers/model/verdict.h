// SPDX-License-Identifier: GPL-2.0-only
//
// The verdicts, defined once. Every subcommand (probe, trace, scan, check)
// names its results with this enum and derives them with the rules in
// verdict_rules.h; nothing else in the tree decides what "async" means.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace aio::model {

enum class Verdict : std::uint8_t {
    async,          // queued; completed from another context; submitter did not sleep
    sync,           // completed inline in the submitter's task, without sleeping
    blocking,       // the submitter slept inside submission
    fake_async,     // declares async, but waits for this request inside its own driver call
    thread_async,   // the caller does not block, but a thread does the blocking work
    unsupported,    // the operation is refused
    odirect_async,  // static only: delegates to generic direct I/O (async for O_DIRECT)
    unknown,        // the evidence does not decide (static: could not see through)
};

inline constexpr std::array kAllVerdicts{
    Verdict::async,       Verdict::sync,          Verdict::blocking,
    Verdict::fake_async,  Verdict::thread_async,  Verdict::unsupported,
    Verdict::odirect_async, Verdict::unknown,
};
inline constexpr std::size_t kVerdictCount = kAllVerdicts.size();

// The spelling users type and read: "fake-async", "thread-async", ...
std::string_view name(Verdict v);
std::optional<Verdict> parse_verdict(std::string_view text);
// One line, for --help and reports.
std::string_view meaning(Verdict v);

constexpr std::size_t index(Verdict v) { return static_cast<std::size_t>(v); }

}  // namespace aio::model
