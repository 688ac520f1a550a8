// SPDX-License-Identifier: GPL-2.0-only
#include "model/histogram.h"

#include <algorithm>
#include <cmath>

namespace aio::model {

void Log2Hist::add(std::uint64_t value, std::uint64_t n)
{
    slots_[aio_audit_log2_slot(value)] += n;
    sum_ += value * n;
}

void Log2Hist::add_slot(std::size_t slot, std::uint64_t n)
{
    slots_[std::min(slot, kSlots - 1)] += n;
}

void Log2Hist::merge(const Log2Hist& other)
{
    for (std::size_t i = 0; i < kSlots; ++i)
        slots_[i] += other.slots_[i];
    sum_ += other.sum_;
}

std::uint64_t Log2Hist::count() const
{
    std::uint64_t sum = 0;
    for (auto c : slots_)
        sum += c;
    return sum;
}

std::uint64_t Log2Hist::slot_low(std::size_t i)
{
    return i == 0 ? 0 : (std::uint64_t{1} << i);
}

std::uint64_t Log2Hist::slot_high(std::size_t i)
{
    return i >= 63 ? UINT64_MAX : (std::uint64_t{1} << (i + 1)) - 1;
}

std::uint64_t Log2Hist::quantile_upper_bound(double q) const
{
    const auto total = count();
    if (total == 0)
        return 0;
    const auto rank = static_cast<std::uint64_t>(std::ceil(std::clamp(q, 0.0, 1.0) * static_cast<double>(total)));
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < kSlots; ++i) {
        seen += slots_[i];
        if (seen >= std::max<std::uint64_t>(rank, 1))
            return slot_high(i);
    }
    return slot_high(kSlots - 1);
}

}  // namespace aio::model
