// SPDX-License-Identifier: MIT
// Plain data exchanged between the netlink layer, the subcommands and the
// formatters. No libmnl, no I/O: everything here can be built by a test.
#ifndef TOA_INSPECT_MODEL_H
#define TOA_INSPECT_MODEL_H

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <toa/uapi.h>

namespace toa_inspect {

// An address of either family: IPv4 uses the first 4 bytes.
struct Address {
	uint8_t family = 0; // AF_INET or AF_INET6; 0 = none
	std::array<uint8_t, 16> bytes{};

	size_t size() const;         // 4, 16, or 0
	bool operator==(const Address &o) const;
	bool operator!=(const Address &o) const { return !(*this == o); }
};

// TOA_EP_*: an address and a port (host byte order).
struct Endpoint {
	Address addr;
	uint16_t port = 0;

	bool operator==(const Endpoint &o) const { return addr == o.addr && port == o.port; }
};

// TOA_CIDR_*.
struct Cidr {
	Address addr;
	uint8_t prefix = 0;

	bool operator==(const Cidr &o) const { return addr == o.addr && prefix == o.prefix; }
	// Whether a (of the same family, or IPv4-mapped IPv6 for an IPv4 CIDR) lies inside.
	bool contains(const Address &a) const;
};

// TOA_A_CONFIG. In a reply every field the module sent is set; in a SET_CONFIG
// request only the fields to change are set.
struct Config {
	std::optional<uint32_t> formats;           // bit mask of enum toa_format
	std::optional<bool> transparent;
	std::optional<bool> syn;                   // options on the SYN read too
	std::optional<bool> guard;                 // the ingress guard
	std::optional<std::vector<Cidr>> trusted;  // empty: every source is trusted

	bool empty() const { return !formats && !transparent && !syn && !guard && !trusted; }
};

// TOA_A_STATS: counter i is attribute type i + 1.
struct Stats {
	std::array<std::optional<uint64_t>, __TOA_STAT_MAX> counters{};
};

// TOA_A_CONN.
struct Conn {
	std::optional<Endpoint> local;   // the server's own address
	std::optional<Endpoint> peer;    // the socket's peer: the load balancer
	std::optional<Endpoint> client;  // the real client, from the option
	std::optional<uint8_t> kind;     // TCP option kind
	std::optional<uint8_t> len;      // its length
	std::optional<uint8_t> packet;   // enum toa_packet
	std::optional<uint64_t> age_ms;
	std::optional<uint32_t> netns;   // inode number of the network namespace
};

// TOA_A_UOA: a UDP mapping (DPVS's UOA).
struct UoaMap {
	std::optional<Endpoint> local;   // the datagrams' destination: the server
	std::optional<Endpoint> peer;    // their source: the load balancer
	std::optional<Endpoint> client;  // the real client
	std::optional<uint8_t> carrier;  // enum toa_uoa_carrier
	std::optional<uint64_t> age_ms;  // since the mapping was made
	std::optional<uint64_t> idle_ms; // since its last UOA datagram or lookup
	std::optional<uint32_t> packets; // UOA datagrams seen
	std::optional<uint32_t> netns;
};

// The generic netlink controller's answer for "toa".
struct FamilyInfo {
	uint16_t id = 0;
	uint32_t version = 0;
	uint32_t maxattr = 0;
	std::string name;
};

} // namespace toa_inspect

#endif
