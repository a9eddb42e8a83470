// SPDX-License-Identifier: MIT
// The netlink codec. One parse callback per nesting level of the attribute
// tree of <toa/uapi.h>:
//
//   toa_attr_cb      TOA_A_*            (a message of the family)
//     stats_cb       TOA_A_STATS        counters
//     config_cb      TOA_A_CONFIG       TOA_CFG_*
//       trusted_cb   TOA_CFG_TRUSTED    TOA_CIDR, repeated
//         cidr_cb    TOA_CIDR           TOA_CIDR_*
//     conn_cb        TOA_A_CONN         TOA_CONN_*
//       ep_cb        endpoint           TOA_EP_*
//   ctrl_attr_cb     CTRL_ATTR_*        (the controller's answer)
//   extack_cb        NLMSGERR_ATTR_*    (in NLMSG_ERROR and NLMSG_DONE)
//
// Unknown attribute types are skipped at every level (a newer module may send
// more); a known attribute that does not have its documented shape makes the
// reply malformed (EBADMSG, with a description in Reply::malformed).
#include "nlmsg.h"

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <sys/socket.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <new>

namespace toa_inspect::nl {

namespace {

// ---- building -------------------------------------------------------------------

constexpr size_t kRequestCap = 8192;

struct Builder {
	std::vector<uint8_t> buf = std::vector<uint8_t>(kRequestCap);
	nlmsghdr *nlh;
	bool ok = true;

	Builder(uint16_t type, uint16_t flags, uint32_t seq, uint8_t cmd, uint8_t version)
	{
		nlh = mnl_nlmsg_put_header(buf.data());
		nlh->nlmsg_type = type;
		nlh->nlmsg_flags = flags;
		nlh->nlmsg_seq = seq;
		auto *g = static_cast<genlmsghdr *>(mnl_nlmsg_put_extra_header(nlh, sizeof(genlmsghdr)));
		g->cmd = cmd;
		g->version = version;
	}

	nlattr *nest(uint16_t type)
	{
		nlattr *n = ok ? mnl_attr_nest_start_check(nlh, buf.size(), type) : nullptr;
		if (!n)
			ok = false;
		return n;
	}
	void end(nlattr *n)
	{
		if (ok)
			mnl_attr_nest_end(nlh, n);
	}
	void u8(uint16_t type, uint8_t v)
	{
		ok = ok && mnl_attr_put_u8_check(nlh, buf.size(), type, v);
	}
	void u16(uint16_t type, uint16_t v)
	{
		ok = ok && mnl_attr_put_u16_check(nlh, buf.size(), type, v);
	}
	void u32(uint16_t type, uint32_t v)
	{
		ok = ok && mnl_attr_put_u32_check(nlh, buf.size(), type, v);
	}
	void bytes(uint16_t type, const void *p, size_t n)
	{
		ok = ok && mnl_attr_put_check(nlh, buf.size(), type, n, p);
	}
	void strz(uint16_t type, const char *s)
	{
		ok = ok && mnl_attr_put_strz_check(nlh, buf.size(), type, s);
	}
	void endpoint(uint16_t type, const Endpoint &e)
	{
		nlattr *n = nest(type);
		u8(TOA_EP_FAMILY, e.addr.family);
		bytes(TOA_EP_ADDR, e.addr.bytes.data(), e.addr.size());
		u16(TOA_EP_PORT, e.port);
		end(n);
	}
	std::vector<uint8_t> finish()
	{
		if (!ok)
			return {};
		buf.resize(nlh->nlmsg_len);
		return std::move(buf);
	}
};

// ---- parsing --------------------------------------------------------------------

int fail(Reply *r, std::string what)
{
	if (!r->error) {
		r->error = EBADMSG;
		r->malformed = std::move(what);
	}
	return MNL_CB_ERROR;
}

int errno_of(int code)
{
	// NLMSG_ERROR carries a negative errno; anything else is a broken message.
	if (code < 0 && code != INT_MIN)
		return -code;
	return code > 0 ? code : EPROTO;
}

std::string bounded_str(const nlattr *a)
{
	const char *p = static_cast<const char *>(mnl_attr_get_payload(a));
	size_t n = mnl_attr_get_payload_len(a);
	return std::string(p, strnlen(p, n));
}

// The state of one nesting level: the reply (for errors) and what is being filled.
template <typename T> struct Level {
	Reply *r;
	T *out;
};

// Address fields as they arrive, checked once the nest is complete.
struct AddrAcc {
	std::optional<uint8_t> family;
	size_t addr_len = 0;
	bool has_addr = false;
	uint8_t addr[16] = {};
	std::optional<uint16_t> port;  // endpoint
	std::optional<uint8_t> prefix; // CIDR
};

int take_addr(const nlattr *a, Reply *r, AddrAcc *acc, const char *what)
{
	size_t n = mnl_attr_get_payload_len(a);
	if (n != 4 && n != 16)
		return fail(r, std::string(what) + " address of " + std::to_string(n) + " bytes");
	std::memcpy(acc->addr, mnl_attr_get_payload(a), n);
	acc->addr_len = n;
	acc->has_addr = true;
	return MNL_CB_OK;
}

// Turns the accumulated family and address into an Address, or fails.
bool finish_addr(const AddrAcc &acc, Reply *r, const char *what, Address &out)
{
	if (!acc.family || !acc.has_addr) {
		fail(r, std::string(what) + " without " + (acc.family ? "address" : "family"));
		return false;
	}
	if ((*acc.family == AF_INET && acc.addr_len != 4) ||
	    (*acc.family == AF_INET6 && acc.addr_len != 16)) {
		fail(r, std::string(what) + " address length does not match its family");
		return false;
	}
	if (*acc.family != AF_INET && *acc.family != AF_INET6) {
		fail(r, std::string(what) + " of unknown family " + std::to_string(*acc.family));
		return false;
	}
	out.family = *acc.family;
	std::memcpy(out.bytes.data(), acc.addr, acc.addr_len);
	return true;
}

// endpoint: TOA_EP_*
int ep_cb(const nlattr *a, void *data)
{
	auto *l = static_cast<Level<AddrAcc> *>(data);
	switch (mnl_attr_get_type(a)) {
	case TOA_EP_FAMILY:
		if (mnl_attr_validate(a, MNL_TYPE_U8) < 0)
			return fail(l->r, "endpoint family is not a u8");
		l->out->family = mnl_attr_get_u8(a);
		break;
	case TOA_EP_ADDR:
		return take_addr(a, l->r, l->out, "endpoint");
	case TOA_EP_PORT:
		if (mnl_attr_validate(a, MNL_TYPE_U16) < 0)
			return fail(l->r, "endpoint port is not a u16");
		l->out->port = mnl_attr_get_u16(a);
		break;
	}
	return MNL_CB_OK;
}

int parse_endpoint(const nlattr *a, Reply *r, const char *what, std::optional<Endpoint> &out)
{
	if (mnl_attr_validate(a, MNL_TYPE_NESTED) < 0)
		return fail(r, std::string(what) + " is not a nest");
	AddrAcc acc;
	Level<AddrAcc> l{r, &acc};
	if (mnl_attr_parse_nested(a, ep_cb, &l) < 0)
		return MNL_CB_ERROR;
	Endpoint e;
	if (!finish_addr(acc, r, what, e.addr))
		return MNL_CB_ERROR;
	e.port = acc.port.value_or(0);
	out = e;
	return MNL_CB_OK;
}

// TOA_A_CONN: TOA_CONN_*
int conn_cb(const nlattr *a, void *data)
{
	auto *l = static_cast<Level<Conn> *>(data);
	Conn *c = l->out;
	auto u8 = [&](std::optional<uint8_t> &dst, const char *what) {
		if (mnl_attr_validate(a, MNL_TYPE_U8) < 0)
			return fail(l->r, std::string("connection ") + what + " is not a u8");
		dst = mnl_attr_get_u8(a);
		return MNL_CB_OK;
	};
	switch (mnl_attr_get_type(a)) {
	case TOA_CONN_LOCAL:
		return parse_endpoint(a, l->r, "local endpoint", c->local);
	case TOA_CONN_PEER:
		return parse_endpoint(a, l->r, "peer endpoint", c->peer);
	case TOA_CONN_CLIENT:
		return parse_endpoint(a, l->r, "client endpoint", c->client);
	case TOA_CONN_KIND:
		return u8(c->kind, "kind");
	case TOA_CONN_LEN:
		return u8(c->len, "len");
	case TOA_CONN_PACKET:
		return u8(c->packet, "packet");
	case TOA_CONN_AGE_MS:
		if (mnl_attr_validate(a, MNL_TYPE_U64) < 0)
			return fail(l->r, "connection age is not a u64");
		c->age_ms = mnl_attr_get_u64(a);
		break;
	case TOA_CONN_NETNS:
		if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
			return fail(l->r, "connection netns is not a u32");
		c->netns = mnl_attr_get_u32(a);
		break;
	}
	return MNL_CB_OK;
}

// TOA_A_UOA: TOA_UOA_*
int uoa_cb(const nlattr *a, void *data)
{
	auto *l = static_cast<Level<UoaMap> *>(data);
	UoaMap *m = l->out;
	auto u64 = [&](std::optional<uint64_t> &dst, const char *what) {
		if (mnl_attr_validate(a, MNL_TYPE_U64) < 0)
			return fail(l->r, std::string("UDP mapping ") + what + " is not a u64");
		dst = mnl_attr_get_u64(a);
		return MNL_CB_OK;
	};
	auto u32 = [&](std::optional<uint32_t> &dst, const char *what) {
		if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
			return fail(l->r, std::string("UDP mapping ") + what + " is not a u32");
		dst = mnl_attr_get_u32(a);
		return MNL_CB_OK;
	};
	switch (mnl_attr_get_type(a)) {
	case TOA_UOA_LOCAL:
		return parse_endpoint(a, l->r, "local endpoint", m->local);
	case TOA_UOA_PEER:
		return parse_endpoint(a, l->r, "peer endpoint", m->peer);
	case TOA_UOA_CLIENT:
		return parse_endpoint(a, l->r, "client endpoint", m->client);
	case TOA_UOA_CARRIER:
		if (mnl_attr_validate(a, MNL_TYPE_U8) < 0)
			return fail(l->r, "UDP mapping carrier is not a u8");
		m->carrier = mnl_attr_get_u8(a);
		break;
	case TOA_UOA_AGE_MS:
		return u64(m->age_ms, "age");
	case TOA_UOA_IDLE_MS:
		return u64(m->idle_ms, "idle time");
	case TOA_UOA_PACKETS:
		return u32(m->packets, "packets");
	case TOA_UOA_NETNS:
		return u32(m->netns, "netns");
	}
	return MNL_CB_OK;
}

// TOA_CIDR: TOA_CIDR_*
int cidr_cb(const nlattr *a, void *data)
{
	auto *l = static_cast<Level<AddrAcc> *>(data);
	switch (mnl_attr_get_type(a)) {
	case TOA_CIDR_FAMILY:
		if (mnl_attr_validate(a, MNL_TYPE_U8) < 0)
			return fail(l->r, "CIDR family is not a u8");
		l->out->family = mnl_attr_get_u8(a);
		break;
	case TOA_CIDR_ADDR:
		return take_addr(a, l->r, l->out, "CIDR");
	case TOA_CIDR_PREFIX:
		if (mnl_attr_validate(a, MNL_TYPE_U8) < 0)
			return fail(l->r, "CIDR prefix is not a u8");
		l->out->prefix = mnl_attr_get_u8(a);
		break;
	}
	return MNL_CB_OK;
}

// TOA_CFG_TRUSTED: TOA_CIDR, repeated
int trusted_cb(const nlattr *a, void *data)
{
	auto *l = static_cast<Level<std::vector<Cidr>> *>(data);
	if (mnl_attr_get_type(a) != TOA_CIDR)
		return MNL_CB_OK;
	if (mnl_attr_validate(a, MNL_TYPE_NESTED) < 0)
		return fail(l->r, "trusted CIDR is not a nest");
	AddrAcc acc;
	Level<AddrAcc> sub{l->r, &acc};
	if (mnl_attr_parse_nested(a, cidr_cb, &sub) < 0)
		return MNL_CB_ERROR;
	Cidr c;
	if (!finish_addr(acc, l->r, "trusted CIDR", c.addr))
		return MNL_CB_ERROR;
	if (!acc.prefix)
		return fail(l->r, "trusted CIDR without prefix");
	if (*acc.prefix > c.addr.size() * 8)
		return fail(l->r, "trusted CIDR prefix /" + std::to_string(*acc.prefix) +
					  " too long for its family");
	c.prefix = *acc.prefix;
	l->out->push_back(c);
	return MNL_CB_OK;
}

// TOA_A_CONFIG: TOA_CFG_*
int config_cb(const nlattr *a, void *data)
{
	auto *l = static_cast<Level<Config> *>(data);
	switch (mnl_attr_get_type(a)) {
	case TOA_CFG_FORMATS:
		if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
			return fail(l->r, "config formats is not a u32");
		l->out->formats = mnl_attr_get_u32(a);
		break;
	case TOA_CFG_TRANSPARENT:
		if (mnl_attr_validate(a, MNL_TYPE_U8) < 0)
			return fail(l->r, "config transparent is not a u8");
		l->out->transparent = mnl_attr_get_u8(a) != 0;
		break;
	case TOA_CFG_SYN:
		if (mnl_attr_validate(a, MNL_TYPE_U8) < 0)
			return fail(l->r, "config syn is not a u8");
		l->out->syn = mnl_attr_get_u8(a) != 0;
		break;
	case TOA_CFG_GUARD:
		if (mnl_attr_validate(a, MNL_TYPE_U8) < 0)
			return fail(l->r, "config guard is not a u8");
		l->out->guard = mnl_attr_get_u8(a) != 0;
		break;
	case TOA_CFG_TRUSTED: {
		if (mnl_attr_validate(a, MNL_TYPE_NESTED) < 0)
			return fail(l->r, "config trusted is not a nest");
		std::vector<Cidr> list;
		Level<std::vector<Cidr>> sub{l->r, &list};
		if (mnl_attr_parse_nested(a, trusted_cb, &sub) < 0)
			return MNL_CB_ERROR;
		l->out->trusted = std::move(list);
		break;
	}
	}
	return MNL_CB_OK;
}

// TOA_A_STATS: counter i has type i + 1
int stats_cb(const nlattr *a, void *data)
{
	auto *l = static_cast<Level<Stats> *>(data);
	uint16_t type = mnl_attr_get_type(a);
	if (type < 1 || type > __TOA_STAT_MAX)
		return MNL_CB_OK; // padding, or a counter newer than this tool
	if (mnl_attr_validate(a, MNL_TYPE_U64) < 0)
		return fail(l->r, "counter " + std::to_string(type) + " is not a u64");
	l->out->counters[type - 1] = mnl_attr_get_u64(a);
	return MNL_CB_OK;
}

// A message of the family: TOA_A_*
int toa_attr_cb(const nlattr *a, void *data)
{
	auto *r = static_cast<Reply *>(data);
	switch (mnl_attr_get_type(a)) {
	case TOA_A_VERSION:
		r->version = bounded_str(a);
		break;
	case TOA_A_STATS: {
		if (mnl_attr_validate(a, MNL_TYPE_NESTED) < 0)
			return fail(r, "stats is not a nest");
		Stats s = r->stats.value_or(Stats{});
		Level<Stats> l{r, &s};
		if (mnl_attr_parse_nested(a, stats_cb, &l) < 0)
			return MNL_CB_ERROR;
		r->stats = s;
		break;
	}
	case TOA_A_CONFIG: {
		if (mnl_attr_validate(a, MNL_TYPE_NESTED) < 0)
			return fail(r, "config is not a nest");
		Config c;
		Level<Config> l{r, &c};
		if (mnl_attr_parse_nested(a, config_cb, &l) < 0)
			return MNL_CB_ERROR;
		r->config = std::move(c);
		break;
	}
	case TOA_A_CONN: {
		if (mnl_attr_validate(a, MNL_TYPE_NESTED) < 0)
			return fail(r, "connection is not a nest");
		Conn c;
		Level<Conn> l{r, &c};
		if (mnl_attr_parse_nested(a, conn_cb, &l) < 0)
			return MNL_CB_ERROR;
		r->conns.push_back(std::move(c));
		break;
	}
	case TOA_A_UOA: {
		if (mnl_attr_validate(a, MNL_TYPE_NESTED) < 0)
			return fail(r, "UDP mapping is not a nest");
		UoaMap m;
		Level<UoaMap> l{r, &m};
		if (mnl_attr_parse_nested(a, uoa_cb, &l) < 0)
			return MNL_CB_ERROR;
		r->uoas.push_back(std::move(m));
		break;
	}
	}
	return MNL_CB_OK;
}

// The controller's answer: CTRL_ATTR_*
int ctrl_attr_cb(const nlattr *a, void *data)
{
	auto *l = static_cast<Level<FamilyInfo> *>(data);
	switch (mnl_attr_get_type(a)) {
	case CTRL_ATTR_FAMILY_ID:
		if (mnl_attr_validate(a, MNL_TYPE_U16) < 0)
			return fail(l->r, "family id is not a u16");
		l->out->id = mnl_attr_get_u16(a);
		break;
	case CTRL_ATTR_FAMILY_NAME:
		l->out->name = bounded_str(a);
		break;
	case CTRL_ATTR_VERSION:
		if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
			return fail(l->r, "family version is not a u32");
		l->out->version = mnl_attr_get_u32(a);
		break;
	case CTRL_ATTR_MAXATTR:
		if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
			return fail(l->r, "family maxattr is not a u32");
		l->out->maxattr = mnl_attr_get_u32(a);
		break;
	}
	return MNL_CB_OK;
}

// NLMSGERR_ATTR_*
int extack_cb(const nlattr *a, void *data)
{
	auto *r = static_cast<Reply *>(data);
	if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG)
		r->extack = bounded_str(a);
	return MNL_CB_OK;
}

void parse_extack(Reply *r, const uint8_t *payload, size_t len, size_t offset)
{
	offset = MNL_ALIGN(offset);
	if (offset < len)
		mnl_attr_parse_payload(payload + offset, len - offset, extack_cb, r);
}

int parse_toa(const nlmsghdr *nlh, Reply *r)
{
	if (mnl_nlmsg_get_payload_len(nlh) < GENL_HDRLEN)
		return fail(r, "generic netlink message shorter than its header");
	r->messages++;
	try {
		if (r->kind == ReplyKind::ctrl) {
			FamilyInfo fi;
			Level<FamilyInfo> l{r, &fi};
			if (mnl_attr_parse(nlh, GENL_HDRLEN, ctrl_attr_cb, &l) < 0)
				return MNL_CB_ERROR;
			// A family id of 0 is never given (GENL_ID_CTRL is the lowest).
			if (fi.id == 0)
				return fail(r, "controller answer without a family id");
			r->family = fi;
			return MNL_CB_OK;
		}
		if (mnl_attr_parse(nlh, GENL_HDRLEN, toa_attr_cb, r) < 0)
			return MNL_CB_ERROR;
	} catch (const std::bad_alloc &) {
		if (!r->error)
			r->error = ENOMEM;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

int data_cb(const nlmsghdr *nlh, void *data)
{
	auto *r = static_cast<Reply *>(data);
	if (nlh->nlmsg_type != r->msg_type)
		return MNL_CB_OK; // not ours
	return parse_toa(nlh, r);
}

int noop_cb(const nlmsghdr *, void *)
{
	return MNL_CB_OK;
}

int error_cb(const nlmsghdr *nlh, void *data)
{
	auto *r = static_cast<Reply *>(data);
	size_t len = mnl_nlmsg_get_payload_len(nlh);
	if (len < sizeof(nlmsgerr))
		return fail(r, "error message shorter than struct nlmsgerr");
	const auto *payload = static_cast<const uint8_t *>(mnl_nlmsg_get_payload(nlh));
	nlmsgerr e;
	std::memcpy(&e, payload, sizeof(e));
	if (e.error == 0) {
		r->done = true; // the ACK
		return MNL_CB_STOP;
	}
	r->error = errno_of(e.error);
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
		// The request is echoed between struct nlmsgerr's header and the
		// TLVs unless the kernel capped it.
		size_t offset = sizeof(e);
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
			size_t echoed = e.msg.nlmsg_len;
			offset = echoed >= sizeof(nlmsghdr) && echoed <= len - sizeof(int)
					 ? sizeof(int) + echoed
					 : len;
		}
		parse_extack(r, payload, len, offset);
	}
	return MNL_CB_STOP;
}

int done_cb(const nlmsghdr *nlh, void *data)
{
	auto *r = static_cast<Reply *>(data);
	size_t len = mnl_nlmsg_get_payload_len(nlh);
	r->done = true;
	if (len >= sizeof(int)) {
		const auto *payload = static_cast<const uint8_t *>(mnl_nlmsg_get_payload(nlh));
		int code;
		std::memcpy(&code, payload, sizeof(code));
		if (code != 0) {
			r->error = errno_of(code);
			if (nlh->nlmsg_flags & NLM_F_ACK_TLVS)
				parse_extack(r, payload, len, sizeof(int));
		}
	}
	return MNL_CB_STOP;
}

int overrun_cb(const nlmsghdr *, void *data)
{
	auto *r = static_cast<Reply *>(data);
	if (!r->error)
		r->error = ENOBUFS;
	return MNL_CB_ERROR;
}

// The length of the leading run of whole netlink messages in buf. libmnl's
// own check compares nlmsg_len as an int, which a length over 2 GiB defeats.
size_t whole_messages(const uint8_t *buf, size_t len, bool *truncated)
{
	size_t off = 0;
	*truncated = false;
	while (len - off >= sizeof(nlmsghdr)) {
		uint32_t l;
		std::memcpy(&l, buf + off + offsetof(nlmsghdr, nlmsg_len), sizeof(l));
		if (l < sizeof(nlmsghdr) || l > len - off) {
			*truncated = true;
			break;
		}
		size_t step = MNL_ALIGN(static_cast<size_t>(l));
		if (step > len - off) {
			off = len;
			break;
		}
		off += step;
	}
	return off;
}

} // namespace

// ---- requests -------------------------------------------------------------------

std::vector<uint8_t> build_get_family(uint32_t seq, const char *name)
{
	Builder b(GENL_ID_CTRL, NLM_F_REQUEST | NLM_F_ACK, seq, CTRL_CMD_GETFAMILY, 1);
	b.strz(CTRL_ATTR_FAMILY_NAME, name);
	return b.finish();
}

std::vector<uint8_t> build_simple(uint16_t family_id, uint8_t cmd, bool dump, uint32_t seq)
{
	Builder b(family_id, NLM_F_REQUEST | (dump ? NLM_F_DUMP : NLM_F_ACK), seq, cmd,
		  TOA_GENL_VERSION);
	return b.finish();
}

std::vector<uint8_t> build_set_config(uint16_t family_id, uint32_t seq, const Config &change)
{
	Builder b(family_id, NLM_F_REQUEST | NLM_F_ACK, seq, TOA_CMD_SET_CONFIG, TOA_GENL_VERSION);
	nlattr *cfg = b.nest(TOA_A_CONFIG);
	if (change.formats)
		b.u32(TOA_CFG_FORMATS, *change.formats);
	if (change.transparent)
		b.u8(TOA_CFG_TRANSPARENT, *change.transparent ? 1 : 0);
	if (change.syn)
		b.u8(TOA_CFG_SYN, *change.syn ? 1 : 0);
	if (change.guard)
		b.u8(TOA_CFG_GUARD, *change.guard ? 1 : 0);
	if (change.trusted) {
		nlattr *list = b.nest(TOA_CFG_TRUSTED);
		for (const auto &c : *change.trusted) {
			nlattr *n = b.nest(TOA_CIDR);
			b.u8(TOA_CIDR_FAMILY, c.addr.family);
			b.bytes(TOA_CIDR_ADDR, c.addr.bytes.data(), c.addr.size());
			b.u8(TOA_CIDR_PREFIX, c.prefix);
			b.end(n);
		}
		b.end(list);
	}
	b.end(cfg);
	return b.finish();
}

std::vector<uint8_t> build_lookup(uint16_t family_id, uint32_t seq, const Endpoint &local,
				  const Endpoint &peer)
{
	Builder b(family_id, NLM_F_REQUEST | NLM_F_ACK, seq, TOA_CMD_GET_CONN, TOA_GENL_VERSION);
	nlattr *conn = b.nest(TOA_A_CONN);
	b.endpoint(TOA_CONN_LOCAL, local);
	b.endpoint(TOA_CONN_PEER, peer);
	b.end(conn);
	return b.finish();
}

// ---- replies --------------------------------------------------------------------

bool feed(Reply &r, const void *buf, size_t len)
{
	if (r.finished())
		return false;
	if (len > static_cast<size_t>(INT_MAX))
		len = static_cast<size_t>(INT_MAX) & ~static_cast<size_t>(3);
	// Work on an aligned copy: netlink headers are read in place, and
	// NLM_F_DUMP_INTR is taken off here (libmnl would stop at it; the dump is
	// read to its end, and the caller restarts it).
	std::vector<uint32_t> copy((len + 3) / 4);
	if (len)
		std::memcpy(copy.data(), buf, len);
	auto *p = reinterpret_cast<uint8_t *>(copy.data());
	bool truncated;
	size_t whole = whole_messages(p, len, &truncated);
	for (size_t off = 0; off < whole;) {
		auto *nlh = reinterpret_cast<nlmsghdr *>(p + off);
		if (nlh->nlmsg_flags & NLM_F_DUMP_INTR) {
			r.interrupted = true;
			nlh->nlmsg_flags &= static_cast<uint16_t>(~NLM_F_DUMP_INTR);
		}
		off += MNL_ALIGN(static_cast<size_t>(nlh->nlmsg_len));
	}

	mnl_cb_t ctl[NLMSG_MIN_TYPE] = {};
	ctl[NLMSG_NOOP] = noop_cb;
	ctl[NLMSG_ERROR] = error_cb;
	ctl[NLMSG_DONE] = done_cb;
	ctl[NLMSG_OVERRUN] = overrun_cb;
	errno = 0;
	int ret = mnl_cb_run2(p, whole, r.seq, r.portid, data_cb, &r, ctl, NLMSG_MIN_TYPE);
	if (ret < 0 && !r.error)
		r.error = errno ? errno : EPROTO;
	if (ret > 0 && truncated)
		fail(&r, "truncated netlink message");
	return !r.finished();
}

bool decode_toa_message(const void *buf, size_t len, Reply &r)
{
	std::vector<uint32_t> copy((len + 3) / 4);
	if (len)
		std::memcpy(copy.data(), buf, len);
	const auto *nlh = reinterpret_cast<const nlmsghdr *>(copy.data());
	if (len < sizeof(nlmsghdr) || nlh->nlmsg_len < sizeof(nlmsghdr) || nlh->nlmsg_len > len) {
		fail(&r, "truncated netlink message");
		return false;
	}
	return parse_toa(nlh, &r) >= MNL_CB_OK && !r.error;
}

} // namespace toa_inspect::nl
