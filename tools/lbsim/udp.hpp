// SPDX-License-Identifier: MIT
//
// The simulator's UDP full NAT: datagrams as DPVS sends them to a backend, with the
// client's address in a UOA carrier (include/toa/uapi.h): an IPv4 option ("ipo") or an
// IP protocol 248 header ("opp"), malformed on demand. Built with its own code; only the
// constants come from the uapi header.
#pragma once

#include "lbsim.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace toa::lbsim {

enum class UoaCarrier : uint8_t { None, Ipo, Opp };

enum class UoaMalformation : uint8_t {
	None,
	BadLen,       // the UOA option's length is 6: not a UOA
	OptOverrun,   // an option whose length runs past the list
	OppTruncated, // opp length beyond the packet
	OppShort,     // opp length 2 (< its own 4 bytes)
	OppNotUdp,    // opp next protocol 6
	OppVersion,   // opp version 7
};

std::optional<UoaCarrier> parse_uoa_carrier(std::string_view s);         // none, ipo, opp
std::optional<UoaMalformation> parse_uoa_malformation(std::string_view s); // names above

struct UdpDatagram {
	Endpoint src, dst;                // the load balancer's SNAT endpoint, the server
	UoaCarrier carrier = UoaCarrier::None;
	Endpoint client;                  // the real client (IPv4 or IPv6)
	std::optional<Endpoint> second;   // a second UOA option after the first
	UoaMalformation bad = UoaMalformation::None;
	const uint8_t *payload = nullptr; // none: DPVS's address-only datagram
	size_t paylen = 0;
	bool zero_csum = false;           // IPv4: UDP checksum 0 (none), as DPVS's
	                                  // address-only datagrams
	uint16_t ip_id = 0;
};

// The IP packet (as written into a TUN with IFF_NO_PI); empty on a bad request.
std::vector<uint8_t> build_udp_datagram(const UdpDatagram &d);

// RFC 768 checksum over the pseudo header (protocol 17) and `udp` (header + payload).
uint16_t udp_checksum(const Addr &src, const Addr &dst, const uint8_t *udp, size_t len);

} // namespace toa::lbsim
