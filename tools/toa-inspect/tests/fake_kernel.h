// SPDX-License-Identifier: MIT
// The kernel's side of the conversation, for the tests and the seed corpus:
// messages built with libmnl the way the kernel lays them out, and a fake
// module answering toa-inspect's requests through a Transport.
#ifndef TOA_INSPECT_FAKE_KERNEL_H
#define TOA_INSPECT_FAKE_KERNEL_H

#include <linux/netlink.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "model.h"
#include "transport.h"

namespace toa_inspect::testing {

using Bytes = std::vector<uint8_t>;

// The family id the fake controller hands out.
constexpr uint16_t kFamilyId = 0x1e;
// The port id of the fake transport's socket.
constexpr uint32_t kFakePortid = 4242;

// One netlink message under construction.
class Msg {
public:
	Msg(uint16_t type, uint16_t flags, uint32_t seq, uint32_t portid = 0);
	// Adds the generic netlink header.
	Msg &genl(uint8_t cmd, uint8_t version = 1);
	nlattr *nest(uint16_t type);
	Msg &end(nlattr *n);
	Msg &u8(uint16_t type, uint8_t v);
	Msg &u16(uint16_t type, uint16_t v);
	Msg &u32(uint16_t type, uint32_t v);
	Msg &u64(uint16_t type, uint64_t v);
	Msg &str(uint16_t type, const std::string &s);
	Msg &raw(uint16_t type, const void *p, size_t n);
	Msg &endpoint(uint16_t type, const Endpoint &e);
	Msg &stats(const Stats &s);
	Msg &config(const Config &c);
	Msg &conn(const Conn &c);
	nlmsghdr *hdr() { return nlh_; }
	Bytes bytes() const;

private:
	std::vector<uint32_t> buf_; // aligned
	nlmsghdr *nlh_;
};

Endpoint ep(const char *addr, uint16_t port);
Cidr cidr(const char *text);
Bytes concat(const std::vector<Bytes> &parts);

// NLMSG_ERROR: error 0 is the ACK. A non-empty extack is added as
// NLMSGERR_ATTR_MSG; with echo (and not capped) the request follows the header.
Bytes ack(uint32_t seq, int error, const std::string &extack = "",
	  const Bytes *echo = nullptr);
// NLMSG_DONE, with the dump's error if not 0.
Bytes done(uint32_t seq, int error = 0, const std::string &extack = "");
// The controller's answer to CTRL_CMD_GETFAMILY "toa".
Bytes family_reply(uint32_t seq, uint16_t id = kFamilyId);

// A fake toa module. Its transport() answers as the kernel would.
class FakeKernel {
public:
	bool loaded = true;
	bool admin = true;            // the caller has CAP_NET_ADMIN
	bool capped = false;          // NETLINK_CAP_ACK: errors do not echo the request
	std::string version = TOA_VERSION_STRING;
	Stats stats;
	Config config;
	std::vector<Conn> conns;
	size_t conns_per_datagram = 2;
	int interrupt_dumps = 0;      // mark this many dumps NLM_F_DUMP_INTR
	int set_error = 0;            // refuse SET_CONFIG with this errno ...
	std::string set_extack;       // ... and this message
	bool set_replies = true;      // SET_CONFIG answers with TOA_A_CONFIG

	std::vector<Bytes> requests;  // every request received
	std::vector<Config> changes;  // every SET_CONFIG, decoded

	FakeKernel();
	std::unique_ptr<Transport> transport();
	// The datagrams answering one request.
	std::vector<Bytes> handle(const Bytes &request);
};

// A default stats, config and a few connections for the tests.
Conn sample_conn_v4();
Conn sample_conn_v6();

} // namespace toa_inspect::testing

#endif
