// SPDX-License-Identifier: GPL-2.0-only
//
// The rows of every table: fsqual's scenarios (its O_DIRECT writes and read,
// in its order, with its depths and sizes), then the ones fsqual lacks and
// storage engines meet: writes into fallocated space, block-sized
// overwrites, O_DSYNC appends, RWF_NOWAIT on the other writes, and buffered
// I/O. docs/matrix.md maps each onto fsqual's and fio's words.
#pragma once

#include <string>
#include <vector>

namespace aio::matrix {

struct ScenarioSpec {
    std::string op;  // "read", "overwrite", "append", "fill-holes", "fill-prealloc"
    bool direct = true;
    bool sector = false;  // request size: the O_DIRECT granularity ("sector"), else the fs block
    unsigned depth = 1;   // requests kept in flight
    bool dsync = false;
    bool nowait = false;
    std::string fsqual;  // fsqual's matching test, e.g. "fsqual 3"; "" when it has none

    // Stable across runs: --compare matches rows on it.
    std::string id() const;
};

const std::vector<ScenarioSpec>& scenarios();

}  // namespace aio::matrix
