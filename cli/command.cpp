// SPDX-License-Identifier: GPL-2.0-only
//
// The one file that compiles CLI11 (see command.h).
#include "command.h"

#include <cstdint>
#include <iostream>
#include <type_traits>

#include <CLI/CLI.hpp>

#include "app_docs.h"
#include "model/errors.h"
#include "model/exit_codes.h"
#include "output.h"
#include "version.h"

namespace aio::cli {

static_assert(std::is_same_v<std::uint64_t, unsigned long> && std::is_same_v<std::size_t, unsigned long>,
              "Command::option() binds std::uint64_t and std::size_t as unsigned long");

Option& Option::capture_default_str()
{
    option_->capture_default_str();
    return *this;
}

Option& Option::type_name(const std::string& name)
{
    option_->type_name(name);
    return *this;
}

Option& Option::required()
{
    option_->required();
    return *this;
}

Option& Option::join(char delimiter)
{
    option_->join(delimiter);
    return *this;
}

Option& Option::delimiter(char delimiter)
{
    option_->delimiter(delimiter);
    return *this;
}

Option& Option::take_all()
{
    option_->take_all();
    return *this;
}

Option& Option::take_last()
{
    option_->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
    return *this;
}

Option& Option::range(unsigned min, unsigned max)
{
    option_->check(CLI::Range(min, max));
    return *this;
}

Option& Option::range(double min, double max)
{
    option_->check(CLI::Range(min, max));
    return *this;
}

Option& Option::positive()
{
    option_->check(CLI::PositiveNumber);
    return *this;
}

Option& Option::one_of(const std::vector<std::string>& values)
{
    option_->check(CLI::IsMember(values));
    return *this;
}

Option& Option::size_suffixes()
{
    option_->transform(CLI::AsSizeValue(false));
    return *this;
}

Command Command::subcommand(const std::string& name, const std::string& description)
{
    return {app_->add_subcommand(name, description), selected_};
}

Option Command::option(const std::string& names, std::string& value, const std::string& description)
{
    return Option(app_->add_option(names, value, description));
}

Option Command::option(const std::string& names, std::vector<std::string>& value,
                       const std::string& description)
{
    return Option(app_->add_option(names, value, description));
}

Option Command::option(const std::string& names, int& value, const std::string& description)
{
    return Option(app_->add_option(names, value, description));
}

Option Command::option(const std::string& names, unsigned& value, const std::string& description)
{
    return Option(app_->add_option(names, value, description));
}

Option Command::option(const std::string& names, unsigned long& value, const std::string& description)
{
    return Option(app_->add_option(names, value, description));
}

Option Command::option(const std::string& names, double& value, const std::string& description)
{
    return Option(app_->add_option(names, value, description));
}

Option Command::option(const std::string& names, std::optional<double>& value, const std::string& description)
{
    return Option(app_->add_option(names, value, description));
}

void Command::flag(const std::string& names, bool& value, const std::string& description)
{
    app_->add_flag(names, value, description);
}

void Command::footer(const std::string& text)
{
    app_->footer(text);
}

bool Command::given(const std::string& name) const
{
    return app_->count(name) > 0;
}

void Command::validate(std::function<void()> check)
{
    validate_ = std::move(check);
}

void Command::run(Runner runner)
{
    app_->callback([check = validate_, runner = std::move(runner), selected = selected_] {
        if (check) {
            try {
                check();
            } catch (const UsageError& e) {
                throw CLI::ValidationError(e.what());
            }
        }
        *selected = runner;
    });
}

CommandLine::CommandLine(const std::string& description, const std::string& footer)
    : app_(std::make_unique<CLI::App>(description, "aio-audit")), program_(app_.get(), &selected_run_)
{
    app_->set_version_flag("--version", version_text,
                           "Print the version, commit, libbpf and kernel, and exit");
    app_->require_subcommand(1, 1);
    app_->footer(footer);
}

CommandLine::~CommandLine() = default;

// Once every subcommand is there: each takes --version too, listed last.
void CommandLine::finish()
{
    if (finished_)
        return;
    finished_ = true;
    for (auto* sub : app_->get_subcommands(std::function<bool(CLI::App*)>{}))
        sub->set_version_flag("--version", version_text,
                              "Print the version, commit, libbpf and kernel, and exit");
}

std::optional<int> CommandLine::parse(int argc, char** argv)
{
    finish();
    CLI::App& app = *app_;
    // CLI11 reports a mistyped command as "A subcommand is required"; name it.
    auto is_command = [&app](const char* word) {
        for (const auto* sub : app.get_subcommands({}))
            if (sub->get_name() == word)
                return true;
        return false;
    };
    if (argc > 1 && argv[1][0] != '-' && !is_command(argv[1])) {
        std::cerr << "aio-audit: error: unknown command '" << argv[1]
                  << "' (commands: probe, trace, scan, check, doctor, matrix)\n";
        return kExitUsage;
    }
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return check_stdout(app.exit(e));
    } catch (const CLI::CallForAllHelp& e) {
        return check_stdout(app.exit(e));
    } catch (const CLI::CallForVersion& e) {
        return check_stdout(app.exit(e));
    } catch (const CLI::ParseError& e) {
        std::cerr << "aio-audit: error: " << e.what() << "\n";
        std::cerr << "Run 'aio-audit --help' or 'aio-audit <command> --help' for usage.\n";
        return kExitUsage;
    }
    for (const auto* sub : app.get_subcommands())
        selected_name_ = sub->get_name();
    return std::nullopt;
}

int CommandLine::run() const
{
    return selected_run_ ? selected_run_() : kExitUsage;
}

namespace {

CommandDoc command_doc(const CLI::App& app)
{
    CommandDoc doc{app.get_name(), app.get_description(), app.get_footer(), {}};
    // Options without a group are hidden from --help.
    for (const CLI::Option* o :
         app.get_options([](const CLI::Option* opt) { return !opt->get_group().empty(); }))
        doc.options.push_back({.name = o->get_name(true),
                               .short_names = o->get_snames(),
                               .long_names = o->get_lnames(),
                               .description = o->get_description(),
                               .type_name = o->get_type_name(),
                               .default_str = o->get_default_str(),
                               .positional = !o->nonpositional(),
                               .flag = o->get_expected_max() == 0,  // add_flag sets expected(0)
                               .required = o->get_required(),
                               .many = o->get_items_expected_max() > 1});
    return doc;
}

}  // namespace

AppDocs CommandLine::docs()
{
    finish();
    const CLI::App& app = *app_;
    AppDocs docs{command_doc(app), {}};
    for (const auto* sub : app.get_subcommands(std::function<bool(const CLI::App*)>{}))
        docs.commands.push_back(command_doc(*sub));
    return docs;
}

}  // namespace aio::cli
