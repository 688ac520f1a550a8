// SPDX-License-Identifier: GPL-2.0-only
//
// One walk over a BPF hash map from user space, for plain and per-CPU maps:
// a per-CPU map's values are one per possible CPU, and the caller gets them
// folded into one by `add`. Entries deleted during the walk are skipped;
// the walk restarts nowhere (bpf_map_get_next_key from the last key).
#pragma once

#include <cstddef>
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

// Calls fn(key, sum) for every entry of a per-CPU map, where sum is the
// CPUs' values folded by add(sum, one_cpu's value).
template <typename Key, typename Value, typename Add, typename Fn>
void for_each_percpu_entry(int fd, Add&& add, Fn&& fn)
{
    static_assert(sizeof(Value) % 8 == 0, "the kernel lays per-CPU values out 8-byte aligned");
    const int ncpus = libbpf_num_possible_cpus();
    if (ncpus <= 0)
        return;
    std::vector<Value> values(static_cast<std::size_t>(ncpus));
    for_each_key<Key>(fd, [&](const Key& key) {
        if (bpf_map_lookup_elem(fd, &key, values.data()) != 0)
            return;
        Value sum{};
        for (const Value& v : values)
            add(sum, v);
        fn(key, static_cast<const Value&>(sum));
    });
}

}  // namespace aio::collector
