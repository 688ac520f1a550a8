// SPDX-License-Identifier: GPL-2.0-only
//
// One walk over a BPF hash map from user space, for plain and per-CPU maps
// and for per-CPU tables kept as slots: a per-CPU map's values are one per
// possible CPU, and the caller gets them folded into one by `add`. Entries
// deleted during the walk are skipped; the walk restarts nowhere
// (bpf_map_get_next_key from the last key).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

namespace aio::collector {

// Calls fn(key) for every key of the map.
template <typename Key, typename Fn>
void for_each_key(int fd, Fn&& fn)
{
    Key key{}, next{};
    Key* cur = nullptr;
    while (bpf_map_get_next_key(fd, cur, &next) == 0) {
        key = next;
        cur = &key;
        fn(static_cast<const Key&>(key));
    }
}

// Calls fn(key, value) for every entry of a plain map.
template <typename Key, typename Value, typename Fn>
void for_each_entry(int fd, Fn&& fn)
{
    Value value{};
    for_each_key<Key>(fd, [&](const Key& key) {
        if (bpf_map_lookup_elem(fd, &key, &value) == 0)
            fn(key, static_cast<const Value&>(value));
    });
}

// One entry of a per-CPU map: its CPUs' values folded by add(sum, one
// CPU's value) into sum; false when the key has no entry. values holds one
// Value per possible CPU.
template <typename Key, typename Value, typename Add>
bool percpu_sum(int fd, const Key& key, std::vector<Value>& values, Add&& add, Value& sum)
{
    static_assert(sizeof(Value) % 8 == 0, "the kernel lays per-CPU values out 8-byte aligned");
    if (bpf_map_lookup_elem(fd, &key, values.data()) != 0)
        return false;
    sum = Value{};
    for (const Value& v : values)
        add(sum, v);
    return true;
}

// Calls fn(key, sum) for every entry of a per-CPU map, where sum is the
// CPUs' values folded by add(sum, one_cpu's value).
template <typename Key, typename Value, typename Add, typename Fn>
void for_each_percpu_entry(int fd, Add&& add, Fn&& fn)
{
    const int ncpus = libbpf_num_possible_cpus();
    if (ncpus <= 0)
        return;
    std::vector<Value> values(static_cast<std::size_t>(ncpus));
    Value sum{};
    for_each_key<Key>(fd, [&](const Key& key) {
        if (percpu_sum(fd, key, values, add, sum))
            fn(key, static_cast<const Value&>(sum));
    });
}

// The same for a table kept as slots (bpf/trace/common.bpf.h): slots_fd maps
// each key to its index in the per-CPU array values_fd.
template <typename Key, typename Value, typename Add, typename Fn>
void for_each_percpu_slot(int slots_fd, int values_fd, Add&& add, Fn&& fn)
{
    const int ncpus = libbpf_num_possible_cpus();
    if (ncpus <= 0)
        return;
    std::vector<Value> values(static_cast<std::size_t>(ncpus));
    Value sum{};
    for_each_entry<Key, std::uint32_t>(slots_fd, [&](const Key& key, std::uint32_t slot) {
        if (percpu_sum(values_fd, slot, values, add, sum))
            fn(key, static_cast<const Value&>(sum));
    });
}

}  // namespace aio::collector
