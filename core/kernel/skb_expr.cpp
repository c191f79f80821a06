// SPDX-License-Identifier: Apache-2.0
#include "kernel/skb_expr.h"

#include <bpf/btf.h>

#include <cctype>
#include <charconv>
#include <cstring>
#include <limits>
#include <optional>

#include <fmt/format.h>

#include "util/error.h"

namespace pwru::kernel {
namespace {

const btf_type* skip_mods(const struct btf* b, uint32_t id, uint32_t* out_id = nullptr) {
  const btf_type* t = btf__type_by_id(b, id);
  while (t != nullptr && (btf_is_typedef(t) || btf_is_const(t) || btf_is_volatile(t) ||
                          btf_is_restrict(t) || btf_is_type_tag(t))) {
    id = t->type;
    t = btf__type_by_id(b, id);
  }
  if (out_id != nullptr) *out_id = id;
  return t;
}

std::string type_text(const struct btf* b, uint32_t id) {
  const btf_type* t = skip_mods(b, id);
  if (t == nullptr) return "void";
  const char* n = btf__name_by_offset(b, t->name_off);
  std::string name = n != nullptr ? n : "";
  if (btf_is_struct(t)) return "struct " + (name.empty() ? "(anon)" : name);
  if (btf_is_union(t)) return "union " + (name.empty() ? "(anon)" : name);
  if (btf_is_enum(t) || btf_is_enum64(t)) return "enum " + (name.empty() ? "(anon)" : name);
  if (btf_is_ptr(t)) return type_text(b, t->type) + " *";
  if (btf_is_array(t)) return type_text(b, btf_array(t)->type) + "[" + std::to_string(btf_array(t)->nelems) + "]";
  return name.empty() ? "?" : name;
}

// Tokens of an expression.
struct Lexer {
  const std::string& s;
  size_t i = 0;
  void ws() {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  }
  bool eat(std::string_view t) {
    ws();
    if (s.compare(i, t.size(), t) == 0) {
      i += t.size();
      return true;
    }
    return false;
  }
  std::string ident() {
    ws();
    size_t st = i;
    if (i < s.size() && (std::isalpha(static_cast<unsigned char>(s[i])) || s[i] == '_')) {
      while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '_')) ++i;
    }
    return s.substr(st, i - st);
  }
  // A decimal or 0x hex index (no sign).
  std::optional<uint64_t> index() {
    ws();
    int base = 10;
    if (s.compare(i, 2, "0x") == 0 || s.compare(i, 2, "0X") == 0) {
      base = 16;
      i += 2;
    }
    uint64_t v = 0;
    auto [p, ec] = std::from_chars(s.data() + i, s.data() + s.size(), v, base);
    if (ec != std::errc() || p == s.data() + i) return std::nullopt;
    i = static_cast<size_t>(p - s.data());
    return v;
  }
  bool done() {
    ws();
    return i >= s.size();
  }
};

// A member found by name, with its offset from the struct's start.
struct Found {
  uint32_t type = 0;
  uint64_t bit_off = 0;
  uint32_t bitfield = 0;
};

std::optional<Found> find_member(const struct btf* b, const btf_type* st, const std::string& name) {
  const btf_member* m = btf_members(st);
  for (int i = 0; i < btf_vlen(st); ++i) {
    const char* n = btf__name_by_offset(b, m[i].name_off);
    const uint64_t off = btf_member_bit_offset(st, i);
    if (n != nullptr && *n != '\0') {
      if (name == n) return Found{m[i].type, off, btf_member_bitfield_size(st, i)};
      continue;
    }
    // An anonymous struct or union: its members are the parent's.
    const btf_type* inner = skip_mods(b, m[i].type);
    if (inner != nullptr && (btf_is_struct(inner) || btf_is_union(inner))) {
      if (auto f = find_member(b, inner, name)) {
        f->bit_off += off;
        return f;
      }
    }
  }
  return std::nullopt;
}

// Parses the path at the lexer's position and resolves it.
SkbExpr resolve_path(const KernelBtf& kb, Lexer& lx, const ExprRoot& r) {
  const struct btf* b = kb.raw();
  SkbExpr e;
  const size_t start = lx.i;
  const std::string root = lx.ident();
  const std::string rname = r.name;
  if (root != rname)
    throw Error(fmt::format("must start with {} (the struct {} *), e.g. {}->{}", r.name, r.type, r.name, r.example));
  const int skb_id = btf__find_by_name_kind(b, r.type, BTF_KIND_STRUCT);
  if (skb_id <= 0) throw Error(fmt::format("the kernel's BTF has no struct {}", r.type));

  // State: addr holds a pointer to `pointee` (a struct) after the hops;
  // `cur` is the member at addr + bit_off/8 (0 = the root pointer itself).
  std::vector<uint32_t> hops;
  uint32_t cur = 0;        // type of the current member (0: at the root pointer)
  uint64_t bit_off = 0;
  uint32_t bitfield = 0;
  std::string prev = rname;
  bool any = false;
  while (true) {
    const size_t at = lx.i;
    bool arrow = lx.eat("->");
    bool dot = !arrow && lx.eat(".");
    if (!arrow && !dot) {
      lx.i = at;
      break;
    }
    const std::string name = lx.ident();
    if (name.empty()) throw Error("expected a field name after '" + std::string(arrow ? "->" : ".") + "'");
    const btf_type* st = nullptr;
    if (cur == 0) {
      if (dot) throw Error(rname + " is a pointer: use " + rname + "->" + name);
      st = btf__type_by_id(b, skb_id);
    } else {
      uint32_t id = 0;
      const btf_type* t = skip_mods(b, cur, &id);
      if (bitfield != 0) throw Error("'" + prev + "' is a bitfield, not a struct");
      if (arrow) {
        if (t == nullptr || !btf_is_ptr(t))
          throw Error("'" + prev + "' is not a pointer (" + type_text(b, cur) + "): use '.'" );
        if (bit_off % 8 != 0) throw Error("'" + prev + "' is not byte aligned");
        if (hops.size() >= PWRU_EXPR_MAX_HOPS)
          throw Error("more than " + std::to_string(PWRU_EXPR_MAX_HOPS) + " pointers to follow");
        hops.push_back(static_cast<uint32_t>(bit_off / 8));
        bit_off = 0;
        st = skip_mods(b, t->type);
        if (st == nullptr || !(btf_is_struct(st) || btf_is_union(st)))
          throw Error("'" + prev + "' does not point to a struct or union (" + type_text(b, cur) + ")");
      } else {
        if (t != nullptr && btf_is_ptr(t)) throw Error("'" + prev + "' is a pointer: use '->'");
        if (t == nullptr || !(btf_is_struct(t) || btf_is_union(t)))
          throw Error("'" + prev + "' is not a struct or union (" + type_text(b, cur) + ")");
        st = t;
      }
    }
    auto f = find_member(b, st, name);
    if (!f) {
      const char* sn = btf__name_by_offset(b, st->name_off);
      throw Error("no field '" + name + "' in " + (btf_is_union(st) ? "union " : "struct ") +
                  (sn != nullptr && *sn != '\0' ? sn : "(anon)"));
    }
    bit_off += f->bit_off;
    bitfield = f->bitfield;
    cur = f->type;
    prev = name;
    e.last = name;
    any = true;
    // `[n]` after a field, as in C: an element of an array member (skb->cb[4]),
    // or the n-th object a pointer points to (one more hop).
    while (lx.eat("[")) {
      const std::optional<uint64_t> idx = lx.index();
      if (!idx || !lx.eat("]")) throw Error("expected an index (a decimal or 0x hex number) and ']' after '" + prev + "['");
      if (bitfield != 0) throw Error("'" + prev + "' is a bitfield, not an array");
      const btf_type* t = skip_mods(b, cur);
      uint32_t elem = 0;
      if (t != nullptr && btf_is_array(t)) {
        const struct btf_array* a = btf_array(t);
        if (*idx >= a->nelems)
          throw Error("index " + std::to_string(*idx) + " is out of range for '" + prev + "' (" + type_text(b, cur) + ")");
        elem = a->type;
      } else if (t != nullptr && btf_is_ptr(t)) {
        if (bit_off % 8 != 0) throw Error("'" + prev + "' is not byte aligned");
        if (hops.size() >= PWRU_EXPR_MAX_HOPS)
          throw Error("more than " + std::to_string(PWRU_EXPR_MAX_HOPS) + " pointers to follow");
        hops.push_back(static_cast<uint32_t>(bit_off / 8));
        bit_off = 0;
        elem = t->type;
      } else {
        throw Error("'" + prev + "' is neither an array nor a pointer (" + type_text(b, cur) + ")");
      }
      const long long es = btf__resolve_size(b, elem);
      if (es <= 0) {
        uint32_t eid = 0;
        skip_mods(b, elem, &eid);
        throw Error("the elements of '" + prev + "' have no size (" + (eid == 0 ? "void" : type_text(b, elem)) + ")");
      }
      // The offset from the last pointer is a u32 (pwru_kexpr.off).
      const uint64_t esz = static_cast<uint64_t>(es);
      if (*idx > UINT32_MAX / esz || bit_off / 8 + *idx * esz > UINT32_MAX)
        throw Error("index " + std::to_string(*idx) + " of '" + prev + "' is too large");
      bit_off += *idx * esz * 8;
      cur = elem;
      prev += "[" + std::to_string(*idx) + "]";
      e.last = prev;
    }
  }
  if (!any) throw Error(fmt::format("expected a field, e.g. {}->{}", r.name, r.example));
  e.path = lx.s.substr(start, lx.i - start);
  // Trim the path's surrounding spaces.
  while (!e.path.empty() && std::isspace(static_cast<unsigned char>(e.path.back()))) e.path.pop_back();
  while (!e.path.empty() && std::isspace(static_cast<unsigned char>(e.path.front()))) e.path.erase(0, 1);

  pwru_kexpr& k = e.k;
  k.nhops = static_cast<uint8_t>(hops.size());
  for (size_t i = 0; i < hops.size(); ++i) k.hop[i] = hops[i];
  e.type_id = cur;
  if (bitfield != 0) {
    const uint64_t shift = bit_off % 8;
    const uint64_t bytes = (shift + bitfield + 7) / 8;
    if (bytes > 8) throw Error("field '" + e.last + "' is a bitfield wider than 8 bytes");
    k.off = static_cast<uint32_t>(bit_off / 8);
    k.size = static_cast<uint8_t>(bytes);
    k.bit_shift = static_cast<uint8_t>(shift);
    k.bit_size = static_cast<uint8_t>(bitfield);
  } else {
    const long long sz = btf__resolve_size(b, cur);
    if (sz <= 0) throw Error("field '" + e.last + "' has no size (" + type_text(b, cur) + ")");
    if (sz > 8)
      throw Error("field '" + e.last + "' (" + type_text(b, cur) + ", " + std::to_string(sz) +
                  " bytes) is too large, max 8 bytes");
    if (bit_off % 8 != 0) throw Error("field '" + e.last + "' is not byte aligned");
    k.off = static_cast<uint32_t>(bit_off / 8);
    k.size = static_cast<uint8_t>(sz);
  }
  const btf_type* t = skip_mods(b, cur);
  if (t != nullptr && btf_is_int(t)) k.is_signed = (btf_int_encoding(t) & BTF_INT_SIGNED) != 0;
  if (t != nullptr && (btf_is_enum(t) || btf_is_enum64(t))) k.is_signed = btf_kflag(t);
  return e;
}

std::optional<uint64_t> enum_value(const struct btf* b, const btf_type* t, const std::string& name) {
  if (btf_is_enum(t)) {
    const struct btf_enum* v = btf_enum(t);
    for (int i = 0; i < btf_vlen(t); ++i)
      if (name == btf__name_by_offset(b, v[i].name_off))
        return btf_kflag(t) ? static_cast<uint64_t>(static_cast<int64_t>(v[i].val)) : static_cast<uint32_t>(v[i].val);
  } else if (btf_is_enum64(t)) {
    const struct btf_enum64* v = btf_enum64(t);
    for (int i = 0; i < btf_vlen(t); ++i)
      if (name == btf__name_by_offset(b, v[i].name_off)) return btf_enum64_value(&v[i]);
  }
  return std::nullopt;
}

}  // namespace

SkbExpr parse_field(const KernelBtf& btf, const std::string& expr, const ExprRoot& root) {
  Lexer lx{expr};
  SkbExpr e = resolve_path(btf, lx, root);
  if (!lx.done()) throw Error("unexpected '" + expr.substr(lx.i) + "' after the field");
  e.text = expr;
  return e;
}

SkbExpr parse_filter(const KernelBtf& btf, const std::string& expr, const ExprRoot& root) {
  const struct btf* b = btf.raw();
  Lexer lx{expr};
  SkbExpr e = resolve_path(btf, lx, root);
  e.text = expr;
  static constexpr std::pair<std::string_view, uint8_t> kOps[] = {
      {"==", PWRU_EXPR_EQ}, {"!=", PWRU_EXPR_NE}, {"<=", PWRU_EXPR_LE}, {">=", PWRU_EXPR_GE},
      {"=", PWRU_EXPR_EQ},  {"<", PWRU_EXPR_LT},  {">", PWRU_EXPR_GT}};
  for (const auto& [t, op] : kOps) {
    if (lx.eat(t)) {
      e.k.op = op;
      break;
    }
  }
  if (e.k.op == 0) {
    lx.ws();
    throw Error(lx.i < expr.size() ? "expected a comparison (== != < <= > >=) at '" + expr.substr(lx.i) + "'"
                                   : "expected a comparison (== != < <= > >=) and a constant after the field");
  }
  const btf_type* t = skip_mods(b, e.type_id);
  const bool is_enum = t != nullptr && (btf_is_enum(t) || btf_is_enum64(t));
  if (t == nullptr || !(btf_is_int(t) || is_enum || btf_is_ptr(t)))
    throw Error("field '" + e.last + "' (" + type_text(b, e.type_id) + ") is not a number to compare");
  lx.ws();
  const std::string rest = expr.substr(lx.i);
  std::string c = rest;
  while (!c.empty() && std::isspace(static_cast<unsigned char>(c.back()))) c.pop_back();
  if (c.empty()) throw Error("expected a constant after the comparison");
  uint64_t value = 0;
  bool neg = false;
  if (std::isalpha(static_cast<unsigned char>(c[0])) || c[0] == '_') {
    std::optional<uint64_t> v;
    if (is_enum) v = enum_value(b, t, c);
    if (!v) {
      const uint32_t n = btf__type_cnt(b);
      for (uint32_t id = 1; id < n && !v; ++id) {
        const btf_type* et = btf__type_by_id(b, id);
        if (btf_is_enum(et) || btf_is_enum64(et)) v = enum_value(b, et, c);
      }
    }
    if (!v) throw Error("'" + c + "' is neither a number nor an enumerator in the kernel's BTF");
    value = *v;
  } else {
    std::string_view d = c;
    if (!d.empty() && d[0] == '-') {
      neg = true;
      d.remove_prefix(1);
    }
    int base = 10;
    if (d.size() > 2 && d[0] == '0' && (d[1] == 'x' || d[1] == 'X')) {
      base = 16;
      d.remove_prefix(2);
    }
    auto [p, ec] = std::from_chars(d.data(), d.data() + d.size(), value, base);
    if (d.empty() || ec != std::errc() || p != d.data() + d.size())
      throw Error("'" + c + "' is not a number (decimal or 0x hex) or an enumerator");
    if (neg) {
      if (!e.k.is_signed) throw Error("'" + c + "' is negative but field '" + e.last + "' is unsigned");
      if (value > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) + 1)
        throw Error("'" + c + "' is out of range");
      value = static_cast<uint64_t>(-static_cast<int64_t>(value - 1) - 1);
    }
  }
  // The constant must fit the field (else the comparison is constant).
  const unsigned bits = e.k.bit_size != 0 ? e.k.bit_size : e.k.size * 8u;
  if (bits < 64) {
    if (e.k.is_signed) {
      const auto sv = static_cast<int64_t>(value);
      const int64_t lo = -(int64_t{1} << (bits - 1));
      const int64_t hi = (int64_t{1} << (bits - 1)) - 1;
      if (sv < lo || sv > hi)
        throw Error("'" + c + "' does not fit in field '" + e.last + "' (" + std::to_string(bits) + "-bit signed)");
    } else if (value >> bits != 0) {
      throw Error("'" + c + "' does not fit in field '" + e.last + "' (" + std::to_string(bits) + "-bit)");
    }
  }
  e.k.value = value;
  return e;
}

namespace {

void dump(const struct btf* b, uint32_t id, const uint8_t* data, size_t avail, std::string& out, int depth);

uint64_t load_le(const uint8_t* d, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n && i < 8; ++i) v |= static_cast<uint64_t>(d[i]) << (8 * i);
  return v;
}

void dump(const struct btf* b, uint32_t id, const uint8_t* data, size_t avail, std::string& out, int depth) {
  const btf_type* t = skip_mods(b, id);
  if (t == nullptr || depth > 8) {
    out += "(unsupported-kind)";
    return;
  }
  if (btf_is_int(t)) {
    const unsigned enc = btf_int_encoding(t);
    const size_t sz = t->size;
    const uint64_t u = load_le(data, std::min(sz, avail));
    if (enc & BTF_INT_BOOL) {
      out += (data[0] == 0 ? "false" : "true");
    } else if (enc & BTF_INT_CHAR) {
      // Go's %q of a byte: 'c' (printable), else %#x.
      const unsigned char c = data[0];
      if (std::isprint(c)) {
        out += '\'';
        if (c == '\'' || c == '\\') out += '\\';
        out += static_cast<char>(c);
        out += '\'';
      } else {
        out += fmt::format("{:#x}", c);
      }
    } else if (enc & BTF_INT_SIGNED) {
      int64_t s = 0;
      switch (sz) {
        case 1: s = static_cast<int8_t>(u); break;
        case 2: s = static_cast<int16_t>(u); break;
        case 4: s = static_cast<int32_t>(u); break;
        default: s = static_cast<int64_t>(u); break;
      }
      out += std::to_string(s);
    } else {
      out += std::to_string(u);
    }
    return;
  }
  if (btf_is_ptr(t)) {
    out += fmt::format("{:#x}", load_le(data, std::min<size_t>(8, avail)));
    return;
  }
  if (btf_is_enum(t) || btf_is_enum64(t)) {
    const uint64_t v = load_le(data, std::min<size_t>(t->size, avail));
    if (btf_is_enum(t)) {
      const struct btf_enum* e = btf_enum(t);
      for (int i = 0; i < btf_vlen(t); ++i)
        if (static_cast<uint64_t>(static_cast<uint32_t>(e[i].val)) == v) {
          out += btf__name_by_offset(b, e[i].name_off);
          return;
        }
    } else {
      const struct btf_enum64* e = btf_enum64(t);
      for (int i = 0; i < btf_vlen(t); ++i)
        if (btf_enum64_value(&e[i]) == v) {
          out += btf__name_by_offset(b, e[i].name_off);
          return;
        }
    }
    out += std::to_string(v);
    return;
  }
  if (btf_is_struct(t) || btf_is_union(t)) {
    out += '{';
    const btf_member* m = btf_members(t);
    for (int i = 0; i < btf_vlen(t); ++i) {
      if (i != 0) out += ", ";
      out += fmt::format("\"{}\": ", btf__name_by_offset(b, m[i].name_off));
      const uint32_t off = btf_member_bit_offset(t, i);
      const uint32_t bf = btf_member_bitfield_size(t, i);
      if (off / 8 >= avail) {
        out += "0";
        continue;
      }
      if (bf != 0) {
        uint64_t v = load_le(data + off / 8, avail - off / 8) >> (off % 8);
        if (bf < 64) v &= (uint64_t{1} << bf) - 1;
        out += fmt::format("{:#x}", v);
      } else {
        dump(b, m[i].type, data + off / 8, avail - off / 8, out, depth + 1);
      }
    }
    out += '}';
    return;
  }
  if (btf_is_array(t)) {
    const struct btf_array* a = btf_array(t);
    if (a->nelems == 0) {
      out += "[]";
      return;
    }
    const btf_type* et = skip_mods(b, a->type);
    if (et != nullptr && btf_is_int(et) && et->size == 1 && (btf_int_encoding(et) & BTF_INT_CHAR)) {
      out += '"';
      out.append(reinterpret_cast<const char*>(data), std::min<size_t>(a->nelems - 1, avail));
      out += '"';
      return;
    }
    const long long es = btf__resolve_size(b, a->type);
    out += '[';
    for (uint32_t i = 0; i < a->nelems; ++i) {
      if (i != 0) out += ", ";
      const size_t off = static_cast<size_t>(es) * i;
      if (es <= 0 || off >= avail) {
        out += "0";
        continue;
      }
      dump(b, a->type, data + off, avail - off, out, depth + 1);
    }
    out += ']';
    return;
  }
  out += "(unsupported-kind)";
}

}  // namespace

std::string format_skb_value(const KernelBtf& btf, uint32_t type_id, uint64_t raw) {
  uint8_t bytes[8];
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<uint8_t>(raw >> (8 * i));
  std::string out;
  dump(btf.raw(), type_id, bytes, sizeof(bytes), out, 0);
  return out;
}

bool has_bpf_helper(const KernelBtf& btf, const std::string& name) {
  const struct btf* b = btf.raw();
  const int id = btf__find_by_name_kind(b, "bpf_func_id", BTF_KIND_ENUM);
  if (id <= 0) return false;
  const btf_type* t = btf__type_by_id(b, id);
  return enum_value(b, t, "BPF_FUNC_" + name).has_value();
}

}  // namespace pwru::kernel
