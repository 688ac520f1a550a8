// SPDX-License-Identifier: GPL-2.0-only
//
// Owning handles for libbpf objects: a link detaches, a skeleton unloads, a
// ring buffer is freed when its handle goes, in reverse order of creation
// when they are members declared in order of creation.
#pragma once

#include <memory>

#include <bpf/libbpf.h>

namespace aio::collector {

template <typename T, void (*Free)(T*)>
struct FreeWith {
    void operator()(T* p) const
    {
        if (p)
            Free(p);
    }
};

inline void destroy_link(bpf_link* l)
{
    bpf_link__destroy(l);
}

using Link = std::unique_ptr<bpf_link, FreeWith<bpf_link, destroy_link>>;
using RingBuffer = std::unique_ptr<ring_buffer, FreeWith<ring_buffer, ring_buffer__free>>;

// A bpftool-generated skeleton: Skeleton<trace, trace__destroy>.
template <typename T, void (*Destroy)(T*)>
using Skeleton = std::unique_ptr<T, FreeWith<T, Destroy>>;

}  // namespace aio::collector
