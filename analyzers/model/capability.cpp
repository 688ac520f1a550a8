// SPDX-License-Identifier: GPL-2.0-only
#include "model/capability.h"

namespace aio::model {

std::string_view name(CapStatus s)
{
    switch (s) {
    case CapStatus::yes: return "yes";
    case CapStatus::no: return "no";
    case CapStatus::warn: return "warn";
    case CapStatus::unknown: return "unknown";
    }
    return "unknown";
}

const Capability* find(const Capabilities& caps, std::string_view id)
{
    for (const auto& c : caps)
        if (c.id == id)
            return &c;
    return nullptr;
}

bool has(const Capabilities& caps, std::string_view id)
{
    const auto* c = find(caps, id);
    return c && c->status == CapStatus::yes;
}

}  // namespace aio::model
