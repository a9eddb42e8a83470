// SPDX-License-Identifier: MIT
// The requests of toa-inspect, in terms of model.h: resolves the family,
// sends each request over a Transport and collects its reply with the codec.
#ifndef TOA_INSPECT_CLIENT_H
#define TOA_INSPECT_CLIENT_H

#include <string>
#include <string_view>
#include <vector>

#include "model.h"
#include "nlmsg.h"
#include "transport.h"

namespace toa_inspect {

// Why a request failed.
struct Failure {
	bool not_loaded = false; // the family "toa" is not registered
	int err = 0;             // errno (from the kernel, the socket, or EBADMSG)
	std::string extack;      // the kernel's extended ack message
	std::string malformed;   // what was wrong with a reply that did not parse
};

// One line, without the "toa-inspect: " prefix. action names the request
// ("reading the counters"); need_admin says whether the request needs
// CAP_NET_ADMIN (so that EPERM is explained).
std::string describe(const Failure &f, std::string_view action, bool need_admin);

class Client {
public:
	explicit Client(Transport &t) : t_(t) {}

	// CTRL_CMD_GETFAMILY "toa". Every other call needs it first.
	bool resolve(Failure &f);
	const FamilyInfo &family() const { return family_; }

	bool get_stats(std::string &version, Stats &stats, Failure &f);
	bool get_config(std::string &version, Config &config, Failure &f);
	// Sends the fields set in change; now receives the configuration after it.
	bool set_config(const Config &change, Config &now, Failure &f);
	bool dump_conns(std::vector<Conn> &conns, Failure &f);
	// The UDP mappings (TOA_CMD_GET_UOA dump).
	bool dump_uoa(std::vector<UoaMap> &maps, Failure &f);
	// ENOENT in f.err: no connection with that 4-tuple.
	bool lookup(const Endpoint &local, const Endpoint &peer, Conn &conn, Failure &f);

private:
	// Sends req and receives until r is finished.
	bool transact(const std::vector<uint8_t> &req, nl::Reply &r, Failure &f);
	// Builds a reply expecting messages of the family to this socket.
	nl::Reply expect(uint32_t seq) const;

	Transport &t_;
	FamilyInfo family_;
};

} // namespace toa_inspect

#endif
