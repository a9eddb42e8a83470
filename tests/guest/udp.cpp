// SPDX-License-Identifier: MIT
//
// toa-udp-e2e: the module's UDP part (UOA) in a booted guest. The simulator's UDP full
// NAT (tools/lbsim/udp.hpp) writes datagrams into a TUN device; servers on 192.0.2.1 and
// 2001:db8::1 receive them and ask getsockopt(IPPROTO_IP, UOA_SO_GET_LOOKUP /
// TOA_UOA_SO_GET_CLIENT) and libtoa. Prints "RESULT <name> PASS|FAIL [detail]".
//
//   toa-udp-e2e cases      carriers, families, address-only datagrams, attackers, expiry
//   toa-udp-e2e netns      the basic cases in the caller's (new) network namespace
//   toa-udp-e2e load SECS  datagrams and lookups while the script reloads the module:
//                          every answer right or "no mapping"/"no module"
//   toa-udp-e2e bench PHASE ROUND COUNT SIZES CALLS
//                          the cost, for tests/bench/udp.sh
#include "guest_util.hpp"
#include "udp.hpp"

#include <toa/carriers.hpp>
#include <toa/toa.hpp>
#include <toa/uapi.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

using namespace toa::lbsim;

namespace {

int failures = 0;

void result(const std::string &name, bool ok, const std::string &detail = "")
{
	std::printf("RESULT %s %s%s%s\n", name.c_str(), ok ? "PASS" : "FAIL",
		    detail.empty() ? "" : " ", detail.c_str());
	std::fflush(stdout);
	if (!ok)
		failures++;
}

Endpoint ep(const char *s) { return *Endpoint::parse(s); }

uint64_t stat(const char *name)
{
	auto all = toa::guest::toa_stats();
	auto it = all.find(name);
	return it == all.end() ? ~0ull : static_cast<uint64_t>(it->second);
}

bool write_param(const char *p, const std::string &v)
{
	std::ofstream f(std::string("/sys/module/toa/parameters/") + p);
	f << v;
	f.flush();
	return bool(f);
}

struct Server {
	int fd = -1;
	explicit Server(int family, uint16_t port)
	{
		fd = toa::guest::bind_on(family, SOCK_DGRAM, family == AF_INET ? "0.0.0.0" : "::",
					 port, false, true);
		if (fd < 0)
			std::perror("bind");
		int one = 1;
		if (family == AF_INET)
			setsockopt(fd, IPPROTO_IP, IP_RECVOPTS, &one, sizeof one);
	}
	~Server() { close(fd); }
};

struct Got {
	bool ok = false;
	std::string payload;
	Endpoint peer;
	sockaddr_storage ss{};
	socklen_t sslen = 0;
	bool ip_options = false; // an IP_OPTIONS control message came with it
};

Got recv_one(const Server &s, int wait_ms = 1000)
{
	Got g;
	pollfd p{s.fd, POLLIN, 0};
	if (poll(&p, 1, wait_ms) != 1)
		return g;
	char buf[2048], cbuf[256];
	iovec iov{buf, sizeof buf};
	msghdr m{};
	m.msg_name = &g.ss;
	m.msg_namelen = sizeof g.ss;
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = cbuf;
	m.msg_controllen = sizeof cbuf;
	ssize_t n = recvmsg(s.fd, &m, 0);
	if (n < 0)
		return g;
	g.ok = true;
	g.sslen = m.msg_namelen;
	g.payload.assign(buf, n);
	for (cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
		if (c->cmsg_level == IPPROTO_IP && (c->cmsg_type == IP_RECVOPTS || c->cmsg_type == IP_OPTIONS))
			g.ip_options = true;
	if (g.ss.ss_family == AF_INET) {
		auto *a = reinterpret_cast<sockaddr_in *>(&g.ss);
		uint32_t h = ntohl(a->sin_addr.s_addr);
		g.peer.addr = Addr::v4(h);
		g.peer.port = ntohs(a->sin_port);
	} else {
		auto *a = reinterpret_cast<sockaddr_in6 *>(&g.ss);
		g.peer.addr = Addr::v6(a->sin6_addr.s6_addr);
		g.peer.port = ntohs(a->sin6_port);
	}
	return g;
}

void drain(const Server &s)
{
	while (recv_one(s, 0).ok) {
	}
}

Tun tun;

bool send(const UdpDatagram &d)
{
	auto pkt = build_udp_datagram(d);
	if (pkt.empty())
		return false;
	return tun.write(pkt.data(), pkt.size()) == ssize_t(pkt.size());
}

// @pkt (IPv4) as two fragments: the first @first bytes of its payload (a multiple of 8),
// then the rest; IP options only in the first (kind 31 is not copied into fragments).
std::vector<std::vector<uint8_t>> fragment4(const std::vector<uint8_t> &pkt, size_t first)
{
	size_t hl = (pkt[0] & 0x0f) * 4u;
	std::vector<uint8_t> a(pkt.begin(), pkt.begin() + hl + first);
	std::vector<uint8_t> b(pkt.begin(), pkt.begin() + 20);
	b.insert(b.end(), pkt.begin() + hl + first, pkt.end());
	b[0] = 0x45;
	auto fix = [](std::vector<uint8_t> &p, uint16_t frag) {
		p[2] = static_cast<uint8_t>(p.size() >> 8);
		p[3] = static_cast<uint8_t>(p.size());
		p[6] = static_cast<uint8_t>(frag >> 8);
		p[7] = static_cast<uint8_t>(frag);
		p[10] = p[11] = 0;
		uint16_t c = ipv4_header_checksum(p.data(), (p[0] & 0x0fu) * 4u);
		p[10] = static_cast<uint8_t>(c >> 8);
		p[11] = static_cast<uint8_t>(c);
	};
	fix(a, 0x2000); // more fragments
	fix(b, static_cast<uint16_t>(first / 8));
	return {a, b};
}

// DPVS's lookup, from @fd, for the 4-tuple peer -> local (local may be the wildcard).
int lookup(int fd, int af, const Endpoint &peer, const Endpoint &local, Endpoint *client,
	   socklen_t len = sizeof(uoa_param_map))
{
	uoa_param_map m{};
	m.af = af;
	std::memcpy(m.saddr, peer.addr.b, 16);
	std::memcpy(m.daddr, local.addr.b, 16);
	m.sport = htons(peer.port);
	m.dport = htons(local.port);
	if (getsockopt(fd, IPPROTO_IP, UOA_SO_GET_LOOKUP, &m, &len))
		return errno;
	if (len != sizeof m)
		return -1;
	if (client) {
		client->addr = m.real_af == AF_INET ? Addr::v4(ntohl(*(uint32_t *)m.real_saddr))
						    : Addr::v6(m.real_saddr);
		client->port = ntohs(m.real_sport);
	}
	return 0;
}

int rich(int fd, const Endpoint &peer, const Endpoint &local, toa_uoa_client_info *ci)
{
	std::memset(ci, 0, sizeof *ci);
	ci->af = peer.addr.family;
	std::memcpy(ci->saddr, peer.addr.b, 16);
	std::memcpy(ci->daddr, local.addr.b, 16);
	ci->sport = htons(peer.port);
	ci->dport = htons(local.port);
	socklen_t len = sizeof *ci;
	if (getsockopt(fd, IPPROTO_IP, TOA_UOA_SO_GET_CLIENT, ci, &len))
		return errno;
	return len == sizeof *ci ? 0 : -1;
}

const Endpoint any4 = ep("0.0.0.0:9000");

std::string str(const Endpoint &e) { return e.str(); }

// One datagram through a carrier: delivered plain, mapped, found by the wildcard and by
// the exact destination, DPVS's and our answer.
void flow_case(const std::string &name, const Server &srv, UoaCarrier c, const char *lb,
	       const char *server, const char *client)
{
	drain(srv);
	UdpDatagram d;
	d.src = ep(lb);
	d.dst = ep(server);
	d.carrier = c;
	d.client = ep(client);
	std::string pay = "hello " + name;
	d.payload = reinterpret_cast<const uint8_t *>(pay.data());
	d.paylen = pay.size();
	bool sent = send(d);
	Got g = recv_one(srv);
	result(name + "_delivered", sent && g.ok && g.payload == pay && g.peer == d.src,
	       g.ok ? "peer=" + str(g.peer) + " len=" + std::to_string(g.payload.size())
		    : "nothing received");
	result(name + "_stripped", g.ok && !g.ip_options, g.ip_options ? "IP options left" : "");
	Endpoint got, wild = d.dst;
	wild.addr = d.dst.addr.is_v4() ? *Addr::parse("0.0.0.0") : *Addr::parse("::");
	int af = d.src.addr.family;
	int e1 = lookup(srv.fd, af, d.src, wild, &got);
	result(name + "_lookup_wildcard", !e1 && got == d.client,
	       e1 ? std::strerror(e1) : "client=" + str(got));
	int e2 = lookup(srv.fd, af, d.src, d.dst, &got);
	result(name + "_lookup_exact", !e2 && got == d.client,
	       e2 ? std::strerror(e2) : "client=" + str(got));
	toa_uoa_client_info ci;
	int e3 = rich(srv.fd, d.src, wild, &ci);
	bool rich_ok = !e3 && ci.carrier == (c == UoaCarrier::Ipo ? TOA_UOA_CARRIER_IPO
								 : TOA_UOA_CARRIER_OPP) &&
		       ci.family == d.client.addr.family && ntohs(ci.port) == d.client.port &&
		       !std::memcmp(ci.addr, d.client.addr.b, d.client.addr.size()) &&
		       !std::memcmp(ci.local_addr, d.dst.addr.b, d.dst.addr.size());
	result(name + "_rich", rich_ok, e3 ? std::strerror(e3) : "carrier=" + std::to_string(ci.carrier));
	// libtoa: one call for the address recvfrom() gave, and composed with SPP/PROXY v2.
	auto lc = toa::get_datagram_client(srv.fd, reinterpret_cast<const sockaddr *>(&g.ss),
					   g.sslen);
	std::string want = str(d.client);
	bool lib_ok = lc && lc->origin == toa::origin::uoa && lc->carrier == toa::carrier::uoa &&
		      std::string(toa::format(lc->address).c_str()) == want;
	result(name + "_libtoa", g.ok && lib_ok,
	       lc ? std::string("client=") + toa::format(lc->address).c_str() : lc.error().message());
	toa::policy pol;
	std::size_t hl = 99;
	toa_endpoint pe;
	toa_endpoint_from_sockaddr(reinterpret_cast<const sockaddr *>(&g.ss), g.sslen, &pe);
	auto rc = toa::resolve_datagram(srv.fd, g.payload.data(), g.payload.size(), toa::endpoint(pe),
					pol, &hl);
	bool res_ok = rc && rc->carrier == toa::carrier::uoa && hl == 0 &&
		      std::string(toa::format(rc->address).c_str()) == want &&
		      std::string(toa::format_origin(*rc).c_str()) == "UOA";
	result(name + "_libtoa_resolve", g.ok && res_ok,
	       rc ? std::string("client=") + toa::format(rc->address).c_str() + " via=" +
			    toa::format_origin(*rc).c_str()
		  : rc.error().message());
}

void basic_cases(const std::string &pfx, const Server &s4, const Server &s6)
{
	flow_case(pfx + "v4_ipo_v4client", s4, UoaCarrier::Ipo, "198.51.100.10:40000",
		  "192.0.2.1:9000", "203.0.113.7:5555");
	flow_case(pfx + "v4_ipo_v6client", s4, UoaCarrier::Ipo, "198.51.100.10:40001",
		  "192.0.2.1:9000", "[2001:db8:c::7]:5556");
	flow_case(pfx + "v4_opp_v4client", s4, UoaCarrier::Opp, "198.51.100.10:40002",
		  "192.0.2.1:9000", "203.0.113.8:5557");
	flow_case(pfx + "v4_opp_v6client_nat64", s4, UoaCarrier::Opp, "198.51.100.10:40003",
		  "192.0.2.1:9000", "[2001:db8:c::8]:5558");
	flow_case(pfx + "v6_opp_v6client", s6, UoaCarrier::Opp, "[2001:db8:ff::10]:40004",
		  "[2001:db8::1]:9001", "[2001:db8:c::9]:5559");
	flow_case(pfx + "v6_opp_v4client", s6, UoaCarrier::Opp, "[2001:db8:ff::10]:40005",
		  "[2001:db8::1]:9001", "203.0.113.9:5560");
}

// A datagram whose carrier is wrong: @delivered says whether the server must get it.
void bad_case(const std::string &name, const Server &srv, UoaCarrier c, UoaMalformation bad,
	      bool delivered, const char *counter)
{
	drain(srv);
	uint64_t before = stat(counter);
	UdpDatagram d;
	d.src = ep("198.51.100.11:41000");
	d.src.port += static_cast<uint16_t>(bad) * 10 + (c == UoaCarrier::Opp);
	d.dst = ep("192.0.2.1:9000");
	d.carrier = c;
	d.bad = bad;
	d.client = ep("203.0.113.66:6666");
	std::string pay = "bad";
	d.payload = reinterpret_cast<const uint8_t *>(pay.data());
	d.paylen = pay.size();
	send(d);
	Got g = recv_one(srv, delivered ? 1000 : 300);
	result(name + (delivered ? "_delivered" : "_dropped"),
	       delivered ? (g.ok && g.payload == pay && !g.ip_options) : !g.ok,
	       g.ok ? "got " + std::to_string(g.payload.size()) + " bytes" : "none");
	int e = lookup(srv.fd, AF_INET, d.src, any4, nullptr);
	result(name + "_no_mapping", e == ENOENT, e ? std::strerror(e) : "a mapping was made");
	uint64_t after = stat(counter);
	result(name + "_counted", after == before + 1,
	       std::string(counter) + " " + std::to_string(before) + "->" + std::to_string(after));
}

int cases()
{
	Server s4(AF_INET, 9000), s6(AF_INET6, 9001);
	basic_cases("", s4, s6);

	// The address-only datagram: consumed, its mapping kept; the next one delivered.
	for (auto c : {UoaCarrier::Ipo, UoaCarrier::Opp}) {
		std::string n = c == UoaCarrier::Ipo ? "empty_ipo" : "empty_opp";
		drain(s4);
		uint64_t before = stat("uoa_empty");
		UdpDatagram d;
		d.src = ep(c == UoaCarrier::Ipo ? "198.51.100.12:42000" : "198.51.100.12:42001");
		d.dst = ep("192.0.2.1:9000");
		d.carrier = c;
		d.client = ep("203.0.113.12:1200");
		d.zero_csum = true;
		send(d);
		UdpDatagram p = d;
		p.carrier = UoaCarrier::None;
		p.zero_csum = false;
		std::string pay = "after";
		p.payload = reinterpret_cast<const uint8_t *>(pay.data());
		p.paylen = pay.size();
		send(p);
		Got g = recv_one(s4);
		result(n + "_consumed", g.ok && g.payload == pay,
		       g.ok ? "first datagram has " + std::to_string(g.payload.size()) + " bytes" : "none");
		Endpoint got;
		int e = lookup(s4.fd, AF_INET, d.src, any4, &got);
		result(n + "_mapped", !e && got == d.client, e ? std::strerror(e) : str(got));
		result(n + "_counted", stat("uoa_empty") == before + 1);
	}

	// A fragmented datagram (no conntrack, so no defragmentation before the hook): opp
	// is reassembled by the module to be stripped, ipo read from the first fragment.
	for (auto c : {UoaCarrier::Ipo, UoaCarrier::Opp}) {
		std::string n = c == UoaCarrier::Ipo ? "fragmented_ipo" : "fragmented_opp";
		drain(s4);
		UdpDatagram d;
		d.src = ep(c == UoaCarrier::Ipo ? "198.51.100.12:42010" : "198.51.100.12:42011");
		d.dst = ep("192.0.2.1:9000");
		d.carrier = c;
		d.client = ep("203.0.113.12:1210");
		std::string pay(600, 'f');
		d.payload = reinterpret_cast<const uint8_t *>(pay.data());
		d.paylen = pay.size();
		auto pkt = build_udp_datagram(d);
		bool sent = !pkt.empty();
		for (auto &f : fragment4(pkt, 304))
			sent = sent && tun.write(f.data(), f.size()) == ssize_t(f.size());
		Got g = recv_one(s4);
		result(n + "_delivered", sent && g.ok && g.payload == pay && !g.ip_options,
		       g.ok ? std::to_string(g.payload.size()) + " bytes" +
				      (g.ip_options ? ", IP options left" : "")
			    : "none");
		Endpoint got;
		int e = lookup(s4.fd, AF_INET, d.src, any4, &got);
		result(n + "_mapped", !e && got == d.client, e ? std::strerror(e) : str(got));
	}

	// Attackers and damage.
	bad_case("ipo_badlen", s4, UoaCarrier::Ipo, UoaMalformation::BadLen, true, "uoa_malformed");
	bad_case("opp_badlen", s4, UoaCarrier::Opp, UoaMalformation::BadLen, true, "uoa_malformed");
	bad_case("opp_overrun", s4, UoaCarrier::Opp, UoaMalformation::OptOverrun, true, "uoa_malformed");
	bad_case("opp_version", s4, UoaCarrier::Opp, UoaMalformation::OppVersion, true, "uoa_malformed");
	bad_case("opp_truncated", s4, UoaCarrier::Opp, UoaMalformation::OppTruncated, false, "uoa_dropped");
	bad_case("opp_short", s4, UoaCarrier::Opp, UoaMalformation::OppShort, false, "uoa_dropped");
	bad_case("opp_not_udp", s4, UoaCarrier::Opp, UoaMalformation::OppNotUdp, false, "uoa_dropped");

	// A second UOA option: the first (the load balancer's, written first) wins.
	for (auto c : {UoaCarrier::Ipo, UoaCarrier::Opp}) {
		std::string n = c == UoaCarrier::Ipo ? "second_uoa_ipo" : "second_uoa_opp";
		drain(s4);
		uint64_t before = stat("uoa_multi");
		UdpDatagram d;
		d.src = ep(c == UoaCarrier::Ipo ? "198.51.100.13:43000" : "198.51.100.13:43001");
		d.dst = ep("192.0.2.1:9000");
		d.carrier = c;
		d.client = ep("203.0.113.13:1300");
		d.second = ep("203.0.113.99:9999");
		std::string pay = "two";
		d.payload = reinterpret_cast<const uint8_t *>(pay.data());
		d.paylen = pay.size();
		send(d);
		Got g = recv_one(s4);
		Endpoint got;
		int e = lookup(s4.fd, AF_INET, d.src, any4, &got);
		result(n + "_first_wins", g.ok && !g.ip_options && !e && got == d.client,
		       e ? std::strerror(e) : str(got));
		result(n + "_counted", stat("uoa_multi") == before + 1);
	}

	// Untrusted sources: stripped and delivered, never mapped, counted.
	{
		write_param("trusted", "198.51.100.0/25,2001:db8:ff::/64");
		drain(s4);
		uint64_t before = stat("uoa_untrusted");
		UdpDatagram d;
		d.src = ep("198.51.100.200:44000");
		d.dst = ep("192.0.2.1:9000");
		d.carrier = UoaCarrier::Ipo;
		d.client = ep("203.0.113.14:1400");
		std::string pay = "spoof";
		d.payload = reinterpret_cast<const uint8_t *>(pay.data());
		d.paylen = pay.size();
		send(d);
		d.src.port++;
		d.carrier = UoaCarrier::Opp;
		send(d);
		Got a = recv_one(s4), b = recv_one(s4);
		result("untrusted_delivered", a.ok && b.ok && !a.ip_options);
		int e1 = lookup(s4.fd, AF_INET, d.src, any4, nullptr);
		d.src.port--;
		int e2 = lookup(s4.fd, AF_INET, d.src, any4, nullptr);
		result("untrusted_no_mapping", e1 == ENOENT && e2 == ENOENT);
		result("untrusted_counted", stat("uoa_untrusted") == before + 2,
		       std::to_string(stat("uoa_untrusted") - before));
		// An address-only datagram from an untrusted source is not consumed either.
		drain(s4);
		d.src.port += 2;
		d.payload = nullptr;
		d.paylen = 0;
		send(d);
		Got c = recv_one(s4);
		result("untrusted_empty_delivered", c.ok && c.payload.empty());
		// A trusted one still works.
		flow_case("trusted_after_list", s4, UoaCarrier::Opp, "198.51.100.14:44100",
			  "192.0.2.1:9000", "203.0.113.15:1500");
		write_param("trusted", "any");
	}

	// Errors of the getsockopt.
	{
		Endpoint c;
		int e = lookup(s4.fd, AF_INET, ep("198.51.100.10:40000"), any4, &c,
			       sizeof(uoa_param_map) - 1);
		result("lookup_short_buffer_einval", e == EINVAL, e ? std::strerror(e) : "answered");
		e = lookup(s4.fd, AF_INET, ep("198.51.100.99:1"), any4, &c);
		result("lookup_unknown_enoent", e == ENOENT, e ? std::strerror(e) : "answered");
		e = lookup(s4.fd, AF_INET, ep("198.51.100.10:40000"), ep("192.0.2.2:9000"), &c);
		result("lookup_other_daddr_enoent", e == ENOENT, e ? std::strerror(e) : "answered");
		e = lookup(s4.fd, 99, ep("198.51.100.10:40000"), any4, &c);
		result("lookup_bad_af_enoent", e == ENOENT, e ? std::strerror(e) : "answered");
		// An IPv6 (dual-stack) socket asks with IPv4-mapped addresses.
		Endpoint p = ep("[::ffff:198.51.100.10]:40000"), l = ep("[::]:9000");
		e = lookup(s6.fd, AF_INET6, p, l, &c);
		result("lookup_v4mapped", !e && c == ep("203.0.113.7:5555"),
		       e ? std::strerror(e) : str(c));
		e = lookup(s6.fd, AF_INET, ep("198.51.100.10:40000"), any4, &c);
		result("lookup_from_v6_socket", !e && c == ep("203.0.113.7:5555"),
		       e ? std::strerror(e) : str(c));
	}

	// The first N datagrams of a flow refresh one mapping; a 4-tuple reused by another
	// client after expiry (or by the load balancer at once) gets the new client.
	{
		UdpDatagram d;
		d.src = ep("198.51.100.15:45000");
		d.dst = ep("192.0.2.1:9000");
		d.carrier = UoaCarrier::Opp;
		d.client = ep("203.0.113.16:1600");
		std::string pay = "n";
		d.payload = reinterpret_cast<const uint8_t *>(pay.data());
		d.paylen = 1;
		for (int i = 0; i < 3; i++)
			send(d);
		toa_uoa_client_info ci;
		int e = rich(s4.fd, d.src, any4, &ci);
		result("first_n_one_mapping", !e && ci.packets == 3, "packets=" + std::to_string(ci.packets));
		uint64_t rep = stat("uoa_replaced");
		d.client = ep("203.0.113.17:1700");
		send(d);
		Endpoint got;
		e = lookup(s4.fd, AF_INET, d.src, any4, &got);
		result("reuse_new_client", !e && got == d.client && stat("uoa_replaced") == rep + 1,
		       e ? std::strerror(e) : str(got));
		drain(s4);

		write_param("uoa_timeout", "2");
		uint64_t exp = stat("uoa_expired");
		std::this_thread::sleep_for(std::chrono::milliseconds(2600));
		e = lookup(s4.fd, AF_INET, d.src, any4, &got);
		result("expired_enoent", e == ENOENT, e ? std::strerror(e) : "still " + str(got));
		for (int i = 0; i < 80 && stat("uoa_expired") == exp; i++)
			std::this_thread::sleep_for(std::chrono::milliseconds(100));
		result("expired_counted", stat("uoa_expired") > exp,
		       std::to_string(stat("uoa_expired") - exp));
		d.client = ep("203.0.113.18:1800");
		send(d);
		e = lookup(s4.fd, AF_INET, d.src, any4, &got);
		result("reuse_after_expiry", !e && got == d.client, e ? std::strerror(e) : str(got));
		write_param("uoa_timeout", "360");
		drain(s4);
	}

	// A full table: counted, not grown.
	{
		write_param("uoa_max", "0");
		uint64_t full = stat("uoa_full");
		UdpDatagram d;
		d.src = ep("198.51.100.16:46000");
		d.dst = ep("192.0.2.1:9000");
		d.carrier = UoaCarrier::Ipo;
		d.client = ep("203.0.113.19:1900");
		std::string pay = "f";
		d.payload = reinterpret_cast<const uint8_t *>(pay.data());
		d.paylen = 1;
		send(d);
		Got g = recv_one(s4);
		int e = lookup(s4.fd, AF_INET, d.src, any4, nullptr);
		result("full_delivered_not_mapped", g.ok && !g.ip_options && e == ENOENT);
		result("full_counted", stat("uoa_full") == full + 1);
		write_param("uoa_max", "65536");
	}

	// uoa=N at run time: the hooks leave everything alone.
	{
		write_param("uoa", "N");
		UdpDatagram d;
		d.src = ep("198.51.100.17:47000");
		d.dst = ep("192.0.2.1:9000");
		d.carrier = UoaCarrier::Ipo;
		d.client = ep("203.0.113.20:2000");
		std::string pay = "off";
		d.payload = reinterpret_cast<const uint8_t *>(pay.data());
		d.paylen = 3;
		send(d);
		Got g = recv_one(s4);
		int e = lookup(s4.fd, AF_INET, d.src, any4, nullptr);
		result("uoa_off_untouched", g.ok && g.ip_options && e == ENOENT);
		write_param("uoa", "Y");
	}
	return failures ? 1 : 0;
}

int netns_cases()
{
	Server s4(AF_INET, 9000), s6(AF_INET6, 9001);
	basic_cases("netns_", s4, s6);
	return failures ? 1 : 0;
}

// Datagrams (UOA, address-only, plain) and lookups while the module comes and goes.
int load(int seconds)
{
	Server s4(AF_INET, 9000);
	auto end = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
	unsigned long sent = 0, found = 0, missing = 0, nomod = 0, wrong = 0;
	uint16_t port = 20000;
	while (std::chrono::steady_clock::now() < end) {
		UdpDatagram d;
		d.src = Endpoint{*Addr::parse("198.51.100.20"), port};
		d.dst = ep("192.0.2.1:9000");
		d.carrier = port % 2 ? UoaCarrier::Opp : UoaCarrier::Ipo;
		d.client = Endpoint{Addr::v4(0xcb007100 | (port % 200)), static_cast<uint16_t>(port + 1)};
		std::string pay = "x";
		if (port % 5) {
			d.payload = reinterpret_cast<const uint8_t *>(pay.data());
			d.paylen = 1;
		}
		send(d);
		sent++;
		drain(s4);
		Endpoint got;
		int e = lookup(s4.fd, AF_INET, d.src, any4, &got);
		if (!e)
			(got == d.client ? found : wrong)++;
		else if (e == ENOENT)
			missing++;
		else if (e == ENOPROTOOPT)
			nomod++;
		else
			wrong++;
		if (++port > 60000)
			port = 20000;
	}
	std::printf("load: sent=%lu found=%lu missing=%lu nomodule=%lu wrong=%lu\n", sent, found,
		    missing, nomod, wrong);
	result("load_no_wrong_answer", wrong == 0, "wrong=" + std::to_string(wrong));
	// While the module was loaded (every answer but ENOPROTOOPT) it must have answered:
	// how long it was loaded depends on the machine's speed, not on the module.
	result("load_answers", found > 0 && found >= (sent - nomod) * 9 / 10,
	       "found=" + std::to_string(found) + " of " + std::to_string(sent - nomod));
	return failures ? 1 : 0;
}


// The cost (tests/bench/udp.sh, under vm.sh --icount: guest ns = instructions). Prints
// BENCH <metric> <phase> <round> <ns per operation>.
double now_ns()
{
	timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

void bench_line(const char *metric, const char *phase, int round, double v)
{
	std::printf("BENCH %s %s %d %.2f\n", metric, phase, round, v);
	std::fflush(stdout);
}

// Datagrams written into the TUN in batches and read by the server: per datagram.
double rate(const Server &srv, UoaCarrier c, int count, int flows, uint16_t base)
{
	std::string pay(64, 'p');
	std::vector<std::vector<uint8_t>> pkts;
	for (int i = 0; i < flows; i++) {
		UdpDatagram d;
		d.src = Endpoint{Addr::v4(0xc6336400 | (1 + i / 60000)), static_cast<uint16_t>(base + i % 60000)};
		d.dst = ep("192.0.2.1:9000");
		d.carrier = c;
		d.client = Endpoint{Addr::v4(0xcb007100 | (i % 250)), 7000};
		d.payload = reinterpret_cast<const uint8_t *>(pay.data());
		d.paylen = pay.size();
		pkts.push_back(build_udp_datagram(d));
	}
	char buf[2048];
	double t0 = now_ns();
	int got = 0;
	for (int i = 0; i < count; i += 32) {
		for (int k = 0; k < 32; k++) {
			auto &p = pkts[(i + k) % flows];
			tun.write(p.data(), p.size());
		}
		for (int k = 0; k < 32; k++)
			if (recv(srv.fd, buf, sizeof buf, 0) > 0)
				got++;
	}
	double t = now_ns() - t0;
	if (got < count * 9 / 10)
		result(std::string("bench_rate_received_") + std::to_string(int(c)), false,
		       std::to_string(got) + " of " + std::to_string(count));
	return t / count;
}

// Lookups of random mappings among @flows made before (DPVS's getsockopt).
double lookups(const Server &srv, int flows, int calls, uint16_t base)
{
	uint32_t x = 12345;
	double t0 = now_ns();
	int ok = 0;
	for (int i = 0; i < calls; i++) {
		x = x * 1103515245 + 12345;
		int f = (x >> 8) % flows;
		Endpoint peer{Addr::v4(0xc6336400 | (1 + f / 60000)), static_cast<uint16_t>(base + f % 60000)};
		uoa_param_map m{};
		m.af = AF_INET;
		std::memcpy(m.saddr, peer.addr.b, 4);
		m.sport = htons(peer.port);
		m.dport = htons(9000);
		socklen_t len = sizeof m;
		if (!getsockopt(srv.fd, IPPROTO_IP, UOA_SO_GET_LOOKUP, &m, &len))
			ok++;
	}
	double t = now_ns() - t0;
	if (ok != calls)
		result("bench_lookup_found_" + std::to_string(flows), false,
		       std::to_string(ok) + " of " + std::to_string(calls));
	return t / calls;
}

int bench(const std::string &phase, int round, int count, const std::string &sizes, int calls)
{
	Server s4(AF_INET, 9000);
	int bufsz = 1 << 22;
	setsockopt(s4.fd, SOL_SOCKET, SO_RCVBUF, &bufsz, sizeof bufsz);
	fcntl(s4.fd, F_SETFL, 0); // blocking reads: every datagram of a batch is there
	timeval tv{1, 0};         // ... or a second, and the datagram is counted missing
	setsockopt(s4.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	rate(s4, UoaCarrier::None, 256, 1, 1000); // warm-up
	bench_line("udp_plain", phase.c_str(), round, rate(s4, UoaCarrier::None, count, 1000, 1000));
	// without the module, and beside conntrack and NAT (phases *_ct): plain datagrams only
	if (phase.rfind("without", 0) == 0 || phase.find("_ct") != std::string::npos)
		return failures ? 1 : 0;
	bench_line("udp_ipo", phase.c_str(), round, rate(s4, UoaCarrier::Ipo, count, 1000, 1000));
	bench_line("udp_opp", phase.c_str(), round, rate(s4, UoaCarrier::Opp, count, 1000, 1000));
	// For comparison, a getsockopt the kernel answers without the module's table.
	{
		double t0 = now_ns();
		for (int i = 0; i < calls; i++) {
			int v;
			socklen_t l = sizeof v;
			getsockopt(s4.fd, SOL_SOCKET, SO_RCVBUF, &v, &l);
		}
		bench_line("getsockopt_plain", phase.c_str(), round, (now_ns() - t0) / calls);
	}
	std::istringstream is(sizes);
	std::string tok;
	while (std::getline(is, tok, ',')) {
		int flows = std::stoi(tok);
		rate(s4, UoaCarrier::Opp, flows, flows, 2000); // make the mappings
		bench_line(("uoa_lookup_" + tok).c_str(), phase.c_str(), round,
			   lookups(s4, flows, calls, 2000));
	}
	return failures ? 1 : 0;
}
} // namespace

int main(int argc, char **argv)
{
	std::string cmd = argc > 1 ? argv[1] : "cases";
	TunConfig cfg;
	cfg.name = "uoa0";
	std::string err;
	if (!tun.open(cfg, &err)) {
		result("tun_open", false, err);
		return 1;
	}
	std::this_thread::sleep_for(std::chrono::milliseconds(200));
	if (cmd == "cases")
		return cases();
	if (cmd == "netns")
		return netns_cases();
	if (cmd == "bench")
		return bench(argc > 2 ? argv[2] : "with", argc > 3 ? std::atoi(argv[3]) : 1,
			     argc > 4 ? std::atoi(argv[4]) : 20000, argc > 5 ? argv[5] : "1000",
			     argc > 6 ? std::atoi(argv[6]) : 20000);
	if (cmd == "load")
		return load(argc > 2 ? std::atoi(argv[2]) : 20);
	std::fprintf(stderr, "usage: toa-udp-e2e cases|netns|load SECONDS\n");
	return 2;
}
