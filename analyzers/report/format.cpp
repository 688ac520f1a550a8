// SPDX-License-Identifier: GPL-2.0-only
#include "report/format.h"

#include <fmt/format.h>

namespace aio::report {

std::size_t display_width(std::string_view utf8)
{
    std::size_t n = 0;
    for (unsigned char c : utf8)
        if ((c & 0xC0) != 0x80)
            ++n;
    return n;
}

std::string format_ns(std::uint64_t ns)
{
    const double v = static_cast<double>(ns);
    if (ns < 1'000)
        return fmt::format("{}ns", ns);
    if (ns < 1'000'000)
        return fmt::format("{:.{}f}µs", v / 1e3, ns < 100'000 ? 1 : 0);
    if (ns < 1'000'000'000)
        return fmt::format("{:.{}f}ms", v / 1e6, ns < 100'000'000 ? 1 : 0);
    return fmt::format("{:.2f}s", v / 1e9);
}

std::string format_percent(double fraction)
{
    const double pct = fraction * 100.0;
    if (pct > 0.0 && pct < 1.0)
        return fmt::format("{:.1f}%", pct);
    return fmt::format("{:.0f}%", pct);
}

std::string format_shares(const model::VerdictTally& tally)
{
    if (tally.total() == 0)
        return "-";
    if (!tally.mixed())
        return std::string(model::name(tally.dominant()));
    std::string out;
    for (const auto& [verdict, share] : tally.shares()) {
        if (!out.empty())
            out += ", ";
        out += format_percent(share) + " " + std::string(model::name(verdict));
    }
    return out;
}

}  // namespace aio::report
