// SPDX-License-Identifier: GPL-2.0-only
//
// From one file_operations (or proc_ops) to its FopsReport. Each
// async-capable handler's calls are followed inline within its own module
// (directory), where branch paths and the objects passed between
// functions are tracked; a callee in another module is read once for the
// whole scan and summarized (what it may do: queue, complete, wait for
// its own transfer, sleep on a lock, call a member it cannot resolve),
// and the summary is spliced in at each call. Functions handed to
// callbacks, timers, work and IRQs are followed as deferred code. The
// result is evidence; analyzers/model decides the verdict.
#pragma once

#include <memory>

#include "model/static_verdict.h"
#include "scan/resolver.h"

namespace aio::scan {

struct AnalyzerLimits {
    int inline_depth = 6;     // calls followed inline inside the handler's module (f_fs needs 2)
    int deferred_depth = 4;   // callback -> work -> ... hops followed for the completion
    int deferred_inline = 4;  // calls followed inline in each callback
    int deferred_instances = 100;
    int max_instances = 400;  // inlined function copies per root, against call-graph blowup
    // Calls followed into other modules, each callee summarized once for
    // the scan (9p's wait for its RPC reply is 5 calls below netfs).
    int summary_depth = 4;
    // Callees whose unseen code is reported: this many calls into other modules.
    int unresolved_depth = 1;
};

// Summaries of functions in other modules, shared by every thread of a
// scan: each is computed once (a pure function of the tree).
class Summaries {
public:
    Summaries();
    ~Summaries();
    struct Impl;
    Impl& impl() { return *impl_; }

private:
    std::unique_ptr<Impl> impl_;
};

class Analyzer {
public:
    Analyzer(Resolver& resolver, Summaries& summaries, const AnalyzerLimits& limits = {});
    model::FopsReport analyze(const ParsedFile& file, const FopsDecl& decl);

private:
    Resolver& resolver_;
    Summaries& summaries_;
    AnalyzerLimits limits_;
};

// Whether the fops names an async-capable handler (read_iter, write_iter,
// aio_read, aio_write, proc_read_iter): only those need the whole tree.
bool has_async_handlers(const ParsedFile& file, const FopsDecl& decl);

// The fops of one file on its own, without a corpus (unit tests, fuzzing).
model::FopsReport analyze_alone(const ParsedFile& file, const FopsDecl& decl);

}  // namespace aio::scan
