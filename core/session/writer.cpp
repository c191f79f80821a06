// SPDX-License-Identifier: Apache-2.0
#include "session/writer.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <limits>
#include <set>
#include <string_view>
#include <vector>

#include "util/error.h"

namespace pwru::session {

namespace fs = std::filesystem;

namespace {

constexpr uint64_t kMiB = 1024 * 1024;
constexpr uint64_t kDefaultMaxSizeMb = 100;
constexpr int64_t kDayMs = 24LL * 60 * 60 * 1000;
constexpr size_t kTimestampLen = sizeof("2006-01-02T15-04-05.000") - 1;

int64_t now_ms() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

// Local time as 2006-01-02T15-04-05.000 (lumberjack's backupTimeFormat).
std::string format_timestamp(int64_t ms) {
  time_t secs = static_cast<time_t>(ms / 1000);
  tm t{};
  localtime_r(&secs, &t);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d-%02d-%02d.%03d", t.tm_year + 1900, t.tm_mon + 1, t.tm_mday,
                t.tm_hour, t.tm_min, t.tm_sec, static_cast<int>(ms % 1000));
  return buf;
}

// Parses exactly the format above as local time; false if it is not one.
bool parse_timestamp(std::string_view s, int64_t& ms) {
  if (s.size() != kTimestampLen) return false;
  static constexpr std::string_view kShape = "dddd-dd-ddTdd-dd-dd.ddd";
  for (size_t i = 0; i < s.size(); ++i) {
    if (kShape[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != kShape[i]) return false;
  }
  auto num = [&](size_t pos, size_t n) {
    int v = 0;
    for (size_t i = 0; i < n; ++i) v = v * 10 + (s[pos + i] - '0');
    return v;
  };
  tm t{};
  t.tm_year = num(0, 4) - 1900;
  t.tm_mon = num(5, 2) - 1;
  t.tm_mday = num(8, 2);
  t.tm_hour = num(11, 2);
  t.tm_min = num(14, 2);
  t.tm_sec = num(17, 2);
  t.tm_isdst = -1;
  if (t.tm_mon < 0 || t.tm_mon > 11 || t.tm_mday < 1 || t.tm_mday > 31 || t.tm_hour > 23 || t.tm_min > 59 ||
      t.tm_sec > 59)
    return false;
  time_t secs = mktime(&t);
  if (secs == static_cast<time_t>(-1)) return false;
  ms = static_cast<int64_t>(secs) * 1000 + num(20, 3);
  return true;
}

bool exists_nofollow(const std::string& p) {
  struct stat st{};
  return ::lstat(p.c_str(), &st) == 0;
}

// mkdir -p with 0755 for every directory it creates.
void make_dirs(const fs::path& dir, const std::string& file) {
  if (dir.empty()) return;
  fs::path cur;
  for (const auto& part : dir) {
    cur /= part;
    if (::mkdir(cur.c_str(), 0755) == 0 || errno == EEXIST) continue;
    int err = errno;
    throw UsageError(sys_error("cannot create directory '" + cur.string() + "' for output file '" + file + "'", err));
  }
}

}  // namespace

uint64_t RotateOptions::max_size_bytes() const {
  if (max_size_bytes_override != 0) return max_size_bytes_override;
  uint64_t mb = max_size_mb == 0 ? kDefaultMaxSizeMb : max_size_mb;
  if (mb > std::numeric_limits<uint64_t>::max() / kMiB) return std::numeric_limits<uint64_t>::max();
  return mb * kMiB;
}

struct Writer::State {
  int fd = -1;
  bool owned = false;
  bool rotating = false;  // a regular file: size limits apply
  bool broken_pipe = false;
  bool warned_long_line = false;
  std::string path;
  std::string error;
  RotateOptions opts;
  uint64_t max = 0;
  uint64_t size = 0;
  uint64_t rotations = 0;
  int64_t last_backup_ms = std::numeric_limits<int64_t>::min();
  fs::path dir;       // the file's directory ("" = the current one)
  std::string stem;   // file name without extension
  std::string ext;    // extension with its dot, as Go's filepath.Ext
  pwru_writer_v1 abi{};

  ~State() {
    if (owned && fd >= 0) ::close(fd);
  }

  static int write_cb(void* ctx, const void* buf, size_t len) {
    return static_cast<State*>(ctx)->write(static_cast<const char*>(buf), len);
  }
  static int flush_cb(void* /*ctx*/) { return 0; }  // writes are unbuffered

  std::string where() const { return owned ? "output file '" + path + "'" : "stdout"; }

  int fail(std::string msg, int err) {
    error = sys_error(msg, err);
    return -err;
  }

  int write_all(const char* p, size_t len) {
    while (len > 0) {
      ssize_t n = ::write(fd, p, len);
      if (n < 0) {
        if (errno == EINTR) continue;
        int err = errno;
        if (err == EPIPE) broken_pipe = true;
        return fail("cannot write to " + where(), err);
      }
      if (n == 0) return fail("cannot write to " + where(), EIO);
      p += n;
      len -= static_cast<size_t>(n);
      size += static_cast<uint64_t>(n);
    }
    return 0;
  }

  int reopen() {
    int f = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (f < 0) return fail("cannot open output file '" + path + "'", errno);
    struct stat st{};
    if (::fstat(f, &st) == 0 && S_ISREG(st.st_mode)) {
      size = static_cast<uint64_t>(st.st_size);
    } else {
      size = 0;
    }
    fd = f;
    return 0;
  }

  std::string in_dir(const std::string& name) const { return dir.empty() ? name : (dir / name).string(); }

  std::string backup_path() {
    int64_t ms = std::max(now_ms(), last_backup_ms == std::numeric_limits<int64_t>::min() ? 0 : last_backup_ms + 1);
    std::string name;
    for (;;) {
      name = in_dir(stem + "-" + format_timestamp(ms) + ext);
      if (!exists_nofollow(name) && !exists_nofollow(name + ".gz") && !exists_nofollow(name + ".gz.tmp")) break;
      ++ms;
    }
    last_backup_ms = ms;
    return name;
  }

  int rotate() {
    std::string backup = backup_path();
    if (::rename(path.c_str(), backup.c_str()) != 0)
      return fail("cannot rotate output file '" + path + "' to '" + backup + "'", errno);
    ::close(fd);
    fd = -1;
    ++rotations;
    if (int r = reopen(); r != 0) {
      error = "after rotating to '" + backup + "': " + error;
      return r;
    }
    if (opts.compress) compress(backup);
    prune();
    return 0;
  }

  void compress(const std::string& src) {
    const std::string dst = src + ".gz";
    const std::string tmp = dst + ".tmp";
    std::string what;
    int in = ::open(src.c_str(), O_RDONLY | O_CLOEXEC);
    if (in < 0) {
      spdlog::warn("cannot compress '{}': {}; left uncompressed", src, errno_text(errno));
      return;
    }
    int out = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out < 0) {
      spdlog::warn("cannot create '{}': {}; '{}' left uncompressed", tmp, errno_text(errno), src);
      ::close(in);
      return;
    }
    // gzclose() closes the fd it was given; keep `out` for fsync.
    int gzfd = ::dup(out);
    gzFile gz = gzfd < 0 ? nullptr : gzdopen(gzfd, "wb1");
    if (gz == nullptr) {
      what = gzfd < 0 ? errno_text(errno) : "gzdopen failed";
      if (gzfd >= 0) ::close(gzfd);
    } else {
      std::vector<char> buf(256 * 1024);
      for (;;) {
        ssize_t n = ::read(in, buf.data(), buf.size());
        if (n < 0) {
          if (errno == EINTR) continue;
          what = "reading: " + errno_text(errno);
          break;
        }
        if (n == 0) break;
        if (gzwrite(gz, buf.data(), static_cast<unsigned>(n)) != static_cast<int>(n)) {
          int zerr = 0;
          what = std::string("writing: ") + gzerror(gz, &zerr);
          break;
        }
      }
      int zr = gzclose(gz);
      if (what.empty() && zr != Z_OK) what = "closing: zlib error " + std::to_string(zr);
    }
    if (what.empty() && ::fsync(out) != 0) what = "fsync: " + errno_text(errno);
    ::close(out);
    ::close(in);
    if (what.empty() && ::rename(tmp.c_str(), dst.c_str()) != 0) what = "rename to '" + dst + "': " + errno_text(errno);
    if (!what.empty()) {
      ::unlink(tmp.c_str());
      spdlog::warn("cannot compress '{}' ({}); left uncompressed", src, what);
      return;
    }
    if (::unlink(src.c_str()) != 0)
      spdlog::warn("compressed '{}' but cannot remove it: {}", src, errno_text(errno));
  }

  struct Backup {
    int64_t ms;
    std::string name;  // file name in dir
    std::string key;   // name without ".gz": a backup and its .gz are one
  };

  void prune() {
    if (opts.max_backups == 0 && opts.max_age_days == 0) return;
    const std::string prefix = stem + "-";
    const std::string gz_ext = ext + ".gz";
    std::vector<Backup> backups;
    std::error_code ec;
    fs::directory_iterator it(dir.empty() ? fs::path(".") : dir, ec);
    if (ec) {
      spdlog::warn("cannot list '{}' to remove old backups: {}", dir.empty() ? "." : dir.string(), ec.message());
      return;
    }
    for (const auto& e : it) {
      std::error_code sec;
      if (!e.is_regular_file(sec) || e.is_symlink(sec)) continue;
      const std::string name = e.path().filename().string();
      if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
      for (const std::string* suffix : {static_cast<const std::string*>(&ext), &gz_ext}) {
        if (name.size() < prefix.size() + suffix->size()) continue;
        if (name.compare(name.size() - suffix->size(), suffix->size(), *suffix) != 0) continue;
        std::string_view mid(name);
        mid = mid.substr(prefix.size(), name.size() - prefix.size() - suffix->size());
        int64_t ms = 0;
        if (!parse_timestamp(mid, ms)) continue;
        std::string key = suffix == &gz_ext ? name.substr(0, name.size() - 3) : name;
        backups.push_back(Backup{ms, name, std::move(key)});
        break;
      }
    }
    std::sort(backups.begin(), backups.end(),
              [](const Backup& a, const Backup& b) { return a.ms != b.ms ? a.ms > b.ms : a.name > b.name; });
    const int64_t cutoff = now_ms() - static_cast<int64_t>(opts.max_age_days) * kDayMs;
    std::set<std::string> kept;
    for (const auto& b : backups) {
      kept.insert(b.key);
      bool too_many = opts.max_backups != 0 && kept.size() > opts.max_backups;
      bool too_old = opts.max_age_days != 0 && b.ms < cutoff;
      if (!too_many && !too_old) continue;
      std::string p = in_dir(b.name);
      if (::unlink(p.c_str()) != 0 && errno != ENOENT)
        spdlog::warn("cannot remove old backup '{}': {}", p, errno_text(errno));
    }
  }

  int write(const char* p, size_t len) {
    if (!rotating) return write_all(p, len);
    if (fd < 0) {
      if (int r = reopen(); r != 0) return r;
    }
    if (len <= max) {
      if (size > 0 && size + len > max) {
        if (int r = rotate(); r != 0) return r;
      }
      return write_all(p, len);
    }
    // Larger than a whole file: cut at line boundaries.
    while (len > 0) {
      uint64_t room = size < max ? max - size : 0;
      size_t take = 0;
      if (len <= room) {
        take = len;
      } else if (room > 0) {
        if (const void* nl = ::memrchr(p, '\n', static_cast<size_t>(room)))
          take = static_cast<size_t>(static_cast<const char*>(nl) - p) + 1;
      }
      if (take == 0) {
        if (size > 0) {
          if (int r = rotate(); r != 0) return r;
          continue;
        }
        // An empty file and the first line alone is longer than max.
        const void* nl = ::memchr(p, '\n', len);
        take = nl ? static_cast<size_t>(static_cast<const char*>(nl) - p) + 1 : len;
        if (!warned_long_line) {
          warned_long_line = true;
          spdlog::warn("a line of {} bytes is longer than the output file's max size ({} bytes); it goes into a file "
                       "of its own (warned once)",
                       take, max);
        }
      }
      if (int r = write_all(p, take); r != 0) return r;
      p += take;
      len -= take;
    }
    return 0;
  }
};

Writer Writer::open(const std::string& path) { return open(path, RotateOptions{}); }

Writer Writer::open(const std::string& path, const RotateOptions& opts) {
  auto st = std::make_unique<State>();
  st->opts = opts;
  st->max = opts.max_size_bytes();
  if (path.empty() || path == "-") {
    st->fd = STDOUT_FILENO;
    st->path = "stdout";
    return Writer(std::move(st));
  }
  fs::path p(path);
  make_dirs(p.parent_path(), path);
  const int mode = opts.binary ? O_TRUNC : O_APPEND;
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | mode | O_CLOEXEC, 0644);
  if (fd < 0) throw UsageError(sys_error("cannot open output file '" + path + "'"));
  st->fd = fd;
  st->owned = true;
  st->path = path;
  struct stat sb{};
  if (::fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && !opts.binary) {
    st->rotating = true;
    st->size = static_cast<uint64_t>(sb.st_size);
  }
  st->dir = p.parent_path();
  // Go's filepath.Ext: from the last '.' of the base name (".bashrc" is all extension).
  std::string base = p.filename().string();
  size_t dot = base.rfind('.');
  st->ext = dot == std::string::npos ? "" : base.substr(dot);
  st->stem = base.substr(0, base.size() - st->ext.size());
  return Writer(std::move(st));
}

Writer::Writer(std::unique_ptr<State> st) : st_(std::move(st)) {
  auto& a = st_->abi;
  a.size = sizeof(a);
  a.is_terminal = ::isatty(st_->fd) ? 1 : 0;
  a.ctx = st_.get();
  a.write = &State::write_cb;
  a.flush = &State::flush_cb;
}

Writer::Writer(Writer&&) noexcept = default;
Writer& Writer::operator=(Writer&&) noexcept = default;
Writer::~Writer() = default;

const pwru_writer_v1* Writer::abi() const { return &st_->abi; }
const std::string& Writer::path() const { return st_->path; }
bool Writer::broken_pipe() const { return st_->broken_pipe; }
const std::string& Writer::error() const { return st_->error; }
uint64_t Writer::rotations() const { return st_->rotations; }

}  // namespace pwru::session
