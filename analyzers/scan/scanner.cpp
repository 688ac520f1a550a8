// SPDX-License-Identifier: GPL-2.0-only
#include "scan/scanner.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <climits>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <optional>
#include <set>
#include <system_error>
#include <thread>

#include "model/errors.h"
#include "scan/file_io.h"
#include "scan/module.h"

namespace aio::scan {
namespace {

struct DirTask {
    std::string fs;
    std::string display;
    bool recursive = true;
    std::string only_file;  // a file root: report this file, read the others to resolve names
};

bool is_source(const char* name)
{
    const std::size_t n = std::strlen(name);
    return n > 2 && name[n - 2] == '.' && (name[n - 1] == 'c' || name[n - 1] == 'h');
}

std::optional<std::string> real_path(const std::string& p, int& err)
{
    char buf[PATH_MAX];
    if (!::realpath(p.c_str(), buf)) {
        err = errno;
        return std::nullopt;
    }
    return std::string(buf);
}

bool under(const std::string& path, const std::string& dir)
{
    if (dir == "/")
        return true;
    return path == dir ||
           (path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 && path[dir.size()] == '/');
}

class Scan {
public:
    explicit Scan(const ScanOptions& opt) : opt_(opt) {}

    ScanResult run()
    {
        for (const auto& r : opt_.roots)
            add_root(r);
        const unsigned jobs = effective_jobs(opt_.jobs);
        std::vector<std::thread> workers;
        for (unsigned i = 0; i < jobs; ++i) {
            try {
                workers.emplace_back([this] { work(); });
            } catch (const std::system_error&) {
                break;  // out of threads (ulimit -u, memory): go on with those there are
            }
        }
        if (workers.empty()) {
            std::lock_guard lock(mu_);
            stop_ = true;  // the calling thread does the work itself
        }
        if (workers.empty())
            work();
        {
            std::unique_lock lock(mu_);
            // Woken when the last task ends, or every 200 ms for the progress
            // line; never spinning: this thread's core belongs to the workers.
            while (pending_ > 0) {
                if (!opt_.progress) {
                    cv_done_.wait(lock, [this] { return pending_ == 0; });
                    break;
                }
                if (!cv_done_.wait_for(lock, std::chrono::milliseconds(200),
                                       [this] { return pending_ == 0; })) {
                    lock.unlock();
                    opt_.progress(files_.load(), fops_count_.load());
                    lock.lock();
                }
            }
            stop_ = true;
        }
        cv_.notify_all();
        for (auto& w : workers)
            w.join();

        std::sort(result_.fops.begin(), result_.fops.end(), [](const auto& a, const auto& b) {
            if (a.at.file != b.at.file)
                return a.at.file < b.at.file;
            if (a.at.line != b.at.line)
                return a.at.line < b.at.line;
            return a.name < b.name;
        });
        result_.unreadable = warnings_.unreadable_count();
        result_.warnings = warnings_.take();
        result_.stats.files = files_.load();
        result_.stats.bytes = bytes_.load();
        result_.stats.candidates = candidates_.load();
        result_.stats.dirs = dirs_.load();
        result_.stats.symlinks_skipped = symlinks_skipped_.load();
        return std::move(result_);
    }

private:
    // A root is an input the user named: it must exist and be readable
    // now, or nothing is scanned (a gate that read nothing must not pass).
    void add_root(const ScanRoot& r)
    {
        struct stat st {};
        if (::stat(r.fs_path.c_str(), &st) != 0)
            throw UsageError("cannot scan '" + r.fs_path + "': " + errno_text(errno));
        int err = 0;
        if (auto rp = real_path(r.fs_path, err))
            real_roots_.push_back(*rp);
        if (S_ISDIR(st.st_mode)) {
            DIR* d = ::opendir(r.fs_path.c_str());
            if (!d)
                throw UsageError("cannot scan '" + r.fs_path + "': cannot list it: " + errno_text(errno));
            ::closedir(d);
            push({r.fs_path, r.display, r.recursive, {}});
        } else if (S_ISREG(st.st_mode)) {
            const int fd = ::open(r.fs_path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
            if (fd < 0)
                throw UsageError("cannot scan '" + r.fs_path + "': cannot read it: " + errno_text(errno));
            ::close(fd);
            const auto slash = r.fs_path.rfind('/');
            const std::string dir =
                slash == std::string::npos ? "." : (slash == 0 ? "/" : r.fs_path.substr(0, slash));
            const std::string name = slash == std::string::npos ? r.fs_path : r.fs_path.substr(slash + 1);
            const auto dslash = r.display.rfind('/');
            const std::string ddir = dslash == std::string::npos ? "" : r.display.substr(0, dslash);
            push({dir, ddir, false, name});
        } else {
            throw UsageError("cannot scan '" + r.fs_path + "': not a directory or a regular file");
        }
    }

    void push(DirTask t)
    {
        {
            std::lock_guard lock(mu_);
            ++pending_;
            queue_.push_back(std::move(t));
        }
        cv_.notify_one();
    }

    void work()
    {
        for (;;) {
            DirTask t;
            {
                std::unique_lock lock(mu_);
                cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
                if (queue_.empty())
                    return;
                t = std::move(queue_.front());
                queue_.pop_front();
            }
            try {
                process(t);
            } catch (const std::exception& e) {
                warnings_.unreadable((t.display.empty() ? "." : t.display) +
                                     ": internal error, directory skipped: " + e.what());
            }
            bool last = false;
            {
                std::lock_guard lock(mu_);
                last = --pending_ == 0;
            }
            if (last) {
                cv_done_.notify_all();
                cv_.notify_all();
            }
        }
    }

    bool first_visit(const struct stat& st)
    {
        std::lock_guard lock(visited_mu_);
        return visited_.insert({st.st_dev, st.st_ino}).second;
    }

    bool inside_roots(const std::string& real) const
    {
        return std::any_of(real_roots_.begin(), real_roots_.end(),
                           [&](const auto& r) { return under(real, r); });
    }

    void symlink(const DirTask& t, const std::string& fs, const std::string& display, const char* name,
                 std::vector<ModuleFile>& files)
    {
        int err = 0;
        const auto target = real_path(fs, err);
        if (!target) {
            if (err == ELOOP)
                warnings_.add(display + ": symlink loop, skipped");
            else if (is_source(name))
                warnings_.add(display + ": broken symlink (" + errno_text(err) + "), skipped");
            return;
        }
        // Inside the roots, the target is scanned at its own path: following
        // the link would report it twice.
        if (!opt_.follow_symlinks || inside_roots(*target)) {
            ++symlinks_skipped_;
            return;
        }
        struct stat st {};
        if (::stat(fs.c_str(), &st) != 0)
            return;
        if (S_ISDIR(st.st_mode) && t.recursive) {
            int e2 = 0;
            const auto here = real_path(t.fs, e2);
            if (here && under(*here, *target)) {
                warnings_.add(display + ": symlink loop (points to " + *target + "), skipped");
                return;
            }
            if (first_visit(st))
                push({fs, display, true, {}});
        } else if (S_ISREG(st.st_mode) && is_source(name) && first_visit(st)) {
            files.push_back({display, fs, true});
        }
    }

    void process(const DirTask& t)
    {
        DIR* d = ::opendir(t.fs.c_str());
        if (!d) {
            warnings_.unreadable((t.display.empty() ? "." : t.display) + ": cannot list: " + errno_text(errno));
            return;
        }
        ++dirs_;
        std::vector<ModuleFile> files;
        const int dfd = ::dirfd(d);
        for (;;) {
            errno = 0;
            const dirent* ent = ::readdir(d);
            if (!ent) {
                if (errno != 0)
                    warnings_.unreadable((t.display.empty() ? "." : t.display) +
                                         ": cannot list all of it: " + errno_text(errno));
                break;
            }
            const char* name = ent->d_name;
            if (name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0')))
                continue;
            unsigned char type = ent->d_type;
            if (type == DT_UNKNOWN) {
                struct stat st {};
                if (::fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
                    if (errno != ENOENT)  // gone since readdir: nothing was missed
                        warnings_.unreadable(join_display(t.display, name) + ": cannot stat: " +
                                             errno_text(errno));
                    continue;
                }
                type = S_ISDIR(st.st_mode)   ? DT_DIR
                       : S_ISREG(st.st_mode) ? DT_REG
                       : S_ISLNK(st.st_mode) ? DT_LNK
                                             : DT_UNKNOWN;
            }
            std::string fs = t.fs == "/" ? "/" + std::string(name) : t.fs + "/" + name;
            std::string display = join_display(t.display, name);
            if (type == DT_DIR) {
                // Hidden directories (.git, .tmp_versions) hold no driver source.
                if (!t.recursive || name[0] == '.')
                    continue;
                if (opt_.follow_symlinks) {
                    struct stat st {};
                    if (::fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !first_visit(st))
                        continue;
                }
                push({std::move(fs), std::move(display), true, {}});
            } else if (type == DT_REG) {
                if (is_source(name))
                    files.push_back(
                        {std::move(display), std::move(fs), t.only_file.empty() || t.only_file == name});
            } else if (type == DT_LNK) {
                if (t.only_file.empty() || t.only_file == name)
                    symlink(t, fs, display, name, files);
            }
        }
        ::closedir(d);
        if (files.empty())
            return;
        std::sort(files.begin(), files.end(),
                  [](const auto& a, const auto& b) { return a.display < b.display; });
        analyze_module(std::move(files));
    }

    void analyze_module(std::vector<ModuleFile> files)
    {
        Module module(std::move(files), warnings_);
        thread_local Bytes buf;
        std::vector<model::FopsReport> found;
        for (std::size_t i = 0; i < module.size(); ++i) {
            if (!module.file(i).primary)
                continue;
            ++files_;
            const int err = read_file(module.file(i).fs_path, buf);
            if (err != 0) {
                warnings_.unreadable(module.file(i).display + ": cannot read: " + errno_text(err));
                continue;
            }
            bytes_ += buf.size();
            if (looks_binary(buf.view())) {
                warnings_.add(module.file(i).display + ": binary file (NUL bytes), skipped");
                continue;
            }
            // The pre-filter: no file_operations, nothing to report. Most
            // of a kernel tree stops here, unlexed.
            if (!::memmem(buf.view().data(), buf.size(), "file_operations", 15))
                continue;
            ++candidates_;
            module.adopt(i, buf.view());
            const ParsedFile* pf = module.parse(i);
            if (!pf)
                continue;
            for (const FopsDecl& decl : pf->fops()) {
                found.push_back(analyze_fops(module, *pf, decl, opt_.limits));
                ++fops_count_;
            }
        }
        if (found.empty())
            return;
        std::lock_guard lock(result_mu_);
        for (auto& f : found)
            result_.fops.push_back(std::move(f));
    }

    const ScanOptions& opt_;
    std::mutex mu_;
    std::condition_variable cv_;
    std::condition_variable cv_done_;
    std::deque<DirTask> queue_;
    std::size_t pending_ = 0;
    bool stop_ = false;
    std::vector<std::string> real_roots_;
    std::mutex visited_mu_;
    std::set<std::pair<dev_t, ino_t>> visited_;
    Warnings warnings_;
    std::mutex result_mu_;
    ScanResult result_;
    std::atomic<std::uint64_t> files_{0}, bytes_{0}, candidates_{0}, dirs_{0}, symlinks_skipped_{0},
        fops_count_{0};
};

}  // namespace

std::string join_display(const std::string& dir, const std::string& name)
{
    if (dir.empty() || dir == ".")
        return name;
    if (dir.back() == '/')
        return dir + name;
    return dir + "/" + name;
}

ScanRoot root_from_argument(const std::string& arg)
{
    std::string d = arg;
    while (d.size() > 1 && d.back() == '/')
        d.pop_back();
    while (d.starts_with("./") && d.size() > 2) {
        d.erase(0, 2);
        while (d.starts_with("/"))
            d.erase(0, 1);
    }
    ScanRoot r;
    r.fs_path = arg.empty() ? "." : arg;
    r.display = d == "." ? "" : d;
    return r;
}

unsigned effective_jobs(unsigned requested)
{
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    if (requested == 0)
        return cores;
    return std::clamp(requested, 1u, kMaxJobsPerCore * cores);
}

std::string jobs_note(unsigned requested)
{
    const unsigned used = effective_jobs(requested);
    if (requested == 0 || used == requested)
        return {};
    return "-j " + std::to_string(requested) + " is more than this machine can use: " + std::to_string(used) +
           " worker threads (" + std::to_string(kMaxJobsPerCore) + " per core)";
}

ScanResult run_scan(const ScanOptions& options)
{
    Scan s(options);
    return s.run();
}

}  // namespace aio::scan
