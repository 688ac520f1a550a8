// SPDX-License-Identifier: GPL-2.0-only
//
// A plain column-aligned text table: what `column -t` would print, with
// right-aligned numeric columns. Renderers fill it; it never computes.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace aio::report {

class Table {
public:
    enum class Align { left, right };
    struct Column {
        std::string header;
        Align align = Align::left;
    };

    explicit Table(std::vector<Column> columns);
    void add_row(std::vector<std::string> cells);
    // A full-width line between rows, e.g. a target's name above its cases.
    void add_section(std::string title);
    void render(std::ostream& out) const;
    bool empty() const { return rows_.empty(); }

private:
    struct Row {
        bool section = false;
        std::vector<std::string> cells;
    };
    std::vector<Column> columns_;
    std::vector<Row> rows_;
};

}  // namespace aio::report
