// SPDX-License-Identifier: GPL-2.0-only
#include "matrix/matrix_runner.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <algorithm>

#include "matrix/fs_catalog.h"
#include "matrix/scenarios.h"
#include "matrix/scratch.h"
#include "model/errors.h"
#include "probe/clock.h"
#include "probe/file_facts.h"
#include "probe/prober.h"

namespace aio::matrix {
namespace {

bool selected(const FsConfig& c, const std::vector<std::string>& only)
{
    return only.empty() || std::find(only.begin(), only.end(), c.id) != only.end();
}

// The granularity O_DIRECT needs here: what the file system reports for a
// file of its own (statx STATX_DIOALIGN), else the loop device's logical
// block size, else 512 - the guess fsqual makes when XFS_IOC_DIOINFO fails.
std::uint32_t direct_io_granularity(const std::string& dir, std::uint32_t device_sector)
{
    const int fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0) {
        const model::DirectIoFacts dio = probe::direct_io_facts(fd, probe::mount_of(dir));
        ::close(fd);
        if (dio.statx_offset_align)
            return dio.statx_offset_align;
        if (dio.device_logical_block)
            return dio.device_logical_block;
    }
    return device_sector ? device_sector : 512;
}

std::optional<probe::Op> probe_op(const std::string& op)
{
    if (op == "read")
        return probe::Op::read;
    if (op == "overwrite")
        return probe::Op::overwrite;
    if (op == "append")
        return probe::Op::append;
    if (op == "fill-holes")
        return probe::Op::fill_holes;
    if (op == "fill-prealloc")
        return probe::Op::fill_prealloc;
    return std::nullopt;
}

model::MatrixCell cell_from(const model::CaseResult& c, bool memory_only)
{
    model::MatrixCell cell;
    cell.engine = c.engine;
    cell.skipped = c.skipped;
    cell.tally = c.tally;
    cell.requests = c.requests;
    cell.completed = c.completed;
    cell.eagain = c.eagain;
    cell.refused = c.refused;
    cell.errors = c.errors;
    // Where nothing but the CPU serves I/O, ready-at-return is certainly
    // inline: not a question.
    cell.ambiguous = memory_only ? 0 : c.ambiguous;
    cell.page_cache = c.page_cache_fallback;
    cell.error = c.first_error;
    cell.submit = c.submit;
    cell.complete = c.complete;
    if (c.ran() && c.requests)
        cell.switches_per_io = c.ctxsw_per_io();
    return cell;
}

// `target_error`: the file system itself failed (no temp file could be
// made: full, read-only after an I/O error).
model::MatrixScenario run_scenario(const ScenarioSpec& spec, const std::string& label, const std::string& dir,
                                   std::uint32_t block, std::uint32_t sector, const MatrixOptions& opts,
                                   std::string& target_error)
{
    model::MatrixScenario row;
    row.id = spec.id();
    row.op = spec.op;
    row.mode = spec.direct ? "direct" : "buffered";
    row.size_of = spec.sector ? "sector" : "block";
    row.size = spec.sector ? sector : block;
    row.depth = spec.depth;
    row.dsync = spec.dsync;
    row.nowait = spec.nowait;
    row.fsqual = spec.fsqual;

    const auto op = probe_op(spec.op);
    probe::ProbeOptions po;
    po.engines = opts.engines;
    po.modes = {spec.direct ? probe::Mode::direct : probe::Mode::buffered};
    po.variants = {spec.dsync    ? probe::Variant::dsync
                   : spec.nowait ? probe::Variant::nowait
                                 : probe::Variant::plain};
    // Kept in flight as fsqual does (its iodepth), at least twice the depth.
    po.requests = std::max(opts.requests, 2 * spec.depth);
    po.depth = spec.depth;
    po.depth_kind = probe::DepthKind::inflight;
    po.size = row.size;
    po.timeout = opts.timeout;
    model::TargetResult target;
    if (op) {
        po.ops = {*op};
        target = probe::probe_target({label, dir, false}, po);
        target_error = target.error;
    }
    for (auto engine : opts.engines) {
        const auto engine_name = std::string(probe::name(engine));
        const auto it = std::find_if(target.cases.begin(), target.cases.end(),
                                     [&](const model::CaseResult& c) { return c.engine == engine_name; });
        model::MatrixCell cell;
        if (it != target.cases.end())
            cell = cell_from(*it, target.memory_only);
        else {
            cell.engine = engine_name;
            if (!op)
                cell.skipped = "probe has no operation '" + spec.op + "'";
            else if (!target.error.empty())
                cell.skipped = target.error;
            else if (spec.nowait && engine == probe::EngineKind::posix)
                cell.skipped = "POSIX AIO has no RWF_NOWAIT";
            else if (probe::stop_requested.load())
                cell.skipped = "interrupted";
            else
                cell.skipped = "not run";
        }
        row.cells.push_back(std::move(cell));
    }
    return row;
}

void measure_dir(model::MatrixFs& out, const std::string& dir, std::uint32_t device_sector,
                 const MatrixOptions& opts, const ProgressFn& progress)
{
    struct statfs sf {};
    if (::statfs(dir.c_str(), &sf) != 0) {
        out.error = dir + ": " + errno_text(errno);
        return;
    }
    out.block_size = static_cast<std::uint32_t>(sf.f_bsize);
    out.sector_size = direct_io_granularity(dir, device_sector);
    for (const auto& spec : scenarios()) {
        if (probe::stop_requested.load())
            return;
        if (progress)
            progress(out.id + ": " + spec.id());
        std::string target_error;
        out.scenarios.push_back(
            run_scenario(spec, out.id, dir, out.block_size, out.sector_size, opts, target_error));
        if (!target_error.empty()) {
            // The rest would fail the same way.
            out.error = "stopped at " + spec.id() + ": " + target_error;
            return;
        }
    }
}

}  // namespace

void check_selection(const std::vector<std::string>& only)
{
    for (const auto& name : only) {
        const bool known =
            std::any_of(catalog().begin(), catalog().end(), [&](const FsConfig& c) { return c.id == name; });
        if (!known) {
            std::string ids;
            for (const auto& c : catalog())
                ids += (ids.empty() ? "" : ", ") + c.id;
            throw UsageError("unknown file system '" + name + "'", "known: " + ids);
        }
    }
}

model::MatrixReport run_matrix(const MatrixOptions& opts, const ProgressFn& progress)
{
    model::MatrixReport report;
    report.requests = opts.requests;
    const auto t0 = probe::now_ns();

    if (!opts.dirs.empty()) {
        for (const auto& dir : opts.dirs) {
            if (probe::stop_requested.load())
                break;
            model::MatrixFs fs;
            fs.id = dir;
            if (auto m = probe::mount_of(dir)) {
                fs.fstype = m->fstype;
                fs.backing = m->source;
            }
            fs.why = "the file system " + dir + " is on, as mounted";
            const auto f0 = probe::now_ns();
            measure_dir(fs, dir, 0, opts, progress);
            fs.elapsed_s = static_cast<double>(probe::now_ns() - f0) / 1e9;
            report.file_systems.push_back(std::move(fs));
        }
    } else {
        if (::geteuid() != 0)
            throw EnvironmentError(
                "matrix makes file systems on loop devices, which needs root",
                "run it as root, or name directories to measure the file systems they are on "
                "(aio-audit matrix /dev/shm .)");
        // Before any thread exists (io_uring and POSIX AIO start some).
        enter_private_mount_namespace();
        ScratchDir scratch(opts.scratch_parent);
        for (const auto& config : catalog()) {
            if (!selected(config, opts.only))
                continue;
            if (probe::stop_requested.load())
                break;
            model::MatrixFs fs;
            fs.id = config.id;
            fs.fstype = config.fstype;
            fs.mount_options = config.mount_options;
            fs.why = config.why;
            if (!config.mkfs.empty()) {
                for (const auto& a : config.mkfs)
                    fs.mkfs += (fs.mkfs.empty() ? "" : " ") + a;
            }
            fs.skipped = unavailable_reason(config);
            if (fs.skipped.empty()) {
                const auto f0 = probe::now_ns();
                if (progress)
                    progress(config.id + ": making it");
                MadeFs made(config, scratch.path());
                fs.backing = made.backing();
                if (!made.ok())
                    fs.error = made.error();
                else
                    measure_dir(fs, made.mount_point().string(), made.sector_size(), opts, progress);
                fs.elapsed_s = static_cast<double>(probe::now_ns() - f0) / 1e9;
            }
            report.file_systems.push_back(std::move(fs));
        }
    }
    report.interrupted = probe::stop_requested.load();
    report.elapsed_s = static_cast<double>(probe::now_ns() - t0) / 1e9;
    return report;
}

}  // namespace aio::matrix
