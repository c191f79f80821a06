// SPDX-License-Identifier: Apache-2.0
#include "bpf/filter_object.h"

#include <bpf/libbpf.h>
#include <gelf.h>
#include <libelf.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <memory>

#include "bpf/libbpf_log.h"
#include "util/error.h"
#include "util/fd.h"

#ifndef EM_BPF
#define EM_BPF 247
#endif

namespace pwru::bpf {
namespace {

struct ElfCloser {
  void operator()(Elf* e) const { elf_end(e); }
};

// An anonymous in-memory file holding `bytes`: libbpf 1.1's linker reads
// and writes only by path, and /proc/self/fd/N names a memfd without
// touching any file system.
UniqueFd memfd_with(const char* name, const void* bytes, size_t size) {
  UniqueFd fd(memfd_create(name, MFD_CLOEXEC));
  if (!fd) throw Error(sys_error(std::string("memfd_create ") + name));
  const auto* p = static_cast<const uint8_t*>(bytes);
  for (size_t off = 0; off < size;) {
    const ssize_t n = write(fd.get(), p + off, size - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Error(sys_error(std::string("writing ") + name));
    }
    off += static_cast<size_t>(n);
  }
  return fd;
}

std::string fd_path(const UniqueFd& fd) { return "/proc/self/fd/" + std::to_string(fd.get()); }

// "what: strerror: <libbpf's last warning>" on one line.
std::string link_error(const std::string& what, int err, const LibbpfLogCapture& log) {
  std::string last = log.tail(1);
  while (!last.empty() && (last.front() == '\n' || last.front() == ' ')) last.erase(0, 1);
  if (last.rfind("libbpf: ", 0) == 0) last.erase(0, 8);
  return sys_error(what, err) + (last.empty() ? "" : ": " + last);
}

}  // namespace

void check_filter_object(const uint8_t* elf, size_t size) {
  const auto bad = [](const std::string& why) { return Error("its BPF object " + why); };
  if (elf == nullptr || size < sizeof(Elf64_Ehdr) || std::memcmp(elf, ELFMAG, SELFMAG) != 0)
    throw bad("is not an ELF file");
  if (elf_version(EV_CURRENT) == EV_NONE) throw Error("libelf: " + std::string(elf_errmsg(-1)));
  // elf_memory() wants a mutable image for ELF_C_READ_MMAP; reading only.
  std::unique_ptr<Elf, ElfCloser> e(elf_memory(reinterpret_cast<char*>(const_cast<uint8_t*>(elf)), size));
  if (!e || elf_kind(e.get()) != ELF_K_ELF) throw bad("is not an ELF file");
  GElf_Ehdr eh;
  if (gelf_getehdr(e.get(), &eh) == nullptr) throw bad("has no ELF header");
  if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_machine != EM_BPF)
    throw bad("is not for the BPF target (build it with clang -target bpf)");
  if (eh.e_type != ET_REL) throw bad("is not a relocatable object (clang -c)");
  size_t shstrndx = 0;
  if (elf_getshdrstrndx(e.get(), &shstrndx) != 0) throw bad("has no section names");

  bool defined = false;
  std::string weak_or_other;
  for (Elf_Scn* scn = elf_nextscn(e.get(), nullptr); scn != nullptr; scn = elf_nextscn(e.get(), scn)) {
    GElf_Shdr sh;
    if (gelf_getshdr(scn, &sh) == nullptr) throw bad("has a broken section header");
    const char* name = elf_strptr(e.get(), shstrndx, sh.sh_name);
    const std::string sec = name != nullptr ? name : "?";
    if (sh.sh_type == SHT_PROGBITS && (sh.sh_flags & SHF_EXECINSTR) != 0 && sh.sh_size > 0 && sec != ".text")
      throw bad("defines a BPF program (section '" + sec +
                "'); a filter object has only pwru_bpf_filter and its helpers, in .text");
    if (sh.sh_type != SHT_SYMTAB) continue;
    Elf_Data* data = elf_getdata(scn, nullptr);
    if (data == nullptr || sh.sh_entsize == 0) throw bad("has a broken symbol table");
    const size_t n = sh.sh_size / sh.sh_entsize;
    for (size_t i = 0; i < n; ++i) {
      GElf_Sym sym;
      if (gelf_getsym(data, static_cast<int>(i), &sym) == nullptr) continue;
      const char* sname = elf_strptr(e.get(), sh.sh_link, sym.st_name);
      if (sname == nullptr || std::strcmp(sname, kBpfFilterSymbol) != 0) continue;
      const int bind = GELF_ST_BIND(sym.st_info);
      if (sym.st_shndx == SHN_UNDEF)
        weak_or_other = "declares pwru_bpf_filter but does not define it";
      else if (GELF_ST_TYPE(sym.st_info) != STT_FUNC)
        weak_or_other = "has a pwru_bpf_filter that is not a function";
      else if (bind == STB_WEAK)
        weak_or_other = "defines pwru_bpf_filter as weak; pwru's own weak default would win";
      else if (bind != STB_GLOBAL)
        weak_or_other = "defines pwru_bpf_filter as static; it must be global (use PWRU_BPF_FILTER)";
      else
        defined = true;
    }
  }
  if (defined) return;
  throw bad(!weak_or_other.empty() ? weak_or_other
                                   : "does not define pwru_bpf_filter (see <pwru/bpf/filter.bpf.h>)");
}

std::vector<uint8_t> link_filter_object(const void* core, size_t core_size, const uint8_t* filter,
                                        size_t filter_size) {
  LibbpfLogCapture log;
  UniqueFd core_fd = memfd_with("pwru-core.bpf.o", core, core_size);
  UniqueFd filter_fd = memfd_with("pwru-filter.bpf.o", filter, filter_size);
  UniqueFd out_fd(memfd_create("pwru-linked.bpf.o", MFD_CLOEXEC));
  if (!out_fd) throw Error(sys_error("memfd_create pwru-linked.bpf.o"));

  std::unique_ptr<bpf_linker, void (*)(bpf_linker*)> linker(bpf_linker__new(fd_path(out_fd).c_str(), nullptr),
                                                            bpf_linker__free);
  if (!linker) throw Error(link_error("creating the BPF linker", errno, log));
  if (int err = bpf_linker__add_file(linker.get(), fd_path(core_fd).c_str(), nullptr); err != 0)
    throw Error(link_error("linking pwru's own BPF object", err, log));
  if (int err = bpf_linker__add_file(linker.get(), fd_path(filter_fd).c_str(), nullptr); err != 0)
    throw Error(link_error("linking its BPF object into pwru's", err, log));
  if (int err = bpf_linker__finalize(linker.get()); err != 0)
    throw Error(link_error("finishing the linked BPF object", err, log));
  linker.reset();

  struct stat st {};
  if (fstat(out_fd.get(), &st) != 0) throw Error(sys_error("fstat of the linked BPF object"));
  std::vector<uint8_t> out(static_cast<size_t>(st.st_size));
  for (size_t off = 0; off < out.size();) {
    const ssize_t n = pread(out_fd.get(), out.data() + off, out.size() - off, static_cast<off_t>(off));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw Error(sys_error("reading the linked BPF object", n < 0 ? errno : EIO));
    off += static_cast<size_t>(n);
  }
  return out;
}

}  // namespace pwru::bpf
