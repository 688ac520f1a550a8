// SPDX-License-Identifier: GPL-2.0-only
//
// Where a subcommand's report goes: standard output, or the file named by
// --output. A report that could not be written completely is an error (exit
// 2), so a truncated JSON or SARIF file never passes a CI job; main() checks
// standard output the same way before it exits.
#pragma once

#include <memory>
#include <optional>
#include <ostream>
#include <streambuf>
#include <string>
#include <string_view>

#include "command.h"
#include "model/run_info.h"

namespace aio::cli {

// An output buffer over a file descriptor that keeps the errno of the
// first failed write (std::filebuf drops it).
class FdBuf : public std::streambuf {
public:
    explicit FdBuf(int fd) : fd_(fd) { setp(buf_, buf_ + sizeof buf_); }
    int error() const { return error_; }

protected:
    int_type overflow(int_type ch) override;
    int sync() override;

private:
    bool drain();
    int fd_;
    int error_ = 0;
    char buf_[1 << 16];
};

class ReportOutput {
public:
    // path "" or "-": standard output. Otherwise a new file: an existing one
    // is refused (aio-audit does not overwrite files), a FIFO or character
    // device is written as it is (e.g. /dev/stderr).
    // `option` names the destination in error messages ("--output", "--html").
    explicit ReportOutput(const std::string& path, std::string_view option = "--output");
    ~ReportOutput();
    ReportOutput(const ReportOutput&) = delete;
    ReportOutput& operator=(const ReportOutput&) = delete;

    std::ostream& stream();
    bool is_stdout() const { return path_.empty(); }
    // Flushes; throws aio::Error (exit 2) naming the destination when any
    // write failed. Call it after the whole report was written.
    void finish();

private:
    std::string path_;
    std::string option_;
    int fd_ = -1;
    int created_slot_ = -1;  // in the signal handler's list of files to remove
    std::unique_ptr<FdBuf> buf_;
    std::unique_ptr<std::ostream> file_;
    bool created_ = false;
    bool finished_ = false;
};

// --html FILE: a self-contained HTML copy of the report, written next to
// the text or JSON one. open_html() creates the file before the run (an
// existing file is refused at once, as for --output; one left empty by a
// failed run is removed); write_html() renders into it and finishes it.
void add_html_option(Command& cmd, std::string& path);
void open_html(std::optional<ReportOutput>& html, const std::string& path);
template <typename Render>
void write_html(std::optional<ReportOutput>& html, Render&& render)
{
    if (!html)
        return;
    render(html->stream());
    html->finish();
}

// Routes std::cout through an FdBuf on standard output, so that a failed
// write keeps its errno for check_stdout(). Call once, first thing in main().
void capture_stdout_errors();

// Adds --output FILE (and -o unless the subcommand uses -o for something else).
void add_output_option(Command& cmd, std::string& path, bool short_flag = true);

// Standard output after the subcommand ran: exit 2 with one line when a
// write failed (ENOSPC, EIO; a closed pipe already ended the process with SIGPIPE).
int check_stdout(int exit_code);

// Facts about this run, for the header of every JSON document.
const model::RunInfo& run_info();
void set_run_info(model::RunInfo info);

}  // namespace aio::cli
