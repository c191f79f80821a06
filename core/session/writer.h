// SPDX-License-Identifier: Apache-2.0
// Where a sink's bytes go: stdout, or a file that rotates like cilium/pwru's
// lumberjack writer (--output-file*), exposed to plugins as struct
// pwru_writer_v1. Writes are unbuffered: each write() reaches the kernel
// before it returns, so flush() is a no-op.
//
// Rotating file (lumberjack semantics unless noted):
//  - The file is opened O_APPEND (an existing file is appended to), mode
//    0644; missing directories are created with 0755.
//  - Before a write that would make size + len exceed the max size, the
//    current file is renamed to `<stem>-<local time>.<ext>` in the same
//    directory, time formatted 2006-01-02T15-04-05.000 (lumberjack's
//    backupName: trace.log -> trace-2026-11-23T12-00-00.000.log; a name
//    without an extension gets none), and a fresh file is opened under the
//    original name. A file that is still empty is never rotated.
//    Unique names: a backup's timestamp is never earlier than 1 ms after the
//    previous backup this writer made, and it is advanced 1 ms at a time
//    while `<name>`, `<name>.gz` or `<name>.gz.tmp` exists; names therefore
//    stay in the parseable pattern and sort in rotation order.
//  - Never split, never lose: a write of at most max size goes whole into one
//    file (rotating first if it does not fit). A write LARGER than max size
//    (lumberjack rejects it; a sink's batch of lines can be) is cut at line
//    boundaries ('\n'): the current file gets as many whole lines as fit, the
//    file rotates, and so on. A single line longer than max size goes into a
//    file by itself (that file exceeds max size; a warning is logged once).
//    Bytes after the last '\n' of a write count as one line. Order is kept.
//  - compress: the backup just made is gzip-compressed with zlib (level 1)
//    to `<backup>.gz.tmp`, fsynced, renamed to `<backup>.gz`, and the
//    uncompressed backup is removed. This runs synchronously on the writer's
//    thread, once per rotation: the write that rotates stalls for the time
//    to read, deflate and fsync one max-size file (~0.2 s per 100 MB of
//    repetitive trace text here; more for less compressible data). Unlike
//    lumberjack, older uncompressed backups are left alone. On failure the
//    backup stays uncompressed and a warning is logged; no line is lost.
//  - max_backups / max_age_days: after each rotation, backups of THIS file
//    (`<stem>-<timestamp><ext>` or `...<ext>.gz`, timestamp parsed as local
//    time) beyond the newest max_backups (a backup and its .gz count as one;
//    0 = keep all) and those older than max_age_days * 24 h (0 = no limit)
//    are deleted. Only regular files matching the pattern with a valid
//    timestamp are considered; nothing else is ever deleted. Deletion
//    failures are logged as warnings.
//  - Rotation applies to regular files only: a path naming a FIFO, a
//    character device (/dev/null, /dev/stdout) etc. is written to as is.
//  - Errors at run time (write, rename, reopening the fresh file) make
//    write() return -errno and set error() to a one-line message with the
//    path. After a failed rename the current file stays open and the next
//    write retries the rotation; after a failed reopen the next write
//    retries opening the file.
//  - Not thread-safe: one sink calls write() from one thread.
//  - RotateOptions::binary (the pcapng sink): the file is truncated on open
//    and never rotated; writes go through whole.
//
// "" or "-" is stdout; rotation options are ignored for it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include <pwru/plugin.h>

namespace pwru::session {

struct RotateOptions {
  // --output-file-max-size, in MiB. 0 means the default, 100 (lumberjack
  // treats 0 the same way), so there is no "never rotate" setting.
  uint64_t max_size_mb = 100;
  // --output-file-max-backups: keep the newest N backups; 0 keeps all.
  uint32_t max_backups = 0;
  // --output-file-max-age: delete backups older than N days; 0 = no limit.
  uint32_t max_age_days = 0;
  // --output-file-compress: gzip each backup.
  bool compress = false;
  // For tests: when non-zero, the max size in bytes (overrides max_size_mb).
  uint64_t max_size_bytes_override = 0;
  // A binary stream that must not be cut or restarted (pcapng: a rotated
  // piece would start without its section header): never rotate, and start
  // the file empty (O_TRUNC) instead of appending. The options above are
  // then ignored.
  bool binary = false;

  // The effective max size in bytes (saturating).
  uint64_t max_size_bytes() const;
};

class Writer {
 public:
  // "" or "-" is stdout; anything else is a rotating file with the default
  // options (100 MiB, keep all backups, no compression).
  static Writer open(const std::string& path);
  // As above with explicit rotation options. Throws pwru::UsageError with
  // the path when the directory or the file cannot be created or opened.
  static Writer open(const std::string& path, const RotateOptions& opts);

  Writer(Writer&&) noexcept;
  Writer& operator=(Writer&&) noexcept;
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;
  ~Writer();

  // Stable for the Writer's lifetime (moves keep it valid). A moved-from
  // Writer may only be destroyed or assigned to.
  const pwru_writer_v1* abi() const;
  // The path as given, or "stdout".
  const std::string& path() const;
  // True once the reader went away (EPIPE): the trace should end quietly.
  bool broken_pipe() const;
  // The last write/rotation error as one line ("" when none), e.g.
  // "cannot rotate output file 'x.log' to 'x-....log': No such file or directory".
  const std::string& error() const;
  // How many times the file was rotated (0 for stdout).
  uint64_t rotations() const;

 private:
  struct State;  // writer.cpp
  explicit Writer(std::unique_ptr<State> st);
  std::unique_ptr<State> st_;
};

}  // namespace pwru::session
