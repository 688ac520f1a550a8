// SPDX-License-Identifier: GPL-2.0-only
#include <algorithm>

#include "model/matrix_result.h"

namespace aio::model {

std::vector<Verdict> headline_verdicts(const VerdictTally& tally, double threshold)
{
    std::vector<Verdict> out;
    if (tally.total() == 0)
        return out;
    out.push_back(tally.dominant());
    for (const auto& [v, share] : tally.shares())  // largest first
        if (v != out.front() && share >= threshold)
            out.push_back(v);
    return out;
}

std::string_view name(MatrixChange::Kind k)
{
    switch (k) {
    case MatrixChange::Kind::verdict: return "verdict";
    case MatrixChange::Kind::fsqual: return "fsqual";
    case MatrixChange::Kind::eagain: return "eagain";
    case MatrixChange::Kind::measured: return "measured";
    }
    return "?";
}

namespace {

bool fs_measured(const MatrixFs& fs)
{
    return fs.skipped.empty() && fs.error.empty() && !fs.scenarios.empty();
}

template <typename T, typename Key>
const T* find_by(const std::vector<T>& items, const Key& key, std::string T::*field)
{
    for (const auto& item : items)
        if (item.*field == key)
            return &item;
    return nullptr;
}

std::vector<Verdict> sorted_headline(const VerdictTally& tally)
{
    auto v = headline_verdicts(tally);
    // The dominant one first, the rest as a set: a minority that swapped
    // places with another is not a change of behaviour.
    if (v.size() > 2)
        std::sort(v.begin() + 1, v.end());
    return v;
}

// The tally with every `inline?` request read as async: what the cell would
// say if each of them was a fast device's completion.
VerdictTally inline_as_async(const MatrixCell& c)
{
    const auto moved = std::min<std::uint64_t>(c.ambiguous, c.tally.count(Verdict::sync));
    VerdictTally out;
    for (auto v : kAllVerdicts) {
        auto n = c.tally.count(v);
        if (v == Verdict::sync)
            n -= moved;
        if (v == Verdict::async)
            n += moved;
        out.add(v, n);
    }
    return out;
}

bool fsqual_bad(const MatrixCell& c)
{
    return c.switches_per_io && *c.switches_per_io >= kMatrixThreshold;
}

// The first kind of change between two cells of the same scenario, if any;
// `undecided` when the headlines differ only through `inline?` requests.
std::optional<MatrixChange::Kind> cell_change(const MatrixScenario& s, const MatrixCell& a,
                                              const MatrixCell& b, bool& undecided)
{
    undecided = false;
    if (a.measured() != b.measured())
        return MatrixChange::Kind::measured;
    if (!a.measured())
        return std::nullopt;
    if (sorted_headline(a.tally) != sorted_headline(b.tally)) {
        undecided = sorted_headline(inline_as_async(a)) == sorted_headline(inline_as_async(b));
        return MatrixChange::Kind::verdict;
    }
    if (a.switches_per_io && b.switches_per_io && fsqual_bad(a) != fsqual_bad(b))
        return MatrixChange::Kind::fsqual;
    if (s.nowait && (a.eagain_share() >= kMatrixThreshold) != (b.eagain_share() >= kMatrixThreshold))
        return MatrixChange::Kind::eagain;
    return std::nullopt;
}

}  // namespace

MatrixComparison compare(const MatrixReport& before, const MatrixReport& after)
{
    MatrixComparison cmp;
    cmp.before = &before;
    cmp.after = &after;
    for (const auto& fs_b : before.file_systems) {
        const MatrixFs* fs_a = find_by(after.file_systems, fs_b.id, &MatrixFs::id);
        if (fs_measured(fs_b) && (!fs_a || !fs_measured(*fs_a)))
            cmp.fs_only_before.push_back(fs_b.id);
    }
    for (const auto& fs_a : after.file_systems) {
        const MatrixFs* fs_b = find_by(before.file_systems, fs_a.id, &MatrixFs::id);
        if (!fs_measured(fs_a))
            continue;
        if (!fs_b || !fs_measured(*fs_b)) {
            cmp.fs_only_after.push_back(fs_a.id);
            continue;
        }
        for (const auto& sb : fs_b->scenarios)
            if (!find_by(fs_a.scenarios, sb.id, &MatrixScenario::id))
                cmp.scenarios_only_before.push_back(fs_a.id + "/" + sb.id);
        for (const auto& sa : fs_a.scenarios) {
            const MatrixScenario* sb = find_by(fs_b->scenarios, sa.id, &MatrixScenario::id);
            if (!sb) {
                cmp.scenarios_only_after.push_back(fs_a.id + "/" + sa.id);
                continue;
            }
            for (const auto& ca : sa.cells) {
                const MatrixCell* cb = find_by(sb->cells, ca.engine, &MatrixCell::engine);
                if (!cb)
                    continue;  // an engine left out of one run (-e) is not a change
                if (ca.measured() && cb->measured())
                    ++cmp.cells_compared;
                bool undecided = false;
                if (auto kind = cell_change(sa, *cb, ca, undecided))
                    (undecided ? cmp.undecided : cmp.changes)
                        .push_back({*kind, fs_a.id, sa.id, ca.engine, &sa, cb, &ca});
            }
        }
    }
    return cmp;
}

}  // namespace aio::model
