// SPDX-License-Identifier: MIT
// The netlink codec: builds the requests of the generic netlink family "toa"
// (and the controller's CTRL_CMD_GETFAMILY) into buffers, and turns received
// buffers into the structs of model.h. It uses libmnl's message and attribute
// API but never a socket, so the tests and the fuzzer drive it with bytes.
#ifndef TOA_INSPECT_NLMSG_H
#define TOA_INSPECT_NLMSG_H

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model.h"

namespace toa_inspect::nl {

// Large enough for any datagram the kernel sends to a dump (it caps them at 32 KiB).
constexpr size_t kRecvBufferSize = 32768;

// ---- requests -----------------------------------------------------------------
// Each returns one complete netlink message, or an empty vector when it does
// not fit (cannot happen within TOA_TRUSTED_MAX_CIDRS).

// CTRL_CMD_GETFAMILY for a family (the tests ask the host kernel for others).
std::vector<uint8_t> build_get_family(uint32_t seq, const char *name = TOA_GENL_NAME);
// GET_STATS, GET_CONFIG (doit, acked) or GET_CONN (dump).
std::vector<uint8_t> build_simple(uint16_t family_id, uint8_t cmd, bool dump, uint32_t seq);
// SET_CONFIG with a TOA_A_CONFIG nest holding only the fields set in change.
std::vector<uint8_t> build_set_config(uint16_t family_id, uint32_t seq, const Config &change);
// GET_CONN doit with TOA_A_CONN { TOA_CONN_LOCAL, TOA_CONN_PEER }.
std::vector<uint8_t> build_lookup(uint16_t family_id, uint32_t seq, const Endpoint &local,
				  const Endpoint &peer);

// ---- replies ------------------------------------------------------------------

enum class ReplyKind {
	ctrl, // an answer of the generic netlink controller (GENL_ID_CTRL)
	toa,  // an answer of the family "toa"
};

// Everything one request got back, accumulated over the datagrams of the reply.
struct Reply {
	// What to expect (set before feeding).
	ReplyKind kind = ReplyKind::toa;
	uint16_t msg_type = 0;  // the family id; messages of other types are skipped
	uint32_t seq = 0;       // 0: not checked
	uint32_t portid = 0;    // 0: not checked

	// What arrived.
	std::optional<FamilyInfo> family;   // ctrl
	std::optional<std::string> version; // TOA_A_VERSION
	std::optional<Stats> stats;         // TOA_A_STATS
	std::optional<Config> config;       // TOA_A_CONFIG
	std::vector<Conn> conns;            // every TOA_A_CONN, in order
	std::vector<UoaMap> uoas;           // every TOA_A_UOA, in order
	size_t messages = 0;                // data messages parsed

	// How it ended.
	bool done = false;       // ACK (NLMSG_ERROR with 0) or NLMSG_DONE seen
	bool interrupted = false; // NLM_F_DUMP_INTR: the table changed during the dump
	int error = 0;           // errno: from the kernel, or of a bad reply
	std::string extack;      // the kernel's extended ack message, if any
	std::string malformed;   // set (with error = EBADMSG) when a reply did not parse

	bool finished() const { return done || error != 0; }
};

// Feeds one received datagram (any number of netlink messages). Returns true
// while the reply is not finished (more datagrams are to be received).
// Never reads outside [buf, buf + len).
bool feed(Reply &r, const void *buf, size_t len);

// Parses the attributes of one generic netlink message of family "toa" (a
// reply, or a request the tests built) into r. Returns false, with r.error
// and r.malformed set, when they do not parse.
bool decode_toa_message(const void *buf, size_t len, Reply &r);

} // namespace toa_inspect::nl

#endif
