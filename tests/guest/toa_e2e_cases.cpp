// SPDX-License-Identifier: MIT
// toa-e2e: the suites made of single connections (run_case), and the ones that hold
// connections open across an rmmod.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "toa/toa.hpp"
#include "toa_e2e.hpp"

namespace toa::e2e {

struct Fmt {
	Format f;
	const char *name; // "254_8"
	bool v6, on_by_default;
};

#define E2E_FMT_(id, kind, len, family, on) {Format::F##id, #id, (family) == 6, (on) != 0},
const Fmt kFormats[] = {TOA_FORMATS(E2E_FMT_)};
#undef E2E_FMT_

Endpoint client_for(const Fmt &f)
{
	Endpoint c = f.v6 ? kClient6 : kClient4;
	if (f.f == Format::F28_7)
		c.port = 0;
	return c;
}

// Every format x every position, on the IPv4 server (IPv6 formats there are NAT64).
void suite_formats()
{
	set_param("formats", "all");
	set_read_syn(true); // every position: as for LVS FULLNAT and Alibaba CDN
	for (const Fmt &f : kFormats) {
		OptionList one = {OptionSpec::toa(f.f, client_for(f))};
		for (const char *pos : {"syn", "ack", "data", "syn_ack", "ack_data"}) {
			Case k;
			k.name = std::string("format_") + f.name + "_" + pos;
			k.server = &g.s4;
			k.enabled = TOA_FMT_ALL;
			std::string p = pos;
			if (p.find("syn") != std::string::npos)
				k.syn = one;
			if (p.find("ack") != std::string::npos)
				k.ack = one;
			if (p.find("data") != std::string::npos)
				k.data = one;
			if (p == "data")
				k.pure_ack = false; // the data segment completes the handshake
			run_case(k);
		}
	}
	// By default (syn off) an option on the SYN is the client's, never read: the load
	// balancer's word is the option of the packet that completes the handshake.
	set_read_syn(false);
	for (const Fmt &f : kFormats) {
		OptionList one = {OptionSpec::toa(f.f, client_for(f))};
		for (const char *pos : {"syn", "syn_ack"}) {
			Case k;
			k.name = std::string("syn_off_format_") + f.name + "_" + pos;
			k.server = &g.s4;
			k.enabled = TOA_FMT_ALL;
			k.syn = one;
			if (std::string(pos) == "syn_ack")
				k.ack = one;
			run_case(k);
		}
	}
	// A client's own option on the SYN never outranks the load balancer's later one,
	// with syn on or off; with syn off it never surfaces, even without a later one.
	for (bool syn_on : {false, true}) {
		set_read_syn(syn_on);
		const std::string mode = syn_on ? "syn_on_" : "syn_off_";
		const Endpoint forged = ep("192.0.2.66:6666");
		Case k;
		k.server = &g.s4;
		k.syn = {OptionSpec::toa(Format::F200_8, forged)};
		k.name = mode + "forged_syn_genuine_ack";
		k.ack = {OptionSpec::toa(Format::F200_8, kClient4)};
		run_case(k);
		k.name = mode + "forged_syn_genuine_data";
		k.ack = {};
		k.data = {OptionSpec::toa(Format::F200_8, kClient4)};
		k.pure_ack = false;
		run_case(k);
		k.name = mode + "forged_syn_no_ack_option_late_data";
		k.pure_ack = true; // the ACK completes it without an option; data comes later
		run_case(k);
		k.name = mode + "forged_syn_ipv6_genuine_ack";
		k.syn = {OptionSpec::toa(Format::F254_20, ep("[2001:db8:bad::6]:6666"))};
		k.ack = {OptionSpec::toa(Format::F254_20, kClient6)};
		k.data = {};
		run_case(k);
	}
	// Kind 254 with ExID 0xF989 on a SYN is TCP Fast Open's cookie (RFC 7413, 4 and 16
	// bytes: lengths 8 and 20, as 254/8 and 254/20), never a client address.
	set_read_syn(true);
	for (int cookie : {4, 16}) {
		std::vector<uint8_t> tfo = {254, uint8_t(4 + cookie), 0xF9, 0x89};
		for (int i = 0; i < cookie; i++)
			tfo.push_back(uint8_t(0x11 * (i + 1)));
		Case k;
		k.server = cookie == 4 ? &g.s4 : &g.s6;
		k.lb = cookie == 4 ? kLb4 : kLb6;
		k.name = "tfo_cookie_" + std::to_string(cookie) + "_on_syn_is_no_address";
		k.syn = {OptionSpec::raw(tfo)};
		Want w;
		run_case(k, true, &w);
		if (w.toa)
			result(k.name + "_expectation", false, "simulator expected a TOA");
		// After the SYN, 0xF989 is a port like any other.
		k.name = "tfo_exid_on_ack_is_port_" + std::to_string(cookie);
		k.syn = {};
		k.ack = {OptionSpec::raw(tfo)};
		run_case(k);
	}
	set_read_syn(false);
	// The option on a data segment after the pure ACK completed the handshake is not
	// read: nothing after connection setup is looked at.
	{
		Case k;
		k.name = "late_data_option_ignored";
		k.server = &g.s4;
		k.data = {OptionSpec::toa(Format::F200_8, kClient4)};
		Want w;
		run_case(k, true, &w);
		if (w.toa)
			result("late_data_option_expectation", false, "simulator expected a TOA");
	}
	// Off-by-default formats are ignored with the default parameter.
	set_param("formats", "default");
	for (const Fmt &f : kFormats) {
		if (f.on_by_default)
			continue;
		Case k;
		k.name = std::string("default_ignores_") + f.name;
		k.server = &g.s4;
		k.ack = {OptionSpec::toa(f.f, client_for(f))};
		run_case(k);
	}
	// The formats parameter selects kinds: 200 only.
	set_param("formats", "200/8");
	{
		Case k;
		k.name = "formats_param_excludes_254";
		k.server = &g.s4;
		k.enabled = TOA_FMT_BIT(TOA_FMT_200_8);
		k.ack = {OptionSpec::toa(Format::F254_8, kClient4)};
		run_case(k);
		k.name = "formats_param_keeps_200";
		k.ack = {OptionSpec::toa(Format::F200_8, kClient4)};
		run_case(k);
	}
	set_param("formats", "default");
}

// IPv4, IPv6, NAT64 and dual-stack sockets.
void suite_families()
{
	struct F {
		const char *name;
		const Server *srv;
		Endpoint lb;
		Format f;
		Endpoint client;
	};
	const F cases[] = {
		{"v4_client_v4_socket", &g.s4, kLb4, Format::F200_8, kClient4},
		{"v6_client_v6_socket", &g.s6, kLb6, Format::F254_20, kClient6},
		{"v6_client_v6_socket_253", &g.s6, kLb6, Format::F253_20, kClient6},
		{"v4_client_v6_socket", &g.s6, kLb6, Format::F254_8, kClient4},
		{"nat64_v6_client_v4_socket", &g.s4, kLb4, Format::F253_20, kClient6},
		{"nat64_dpvs_v6_client_v4_socket", &g.s4, kLb4, Format::F254_20, kClient6},
		{"dualstack_v4_client", &g.sds, kLb4, Format::F200_8, kClient4},
		{"dualstack_v6_client_v4_conn", &g.sds, kLb4, Format::F253_20, kClient6},
	};
	for (const F &f : cases) {
		for (bool toa : {true, false}) {
			Case k;
			k.name = std::string(f.name) + (toa ? "" : "_no_toa");
			k.server = f.srv;
			k.lb = f.lb;
			if (toa)
				k.ack = {OptionSpec::toa(f.f, f.client)};
			run_case(k);
		}
	}
}

void suite_malformed()
{
	const struct {
		Malformation m;
		const char *name;
	} ms[] = {
		{Malformation::Len0, "len0"},
		{Malformation::Len1, "len1"},
		{Malformation::Truncated, "truncated"},
		{Malformation::BadLen, "badlen"},
		{Malformation::Forged, "forged_after_real"},
		{Malformation::EolBefore, "eol_before"},
		{Malformation::NopBefore, "nop_before"},
		{Malformation::Len0After, "len0_after"},
		{Malformation::TruncatedAfter, "truncated_after"},
	};
	for (const auto &m : ms) {
		for (const char *pos : {"syn", "ack"}) {
			Case k;
			k.name = std::string("malformed_") + m.name + "_" + pos;
			k.server = &g.s4;
			OptionList l = make_option_list(Format::F200_8, kClient4, m.m,
							ep("192.0.2.66:6666"));
			(std::string(pos) == "syn" ? k.syn : k.ack) = l;
			run_case(k);
		}
	}
	// A forged option on the client's own packet after the load balancer's: first wins,
	// also across formats (254 real, 200 forged).
	Case k;
	k.name = "first_option_wins_across_kinds";
	k.server = &g.s4;
	k.ack = {OptionSpec::toa(Format::F254_8, kClient4),
		 OptionSpec::toa(Format::F200_8, ep("192.0.2.66:6666"))};
	run_case(k);
	long long mal = stat_total("malformed");
	result("malformed_counted", mal > 0, "malformed=" + std::to_string(mal));
}

void suite_trust()
{
	long long before = stat_total("untrusted");
	set_param("trusted", "198.51.100.0/24,2001:db8:ff::/48");
	{
		Case k;
		k.name = "trusted_v4_source";
		k.server = &g.s4;
		k.ack = {OptionSpec::toa(Format::F200_8, kClient4)};
		run_case(k);
		k.name = "trusted_v6_source";
		k.server = &g.s6;
		k.lb = kLb6;
		k.ack = {OptionSpec::toa(Format::F254_20, kClient6)};
		run_case(k);
	}
	set_param("trusted", "198.51.100.128/25,2001:db8:fe::/48");
	{
		Case k;
		k.name = "untrusted_v4_source_ignored";
		k.server = &g.s4;
		k.ack = {OptionSpec::toa(Format::F200_8, kClient4)};
		k.force_no_toa = 1;
		run_case(k);
		k.name = "untrusted_v6_source_ignored";
		k.server = &g.s6;
		k.lb = kLb6;
		k.ack = {OptionSpec::toa(Format::F254_20, kClient6)};
		run_case(k);
		k.name = "untrusted_syn_ignored";
		k.server = &g.s4;
		k.lb = kLb4;
		k.ack.clear();
		k.syn = {OptionSpec::toa(Format::F254_8, kClient4)};
		set_read_syn(true); // SYNs are read (and so judged) only with syn on
		run_case(k);
		set_read_syn(false);
	}
	long long after = stat_total("untrusted");
	result("untrusted_counted", after - before >= 3,
	       "untrusted " + std::to_string(before) + " -> " + std::to_string(after));
	set_param("trusted", "any");
	{
		Case k;
		k.name = "empty_trusted_list_accepts_all";
		k.server = &g.s4;
		k.ack = {OptionSpec::toa(Format::F200_8, kClient4)};
		run_case(k);
	}
	set_param("trusted", "300.1.2.3/33");
	std::ifstream f("/sys/module/toa/parameters/trusted");
	std::string cur;
	std::getline(f, cur);
	result("bad_trusted_param_rejected", cur == "any", "trusted=" + cur);
}

void suite_cookies()
{
	long long before = tcpext("SyncookiesRecv");
	if (!Tun::sysctl("/proc/sys/net/ipv4/tcp_syncookies", "2"))
		result("syncookies_sysctl", false, "cannot set net.ipv4.tcp_syncookies");
	for (const char *pos : {"ack", "data", "syn_ack"}) {
		for (bool v6 : {false, true}) {
			Case k;
			k.name = std::string("syncookies_") + pos + (v6 ? "_v6" : "_v4");
			k.server = v6 ? &g.s6 : &g.s4;
			k.lb = v6 ? kLb6 : kLb4;
			OptionList one = {v6 ? OptionSpec::toa(Format::F254_20, kClient6)
					     : OptionSpec::toa(Format::F200_8, kClient4)};
			std::string p = pos;
			if (p.find("syn") != std::string::npos)
				k.syn = one;
			if (p.find("ack") != std::string::npos)
				k.ack = one;
			k.syn_or_ack = true;
			if (p == "data") {
				k.data = one;
				k.pure_ack = false;
			}
			run_case(k);
		}
	}
	Tun::sysctl("/proc/sys/net/ipv4/tcp_syncookies", "1");
	long long after = tcpext("SyncookiesRecv");
	result("syncookies_were_used", after - before >= 6,
	       "SyncookiesRecv " + std::to_string(before) + " -> " + std::to_string(after));
}

void suite_transparent()
{
	set_param("transparent", "0");
	Case k;
	k.name = "transparent_off_getpeername_is_lb";
	k.server = &g.s4;
	k.transparent = false;
	k.ack = {OptionSpec::toa(Format::F200_8, kClient4)};
	run_case(k);
	k.name = "transparent_off_v6";
	k.server = &g.s6;
	k.lb = kLb6;
	k.ack = {OptionSpec::toa(Format::F254_20, kClient6)};
	run_case(k);
	set_param("transparent", "1");
	k.name = "transparent_back_on";
	k.transparent = true;
	run_case(k);
}

// libtoa's lookup on real TOA sockets (and without TOA): origin, client, option, lb.
void suite_libtoa()
{
	auto check = [](int fd, const Want &w, const Conn &c) -> std::string {
		auto r = toa::get_client(fd);
		if (!r)
			return " get_client: " + r.error().message();
		std::string got = toa::format(r->address).c_str();
		std::string lb = r->lb.empty() ? "-" : toa::format(r->lb).c_str();
		std::ostringstream bad;
		if (w.toa) {
			if (r->origin != toa::origin::option)
				bad << " origin=" << toa::format_origin(*r).c_str();
			if (got != w.client.str())
				bad << " client=" << got << " want " << w.client.str();
			if (r->kind != w.kind || r->length != w.len || uint8_t(r->packet) != w.packet)
				bad << " option " << int(r->kind) << "/" << int(r->length) << " packet "
				    << int(r->packet);
			if (lb != c.lb().str())
				bad << " lb=" << lb << " want " << c.lb().str();
		} else {
			if (r->origin != toa::origin::peer)
				bad << " origin=" << toa::format_origin(*r).c_str() << " want peer";
			if (got != c.lb().str())
				bad << " client=" << got << " want the peer " << c.lb().str();
			if (r->kmod != toa::kmod::toa || !r->lb.empty() || r->format != TOA_FORMAT_NONE)
				bad << " kmod/lb/format of the peer answer";
		}
		// The raw ABI: without TOA_CI_WANT_PEER a socket without TOA is ENOENT; with it,
		// the peer in one call, flagged; a TOA answer is never flagged.
		toa_client_info ci{};
		socklen_t cl = sizeof(ci);
		int rc = getsockopt(fd, IPPROTO_IP, TOA_SO_GET_CLIENT, &ci, &cl);
		if (!w.toa && (rc == 0 || errno != ENOENT))
			bad << " plain GET_CLIENT without TOA: rc=" << rc << " errno=" << errno;
		ci = toa_client_info{};
		ci.flags = TOA_CI_WANT_PEER;
		cl = sizeof(ci);
		rc = getsockopt(fd, IPPROTO_IP, TOA_SO_GET_CLIENT, &ci, &cl);
		if (rc != 0 || cl != sizeof(ci))
			bad << " GET_CLIENT with WANT_PEER: rc=" << rc << " errno=" << errno;
		else if (w.toa ? ci.flags != 0 : ci.flags != TOA_CI_PEER || ci.lb_family != 0 ||
						  ci.kind != 0 || ci.format != 0xff)
			bad << " GET_CLIENT with WANT_PEER: flags " << ci.flags << " lb_family "
			    << int(ci.lb_family) << " kind " << int(ci.kind) << " format "
			    << int(ci.format);
		return bad.str();
	};
	struct L {
		const char *name;
		const Server *srv;
		Endpoint lb;
		bool toa;
		Format f;
		Endpoint client;
	};
	const L cases[] = {
		{"libtoa_v4", &g.s4, kLb4, true, Format::F200_8, kClient4},
		{"libtoa_v6", &g.s6, kLb6, true, Format::F254_20, kClient6},
		{"libtoa_nat64", &g.s4, kLb4, true, Format::F253_20, kClient6},
		{"libtoa_dualstack_v4", &g.sds, kLb4, true, Format::F254_8, kClient4},
		{"libtoa_no_toa_v4", &g.s4, kLb4, false, Format::F200_8, kClient4},
		{"libtoa_no_toa_v6", &g.s6, kLb6, false, Format::F200_8, kClient4},
		{"libtoa_no_toa_dualstack_v4", &g.sds, kLb4, false, Format::F200_8, kClient4},
	};
	for (const L &l : cases) {
		Case k;
		k.name = l.name;
		k.server = l.srv;
		k.lb = l.lb;
		if (l.toa)
			k.ack = {OptionSpec::toa(l.f, l.client)};
		run_case(k, true, nullptr, check);
	}
	// A listener is not a connection: ENOENT even with WANT_PEER, and libtoa says so.
	toa_client_info ci{};
	ci.flags = TOA_CI_WANT_PEER;
	socklen_t cl = sizeof(ci);
	int rc = getsockopt(g.s4.fd, IPPROTO_IP, TOA_SO_GET_CLIENT, &ci, &cl);
	int err = errno;
	toa_client tc;
	int lrc = toa_get_client(g.s4.fd, &tc);
	result("libtoa_listener_want_peer", rc != 0 && err == ENOENT && lrc == TOA_E_LISTENING,
	       "rc=" + std::to_string(rc) + " errno=" + std::to_string(err) +
		       " toa_get_client=" + std::to_string(lrc));
}

// 10,000 connections (by default) alternating with and without TOA, each with its own
// client: sockets are freed and their memory reused all the time.
void suite_mass(int count)
{
	int bad = 0;
	for (int i = 0; i < count && bad < 5; i++) {
		Case k;
		k.name = "mass_" + std::to_string(i);
		k.server = (i % 4 < 2) ? &g.s4 : &g.s6;
		k.lb = (i % 4 < 2) ? kLb4 : kLb6;
		if (i % 2 == 0) {
			Endpoint c = kClient4;
			c.addr.b[3] = uint8_t(1 + (i / 2) % 250);
			c.port = uint16_t(10000 + i / 2 % 50000);
			k.ack = {OptionSpec::toa(k.server == &g.s4 ? Format::F200_8 : Format::F254_8,
						 c)};
		}
		if (!run_case(k, false))
			bad++;
	}
	result("mass_" + std::to_string(count) + "_alternating", bad == 0,
	       bad ? std::to_string(bad) + " wrong" : "");
}

// Opens TOA connections (IPv4, IPv6, NAT64), prints READY, waits for /tmp/go. With
// after_unload (the script removed the module meanwhile) it then checks the sockets
// work as without the module; else it just closes them.
void suite_hold(int count, bool after_unload)
{
	struct Open {
		std::unique_ptr<Conn> c;
		int fd;
		const Server *srv;
	};
	std::vector<Open> open;
	for (int i = 0; i < count; i++) {
		const Server *srv = i % 3 == 1 ? &g.s6 : &g.s4;
		bool nat64 = i % 3 == 2;
		ConnConfig cc;
		cc.lb = srv == &g.s6 ? kLb6 : kLb4;
		cc.server = srv->addr;
		Endpoint client = srv == &g.s6 || nat64 ? kClient6 : kClient4;
		client.port = uint16_t(client.port + i);
		Format f = nat64 ? Format::F253_20 : srv == &g.s6 ? Format::F254_20 : Format::F200_8;
		cc.ack_opts = {OptionSpec::toa(f, client)};
		auto c = std::make_unique<Conn>(*g.st, cc);
		sockaddr_storage acc{};
		socklen_t alen;
		if (!c->start() || !g.st->run_until([&] { return c->established(); }, 3000))
			break;
		int fd = accept_wait(srv->fd, &acc, &alen);
		if (fd < 0)
			break;
		if (sockaddr_str(acc) != as_seen_by(srv->family, nat64 ? cc.lb : client) && !nat64) {
			result("hold_before_unload", false, "accept gave " + sockaddr_str(acc));
			return;
		}
		open.push_back({std::move(c), fd, srv});
	}
	result("hold_open_" + std::to_string(count), int(open.size()) == count,
	       std::to_string(open.size()) + " open");
	std::printf("READY\n");
	std::fflush(stdout);
	struct stat sb;
	for (int i = 0; i < 60000 && stat("/tmp/go", &sb); i += 20)
		g.st->poll(20);
	if (!after_unload) {
		for (auto &o : open) {
			::close(o.fd);
			o.c->close_fin(3000, false);
		}
		g.st->poll(50);
		return;
	}
	int bad = 0;
	std::string why;
	for (auto &o : open) {
		sockaddr_storage ss{};
		socklen_t len = sizeof(ss);
		getpeername(o.fd, reinterpret_cast<sockaddr *>(&ss), &len);
		if (sockaddr_str(ss) != as_seen_by(o.srv->family, o.c->lb())) {
			bad++;
			why = "getpeername " + sockaddr_str(ss);
		}
		toa_client_info ci{};
		socklen_t cl = sizeof(ci);
		if (getsockopt(o.fd, IPPROTO_IP, TOA_SO_GET_CLIENT, &ci, &cl) == 0 ||
		    errno != ENOPROTOOPT) {
			bad++;
			why = "getsockopt without module";
		}
		// Data both ways, then an orderly close.
		if (write(o.fd, "pong", 4) != 4) {
			bad++;
			why = "write";
		}
		std::string got;
		if (!o.c->send("ping") || !o.c->recv(got, 4, 2000) || got != "pong") {
			bad++;
			why = "data after unload";
		}
		char buf[8];
		for (int i = 0; i < 100 && read(o.fd, buf, sizeof(buf)) != 4; i++)
			g.st->poll(5);
		::close(o.fd);
		if (!o.c->close_fin(3000)) {
			bad++;
			why = std::string("close ") + state_name(o.c->state());
		}
	}
	open.clear();
	result("hold_sockets_work_after_unload", bad == 0, why);
}

// Handshakes with seeded random option lists on the SYN, the ACK and the first data
// segment, half from an untrusted load balancer: every address the server sees must be
// the first valid TOA option of that very connection (or none), nothing else.
void suite_random(int count, uint64_t seed)
{
	set_param("formats", "all");
	set_param("trusted", "198.51.100.0/25,2001:db8:ff::/49");
	const Endpoint untrusted4 = ep("198.51.100.200:0"), untrusted6 = ep("[2001:db8:ff:8000::2]:0");
	Rng rng(seed);
	RandomConfig rcfg;
	rcfg.multi = true;
	long wrong = 0, toa = 0, none = 0;
	int dropped_before = g_dropped;
	for (int i = 0; i < count; i++) {
		// Lists this kernel drops cost a wait each (kDropWaitMs): most are drawn again,
		// one case in twenty keeps whatever comes, so that the drop prediction is
		// still proven on every run.
		// The keep cases avoid lists that turn malformed with 5 to 12 bytes left on a
		// TCP-AO kernel: one such SYN (6 bytes left) was answered by 7.3.4, so the
		// walk's exact threshold there is not taken as known.
		bool keep = rng.chance(5);
		rcfg.kernel_minlen = keep ? 0 : g_kernel_minlen;
		rcfg.unsure_lo = keep && g_kernel_minlen < 18 ? g_kernel_minlen : 0;
		rcfg.unsure_hi = 13;
		RandomCase rc = random_case(rng, rcfg);
		bool v6 = rng.chance(40), trusted = rng.chance(70);
		Case k;
		k.name = "random_" + std::to_string(i);
		k.server = v6 ? &g.s6 : &g.s4;
		k.lb = v6 ? (trusted ? kLb6 : untrusted6) : (trusted ? kLb4 : untrusted4);
		k.syn = rc.syn;
		k.ack = rc.ack;
		k.data = rc.data;
		k.pure_ack = rc.pure_ack;
		k.enabled = TOA_FMT_ALL;
		k.force_no_toa = !trusted;
		Want w;
		// A wrong answer, a connection that could not be set up, a drop by the kernel
		// that was not predicted and a predicted one that did not happen fail the run.
		bool ok = run_case(k, false, &w);
		if (!ok)
			wrong++;
		else if (w.toa)
			toa++;
		else
			none++;
	}
	set_param("formats", "default");
	set_param("trusted", "any");
	result("random_" + std::to_string(count) + "_seed_" + std::to_string(seed), wrong == 0,
	       "toa=" + std::to_string(toa) + " none=" + std::to_string(none) +
		       " wrong=" + std::to_string(wrong) +
		       " dropped_by_kernel_as_predicted=" + std::to_string(g_dropped - dropped_before));
}

// One IPv4 connection with option 200/8 from 198.51.100.2: --want toa or none.
void suite_single(const std::string &want)
{
	Case k;
	k.name = "single_want_" + want;
	k.server = &g.s4;
	k.ack = {OptionSpec::toa(Format::F200_8, kClient4)};
	k.force_no_toa = want == "none";
	run_case(k);
}

} // namespace toa::e2e
