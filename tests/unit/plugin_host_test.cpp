// SPDX-License-Identifier: Apache-2.0
// The plugin host (core/plugin) against working and deliberately broken
// plugin libraries (tests/fixtures). No privileges needed.
#include "plugin/plugin_host.h"

#include <dlfcn.h>
#include <sys/stat.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <initializer_list>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace pwru::plugin {
namespace {

namespace fs = std::filesystem;

const fs::path kFixtureDir = PWRU_TEST_FIXTURE_DIR;

fs::path fixture(const std::string& kind_name) {
  return kFixtureDir / ("pwru-" + kind_name + ".so");
}

PluginHost fixture_host() { return PluginHost({{kFixtureDir, "test"}}); }

// Asserts that `text` contains every one of `words`, showing `text` if not.
void expect_contains(const std::string& text, std::initializer_list<std::string> words) {
  for (const auto& w : words)
    EXPECT_NE(text.find(w), std::string::npos) << "want: " << w << "\nin:   " << text;
}

// The message of the PluginError `f` throws, or a test failure.
template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const PluginError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no PluginError was thrown";
  return {};
}

// A temporary directory, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "pwru-plugin-test-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }
  // Copies fixture `kind_name` in, keeping its file name.
  fs::path add(const std::string& kind_name) const {
    const fs::path to = path_ / fixture(kind_name).filename();
    fs::copy_file(fixture(kind_name), to);
    return to;
  }

 private:
  fs::path path_;
};

// Sets or unsets PWRU_PLUGIN_PATH for one scope.
class ScopedPluginPath {
 public:
  explicit ScopedPluginPath(const char* value) {
    if (const char* old = getenv(kPluginPathEnv)) old_ = old;
    if (value != nullptr)
      setenv(kPluginPathEnv, value, 1);
    else
      unsetenv(kPluginPathEnv);
  }
  ~ScopedPluginPath() {
    if (old_)
      setenv(kPluginPathEnv, old_->c_str(), 1);
    else
      unsetenv(kPluginPathEnv);
  }
  ScopedPluginPath(const ScopedPluginPath&) = delete;
  ScopedPluginPath& operator=(const ScopedPluginPath&) = delete;

 private:
  std::optional<std::string> old_;
};

// Routes spdlog's default logger into a string for one scope.
class LogCapture {
 public:
  LogCapture() : old_(spdlog::default_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_st>(out_);
    sink->set_pattern("%l %v");
    auto logger = std::make_shared<spdlog::logger>("capture", sink);
    logger->set_level(spdlog::level::trace);
    spdlog::set_default_logger(logger);
  }
  ~LogCapture() { spdlog::set_default_logger(old_); }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;
  std::string text() const { return out_.str(); }

 private:
  std::shared_ptr<spdlog::logger> old_;
  std::ostringstream out_;
};

// A pwru_writer_v1 that appends to a string.
class StringWriter {
 public:
  StringWriter() {
    w_.size = sizeof(w_);
    w_.ctx = this;
    w_.write = [](void* ctx, const void* buf, size_t len) {
      static_cast<StringWriter*>(ctx)->out.append(static_cast<const char*>(buf), len);
      return 0;
    };
    w_.flush = [](void* ctx) {
      ++static_cast<StringWriter*>(ctx)->flushes;
      return 0;
    };
  }
  StringWriter(const StringWriter&) = delete;
  StringWriter& operator=(const StringWriter&) = delete;
  const pwru_writer_v1* writer() const { return &w_; }

  std::string out;
  int flushes = 0;

 private:
  pwru_writer_v1 w_{};
};

// A session with no probes that writes into a StringWriter.
struct TestSession {
  StringWriter writer;
  pwru_session_v1 session{};
  TestSession() {
    session.size = sizeof(session);
    session.out = writer.writer();
    session.backend = "tracepoint";
    session.pwru_version = "test";
  }
};

pwru_event_v1 make_event(const char* func, uint32_t cpu) {
  pwru_event_v1 ev{};
  ev.size = sizeof(ev);
  ev.cpu = cpu;
  ev.process = "<empty>:0";
  ev.comm = "swapper";
  ev.func = func;
  return ev;
}

// The call counters a C fixture exports (tests/fixtures/c_sink.c).
struct Counters {
  int creates;
  int destroys;
  int opens;
  int writes;
  int closes;
};

// Reads them from the loaded copy of `file`; nullopt if it is not loaded.
std::optional<Counters> counters_of(const fs::path& file) {
  void* h = dlopen(file.c_str(), RTLD_NOW | RTLD_NOLOAD);
  if (h == nullptr) return std::nullopt;
  std::optional<Counters> c;
  if (void* sym = dlsym(h, "pwru_fixture_counters")) c = *static_cast<const Counters*>(sym);
  dlclose(h);
  return c;
}

bool is_loaded(const fs::path& file) {
  void* h = dlopen(file.c_str(), RTLD_NOW | RTLD_NOLOAD);
  if (h != nullptr) dlclose(h);
  return h != nullptr;
}

// ---- file names --------------------------------------------------------------

TEST(PluginFile, NamesFollowTheRule) {
  EXPECT_EQ(plugin_file_name(Kind::sink, "text"), "pwru-sink-text.so");
  EXPECT_EQ(plugin_file_name(Kind::filter, "pcap"), "pwru-filter-pcap.so");
  auto p = parse_plugin_file_name("pwru-filter-my-pcap.so");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->kind, Kind::filter);
  EXPECT_EQ(p->name, "my-pcap");
  EXPECT_FALSE(parse_plugin_file_name("pwru-oddname.so"));
  EXPECT_FALSE(parse_plugin_file_name("pwru-bogus-x.so"));
  EXPECT_FALSE(parse_plugin_file_name("pwru-sink-.so"));
  EXPECT_FALSE(parse_plugin_file_name("pwru-sink-x.so.1"));
  EXPECT_FALSE(parse_plugin_file_name("libpwru-sink-x.so"));
  EXPECT_FALSE(is_valid_plugin_name("../x"));
  EXPECT_FALSE(is_valid_plugin_name("a/b"));
  EXPECT_FALSE(is_valid_plugin_name(""));
  EXPECT_TRUE(is_valid_plugin_name("json_v2-x"));
}

// ---- search path -------------------------------------------------------------

TEST(PluginSearchPath, EnvFirstThenNextToExecutableThenInstallDir) {
  const SearchPath want = {
      {"/a", "PWRU_PLUGIN_PATH"},
      {"/b/c", "PWRU_PLUGIN_PATH"},
      {"/opt/pwru/plugins", "next to the executable"},
      {"/usr/lib/pwru/plugins", "install dir"},
  };
  EXPECT_EQ(make_search_path("/a:/b/c", "/opt/pwru", "/usr/lib/pwru/plugins"), want);
}

TEST(PluginSearchPath, SkipsEmptyEntriesAndRepeats) {
  // Empty entries never mean "." (pwru runs as root); a directory is kept
  // at its first place only, however it is spelled.
  const SearchPath got = make_search_path("::/a::/a/:/b/../a:", "/x", "/x/plugins/");
  const SearchPath want = {{"/a", "PWRU_PLUGIN_PATH"}, {"/x/plugins", "next to the executable"}};
  EXPECT_EQ(got, want);
}

TEST(PluginSearchPath, RelativeEntriesAreMadeAbsolute) {
  const SearchPath got = make_search_path("rel/dir", "", "");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].dir, fs::current_path() / "rel/dir");
}

TEST(PluginSearchPath, UnknownExecutableAndEmptyEnvLeaveTheInstallDir) {
  const SearchPath want = {{"/usr/lib/pwru/plugins", "install dir"}};
  EXPECT_EQ(make_search_path("", "", "/usr/lib/pwru/plugins"), want);
}

TEST(PluginSearchPath, DefaultReadsEnvironmentExecutableAndInstallDir) {
  const fs::path exe_dir = fs::read_symlink("/proc/self/exe").parent_path();
  EXPECT_EQ(executable_dir(), exe_dir);
  {
    ScopedPluginPath env("/one:/two");
    const SearchPath want = {
        {"/one", "PWRU_PLUGIN_PATH"},
        {"/two", "PWRU_PLUGIN_PATH"},
        {exe_dir / "plugins", "next to the executable"},
        {PWRU_INSTALL_PLUGIN_DIR, "install dir"},
    };
    EXPECT_EQ(default_search_path(), want);
  }
  {
    ScopedPluginPath env(nullptr);
    const SearchPath got = default_search_path();
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0].dir, exe_dir / "plugins");
    EXPECT_EQ(got[1].dir, fs::path(PWRU_INSTALL_PLUGIN_DIR));
  }
}

TEST(PluginSearchPath, FormatNamesSourcesAndMissingDirectories) {
  TempDir tmp;
  const SearchPath path = {{tmp.path(), "PWRU_PLUGIN_PATH"}, {tmp.path() / "nope", "install dir"}};
  EXPECT_EQ(format_search_path(path), tmp.path().string() + " (PWRU_PLUGIN_PATH), " +
                                          (tmp.path() / "nope").string() +
                                          " (install dir, missing)");
}

// ---- finding -----------------------------------------------------------------

TEST(PluginFind, FirstDirectoryWithTheFileWins) {
  TempDir first;
  TempDir second;
  second.add("sink-good");
  first.add("sink-good");
  PluginHost host(
      {{first.path() / "missing", "test"}, {first.path(), "test"}, {second.path(), "test"}});
  EXPECT_EQ(host.find(Kind::sink, "good"), first.path() / "pwru-sink-good.so");
  EXPECT_EQ(host.load(Kind::sink, "good")->path(), first.path() / "pwru-sink-good.so");
}

TEST(PluginFind, PluginPathEnvironmentComesFirst) {
  TempDir a;
  TempDir b;
  a.add("sink-csink");
  b.add("sink-csink");
  const std::string env = b.path().string() + ":" + a.path().string();
  ScopedPluginPath scoped(env.c_str());
  PluginHost host;  // the default search path
  EXPECT_EQ(host.search_path().front().dir, b.path());
  EXPECT_EQ(host.find(Kind::sink, "csink"), b.path() / "pwru-sink-csink.so");
}

TEST(PluginFind, NotFoundNamesEveryDirectorySearched) {
  TempDir a;
  PluginHost host({{a.path(), "PWRU_PLUGIN_PATH"}, {a.path() / "gone", "install dir"}});
  const std::string msg = error_of([&] { host.find(Kind::sink, "nosuch"); });
  expect_contains(
      msg,
      {"no sink plugin 'nosuch'", "pwru-sink-nosuch.so", a.path().string() + " (PWRU_PLUGIN_PATH)",
       (a.path() / "gone").string() + " (install dir, missing)", "PWRU_PLUGIN_PATH"});
  EXPECT_EQ(msg.find('\n'), std::string::npos);
}

TEST(PluginFind, InvalidNamesAreRefusedBeforeSearching) {
  PluginHost host = fixture_host();
  for (const char* name : {"../sink-good", "a/b", ""})
    EXPECT_EQ(
        error_of([&] { host.find(Kind::sink, name); }),
        "invalid sink plugin name '" + std::string(name) + "': use letters, digits, '-' and '_'");
}

// ---- refusals ----------------------------------------------------------------

// Loads fixture pwru-<kind>-<name>.so and expects a one-line refusal naming
// the file and containing `words`.
void expect_refused(Kind kind, const std::string& name, std::initializer_list<std::string> words) {
  PluginHost host = fixture_host();
  const std::string msg = error_of([&] { host.load(kind, name); });
  const std::string file = (kFixtureDir / plugin_file_name(kind, name)).string();
  expect_contains(msg, {"plugin " + file + ": "});
  expect_contains(msg, words);
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
}

TEST(PluginRefuse, NotALibrary) {
  expect_refused(Kind::sink, "garbage", {"cannot load library: "});
}

TEST(PluginRefuse, UnresolvedSymbolAtLoadTime) {
  // RTLD_NOW: refused when loaded, not when first called mid-trace.
  expect_refused(Kind::sink, "undefsym",
                 {"cannot load library", "undefined symbol: pwru_fixture_symbol_nobody_defines"});
}

TEST(PluginRefuse, NoEntrySymbol) {
  expect_refused(
      Kind::sink, "noentry",
      {"not a pwru plugin or built for another ABI major: no symbol pwru_plugin_entry_v1"});
}

TEST(PluginRefuse, OnlyAnotherMajorsEntrySymbol) {
  expect_refused(Kind::sink, "v2only",
                 {"built for plugin ABI 2, this pwru speaks 1", "pwru_plugin_entry_v2"});
}

TEST(PluginRefuse, EntryReturnsNull) {
  expect_refused(Kind::sink, "nullentry", {"pwru_plugin_entry_v1() returned NULL"});
}

TEST(PluginRefuse, DescriptorTooSmall) {
  expect_refused(Kind::sink, "smalldesc",
                 {"descriptor is 16 bytes, smaller than a plugin ABI 1.0 descriptor (" +
                  std::to_string(sizeof(pwru_plugin_v1)) + " bytes)"});
}

TEST(PluginRefuse, OtherMajorThroughTheV1Symbol) {
  expect_refused(Kind::sink, "abi2", {"built for plugin ABI 2.0, this pwru speaks 1.5"});
}

TEST(PluginRefuse, NewerMinorThanTheHost) {
  expect_refused(Kind::sink, "minor99", {"needs plugin ABI 1.99, this pwru speaks 1.5"});
  expect_refused(Kind::sink, "minor9", {"needs plugin ABI 1.9, this pwru speaks 1.5"});
}

TEST(PluginAbi, HostSpeaks15) {
  EXPECT_EQ(PWRU_ABI_MAJOR, 1);
  EXPECT_EQ(PWRU_ABI_MINOR, 5);
}

// ABI 1.2: pwru_sink_ops_v1.needs, read only from a plugin that declares
// 1.2 and whose ops table holds it.
TEST(PluginAbi, SinkNeedsAreAskedFromA12Plugin) {
  PluginHost host = fixture_host();
  SinkInstance sink = host.create_sink("needs12", "", "cli");
  const pwru_sink_needs_v1 n = sink.needs();
  EXPECT_EQ(n.size, sizeof(pwru_sink_needs_v1));
  EXPECT_EQ(n.flags, PWRU_NEED_PACKET);
  EXPECT_EQ(n.snaplen, 100u);
}

TEST(PluginAbi, SinkNeedsAreNeverReadFromAnOlderMinorOrASmallTable) {
  PluginHost host = fixture_host();
  // Both fixtures abort() if their needs() is called.
  for (const char* name : {"needs11", "needssmall"}) {
    SinkInstance sink = host.create_sink(name, "", "cli");
    const pwru_sink_needs_v1 n = sink.needs();
    EXPECT_EQ(n.flags, 0u) << name;
    EXPECT_EQ(n.snaplen, 0u) << name;
  }
  // An SDK sink that asks for nothing.
  SinkInstance good = host.create_sink("good", "", "cli");
  EXPECT_EQ(good.needs().flags, 0u);
}

TEST(PluginAbi, SinkNeedsWithAnUnknownFlagAreRefused) {
  PluginHost host = fixture_host();
  SinkInstance sink = host.create_sink("needsbad", "", "cli");
  EXPECT_EQ(error_of([&] { sink.needs(); }), "plugin 'needsbad': invalid sink needs: unknown flags 0x80");
}

TEST(PluginAbi, OlderMinorSinkStillLoadsAndRuns) {
  PluginHost host = fixture_host();
  const auto lib = host.load(Kind::sink, "minor0");
  EXPECT_EQ(lib->abi(), "1.0");
  TestSession s;
  {
    SinkInstance sink = host.create_sink("minor0", "", "cli");
    sink.open(s.session);
    const pwru_event_v1 a = make_event("ip_rcv", 0);
    const pwru_event_v1* batch[] = {&a};
    sink.write(batch);
  }
  EXPECT_EQ(s.writer.out, "csink open tracepoint\ncsink ip_rcv\ncsink close\n");
}

TEST(PluginRefuse, UnknownKind) {
  expect_refused(Kind::sink, "badkind", {"unknown plugin kind 7"});
}

TEST(PluginRefuse, SelectorNeedsAbi11) {
  expect_refused(Kind::selector, "csel",
                 {"selector plugins need plugin ABI 1.1 or later (1.0 defines no selector ops), "
                  "the plugin was built for 1.0; this pwru speaks 1.5"});
}

TEST(PluginRefuse, SelectorOpsTableTooSmall) {
  expect_refused(Kind::selector, "smallops",
                 {"the selector ops table is 4 bytes, smaller than a plugin ABI 1.1 selector ops "
                  "table (" +
                  std::to_string(sizeof(pwru_selector_ops_v1)) + " bytes)"});
}

TEST(PluginRefuse, SelectorWithoutSelect) {
  expect_refused(Kind::selector, "noselect",
                 {"the selector ops table lacks required function(s): select"});
}

TEST(PluginRefuse, KindDisagreesWithFileName) {
  expect_refused(
      Kind::filter, "kindmismatch",
      {"the descriptor says sink 'kindmismatch' but the file name says filter 'kindmismatch'"});
}

TEST(PluginRefuse, NameDisagreesWithFileName) {
  expect_refused(
      Kind::sink, "namemismatch",
      {"the descriptor says sink 'othername' but the file name says sink 'namemismatch'"});
}

TEST(PluginRefuse, NullOps) {
  expect_refused(Kind::sink, "nullops", {"the descriptor lacks required field(s): ops"});
}

TEST(PluginRefuse, MissingFunctionsAreAllNamed) {
  expect_refused(Kind::sink, "nocreate", {"the descriptor lacks required field(s): create, ops"});
}

TEST(PluginRefuse, OpsTableTooSmall) {
  expect_refused(Kind::sink, "smallops",
                 {"the sink ops table is 8 bytes, smaller than a plugin ABI 1.0 sink ops table (" +
                  std::to_string(offsetof(pwru_sink_ops_v1, close) + sizeof(void*)) + " bytes)"});
}

TEST(PluginRefuse, FileNameOutsideTheRule) {
  const std::string msg = error_of([] { Library::load(kFixtureDir / "pwru-oddname.so"); });
  expect_contains(msg,
                  {"pwru-oddname.so", "does not follow pwru-<sink|filter|selector>-<name>.so"});
}

TEST(PluginRefuse, TrustCheckRunsBeforeLoading) {
  std::vector<fs::path> checked;
  PluginHost host({{kFixtureDir, "test"}}, [&](const fs::path& file, const fs::path&) {
    checked.push_back(file);
    throw PluginError("plugin " + file.string() + ": untrusted");
  });
  // pwru-sink-undefsym.so cannot be loaded, so its trust refusal proves the
  // check ran first.
  const std::string msg = error_of([&] { host.load(Kind::sink, "undefsym"); });
  EXPECT_EQ(msg, "plugin " + fixture("sink-undefsym").string() + ": untrusted");
  ASSERT_EQ(checked.size(), 1u);
  EXPECT_EQ(checked[0], fixture("sink-undefsym"));
}

// ---- trust (core/plugin/trust.h) ----------------------------------------------

// The refusal check_plugin_trust() throws for `file`, whose problem is `why`.
std::string untrusted(const fs::path& file, const std::string& why) {
  return "plugin " + file.string() + ": untrusted: " + why +
         " (pwru runs as root; fix the ownership and permissions, or pass --allow-untrusted-plugins)";
}

TEST(PluginTrust, WorldWritableCopyIsRefusedWithTheExactMessage) {
  TempDir dir;
  const fs::path file = dir.add("sink-good");
  fs::permissions(file, fs::perms(0757));
  PluginHost host({{dir.path(), "test"}});
  EXPECT_EQ(error_of([&] { host.load(Kind::sink, "good"); }),
            untrusted(file, "file " + file.string() + " is writable by others (mode 0757)"));
}

TEST(PluginTrust, WorldWritableDirectoryIsRefused) {
  TempDir dir;
  const fs::path file = dir.add("sink-good");
  fs::permissions(dir.path(), fs::perms(0777));
  PluginHost host({{dir.path(), "test"}});
  EXPECT_EQ(error_of([&] { host.load(Kind::sink, "good"); }),
            untrusted(file, "directory " + dir.path().string() + " is writable by group and others (mode 0777)"));
}

TEST(PluginTrust, GroupWritableDirectoryIsRefused) {
  TempDir dir;
  const fs::path file = dir.add("sink-good");
  fs::permissions(dir.path(), fs::perms(0775));
  PluginHost host({{dir.path(), "test"}});
  EXPECT_EQ(error_of([&] { host.load(Kind::sink, "good"); }),
            untrusted(file, "directory " + dir.path().string() + " is writable by group (mode 0775)"));
}

TEST(PluginTrust, EveryDirectoryUpToTheSearchRootIsChecked) {
  TempDir dir;
  fs::create_directory(dir.path() / "sub");
  fs::permissions(dir.path() / "sub", fs::perms(0755));
  const fs::path file = dir.path() / "sub" / fixture("sink-good").filename();
  fs::copy_file(fixture("sink-good"), file);
  fs::permissions(file, fs::perms(0755));
  fs::permissions(dir.path(), fs::perms(0755));
  EXPECT_EQ(untrusted_reason(file, dir.path(), geteuid()), "");
  fs::permissions(dir.path(), fs::perms(0770));
  EXPECT_EQ(untrusted_reason(file, dir.path(), geteuid()),
            "directory " + dir.path().string() + " is writable by group (mode 0770)");
  // Above the search root is not this check's business.
  EXPECT_EQ(untrusted_reason(file, dir.path() / "sub", geteuid()), "");
}

TEST(PluginTrust, SymlinkTargetDirectoryIsChecked) {
  TempDir dir, target;
  const fs::path real = target.add("sink-good");
  fs::permissions(target.path(), fs::perms(0777));
  const fs::path link = dir.path() / real.filename();
  fs::create_symlink(real, link);
  EXPECT_EQ(untrusted_reason(link, dir.path(), geteuid()),
            "directory " + target.path().string() + " is writable by group and others (mode 0777)");
  // Above the target, a root-owned sticky directory (/tmp, 1777) is fine.
  fs::permissions(target.path(), fs::perms(0755));
  fs::permissions(real, fs::perms(0755));
  fs::permissions(dir.path(), fs::perms(0755));
  EXPECT_EQ(untrusted_reason(link, dir.path(), geteuid()), "");
}

TEST(PluginTrust, AFifoIsRefusedWithoutBlocking) {
  TempDir dir;
  const fs::path file = dir.path() / "pwru-sink-fifo.so";
  ASSERT_EQ(mkfifo(file.c_str(), 0644), 0);
  EXPECT_EQ(untrusted_reason(file, dir.path(), geteuid()), "file " + file.string() + " is not a regular file");
}

TEST(PluginTrust, RootOwned0755IsAccepted) {
  TempDir dir;
  const fs::path file = dir.add("sink-good");
  fs::permissions(dir.path(), fs::perms(0755));
  fs::permissions(file, fs::perms(0755));
  PluginHost host({{dir.path(), "test"}});
  LogCapture log;
  EXPECT_EQ(host.load(Kind::sink, "good")->path(), file);
  EXPECT_EQ(log.text(), "");
}

TEST(PluginTrust, TheBuildTreesPluginsAreTrusted) {
  PluginHost host = fixture_host();
  EXPECT_NO_THROW(host.load(Kind::sink, "good"));
}

TEST(PluginTrust, OverrideLoadsWithOneWarningPerPlugin) {
  TempDir dir;
  const fs::path file = dir.add("sink-good");
  fs::permissions(dir.path(), fs::perms(0777));
  PluginHost host({{dir.path(), "test"}}, make_trust_check(true));
  LogCapture log;
  EXPECT_NO_THROW(host.load(Kind::sink, "good"));
  EXPECT_NO_THROW(host.load(Kind::sink, "good"));  // cached: no second warning
  EXPECT_EQ(log.text(), "warning plugin " + file.string() + ": untrusted: directory " + dir.path().string() +
                            " is writable by group and others (mode 0777); loading it anyway (--allow-untrusted-plugins)\n");
  // Without the override the same host setup refuses.
  PluginHost strict({{dir.path(), "test"}}, make_trust_check(false));
  EXPECT_NE(error_of([&] { strict.load(Kind::sink, "good"); }).find("untrusted"), std::string::npos);
}

TEST(PluginTrust, NotOwnedByRootIsRefused) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to chown";
  TempDir dir;
  const fs::path file = dir.add("sink-good");
  fs::permissions(file, fs::perms(0755));
  ASSERT_EQ(chown(file.c_str(), 65534, 65534), 0);
  PluginHost host({{dir.path(), "test"}});
  EXPECT_EQ(error_of([&] { host.load(Kind::sink, "good"); }),
            untrusted(file, "file " + file.string() + " is owned by uid 65534, not root"));
  ASSERT_EQ(chown(file.c_str(), 0, 0), 0);
  ASSERT_EQ(chown(dir.path().c_str(), 65534, 65534), 0);
  EXPECT_EQ(error_of([&] { host.load(Kind::sink, "good"); }),
            untrusted(file, "directory " + dir.path().string() + " is owned by uid 65534, not root"));
}

TEST(PluginTrust, ListingReportsTheRefusal) {
  TempDir dir;
  const fs::path file = dir.add("sink-good");
  fs::permissions(dir.path(), fs::perms(0777));
  PluginHost host({{dir.path(), "test"}});
  const auto list = host.list();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].error, untrusted(file, "directory " + dir.path().string() +
                                               " is writable by group and others (mode 0777)"));
}

TEST(PluginDoc, IsAConfigSnippetWithTheDocumentedKeys) {
  PluginHost host = fixture_host();
  EXPECT_EQ(format_plugin_doc(*host.load(Kind::sink, "good")),
            "# sink \"good\" 1.2.3 (plugin ABI 1.5): " + fixture("sink-good").string() +
                "\n# test fixture: a sink written with the SDK\n[[sink]]\nplugin = \"good\"\n"
                "prefix = \"ok\"  # first word of every line\n");
  const std::string c = format_plugin_doc(*host.load(Kind::sink, "csink"));
  EXPECT_TRUE(c.ends_with("[[sink]]\nplugin = \"csink\"\n# (no keys of its own)\n")) << c;
}

// ---- sinks -------------------------------------------------------------------

TEST(PluginSink, SdkSinkEndToEnd) {
  LogCapture log;
  PluginHost host = fixture_host();
  SinkInstance sink = host.create_sink("good", "prefix = \"hi\"\n", "trace.toml [[sink]] #1");
  EXPECT_EQ(sink.name(), "good");
  EXPECT_EQ(sink.library().version(), "1.2.3");
  EXPECT_EQ(sink.library().abi(), "1.5");
  EXPECT_NE(sink.library().config_doc().find("prefix"), std::string::npos);

  TestSession s;
  sink.open(s.session);
  EXPECT_TRUE(sink.is_open());
  const pwru_event_v1 a = make_event("ip_rcv", 1);
  const pwru_event_v1 b = make_event("kfree_skb", 2);
  const pwru_event_v1* batch[] = {&a, &b};
  sink.write(batch, 2);
  sink.flush();
  sink.close();
  EXPECT_FALSE(sink.is_open());
  EXPECT_EQ(s.writer.out,
            "hi open tracepoint\nhi ip_rcv on cpu 1\nhi kfree_skb on cpu 2\nhi close\n");
  EXPECT_EQ(s.writer.flushes, 1);
  expect_contains(log.text(), {"info [plugin good] opened for the tracepoint backend"});
}

TEST(PluginSink, PlainCSinkEndToEndAndDestructorCloses) {
  LogCapture log;
  PluginHost host = fixture_host();
  const auto lib = host.load(Kind::sink, "csink");  // keeps the counters readable
  const Counters before = counters_of(lib->path()).value();
  TestSession s;
  {
    SinkInstance sink = host.create_sink("csink", "", "command line");
    sink.open(s.session);
    const pwru_event_v1 a = make_event("ip_rcv", 0);
    const pwru_event_v1 b = make_event("ip_output", 0);
    const pwru_event_v1* batch[] = {&a, &b};
    sink.write(batch);
    sink.write(batch, 0);  // an empty batch does not reach the plugin
    sink.flush();          // the C sink has no flush: a no-op
  }
  EXPECT_EQ(s.writer.out, "csink open tracepoint\ncsink ip_rcv\ncsink ip_output\ncsink close\n");
  const Counters after = counters_of(lib->path()).value();
  EXPECT_EQ(after.creates - before.creates, 1);
  EXPECT_EQ(after.writes - before.writes, 1);
  EXPECT_EQ(after.closes - before.closes, 1);
  EXPECT_EQ(after.destroys - before.destroys, 1);
  // The trailing newline the plugin sent is dropped.
  expect_contains(log.text(), {"info [plugin csink] created\n"});
}

TEST(PluginSink, UnknownConfigKeyIsRejectedWithThePluginsMessage) {
  PluginHost host = fixture_host();
  const std::string msg = error_of([&] {
    host.create_sink("good", "prefix = \"x\"\ncolour = \"red\"\n", "trace.toml [[sink]] #2");
  });
  expect_contains(msg,
                  {"plugin 'good': ", "trace.toml [[sink]] #2:2:10: colour: unknown key 'colour'"});
}

TEST(PluginSink, ConfigSyntaxAndTypeErrorsAreThePluginsMessage) {
  PluginHost host = fixture_host();
  expect_contains(error_of([&] { host.create_sink("good", "prefix = \n", "cli"); }),
                  {"plugin 'good': cli:1:"});
  expect_contains(error_of([&] { host.create_sink("good", "prefix = 3\n", "cli"); }),
                  {"plugin 'good': cli:1:10: prefix: must be a string"});
}

TEST(PluginSink, CreateFailureCarriesThePluginsMessage) {
  PluginHost host = fixture_host();
  EXPECT_EQ(error_of([&] { host.create_sink("createfail", "", "trace.toml [[sink]] #1"); }),
            "plugin 'createfail': trace.toml [[sink]] #1: the fixture refuses to start");
  EXPECT_EQ(error_of([&] { host.create_sink("csink", "a = 1", "cli"); }),
            "plugin 'csink': cli: csink takes no configuration");
}

TEST(PluginSink, SilentCreateFailureStillSaysWhat) {
  PluginHost host = fixture_host();
  EXPECT_EQ(error_of([&] { host.create_sink("createnull", "", "cli"); }),
            "plugin 'createnull': create failed for cli and the plugin gave no message");
}

TEST(PluginSink, FailedOpenIsNotClosed) {
  PluginHost host = fixture_host();
  const auto lib = host.load(Kind::sink, "openfail");
  const Counters before = counters_of(lib->path()).value();
  {
    SinkInstance sink = host.create_sink("openfail", "", "cli");
    TestSession s;
    EXPECT_EQ(error_of([&] { sink.open(s.session); }), "plugin 'openfail': no such output");
    EXPECT_FALSE(sink.is_open());
    sink.close();  // a no-op: open never succeeded
  }
  const Counters after = counters_of(lib->path()).value();
  EXPECT_EQ(after.opens - before.opens, 1);
  EXPECT_EQ(after.closes - before.closes, 0);
  EXPECT_EQ(after.destroys - before.destroys, 1);
}

TEST(PluginSink, FailedWriteThrowsAndTheDestructorStillCloses) {
  PluginHost host = fixture_host();
  TestSession s;
  {
    SinkInstance sink = host.create_sink("writefail", "", "cli");
    sink.open(s.session);
    const pwru_event_v1 a = make_event("ip_rcv", 0);
    const pwru_event_v1* batch[] = {&a};
    EXPECT_EQ(error_of([&] { sink.write(batch); }), "plugin 'writefail': disk on fire");
  }
  EXPECT_EQ(s.writer.out, "csink open tracepoint\ncsink close\n");
}

TEST(PluginSink, CallsOutOfOrderAreRefused) {
  PluginHost host = fixture_host();
  SinkInstance sink = host.create_sink("csink", "", "cli");
  const pwru_event_v1 a = make_event("ip_rcv", 0);
  const pwru_event_v1* batch[] = {&a};
  expect_contains(error_of([&] { sink.write(batch); }), {"plugin 'csink': write() before open()"});
  TestSession s;
  pwru_session_v1 no_writer = s.session;
  no_writer.out = nullptr;
  expect_contains(error_of([&] { sink.open(no_writer); }), {"the session has no writer"});
  sink.open(s.session);
  expect_contains(error_of([&] { sink.open(s.session); }), {"open() called twice"});
  sink.close();
  sink.close();  // once only
  expect_contains(error_of([&] { sink.write(batch); }), {"write() after close()"});
  EXPECT_EQ(s.writer.out, "csink open tracepoint\ncsink close\n");
}

TEST(PluginSink, MoveTransfersOwnershipAndDestroysOnce) {
  PluginHost host = fixture_host();
  const auto lib = host.load(Kind::sink, "csink");
  const Counters before = counters_of(lib->path()).value();
  {
    SinkInstance a = host.create_sink("csink", "", "cli");
    SinkInstance b = std::move(a);
    EXPECT_THROW(a.name(), std::logic_error);  // NOLINT(bugprone-use-after-move,clang-analyzer-cplusplus.Move)
    SinkInstance c = host.create_sink("csink", "", "cli");
    c = std::move(b);  // destroys c's own instance first
    EXPECT_EQ(counters_of(lib->path())->destroys - before.destroys, 1);
    EXPECT_EQ(c.name(), "csink");
  }
  const Counters after = counters_of(lib->path()).value();
  EXPECT_EQ(after.creates - before.creates, 2);
  EXPECT_EQ(after.destroys - before.destroys, 2);
}

TEST(PluginSink, WrongKindOfLibraryIsRefused) {
  PluginHost host = fixture_host();
  EXPECT_EQ(error_of([&] { SinkInstance::create(host.load(Kind::filter, "good"), "", "cli"); }),
            "plugin 'good' is a filter plugin, not a sink plugin");
}

TEST(PluginHostLifetime, LoadsEachPluginOnce) {
  PluginHost host = fixture_host();
  const auto a = host.load(Kind::sink, "good");
  const auto b = host.load(Kind::sink, "good");
  EXPECT_EQ(a.get(), b.get());
  SinkInstance s = host.create_sink("good", "", "cli");
  EXPECT_EQ(&s.library(), a.get());
}

TEST(PluginHostLifetime, InstancesOutliveTheHost) {
  const fs::path file = fixture("sink-csink");
  // The sessions outlive the sinks, whose destructors close into them.
  TestSession s;
  TestSession s2;
  {
    auto host = std::make_unique<PluginHost>(fixture_host());
    SinkInstance sink = host->create_sink("csink", "", "cli");
    SinkInstance sdk_sink = host->create_sink("good", "", "cli");
    host.reset();
    ASSERT_TRUE(is_loaded(file));
    sink.open(s.session);
    sdk_sink.open(s2.session);
    const pwru_event_v1 a = make_event("ip_rcv", 0);
    const pwru_event_v1* batch[] = {&a};
    sink.write(batch);
    sdk_sink.write(batch);
  }
  EXPECT_EQ(s.writer.out, "csink open tracepoint\ncsink ip_rcv\ncsink close\n");
  EXPECT_EQ(s2.writer.out, "ok open tracepoint\nok ip_rcv on cpu 0\nok close\n");
  // The last owner gone, the library is unloaded.
  EXPECT_FALSE(is_loaded(file));
}

// ---- filters -----------------------------------------------------------------

pwru_filter_env_v1 test_env() {
  pwru_filter_env_v1 env{};
  env.size = sizeof(env);
  env.pkt_buf_size = 256;
  return env;
}

TEST(PluginFilter, SdkMarkFilter) {
  PluginHost host = fixture_host();
  FilterInstance f = host.create_filter("good", "mark = 0x10\nmask = 0xf0\n", "cli");
  const pwru_filter_spec_v1& spec = f.build(test_env());
  EXPECT_EQ(spec.meta_flags, PWRU_META_MARK);
  EXPECT_EQ(spec.mark, 0x10u);
  EXPECT_EQ(spec.mark_mask, 0xf0u);
  EXPECT_EQ(spec.ncode, 0u);
  expect_contains(error_of([&] { host.create_filter("good", "mark = -1\n", "cli"); }),
                  {"plugin 'good': cli:1:8: mark: value -1 is out of range"});
}

TEST(PluginFilter, PlainCFilterWithCode) {
  PluginHost host = fixture_host();
  FilterInstance f = host.create_filter("badspec", "", "cli");
  const pwru_filter_spec_v1& spec = f.build(test_env());
  ASSERT_EQ(spec.ncode, 2u);
  EXPECT_EQ(spec.code[0]->mode, uint32_t{PWRU_CODE_ACCEPT_ALL});
  EXPECT_EQ(spec.code[1]->slot, uint32_t{PWRU_SLOT_PCAP_L3});
  EXPECT_EQ(spec.code[1]->insn_cnt, 2u);
  EXPECT_EQ(spec.code[1]->insns[1].code, BPF_JMP | BPF_EXIT);
}

TEST(PluginFilter, InvalidSpecsAreRefused) {
  struct Case {
    const char* name;
    std::string want;
  };
  const Case cases[] = {
      {"fail", "plugin 'badspec': cannot compile 'tcp port'"},
      {"fail-silently",
       "plugin 'badspec': build failed with error -22 (Invalid argument) and the plugin gave no "
       "message"},
      {"small-spec", "invalid filter spec: size 8 is smaller than a plugin ABI 1.0 filter spec"},
      {"unknown-meta", "invalid filter spec: unknown meta_flags bits 0x80"},
      {"too-many-codes", "invalid filter spec: ncode is 5, more than the 4 slots there are"},
      {"null-code-array", "invalid filter spec: ncode is 2 but code is NULL"},
      {"null-code", "invalid filter spec: code[1] is NULL"},
      {"small-code",
       "invalid filter spec: code[1] size 4 is smaller than a plugin ABI 1.0 filter code"},
      {"bad-slot", "invalid filter spec: code[1] has unknown slot 9"},
      {"same-slot", "invalid filter spec: code[1] fills slot 1 again"},
      {"bad-mode", "invalid filter spec: code[1] has unknown mode 42"},
      {"zero-insns", "invalid filter spec: code[1] is in INSNS mode with insn_cnt 0"},
      {"null-insns", "invalid filter spec: code[1] is in INSNS mode with insns NULL"},
  };
  PluginHost host = fixture_host();
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    FilterInstance f =
        host.create_filter("badspec", std::string("case = \"") + c.name + "\"\n", "cli");
    const std::string msg = error_of([&] { f.build(test_env()); });
    expect_contains(msg, {"plugin 'badspec': ", c.want});
  }
}

// ---- selectors ---------------------------------------------------------------

Candidate cand(uint32_t kind, const char* name, uint32_t skb_pos, const char* module = "vmlinux") {
  Candidate c;
  c.kind = kind;
  c.name = name;
  c.module = module;
  c.addr = kind == PWRU_PROBE_KPROBE ? 0xffffffff81a00000 : 0;
  c.skb_pos = skb_pos;
  c.reason_pos = 0;
  c.nargs = skb_pos;
  return c;
}

const std::vector<Candidate>& test_candidates() {
  static const std::vector<Candidate> c = {
      cand(PWRU_PROBE_KPROBE, "ip_rcv", 1),
      cand(PWRU_PROBE_KPROBE, "ip_rcv_core", 1),
      cand(PWRU_PROBE_KPROBE, "sk_skb_reason_drop", 2),
      cand(PWRU_PROBE_KPROBE, "veth_xmit", 1, "veth"),
      cand(PWRU_PROBE_TRACEPOINT, "kfree_skb", 1),
  };
  return c;
}

TEST(PluginSelector, SdkSelectorSeesEveryCandidateField) {
  PluginHost host = fixture_host();
  const auto& c = test_candidates();
  const auto sel = [&](const std::string& toml) {
    return host.create_selector("good", toml, "cli").select(c);
  };
  using V = std::vector<std::size_t>;
  EXPECT_EQ(sel(""), (V{0, 1, 2, 3, 4}));
  EXPECT_EQ(sel("prefix = \"ip_\""), (V{0, 1}));
  EXPECT_EQ(sel("module = \"veth\""), (V{3}));
  EXPECT_EQ(sel("skb-pos = 2"), (V{2}));
  EXPECT_EQ(sel("kind = \"tracepoint\""), (V{4}));
  EXPECT_EQ(sel("kind = \"kprobe\"\nprefix = \"nothing\""), V{});
  SelectorInstance s = host.create_selector("good", "", "cli");
  EXPECT_EQ(s.name(), "good");
  EXPECT_EQ(s.library().abi(), "1.5");
  EXPECT_EQ(s.library().kind(), Kind::selector);
  EXPECT_TRUE(s.select({}).empty());
}

TEST(PluginSelector, SdkExceptionsBecomeTheMessage) {
  PluginHost host = fixture_host();
  SelectorInstance s = host.create_selector("good", "throw = true", "cli");
  EXPECT_EQ(error_of([&] { s.select(test_candidates()); }),
            "plugin 'good': the selector was told to fail");
  expect_contains(error_of([&] { host.create_selector("good", "colour = 1", "cli"); }),
                  {"plugin 'good': cli:1:10: colour: unknown key 'colour'"});
}

TEST(PluginSelector, PlainCSelector) {
  PluginHost host = fixture_host();
  using V = std::vector<std::size_t>;
  EXPECT_EQ(host.create_selector("cselect", "", "cli").select(test_candidates()),
            (V{0, 1, 2, 3, 4}));
  EXPECT_EQ(host.create_selector("cselect", "case = \"odd\"", "cli").select(test_candidates()),
            (V{1, 3}));
}

TEST(PluginSelector, BadResultsAreRefused) {
  PluginHost host = fixture_host();
  const std::pair<const char*, std::string> cases[] = {
      {"fail", "plugin 'cselect': no candidate is good enough (5 offered)"},
      {"fail-silently",
       "plugin 'cselect': select failed with error -2 (No such file or directory) and the plugin "
       "gave no message"},
      {"bad-byte", "plugin 'cselect': invalid selection: chosen[0] (ip_rcv) is 2, not 0 or 1"},
      {"overrun",
       "plugin 'cselect': invalid selection: the plugin wrote past the end of chosen[] (5 "
       "entries)"},
  };
  for (const auto& [name, want] : cases) {
    SCOPED_TRACE(name);
    SelectorInstance s =
        host.create_selector("cselect", std::string("case = \"") + name + "\"", "cli");
    EXPECT_EQ(error_of([&] { s.select(test_candidates()); }), want);
  }
}

TEST(PluginSelector, WrongKindAndMoves) {
  PluginHost host = fixture_host();
  EXPECT_EQ(error_of([&] { SelectorInstance::create(host.load(Kind::sink, "good"), "", "cli"); }),
            "plugin 'good' is a sink plugin, not a selector plugin");
  EXPECT_THROW(host.load(Kind::sink, "good")->selector_ops(), std::logic_error);
  SelectorInstance a = host.create_selector("cselect", "", "cli");
  SelectorInstance b = std::move(a);
  EXPECT_THROW(a.name(), std::logic_error);  // NOLINT(bugprone-use-after-move,clang-analyzer-cplusplus.Move)
  EXPECT_EQ(b.select(test_candidates()).size(), 5u);
}

// ---- listing -----------------------------------------------------------------

const PluginInfo* find_info(const std::vector<PluginInfo>& list, const fs::path& path) {
  for (const auto& p : list)
    if (p.path == path) return &p;
  return nullptr;
}

TEST(PluginList, ShowsGoodAndBrokenPluginsWithTheirErrors) {
  PluginHost host = fixture_host();
  const auto list = host.list();

  std::size_t files = 0;
  for (const auto& e : fs::directory_iterator(kFixtureDir)) {
    const std::string n = e.path().filename().string();
    files += n.starts_with("pwru-") && n.ends_with(".so");
  }
  EXPECT_EQ(list.size(), files);

  const PluginInfo* good = find_info(list, fixture("sink-good"));
  ASSERT_NE(good, nullptr);
  EXPECT_TRUE(good->ok()) << good->error;
  EXPECT_EQ(good->name, "good");
  EXPECT_EQ(good->kind, Kind::sink);
  EXPECT_EQ(good->version, "1.2.3");
  EXPECT_EQ(good->abi, "1.5");
  EXPECT_EQ(good->description, "test fixture: a sink written with the SDK");
  EXPECT_FALSE(good->shadowed);

  for (const char* ok : {"filter-good", "sink-csink", "filter-badspec", "sink-minor0",
                         "selector-good", "selector-cselect"}) {
    const PluginInfo* p = find_info(list, fixture(ok));
    ASSERT_NE(p, nullptr) << ok;
    EXPECT_TRUE(p->ok()) << p->error;
  }

  const std::pair<const char*, const char*> broken[] = {
      {"sink-garbage", "cannot load library"},
      {"sink-noentry", "no symbol pwru_plugin_entry_v1"},
      {"sink-v2only", "built for plugin ABI 2, this pwru speaks 1"},
      {"sink-abi2", "built for plugin ABI 2.0"},
      {"sink-minor99", "needs plugin ABI 1.99"},
      {"sink-minor9", "needs plugin ABI 1.9, this pwru speaks 1.5"},
      {"selector-csel", "selector plugins need plugin ABI 1.1 or later"},
      {"selector-smallops", "the selector ops table is 4 bytes"},
      {"selector-noselect", "lacks required function(s): select"},
      {"filter-kindmismatch", "but the file name says filter 'kindmismatch'"},
      {"sink-nullops", "lacks required field(s): ops"},
      {"oddname", "does not follow"},
  };
  for (const auto& [file, words] : broken) {
    const PluginInfo* p = find_info(list, fixture(file));
    ASSERT_NE(p, nullptr) << file;
    EXPECT_FALSE(p->ok()) << file;
    expect_contains(p->error, {fixture(file).string(), words});
    EXPECT_TRUE(p->version.empty());
  }
  // Name and kind still come from the file name where it follows the rule.
  const PluginInfo* abi2 = find_info(list, fixture("sink-abi2"));
  const PluginInfo* odd = find_info(list, fixture("oddname"));
  ASSERT_TRUE(abi2 != nullptr && odd != nullptr);
  EXPECT_EQ(abi2->name, "abi2");
  EXPECT_EQ(abi2->kind, Kind::sink);
  EXPECT_FALSE(odd->kind.has_value());

  for (const auto& p : list) EXPECT_FALSE(p.shadowed) << p.path;
}

TEST(PluginList, LaterFilesWithTheSameNameAreShadowed) {
  TempDir first;
  TempDir second;
  first.add("sink-good");
  second.add("sink-good");
  second.add("sink-csink");
  PluginHost host({{first.path(), "PWRU_PLUGIN_PATH"},
                   {first.path() / "missing", "next to the executable"},
                   {second.path(), "install dir"}});
  const auto list = host.list();
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0].path, first.path() / "pwru-sink-good.so");
  EXPECT_FALSE(list[0].shadowed);
  EXPECT_EQ(list[1].path, second.path() / "pwru-sink-csink.so");
  EXPECT_FALSE(list[1].shadowed);
  EXPECT_EQ(list[2].path, second.path() / "pwru-sink-good.so");
  EXPECT_TRUE(list[2].shadowed);
  EXPECT_TRUE(list[2].ok());
  expect_contains(format_plugin_table(list),
                  {second.path().string() + "/pwru-sink-good.so (shadowed)"});
}

TEST(PluginList, TrustRefusalsAreListedToo) {
  PluginHost host({{kFixtureDir, "test"}}, [](const fs::path& file, const fs::path&) {
    if (file.filename() == "pwru-sink-csink.so")
      throw PluginError("plugin " + file.string() + ": untrusted");
  });
  const auto list = host.list();
  const PluginInfo* p = find_info(list, fixture("sink-csink"));
  const PluginInfo* good = find_info(list, fixture("sink-good"));
  ASSERT_TRUE(p != nullptr && good != nullptr);
  EXPECT_EQ(p->error, "plugin " + fixture("sink-csink").string() + ": untrusted");
  EXPECT_TRUE(good->ok());
}

TEST(PluginList, TableFormat) {
  std::vector<PluginInfo> list(3);
  list[0].name = "text";
  list[0].kind = Kind::sink;
  list[0].version = "0.1.0";
  list[0].abi = "1.0";
  list[0].path = "/b/plugins/pwru-sink-text.so";
  list[1].name = "abi2";
  list[1].kind = Kind::sink;
  list[1].path = "/b/plugins/pwru-sink-abi2.so";
  list[1].error =
      "plugin /b/plugins/pwru-sink-abi2.so: built for plugin ABI 2.0, this pwru speaks 1.0";
  list[2] = list[0];
  list[2].path = "/usr/lib/pwru/plugins/pwru-sink-text.so";
  list[2].shadowed = true;
  EXPECT_EQ(format_plugin_table(list),
            "NAME  KIND  VERSION  ABI  PATH\n"
            "text  sink  0.1.0    1.0  /b/plugins/pwru-sink-text.so\n"
            "abi2  sink  -        -    /b/plugins/pwru-sink-abi2.so\n"
            "text  sink  0.1.0    1.0  /usr/lib/pwru/plugins/pwru-sink-text.so (shadowed)\n"
            "error: plugin /b/plugins/pwru-sink-abi2.so: built for plugin ABI 2.0, this pwru "
            "speaks 1.0\n");
  EXPECT_EQ(format_plugin_table({}), "NAME  KIND  VERSION  ABI  PATH\n(no plugin files found)\n");
}

TEST(PluginList, RealFixtureTableHasAnErrorLinePerBrokenFile) {
  PluginHost host = fixture_host();
  const auto list = host.list();
  const std::string table = format_plugin_table(list);
  std::size_t broken = 0;
  for (const auto& p : list) broken += !p.ok();
  std::size_t error_lines = 0;
  for (std::size_t pos = 0; (pos = table.find("\nerror: ", pos)) != std::string::npos; ++pos)
    ++error_lines;
  EXPECT_EQ(error_lines, broken);
  EXPECT_GE(broken, 15u);
}

}  // namespace
}  // namespace pwru::plugin
