// SPDX-License-Identifier: MIT
//
// toa-lbsim-udp: the simulator's UDP full NAT as a command. Opens a TUN device (the
// simulator's addressing: the server on 192.0.2.1 and 2001:db8::1, the load balancers
// and clients routed into the TUN) and writes datagrams as DPVS sends them to a
// backend, with the client in a UOA carrier.
//
//   toa-lbsim-udp --lb EP --server EP --client EP [--carrier ipo|opp|none]
//                 [--payload TEXT | --empty] [--count N] [--second EP]
//                 [--bad bad-len|opt-overrun|opp-truncated|opp-short|opp-not-udp|opp-version]
//                 [--tun NAME [--no-config]] [--wait-ms MS]
//
// --count N sends N datagrams of the flow (DPVS's first-N behaviour; default 1);
// --empty sends the address-only datagram (no payload; UDP checksum 0 over IPv4);
// --no-config attaches to a configured (persistent) device as it is, e.g. the one of
// `toa-lbsim setup --persist`.
#include "udp.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

using namespace toa::lbsim;

static int usage()
{
	std::fprintf(stderr,
		     "usage: toa-lbsim-udp --lb EP --server EP --client EP [--carrier ipo|opp|none]\n"
		     "       [--payload TEXT | --empty] [--count N] [--second EP] [--bad KIND]\n"
		     "       [--tun NAME [--no-config]] [--wait-ms MS]\n");
	return 2;
}

int main(int argc, char **argv)
{
	UdpDatagram d;
	d.carrier = UoaCarrier::Opp;
	std::string payload = "hello", tun_name = "toaudp0";
	bool empty = false, configure = true;
	int count = 1, wait_ms = 200;
	for (int i = 1; i < argc; i++) {
		std::string a = argv[i];
		auto val = [&]() -> const char * { return i + 1 < argc ? argv[++i] : nullptr; };
		const char *v = nullptr;
		auto endpoint = [&](Endpoint &e) {
			auto p = (v = val()) ? Endpoint::parse(v) : std::nullopt;
			if (!p) {
				std::fprintf(stderr, "toa-lbsim-udp: bad endpoint for %s\n", a.c_str());
				std::exit(2);
			}
			e = *p;
		};
		if (a == "--lb") {
			endpoint(d.src);
		} else if (a == "--server") {
			endpoint(d.dst);
		} else if (a == "--client") {
			endpoint(d.client);
		} else if (a == "--second") {
			Endpoint e;
			endpoint(e);
			d.second = e;
		} else if (a == "--carrier" && (v = val())) {
			auto c = parse_uoa_carrier(v);
			if (!c)
				return usage();
			d.carrier = *c;
		} else if (a == "--bad" && (v = val())) {
			auto b = parse_uoa_malformation(v);
			if (!b)
				return usage();
			d.bad = *b;
		} else if (a == "--payload" && (v = val())) {
			payload = v;
		} else if (a == "--empty") {
			empty = true;
		} else if (a == "--count" && (v = val())) {
			count = std::atoi(v);
		} else if (a == "--tun" && (v = val())) {
			tun_name = v;
		} else if (a == "--no-config") {
			configure = false;
		} else if (a == "--wait-ms" && (v = val())) {
			wait_ms = std::atoi(v);
		} else {
			return usage();
		}
	}
	if (d.src.addr.empty() || d.dst.addr.empty() ||
	    (d.carrier != UoaCarrier::None && d.client.addr.empty()))
		return usage();
	if (!empty) {
		d.payload = reinterpret_cast<const uint8_t *>(payload.data());
		d.paylen = payload.size();
	} else {
		d.zero_csum = true;
	}
	auto pkt = build_udp_datagram(d);
	if (pkt.empty()) {
		std::fprintf(stderr, "toa-lbsim-udp: cannot build that datagram (ipo needs IPv4)\n");
		return 1;
	}
	Tun tun;
	TunConfig cfg;
	cfg.name = tun_name;
	cfg.configure = configure;
	std::string err;
	if (!tun.open(cfg, &err)) {
		std::fprintf(stderr, "toa-lbsim-udp: %s\n", err.c_str());
		return 1;
	}
	std::this_thread::sleep_for(std::chrono::milliseconds(wait_ms)); // addresses settle
	for (int i = 0; i < count; i++)
		if (tun.write(pkt.data(), pkt.size()) != static_cast<ssize_t>(pkt.size())) {
			std::perror("toa-lbsim-udp: write");
			return 1;
		}
	std::printf("sent %d datagram(s) of %zu bytes %s -> %s\n", count, pkt.size(),
		    d.src.str().c_str(), d.dst.str().c_str());
	std::this_thread::sleep_for(std::chrono::milliseconds(wait_ms)); // delivered
	return 0;
}
