// SPDX-License-Identifier: GPL-2.0-only
//
// Probe results shaped like real runs, for the unit tests of the rules and
// the renderers: an ext4 temp file on a loop device, /dev/null, a missing
// target.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "model/probe_result.h"

namespace aio::test {

using namespace aio;

inline model::CaseResult make_case(const std::string& engine, const std::string& op, const std::string& mode,
                            std::vector<std::pair<model::Verdict, unsigned>> verdicts)
{
    model::CaseResult c;
    c.engine = engine;
    c.op = op;
    c.mode = mode;
    c.size = 4096;
    c.depth = 1;
    for (const auto& [v, n] : verdicts) {
        c.tally.add(v, n);
        c.requests += n;
        if (v == model::Verdict::unsupported) {
            c.refused += n;
            continue;
        }
        c.completed += n;
        if (v == model::Verdict::blocking)
            c.slept += n;
        if (v == model::Verdict::sync || v == model::Verdict::blocking)
            c.ready_at_return += n;
        if (v == model::Verdict::sync)
            c.ambiguous += n;
        if (v == model::Verdict::thread_async)
            c.punted += n;
    }
    std::vector<std::uint64_t> lat(c.completed, 20'000);
    c.submit = model::summarize(lat);
    c.complete = model::summarize(std::vector<std::uint64_t>(c.completed, 150'000));
    c.submit_calls = c.requests;
    return c;
}

using V = model::Verdict;

// An ext4 temp file as probe measures it on a loop device: the shape of a
// real run, reduced.
inline model::TargetResult ext4_target()
{
    model::TargetResult t;
    t.label = "/mnt";
    t.path = "/mnt";
    t.kind = model::FileKind::directory;
    t.created = true;
    t.fstype = "ext4";
    t.source = "/dev/loop0";
    t.cases.push_back(make_case("libaio", "read", "direct", {{V::async, 64}}));
    t.cases.push_back(make_case("libaio", "append", "direct", {{V::blocking, 64}}));
    t.cases.push_back(make_case("libaio", "fill-holes", "direct", {{V::async, 56}, {V::blocking, 8}}));
    t.cases.push_back(make_case("libaio", "fill-prealloc", "direct", {{V::async, 62}, {V::sync, 2}}));
    t.cases.push_back(make_case("libaio", "read", "buffered", {{V::blocking, 64}}));
    t.cases.back().device_reads = 64;
    t.cases.push_back(make_case("libaio", "append", "buffered", {{V::sync, 64}}));
    t.cases.push_back(make_case("libaio", "fill-holes", "buffered", {{V::sync, 64}}));
    t.cases.push_back(make_case("io_uring", "read", "direct", {{V::async, 40}, {V::sync, 24}}));
    t.cases.push_back(make_case("io_uring", "append", "direct", {{V::thread_async, 64}}));
    t.cases.back().helper_threads = 1;
    t.cases.push_back(make_case("io_uring", "read", "buffered", {{V::async, 64}}));
    t.cases.push_back(make_case("io_uring", "append", "buffered", {{V::thread_async, 64}}));
    t.cases.back().helper_threads = 1;
    t.cases.push_back(make_case("io_uring", "fill-holes", "buffered", {{V::thread_async, 64}}));
    t.cases.back().helper_threads = 1;
    auto nowait = make_case("libaio", "fill-holes", "direct", {{V::async, 64}});
    nowait.variant = "nowait";
    nowait.eagain = 64;
    nowait.submit_calls = 128;
    t.cases.push_back(nowait);
    return t;
}

inline model::TargetResult dev_null_target()
{
    model::TargetResult t;
    t.label = "/dev/null";
    t.path = "/dev/null";
    t.kind = model::FileKind::char_device;
    t.driver = "mem";
    t.memory_only = true;
    t.notes.push_back("writes skipped: pass --write to write to this device");
    auto read = make_case("libaio", "read", "buffered", {{V::sync, 4}});
    read.empty_reads = 4;
    read.device_reads = 0;
    t.cases.push_back(read);
    auto direct = make_case("libaio", "read", "direct", {{V::unsupported, 1}});
    direct.requests = 0;
    direct.first_error = "open(O_DIRECT): EINVAL: Invalid argument";
    t.cases.push_back(direct);
    auto skipped = make_case("posix", "read", "buffered", {});
    skipped.variant = "nowait";
    skipped.skipped = "posix has no RWF_NOWAIT";
    t.cases.push_back(skipped);
    return t;
}

inline model::ProbeReport sample_report()
{
    model::ProbeReport r;
    r.elapsed_s = 0.5;
    r.targets.push_back(ext4_target());
    r.targets.push_back(dev_null_target());
    model::TargetResult missing;
    missing.label = "/nope";
    missing.error = "/nope: ENOENT: No such file or directory";
    r.targets.push_back(missing);
    return r;
}

}  // namespace aio::test
