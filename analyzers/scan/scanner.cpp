// SPDX-License-Identifier: GPL-2.0-only
#include "scan/scanner.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <time.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
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
#include "scan/analyzer.h"
#include "scan/corpus.h"
#include "scan/file_io.h"
#include "scan/text_search.h"

namespace aio::scan {
namespace {

struct DirTask {
    std::string fs;
    std::string display;
    bool recursive = true;
    std::string only_file;  // a file root: report this file, read the others to resolve names
};

// The resident set now, for the debug line (0 when /proc is not there).
long rss_kb()
{
    long kb = 0;
    if (FILE* f = std::fopen("/proc/self/statm", "r")) {
        long size = 0, resident = 0;
        if (std::fscanf(f, "%ld %ld", &size, &resident) == 2)
            kb = resident * (::sysconf(_SC_PAGESIZE) / 1024);
        std::fclose(f);
    }
    return kb;
}

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
        corpus_.set_shards(jobs);
        // Phase 1: the walk.
        const auto cpu = [] {
            timespec ts{};
            ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
            return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
        };
        const auto wall = [] { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); };
        const double w0 = wall();
        const double t0 = cpu();
        run_workers(jobs, [this](unsigned w) { walk(w); });
        const double t1 = cpu();
        const double w1 = wall();
        const long rss_walk = rss_kb();
        corpus_.seal();
        const double t2 = cpu();
        const long rss_seal = rss_kb();
        // Phase 2: the fops with async-capable handlers, one fops a task;
        // the files with the most fops first, so that a long file (cifs's
        // nine variants, ~0.6 s) is shared by the cores and none idles at
        // the end.
        std::sort(pending_.begin(), pending_.end(), [this](const auto& a, const auto& b) {
            if (a.second.size() != b.second.size())
                return a.second.size() > b.second.size();
            return corpus_.file(a.first).display < corpus_.file(b.first).display;
        });
        {
            decltype(pending_) one_each;
            for (const auto& [id, decls] : pending_)
                for (std::size_t k : decls)
                    one_each.emplace_back(id, std::vector<std::size_t>{k});
            pending_.swap(one_each);
        }
        run_workers(jobs, [this](unsigned) { analyze(); });
        if (std::getenv("AIO_AUDIT_SCAN_DEBUG"))
            std::fprintf(stderr, "cpu: walk %.2f s, seal %.2f s, analysis %.2f s; wall: walk %.2f s, the rest %.2f s; "
                         "RSS after walk %ld kB, seal %ld kB, analysis %ld kB\n",
                         t1 - t0, t2 - t1, cpu() - t2, w1 - w0, wall() - w1, rss_walk, rss_seal, rss_kb());

        std::sort(result_.fops.begin(), result_.fops.end(), [](const auto& a, const auto& b) {
            if (a.at.file != b.at.file)
                return a.at.file < b.at.file;
            if (a.at.line != b.at.line)
                return a.at.line < b.at.line;
            return a.name < b.name;
        });
        result_.unreadable = corpus_.warnings().unreadable_count();
        result_.warnings = corpus_.warnings().take();
        result_.stats.files = files_.load();
        result_.stats.bytes = bytes_.load();
        result_.stats.candidates = candidates_.load();
        result_.stats.dirs = dirs_.load();
        result_.stats.symlinks_skipped = symlinks_skipped_.load();
        result_.stats.definitions = corpus_.index_size();
        result_.stats.work = corpus_.work().steps.load();
        return std::move(result_);
    }

private:
    template <typename F> void run_workers(unsigned jobs, F body)
    {
        stop_ = false;
        std::vector<std::thread> workers;
        for (unsigned i = 0; i < jobs; ++i) {
            try {
                workers.emplace_back([&body, i] { body(i); });
            } catch (const std::system_error&) {
                break;  // out of threads (ulimit -u, memory): go on with those there are
            }
        }
        if (workers.empty()) {
            {
                std::lock_guard lock(mu_);
                stop_ = true;  // the calling thread does the work itself, until the queue is empty
            }
            body(0);
        }
        {
            std::unique_lock lock(mu_);
            // Woken when the last task ends, or every 200 ms for the progress
            // line; never spinning: this thread's core belongs to the workers.
            while (pending_tasks_ > 0) {
                if (!opt_.progress) {
                    cv_done_.wait(lock, [this] { return pending_tasks_ == 0; });
                    break;
                }
                if (!cv_done_.wait_for(lock, std::chrono::milliseconds(200),
                                       [this] { return pending_tasks_ == 0; })) {
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
    }

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
            ++pending_tasks_;
            queue_.push_back(std::move(t));
        }
        cv_.notify_one();
    }

    void walk(unsigned worker)
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
                process(t, worker);
            } catch (const std::exception& e) {
                corpus_.warnings().unreadable((t.display.empty() ? "." : t.display) +
                                              ": internal error, directory skipped: " + e.what());
            }
            finish_task();
        }
    }

    void finish_task()
    {
        bool last = false;
        {
            std::lock_guard lock(mu_);
            last = --pending_tasks_ == 0;
        }
        if (last) {
            cv_done_.notify_all();
            cv_.notify_all();
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

    bool reported_dir(const std::string& display_dir) const
    {
        return opt_.report_dirs.empty() ||
               std::find(opt_.report_dirs.begin(), opt_.report_dirs.end(), display_dir) != opt_.report_dirs.end();
    }

    // A directory whose listing the report needs: a reported one, or one
    // on the way to it.
    bool leads_to_reported(const std::string& display_dir) const
    {
        return opt_.report_dirs.empty() ||
               std::any_of(opt_.report_dirs.begin(), opt_.report_dirs.end(),
                           [&](const std::string& r) { return display_dir.empty() || under(r, display_dir); });
    }

    struct WalkFile {
        std::string display;
        std::string fs;
        bool primary = true;
    };

    void symlink(const DirTask& t, const std::string& fs, const std::string& display, const char* name,
                 std::vector<WalkFile>& files)
    {
        int err = 0;
        const auto target = real_path(fs, err);
        if (!target) {
            if (err == ELOOP)
                corpus_.warnings().add(display + ": symlink loop, skipped");
            else if (is_source(name))
                corpus_.warnings().add(display + ": broken symlink (" + errno_text(err) + "), skipped");
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
                corpus_.warnings().add(display + ": symlink loop (points to " + *target + "), skipped");
                return;
            }
            if (first_visit(st))
                push({fs, display, true, {}});
        } else if (S_ISREG(st.st_mode) && is_source(name) && first_visit(st)) {
            files.push_back({display, fs, reported_dir(t.display)});
        }
    }

    void process(const DirTask& t, unsigned worker)
    {
        DIR* d = ::opendir(t.fs.c_str());
        if (!d) {
            const std::string why = (t.display.empty() ? "." : t.display) + ": cannot list: " + errno_text(errno);
            if (leads_to_reported(t.display))
                corpus_.warnings().unreadable(why);
            else
                corpus_.warnings().add(why + " (read only to resolve calls)");
            return;
        }
        ++dirs_;
        std::vector<WalkFile> files;
        const int dfd = ::dirfd(d);
        for (;;) {
            errno = 0;
            const dirent* ent = ::readdir(d);
            if (!ent) {
                if (errno != 0)
                    corpus_.warnings().unreadable((t.display.empty() ? "." : t.display) +
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
                        corpus_.warnings().unreadable(join_display(t.display, name) + ": cannot stat: " +
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
                    files.push_back({std::move(display), std::move(fs),
                                     (t.only_file.empty() || t.only_file == name) && reported_dir(t.display)});
            } else if (type == DT_LNK) {
                if (t.only_file.empty() || t.only_file == name)
                    symlink(t, fs, display, name, files);
            }
        }
        ::closedir(d);
        if (files.empty())
            return;
        std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) { return a.display < b.display; });
        const std::uint32_t dir = corpus_.add_dir(t.display);
        thread_local Bytes buf;
        thread_local std::vector<DefinitionLine> defs;
        for (WalkFile& f : files) {
            const bool header = f.display.back() == 'h';
            const bool primary = f.primary;
            const std::uint32_t id = corpus_.add_file({f.display, f.fs, dir, header, primary});
            if (primary)
                ++files_;
            const int err = read_file(f.fs, buf);
            if (err != 0) {
                if (primary)
                    corpus_.warnings().unreadable(f.display + ": cannot read: " + errno_text(err));
                continue;
            }
            if (primary)
                bytes_ += buf.size();
            const FileSkim skim = skim_file(buf.view(), true, defs);
            if (skim.binary) {
                if (primary)
                    corpus_.warnings().add(f.display + ": binary file (NUL bytes), skipped");
                continue;
            }
            corpus_.add_definitions(worker, id, defs);
            corpus_.work().add(buf.size() / 64 + defs.size());
            // Most of a kernel tree stops here, unlexed.
            if (!primary || !skim.declares_ops)
                continue;
            ++candidates_;
            candidate(id, f.display, std::move(buf));
        }
    }

    // A file that declares fops: fops without async-capable handlers are
    // reported now; the file is kept for phase 2 when it has others.
    void candidate(std::uint32_t id, const std::string& display, Bytes bytes)
    {
        if (auto line = first_non_utf8_line(bytes.view()))
            corpus_.warnings().add(display + ":" + std::to_string(*line) +
                                   ": bytes that are not UTF-8; read as opaque bytes");
        corpus_.work().add(bytes.size() / 16);
        auto pf = std::make_shared<ParsedFile>(display, std::move(bytes));
        pf->set_id(id);
        std::vector<std::size_t> later;
        std::vector<model::FopsReport> now;
        Resolver alone(nullptr);
        Analyzer a(alone, summaries_, opt_.limits);
        for (std::size_t k = 0; k < pf->fops().size(); ++k) {
            const FopsDecl& decl = pf->fops()[k];
            if (has_async_handlers(*pf, decl)) {
                later.push_back(k);
            } else {
                now.push_back(a.analyze(*pf, decl));
                ++fops_count_;
            }
        }
        if (!later.empty()) {
            corpus_.keep_whole(id, pf);
            std::lock_guard lock(result_mu_);
            pending_.emplace_back(id, std::move(later));
        }
        if (now.empty())
            return;
        std::lock_guard lock(result_mu_);
        for (auto& f : now)
            result_.fops.push_back(std::move(f));
    }

    void analyze()
    {
        Resolver resolver(&corpus_);
        for (;;) {
            resolver.forget_definitions();
            Analyzer a(resolver, summaries_, opt_.limits);
            std::size_t task = 0;
            {
                std::lock_guard lock(mu_);
                if (next_pending_ >= pending_.size())
                    return;
                task = next_pending_++;
            }
            const auto& [id, decls] = pending_[task];
            const auto started = std::chrono::steady_clock::now();
            std::vector<model::FopsReport> found;
            try {
                const auto pf = corpus_.whole(id);
                if (pf)
                    for (std::size_t k : decls) {
                        found.push_back(a.analyze(*pf, pf->fops()[k]));
                        ++fops_count_;
                    }
            } catch (const std::exception& e) {
                corpus_.warnings().unreadable(corpus_.file(id).display + ": internal error, file skipped: " +
                                              e.what());
            }
            if (std::getenv("AIO_AUDIT_SCAN_DEBUG"))
                std::fprintf(stderr, "task %s: %.3f s\n", corpus_.file(id).display.c_str(),
                             std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
            std::lock_guard lock(result_mu_);
            for (auto& f : found)
                result_.fops.push_back(std::move(f));
        }
    }

    const ScanOptions& opt_;
    Corpus corpus_;
    Summaries summaries_;
    std::mutex mu_;
    std::condition_variable cv_;
    std::condition_variable cv_done_;
    std::deque<DirTask> queue_;
    std::size_t pending_tasks_ = 0;
    bool stop_ = false;
    std::vector<std::pair<std::uint32_t, std::vector<std::size_t>>> pending_;
    std::size_t next_pending_ = 0;
    std::vector<std::string> real_roots_;
    std::mutex visited_mu_;
    std::set<std::pair<dev_t, ino_t>> visited_;
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
