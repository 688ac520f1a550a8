// SPDX-License-Identifier: GPL-2.0-only
#include "report/table.h"

#include <algorithm>

#include "report/format.h"

namespace aio::report {

Table::Table(std::vector<Column> columns) : columns_(std::move(columns)) {}

void Table::add_row(std::vector<std::string> cells)
{
    cells.resize(columns_.size());
    rows_.push_back({false, std::move(cells)});
}

void Table::add_section(std::string title)
{
    rows_.push_back({true, {std::move(title)}});
}

void Table::render(std::ostream& out) const
{
    std::vector<std::size_t> width(columns_.size());
    for (std::size_t c = 0; c < columns_.size(); ++c)
        width[c] = display_width(columns_[c].header);
    for (const auto& row : rows_)
        if (!row.section)
            for (std::size_t c = 0; c < row.cells.size(); ++c)
                width[c] = std::max(width[c], display_width(row.cells[c]));

    auto emit = [&](const std::vector<std::string>& cells) {
        std::string line;
        for (std::size_t c = 0; c < columns_.size(); ++c) {
            const std::string& text = cells[c];
            const std::size_t pad = width[c] - display_width(text);
            const bool last = c + 1 == columns_.size();
            if (columns_[c].align == Align::right)
                line.append(pad, ' ').append(text);
            else
                line.append(text).append(last ? 0 : pad, ' ');
            if (!last)
                line.append("  ");
        }
        while (!line.empty() && line.back() == ' ')
            line.pop_back();
        out << line << '\n';
    };

    std::vector<std::string> header;
    for (const auto& col : columns_)
        header.push_back(col.header);
    emit(header);
    for (const auto& row : rows_) {
        if (row.section)
            out << row.cells.front() << '\n';
        else
            emit(row.cells);
    }
}

}  // namespace aio::report
