// SPDX-License-Identifier: GPL-2.0-only
//
// A flame graph drawn by aio-audit itself (no flamegraph.pl): stacks merged
// into a tree by frame name, each frame as wide as the weight (off-CPU
// time) of the stacks through it, callers below callees, siblings in name
// order as flamegraph.pl sorts them.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace aio::report {

struct WeightedStack {
    std::vector<std::string> frames;  // outermost first
    std::uint64_t weight = 0;
};

struct FlameFrame {
    std::string name;
    unsigned depth = 0;        // 0: outermost
    std::uint64_t start = 0;   // sum of the weights left of it
    std::uint64_t weight = 0;  // sum of the weights of the stacks through it
};

// Pre-order: each frame before its callees, siblings by name. Stacks with
// no frames or no weight are left out.
std::vector<FlameFrame> flame_layout(const std::vector<WeightedStack>& stacks);

// The SVG, with data-name/data-depth/data-start/data-weight on each frame
// and a <title> (shown on hover) with its weight formatted as time (ns).
void render_flame(std::ostream& out, const std::vector<FlameFrame>& frames, std::string_view label,
                  std::string_view attrs = {});

}  // namespace aio::report
