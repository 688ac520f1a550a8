// SPDX-License-Identifier: GPL-2.0-only
#include "model/verdict.h"

namespace aio::model {

std::string_view name(Verdict v)
{
    switch (v) {
    case Verdict::async: return "async";
    case Verdict::sync: return "sync";
    case Verdict::blocking: return "blocking";
    case Verdict::fake_async: return "fake-async";
    case Verdict::thread_async: return "thread-async";
    case Verdict::unsupported: return "unsupported";
    case Verdict::odirect_async: return "odirect-async";
    case Verdict::unknown: return "unknown";
    }
    return "unknown";
}

std::optional<Verdict> parse_verdict(std::string_view text)
{
    for (Verdict v : kAllVerdicts)
        if (name(v) == text)
            return v;
    // Accept the identifier spelling too, so "fake_async" is not a usage error.
    if (text == "fake_async") return Verdict::fake_async;
    if (text == "thread_async") return Verdict::thread_async;
    if (text == "odirect_async") return Verdict::odirect_async;
    return std::nullopt;
}

std::string_view meaning(Verdict v)
{
    switch (v) {
    case Verdict::async:
        return "queued and completed from another context; the submitter did not sleep";
    case Verdict::sync:
        return "completed inline in the submitter's own task without sleeping (a CPU copy)";
    case Verdict::blocking:
        return "the submitter slept inside submission";
    case Verdict::fake_async:
        return "declares async completion but waits for this request inside its own driver call";
    case Verdict::thread_async:
        return "the caller does not block, but a thread (io-wq, glibc helper) does the blocking work";
    case Verdict::unsupported:
        return "the operation is refused (-EINVAL, -EOPNOTSUPP, no read_iter/write_iter)";
    case Verdict::odirect_async:
        return "delegates to generic direct I/O: async for O_DIRECT only (static verdict)";
    case Verdict::unknown:
        return "the evidence does not decide";
    }
    return "";
}

}  // namespace aio::model
