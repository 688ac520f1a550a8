// SPDX-License-Identifier: GPL-2.0-only
#include "matrix/scenarios.h"

namespace aio::matrix {

std::string ScenarioSpec::id() const
{
    std::string s = std::string(direct ? "direct" : "buffered") + "/" + op + "/" +
                    (sector ? "sector" : "block") + "/q" + std::to_string(depth);
    if (dsync)
        s += "/dsync";
    if (nowait)
        s += "/nowait";
    return s;
}

const std::vector<ScenarioSpec>& scenarios()
{
    // fsqual (scylladb/fsqual, fsqual.cc main()) runs, all O_DIRECT through
    // libaio: its RWF_NOWAIT test (block-sized writes into holes), then
    // append q1 and q3, fill q3 and q7 (block), fill q1 (sector), overwrite
    // q1 (sector) without and with O_DSYNC, overwrite q3 O_DSYNC (sector),
    // and a sector-sized read at q30. Its "fill" writes into the holes of a
    // truncated file; probe's fallocated fill is the extra "fill-prealloc".
    static const std::vector<ScenarioSpec> all{
        {"fill-holes", true, false, 1, false, true, "fsqual nowait"},
        {"append", true, false, 1, false, false, "fsqual 1"},
        {"append", true, false, 3, false, false, "fsqual 2"},
        {"fill-holes", true, false, 3, false, false, "fsqual 3"},
        {"fill-holes", true, false, 7, false, false, "fsqual 4"},
        {"fill-holes", true, true, 1, false, false, "fsqual 5"},
        {"overwrite", true, true, 1, false, false, "fsqual 6"},
        {"overwrite", true, true, 1, true, false, "fsqual 7"},
        {"overwrite", true, true, 3, true, false, "fsqual 8"},
        {"read", true, true, 30, false, false, "fsqual 9"},
        {"fill-prealloc", true, false, 1, false, false, ""},
        {"overwrite", true, false, 1, false, false, ""},
        {"append", true, false, 1, true, false, ""},
        {"overwrite", true, false, 1, false, true, ""},
        {"append", true, false, 1, false, true, ""},
        {"read", false, false, 1, false, false, ""},
        {"overwrite", false, false, 1, false, false, ""},
        {"append", false, false, 1, false, false, ""},
    };
    return all;
}

}  // namespace aio::matrix
