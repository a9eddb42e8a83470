// SPDX-License-Identifier: MIT
#include "fake_kernel.h"

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "nlmsg.h"
#include "text.h"

namespace toa_inspect::testing {

Msg::Msg(uint16_t type, uint16_t flags, uint32_t seq, uint32_t portid) : buf_(65536 / 4)
{
	nlh_ = mnl_nlmsg_put_header(buf_.data());
	nlh_->nlmsg_type = type;
	nlh_->nlmsg_flags = flags;
	nlh_->nlmsg_seq = seq;
	nlh_->nlmsg_pid = portid;
}

Msg &Msg::genl(uint8_t cmd, uint8_t version)
{
	auto *g = static_cast<genlmsghdr *>(mnl_nlmsg_put_extra_header(nlh_, sizeof(genlmsghdr)));
	g->cmd = cmd;
	g->version = version;
	return *this;
}

nlattr *Msg::nest(uint16_t type)
{
	return mnl_attr_nest_start(nlh_, type);
}

Msg &Msg::end(nlattr *n)
{
	mnl_attr_nest_end(nlh_, n);
	return *this;
}

Msg &Msg::u8(uint16_t type, uint8_t v)
{
	mnl_attr_put_u8(nlh_, type, v);
	return *this;
}

Msg &Msg::u16(uint16_t type, uint16_t v)
{
	mnl_attr_put_u16(nlh_, type, v);
	return *this;
}

Msg &Msg::u32(uint16_t type, uint32_t v)
{
	mnl_attr_put_u32(nlh_, type, v);
	return *this;
}

Msg &Msg::u64(uint16_t type, uint64_t v)
{
	mnl_attr_put_u64(nlh_, type, v);
	return *this;
}

Msg &Msg::str(uint16_t type, const std::string &s)
{
	mnl_attr_put_strz(nlh_, type, s.c_str());
	return *this;
}

Msg &Msg::raw(uint16_t type, const void *p, size_t n)
{
	mnl_attr_put(nlh_, type, n, p);
	return *this;
}

Msg &Msg::endpoint(uint16_t type, const Endpoint &e)
{
	nlattr *n = nest(type);
	u8(TOA_EP_FAMILY, e.addr.family);
	raw(TOA_EP_ADDR, e.addr.bytes.data(), e.addr.size());
	u16(TOA_EP_PORT, e.port);
	return end(n);
}

Msg &Msg::stats(const Stats &s)
{
	nlattr *n = nest(TOA_A_STATS);
	for (size_t i = 0; i < s.counters.size(); i++)
		if (s.counters[i])
			u64(static_cast<uint16_t>(i + 1), *s.counters[i]);
	return end(n);
}

Msg &Msg::config(const Config &c)
{
	nlattr *n = nest(TOA_A_CONFIG);
	if (c.formats)
		u32(TOA_CFG_FORMATS, *c.formats);
	if (c.transparent)
		u8(TOA_CFG_TRANSPARENT, *c.transparent);
	if (c.syn)
		u8(TOA_CFG_SYN, *c.syn);
	if (c.guard)
		u8(TOA_CFG_GUARD, *c.guard);
	if (c.trusted) {
		nlattr *t = nest(TOA_CFG_TRUSTED);
		for (const auto &x : *c.trusted) {
			nlattr *ci = nest(TOA_CIDR);
			u8(TOA_CIDR_FAMILY, x.addr.family);
			raw(TOA_CIDR_ADDR, x.addr.bytes.data(), x.addr.size());
			u8(TOA_CIDR_PREFIX, x.prefix);
			end(ci);
		}
		end(t);
	}
	return end(n);
}

Msg &Msg::conn(const Conn &c)
{
	nlattr *n = nest(TOA_A_CONN);
	if (c.local)
		endpoint(TOA_CONN_LOCAL, *c.local);
	if (c.peer)
		endpoint(TOA_CONN_PEER, *c.peer);
	if (c.client)
		endpoint(TOA_CONN_CLIENT, *c.client);
	if (c.kind)
		u8(TOA_CONN_KIND, *c.kind);
	if (c.len)
		u8(TOA_CONN_LEN, *c.len);
	if (c.packet)
		u8(TOA_CONN_PACKET, *c.packet);
	if (c.age_ms)
		u64(TOA_CONN_AGE_MS, *c.age_ms);
	if (c.netns)
		u32(TOA_CONN_NETNS, *c.netns);
	return end(n);
}

Bytes Msg::bytes() const
{
	const auto *p = reinterpret_cast<const uint8_t *>(buf_.data());
	return Bytes(p, p + nlh_->nlmsg_len);
}

Endpoint ep(const char *addr, uint16_t port)
{
	auto a = parse_address(addr);
	if (!a)
		throw std::invalid_argument(addr);
	Endpoint e;
	e.addr = *a;
	e.port = port;
	return e;
}

Cidr cidr(const char *text)
{
	auto c = parse_cidr(text, true);
	if (!c)
		throw std::invalid_argument(text);
	return *c;
}

Bytes concat(const std::vector<Bytes> &parts)
{
	Bytes out;
	for (const auto &p : parts) {
		out.insert(out.end(), p.begin(), p.end());
		out.resize(MNL_ALIGN(out.size()));
	}
	return out;
}

Bytes ack(uint32_t seq, int error, const std::string &extack, const Bytes *echo)
{
	uint16_t flags = 0;
	if (!extack.empty())
		flags |= NLM_F_ACK_TLVS;
	if (!echo && error)
		flags |= NLM_F_CAPPED;
	Msg m(NLMSG_ERROR, flags, seq);
	auto *e = static_cast<nlmsgerr *>(mnl_nlmsg_put_extra_header(m.hdr(), sizeof(nlmsgerr)));
	e->error = -error;
	if (echo && echo->size() >= sizeof(nlmsghdr)) {
		std::memcpy(&e->msg, echo->data(), sizeof(nlmsghdr));
		if (error) {
			size_t n = echo->size() - sizeof(nlmsghdr);
			void *dst = mnl_nlmsg_put_extra_header(m.hdr(), n);
			std::memcpy(dst, echo->data() + sizeof(nlmsghdr), n);
		}
	}
	if (!extack.empty())
		m.str(NLMSGERR_ATTR_MSG, extack);
	return m.bytes();
}

Bytes done(uint32_t seq, int error, const std::string &extack)
{
	Msg m(NLMSG_DONE, NLM_F_MULTI | (extack.empty() ? 0 : NLM_F_ACK_TLVS), seq);
	auto *code = static_cast<int *>(mnl_nlmsg_put_extra_header(m.hdr(), sizeof(int)));
	*code = -error;
	if (!extack.empty())
		m.str(NLMSGERR_ATTR_MSG, extack);
	return m.bytes();
}

Bytes family_reply(uint32_t seq, uint16_t id)
{
	Msg m(GENL_ID_CTRL, 0, seq);
	m.genl(CTRL_CMD_NEWFAMILY, 2);
	m.str(CTRL_ATTR_FAMILY_NAME, TOA_GENL_NAME);
	m.u16(CTRL_ATTR_FAMILY_ID, id);
	m.u32(CTRL_ATTR_VERSION, TOA_GENL_VERSION);
	m.u32(CTRL_ATTR_HDRSIZE, 0);
	m.u32(CTRL_ATTR_MAXATTR, TOA_A_MAX);
	nlattr *ops = m.nest(CTRL_ATTR_OPS);
	nlattr *op = m.nest(1);
	m.u32(CTRL_ATTR_OP_ID, TOA_CMD_GET_STATS);
	m.u32(CTRL_ATTR_OP_FLAGS, 0);
	m.end(op);
	m.end(ops);
	return m.bytes();
}

Conn sample_conn_v4()
{
	Conn c;
	c.local = ep("10.0.0.5", 8080);
	c.peer = ep("10.0.0.1", 40312);
	c.client = ep("203.0.113.7", 51234);
	c.kind = 254;
	c.len = 8;
	c.packet = TOA_PKT_SYN;
	c.age_ms = 3250;
	c.netns = 4026531840u;
	return c;
}

Conn sample_conn_v6()
{
	Conn c;
	c.local = ep("2001:db8::5", 443);
	c.peer = ep("2001:db8::1", 50000);
	c.client = ep("2001:db8:beef::7", 60001);
	c.kind = 253;
	c.len = 20;
	c.packet = TOA_PKT_ACK;
	c.age_ms = 7384000;
	c.netns = 4026532000u;
	return c;
}

namespace {

class FakeTransport : public Transport {
public:
	explicit FakeTransport(FakeKernel &k) : k_(k) {}
	uint32_t portid() const override { return kFakePortid; }
	uint32_t next_seq() override { return ++seq_; }
	int send(const void *buf, size_t len) override
	{
		const auto *p = static_cast<const uint8_t *>(buf);
		for (auto &d : k_.handle(Bytes(p, p + len)))
			pending_.push_back(std::move(d));
		return 0;
	}
	ssize_t recv(void *buf, size_t cap) override
	{
		if (pending_.empty())
			return -EAGAIN; // would block: the timeout
		Bytes d = std::move(pending_.front());
		pending_.pop_front();
		if (d.size() > cap)
			return -ENOSPC;
		std::memcpy(buf, d.data(), d.size());
		return static_cast<ssize_t>(d.size());
	}

private:
	FakeKernel &k_;
	uint32_t seq_ = 100;
	std::deque<Bytes> pending_;
};

void address_to(Msg &m, uint32_t portid)
{
	m.hdr()->nlmsg_pid = portid;
}

} // namespace

FakeKernel::FakeKernel()
{
	config.formats = TOA_FMT_DEFAULT;
	config.transparent = true;
	config.syn = false;
	config.guard = false;
	config.trusted = std::vector<Cidr>{};
	for (size_t i = 0; i < stats.counters.size(); i++)
		stats.counters[i] = i * 10;
}

std::unique_ptr<Transport> FakeKernel::transport()
{
	return std::make_unique<FakeTransport>(*this);
}

std::vector<Bytes> FakeKernel::handle(const Bytes &request)
{
	requests.push_back(request);
	nlmsghdr h;
	if (request.size() < sizeof(h) + GENL_HDRLEN)
		return {ack(0, EINVAL)};
	std::memcpy(&h, request.data(), sizeof(h));
	genlmsghdr g;
	std::memcpy(&g, request.data() + sizeof(h), sizeof(g));
	const Bytes *echo = capped ? nullptr : &request;
	uint32_t seq = h.nlmsg_seq;
	auto reply = [&](uint8_t cmd) {
		Msg m(h.nlmsg_type, 0, seq, kFakePortid);
		m.genl(cmd, TOA_GENL_VERSION);
		return m;
	};
	auto with_ack = [&](Bytes msg) {
		std::vector<Bytes> out{std::move(msg)};
		if (h.nlmsg_flags & NLM_F_ACK)
			out.push_back(ack(seq, 0));
		return out;
	};

	if (h.nlmsg_type == GENL_ID_CTRL) {
		if (g.cmd != CTRL_CMD_GETFAMILY)
			return {ack(seq, EOPNOTSUPP, "", echo)};
		if (!loaded)
			return {ack(seq, ENOENT, "", echo)};
		return with_ack(family_reply(seq));
	}
	if (!loaded || h.nlmsg_type != kFamilyId)
		return {ack(seq, EOPNOTSUPP, "", echo)};

	switch (g.cmd) {
	case TOA_CMD_GET_STATS: {
		Msg m = reply(g.cmd);
		m.str(TOA_A_VERSION, version).stats(stats);
		return with_ack(m.bytes());
	}
	case TOA_CMD_GET_CONFIG: {
		Msg m = reply(g.cmd);
		m.str(TOA_A_VERSION, version).config(config);
		return with_ack(m.bytes());
	}
	case TOA_CMD_SET_CONFIG: {
		if (!admin)
			return {ack(seq, EPERM, "", echo)};
		nl::Reply r;
		if (!nl::decode_toa_message(request.data(), request.size(), r) || !r.config)
			return {ack(seq, EINVAL, "missing TOA_A_CONFIG", echo)};
		if (set_error)
			return {ack(seq, set_error, set_extack, echo)};
		changes.push_back(*r.config);
		if (r.config->formats)
			config.formats = r.config->formats;
		if (r.config->transparent)
			config.transparent = r.config->transparent;
		if (r.config->syn)
			config.syn = r.config->syn;
		if (r.config->guard)
			config.guard = r.config->guard;
		if (r.config->trusted)
			config.trusted = r.config->trusted;
		if (!set_replies)
			return {ack(seq, 0)};
		Msg m = reply(g.cmd);
		m.config(config);
		return with_ack(m.bytes());
	}
	case TOA_CMD_GET_CONN: {
		if (!admin)
			return {ack(seq, EPERM, "", echo)};
		if (h.nlmsg_flags & NLM_F_DUMP) {
			uint16_t intr = 0;
			if (interrupt_dumps > 0) {
				interrupt_dumps--;
				intr = NLM_F_DUMP_INTR;
			}
			std::vector<Bytes> out;
			std::vector<Bytes> cur;
			for (const auto &c : conns) {
				Msg m(kFamilyId, NLM_F_MULTI | intr, seq);
				address_to(m, kFakePortid);
				m.genl(TOA_CMD_GET_CONN, TOA_GENL_VERSION).conn(c);
				cur.push_back(m.bytes());
				if (cur.size() == conns_per_datagram) {
					out.push_back(concat(cur));
					cur.clear();
				}
			}
			cur.push_back(done(seq));
			out.push_back(concat(cur));
			return out;
		}
		nl::Reply r;
		if (!nl::decode_toa_message(request.data(), request.size(), r) || r.conns.empty() ||
		    !r.conns[0].local || !r.conns[0].peer)
			return {ack(seq, EINVAL, "TOA_A_CONN needs LOCAL and PEER", echo)};
		for (const auto &c : conns)
			if (c.local && c.peer && *c.local == *r.conns[0].local &&
			    *c.peer == *r.conns[0].peer) {
				Msg m = reply(g.cmd);
				m.conn(c);
				return with_ack(m.bytes());
			}
		return {ack(seq, ENOENT, "", echo)};
	}
	}
	return {ack(seq, EOPNOTSUPP, "", echo)};
}

} // namespace toa_inspect::testing
