// SPDX-License-Identifier: GPL-2.0-only
#include "host_env.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

namespace aio::host {
namespace fs = std::filesystem;

nlohmann::json probe_json(const std::vector<std::string>& args, int* exit_code)
{
    std::vector<std::string> argv{"probe", "--json"};
    argv.insert(argv.end(), args.begin(), args.end());
    const RunResult r = run_tool(argv);
    if (exit_code)
        *exit_code = r.exit_code;
    try {
        return nlohmann::json::parse(r.out);
    } catch (const std::exception& e) {
        ADD_FAILURE() << "probe --json did not print JSON (exit " << r.exit_code << "): " << e.what()
                      << "\nstderr: " << r.err << "\nstdout: " << r.out.substr(0, 2000);
        return {};
    }
}

namespace {

fs::path make_temp_dir()
{
    std::string tmpl = "/var/tmp/aio-audit-host.XXXXXX";
    if (!::mkdtemp(tmpl.data()))
        return {};
    return tmpl;
}

std::string first_line(const std::string& s)
{
    return s.substr(0, s.find('\n'));
}

std::string attach_loop(const fs::path& image, bool direct_io, std::string& error)
{
    std::vector<std::string> argv{"losetup", "--find", "--show"};
    if (direct_io)
        argv.push_back("--direct-io=on");
    argv.push_back(image.string());
    const RunResult r = run(argv);
    if (r.exit_code != 0) {
        error = "losetup: " + first_line(r.err);
        return {};
    }
    return first_line(r.out);
}

bool make_image(const fs::path& image, std::uint64_t size_mb, std::string& error)
{
    const int fd = ::open(image.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0 || ::ftruncate(fd, static_cast<off_t>(size_mb << 20)) != 0) {
        error = "cannot create " + image.string() + ": " + std::strerror(errno);
        if (fd >= 0)
            ::close(fd);
        return false;
    }
    ::close(fd);
    return true;
}

}  // namespace

LoopFs::LoopFs(const Options& opts)
{
    dir_ = make_temp_dir();
    if (dir_.empty()) {
        error_ = "mkdtemp failed";
        return;
    }
    image_ = dir_ / "fs.img";
    mount_ = dir_ / "mnt";
    fs::create_directory(mount_);
    if (opts.fstype == "squashfs") {
        const RunResult r = run({"mksquashfs", opts.squashfs_source, image_.string(), "-noappend", "-quiet"});
        if (r.exit_code != 0) {
            error_ = "mksquashfs: " + first_line(r.err + r.out);
            return;
        }
    } else {
        if (!make_image(image_, opts.size_mb, error_))
            return;
        std::vector<std::string> mkfs{"mkfs." + opts.fstype, "-q"};
        if (opts.fstype == "ext4" || opts.fstype == "ext2")
            mkfs.insert(mkfs.end(), {"-F", "-E", "lazy_itable_init=0,lazy_journal_init=0"});
        mkfs.push_back(image_.string());
        const RunResult r = run(mkfs);
        if (r.exit_code != 0) {
            error_ = mkfs[0] + ": " + first_line(r.err + r.out);
            return;
        }
    }
    device_ = attach_loop(image_, opts.loop_direct_io, error_);
    if (device_.empty())
        return;
    const unsigned long flags = opts.fstype == "squashfs" ? MS_RDONLY : 0;
    if (::mount(device_.c_str(), mount_.c_str(), opts.fstype.c_str(), flags, nullptr) != 0) {
        error_ = "mount " + opts.fstype + ": " + std::strerror(errno);
        return;
    }
    mounted_ = true;
}

LoopFs::~LoopFs()
{
    if (mounted_)
        ::umount2(mount_.c_str(), 0);
    if (!device_.empty())
        run({"losetup", "-d", device_});
    std::error_code ec;
    if (!dir_.empty())
        fs::remove_all(dir_, ec);
}

LoopDevice::LoopDevice(std::uint64_t size_mb, bool direct_io)
{
    dir_ = make_temp_dir();
    const fs::path image = dir_ / "dev.img";
    if (dir_.empty() || !make_image(image, size_mb, error_))
        return;
    // Content worth protecting: a checksum of zeros would not prove much.
    {
        std::ofstream out(image, std::ios::binary | std::ios::in);
        std::string chunk(1 << 16, '\0');
        for (std::uint64_t off = 0; off < (size_mb << 20); off += chunk.size()) {
            for (std::size_t i = 0; i < chunk.size(); i += 8)
                chunk[i] = static_cast<char>((off + i) / 4096);
            out.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
        }
    }
    device_ = attach_loop(image, direct_io, error_);
}

LoopDevice::~LoopDevice()
{
    if (!device_.empty())
        run({"losetup", "-d", device_});
    std::error_code ec;
    if (!dir_.empty())
        fs::remove_all(dir_, ec);
}

TempDir::TempDir() : path_(make_temp_dir()) {}

TempDir::~TempDir()
{
    std::error_code ec;
    if (!path_.empty())
        fs::remove_all(path_, ec);
}

SysctlOverride::SysctlOverride(std::string path, const std::string& value) : path_(std::move(path))
{
    std::ifstream in(path_);
    if (!std::getline(in, old_))
        return;
    std::ofstream out(path_);
    out << value << '\n';
    out.flush();
    ok_ = static_cast<bool>(out);
}

SysctlOverride::~SysctlOverride()
{
    if (ok_) {
        std::ofstream out(path_);
        out << old_ << '\n';
    }
}

namespace {

fs::path tracefs_root()
{
    for (const char* root : {"/sys/kernel/tracing", "/sys/kernel/debug/tracing"})
        if (fs::exists(fs::path(root) / "instances"))
            return root;
    ::mount("nodev", "/sys/kernel/tracing", "tracefs", 0, nullptr);
    return fs::exists("/sys/kernel/tracing/instances") ? fs::path("/sys/kernel/tracing") : fs::path();
}

bool write_file(const fs::path& p, const std::string& text)
{
    std::ofstream out(p);
    out << text;
    out.flush();
    return static_cast<bool>(out);
}

}  // namespace

TracepointCounter::TracepointCounter(const std::string& group_event)
{
    const fs::path root = tracefs_root();
    if (root.empty()) {
        error_ = "tracefs not available";
        return;
    }
    static int serial = 0;
    instance_ = root / "instances" / ("aio-audit-test-" + std::to_string(::getpid()) + "-" + std::to_string(++serial));
    std::error_code ec;
    if (!fs::create_directory(instance_, ec)) {
        error_ = "cannot create tracefs instance " + instance_.string() + ": " + ec.message();
        instance_.clear();
        return;
    }
    write_file(instance_ / "buffer_size_kb", "4096");
    if (!write_file(instance_ / "events" / group_event / "enable", "1"))
        error_ = "cannot enable " + group_event;
}

TracepointCounter::~TracepointCounter()
{
    if (instance_.empty())
        return;
    write_file(instance_ / "events" / "enable", "0");
    ::rmdir(instance_.c_str());
}

std::size_t TracepointCounter::count(const std::string& comm) const
{
    std::ifstream in(instance_ / "trace");
    std::string line;
    std::size_t n = 0;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#')
            continue;
        // "           <comm>-<pid>  [cpu] ..."
        const auto start = line.find_first_not_of(' ');
        if (comm.empty() || line.compare(start, comm.size(), comm) == 0)
            ++n;
    }
    return n;
}

nlohmann::json measure_until(const std::function<nlohmann::json()>& measure,
                             const std::function<bool(const nlohmann::json&)>& accept, int attempts)
{
    nlohmann::json result;
    for (int i = 0; i < attempts; ++i) {
        result = measure();
        if (accept(result))
            break;
    }
    return result;
}

std::string sha256(const std::string& path)
{
    const RunResult r = run({"sha256sum", path});
    return r.exit_code == 0 ? r.out.substr(0, 64) : "error: " + r.err;
}

const nlohmann::json* find_case(const nlohmann::json& report, const std::string& target_label,
                                const std::string& engine, const std::string& op, const std::string& mode,
                                const std::string& variant)
{
    if (!report.contains("targets"))
        return nullptr;
    for (const auto& t : report["targets"]) {
        if (t["label"] != target_label)
            continue;
        for (const auto& c : t["cases"])
            if (c["engine"] == engine && c["op"] == op && c["mode"] == mode && c["variant"] == variant)
                return &c;
    }
    return nullptr;
}

std::string describe(const nlohmann::json* c)
{
    if (!c)
        return "(case missing)";
    std::ostringstream s;
    s << "verdict=" << (*c)["verdict"] << " shares=" << (*c)["shares"] << " ready=" << (*c)["ready_at_return"]
      << " slept=" << (*c)["slept"] << " punted=" << (*c)["punted"] << " device_reads=" << (*c)["device_reads"]
      << " errors=" << (*c)["errors"] << " first_error=" << (*c)["first_error"] << " skipped=" << (*c)["skipped"];
    return s.str();
}

namespace {

std::string slurp(const std::filesystem::path& p)
{
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace

Background::Background(const std::vector<std::string>& args)
    : out_(dir_.path() / "stdout"), err_(dir_.path() / "stderr")
{
    pid_ = ::fork();
    if (pid_ == 0) {
        const int out = ::open(out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        const int err = ::open(err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        ::dup2(out, 1);
        ::dup2(err, 2);
        std::vector<char*> argv{const_cast<char*>(AIO_AUDIT_BIN)};
        for (const auto& a : args)
            argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        ::execv(AIO_AUDIT_BIN, argv.data());
        ::_exit(127);
    }
}

Background::~Background()
{
    if (pid_ > 0) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
    }
}

bool Background::wait_for_stderr(const std::string& text, int seconds)
{
    for (int i = 0; i < seconds * 20; ++i) {
        if (err().find(text) != std::string::npos)
            return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
}

pid_t Background::child() const
{
    std::ifstream in("/proc/" + std::to_string(pid_) + "/task/" + std::to_string(pid_) + "/children");
    pid_t c = -1;
    in >> c;
    return c;
}

int Background::wait_exit()
{
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string Background::out() const
{
    return slurp(out_);
}

std::string Background::err() const
{
    return slurp(err_);
}

}  // namespace aio::host
