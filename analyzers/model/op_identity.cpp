// SPDX-License-Identifier: GPL-2.0-only
#include "model/op_identity.h"

#include <sys/stat.h>

namespace aio::model {

std::string_view name(OpKind k)
{
    switch (k) {
    case OpKind::read_iter: return "read_iter";
    case OpKind::write_iter: return "write_iter";
    case OpKind::aio_read: return "aio_read";
    case OpKind::aio_write: return "aio_write";
    case OpKind::uring_cmd: return "uring_cmd";
    case OpKind::proc_read_iter: return "proc_read_iter";
    case OpKind::unknown: return "?";
    }
    return "?";
}

std::string_view name(FileKind k)
{
    switch (k) {
    case FileKind::regular: return "file";
    case FileKind::directory: return "dir";
    case FileKind::block_device: return "blockdev";
    case FileKind::char_device: return "chardev";
    case FileKind::fifo: return "fifo";
    case FileKind::socket: return "socket";
    case FileKind::symlink: return "symlink";
    case FileKind::unknown: return "?";
    }
    return "?";
}

FileKind file_kind_from_mode(mode_t mode)
{
    if (S_ISREG(mode)) return FileKind::regular;
    if (S_ISDIR(mode)) return FileKind::directory;
    if (S_ISBLK(mode)) return FileKind::block_device;
    if (S_ISCHR(mode)) return FileKind::char_device;
    if (S_ISFIFO(mode)) return FileKind::fifo;
    if (S_ISSOCK(mode)) return FileKind::socket;
    if (S_ISLNK(mode)) return FileKind::symlink;
    return FileKind::unknown;
}

std::string OpId::display() const
{
    if (symbol.empty())
        return "?";
    return module.empty() ? symbol : symbol + " [" + module + "]";
}

}  // namespace aio::model
