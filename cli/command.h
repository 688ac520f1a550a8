// SPDX-License-Identifier: GPL-2.0-only
//
// Each subcommand lives in its own file: it binds a plain options struct to
// the command line and, when selected, calls its one run_<name>() with it.
//
// The binding goes through Command and Option, a small non-template front
// to CLI11 defined in command.cpp: CLI11 is header-only, and every file that
// includes it compiles the parser again (15-20 s of CPU each at -O2 -g).
// Here only command.cpp does. Each method does what the CLI11 call of the
// same name, or the one named in its comment, does, so --help reads as if
// the subcommand files called CLI11 themselves.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace aio::cli {

struct AppDocs;

// Set by the subcommand that the command line selected; returns the exit code.
using Runner = std::function<int()>;

// One option or positional argument of a Command; the setters chain.
class Option {
public:
    explicit Option(CLI::Option* option) : option_(option) {}
    Option& capture_default_str();
    Option& type_name(const std::string& name);
    Option& required();
    Option& join(char delimiter);
    Option& delimiter(char delimiter);
    Option& take_all();
    Option& take_last();  // multi_option_policy(TakeLast)
    // Validators: check(CLI::Range(min, max)), check(CLI::PositiveNumber),
    // check(CLI::IsMember(values)), transform(CLI::AsSizeValue(false)).
    Option& range(unsigned min, unsigned max);
    Option& range(double min, double max);
    Option& positive();
    Option& one_of(const std::vector<std::string>& values);
    Option& size_suffixes();  // 4k, 1m

private:
    CLI::Option* option_;
};

// The program or one of its subcommands.
class Command {
public:
    Command subcommand(const std::string& name, const std::string& description);

    // "-n,--name" for an option, "NAME" for a positional argument.
    Option option(const std::string& names, std::string& value, const std::string& description);
    Option option(const std::string& names, std::vector<std::string>& value, const std::string& description);
    Option option(const std::string& names, int& value, const std::string& description);
    Option option(const std::string& names, unsigned& value, const std::string& description);
    // std::uint64_t and std::size_t: both unsigned long on the LP64 targets this builds for.
    Option option(const std::string& names, unsigned long& value, const std::string& description);
    Option option(const std::string& names, double& value, const std::string& description);
    Option option(const std::string& names, std::optional<double>& value, const std::string& description);
    void flag(const std::string& names, bool& value, const std::string& description);
    void footer(const std::string& text);

    // Whether the option was given on the command line (count()).
    bool given(const std::string& name) const;
    // Checks across options, run while the command line is parsed, so that
    // what they throw reads like CLI11's own usage errors: a UsageError
    // becomes CLI::ValidationError. Call it before run().
    void validate(std::function<void()> check);
    // What runs when the command line selected this subcommand.
    void run(Runner runner);

private:
    friend class CommandLine;
    Command(CLI::App* app, Runner* selected) : app_(app), selected_(selected) {}
    CLI::App* app_;
    Runner* selected_;
    std::function<void()> validate_;
};

// The aio-audit command line: the program, its subcommands and the parser.
class CommandLine {
public:
    CommandLine(const std::string& description, const std::string& footer);
    ~CommandLine();
    CommandLine(const CommandLine&) = delete;
    CommandLine& operator=(const CommandLine&) = delete;

    // Where the subcommands are added.
    Command& program() { return program_; }
    // Parses the command line. An exit code when the run ends here: --help
    // and --version printed, or a usage error reported on standard error.
    std::optional<int> parse(int argc, char** argv);
    // After parse(): the subcommand's name, and its run.
    const std::string& selected() const { return selected_name_; }
    int run() const;
    // What --help prints, as data: for man pages and completion.
    AppDocs docs();

private:
    void finish();

    std::unique_ptr<CLI::App> app_;
    Runner selected_run_;
    Command program_;
    std::string selected_name_;
    bool finished_ = false;
};

void add_probe(Command& program);
void add_trace(Command& program);
void add_scan(Command& program);
void add_check(Command& program);
void add_doctor(Command& program);
void add_matrix(Command& program);

// Text appended to a subcommand's --help: examples and exit codes.
std::string footer(std::string_view examples);

// An option's comma-separated list: "a,b" -> {"a", "b"}; empty items dropped.
std::vector<std::string> split_list(const std::string& text);

}  // namespace aio::cli
