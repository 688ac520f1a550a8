// SPDX-License-Identifier: GPL-2.0-only
#include "report/html_facts_table.h"

#include <fmt/format.h>

#include "report/format.h"
#include "report/html_page.h"

namespace aio::report {

void render_fact_rows(std::ostream& out, const FactRows& rows)
{
    out << "<table class=\"facts\"><tbody>";
    for (const auto& [k, v] : rows)
        if (!v.empty())
            out << "<tr><th>" << html_escape(k) << "</th><td>" << html_escape(v) << "</td></tr>";
    out << "</tbody></table>\n";
}

std::string count_share(std::uint64_t n, std::uint64_t of)
{
    if (of == 0)
        return std::to_string(n);
    return fmt::format("{} ({})", n, format_percent(static_cast<double>(n) / static_cast<double>(of)));
}

}  // namespace aio::report
