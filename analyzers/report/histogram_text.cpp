// SPDX-License-Identifier: GPL-2.0-only
#include "report/histogram_text.h"

#include <fmt/format.h>

namespace aio::report {
namespace {

constexpr int kStars = 40;

std::string stars(std::uint64_t value, std::uint64_t max)
{
    const int n = max ? static_cast<int>((value * kStars + max - 1) / max) : 0;
    std::string bar(static_cast<std::size_t>(std::min(n, kStars)), '*');
    bar.resize(kStars, ' ');
    return bar;
}

}  // namespace

void print_log2_hist(std::ostream& out, const model::Log2Hist& hist, std::string_view unit_label,
                     std::uint64_t unit_divisor)
{
    // Re-bucket into the printed unit so that the ranges read "16 -> 31 usecs"
    // rather than "16384 -> 32767 nsecs".
    model::Log2Hist scaled;
    for (std::size_t i = 0; i < model::Log2Hist::kSlots; ++i)
        if (hist.slot(i))
            scaled.add(model::Log2Hist::slot_low(i) / (unit_divisor ? unit_divisor : 1), hist.slot(i));

    int last = -1;
    std::uint64_t max = 0;
    for (std::size_t i = 0; i < model::Log2Hist::kSlots; ++i) {
        if (scaled.slot(i)) {
            last = static_cast<int>(i);
            max = std::max(max, scaled.slot(i));
        }
    }
    if (last < 0) {
        out << "     (no samples)\n";
        return;
    }
    out << fmt::format("{:>20} : count    distribution\n", unit_label);
    for (int i = 0; i <= last; ++i) {
        const auto idx = static_cast<std::size_t>(i);
        out << fmt::format("{:>10} -> {:<10}: {:<8} |{}|\n", model::Log2Hist::slot_low(idx),
                           model::Log2Hist::slot_high(idx), scaled.slot(idx),
                           stars(scaled.slot(idx), max));
    }
}

}  // namespace aio::report
