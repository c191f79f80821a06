// SPDX-License-Identifier: Apache-2.0
// session::Writer: stdout, appending, lumberjack-style rotation that never
// splits or loses a line, gzip backups, pruning by count and age.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "session/writer.h"
#include "util/error.h"

namespace fs = std::filesystem;
using pwru::session::RotateOptions;
using pwru::session::Writer;

namespace {

const std::regex kBackupRe(R"(trace-(\d{4})-(\d\d)-(\d\d)T(\d\d)-(\d\d)-(\d\d)\.(\d{3})\.log(\.gz)?)");

std::string read_plain(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string read_gz(const fs::path& p) {
  gzFile gz = gzopen(p.c_str(), "rb");
  EXPECT_NE(gz, nullptr) << p;
  if (gz == nullptr) return {};
  std::string out;
  char buf[4096];
  int n;
  while ((n = gzread(gz, buf, sizeof(buf))) > 0) out.append(buf, static_cast<size_t>(n));
  EXPECT_EQ(n, 0) << "gzread failed on " << p;
  EXPECT_EQ(gzclose(gz), Z_OK);
  return out;
}

std::string read_any(const fs::path& p) {
  return p.extension() == ".gz" ? read_gz(p) : read_plain(p);
}

void write_file(const fs::path& p, const std::string& s) {
  std::ofstream out(p, std::ios::binary);
  out << s;
}

// Local time as the writer formats it.
std::string local_stamp(time_t secs, int ms = 0) {
  tm t{};
  localtime_r(&secs, &t);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d-%02d-%02d.%03d", t.tm_year + 1900, t.tm_mon + 1, t.tm_mday,
                t.tm_hour, t.tm_min, t.tm_sec, ms);
  return buf;
}

int put(Writer& w, const std::string& s) { return w.abi()->write(w.abi()->ctx, s.data(), s.size()); }

RotateOptions tiny(uint64_t bytes) {
  RotateOptions o;
  o.max_size_bytes_override = bytes;
  return o;
}

class WriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    old_umask_ = ::umask(022);
    std::string tmpl = (fs::temp_directory_path() / "pwru-writer-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    file_ = dir_ / "trace.log";
  }
  void TearDown() override {
    std::error_code ec;
    fs::permissions(dir_, fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(dir_, ec);
    ::umask(old_umask_);
  }

  // Backups of trace.log, oldest first (the timestamps sort as text).
  std::vector<fs::path> backups() const {
    std::vector<fs::path> v;
    for (const auto& e : fs::directory_iterator(dir_))
      if (std::regex_match(e.path().filename().string(), kBackupRe)) v.push_back(e.path());
    std::sort(v.begin(), v.end());
    return v;
  }
  // Every backup then the current file, oldest first.
  std::vector<fs::path> all_files() const {
    auto v = backups();
    if (fs::exists(file_)) v.push_back(file_);
    return v;
  }
  std::vector<std::string> names() const {
    std::vector<std::string> v;
    for (const auto& e : fs::directory_iterator(dir_)) v.push_back(e.path().filename().string());
    std::sort(v.begin(), v.end());
    return v;
  }

  mode_t old_umask_ = 0;
  fs::path dir_;
  fs::path file_;
};

TEST_F(WriterTest, DefaultMaxSizeIs100MiBAndZeroMeansDefault) {
  RotateOptions o;
  EXPECT_EQ(o.max_size_bytes(), 100ull << 20);
  o.max_size_mb = 0;
  EXPECT_EQ(o.max_size_bytes(), 100ull << 20);
  o.max_size_mb = 3;
  EXPECT_EQ(o.max_size_bytes(), 3ull << 20);
  o.max_size_bytes_override = 77;
  EXPECT_EQ(o.max_size_bytes(), 77u);
  o.max_size_bytes_override = 0;
  o.max_size_mb = ~0ull;
  EXPECT_EQ(o.max_size_bytes(), ~0ull);
}

TEST_F(WriterTest, AppendsToExistingFile) {
  write_file(file_, "old line\n");
  {
    auto w = Writer::open(file_.string());
    EXPECT_EQ(w.path(), file_.string());
    EXPECT_EQ(w.abi()->is_terminal, 0u);
    EXPECT_EQ(put(w, "new line\n"), 0);
    EXPECT_EQ(w.abi()->flush(w.abi()->ctx), 0);
    EXPECT_EQ(w.rotations(), 0u);
    EXPECT_TRUE(w.error().empty());
  }
  EXPECT_EQ(read_plain(file_), "old line\nnew line\n");
}

TEST_F(WriterTest, CreatesDirectoriesAndFileModes) {
  fs::path f = dir_ / "a" / "b" / "trace.log";
  {
    auto w = Writer::open(f.string(), tiny(1000));
    EXPECT_EQ(put(w, "x\n"), 0);
  }
  struct stat st{};
  ASSERT_EQ(::stat((dir_ / "a").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0755u);
  ASSERT_EQ(::stat((dir_ / "a" / "b").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0755u);
  ASSERT_EQ(::stat(f.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
  EXPECT_EQ(read_plain(f), "x\n");
}

TEST_F(WriterTest, RotatesAtSizeBoundaryWithLumberjackNames) {
  auto w = Writer::open(file_.string(), tiny(100));
  const std::string line = "123456789\n";  // 10 bytes
  for (int i = 0; i < 10; ++i) ASSERT_EQ(put(w, line), 0);  // exactly 100: still fits
  EXPECT_EQ(w.rotations(), 0u);
  EXPECT_TRUE(backups().empty());
  const time_t before = time(nullptr);
  ASSERT_EQ(put(w, "last\n"), 0);
  const time_t after = time(nullptr);
  EXPECT_EQ(w.rotations(), 1u);
  auto b = backups();
  ASSERT_EQ(b.size(), 1u);
  std::smatch m;
  const std::string name = b[0].filename().string();
  ASSERT_TRUE(std::regex_match(name, m, kBackupRe)) << name;
  EXPECT_FALSE(m[8].matched);  // not compressed
  // The timestamp is local time, around now.
  bool near = false;
  for (time_t t = before - 1; t <= after + 1; ++t)
    near |= name.rfind("trace-" + local_stamp(t).substr(0, 19), 0) == 0;
  EXPECT_TRUE(near) << name;
  EXPECT_EQ(read_plain(b[0]), [&] {
    std::string s;
    for (int i = 0; i < 10; ++i) s += line;
    return s;
  }());
  EXPECT_EQ(read_plain(file_), "last\n");
  struct stat st{};
  ASSERT_EQ(::stat(file_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
}

TEST_F(WriterTest, ExistingFileOverMaxRotatesOnFirstWrite) {
  write_file(file_, std::string(59, 'o') + "\n");
  auto w = Writer::open(file_.string(), tiny(50));
  ASSERT_EQ(put(w, "new\n"), 0);
  ASSERT_EQ(backups().size(), 1u);
  EXPECT_EQ(read_plain(backups()[0]), std::string(59, 'o') + "\n");
  EXPECT_EQ(read_plain(file_), "new\n");
}

TEST_F(WriterTest, ExtensionlessAndDottedNames) {
  fs::path f = dir_ / "trace";
  {
    auto w = Writer::open(f.string(), tiny(4));
    ASSERT_EQ(put(w, "ab\n"), 0);
    ASSERT_EQ(put(w, "cd\n"), 0);
  }
  fs::path g = dir_ / "x.tar.txt";
  {
    auto w = Writer::open(g.string(), tiny(4));
    ASSERT_EQ(put(w, "ab\n"), 0);
    ASSERT_EQ(put(w, "cd\n"), 0);
  }
  std::regex noext(R"(trace-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3})");
  std::regex dotted(R"(x\.tar-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}\.txt)");
  int a = 0, b = 0;
  for (const auto& n : names()) {
    a += std::regex_match(n, noext);
    b += std::regex_match(n, dotted);
  }
  EXPECT_EQ(a, 1);
  EXPECT_EQ(b, 1);
}

// Many batches of random-length lines, tiny max size: every line comes back
// exactly once, in order, no line is split across files, no batch that fits
// in a file is split, and no file exceeds max unless it holds a single line.
class WriterRandomTest : public WriterTest, public ::testing::WithParamInterface<bool> {};

TEST_P(WriterRandomTest, NoLineLostOrSplit) {
  const bool compress = GetParam();
  const uint64_t max = 256;
  RotateOptions o = tiny(max);
  o.compress = compress;
  std::mt19937 rng(12345);
  std::string all;
  std::vector<std::pair<size_t, size_t>> batches;  // [begin, end) in `all`
  uint64_t rotations = 0;
  {
    auto w = Writer::open(file_.string(), o);
    const int nbatches = compress ? 100 : 1500;
    int line_no = 0;
    for (int b = 0; b < nbatches; ++b) {
      std::string batch;
      const int nlines = std::uniform_int_distribution<int>(1, 20)(rng);
      for (int i = 0; i < nlines; ++i) {
        // Mostly short lines, sometimes longer than max.
        int len = std::uniform_int_distribution<int>(0, 60)(rng);
        if (std::uniform_int_distribution<int>(0, 200)(rng) == 0) len = 300;
        std::string line = std::to_string(line_no++) + ":";
        while (line.size() < static_cast<size_t>(len)) line += static_cast<char>('a' + line.size() % 26);
        batch += line + "\n";
      }
      batches.emplace_back(all.size(), all.size() + batch.size());
      all += batch;
      ASSERT_EQ(put(w, batch), 0) << w.error();
    }
    rotations = w.rotations();
    EXPECT_TRUE(w.error().empty());
  }
  auto files = all_files();
  ASSERT_GT(files.size(), 10u);
  EXPECT_EQ(files.size(), rotations + 1);
  std::string got;
  std::vector<size_t> boundaries;  // offsets in `all` where a file starts
  for (const auto& f : files) {
    const std::string name = f.filename().string();
    if (f != file_) EXPECT_EQ(compress, name.size() > 3 && name.substr(name.size() - 3) == ".gz") << name;
    std::string s = read_any(f);
    ASSERT_FALSE(s.empty()) << name;
    EXPECT_EQ(s.back(), '\n') << name << ": a file ends mid-line";
    const size_t lines = static_cast<size_t>(std::count(s.begin(), s.end(), '\n'));
    if (s.size() > max) EXPECT_EQ(lines, 1u) << name << " exceeds max with " << lines << " lines";
    boundaries.push_back(got.size());
    got += s;
  }
  ASSERT_EQ(got.size(), all.size());
  EXPECT_TRUE(got == all) << "content differs";
  for (const auto& [b, e] : batches) {
    if (e - b > max) continue;
    for (size_t off : boundaries) EXPECT_FALSE(off > b && off < e) << "batch [" << b << "," << e << ") was split";
  }
  // No temp files left behind, nothing uncompressed when compressing.
  for (const auto& n : names()) {
    EXPECT_EQ(n.find(".tmp"), std::string::npos) << n;
    if (compress && n != "trace.log") EXPECT_EQ(n.substr(n.size() - 3), ".gz") << n;
  }
}

INSTANTIATE_TEST_SUITE_P(Compress, WriterRandomTest, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "Gzip" : "Plain"; });

TEST_F(WriterTest, BatchLargerThanMaxIsSplitAtLineBoundaries) {
  write_file(file_, std::string(34, 'p') + "\n");  // 35 bytes already there
  auto w = Writer::open(file_.string(), tiny(100));
  std::string batch;
  for (int i = 0; i < 25; ++i) batch += "line-" + std::string(1, static_cast<char>('A' + i)) + "___\n";  // 10 bytes
  ASSERT_EQ(batch.size(), 250u);
  ASSERT_EQ(put(w, batch), 0);
  // The current file takes the 6 whole lines that fit (35 + 60 = 95), the
  // next one 10 lines (100), the last the remaining 9.
  auto files = all_files();
  ASSERT_EQ(files.size(), 3u);
  EXPECT_EQ(w.rotations(), 2u);
  EXPECT_EQ(read_plain(files[0]), std::string(34, 'p') + "\n" + batch.substr(0, 60));
  EXPECT_EQ(read_plain(files[1]), batch.substr(60, 100));
  EXPECT_EQ(read_plain(files[2]), batch.substr(160, 90));
}

TEST_F(WriterTest, LineLongerThanMaxLandsAlone) {
  auto w = Writer::open(file_.string(), tiny(50));
  const std::string big(120, 'L');
  ASSERT_EQ(put(w, "short\n"), 0);
  ASSERT_EQ(put(w, "short2\n" + big + "\ntail\n"), 0);  // one batch of 3 lines
  ASSERT_EQ(put(w, big + "\n"), 0);                        // one write, one long line
  ASSERT_EQ(put(w, "after\n"), 0);
  ASSERT_EQ(put(w, big), 0);  // no newline at all: still one unit
  auto files = all_files();
  std::vector<std::string> content;
  for (const auto& f : files) content.push_back(read_plain(f));
  std::vector<std::string> want = {"short\nshort2\n", big + "\n", "tail\n", big + "\n", "after\n", big};
  EXPECT_EQ(content, want);
  EXPECT_TRUE(w.error().empty());
}

TEST_F(WriterTest, MaxBackupsKeepsTheNewest) {
  RotateOptions o = tiny(10);
  o.max_backups = 2;
  auto w = Writer::open(file_.string(), o);
  for (int i = 0; i < 6; ++i) ASSERT_EQ(put(w, "line " + std::to_string(i) + "..\n"), 0);  // 9 bytes each
  EXPECT_EQ(w.rotations(), 5u);
  auto b = backups();
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(read_plain(b[0]), "line 3..\n");
  EXPECT_EQ(read_plain(b[1]), "line 4..\n");
  EXPECT_EQ(read_plain(file_), "line 5..\n");
}

TEST_F(WriterTest, MaxBackupsCountsPlainAndGzOfOneBackupOnce) {
  // A stale pair from an interrupted compression (same timestamp) counts once.
  const std::string ts = local_stamp(time(nullptr) - 3600);
  write_file(dir_ / ("trace-" + ts + ".log"), "p\n");
  write_file(dir_ / ("trace-" + ts + ".log.gz"), "g\n");
  RotateOptions o = tiny(10);
  o.max_backups = 2;
  auto w = Writer::open(file_.string(), o);
  ASSERT_EQ(put(w, "line 0..\n"), 0);
  ASSERT_EQ(put(w, "line 1..\n"), 0);  // rotation 1: 2 backups (the pair + the new one)
  EXPECT_TRUE(fs::exists(dir_ / ("trace-" + ts + ".log")));
  EXPECT_TRUE(fs::exists(dir_ / ("trace-" + ts + ".log.gz")));
  ASSERT_EQ(put(w, "line 2..\n"), 0);  // rotation 2: the pair goes
  EXPECT_FALSE(fs::exists(dir_ / ("trace-" + ts + ".log")));
  EXPECT_FALSE(fs::exists(dir_ / ("trace-" + ts + ".log.gz")));
  EXPECT_EQ(backups().size(), 2u);
}

TEST_F(WriterTest, MaxAgePrunesOldBackupsOnly) {
  const std::string old1 = "trace-2001-02-03T04-05-06.789.log";
  const std::string old2 = "trace-2010-12-31T23-59-59.999.log.gz";
  const std::string recent = "trace-" + local_stamp(time(nullptr) - 3600, 5) + ".log";  // 1 hour old
  const std::string edge = "trace-" + local_stamp(time(nullptr) - 2 * 86400 + 3600) + ".log";  // 47 h old
  for (const auto& n : {old1, old2, recent, edge}) write_file(dir_ / n, "x\n");
  RotateOptions o = tiny(10);
  o.max_age_days = 2;
  auto w = Writer::open(file_.string(), o);
  ASSERT_EQ(put(w, "line 0..\n"), 0);
  EXPECT_TRUE(fs::exists(dir_ / old1));  // nothing is pruned before a rotation
  ASSERT_EQ(put(w, "line 1..\n"), 0);
  EXPECT_FALSE(fs::exists(dir_ / old1));
  EXPECT_FALSE(fs::exists(dir_ / old2));
  EXPECT_TRUE(fs::exists(dir_ / recent));
  EXPECT_TRUE(fs::exists(dir_ / edge));
  EXPECT_EQ(backups().size(), 3u);  // recent, edge, the new one
}

TEST_F(WriterTest, CompressedBackupsDecompressAndPlainIsRemoved) {
  RotateOptions o = tiny(64);
  o.compress = true;
  std::string a;
  for (int i = 0; i < 6; ++i) a += "first file line " + std::to_string(i) + "\n";  // 18 bytes * 6 > 64
  {
    auto w = Writer::open(file_.string(), o);
    ASSERT_EQ(put(w, a.substr(0, 54)), 0);
    ASSERT_EQ(put(w, a.substr(54)), 0);  // rotation 1
    ASSERT_EQ(put(w, std::string(60, 's') + "\n"), 0);  // rotation 2
  }
  auto bs = backups();
  ASSERT_EQ(bs.size(), 2u);
  for (const auto& p : bs) EXPECT_EQ(p.extension(), ".gz") << p;
  EXPECT_EQ(read_gz(bs[0]), a.substr(0, 54));
  EXPECT_EQ(read_gz(bs[1]), a.substr(54));
  // Real gzip files (magic 1f 8b), not zlib streams that gzread would pass through.
  std::string raw = read_plain(bs[0]);
  ASSERT_GE(raw.size(), 2u);
  EXPECT_EQ(static_cast<unsigned char>(raw[0]), 0x1f);
  EXPECT_EQ(static_cast<unsigned char>(raw[1]), 0x8b);
  struct stat st{};
  ASSERT_EQ(::stat(bs[0].c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
  for (const auto& n : names()) {
    EXPECT_EQ(n.find(".tmp"), std::string::npos) << n;
    EXPECT_TRUE(n == "trace.log" || n.substr(n.size() - 3) == ".gz") << n;
  }
}

TEST_F(WriterTest, UnrelatedFilesSurvive) {
  const std::vector<std::string> keep = {
      "other.log",
      "trace.txt",
      "trace-notatime.log",
      "trace-2001-02-03T04-05-06.000.txt",      // another extension
      "xtrace-2001-02-03T04-05-06.000.log",     // another stem
      "trace-2001-02-03T04-05-06.000.log.bak",  // another suffix
      "trace-2001-02-03T04-05-06.000.log.gz.tmp",
      "trace-2001-13-03T04-05-06.000.log",  // month 13
      "trace-2001-02-03T04-05-06.log",      // no milliseconds
      "trace-2001-02-03 04-05-06.000.log",
  };
  for (const auto& n : keep) write_file(dir_ / n, "keep\n");
  fs::create_directory(dir_ / "trace-2001-02-03T04-05-06.000.log.d");
  fs::create_directory(dir_ / "trace-2002-02-03T04-05-06.000.log");  // a directory with a backup's name
  fs::create_symlink(dir_ / "other.log", dir_ / "trace-2003-02-03T04-05-06.000.log");
  RotateOptions o = tiny(10);
  o.max_backups = 1;
  o.max_age_days = 1;
  o.compress = true;
  {
    auto w = Writer::open(file_.string(), o);
    for (int i = 0; i < 5; ++i) ASSERT_EQ(put(w, "line " + std::to_string(i) + "..\n"), 0);
  }
  for (const auto& n : keep) {
    EXPECT_TRUE(fs::exists(dir_ / n)) << n;
    EXPECT_EQ(read_plain(dir_ / n), "keep\n") << n;
  }
  EXPECT_TRUE(fs::is_directory(dir_ / "trace-2001-02-03T04-05-06.000.log.d"));
  EXPECT_TRUE(fs::is_directory(dir_ / "trace-2002-02-03T04-05-06.000.log"));
  EXPECT_TRUE(fs::is_symlink(dir_ / "trace-2003-02-03T04-05-06.000.log"));
  // Besides what was there, exactly the current file and one backup (max_backups 1).
  std::vector<std::string> ours;
  for (const auto& n : names())
    if (std::find(keep.begin(), keep.end(), n) == keep.end() && !fs::is_directory(dir_ / n) &&
        !fs::is_symlink(dir_ / n))
      ours.push_back(n);
  ASSERT_EQ(ours.size(), 2u);
  EXPECT_TRUE(std::regex_match(ours[0], kBackupRe)) << ours[0];
  EXPECT_EQ(ours[0].substr(ours[0].size() - 3), ".gz");
  EXPECT_EQ(read_gz(dir_ / ours[0]), "line 3..\n");
  EXPECT_EQ(ours[1], "trace.log");
  EXPECT_EQ(read_plain(file_), "line 4..\n");
}

TEST_F(WriterTest, ManyRotationsInOneMillisecondGetUniqueOrderedNames) {
  auto w = Writer::open(file_.string(), tiny(3));
  for (int i = 0; i < 200; ++i) ASSERT_EQ(put(w, std::to_string(i % 10) + "\n"), 0);  // rotates 199 times
  EXPECT_EQ(w.rotations(), 199u);
  auto b = backups();
  ASSERT_EQ(b.size(), 199u);
  for (size_t i = 0; i < b.size(); ++i) EXPECT_EQ(read_plain(b[i]), std::to_string(i % 10) + "\n") << b[i];
}

// Points fd 1 at `target` for the scope.
class StdoutRedirect {
 public:
  explicit StdoutRedirect(int target) : saved_(::dup(STDOUT_FILENO)) {
    std::fflush(stdout);
    ::dup2(target, STDOUT_FILENO);
  }
  ~StdoutRedirect() {
    ::dup2(saved_, STDOUT_FILENO);
    ::close(saved_);
  }

 private:
  int saved_;
};

TEST_F(WriterTest, StdoutIgnoresRotation) {
  fs::path out = dir_ / "captured";
  int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ASSERT_GE(fd, 0);
  std::string want;
  {
    StdoutRedirect r(fd);
    RotateOptions o = tiny(5);
    o.max_backups = 1;
    o.compress = true;
    for (const char* p : {"", "-"}) {
      auto w = Writer::open(p, o);
      EXPECT_EQ(w.path(), "stdout");
      for (int i = 0; i < 3; ++i) {
        std::string s = std::string(p) + "a line longer than five bytes\n";
        want += s;
        EXPECT_EQ(put(w, s), 0);
      }
      EXPECT_EQ(w.rotations(), 0u);
    }
  }
  ::close(fd);
  EXPECT_EQ(read_plain(out), want);
  EXPECT_EQ(names(), std::vector<std::string>{"captured"});
}

TEST_F(WriterTest, BrokenPipeIsReported) {
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  ::close(p[0]);
  auto old = std::signal(SIGPIPE, SIG_IGN);
  {
    StdoutRedirect r(p[1]);
    auto w = Writer::open("-");
    EXPECT_FALSE(w.broken_pipe());
    EXPECT_EQ(put(w, "x\n"), -EPIPE);
    EXPECT_TRUE(w.broken_pipe());
  }
  std::signal(SIGPIPE, old);
  ::close(p[1]);
}

TEST_F(WriterTest, NonRegularFileIsNeverRotated) {
  fs::path fifo = dir_ / "trace.log";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0);
  int rd = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK);
  ASSERT_GE(rd, 0);
  {
    auto w = Writer::open(fifo.string(), tiny(4));
    EXPECT_EQ(put(w, "0123456789\n"), 0);
    EXPECT_EQ(put(w, "abc\n"), 0);
    EXPECT_EQ(w.rotations(), 0u);
  }
  char buf[64];
  ssize_t n = ::read(rd, buf, sizeof(buf));
  ::close(rd);
  EXPECT_EQ(std::string(buf, n > 0 ? static_cast<size_t>(n) : 0), "0123456789\nabc\n");
  EXPECT_TRUE(fs::is_fifo(fifo));
  EXPECT_EQ(names(), std::vector<std::string>{"trace.log"});
}

TEST_F(WriterTest, OpenErrorsNameThePath) {
  write_file(dir_ / "plain", "x");
  const std::string bad = (dir_ / "plain" / "trace.log").string();
  try {
    Writer::open(bad);
    FAIL() << "no exception";
  } catch (const pwru::UsageError& e) {
    EXPECT_NE(std::string(e.what()).find(bad), std::string::npos) << e.what();
  }
  const std::string bad_dir = (dir_ / "plain" / "sub" / "trace.log").string();
  try {
    Writer::open(bad_dir);
    FAIL() << "no exception";
  } catch (const pwru::UsageError& e) {
    EXPECT_NE(std::string(e.what()).find(bad_dir), std::string::npos) << e.what();
  }
}

TEST_F(WriterTest, RotationFailureReturnsErrnoAndRecovers) {
  auto w = Writer::open(file_.string(), tiny(10));
  ASSERT_EQ(put(w, "line 0..\n"), 0);
  // The file vanishes under us: the rename fails.
  fs::remove(file_);
  EXPECT_EQ(put(w, "line 1..\n"), -ENOENT);
  EXPECT_NE(w.error().find("cannot rotate output file '" + file_.string() + "'"), std::string::npos) << w.error();
  EXPECT_EQ(w.error().find('\n'), std::string::npos);
  // Someone puts it back: the next write rotates and goes on.
  write_file(file_, "restored\n");
  EXPECT_EQ(put(w, "line 2..\n"), 0) << w.error();
  EXPECT_EQ(read_plain(file_), "line 2..\n");
  ASSERT_EQ(backups().size(), 1u);
  EXPECT_EQ(read_plain(backups()[0]), "restored\n");
}

TEST_F(WriterTest, MovedWriterKeepsItsAbi) {
  auto w = Writer::open(file_.string(), tiny(100));
  const pwru_writer_v1* abi = w.abi();
  std::vector<Writer> v;
  v.push_back(std::move(w));
  v.reserve(16);  // reallocates: the Writer moves again
  EXPECT_EQ(v[0].abi(), abi);
  EXPECT_EQ(abi->write(abi->ctx, "moved\n", 6), 0);
  EXPECT_EQ(read_plain(file_), "moved\n");
}

}  // namespace

// pcapng files (RotateOptions::binary): truncated on open, never rotated,
// binary data with NULs and no newline written through whole.
TEST_F(WriterTest, BinaryStreamIsTruncatedAndNeverRotated) {
  write_file(file_, "old contents\n");
  RotateOptions o = tiny(16);
  o.binary = true;
  o.max_backups = 1;
  std::string blob("\x0a\x0d\x0d\x0a\0\0\0\x1c", 8);
  {
    Writer w = Writer::open(file_.string(), o);
    for (int i = 0; i < 10; ++i) ASSERT_EQ(put(w, blob), 0);
    EXPECT_EQ(w.rotations(), 0u);
  }
  EXPECT_TRUE(backups().empty());
  std::string want;
  for (int i = 0; i < 10; ++i) want += blob;
  EXPECT_EQ(read_plain(file_), want);
}
