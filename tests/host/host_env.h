// SPDX-License-Identifier: GPL-2.0-only
//
// What the host tier's tests stand on: root, real filesystems made on loop
// devices, the aio-audit binary run as a user would run it, and the kernel's
// own tracepoints as an oracle that does not come from the code under test.
#pragma once

#include <gtest/gtest.h>
#include <sys/types.h>

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "subprocess.h"

namespace aio::host {

// Skips the calling test (with the reason) unless running as root.
#define AIO_REQUIRE_ROOT()                                              \
    do {                                                                \
        if (::geteuid() != 0)                                           \
            GTEST_SKIP() << "REQUIRES root (loop devices, tracefs, BPF)"; \
    } while (0)

using aio::test::run;
using aio::test::run_tool;
using aio::test::RunResult;

// `aio-audit probe --json ARGS...`, parsed; fails the test on bad JSON.
nlohmann::json probe_json(const std::vector<std::string>& args, int* exit_code = nullptr);

// A filesystem of `fstype` made on a loop device over an image file under
// /var/tmp, mounted on a private directory; everything undone on destruction.
class LoopFs {
public:
    struct Options {
        std::string fstype = "ext4";
        std::uint64_t size_mb = 512;  // sparse; mkfs.xfs wants at least 300 MB
        bool loop_direct_io = true;  // the loop device does direct I/O to its backing file
        std::string squashfs_source; // fstype "squashfs": directory to pack
    };
    explicit LoopFs(const Options& opts);
    ~LoopFs();
    LoopFs(const LoopFs&) = delete;
    LoopFs& operator=(const LoopFs&) = delete;

    bool ok() const { return error_.empty(); }
    const std::string& error() const { return error_; }
    const std::filesystem::path& mount_point() const { return mount_; }
    const std::string& device() const { return device_; }

private:
    std::filesystem::path dir_;
    std::filesystem::path image_;
    std::filesystem::path mount_;
    std::string device_;
    bool mounted_ = false;
    std::string error_;
};

// A bare loop device over a fresh image file (for block-device tests).
class LoopDevice {
public:
    explicit LoopDevice(std::uint64_t size_mb, bool direct_io = true);
    ~LoopDevice();
    LoopDevice(const LoopDevice&) = delete;
    LoopDevice& operator=(const LoopDevice&) = delete;
    bool ok() const { return error_.empty(); }
    const std::string& error() const { return error_; }
    const std::string& device() const { return device_; }

private:
    std::filesystem::path dir_;
    std::string device_;
    std::string error_;
};

// A private temp directory under /var/tmp, removed with its contents.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

// aio-audit ARGS... in the background, its stdout and stderr in files;
// killed and reaped on destruction if it is still running.
class Background {
public:
    explicit Background(const std::vector<std::string>& args);
    ~Background();
    Background(const Background&) = delete;
    Background& operator=(const Background&) = delete;
    bool wait_for_stderr(const std::string& text, int seconds);
    pid_t child() const;  // the command it runs: its only child
    int wait_exit();      // the exit status, 128 + N for signal N
    pid_t pid() const { return pid_; }
    std::string out() const;
    std::string err() const;

private:
    TempDir dir_;
    std::filesystem::path out_, err_;
    pid_t pid_ = -1;
};

// Sets a sysctl (/proc/sys/...) and restores the old value on destruction.
class SysctlOverride {
public:
    SysctlOverride(std::string path, const std::string& value);
    ~SysctlOverride();
    SysctlOverride(const SysctlOverride&) = delete;
    SysctlOverride& operator=(const SysctlOverride&) = delete;
    bool ok() const { return ok_; }

private:
    std::string path_;
    std::string old_;
    bool ok_ = false;
};

// Counts one kernel tracepoint's hits in a private tracefs instance, so the
// kernel itself says what happened (e.g. io_uring punting to io-wq).
class TracepointCounter {
public:
    explicit TracepointCounter(const std::string& group_event);  // "io_uring/io_uring_queue_async_work"
    ~TracepointCounter();
    TracepointCounter(const TracepointCounter&) = delete;
    TracepointCounter& operator=(const TracepointCounter&) = delete;
    bool ok() const { return error_.empty(); }
    const std::string& error() const { return error_; }
    // Hits since construction by tasks whose comm starts with `comm`.
    std::size_t count(const std::string& comm = {}) const;

private:
    std::filesystem::path instance_;
    std::string error_;
};

// O_DIRECT through a loop device is async, but now and then the loop worker
// finishes a whole run's requests before io_submit returns, and from the ring
// they read as inline (docs/probe.md: a fast device looks inline from user
// space). Assertions that depend on the device being slower than the return
// run `measure` up to `attempts` times and check the first result `accept`
// takes, else the last: every attempt is a real measurement, so a tool that
// never gets it right still fails.
nlohmann::json measure_until(const std::function<nlohmann::json()>& measure,
                             const std::function<bool(const nlohmann::json&)>& accept, int attempts = 3);

// sha256 of a file or device's whole content.
std::string sha256(const std::string& path);

// The case of a probe JSON report, or nullptr.
const nlohmann::json* find_case(const nlohmann::json& report, const std::string& target_label,
                                const std::string& engine, const std::string& op, const std::string& mode,
                                const std::string& variant = "");
// "verdict (shares)" for failure messages.
std::string describe(const nlohmann::json* c);

}  // namespace aio::host
