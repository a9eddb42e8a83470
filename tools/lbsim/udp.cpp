// SPDX-License-Identifier: MIT
//
// UDP full NAT datagrams with UOA carriers (udp.hpp).
#include "udp.hpp"

#include <netinet/in.h>

#include <cstring>

namespace toa::lbsim {

std::optional<UoaCarrier> parse_uoa_carrier(std::string_view s)
{
	if (s == "none")
		return UoaCarrier::None;
	if (s == "ipo")
		return UoaCarrier::Ipo;
	if (s == "opp")
		return UoaCarrier::Opp;
	return std::nullopt;
}

std::optional<UoaMalformation> parse_uoa_malformation(std::string_view s)
{
	static const std::pair<const char *, UoaMalformation> names[] = {
		{"none", UoaMalformation::None},
		{"bad-len", UoaMalformation::BadLen},
		{"opt-overrun", UoaMalformation::OptOverrun},
		{"opp-truncated", UoaMalformation::OppTruncated},
		{"opp-short", UoaMalformation::OppShort},
		{"opp-not-udp", UoaMalformation::OppNotUdp},
		{"opp-version", UoaMalformation::OppVersion},
	};
	for (auto &n : names)
		if (s == n.first)
			return n.second;
	return std::nullopt;
}

uint16_t udp_checksum(const Addr &src, const Addr &dst, const uint8_t *udp, size_t len)
{
	uint16_t c = l4_checksum(src, dst, IPPROTO_UDP, udp, len);
	return c ? c : 0xffff; // 0 means "no checksum" in UDP
}

// One UOA option: code 31, length, port, address.
static void put_uoa(std::vector<uint8_t> &o, const Endpoint &c, UoaMalformation bad)
{
	uint8_t len = c.addr.is_v4() ? TOA_UOA_OPT_LEN4 : TOA_UOA_OPT_LEN6;
	size_t at = o.size();
	o.push_back(TOA_UOA_OPT_KIND);
	o.push_back(len);
	o.push_back(c.port >> 8);
	o.push_back(c.port & 0xff);
	o.insert(o.end(), c.addr.b, c.addr.b + c.addr.size());
	if (bad == UoaMalformation::BadLen) {
		o[at + 1] = 6; // a kind-31 option that is no UOA: 6 bytes, then 2 NOPs
		o.resize(at + 6);
		o.push_back(1);
		o.push_back(1);
	}
}

std::vector<uint8_t> build_udp_datagram(const UdpDatagram &d)
{
	const Addr &src = d.src.addr, &dst = d.dst.addr;
	if (src.family != dst.family || src.empty())
		return {};
	bool v4 = src.is_v4();
	if (d.carrier == UoaCarrier::Ipo && !v4)
		return {};
	std::vector<uint8_t> opts; // the UOA options (IPv4 options' syntax)
	if (d.carrier != UoaCarrier::None) {
		put_uoa(opts, d.client, d.bad);
		if (d.second)
			put_uoa(opts, *d.second, UoaMalformation::None);
		if (d.bad == UoaMalformation::OptOverrun) {
			opts.push_back(7); // record route, claims 12 bytes
			opts.push_back(12);
		}
	}
	// UDP header and payload, checksummed over the addresses the backend sees.
	std::vector<uint8_t> udp(8 + d.paylen);
	udp[0] = d.src.port >> 8;
	udp[1] = d.src.port & 0xff;
	udp[2] = d.dst.port >> 8;
	udp[3] = d.dst.port & 0xff;
	udp[4] = udp.size() >> 8;
	udp[5] = udp.size() & 0xff;
	if (d.paylen)
		std::memcpy(udp.data() + 8, d.payload, d.paylen);
	if (!d.zero_csum || !v4) {
		uint16_t c = udp_checksum(src, dst, udp.data(), udp.size());
		udp[6] = c >> 8;
		udp[7] = c & 0xff;
	}
	std::vector<uint8_t> mid; // between the IP header and UDP: the opp header
	std::vector<uint8_t> ipopts;
	if (d.carrier == UoaCarrier::Ipo) {
		ipopts = opts;
		while (ipopts.size() % 4)
			ipopts.push_back(0); // EOL padding
		if (ipopts.size() > 40)
			return {};
	} else if (d.carrier == UoaCarrier::Opp) {
		size_t len = 4 + opts.size();
		uint8_t ver = d.client.addr.is_v4() ? TOA_UOA_OPP_V4 : TOA_UOA_OPP_V6;
		uint8_t proto = IPPROTO_UDP;
		if (d.bad == UoaMalformation::OppTruncated)
			len = 4 + opts.size() + udp.size() + 1;
		if (d.bad == UoaMalformation::OppShort)
			len = 2;
		if (d.bad == UoaMalformation::OppNotUdp)
			proto = IPPROTO_TCP;
		if (d.bad == UoaMalformation::OppVersion)
			ver = 7;
		mid.push_back(ver << 4);
		mid.push_back(proto);
		mid.push_back(len >> 8);
		mid.push_back(len & 0xff);
		mid.insert(mid.end(), opts.begin(), opts.end());
	}
	std::vector<uint8_t> pkt;
	uint8_t next = d.carrier == UoaCarrier::Opp ? TOA_UOA_IPPROTO_OPP : IPPROTO_UDP;
	if (v4) {
		size_t hl = 20 + ipopts.size();
		size_t total = hl + mid.size() + udp.size();
		pkt.resize(hl);
		pkt[0] = 0x40 | (hl / 4);
		pkt[2] = total >> 8;
		pkt[3] = total & 0xff;
		pkt[4] = d.ip_id >> 8;
		pkt[5] = d.ip_id & 0xff;
		pkt[6] = 0x40; // DF
		pkt[8] = 64;
		pkt[9] = next;
		std::memcpy(&pkt[12], src.b, 4);
		std::memcpy(&pkt[16], dst.b, 4);
		std::memcpy(&pkt[20], ipopts.data(), ipopts.size());
		uint16_t c = ipv4_header_checksum(pkt.data(), hl);
		pkt[10] = c >> 8;
		pkt[11] = c & 0xff;
	} else {
		size_t plen = mid.size() + udp.size();
		pkt.resize(40);
		pkt[0] = 0x60;
		pkt[4] = plen >> 8;
		pkt[5] = plen & 0xff;
		pkt[6] = next;
		pkt[7] = 64;
		std::memcpy(&pkt[8], src.b, 16);
		std::memcpy(&pkt[24], dst.b, 16);
	}
	pkt.insert(pkt.end(), mid.begin(), mid.end());
	pkt.insert(pkt.end(), udp.begin(), udp.end());
	return pkt;
}

} // namespace toa::lbsim
