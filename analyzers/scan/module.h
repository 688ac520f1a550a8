// SPDX-License-Identifier: GPL-2.0-only
//
// A module, as the scanner bounds it: the C files of one directory. Handlers
// and the functions they call are looked up in the fops's own file first,
// then in the directory's other files — read, and parsed, only when they
// mention the name. Everything here belongs to one worker thread.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "model/static_verdict.h"
#include "scan/body_walker.h"
#include "scan/file_io.h"
#include "scan/parsed_file.h"

namespace aio::scan {

struct ModuleFile {
    std::string display;  // what reports show
    std::string fs_path;  // what open() gets
    bool primary = true;  // report its fops (false: read only to resolve names)
};

struct Def {
    const ParsedFile* file = nullptr;
    const FunctionDef* def = nullptr;
};

class Module {
public:
    Module(std::vector<ModuleFile> files, Warnings& warnings);

    std::size_t size() const { return files_.size(); }
    const ModuleFile& file(std::size_t i) const { return files_[i].info; }
    // The file's bytes, read on first use; nullptr (warned once) when it
    // cannot be read or is binary.
    const std::string_view* content(std::size_t i);
    // Keeps a copy of bytes already read (by the pre-filter), so the file is
    // not read twice; the caller's buffer stays for the next file.
    void adopt(std::size_t i, std::string_view bytes);
    // Forgets the bytes of a file that was not parsed, to bound memory.
    void release(std::size_t i);
    const ParsedFile* parse(std::size_t i);

    // Definitions of `name`: in `from` when it has any, else in the other
    // files of the directory (only when `siblings`).
    const std::vector<Def>& find(const ParsedFile* from, std::string_view name, bool siblings);
    const FunctionFacts& facts(const ParsedFile* file, const FunctionDef* def);

    // Parsed files whose text contains `needle`.
    std::vector<const ParsedFile*> parsed_mentioning(std::string_view needle);

    // A non-noop ->direct_IO in any address_space_operations of the module.
    std::optional<model::SourceLocation> direct_io();
    // f_mode |= FMODE_NOWAIT in this file (the fops's open handler is
    // checked by the analyzer, wherever it lives).
    static std::optional<model::SourceLocation> sets_fmode_nowait(const ParsedFile& file);
    // The directory's name as reports show it.
    std::string dir_display() const;

private:
    struct Entry {
        ModuleFile info;
        Bytes bytes;
        std::string_view view;
        bool loaded = false;
        bool failed = false;
        std::unique_ptr<ParsedFile> parsed;
    };
    std::vector<Entry> files_;
    Warnings& warnings_;
    // Keys are names inside parsed files' text, which lives as long as the module.
    struct KeyHash {
        std::size_t operator()(const std::pair<const ParsedFile*, std::string_view>& k) const
        {
            return std::hash<std::string_view>()(k.second) ^ (std::hash<const void*>()(k.first) << 1);
        }
    };
    std::unordered_map<std::pair<const ParsedFile*, std::string_view>, std::vector<Def>, KeyHash> found_;
    std::unordered_map<std::string_view, std::vector<Def>> sibling_found_;
    // Which files define which functions: built on the first lookup that
    // leaves its own file, by lexing every file of the directory once.
    void build_definition_index();
    bool indexed_ = false;
    std::map<std::string, std::vector<std::size_t>, std::less<>> defined_in_;
    std::unordered_map<const FunctionDef*, FunctionFacts> facts_;
    std::optional<std::optional<model::SourceLocation>> direct_io_;
};

}  // namespace aio::scan
