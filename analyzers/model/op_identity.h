// SPDX-License-Identifier: GPL-2.0-only
//
// What a result is about: the driver operation (resolved kernel symbol and
// its module) and the kind of file it was reached through.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>

namespace aio::model {

// proc_read_iter: struct proc_ops's async-capable member (static scans only).
enum class OpKind : std::uint8_t { read_iter, write_iter, aio_read, aio_write, uring_cmd, proc_read_iter, unknown };
std::string_view name(OpKind k);

enum class FileKind : std::uint8_t { regular, directory, block_device, char_device, fifo, socket, symlink, unknown };
std::string_view name(FileKind k);
FileKind file_kind_from_mode(mode_t mode);

struct OpId {
    std::string symbol;  // "ext4_file_read_iter"; empty when not resolved
    std::string module;  // "aio_gadget"; empty for vmlinux
    OpKind kind = OpKind::unknown;

    // "ext4_file_read_iter", "gadget_read_iter [aio_gadget]", or "?" when unresolved.
    std::string display() const;
    auto operator<=>(const OpId&) const = default;
};

}  // namespace aio::model
