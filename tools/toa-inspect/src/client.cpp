// SPDX-License-Identifier: MIT
#include "client.h"

#include <linux/genetlink.h>

#include <cerrno>
#include <cstring>

#include "text.h"

namespace toa_inspect {

std::string describe(const Failure &f, std::string_view action, bool need_admin)
{
	if (f.not_loaded)
		return "the toa module is not loaded (no generic netlink family \"" TOA_GENL_NAME
		       "\")";
	std::string s(action);
	if (!f.malformed.empty())
		return s + ": malformed reply from the module: " + printable(f.malformed);
	if ((f.err == EPERM || f.err == EACCES) && need_admin)
		s += ": permission denied (needs CAP_NET_ADMIN)";
	else if (f.err == EAGAIN)
		s += ": no answer in time";
	else if (f.err == EINTR)
		s += ": the connection table kept changing during the dump; try again";
	else
		s += std::string(": ") + std::strerror(f.err);
	if (!f.extack.empty())
		s += " (kernel: " + printable(f.extack) + ")";
	return s;
}

nl::Reply Client::expect(uint32_t seq) const
{
	nl::Reply r;
	r.kind = nl::ReplyKind::toa;
	r.msg_type = family_.id;
	r.seq = seq;
	r.portid = t_.portid();
	return r;
}

bool Client::transact(const std::vector<uint8_t> &req, nl::Reply &r, Failure &f)
{
	if (req.empty()) {
		f.err = EMSGSIZE;
		return false;
	}
	if (int e = t_.send(req.data(), req.size())) {
		f.err = e;
		return false;
	}
	std::vector<uint8_t> buf(nl::kRecvBufferSize);
	while (!r.finished()) {
		ssize_t n = t_.recv(buf.data(), buf.size());
		if (n < 0) {
			f.err = static_cast<int>(-n);
			return false;
		}
		if (n == 0) {
			f.err = EPROTO;
			return false;
		}
		nl::feed(r, buf.data(), static_cast<size_t>(n));
	}
	if (r.error) {
		f.err = r.error;
		f.extack = r.extack;
		f.malformed = r.malformed;
		return false;
	}
	return true;
}

bool Client::resolve(Failure &f)
{
	uint32_t seq = t_.next_seq();
	nl::Reply r;
	r.kind = nl::ReplyKind::ctrl;
	r.msg_type = GENL_ID_CTRL;
	r.seq = seq;
	r.portid = t_.portid();
	if (!transact(nl::build_get_family(seq), r, f)) {
		if (f.err == ENOENT)
			f.not_loaded = true;
		return false;
	}
	if (!r.family) {
		f.malformed = "the controller sent no family";
		f.err = EBADMSG;
		return false;
	}
	family_ = *r.family;
	return true;
}

bool Client::get_stats(std::string &version, Stats &stats, Failure &f)
{
	uint32_t seq = t_.next_seq();
	nl::Reply r = expect(seq);
	if (!transact(nl::build_simple(family_.id, TOA_CMD_GET_STATS, false, seq), r, f))
		return false;
	if (!r.stats) {
		f.err = EBADMSG;
		f.malformed = "no counters in the answer";
		return false;
	}
	version = r.version.value_or("");
	stats = *r.stats;
	return true;
}

bool Client::get_config(std::string &version, Config &config, Failure &f)
{
	uint32_t seq = t_.next_seq();
	nl::Reply r = expect(seq);
	if (!transact(nl::build_simple(family_.id, TOA_CMD_GET_CONFIG, false, seq), r, f))
		return false;
	if (!r.config) {
		f.err = EBADMSG;
		f.malformed = "no configuration in the answer";
		return false;
	}
	version = r.version.value_or("");
	config = *r.config;
	return true;
}

bool Client::set_config(const Config &change, Config &now, Failure &f)
{
	uint32_t seq = t_.next_seq();
	nl::Reply r = expect(seq);
	if (!transact(nl::build_set_config(family_.id, seq, change), r, f))
		return false;
	if (r.config) {
		now = *r.config;
		return true;
	}
	std::string version; // the module only acked: ask
	return get_config(version, now, f);
}

bool Client::dump_conns(std::vector<Conn> &conns, Failure &f)
{
	// A dump the kernel marks interrupted (the table changed under it,
	// NLM_F_DUMP_INTR) may miss or repeat entries: it is restarted.
	for (int attempt = 0; attempt < 3; attempt++) {
		uint32_t seq = t_.next_seq();
		nl::Reply r = expect(seq);
		if (!transact(nl::build_simple(family_.id, TOA_CMD_GET_CONN, true, seq), r, f))
			return false;
		if (!r.interrupted) {
			conns = std::move(r.conns);
			return true;
		}
	}
	f.err = EINTR;
	return false;
}

bool Client::dump_uoa(std::vector<UoaMap> &maps, Failure &f)
{
	for (int attempt = 0; attempt < 3; attempt++) {
		uint32_t seq = t_.next_seq();
		nl::Reply r = expect(seq);
		if (!transact(nl::build_simple(family_.id, TOA_CMD_GET_UOA, true, seq), r, f))
			return false;
		if (!r.interrupted) {
			maps = std::move(r.uoas);
			return true;
		}
	}
	f.err = EINTR;
	return false;
}

bool Client::lookup(const Endpoint &local, const Endpoint &peer, Conn &conn, Failure &f)
{
	uint32_t seq = t_.next_seq();
	nl::Reply r = expect(seq);
	if (!transact(nl::build_lookup(family_.id, seq, local, peer), r, f))
		return false;
	if (r.conns.empty()) {
		f.err = EBADMSG;
		f.malformed = "no connection in the answer";
		return false;
	}
	conn = r.conns.front();
	return true;
}

} // namespace toa_inspect
