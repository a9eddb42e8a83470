// SPDX-License-Identifier: MIT
// The netlink codec, fed with messages built by libmnl as the kernel lays
// them out.
#include <gtest/gtest.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <sys/socket.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <map>

#include "fake_kernel.h"
#include "nlmsg.h"
#include "output.h"

using namespace toa_inspect;
using namespace toa_inspect::testing;

namespace {

nl::Reply toa_reply(uint32_t seq = 7)
{
	nl::Reply r;
	r.kind = nl::ReplyKind::toa;
	r.msg_type = kFamilyId;
	r.seq = seq;
	r.portid = kFakePortid;
	return r;
}

// Feeds the datagrams; returns how many were wanted (fed while not finished).
size_t feed_all(nl::Reply &r, const std::vector<Bytes> &datagrams)
{
	size_t n = 0;
	for (const auto &d : datagrams) {
		n++;
		if (!nl::feed(r, d.data(), d.size()))
			break;
	}
	return n;
}

Msg toa_msg(uint32_t seq = 7, uint16_t flags = 0)
{
	Msg m(kFamilyId, flags, seq, kFakePortid);
	m.genl(TOA_CMD_GET_CONN);
	return m;
}

using AttrMap = std::map<uint16_t, const nlattr *>;

int collect(const nlattr *a, void *data)
{
	(*static_cast<AttrMap *>(data))[mnl_attr_get_type(a)] = a;
	return MNL_CB_OK;
}

// The top-level attributes of a request, after the generic netlink header.
AttrMap top_attrs(const Bytes &msg)
{
	AttrMap out;
	mnl_attr_parse(reinterpret_cast<const nlmsghdr *>(msg.data()), GENL_HDRLEN, collect, &out);
	return out;
}

AttrMap nested_attrs(const nlattr *nest)
{
	AttrMap out;
	mnl_attr_parse_nested(nest, collect, &out);
	return out;
}

const genlmsghdr *genl_of(const Bytes &msg)
{
	return static_cast<const genlmsghdr *>(
		mnl_nlmsg_get_payload(reinterpret_cast<const nlmsghdr *>(msg.data())));
}

} // namespace

// ---- requests -----------------------------------------------------------------------

TEST(NlRequest, GetFamily)
{
	Bytes m = nl::build_get_family(99);
	const auto *nlh = reinterpret_cast<const nlmsghdr *>(m.data());
	EXPECT_EQ(nlh->nlmsg_len, m.size());
	EXPECT_EQ(nlh->nlmsg_type, GENL_ID_CTRL);
	EXPECT_EQ(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
	EXPECT_EQ(nlh->nlmsg_seq, 99u);
	EXPECT_EQ(genl_of(m)->cmd, CTRL_CMD_GETFAMILY);
	auto attrs = top_attrs(m);
	ASSERT_TRUE(attrs.count(CTRL_ATTR_FAMILY_NAME));
	EXPECT_STREQ(mnl_attr_get_str(attrs[CTRL_ATTR_FAMILY_NAME]), "toa");
}

TEST(NlRequest, Simple)
{
	Bytes s = nl::build_simple(kFamilyId, TOA_CMD_GET_STATS, false, 5);
	const auto *nlh = reinterpret_cast<const nlmsghdr *>(s.data());
	EXPECT_EQ(nlh->nlmsg_type, kFamilyId);
	EXPECT_EQ(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
	EXPECT_EQ(genl_of(s)->cmd, TOA_CMD_GET_STATS);
	EXPECT_EQ(genl_of(s)->version, TOA_GENL_VERSION);
	EXPECT_EQ(s.size(), NLMSG_HDRLEN + GENL_HDRLEN);

	Bytes d = nl::build_simple(kFamilyId, TOA_CMD_GET_CONN, true, 6);
	nlh = reinterpret_cast<const nlmsghdr *>(d.data());
	EXPECT_EQ(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
	EXPECT_EQ(genl_of(d)->cmd, TOA_CMD_GET_CONN);
}

TEST(NlRequest, SetConfigSendsOnlyTheGivenSettings)
{
	Config change;
	change.transparent = false;
	Bytes m = nl::build_set_config(kFamilyId, 1, change);
	EXPECT_EQ(genl_of(m)->cmd, TOA_CMD_SET_CONFIG);
	auto top = top_attrs(m);
	ASSERT_EQ(top.size(), 1u);
	ASSERT_TRUE(top.count(TOA_A_CONFIG));
	EXPECT_TRUE(top[TOA_A_CONFIG]->nla_type & NLA_F_NESTED);
	auto cfg = nested_attrs(top[TOA_A_CONFIG]);
	ASSERT_EQ(cfg.size(), 1u);
	ASSERT_TRUE(cfg.count(TOA_CFG_TRANSPARENT));
	EXPECT_EQ(mnl_attr_get_u8(cfg[TOA_CFG_TRANSPARENT]), 0);
}

TEST(NlRequest, SetConfigEmptyTrustedListIsAnEmptyNest)
{
	Config change;
	change.trusted = std::vector<Cidr>{};
	Bytes m = nl::build_set_config(kFamilyId, 1, change);
	auto cfg = nested_attrs(top_attrs(m)[TOA_A_CONFIG]);
	ASSERT_TRUE(cfg.count(TOA_CFG_TRUSTED));
	EXPECT_EQ(mnl_attr_get_payload_len(cfg[TOA_CFG_TRUSTED]), 0u);
	EXPECT_TRUE(cfg[TOA_CFG_TRUSTED]->nla_type & NLA_F_NESTED);
}

TEST(NlRequest, SetConfigRoundTrip)
{
	Config change;
	change.formats = TOA_FMT_BIT(TOA_FMT_254_8) | TOA_FMT_BIT(TOA_FMT_200_8);
	change.transparent = true;
	change.trusted = std::vector<Cidr>{cidr("198.51.100.0/24"), cidr("2001:db8:ff::/48")};
	Bytes m = nl::build_set_config(kFamilyId, 1, change);
	// The CIDR nest, attribute by attribute.
	auto cfg = nested_attrs(top_attrs(m)[TOA_A_CONFIG]);
	const nlattr *first = static_cast<const nlattr *>(mnl_attr_get_payload(cfg[TOA_CFG_TRUSTED]));
	EXPECT_EQ(mnl_attr_get_type(first), TOA_CIDR);
	auto c = nested_attrs(first);
	EXPECT_EQ(mnl_attr_get_u8(c[TOA_CIDR_FAMILY]), AF_INET);
	EXPECT_EQ(mnl_attr_get_payload_len(c[TOA_CIDR_ADDR]), 4u);
	EXPECT_EQ(mnl_attr_get_u8(c[TOA_CIDR_PREFIX]), 24);

	nl::Reply r;
	ASSERT_TRUE(nl::decode_toa_message(m.data(), m.size(), r)) << r.malformed;
	ASSERT_TRUE(r.config);
	EXPECT_EQ(r.config->formats, change.formats);
	EXPECT_EQ(r.config->transparent, true);
	EXPECT_EQ(r.config->trusted, change.trusted);
}

TEST(NlRequest, SetConfigWithTheMostCidrsFits)
{
	Config change;
	change.trusted = std::vector<Cidr>(TOA_TRUSTED_MAX_CIDRS, cidr("2001:db8:ff::/48"));
	Bytes m = nl::build_set_config(kFamilyId, 1, change);
	ASSERT_FALSE(m.empty());
	nl::Reply r;
	ASSERT_TRUE(nl::decode_toa_message(m.data(), m.size(), r));
	EXPECT_EQ(r.config->trusted->size(), static_cast<size_t>(TOA_TRUSTED_MAX_CIDRS));
}

TEST(NlRequest, Lookup)
{
	Endpoint local = ep("2001:db8::5", 443), peer = ep("2001:db8::1", 50000);
	Bytes m = nl::build_lookup(kFamilyId, 3, local, peer);
	const auto *nlh = reinterpret_cast<const nlmsghdr *>(m.data());
	EXPECT_EQ(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
	EXPECT_EQ(genl_of(m)->cmd, TOA_CMD_GET_CONN);
	auto conn = nested_attrs(top_attrs(m)[TOA_A_CONN]);
	ASSERT_EQ(conn.size(), 2u);
	EXPECT_TRUE(conn[TOA_CONN_LOCAL]->nla_type & NLA_F_NESTED);
	auto le = nested_attrs(conn[TOA_CONN_LOCAL]);
	EXPECT_EQ(mnl_attr_get_u16(le[TOA_EP_PORT]), 443); // host byte order
	EXPECT_EQ(mnl_attr_get_payload_len(le[TOA_EP_ADDR]), 16u);
	nl::Reply r;
	ASSERT_TRUE(nl::decode_toa_message(m.data(), m.size(), r));
	ASSERT_EQ(r.conns.size(), 1u);
	EXPECT_EQ(r.conns[0].local, local);
	EXPECT_EQ(r.conns[0].peer, peer);
	EXPECT_FALSE(r.conns[0].client);
}

// ---- replies: the controller --------------------------------------------------------

TEST(NlReply, FamilyAndAckInOneDatagram)
{
	nl::Reply r;
	r.kind = nl::ReplyKind::ctrl;
	r.msg_type = GENL_ID_CTRL;
	r.seq = 9;
	Bytes d = concat({family_reply(9, 0x2a), ack(9, 0)});
	EXPECT_FALSE(nl::feed(r, d.data(), d.size()));
	EXPECT_TRUE(r.done);
	EXPECT_EQ(r.error, 0);
	ASSERT_TRUE(r.family);
	EXPECT_EQ(r.family->id, 0x2a);
	EXPECT_EQ(r.family->name, "toa");
	EXPECT_EQ(r.family->version, TOA_GENL_VERSION);
}

TEST(NlReply, FamilyNotFound)
{
	nl::Reply r;
	r.kind = nl::ReplyKind::ctrl;
	r.msg_type = GENL_ID_CTRL;
	Bytes req = nl::build_get_family(1);
	Bytes d = ack(1, ENOENT, "", &req);
	EXPECT_FALSE(nl::feed(r, d.data(), d.size()));
	EXPECT_EQ(r.error, ENOENT);
	EXPECT_FALSE(r.family);
}

TEST(NlReply, FamilyWithoutIdIsMalformed)
{
	nl::Reply r;
	r.kind = nl::ReplyKind::ctrl;
	r.msg_type = GENL_ID_CTRL;
	Msg m(GENL_ID_CTRL, 0, 0);
	m.genl(CTRL_CMD_NEWFAMILY).str(CTRL_ATTR_FAMILY_NAME, "toa");
	Bytes d = m.bytes();
	nl::feed(r, d.data(), d.size());
	EXPECT_EQ(r.error, EBADMSG);
	EXPECT_NE(r.malformed.find("family id"), std::string::npos);
}

// ---- replies: the family ------------------------------------------------------------

TEST(NlReply, StatsReplyThenAckInTwoDatagrams)
{
	Stats s;
	s.counters[TOA_STAT_SYN_RECV_SOCK_TOA] = 3;
	s.counters[TOA_STAT_SOCKOPT_NO_TOA] = 1ull << 40;
	Msg m = toa_msg();
	m.str(TOA_A_VERSION, "0.1.0").stats(s);
	nl::Reply r = toa_reply();
	EXPECT_EQ(feed_all(r, {m.bytes(), ack(7, 0)}), 2u);
	EXPECT_TRUE(r.done);
	EXPECT_EQ(r.error, 0);
	EXPECT_EQ(r.version, "0.1.0");
	ASSERT_TRUE(r.stats);
	EXPECT_EQ(r.stats->counters[TOA_STAT_SYN_RECV_SOCK_TOA], 3u);
	EXPECT_EQ(r.stats->counters[TOA_STAT_SOCKOPT_NO_TOA], 1ull << 40);
	EXPECT_FALSE(r.stats->counters[TOA_STAT_MALFORMED]);
}

TEST(NlReply, UnknownAttributesAreSkippedAtEveryLevel)
{
	Msg m = toa_msg();
	m.u32(200, 1); // top level
	nlattr *st = m.nest(TOA_A_STATS);
	m.u64(0, 0);                               // padding
	m.u64(TOA_STAT_UNTRUSTED + 1, 5);
	m.u64(__TOA_STAT_MAX + 1, 77);             // a newer counter
	m.end(st);
	nlattr *cfg = m.nest(TOA_A_CONFIG);
	m.u32(TOA_CFG_FORMATS, 1).u32(__TOA_CFG_MAX + 3, 9);
	nlattr *tr = m.nest(TOA_CFG_TRUSTED);
	m.u8(TOA_CIDR + 5, 1);
	nlattr *ci = m.nest(TOA_CIDR);
	Cidr c = cidr("198.51.100.0/24");
	m.u8(TOA_CIDR_FAMILY, AF_INET).raw(TOA_CIDR_ADDR, c.addr.bytes.data(), 4);
	m.u8(TOA_CIDR_PREFIX, 24).u32(__TOA_CIDR_MAX, 1);
	m.end(ci).end(tr).end(cfg);
	nlattr *cn = m.nest(TOA_A_CONN);
	m.u64(__TOA_CONN_MAX + 1, 1);
	nlattr *le = m.nest(TOA_CONN_LOCAL);
	Endpoint e = ep("10.0.0.5", 80);
	m.u8(TOA_EP_FAMILY, AF_INET).raw(TOA_EP_ADDR, e.addr.bytes.data(), 4).u16(TOA_EP_PORT, 80);
	m.u8(__TOA_EP_MAX, 3);
	m.end(le).end(cn);
	Bytes d = concat({m.bytes(), ack(7, 0)});
	nl::Reply r = toa_reply();
	EXPECT_FALSE(nl::feed(r, d.data(), d.size()));
	EXPECT_EQ(r.error, 0) << r.malformed;
	EXPECT_EQ(r.stats->counters[TOA_STAT_UNTRUSTED], 5u);
	EXPECT_EQ(r.config->formats, 1u);
	ASSERT_EQ(r.config->trusted->size(), 1u);
	EXPECT_EQ((*r.config->trusted)[0], c);
	ASSERT_EQ(r.conns.size(), 1u);
	EXPECT_EQ(r.conns[0].local, e);
}

TEST(NlReply, ConfigWithCidrs)
{
	Config c;
	c.formats = TOA_FMT_ALL;
	c.transparent = false;
	c.trusted = std::vector<Cidr>{cidr("198.51.100.0/24"), cidr("2001:db8:ff::/48"),
				      cidr("0.0.0.0/0")};
	Msg m = toa_msg();
	m.str(TOA_A_VERSION, "9.9").config(c);
	nl::Reply r = toa_reply();
	feed_all(r, {m.bytes(), ack(7, 0)});
	EXPECT_EQ(r.error, 0);
	ASSERT_TRUE(r.config);
	EXPECT_EQ(r.config->formats, c.formats);
	EXPECT_EQ(r.config->transparent, false);
	EXPECT_EQ(r.config->trusted, c.trusted);
}

TEST(NlReply, DumpOverSeveralDatagrams)
{
	std::vector<Bytes> datagrams;
	std::vector<Conn> sent;
	for (int d = 0; d < 3; d++) {
		std::vector<Bytes> msgs;
		for (int i = 0; i < 2; i++) {
			Conn c = (i % 2) ? sample_conn_v6() : sample_conn_v4();
			c.netns = static_cast<uint32_t>(d * 10 + i);
			sent.push_back(c);
			Msg m = toa_msg(7, NLM_F_MULTI);
			m.conn(c);
			msgs.push_back(m.bytes());
		}
		datagrams.push_back(concat(msgs));
	}
	datagrams.push_back(done(7));
	datagrams.push_back(ack(7, 0)); // never read: the dump ended
	nl::Reply r = toa_reply();
	EXPECT_EQ(feed_all(r, datagrams), 4u);
	EXPECT_TRUE(r.done);
	EXPECT_EQ(r.error, 0);
	ASSERT_EQ(r.conns.size(), sent.size());
	for (size_t i = 0; i < sent.size(); i++) {
		EXPECT_EQ(r.conns[i].local, sent[i].local);
		EXPECT_EQ(r.conns[i].peer, sent[i].peer);
		EXPECT_EQ(r.conns[i].client, sent[i].client);
		EXPECT_EQ(r.conns[i].kind, sent[i].kind);
		EXPECT_EQ(r.conns[i].len, sent[i].len);
		EXPECT_EQ(r.conns[i].packet, sent[i].packet);
		EXPECT_EQ(r.conns[i].age_ms, sent[i].age_ms);
		EXPECT_EQ(r.conns[i].netns, sent[i].netns);
	}
	EXPECT_FALSE(r.interrupted);
}

TEST(NlReply, EmptyDump)
{
	nl::Reply r = toa_reply();
	Bytes d = done(7);
	EXPECT_FALSE(nl::feed(r, d.data(), d.size()));
	EXPECT_TRUE(r.done);
	EXPECT_TRUE(r.conns.empty());
}

TEST(NlReply, DumpInterrupted)
{
	Msg m = toa_msg(7, NLM_F_MULTI | NLM_F_DUMP_INTR);
	m.conn(sample_conn_v4());
	Bytes d1 = m.bytes();
	Bytes d2 = concat({m.bytes(), done(7)});
	nl::Reply r = toa_reply();
	EXPECT_EQ(feed_all(r, {d1, d2}), 2u);
	EXPECT_TRUE(r.interrupted);
	EXPECT_TRUE(r.done);
	EXPECT_EQ(r.error, 0);
	EXPECT_EQ(r.conns.size(), 2u);
}

TEST(NlReply, DumpErrorInDone)
{
	nl::Reply r = toa_reply();
	Bytes d = done(7, EPERM, "needs CAP_NET_ADMIN");
	nl::feed(r, d.data(), d.size());
	EXPECT_EQ(r.error, EPERM);
	EXPECT_EQ(r.extack, "needs CAP_NET_ADMIN");
}

TEST(NlReply, ErrorWithExtackCapped)
{
	nl::Reply r = toa_reply();
	Bytes d = ack(7, EINVAL, "too many CIDRs");
	EXPECT_FALSE(nl::feed(r, d.data(), d.size()));
	EXPECT_EQ(r.error, EINVAL);
	EXPECT_EQ(r.extack, "too many CIDRs");
}

TEST(NlReply, ErrorWithExtackAfterTheEchoedRequest)
{
	Config change;
	change.trusted = std::vector<Cidr>{cidr("198.51.100.0/24")};
	Bytes req = nl::build_set_config(kFamilyId, 7, change);
	Bytes d = ack(7, EINVAL, "prefix too long", &req);
	const auto *nlh = reinterpret_cast<const nlmsghdr *>(d.data());
	ASSERT_FALSE(nlh->nlmsg_flags & NLM_F_CAPPED);
	ASSERT_GT(d.size(), req.size() + sizeof(nlmsgerr));
	nl::Reply r = toa_reply();
	nl::feed(r, d.data(), d.size());
	EXPECT_EQ(r.error, EINVAL);
	EXPECT_EQ(r.extack, "prefix too long");
}

TEST(NlReply, ErrorWithoutExtack)
{
	nl::Reply r = toa_reply();
	Bytes req = nl::build_simple(kFamilyId, TOA_CMD_GET_CONN, true, 7);
	Bytes d = ack(7, EPERM, "", &req);
	nl::feed(r, d.data(), d.size());
	EXPECT_EQ(r.error, EPERM);
	EXPECT_EQ(r.extack, "");
}

TEST(NlReply, AbsurdErrorCodes)
{
	for (int code : {INT_MIN, 0x7fffffff}) {
		Msg m(NLMSG_ERROR, 0, 7);
		auto *e = static_cast<nlmsgerr *>(mnl_nlmsg_put_extra_header(m.hdr(), sizeof(nlmsgerr)));
		e->error = code;
		Bytes d = m.bytes();
		nl::Reply r = toa_reply();
		nl::feed(r, d.data(), d.size());
		EXPECT_NE(r.error, 0);
	}
}

TEST(NlReply, ExtackEchoLengthBeyondTheMessageIsIgnored)
{
	Msg m(NLMSG_ERROR, NLM_F_ACK_TLVS, 7);
	auto *e = static_cast<nlmsgerr *>(mnl_nlmsg_put_extra_header(m.hdr(), sizeof(nlmsgerr)));
	e->error = -EINVAL;
	e->msg.nlmsg_len = 0xfffffff0;
	m.str(NLMSGERR_ATTR_MSG, "x");
	Bytes d = m.bytes();
	nl::Reply r = toa_reply();
	nl::feed(r, d.data(), d.size());
	EXPECT_EQ(r.error, EINVAL);
	EXPECT_EQ(r.extack, "");
}

TEST(NlReply, ShortErrorMessage)
{
	Msg m(NLMSG_ERROR, 0, 7);
	*static_cast<int *>(mnl_nlmsg_put_extra_header(m.hdr(), sizeof(int))) = -EPERM;
	Bytes d = m.bytes();
	nl::Reply r = toa_reply();
	nl::feed(r, d.data(), d.size());
	EXPECT_EQ(r.error, EBADMSG);
}

TEST(NlReply, SequenceAndPortChecked)
{
	Msg m = toa_msg(8);
	m.str(TOA_A_VERSION, "x");
	Bytes d = m.bytes();
	nl::Reply r = toa_reply(7);
	nl::feed(r, d.data(), d.size());
	EXPECT_EQ(r.error, EPROTO);

	Msg o(kFamilyId, 0, 7, kFakePortid + 1);
	o.genl(TOA_CMD_GET_STATS);
	d = o.bytes();
	nl::Reply r2 = toa_reply(7);
	nl::feed(r2, d.data(), d.size());
	EXPECT_EQ(r2.error, ESRCH);
}

TEST(NlReply, OtherMessageTypesAreSkipped)
{
	Msg other(kFamilyId + 1, 0, 7);
	other.genl(1).str(TOA_A_VERSION, "not ours");
	Msg noop(NLMSG_NOOP, 0, 7);
	Msg mine = toa_msg();
	mine.str(TOA_A_VERSION, "ours");
	Bytes d = concat({other.bytes(), noop.bytes(), mine.bytes(), ack(7, 0)});
	nl::Reply r = toa_reply();
	EXPECT_FALSE(nl::feed(r, d.data(), d.size()));
	EXPECT_EQ(r.error, 0);
	EXPECT_EQ(r.version, "ours");
	EXPECT_EQ(r.messages, 1u);
}

TEST(NlReply, UnalignedBuffer)
{
	Msg m = toa_msg();
	m.str(TOA_A_VERSION, "0.1.0");
	Bytes d = concat({m.bytes(), ack(7, 0)});
	std::vector<uint8_t> shifted(d.size() + 1);
	std::memcpy(shifted.data() + 1, d.data(), d.size());
	nl::Reply r = toa_reply();
	EXPECT_FALSE(nl::feed(r, shifted.data() + 1, d.size()));
	EXPECT_EQ(r.version, "0.1.0");
	EXPECT_TRUE(r.done);
}

TEST(NlReply, VersionWithoutTerminatingNul)
{
	Msg m = toa_msg();
	m.raw(TOA_A_VERSION, "0.1.0", 5);
	Bytes d = m.bytes();
	nl::Reply r = toa_reply();
	nl::feed(r, d.data(), d.size());
	EXPECT_EQ(r.version, "0.1.0");
}

TEST(NlReply, TruncatedMessages)
{
	Msg m = toa_msg();
	m.str(TOA_A_VERSION, "0.1.0");
	Bytes full = m.bytes();
	// nlmsg_len beyond the datagram, including lengths that are negative as an int.
	for (uint32_t len : {static_cast<uint32_t>(full.size() + 4), 0x80000010u, 0xffffffffu, 8u}) {
		Bytes d = full;
		std::memcpy(d.data(), &len, sizeof(len));
		nl::Reply r = toa_reply();
		nl::feed(r, d.data(), d.size());
		EXPECT_EQ(r.error, EBADMSG) << len;
		EXPECT_FALSE(r.version) << len;
	}
	// Shorter than a generic netlink header.
	Msg bare(kFamilyId, 0, 7);
	Bytes d = bare.bytes();
	nl::Reply r = toa_reply();
	nl::feed(r, d.data(), d.size());
	EXPECT_EQ(r.error, EBADMSG);
	// A few stray bytes after a whole message are not a message.
	d = concat({m.bytes()});
	d.insert(d.end(), {1, 2, 3});
	nl::Reply r2 = toa_reply();
	EXPECT_TRUE(nl::feed(r2, d.data(), d.size()));
	EXPECT_EQ(r2.error, 0);
}

namespace {

struct Bad {
	const char *name;
	std::function<void(Msg &)> build;
	const char *expect; // in Reply::malformed
};

} // namespace

TEST(NlReply, MalformedAttributes)
{
	Endpoint v4 = ep("10.0.0.5", 80);
	Endpoint v6 = ep("2001:db8::5", 80);
	auto ep_nest = [](Msg &m, int family, const void *addr, size_t n) {
		nlattr *c = m.nest(TOA_A_CONN);
		nlattr *e = m.nest(TOA_CONN_CLIENT);
		if (family >= 0)
			m.u8(TOA_EP_FAMILY, static_cast<uint8_t>(family));
		if (addr)
			m.raw(TOA_EP_ADDR, addr, n);
		m.u16(TOA_EP_PORT, 1);
		m.end(e).end(c);
	};
	std::vector<Bad> cases = {
		{"address of 5 bytes", [&](Msg &m) { ep_nest(m, AF_INET, v6.addr.bytes.data(), 5); },
		 "address of 5 bytes"},
		{"inet with 16 bytes", [&](Msg &m) { ep_nest(m, AF_INET, v6.addr.bytes.data(), 16); },
		 "does not match its family"},
		{"inet6 with 4 bytes", [&](Msg &m) { ep_nest(m, AF_INET6, v4.addr.bytes.data(), 4); },
		 "does not match its family"},
		{"no family", [&](Msg &m) { ep_nest(m, -1, v4.addr.bytes.data(), 4); }, "without family"},
		{"no address", [&](Msg &m) { ep_nest(m, AF_INET, nullptr, 0); }, "without address"},
		{"unknown family", [&](Msg &m) { ep_nest(m, 99, v4.addr.bytes.data(), 4); },
		 "unknown family"},
		{"port as u8",
		 [&](Msg &m) {
			 nlattr *c = m.nest(TOA_A_CONN);
			 nlattr *e = m.nest(TOA_CONN_LOCAL);
			 m.u8(TOA_EP_PORT, 1).end(e).end(c);
		 },
		 "port is not a u16"},
		{"counter as u32",
		 [&](Msg &m) {
			 nlattr *s = m.nest(TOA_A_STATS);
			 m.u32(1, 5).end(s);
		 },
		 "counter 1 is not a u64"},
		{"age as u32",
		 [&](Msg &m) {
			 nlattr *c = m.nest(TOA_A_CONN);
			 m.u32(TOA_CONN_AGE_MS, 5).end(c);
		 },
		 "age is not a u64"},
		{"kind empty",
		 [&](Msg &m) {
			 nlattr *c = m.nest(TOA_A_CONN);
			 m.raw(TOA_CONN_KIND, "", 0).end(c);
		 },
		 "kind is not a u8"},
		{"formats as u8",
		 [&](Msg &m) {
			 nlattr *c = m.nest(TOA_A_CONFIG);
			 m.u8(TOA_CFG_FORMATS, 1).end(c);
		 },
		 "formats is not a u32"},
		{"prefix 33",
		 [&](Msg &m) {
			 nlattr *c = m.nest(TOA_A_CONFIG);
			 nlattr *t = m.nest(TOA_CFG_TRUSTED);
			 nlattr *x = m.nest(TOA_CIDR);
			 m.u8(TOA_CIDR_FAMILY, AF_INET).raw(TOA_CIDR_ADDR, v4.addr.bytes.data(), 4);
			 m.u8(TOA_CIDR_PREFIX, 33).end(x).end(t).end(c);
		 },
		 "too long"},
		{"cidr without prefix",
		 [&](Msg &m) {
			 nlattr *c = m.nest(TOA_A_CONFIG);
			 nlattr *t = m.nest(TOA_CFG_TRUSTED);
			 nlattr *x = m.nest(TOA_CIDR);
			 m.u8(TOA_CIDR_FAMILY, AF_INET6).raw(TOA_CIDR_ADDR, v6.addr.bytes.data(), 16);
			 m.end(x).end(t).end(c);
		 },
		 "without prefix"},
		{"stats not a nest", [&](Msg &m) { m.raw(TOA_A_STATS, "ab", 2); }, "not a nest"},
		{"cidr not a nest",
		 [&](Msg &m) {
			 nlattr *c = m.nest(TOA_A_CONFIG);
			 nlattr *t = m.nest(TOA_CFG_TRUSTED);
			 m.raw(TOA_CIDR, "ab", 2).end(t).end(c);
		 },
		 "not a nest"},
	};
	for (const auto &c : cases) {
		Msg m = toa_msg();
		c.build(m);
		Bytes d = concat({m.bytes(), ack(7, 0)});
		nl::Reply r = toa_reply();
		EXPECT_FALSE(nl::feed(r, d.data(), d.size())) << c.name;
		EXPECT_EQ(r.error, EBADMSG) << c.name;
		EXPECT_NE(r.malformed.find(c.expect), std::string::npos) << c.name << ": " << r.malformed;
		EXPECT_FALSE(r.done) << c.name; // stopped at the bad message
	}
}

TEST(NlReply, FinishedReplyTakesNothingMore)
{
	nl::Reply r = toa_reply();
	Bytes a = ack(7, 0);
	EXPECT_FALSE(nl::feed(r, a.data(), a.size()));
	Msg m = toa_msg();
	m.str(TOA_A_VERSION, "late");
	Bytes d = m.bytes();
	EXPECT_FALSE(nl::feed(r, d.data(), d.size()));
	EXPECT_FALSE(r.version);
}

TEST(NlReply, EmptyAndTinyBuffers)
{
	uint8_t b[8] = {};
	nl::Reply r = toa_reply();
	EXPECT_TRUE(nl::feed(r, b, 0));
	EXPECT_TRUE(nl::feed(r, b, sizeof(b)));
	EXPECT_EQ(r.error, 0);
	nl::Reply d;
	EXPECT_FALSE(nl::decode_toa_message(b, 0, d));
	EXPECT_FALSE(nl::decode_toa_message(b, sizeof(b), d));
}
