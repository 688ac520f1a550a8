// SPDX-License-Identifier: GPL-2.0-only
//
// log2 histogram with the buckets of bcc's tools (slot i = [2^i, 2^(i+1)),
// slot 0 also holds 0). The slot function is the one in bpf/aio_audit.h, so
// histograms aggregated in the kernel and in user space line up. It also
// keeps the exact sum of the values added (the slots cannot give one).
#pragma once

#include <array>
#include <cstdint>
#include <iterator>

extern "C" {
#include "aio_audit.h"
}

namespace aio::model {

class Log2Hist {
public:
    static constexpr std::size_t kSlots = AIO_AUDIT_HIST_SLOTS;

    void add(std::uint64_t value, std::uint64_t n = 1);
    // Counts without values: whoever has their sum adds it with add_sum.
    void add_slot(std::size_t slot, std::uint64_t n);
    void add_sum(std::uint64_t sum) { sum_ += sum; }
    void merge(const Log2Hist& other);
    // Read a histogram aggregated elsewhere, e.g. a BPF map value's slots
    // and sum (__u64 is unsigned long long, std::uint64_t unsigned long: any
    // indexable range of unsigned counts will do).
    template <typename Slots>
    static Log2Hist from_slots(const Slots& slots, std::uint64_t sum = 0)
    {
        Log2Hist h;
        for (std::size_t i = 0; i < std::size(slots); ++i)
            h.add_slot(i, slots[i]);
        h.add_sum(sum);
        return h;
    }

    std::uint64_t count() const;
    // The sum of the values added (exact, not derived from the slots).
    std::uint64_t sum() const { return sum_; }
    std::uint64_t slot(std::size_t i) const { return slots_[i]; }
    const std::array<std::uint64_t, kSlots>& slots() const { return slots_; }
    // Inclusive value range covered by slot i.
    static std::uint64_t slot_low(std::size_t i);
    static std::uint64_t slot_high(std::size_t i);
    // Upper bound of the slot holding quantile q (0 < q <= 1): within a factor
    // of two of the true value, which is all a log2 histogram can promise.
    std::uint64_t quantile_upper_bound(double q) const;

private:
    std::array<std::uint64_t, kSlots> slots_{};
    std::uint64_t sum_ = 0;
};

}  // namespace aio::model
