// SPDX-License-Identifier: Apache-2.0
// skb and xdp field expressions (--output-skb-metadata, --filter-skb-expr,
// --output-xdp-metadata, --filter-xdp-expr) against
// the running kernel's real BTF (/sys/kernel/btf/vmlinux).
#include <gtest/gtest.h>

#include <bpf/btf.h>

#include <string>

#include "kernel/btf.h"
#include "kernel/skb_expr.h"
#include "util/error.h"

using pwru::kernel::format_skb_value;
using pwru::kernel::has_bpf_helper;
using pwru::kernel::KernelBtf;
using pwru::kernel::parse_skb_field;
using pwru::kernel::parse_skb_filter;
using pwru::kernel::SkbExpr;

namespace {

const KernelBtf& kbtf() {
  static auto b = KernelBtf::load();
  return *b;
}

// The error text of a failing parse ("" if it parsed).
template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const pwru::Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(SkbExpr, DirectFieldNeedsNoHop) {
  SkbExpr len = parse_skb_field(kbtf(), "skb->len");
  EXPECT_EQ(len.last, "len");
  EXPECT_EQ(len.path, "skb->len");
  EXPECT_EQ(len.k.nhops, 0);
  EXPECT_EQ(len.k.size, 4);
  EXPECT_EQ(len.k.bit_size, 0);
  EXPECT_EQ(len.k.is_signed, 0);
  // struct sk_buff: unsigned int len, data_len; __u16 mac_len, hdr_len (adjacent in every kernel).
  SkbExpr data_len = parse_skb_field(kbtf(), "skb->data_len");
  SkbExpr mac_len = parse_skb_field(kbtf(), "skb->mac_len");
  EXPECT_EQ(data_len.k.off, len.k.off + 4);
  EXPECT_EQ(mac_len.k.off, len.k.off + 8);
  EXPECT_EQ(mac_len.k.size, 2);
  EXPECT_GT(len.k.off, 0u);
}

TEST(SkbExpr, FieldsOfAnonymousUnionsAreFound) {
  // mark lives in an anonymous union in struct sk_buff; protocol in a struct_group.
  SkbExpr mark = parse_skb_field(kbtf(), "skb->mark");
  EXPECT_EQ(mark.k.size, 4);
  EXPECT_EQ(mark.k.nhops, 0);
  SkbExpr proto = parse_skb_field(kbtf(), "skb->protocol");
  EXPECT_EQ(proto.k.size, 2);
  EXPECT_NE(mark.k.off, proto.k.off);
}

TEST(SkbExpr, PointerHopsAndDotMembers) {
  SkbExpr dev = parse_skb_field(kbtf(), "skb->dev");
  EXPECT_EQ(dev.k.nhops, 0);
  EXPECT_EQ(dev.k.size, 8);
  SkbExpr ifindex = parse_skb_field(kbtf(), "skb->dev->ifindex");
  ASSERT_EQ(ifindex.k.nhops, 1);
  EXPECT_EQ(ifindex.k.hop[0], dev.k.off);  // first follow skb->dev
  EXPECT_EQ(ifindex.k.size, 4);
  EXPECT_EQ(ifindex.k.is_signed, 1);  // int ifindex
  EXPECT_EQ(ifindex.last, "ifindex");
  // skb->dev->nd_net.net->ns.inum: two hops (dev, net), '.' adds offsets.
  SkbExpr inum = parse_skb_field(kbtf(), "skb->dev->nd_net.net->ns.inum");
  ASSERT_EQ(inum.k.nhops, 2);
  EXPECT_EQ(inum.k.hop[0], dev.k.off);
  SkbExpr net = parse_skb_field(kbtf(), "skb->dev->nd_net.net");
  EXPECT_EQ(inum.k.hop[1], net.k.off);
  EXPECT_EQ(inum.k.size, 4);
  EXPECT_EQ(inum.last, "inum");
  // Spaces between tokens are fine.
  SkbExpr spaced = parse_skb_field(kbtf(), " skb -> dev -> ifindex ");
  EXPECT_EQ(spaced.k.hop[0], ifindex.k.hop[0]);
  EXPECT_EQ(spaced.k.off, ifindex.k.off);
}

TEST(SkbExpr, Bitfield) {
  // __u8 pkt_type:3 is a bitfield: read one byte, shift, keep 3 bits.
  SkbExpr pt = parse_skb_field(kbtf(), "skb->pkt_type");
  EXPECT_EQ(pt.k.bit_size, 3);
  EXPECT_EQ(pt.k.size, 1);
  EXPECT_LT(pt.k.bit_shift, 8);
}

TEST(SkbExpr, ErrorsNameTheBadPart) {
  EXPECT_EQ(error_of([] { parse_skb_field(kbtf(), "skb->nosuch"); }), "no field 'nosuch' in struct sk_buff");
  EXPECT_EQ(error_of([] { parse_skb_field(kbtf(), "skb->dev->nosuch"); }),
            "no field 'nosuch' in struct net_device");
  EXPECT_EQ(error_of([] { parse_skb_field(kbtf(), "skb->cb"); }),
            "field 'cb' (char[48], 48 bytes) is too large, max 8 bytes");
  EXPECT_EQ(error_of([] { parse_skb_field(kbtf(), "skb->dev.ifindex"); }), "'dev' is a pointer: use '->'");
  EXPECT_EQ(error_of([] { parse_skb_field(kbtf(), "skb->len->x"); }),
            "'len' is not a pointer (unsigned int): use '.'");
  EXPECT_EQ(error_of([] { parse_skb_field(kbtf(), "skb.len"); }), "skb is a pointer: use skb->len");
  EXPECT_EQ(error_of([] { parse_skb_field(kbtf(), "xdp->len"); }),
            "must start with skb (the struct sk_buff *), e.g. skb->mark");
  EXPECT_EQ(error_of([] { parse_skb_field(kbtf(), "skb"); }), "expected a field, e.g. skb->mark");
  EXPECT_EQ(error_of([] { parse_skb_field(kbtf(), "skb->"); }), "expected a field name after '->'");
  EXPECT_EQ(error_of([] { parse_skb_field(kbtf(), "skb->mark]"); }), "unexpected ']' after the field");
}

// `[n]` as in C: an element of an array member, or the n-th object behind a
// pointer (one more hop); `.` and `->` go on from the element.
TEST(SkbExpr, ArrayIndices) {
  const struct btf* b = kbtf().raw();
  SkbExpr cb = parse_skb_field(kbtf(), "skb->cb[0]");
  SkbExpr cb4 = parse_skb_field(kbtf(), "skb->cb[4]");
  EXPECT_EQ(cb4.path, "skb->cb[4]");
  EXPECT_EQ(cb4.last, "cb[4]");
  EXPECT_EQ(cb4.k.nhops, 0);
  EXPECT_EQ(cb4.k.size, 1);  // char cb[48]
  EXPECT_EQ(cb4.k.off, cb.k.off + 4);
  EXPECT_EQ(parse_skb_field(kbtf(), "skb->cb[0x2f]").k.off, cb.k.off + 47);
  EXPECT_EQ(parse_skb_field(kbtf(), "skb->cb [ 8 ]").k.off, cb.k.off + 8);
  // The element's own type: char.
  const btf_type* et = btf__type_by_id(b, cb4.type_id);
  ASSERT_NE(et, nullptr);
  EXPECT_TRUE(btf_is_int(et));

  // Through a pointer: skb->head[14] reads the byte 14 after skb->head.
  SkbExpr head = parse_skb_field(kbtf(), "skb->head");
  SkbExpr h14 = parse_skb_field(kbtf(), "skb->head[14]");
  ASSERT_EQ(h14.k.nhops, 1);
  EXPECT_EQ(h14.k.hop[0], head.k.off);
  EXPECT_EQ(h14.k.off, 14u);
  EXPECT_EQ(h14.k.size, 1);
  // Two hops and a member of the element: skb->dev->_tx[1].qdisc is the qdisc of the
  // second struct netdev_queue of the device's array.
  SkbExpr q = parse_skb_field(kbtf(), "skb->dev->_tx[1].qdisc");
  SkbExpr tx = parse_skb_field(kbtf(), "skb->dev->_tx");
  const int nq = btf__find_by_name_kind(b, "netdev_queue", BTF_KIND_STRUCT);
  ASSERT_GT(nq, 0);
  SkbExpr q0 = parse_skb_field(kbtf(), "skb->dev->_tx->qdisc");
  ASSERT_EQ(q.k.nhops, 2);
  EXPECT_EQ(q.k.hop[0], tx.k.hop[0]);
  EXPECT_EQ(q.k.hop[1], tx.k.off);
  EXPECT_EQ(q.k.off, q0.k.off + static_cast<uint32_t>(btf__resolve_size(b, nq)));
  EXPECT_EQ(q.k.size, 8);
  EXPECT_EQ(q.last, "qdisc");
  // An array of a struct member, after a hop: the device's permanent address.
  SkbExpr perm = parse_skb_field(kbtf(), "skb->dev->perm_addr[5]");
  EXPECT_EQ(perm.k.nhops, 1);
  EXPECT_EQ(perm.k.off, parse_skb_field(kbtf(), "skb->dev->perm_addr[0]").k.off + 5);

  // A filter on an element: the constant must fit the element (8 bits).
  SkbExpr f = parse_skb_filter(kbtf(), "skb->cb[4] == 0x7c");
  EXPECT_EQ(f.k.off, cb4.k.off);
  EXPECT_EQ(f.k.value, 0x7cu);
  // (char is unsigned in kernels built with -funsigned-char, 6.2 and later.)
  EXPECT_EQ(error_of([] { parse_skb_filter(kbtf(), "skb->cb[4] == 0x100"); }),
            std::string("'0x100' does not fit in field 'cb[4]' (8-bit") + (cb4.k.is_signed ? " signed)" : ")"));

  EXPECT_EQ(error_of([] { parse_skb_field(kbtf(), "skb->cb[48]"); }),
            "index 48 is out of range for 'cb' (char[48])");
  EXPECT_EQ(error_of([] { parse_skb_field(kbtf(), "skb->cb[x]"); }),
            "expected an index (a decimal or 0x hex number) and ']' after 'cb['");
  EXPECT_EQ(error_of([] { parse_skb_field(kbtf(), "skb->cb[-1]"); }),
            "expected an index (a decimal or 0x hex number) and ']' after 'cb['");
  EXPECT_EQ(error_of([] { parse_skb_field(kbtf(), "skb->cb[1"); }),
            "expected an index (a decimal or 0x hex number) and ']' after 'cb['");
  EXPECT_EQ(error_of([] { parse_skb_field(kbtf(), "skb->cb"); }),
            "field 'cb' (char[48], 48 bytes) is too large, max 8 bytes");
  EXPECT_EQ(error_of([] { parse_skb_field(kbtf(), "skb->mark[0]"); }),
            "'mark' is neither an array nor a pointer (unsigned int)");
  EXPECT_EQ(error_of([] { parse_skb_field(kbtf(), "skb->pkt_type[0]"); }), "'pkt_type' is a bitfield, not an array");
  EXPECT_EQ(error_of([] { parse_skb_field(kbtf(), "skb->sk->sk_user_data[0]"); }),
            "the elements of 'sk_user_data' have no size (void)");
  EXPECT_EQ(error_of([] { parse_skb_field(kbtf(), "skb->cb[1][2]"); }),
            "'cb[1]' is neither an array nor a pointer (char)");
  EXPECT_EQ(error_of([] { parse_skb_field(kbtf(), "skb->head[0x100000000]"); }),
            "index 4294967296 of 'head' is too large");
}

TEST(SkbExprFilter, OperatorsAndConstants) {
  SkbExpr e = parse_skb_filter(kbtf(), "skb->mark == 0x2a");
  EXPECT_EQ(e.k.op, PWRU_EXPR_EQ);
  EXPECT_EQ(e.k.value, 42u);
  EXPECT_EQ(e.k.off, parse_skb_field(kbtf(), "skb->mark").k.off);
  EXPECT_EQ(parse_skb_filter(kbtf(), "skb->mark = 7").k.op, PWRU_EXPR_EQ);
  EXPECT_EQ(parse_skb_filter(kbtf(), "skb->mark!=7").k.op, PWRU_EXPR_NE);
  EXPECT_EQ(parse_skb_filter(kbtf(), "skb->len < 7").k.op, PWRU_EXPR_LT);
  EXPECT_EQ(parse_skb_filter(kbtf(), "skb->len <= 7").k.op, PWRU_EXPR_LE);
  EXPECT_EQ(parse_skb_filter(kbtf(), "skb->len > 7").k.op, PWRU_EXPR_GT);
  EXPECT_EQ(parse_skb_filter(kbtf(), "skb->len >= 100").k.value, 100u);
  // Signed fields take negative constants (sign-extended to 64 bits).
  SkbExpr neg = parse_skb_filter(kbtf(), "skb->dev->ifindex > -1");
  EXPECT_EQ(neg.k.is_signed, 1);
  EXPECT_EQ(neg.k.value, ~uint64_t{0});
}

TEST(SkbExprFilter, EnumeratorConstantRoundTrips) {
  // enum netdev_ml_priv_type ml_priv_type: the enumerator's value, printed back by name.
  SkbExpr e = parse_skb_filter(kbtf(), "skb->dev->ml_priv_type == ML_PRIV_CAN");
  EXPECT_NE(e.k.value, 0u);
  EXPECT_EQ(format_skb_value(kbtf(), e.type_id, e.k.value), "ML_PRIV_CAN");
}

TEST(SkbExprFilter, Errors) {
  EXPECT_EQ(error_of([] { parse_skb_filter(kbtf(), "skb->mark"); }),
            "expected a comparison (== != < <= > >=) and a constant after the field");
  EXPECT_EQ(error_of([] { parse_skb_filter(kbtf(), "skb->mark 42"); }),
            "expected a comparison (== != < <= > >=) at '42'");
  EXPECT_EQ(error_of([] { parse_skb_filter(kbtf(), "skb->mark == "); }), "expected a constant after the comparison");
  EXPECT_EQ(error_of([] { parse_skb_filter(kbtf(), "skb->mark == 0xzz"); }),
            "'0xzz' is not a number (decimal or 0x hex) or an enumerator");
  EXPECT_EQ(error_of([] { parse_skb_filter(kbtf(), "skb->mark == -1"); }),
            "'-1' is negative but field 'mark' is unsigned");
  EXPECT_EQ(error_of([] { parse_skb_filter(kbtf(), "skb->protocol == 0x10000"); }),
            "'0x10000' does not fit in field 'protocol' (16-bit)");
  EXPECT_EQ(error_of([] { parse_skb_filter(kbtf(), "skb->pkt_type == 8"); }),
            "'8' does not fit in field 'pkt_type' (3-bit)");
  EXPECT_EQ(error_of([] { parse_skb_filter(kbtf(), "skb->mark == NO_SUCH_ENUMERATOR_X"); }),
            "'NO_SUCH_ENUMERATOR_X' is neither a number nor an enumerator in the kernel's BTF");
}

TEST(SkbExprFormat, AsCiliumPrintsThem) {
  const KernelBtf& b = kbtf();
  // Unsigned: decimal (mybtf's %d), not hex.
  EXPECT_EQ(format_skb_value(b, parse_skb_field(b, "skb->mark").type_id, 42), "42");
  // Signed int: sign from the low 4 bytes.
  EXPECT_EQ(format_skb_value(b, parse_skb_field(b, "skb->dev->ifindex").type_id, 0xffffffffu), "-1");
  // Pointers: %#x.
  EXPECT_EQ(format_skb_value(b, parse_skb_field(b, "skb->dev").type_id, 0xffff888100a00000ull),
            "0xffff888100a00000");
  EXPECT_EQ(format_skb_value(b, parse_skb_field(b, "skb->dev").type_id, 0), "0x0");
  // Enums by name, else the number.
  const uint32_t ml = parse_skb_field(b, "skb->dev->ml_priv_type").type_id;
  EXPECT_EQ(format_skb_value(b, ml, 0), "ML_PRIV_NONE");
  EXPECT_EQ(format_skb_value(b, ml, 77), "77");
  // A bitfield prints with its base type, from the extracted value.
  EXPECT_EQ(format_skb_value(b, parse_skb_field(b, "skb->pkt_type").type_id, 3), "3");
}

TEST(SkbExprHelpers, SnprintfBtfIsInThisKernel) {
  // Linux >= 5.10 (the sandbox runs 6.18).
  EXPECT_TRUE(has_bpf_helper(kbtf(), "snprintf_btf"));
  EXPECT_TRUE(has_bpf_helper(kbtf(), "probe_read_kernel"));
  EXPECT_FALSE(has_bpf_helper(kbtf(), "no_such_helper"));
}

// The xdp forms (--output-xdp-metadata, --filter-xdp-expr): the same
// grammar from a struct xdp_buff *.
namespace {
// The byte offset of member `m` in type `t` (members of anonymous structs
// and unions included, as C finds them), or ~0u.
uint32_t member_off_in(const struct btf* b, const btf_type* t, const std::string& m) {
  const btf_member* mm = btf_members(t);
  for (int i = 0; i < btf_vlen(t); ++i) {
    const uint32_t off = btf_member_bit_offset(t, i) / 8;
    const char* n = btf__name_by_offset(b, mm[i].name_off);
    if (n != nullptr && *n != '\0') {
      if (m == n) return off;
      continue;
    }
    const btf_type* inner = btf__type_by_id(b, mm[i].type);
    if (inner != nullptr && (btf_is_struct(inner) || btf_is_union(inner))) {
      const uint32_t o = member_off_in(b, inner, m);
      if (o != ~0u) return off + o;
    }
  }
  return ~0u;
}

// The byte offset of member `m` of struct `s` in the kernel's BTF.
uint32_t member_off(const char* s, const char* m) {
  const struct btf* b = kbtf().raw();
  const int id = btf__find_by_name_kind(b, s, BTF_KIND_STRUCT);
  if (id <= 0) return ~0u;
  return member_off_in(b, btf__type_by_id(b, id), m);
}
}  // namespace

TEST(XdpExpr, PathsFromXdpBuff) {
  using pwru::kernel::kXdpRoot;
  using pwru::kernel::parse_field;
  SkbExpr fs = parse_field(kbtf(), "xdp->frame_sz", kXdpRoot);
  EXPECT_EQ(fs.k.nhops, 0);
  EXPECT_EQ(fs.k.off, member_off("xdp_buff", "frame_sz"));
  EXPECT_EQ(fs.k.size, 4);
  EXPECT_EQ(fs.last, "frame_sz");
  EXPECT_EQ(fs.path, "xdp->frame_sz");

  SkbExpr ifx = parse_field(kbtf(), "xdp->rxq->dev->ifindex", kXdpRoot);
  ASSERT_EQ(ifx.k.nhops, 2);
  EXPECT_EQ(ifx.k.hop[0], member_off("xdp_buff", "rxq"));
  EXPECT_EQ(ifx.k.hop[1], member_off("xdp_rxq_info", "dev"));
  EXPECT_EQ(ifx.k.off, member_off("net_device", "ifindex"));
  EXPECT_EQ(ifx.k.size, 4);
  EXPECT_EQ(ifx.k.is_signed, 1);  // int ifindex
  EXPECT_EQ(ifx.last, "ifindex");
  // The same net_device field as from the skb side.
  EXPECT_EQ(ifx.k.off, parse_skb_field(kbtf(), "skb->dev->ifindex").k.off);
  EXPECT_EQ(format_skb_value(kbtf(), ifx.type_id, 3), "3");

  SkbExpr q = parse_field(kbtf(), "xdp->rxq->queue_index", kXdpRoot);
  EXPECT_EQ(q.k.nhops, 1);
  EXPECT_EQ(q.k.off, member_off("xdp_rxq_info", "queue_index"));
  // A pointer prints as one.
  SkbExpr data = parse_field(kbtf(), "xdp->data", kXdpRoot);
  EXPECT_EQ(data.k.size, 8);
  EXPECT_EQ(format_skb_value(kbtf(), data.type_id, 0xffff888100a00000ull), "0xffff888100a00000");
}

TEST(XdpExpr, FilterOperatorsAndConstants) {
  using pwru::kernel::kXdpRoot;
  using pwru::kernel::parse_filter;
  SkbExpr e = parse_filter(kbtf(), "xdp->rxq->dev->ifindex == 3", kXdpRoot);
  EXPECT_EQ(e.k.op, PWRU_EXPR_EQ);
  EXPECT_EQ(e.k.value, 3u);
  EXPECT_EQ(e.k.nhops, 2);
  SkbExpr ne = parse_filter(kbtf(), "xdp->rxq->dev->ifindex != 0x10", kXdpRoot);
  EXPECT_EQ(ne.k.op, PWRU_EXPR_NE);
  EXPECT_EQ(ne.k.value, 16u);
  SkbExpr neg = parse_filter(kbtf(), "xdp->rxq->dev->ifindex > -1", kXdpRoot);
  EXPECT_EQ(neg.k.value, ~uint64_t{0});
  EXPECT_EQ(parse_filter(kbtf(), "xdp->frame_sz >= 4096", kXdpRoot).k.op, PWRU_EXPR_GE);
}

TEST(XdpExpr, ErrorsNameTheBadPart) {
  using pwru::kernel::kXdpRoot;
  using pwru::kernel::parse_field;
  using pwru::kernel::parse_filter;
  EXPECT_EQ(error_of([] { parse_field(kbtf(), "skb->mark", kXdpRoot); }),
            "must start with xdp (the struct xdp_buff *), e.g. xdp->frame_sz");
  EXPECT_EQ(error_of([] { parse_field(kbtf(), "xdp->nosuch", kXdpRoot); }), "no field 'nosuch' in struct xdp_buff");
  EXPECT_EQ(error_of([] { parse_field(kbtf(), "xdp->rxq->nosuch", kXdpRoot); }),
            "no field 'nosuch' in struct xdp_rxq_info");
  EXPECT_EQ(error_of([] { parse_field(kbtf(), "xdp.frame_sz", kXdpRoot); }), "xdp is a pointer: use xdp->frame_sz");
  EXPECT_EQ(error_of([] { parse_field(kbtf(), "xdp->rxq.dev", kXdpRoot); }), "'rxq' is a pointer: use '->'");
  EXPECT_EQ(error_of([] { parse_field(kbtf(), "xdp", kXdpRoot); }), "expected a field, e.g. xdp->frame_sz");
  EXPECT_EQ(error_of([] { parse_field(kbtf(), "xdp->rxq->dev->name", kXdpRoot); }),
            "field 'name' (char[16], 16 bytes) is too large, max 8 bytes");
  EXPECT_EQ(error_of([] { parse_filter(kbtf(), "xdp->frame_sz == -1", kXdpRoot); }),
            "'-1' is negative but field 'frame_sz' is unsigned");
  EXPECT_EQ(error_of([] { parse_filter(kbtf(), "xdp->frame_sz", kXdpRoot); }).rfind("expected a comparison", 0), 0u);
  // And the skb root still refuses xdp.
  EXPECT_EQ(error_of([] { parse_skb_filter(kbtf(), "xdp->frame_sz == 1"); }).rfind("must start with skb", 0), 0u);
}
