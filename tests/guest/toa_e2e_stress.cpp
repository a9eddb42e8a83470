// SPDX-License-Identifier: MIT
// toa-e2e stress: load and faults while the script removes and loads the module again and again.
//
// The simulator (this thread, the only one that touches the Stack) opens connections as
// fast as it can: IPv4, IPv6, NAT64 (IPv6 client in the option of an IPv4 connection),
// IPv4 clients on IPv6 sockets, dual-stack; with and without TOA, on the SYN, the ACK or
// the first data segment; kept a while then reset or closed with FIN, or aborted at every
// stage (RST after the SYN, the SYN-ACK left unanswered, FIN instead of the ACK, RST right
// after the ACK before accept, RST after accept), plus bursts of SYNs at two listeners with
// a backlog of 8, so that SYN cookies answer them, completed by ACKs carrying TOA.
// Acceptor threads (plain syscalls only) accept on every listener and ask getpeername(),
// TOA_SO_GET_CLIENT and TOA_SO_GET_LOOKUP again and again on what they hold. Every
// connection has its own load-balancer endpoint and its own client, registered before its
// SYN: the acceptor finds the connection by what accept() gave (the load balancer, or the
// client in transparent mode), and every answer must be that connection's client, its load
// balancer (no TOA), ENOTCONN (reset), ENOENT (no TOA) or ENOPROTOOPT (module out).
// Connections whose SYN went out after the script's last insmod (/tmp/final) must be
// answered exactly. Runs until /tmp/stop (or --seconds); the script writes its number of
// reload cycles to /tmp/stress-cycles.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <deque>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "toa_e2e.hpp"

namespace toa::e2e {
namespace {

// Socket and client families of a connection; the flood ones go to the backlog-8 listeners.
enum StressCat : uint8_t { kV4, kV6, kNat64, kV4OnV6, kDsV4, kDsNat64, kFloodV4, kFloodV6, kCats };
const char *const kCatNames[kCats] = {"v4",    "v6",       "nat64",    "v4_on_v6",
				      "ds_v4", "ds_nat64", "flood_v4", "flood_v6"};

enum StressPlan : uint8_t {
	kKept,		// open a while, then RST
	kKeptFin,	// open a while, then FIN
	kRstAfterSyn,	// RST right after the SYN (a SYN option is stashed, never taken)
	kAbandoned,	// SYN-ACK never answered (the server's retransmission gets RST)
	kFinBeforeAck,	// FIN instead of the handshake ACK
	kRstAfterAck,	// RST right after the ACK, before accept
	kPlans
};
const char *const kPlanNames[kPlans] = {"kept",      "kept_fin",       "rst_after_syn",
					"abandoned", "fin_before_ack", "rst_after_ack"};

// A connection as the simulator set it up, registered before its SYN.
struct StressConn {
	Endpoint lb, client;
	Format fmt = Format::F200_8;
	uint8_t cat = kV4, plan = kKept;
	unsigned pos = 0;    // kAtSyn, kAtAck or kAtData: where the option went (0: none)
	bool toa = false;    // the option went out on a packet that sets the connection up
	bool strict = false; // SYN sent after the last insmod: every answer exact

	// "198.51.100.2:20001 (ds_v4 kept, 200/8 at ack, client 203.0.113.1:1024)"
	std::string str() const
	{
		return lb.str() + " (" + kCatNames[cat] + " " + kPlanNames[plan] + ", " +
		       (toa ? std::string(format_info(fmt).name) + " at " + positions_str(pos)
			    : std::string("no TOA")) +
		       ", client " + client.str() + ")";
	}
};

// Connections by load-balancer endpoint and by client; filled by the simulator thread,
// read by the acceptors.
class StressRegistry {
public:
	void add(const StressConn &c)
	{
		std::lock_guard<std::mutex> l(mu_);
		int id = int(conns_.size());
		conns_.push_back({c, 0});
		by_lb_[c.lb.str()] = id;
		by_client_[c.client.str()] = id;
	}
	// The connection whose load balancer or client is `peer`; counts its accepts.
	bool claim(const Endpoint &peer, StressConn *out, int *accepts)
	{
		std::lock_guard<std::mutex> l(mu_);
		std::string k = peer.str();
		auto it = by_lb_.find(k);
		if (it == by_lb_.end())
			it = by_client_.find(k);
		if (it == by_client_.end())
			return false;
		auto &e = conns_[size_t(it->second)];
		*out = e.first;
		*accepts = ++e.second;
		return true;
	}

private:
	std::mutex mu_;
	std::vector<std::pair<StressConn, int>> conns_;
	std::unordered_map<std::string, int> by_lb_, by_client_;
};

// One acceptor's counts, summed at the end.
struct StressTally {
	long accepted = 0, aborted_at_accept = 0, dup_accepts = 0, calls = 0, wrong = 0;
	long peer_client = 0, peer_lb = 0, enotconn = 0, reset_after_accept = 0;
	long ci_ok = 0, lk_ok = 0, enoent = 0, no_module = 0;
	long strict_ok = 0, strict_bad = 0;
	std::vector<std::string> dup_why;
	long by_cat[kCats] = {}, by_plan[kPlans] = {}, toa_cat[kCats] = {};
	std::vector<std::string> why, strict_why;

	void add(const StressTally &o)
	{
		accepted += o.accepted;
		aborted_at_accept += o.aborted_at_accept;
		dup_accepts += o.dup_accepts;
		calls += o.calls;
		wrong += o.wrong;
		peer_client += o.peer_client;
		peer_lb += o.peer_lb;
		enotconn += o.enotconn;
		reset_after_accept += o.reset_after_accept;
		ci_ok += o.ci_ok;
		lk_ok += o.lk_ok;
		enoent += o.enoent;
		no_module += o.no_module;
		strict_ok += o.strict_ok;
		strict_bad += o.strict_bad;
		for (int i = 0; i < kCats; i++) {
			by_cat[i] += o.by_cat[i];
			toa_cat[i] += o.toa_cat[i];
		}
		for (int i = 0; i < kPlans; i++)
			by_plan[i] += o.by_plan[i];
		why.insert(why.end(), o.why.begin(), o.why.end());
		dup_why.insert(dup_why.end(), o.dup_why.begin(), o.dup_why.end());
		strict_why.insert(strict_why.end(), o.strict_why.begin(), o.strict_why.end());
	}
	void bad(const std::string &what)
	{
		if (wrong++ < 3)
			why.push_back(what);
	}
	void bad(const StressConn &c, const std::string &what)
	{
		bad(c.str() + ": " + what);
	}
	void exact(const StressConn &c, bool ok, const std::string &what)
	{
		if (!c.strict)
			return;
		if (ok)
			strict_ok++;
		else if (strict_bad++ < 3)
			strict_why.push_back(c.str() + ": " + what);
	}
};

struct StressListener {
	int fd;
	int family;
};

// An accepted socket and the connection it is.
struct StressHeld {
	int fd;
	int family;
	StressConn c;
	int rounds;
	bool connected = false, reset_seen = false;
};

// getpeername(), TOA_SO_GET_CLIENT, TOA_SO_GET_LOOKUP once on a held socket.
void stress_ask(StressHeld &h, StressTally &t)
{
	const StressConn &c = h.c;
	bool fits = c.toa && (h.family == AF_INET6 || c.client.addr.is_v4());
	std::string lb = as_seen_by(h.family, c.lb), cl = as_seen_by(h.family, c.client);
	std::string want = fits ? cl : lb;
	const FormatInfo &fi = format_info(c.fmt);

	sockaddr_storage ss{};
	socklen_t len = sizeof(ss);
	t.calls++;
	if (getpeername(h.fd, reinterpret_cast<sockaddr *>(&ss), &len) == 0) {
		std::string got = sockaddr_str(ss);
		if (fits && got == cl)
			t.peer_client++;
		else if (got == lb)
			t.peer_lb++;
		else
			t.bad(c, "getpeername " + got);
		t.exact(c, got == want, "getpeername " + got + " want " + want);
		h.connected = true;
	} else if (errno == ENOTCONN) {
		t.enotconn++;
		if (h.connected && !h.reset_seen)
			t.reset_after_accept++;
		h.reset_seen = true;
	} else {
		t.bad(c, std::string("getpeername: ") + std::strerror(errno));
	}

	toa_client_info ci{};
	socklen_t cl_len = sizeof(ci);
	t.calls++;
	if (getsockopt(h.fd, IPPROTO_IP, TOA_SO_GET_CLIENT, &ci, &cl_len) == 0) {
		t.ci_ok++;
		Endpoint got = endpoint_of(ci.family, ci.addr, ci.port);
		Endpoint glb = endpoint_of(ci.lb_family, ci.lb_addr, ci.lb_port);
		if (!c.toa || got != c.client || glb != c.lb || ci.kind != fi.kind ||
		    ci.len != fi.len)
			t.bad(c, "GET_CLIENT " + got.str() + " lb " + glb.str() + " option " +
					 std::to_string(ci.kind) + "/" + std::to_string(ci.len) +
					 (c.toa ? "" : " (no TOA sent)"));
		t.exact(c, c.toa, "GET_CLIENT answered without TOA");
	} else if (errno == ENOENT || errno == ENOPROTOOPT) {
		(errno == ENOENT ? t.enoent : t.no_module)++;
		t.exact(c, !c.toa && errno == ENOENT,
			std::string("GET_CLIENT: ") + std::strerror(errno));
	} else {
		t.bad(c, std::string("GET_CLIENT: ") + std::strerror(errno));
	}

	toa_nat64_peer np{};
	socklen_t np_len = sizeof(np);
	bool v6_client = c.toa && c.client.addr.is_v6();
	t.calls++;
	if (getsockopt(h.fd, IPPROTO_IP, TOA_SO_GET_LOOKUP, &np, &np_len) == 0) {
		t.lk_ok++;
		if (!v6_client || std::memcmp(&np.saddr, c.client.addr.b, 16) ||
		    ntohs(np.sport) != c.client.port)
			t.bad(c, "GET_LOOKUP " +
					 endpoint_of(AF_INET6, np.saddr.s6_addr, np.sport).str());
		t.exact(c, v6_client, "GET_LOOKUP answered");
	} else if (errno == ENOENT || errno == ENOPROTOOPT) {
		(errno == ENOENT ? t.enoent : t.no_module)++;
		t.exact(c, !v6_client && errno == ENOENT,
			std::string("GET_LOOKUP: ") + std::strerror(errno));
	} else {
		t.bad(c, std::string("GET_LOOKUP: ") + std::strerror(errno));
	}
}

// Accepts what is queued on `l`, at most `max`; the new sockets go to `held`.
void stress_accept(const StressListener &l, StressRegistry &reg, Rng &rng,
		   std::deque<StressHeld> &held, StressTally &t, int max)
{
	for (int i = 0; i < max; i++) {
		sockaddr_storage ss{};
		socklen_t len = sizeof(ss);
		int fd = accept4(l.fd, reinterpret_cast<sockaddr *>(&ss), &len, SOCK_NONBLOCK);
		if (fd < 0) {
			if (errno == ECONNABORTED) {
				t.aborted_at_accept++;
				continue;
			}
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				t.bad(std::string("accept: ") + std::strerror(errno));
			return;
		}
		StressHeld h{fd, l.family, {}, int(1 + rng.below(40))};
		int accepts = 0;
		std::string got = sockaddr_str(ss);
		if (!reg.claim(endpoint_of(ss), &h.c, &accepts)) {
			t.bad("accept gave " + got + ", no connection of ours");
			::close(fd);
			continue;
		}
		t.accepted++;
		t.by_cat[h.c.cat]++;
		t.by_plan[h.c.plan]++;
		if (h.c.toa)
			t.toa_cat[h.c.cat]++;
		if (accepts > 1 && t.dup_accepts++ < 3)
			t.dup_why.push_back(h.c.str() + " accepted again as " + got);
		bool fits = h.c.toa && (l.family == AF_INET6 || h.c.client.addr.is_v4());
		std::string lb = as_seen_by(l.family, h.c.lb), cl = as_seen_by(l.family, h.c.client);
		if (got != lb && !(fits && got == cl))
			t.bad(h.c, "accept gave " + got);
		t.exact(h.c, got == (fits ? cl : lb), "accept gave " + got);
		held.push_back(h);
		if (held.size() > 8) {
			::close(held.front().fd);
			held.pop_front();
		}
	}
}

void stress_acceptor(const std::vector<StressListener> &ls, StressRegistry &reg,
		     const std::atomic<bool> &stop, StressTally &t, uint64_t seed)
{
	Rng rng(seed);
	std::deque<StressHeld> held;
	std::vector<pollfd> pfd(ls.size());
	while (!stop.load(std::memory_order_relaxed)) {
		for (size_t i = 0; i < ls.size(); i++)
			pfd[i] = {ls[i].fd, POLLIN, 0};
		if (::poll(pfd.data(), pfd.size(), held.empty() ? 20 : 2) > 0)
			for (size_t i = 0; i < ls.size(); i++)
				if (pfd[i].revents & POLLIN)
					stress_accept(ls[i], reg, rng, held, t, 4);
		for (auto &h : held) {
			stress_ask(h, t);
			h.rounds--;
		}
		for (size_t i = 0; i < held.size();) {
			if (held[i].rounds > 0) {
				i++;
				continue;
			}
			::close(held[i].fd);
			held.erase(held.begin() + long(i));
		}
	}
	for (auto &h : held)
		::close(h.fd);
	held.clear();
	// What is still queued: once each.
	for (const auto &l : ls) {
		stress_accept(l, reg, rng, held, t, 1 << 20);
		for (auto &h : held) {
			stress_ask(h, t);
			::close(h.fd);
		}
		held.clear();
	}
}

// The simulator's side of one connection.
struct StressLive {
	std::unique_ptr<Conn> c;
	uint8_t plan;
	uint64_t started, until = 0;
	bool up = false, fin = false, flood = false;
};

} // namespace

void suite_stress(int seconds, uint64_t seed)
{
	struct stat sb;
	// Options go on SYNs too (the SYN stash under load): syn on, as module.sh loads the
	// module again between cycles (syn=1).
	set_read_syn(true);
	Tun::sysctl("/proc/sys/net/ipv4/tcp_syncookies", "1");
	long long cookies_sent0 = tcpext("SyncookiesSent"), cookies_recv0 = tcpext("SyncookiesRecv");
	// Listeners for the SYN bursts: a backlog of 8 fills at once, then SYN cookies.
	Server f4 = {listen_on(AF_INET, "192.0.2.1", 8005, false), AF_INET, ep("192.0.2.1:8005")};
	Server f6 = {listen_on(AF_INET6, "2001:db8::1", 8007, true), AF_INET6,
		     ep("[2001:db8::1]:8007")};
	::listen(f4.fd, 8);
	::listen(f6.fd, 8);
	const Server *srv_of[kCats] = {&g.s4, &g.s6, &g.s4, &g.s6, &g.sds, &g.sds, &f4, &f6};
	std::vector<StressListener> ls;
	for (const Server *s : {&g.s4, &g.s6, &g.sds, &f4, &f6})
		ls.push_back({s->fd, s->family});

	StressRegistry reg;
	std::atomic<bool> stop{false};
	const int kAcceptors = 3;
	std::vector<StressTally> tally(kAcceptors);
	std::vector<std::thread> threads;
	for (int i = 0; i < kAcceptors; i++)
		threads.emplace_back(stress_acceptor, std::cref(ls), std::ref(reg), std::cref(stop),
				     std::ref(tally[size_t(i)]), seed + 1 + uint64_t(i));
	std::printf("STRESS-READY\n");
	std::fflush(stdout);

	Rng rng(seed);
	std::vector<StressLive> live;
	long opened = 0, established = 0, syn_timeouts = 0, reset_by_server = 0;
	long opened_cat[kCats] = {}, opened_plan[kPlans] = {}, with_toa = 0, syn_opt = 0,
	     data_opt = 0, strict_opened = 0;
	// The formats read by default, by the client's family.
	std::vector<Format> f4s, f6s;
#define STRESS_FMT_(id, kind, len, family, on)                                          \
	if (on)                                                                         \
		((family) == 6 ? f6s : f4s).push_back(Format::F##id);
	TOA_FORMATS(STRESS_FMT_)
#undef STRESS_FMT_
	uint32_t n = 0; // connection number: its load balancer's and its client's address
	auto open_one = [&](uint8_t cat, uint8_t plan) {
		const Server *srv = srv_of[cat];
		bool lb6 = srv->family == AF_INET6 && cat != kDsV4 && cat != kDsNat64;
		bool client6 = cat == kV6 || cat == kNat64 || cat == kDsNat64 || cat == kFloodV6;
		StressConn sc;
		sc.cat = cat;
		sc.plan = plan;
		sc.lb = lb6 ? kLb6 : kLb4;
		sc.lb.addr.b[lb6 ? 15 : 3] = uint8_t(2 + n / 40000);
		sc.lb.port = uint16_t(20000 + n % 40000);
		sc.client = client6 ? kClient6 : kClient4;
		if (client6) {
			sc.client.addr.b[12] = uint8_t(n >> 24);
			sc.client.addr.b[13] = uint8_t(n >> 16);
			sc.client.addr.b[14] = uint8_t(n >> 8);
			sc.client.addr.b[15] = uint8_t(n);
		} else {
			sc.client.addr.b[3] = uint8_t(1 + n / 60000);
		}
		sc.client.port = uint16_t(1024 + n % 60000);
		n++;
		const auto &fs = client6 ? f6s : f4s;
		sc.fmt = fs[rng.below(uint32_t(fs.size()))];
		sc.toa = rng.chance(67);
		// Where the option goes: the SYN when nothing else completes the handshake.
		unsigned pos = kAtAck;
		bool flood = cat == kFloodV4 || cat == kFloodV6;
		if (plan == kRstAfterSyn || plan == kAbandoned || plan == kFinBeforeAck)
			pos = kAtSyn;
		else if (!flood && rng.chance(25))
			pos = rng.chance(50) ? kAtSyn : kAtData;
		if (plan == kRstAfterAck && pos == kAtData)
			pos = kAtAck; // its RST goes out before any data: the ACK carries it
		ConnConfig cc;
		cc.lb = sc.lb;
		cc.server = srv->addr;
		if (sc.toa)
			cc.set_options({OptionSpec::toa(sc.fmt, sc.client)}, pos);
		cc.pure_ack = pos != kAtData && plan != kAbandoned && plan != kFinBeforeAck;
		sc.strict = stat("/tmp/final", &sb) == 0;
		sc.pos = sc.toa ? pos : 0;
		reg.add(sc);
		StressLive l{std::make_unique<Conn>(*g.st, cc), plan, g.st->now_ms()};
		l.flood = flood;
		if (!l.c->start())
			return;
		opened++;
		opened_cat[cat]++;
		opened_plan[plan]++;
		with_toa += sc.toa;
		syn_opt += sc.toa && pos == kAtSyn;
		data_opt += sc.toa && pos == kAtData;
		strict_opened += sc.strict;
		if (plan == kRstAfterSyn) {
			l.c->reset();
			return;
		}
		live.push_back(std::move(l));
	};

	// In 20: 11 kept, 2 kept then FIN, 2 RST after the SYN, 1 abandoned, 1 FIN before the
	// ACK, 3 RST after the ACK.
	const uint8_t kPlanMix[20] = {kKept, kKept, kKept, kKept, kKept, kKept, kKept,
				      kKept, kKept, kKept, kKept, kKeptFin, kKeptFin,
				      kRstAfterSyn, kRstAfterSyn, kAbandoned, kFinBeforeAck,
				      kRstAfterAck, kRstAfterAck, kRstAfterAck};
	auto start = std::chrono::steady_clock::now();
	auto end = start + std::chrono::seconds(seconds);
	uint64_t next_flood = g.st->now_ms() + 1000;
	long floods = 0;
	while (std::chrono::steady_clock::now() < end && stat("/tmp/stop", &sb)) {
		uint64_t now = g.st->now_ms();
		size_t handshaking = 0, flood_live = 0;
		for (auto &l : live) {
			handshaking += !l.up;
			flood_live += l.flood;
		}
		// A SYN burst at the listeners with a backlog of 8: most get cookies. On a slow
		// guest (the debug kernel) the next waits until most of the last are done, and
		// they never take the room of the other connections.
		if (now >= next_flood && flood_live < 50) {
			for (int i = 0; i < 100; i++)
				open_one(i % 2 ? kFloodV6 : kFloodV4, kKept);
			floods++;
			next_flood = now + 3000;
		}
		while (handshaking < 16 && live.size() - flood_live < 128) {
			uint8_t cat = uint8_t(rng.below(kFloodV4));
			open_one(cat, kPlanMix[rng.below(20)]);
			handshaking++;
		}
		g.st->poll(1);
		now = g.st->now_ms();
		for (size_t i = 0; i < live.size();) {
			StressLive &l = live[i];
			bool drop = false;
			if (!l.up && l.c->established()) {
				l.up = true;
				established++;
				l.until = now + rng.below(200);
				if (l.plan == kAbandoned) {
					drop = true; // no ACK ever; the retransmitted SYN-ACK gets RST
				} else if (l.plan == kFinBeforeAck) {
					l.c->shutdown();
					l.fin = true;
					l.until = now + 1000;
				} else if (l.plan == kRstAfterAck) {
					l.c->reset();
					drop = true;
				} else if (!l.c->config().pure_ack) {
					l.c->send("x"); // the data segment completes the handshake
				}
			} else if (l.c->finished()) {
				reset_by_server += l.c->state() == State::Reset;
				drop = true;
			} else if (!l.up && now - l.started > 3000) {
				syn_timeouts++;
				l.c->reset();
				drop = true;
			} else if (l.up && now >= l.until) {
				if (l.plan == kKeptFin && !l.fin) {
					l.c->shutdown();
					l.fin = true;
					l.until = now + 1000;
				} else {
					l.c->reset();
					drop = true;
				}
			}
			if (drop) {
				std::swap(l, live.back());
				live.pop_back();
			} else {
				i++;
			}
		}
	}
	double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
	stop = true;
	for (auto &t : threads)
		t.join();
	::close(f4.fd);
	::close(f6.fd);
	// Every server socket goes: reset what is open, answer what comes late with RST.
	for (auto &l : live)
		l.c->reset();
	live.clear();
	for (int i = 0; i < 200; i++)
		g.st->poll(10);

	StressTally t;
	for (auto &x : tally)
		t.add(x);
	long long cookies_sent = tcpext("SyncookiesSent") - cookies_sent0;
	long long cookies_recv = tcpext("SyncookiesRecv") - cookies_recv0;
	std::string cycles = "0";
	{
		std::ifstream f("/tmp/stress-cycles");
		std::getline(f, cycles);
	}
	auto join = [](const std::vector<std::string> &v) {
		std::string s;
		for (const auto &x : v)
			s += " | " + x;
		return s;
	};
	std::ostringstream d;
	d << "seconds=" << int(secs) << " seed=" << seed << " opened=" << opened
	  << " established=" << established << " accepted=" << t.accepted
	  << " calls=" << t.calls << " wrong=" << t.wrong << " cycles=" << cycles
	  << " with_toa=" << with_toa << " (syn " << syn_opt << ", data " << data_opt
	  << ") answers: client=" << t.peer_client << " lb=" << t.peer_lb
	  << " enotconn=" << t.enotconn << " get_client=" << t.ci_ok << " lookup=" << t.lk_ok
	  << " enoent=" << t.enoent << " no_module=" << t.no_module;
	result("stress_no_wrong_answer", t.wrong == 0 && t.accepted > 0, d.str() + join(t.why));

	std::ostringstream m;
	bool all_cats = true;
	for (int i = 0; i < kCats; i++) {
		m << (i ? " " : "") << kCatNames[i] << "=" << opened_cat[i] << "/" << t.by_cat[i]
		  << "/" << t.toa_cat[i];
		all_cats = all_cats && t.toa_cat[i] > 0 && t.by_cat[i] > t.toa_cat[i];
	}
	result("stress_families_mixed", all_cats, "opened/accepted/accepted with TOA: " + m.str());

	std::ostringstream a;
	for (int i = 0; i < kPlans; i++)
		a << kPlanNames[i] << "=" << opened_plan[i] << "/" << t.by_plan[i] << " ";
	a << "rst_after_accept_seen=" << t.reset_after_accept
	  << " aborted_at_accept=" << t.aborted_at_accept << " dup_accepts=" << t.dup_accepts
	  << " reset_by_server=" << reset_by_server << " syn_timeouts=" << syn_timeouts
	  << join(t.dup_why);
	bool aborts = t.reset_after_accept > 0;
	for (int i = 0; i < kPlans; i++)
		aborts = aborts && opened_plan[i] > 0;
	result("stress_aborts_every_stage", aborts, "opened/accepted: " + a.str());

	long flood_acc = t.by_cat[kFloodV4] + t.by_cat[kFloodV6];
	result("stress_syn_flood_cookies",
	       cookies_sent > 0 && cookies_recv > 0 && t.toa_cat[kFloodV4] > 0 &&
		       t.toa_cat[kFloodV6] > 0,
	       "bursts=" + std::to_string(floods) + " syns=" +
		       std::to_string(opened_cat[kFloodV4] + opened_cat[kFloodV6]) +
		       " accepted=" + std::to_string(flood_acc) +
		       " SyncookiesSent+=" + std::to_string(cookies_sent) +
		       " SyncookiesRecv+=" + std::to_string(cookies_recv));

	if (cycles != "0")
		result("stress_module_in_and_out", t.ci_ok > 0 && t.no_module > 0,
		       "get_client answered " + std::to_string(t.ci_ok) + ", ENOPROTOOPT " +
			       std::to_string(t.no_module));
	if (stat("/tmp/final", &sb) == 0)
		result("stress_exact_after_reloads", t.strict_ok > 0 && t.strict_bad == 0,
		       "connections=" + std::to_string(strict_opened) +
			       " exact=" + std::to_string(t.strict_ok) +
			       " inexact=" + std::to_string(t.strict_bad) + join(t.strict_why));
}

} // namespace toa::e2e
