// SPDX-License-Identifier: MIT
//
// toa-bench: the module's cost, measured inside a booted guest (tests/bench/guest.sh runs
// it; tests/bench/bench.sh boots the guests and reports). Dynamic, as toa::lbsim is.
//
// Under `qemu -icount shift=0 -smp 1` the guest clock advances one nanosecond per
// emulated instruction, so every time printed here is an instruction count in disguise:
// good for "with module" against "without module" in one boot, meaningless as speed.
// Nothing timed here may wait for a timer or sleep (QEMU would advance the clock in real
// time while the guest idles): every timed loop runs on packets that the kernel handles
// synchronously (loopback, TUN writes) and polls without blocking.
//
//   toa-bench micro --phase with|without --round N [--conns N] [--calls N]
//                   [--only m,m] [--skip m,m]
//       one round of the per-operation metrics; run by the guest script alternately
//       without and with the module loaded (it does insmod/rmmod between runs). A metric
//       printed several times for one phase and round (several runs) counts as its mean.
//   toa-bench scale --sizes 1000,10000,100000 [--rounds N] [--calls N] [--sample N]
//                   [--plain N]
//       module loaded: lookup and getpeername() cost with that many TOA connections
//       open, and memory per connection (the toa_sock slab cache)
//   toa-bench datapath [--mbytes N] [--conns N]
//       module loaded: the module's counters before and after N MB over established
//       TOA connections
//   toa-bench k8s --phase with|noguard|without --round N --pods NS,NS [--conns N]
//                 [--packets N] [--syns N]
//       on the Kubernetes node of tests/guest/k8s-node.sh (the guest script builds it,
//       kube-proxy's rules of externalTrafficPolicy: Cluster): connection setup through
//       the NodePort's DNAT and MASQUERADE to a listener in a pod's namespace (NS: a
//       /run/netns path; DNAT picks the pod), established data packets into the pod, and
//       a SYN flood answered with SYN cookies. Phase noguard: the module with guard=N.
//
// Output, one a line (bench.sh reads the console):
//   BENCH <metric> <phase> <round> <value>    value: ns (= instructions) per operation,
//                                             or the unit the metric's name says
//   BENCHINFO <key> <value>...                context for the report
//   RESULT <name> PASS|FAIL [detail]          the run itself worked (not the goals)
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "guest_util.hpp"
#include "lbsim.hpp"
#include "toa/uapi.h"
#ifdef TOA_BENCH_HAVE_LIBTOA
#include "toa/toa.h"
#endif

using namespace toa::lbsim;

namespace {

int g_fail = 0;

void result(const std::string &name, bool ok, const std::string &detail = "")
{
	std::printf("RESULT %s %s%s%s\n", name.c_str(), ok ? "PASS" : "FAIL",
		    detail.empty() ? "" : " ", detail.c_str());
	if (!ok)
		g_fail++;
}

[[noreturn]] void die(const std::string &name, const std::string &why)
{
	result(name, false, why);
	std::exit(1);
}

uint64_t now_ns()
{
	timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec);
}

std::string g_phase = "with";
int g_round = 0;
std::string g_only; // micro --only: comma-separated metric names (empty: all)
std::string g_skip; // micro --skip: ... not these

bool in_list(const std::string &list, const std::string &metric)
{
	return ("," + list + ",").find("," + metric + ",") != std::string::npos;
}

bool wanted(const std::string &metric)
{
	return (g_only.empty() || in_list(g_only, metric)) && !in_list(g_skip, metric);
}

void bench_line(const std::string &metric, double value, const std::string &phase = "",
		int round = -1)
{
	if (value < 0)
		return;
	std::printf("BENCH %s %s %d %.2f\n", metric.c_str(),
		    (phase.empty() ? g_phase : phase).c_str(), round < 0 ? g_round : round,
		    value);
}

Endpoint ep(const char *s)
{
	auto e = Endpoint::parse(s);
	if (!e)
		die("bench_args", std::string("bad endpoint ") + s);
	return *e;
}

const Endpoint kServer4 = ep("192.0.2.1:8004");
const Endpoint kServer6 = ep("[2001:db8::1]:8006");
const Endpoint kLb4 = ep("198.51.100.2:0");
const Endpoint kLb6 = ep("[2001:db8:ff::2]:0");
const Endpoint kClient4 = ep("203.0.113.7:40000");
const Endpoint kClient6 = ep("[2001:db8:c::7]:40000");

// ---------------------------------------------------------------------------------
// Kernel state

using toa::guest::toa_stats;

struct Slab {
	bool found = false;
	long long active = 0, objs = 0, objsize = 0, per_slab = 0, pages_per_slab = 0, slabs = 0;
	long long bytes() const { return slabs * pages_per_slab * 4096; }
};

// The toa_sock line of /proc/slabinfo.
Slab slab_info(const char *name = "toa_sock")
{
	Slab s;
	std::ifstream f("/proc/slabinfo");
	std::string line;
	while (std::getline(f, line)) {
		std::istringstream is(line);
		std::string n;
		is >> n;
		if (n != name)
			continue;
		std::string colon, word;
		long long lim, batch, shared, active_slabs;
		is >> s.active >> s.objs >> s.objsize >> s.per_slab >> s.pages_per_slab;
		is >> colon >> word >> lim >> batch >> shared;
		is >> colon >> word >> active_slabs >> s.slabs;
		s.found = bool(is);
		break;
	}
	return s;
}

void raise_nofile(long want)
{
	long max = want;
	std::ifstream f("/proc/sys/fs/nr_open");
	long nr_open = 0;
	if (f >> nr_open && nr_open < max)
		max = nr_open;
	rlimit rl{rlim_t(max), rlim_t(max)};
	if (setrlimit(RLIMIT_NOFILE, &rl))
		die("bench_rlimit", "setrlimit(NOFILE, " + std::to_string(max) +
					    "): " + std::strerror(errno));
}

// ---------------------------------------------------------------------------------
// Sockets

int listen_on(int family, const char *addr, uint16_t port, bool nonblock)
{
	int fd = toa::guest::listen_on(family, addr, port, true, nonblock);
	if (fd < 0)
		die("bench_listen", std::string(addr) + ": " + std::strerror(errno));
	return fd;
}

using toa::guest::sockaddr_str;

std::string peer_of(int fd)
{
	sockaddr_storage ss{};
	socklen_t len = sizeof(ss);
	if (getpeername(fd, reinterpret_cast<sockaddr *>(&ss), &len))
		return std::string("error ") + std::strerror(errno);
	return sockaddr_str(ss);
}

// ---------------------------------------------------------------------------------
// The load-balancer simulator

struct Env {
	Tun tun;
	std::unique_ptr<Stack> st;
	int l4 = -1, l6 = -1;

	// The TUN device and the simulator on it; configure = false: the device is there
	// already, addressed (toa-lbsim setup --persist, as the k8s node has it).
	void open_tun(bool rst_unknown, bool configure = true)
	{
		TunConfig tc;
		tc.configure = configure;
		std::string err;
		if (!tun.open(tc, &err))
			die("bench_tun", err);
		StackConfig sc;
		sc.seed = 7;
		sc.rst_unknown = rst_unknown;
		st = std::make_unique<Stack>(tun, sc);
	}

	void init(bool rst_unknown = true)
	{
		open_tun(rst_unknown);
		l4 = listen_on(AF_INET, "192.0.2.1", kServer4.port, true);
		l6 = listen_on(AF_INET6, "2001:db8::1", kServer6.port, true);
	}
};

Env g;

ConnConfig conn_cfg(bool v6, const OptionList &syn, const OptionList &ack)
{
	ConnConfig cc;
	cc.lb = v6 ? kLb6 : kLb4;
	cc.server = v6 ? kServer6 : kServer4;
	cc.syn_opts = syn;
	cc.ack_opts = ack;
	return cc;
}

// Completes the handshake of `c` and accepts it: the accepted fd, or -1. Never sleeps:
// the kernel answers TUN writes synchronously, so this only spins when a packet was lost
// (then the simulator's retransmission timer, wall clock, takes over; bounded).
// With several listeners (one a pod: kube-proxy's DNAT picks one), accepts from any.
int handshake_accept(Conn &c, const int *lfds, int nl, std::string *why, bool with_addr = true)
{
	if (!c.start()) {
		*why = "start: " + c.error();
		return -1;
	}
	uint64_t end = now_ns() + 5000000000ull;
	while (!c.established() && !c.finished() && now_ns() < end)
		g.st->poll(0);
	if (!c.established()) {
		*why = std::string("no SYN-ACK, state ") + state_name(c.state());
		return -1;
	}
	for (int i = 0;; i = (i + 1) % nl) {
		sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		int fd = with_addr ? accept4(lfds[i], reinterpret_cast<sockaddr *>(&ss), &len, 0)
				   : accept4(lfds[i], nullptr, nullptr, 0);
		if (fd >= 0)
			return fd;
		if (errno != EAGAIN || now_ns() > end) {
			*why = std::string("accept: ") + std::strerror(errno);
			return -1;
		}
		if (i == nl - 1)
			g.st->poll(0);
	}
}

int handshake_accept(Conn &c, int lfd, std::string *why, bool with_addr = true)
{
	return handshake_accept(c, &lfd, 1, why, with_addr);
}

struct Held {
	std::unique_ptr<Conn> c;
	int fd = -1;
};

Held open_held(const ConnConfig &cc, const int *lfds, int nl, const char *what,
	       bool with_addr = true)
{
	Held h;
	h.c = std::make_unique<Conn>(*g.st, cc);
	std::string why;
	h.fd = handshake_accept(*h.c, lfds, nl, &why, with_addr);
	if (h.fd < 0)
		die(std::string("bench_open_") + what, why);
	return h;
}

Held open_held(const ConnConfig &cc, int lfd, const char *what, bool with_addr = true)
{
	return open_held(cc, &lfd, 1, what, with_addr);
}

// ---------------------------------------------------------------------------------
// Timed loops. Each metric: a warm-up of a tenth, then the timed loop.

volatile long g_sink;

template <class F> double per_op(long n, F &&f)
{
	long warm = std::max(1L, n / 10);
	long sink = 0;
	for (long i = 0; i < warm; i++)
		sink += f(i);
	uint64_t t0 = now_ns();
	for (long i = 0; i < n; i++)
		sink += f(i);
	uint64_t t1 = now_ns();
	g_sink = sink;
	return double(t1 - t0) / double(n);
}

long op_getpeername(int fd)
{
	sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	if (getpeername(fd, reinterpret_cast<sockaddr *>(&ss), &len))
		return -1;
	return ss.ss_family;
}

long op_get_client(int fd)
{
	toa_client_info ci;
	socklen_t len = sizeof(ci);
	if (getsockopt(fd, IPPROTO_IP, TOA_SO_GET_CLIENT, &ci, &len))
		return -errno;
	return ci.port;
}

// An ordinary getsockopt() syscall: the base cost of the syscall itself.
long op_get_tos(int fd)
{
	int tos;
	socklen_t len = sizeof(tos);
	if (getsockopt(fd, IPPROTO_IP, IP_TOS, &tos, &len))
		return -errno;
	return tos;
}

long op_get_lookup(int fd)
{
	toa_nat64_peer np;
	socklen_t len = sizeof(np);
	if (getsockopt(fd, IPPROTO_IP, TOA_SO_GET_LOOKUP, &np, &len))
		return -errno;
	return np.sport;
}

#ifdef TOA_BENCH_HAVE_LIBTOA
long op_libtoa(int fd)
{
	toa_client c;
	int rc = toa_get_client(fd, &c);
	return rc ? rc : c.client.port;
}
#endif

// Loopback: connect, accept, close both (the client first): the cost every other
// connection of the node pays. The guest sets tcp_max_tw_buckets=0 so that no TIME-WAIT
// piles up between rounds: the FIN exchange happens, the timewait socket does not.
double setup_loopback(int family, long n)
{
	const char *addr = family == AF_INET ? "127.0.0.1" : "::1";
	uint16_t port = family == AF_INET ? 9004 : 9006;
	int lfd = listen_on(family, addr, port, false);
	sockaddr_storage dst{};
	socklen_t dlen = sizeof(dst);
	getsockname(lfd, reinterpret_cast<sockaddr *>(&dst), &dlen);
	long errors = 0;
	double v = per_op(n, [&](long) -> long {
		int c = socket(family, SOCK_STREAM, 0);
		if (connect(c, reinterpret_cast<sockaddr *>(&dst), dlen)) {
			errors++;
			close(c);
			return 0;
		}
		sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		int a = accept4(lfd, reinterpret_cast<sockaddr *>(&ss), &len, 0);
		close(c);
		if (a >= 0)
			close(a);
		else
			errors++;
		return a;
	});
	close(lfd);
	if (errors)
		result(std::string("setup_loopback") + (family == AF_INET ? "4" : "6"), false,
		       std::to_string(errors) + " failed connections");
	return v;
}

// Through the simulator: SYN, SYN-ACK, ACK over the TUN, accept (with the address), then
// an RST from the simulator and close() (no further packets, no TIME-WAIT).
double setup_lbsim(const ConnConfig &base, const int *lfds, int nl, long n, const char *name)
{
	long errors = 0;
	std::string first;
	double v = per_op(n, [&](long) -> long {
		Conn c(*g.st, base);
		std::string why;
		int fd = handshake_accept(c, lfds, nl, &why);
		if (fd < 0) {
			if (!errors++)
				first = why;
			return 0;
		}
		c.reset();
		close(fd);
		return fd;
	});
	if (errors)
		result(std::string("setup_") + name, false,
		       std::to_string(errors) + " failed connections: " + first);
	return v;
}

double setup_lbsim(const ConnConfig &base, int lfd, long n, const char *name)
{
	return setup_lbsim(base, &lfd, 1, n, name);
}

// With the module: how often each of its counters moved per operation (its hooks) since
// the last call, for n timed operations (per_op's warm-up added); hits("", 0, -1) only
// takes the snapshot. Returns v.
double hits(const char *name, long n, double v, const char *per = "connection")
{
	auto after = toa_stats();
	static std::map<std::string, long long> before;
	if (!after.empty() && v >= 0) {
		long total = n + std::max(1L, n / 10);
		std::string line;
		char buf[96];
		for (auto &kv : after) {
			long long d = kv.second - before[kv.first];
			if (!d)
				continue;
			std::snprintf(buf, sizeof(buf), " %s=%.2f", kv.first.c_str(),
				      double(d) / double(total));
			line += buf;
		}
		std::printf("BENCHINFO hits %s per %s:%s\n", name, per,
			    line.empty() ? " none" : line.c_str());
	}
	before = after;
	return v;
}

// ---------------------------------------------------------------------------------
// micro: one round of every per-operation metric

void mode_micro(long conns, long calls)
{
	bool with = g_phase == "with";
	g.init();
	std::string sfx = "_" + g_phase + "_" + std::to_string(g_round);

	// Connections held open for the per-call metrics.
	Held toa4 = open_held(conn_cfg(false, {}, {OptionSpec::toa(Format::F200_8, kClient4)}),
			      g.l4, "toa4");
	Held nat64 = open_held(conn_cfg(false, {}, {OptionSpec::toa(Format::F253_20, kClient6)}),
			       g.l4, "nat64");
	Held plain = open_held(conn_cfg(false, {}, {}), g.l4, "plain");
	// accept(fd, NULL, NULL): the kernel never asks for the new socket's address.
	Held plain_na = open_held(conn_cfg(false, {}, {}), g.l4, "plain_noaddr", false);

	// They must answer what the metric claims to measure.
	{
		std::string lb = toa4.c->lb().str(), p = peer_of(toa4.fd);
		std::string want = with ? kClient4.str() : lb;
		result("check_getpeername_toa" + sfx, p == want, "got " + p + " want " + want);
		p = peer_of(plain.fd);
		result("check_getpeername_plain" + sfx, p == plain.c->lb().str(), "got " + p);
		p = peer_of(plain_na.fd);
		result("check_getpeername_plain_noaddr" + sfx, p == plain_na.c->lb().str(),
		       "got " + p);
		long port = op_get_client(toa4.fd);
		bool ok = with ? port == htons(kClient4.port) : port == -ENOPROTOOPT;
		result("check_get_client" + sfx, ok, "returned " + std::to_string(port));
		port = op_get_lookup(nat64.fd);
		ok = with ? port == htons(kClient6.port) : port == -ENOPROTOOPT;
		result("check_get_lookup_nat64" + sfx, ok, "returned " + std::to_string(port));
#ifdef TOA_BENCH_HAVE_LIBTOA
		toa_client tc;
		int rc = toa_get_client(toa4.fd, &tc);
		ok = rc == 0 && tc.client.port == (with ? kClient4.port : toa4.c->lb().port) &&
		     tc.origin == (with ? TOA_ORIGIN_OPTION : TOA_ORIGIN_PEER);
		result("check_libtoa" + sfx, ok,
		       "rc=" + std::to_string(rc) + " origin=" + std::to_string(tc.origin) +
			       " port=" + std::to_string(tc.client.port));
#endif
	}

	// Each metric runs only when wanted (--only); -1 = not run, not printed.
#define MICRO(name, expr) bench_line(name, wanted(name) ? double(expr) : -1.0)
	// Per call, on sockets held open.
	MICRO("getpeername_toa", per_op(calls, [&](long) { return op_getpeername(toa4.fd); }));
	MICRO("getpeername_nat64", per_op(calls, [&](long) { return op_getpeername(nat64.fd); }));
	MICRO("getpeername_plain", per_op(calls, [&](long) { return op_getpeername(plain.fd); }));
	MICRO("getpeername_plain_noaddr",
	      per_op(calls, [&](long) { return op_getpeername(plain_na.fd); }));
	MICRO("getsockopt_tos_toa", per_op(calls, [&](long) { return op_get_tos(toa4.fd); }));
	if (with) {
		MICRO("get_client_toa", per_op(calls, [&](long) { return op_get_client(toa4.fd); }));
		MICRO("get_lookup_nat64", per_op(calls, [&](long) { return op_get_lookup(nat64.fd); }));
		MICRO("get_client_plain", per_op(calls, [&](long) { return op_get_client(plain.fd); }));
	}
#ifdef TOA_BENCH_HAVE_LIBTOA
	MICRO("libtoa_toa", per_op(calls, [&](long) { return op_libtoa(toa4.fd); }));
	MICRO("libtoa_plain", per_op(calls, [&](long) { return op_libtoa(plain.fd); }));
#else
	std::printf("BENCHINFO libtoa missing (built without toa::toa_static)\n");
#endif

	// Per connection.
	const OptionList none;
	const OptionList ack4 = {OptionSpec::toa(Format::F200_8, kClient4)};
	const OptionList syn4 = {OptionSpec::toa(Format::F254_8, kClient4)};
	const OptionList ack6 = {OptionSpec::toa(Format::F254_20, kClient6)};
	long lconns = std::max(1L, conns / 2);
	hits("", 0, -1);
	MICRO("setup_loopback4", hits("setup_loopback4", conns, setup_loopback(AF_INET, conns)));
	MICRO("setup_loopback6", hits("setup_loopback6", conns, setup_loopback(AF_INET6, conns)));
	MICRO("setup_lbsim_plain",
	      hits("setup_lbsim_plain", lconns,
		   setup_lbsim(conn_cfg(false, none, none), g.l4, lconns, "lbsim_plain")));
	MICRO("setup_lbsim_toa_ack",
	      hits("setup_lbsim_toa_ack", lconns,
		   setup_lbsim(conn_cfg(false, none, ack4), g.l4, lconns, "lbsim_toa_ack")));
	MICRO("setup_lbsim_toa_syn",
	      hits("setup_lbsim_toa_syn", lconns,
		   setup_lbsim(conn_cfg(false, syn4, none), g.l4, lconns, "lbsim_toa_syn")));
	MICRO("setup_lbsim_toa6_ack",
	      hits("setup_lbsim_toa6_ack", lconns,
		   setup_lbsim(conn_cfg(true, none, ack6), g.l6, lconns, "lbsim_toa6_ack")));
#undef MICRO

	for (Held *h : {&toa4, &nat64, &plain, &plain_na}) {
		h->c->reset();
		close(h->fd);
	}
	g.st->poll(0);
	if (with) {
		auto s = toa_stats();
		std::printf("BENCHINFO counters%s conn_alloc=%lld conn_free=%lld alloc_fail=%lld "
			    "probe_missed=%lld syn_stash_hit=%lld\n",
			    sfx.c_str(), s["conn_alloc"], s["conn_free"], s["alloc_fail"],
			    s["probe_missed"], s["syn_stash_hit"]);
	}
	result("micro" + sfx, g_fail == 0);
}

// ---------------------------------------------------------------------------------
// scale: lookups with many TOA connections open, and memory per connection

// "a,b,c" -> its non-empty items
std::vector<std::string> split(const std::string &s)
{
	std::vector<std::string> v;
	std::istringstream is(s);
	std::string x;
	while (std::getline(is, x, ','))
		if (!x.empty())
			v.push_back(x);
	return v;
}

std::vector<long> parse_list(const std::string &s)
{
	std::vector<long> v;
	for (auto &x : split(s))
		v.push_back(std::atol(x.c_str()));
	return v;
}

// The i-th connection of the scale run: its own load balancer port (addresses .2, .3,
// ... of 198.51.100.0/24, 40000 ports each) and its own client.
ConnConfig scale_cfg(long i, bool toa)
{
	ConnConfig cc;
	cc.lb = kLb4;
	cc.lb.addr.b[3] = uint8_t(2 + i / 40000);
	cc.lb.port = uint16_t(20000 + i % 40000);
	cc.server = kServer4;
	if (toa) {
		Endpoint client = kClient4;
		client.addr.b[3] = uint8_t(1 + i % 250);
		client.port = uint16_t(1024 + i % 60000);
		cc.ack_opts = {OptionSpec::toa(Format::F200_8, client)};
	}
	return cc;
}

// Closes with an RST (SO_LINGER 0): the simulator keeps no state for these connections,
// an orderly close would leave orphans retransmitting their FIN for minutes.
void close_abort(std::vector<int> &fds)
{
	linger lg{1, 0};
	for (int fd : fds) {
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		close(fd);
	}
	fds.clear();
}

// Opens connection number `i`: the simulator side is dropped once accepted (an idle
// established connection sends nothing), so it holds no state for it.
int open_scale_conn(long i, bool toa)
{
	Conn c(*g.st, scale_cfg(i, toa));
	std::string why;
	int fd = handshake_accept(c, g.l4, &why);
	if (fd < 0)
		die("scale_open", "connection " + std::to_string(i) + ": " + why);
	return fd;
}

void mode_scale(const std::vector<long> &sizes, int rounds, long calls, long sample,
		long plain_n)
{
	long max = *std::max_element(sizes.begin(), sizes.end());
	if (max > 40000L * 50)
		die("scale_args", "too many connections");
	raise_nofile(max + plain_n + 1024);
	g.init(false);
	if (!slab_info().found)
		die("scale_slab", "no toa_sock line in /proc/slabinfo (module not loaded?)");

	// Connections without TOA: no per-connection state at all.
	{
		Slab s0 = slab_info();
		auto c0 = toa_stats();
		std::vector<int> fds;
		for (long i = 0; i < plain_n; i++)
			fds.push_back(open_scale_conn(max + i, false));
		Slab s1 = slab_info();
		auto c1 = toa_stats();
		std::printf("BENCHINFO mem_plain conns=%ld toa_sock_active=%lld->%lld "
			    "toa_sock_bytes=%lld->%lld conn_alloc_delta=%lld\n",
			    plain_n, s0.active, s1.active, s0.bytes(), s1.bytes(),
			    c1["conn_alloc"] - c0["conn_alloc"]);
		bench_line("mem_plain_bytes_per_conn",
			   plain_n ? double(s1.bytes() - s0.bytes()) / double(plain_n) : 0, "with", 0);
		bench_line("mem_plain_objs_per_conn",
			   plain_n ? double(s1.active - s0.active) / double(plain_n) : 0, "with", 0);
		close_abort(fds);
	}

	Slab base = slab_info();
	auto live = [] {
		auto c = toa_stats();
		return c["conn_alloc"] - c["conn_free"];
	};
	long long live0 = live();
	// What one object takes in the cache's slabs (object, padding, metadata).
	double per_obj = base.per_slab ? double(base.pages_per_slab * 4096) / double(base.per_slab) : 0;
	std::printf("BENCHINFO slab toa_sock objsize=%lld objperslab=%lld pagesperslab=%lld "
		    "bytes_per_object=%.1f\n",
		    base.objsize, base.per_slab, base.pages_per_slab, per_obj);
	std::vector<int> fds;
	fds.reserve(size_t(max));
	uint64_t t_open = now_ns();
	for (long target : sizes) {
		while (long(fds.size()) < target) {
			fds.push_back(open_scale_conn(long(fds.size()), true));
			if (fds.size() % 10000 == 0)
				std::fflush(stdout);
		}
		Slab s = slab_info();
		long n = long(fds.size());
		long long states = live() - live0;
		std::printf("BENCHINFO mem_toa conns=%ld states=%lld toa_sock_active=%lld objs=%lld "
			    "slabs=%lld bytes=%lld open_ns_per_conn=%.0f\n",
			    n, states, s.active, s.objs, s.slabs, s.bytes(),
			    double(now_ns() - t_open) / double(n));
		// Per connection: the footprint of an object times the objects (states) per
		// connection; the slabs' whole growth per connection as a cross-check (it also
		// counts the last, partly filled slab).
		std::string sz = std::to_string(target);
		bench_line("mem_toa_bytes_per_conn_" + sz, per_obj * double(states) / double(n),
			   "with", 0);
		bench_line("mem_toa_objs_per_conn_" + sz, double(states) / double(n), "with", 0);
		bench_line("mem_toa_slab_growth_per_conn_" + sz,
			   double(s.bytes() - base.bytes()) / double(n), "with", 0);
		// The table grows in a worker: let it finish (not timed).
		usleep(300000);
		g.st->poll(0);

		// `sample` sockets spread over all that are open, `calls` calls in all.
		long k = std::min(sample, n);
		std::vector<int> pick;
		for (long j = 0; j < k; j++)
			pick.push_back(fds[size_t(j * n / k)]);
		{
			std::string p = peer_of(pick.back());
			bool ok = p.rfind("203.0.113.", 0) == 0;
			result("scale_check_" + std::to_string(target), ok, "getpeername " + p);
		}
		for (int r = 1; r <= rounds; r++) {
			size_t m = pick.size();
			bench_line("scale_getpeername_" + sz,
				   per_op(calls, [&](long i) { return op_getpeername(pick[size_t(i) % m]); }),
				   "with", r);
			bench_line("scale_get_client_" + sz,
				   per_op(calls, [&](long i) { return op_get_client(pick[size_t(i) % m]); }),
				   "with", r);
#ifdef TOA_BENCH_HAVE_LIBTOA
			bench_line("scale_libtoa_" + sz,
				   per_op(calls, [&](long i) { return op_libtoa(pick[size_t(i) % m]); }),
				   "with", r);
#endif
		}
		std::fflush(stdout);
	}
	auto c = toa_stats();
	std::printf("BENCHINFO scale_counters conn_alloc=%lld alloc_fail=%lld probe_missed=%lld\n",
		    c["conn_alloc"], c["alloc_fail"], c["probe_missed"]);
	close_abort(fds);
	result("scale", g_fail == 0, std::to_string(max) + " TOA connections");
}

// ---------------------------------------------------------------------------------
// datapath: the module's counters over data on established TOA connections

void mode_datapath(long mbytes, int nconns)
{
	g.init();
	struct Spec {
		bool v6;
		OptionList syn, ack;
	};
	const Spec specs[] = {
		{false, {}, {OptionSpec::toa(Format::F200_8, kClient4)}},
		{false, {OptionSpec::toa(Format::F254_8, kClient4)}, {}},
		{false, {}, {OptionSpec::toa(Format::F253_20, kClient6)}},
		{true, {}, {OptionSpec::toa(Format::F254_20, kClient6)}},
	};
	std::vector<Held> conns;
	for (int i = 0; i < nconns; i++) {
		const Spec &s = specs[i % 4];
		conns.push_back(open_held(conn_cfg(s.v6, s.syn, s.ack), s.v6 ? g.l6 : g.l4, "dp"));
		fcntl(conns.back().fd, F_SETFL, O_NONBLOCK);
	}
	auto before = toa_stats();
	if (before.empty())
		die("datapath", "no /proc/net/toa_stats (module not loaded?)");
	if (before["conn_alloc"] - before["conn_free"] < nconns)
		die("datapath", "the connections have no TOA state");
	StackStats ps0 = g.st->stats();

	const long total = mbytes * 1000000L;
	const long per_conn = total / nconns;
	const long back = per_conn / 8; // server -> load balancer, per connection
	std::string chunk(256 * 1024, 'x');
	std::vector<char> rbuf(256 * 1024);
	long received = 0, sent_back = 0;
	uint64_t t0 = now_ns();
	for (Held &h : conns) {
		long queued = 0, got = 0, wrote = 0, back_got = 0;
		uint64_t end = now_ns() + 600000000000ull;
		while ((got < per_conn || back_got < back) && now_ns() < end) {
			// Keep at most 1 MB queued in the simulator.
			if (queued < per_conn && queued - got < (1 << 20)) {
				size_t n = size_t(std::min<long>(long(chunk.size()), per_conn - queued));
				if (!h.c->send(std::string_view(chunk.data(), n)))
					die("datapath_send", h.c->error());
				queued += long(n);
			}
			g.st->poll(0);
			for (;;) {
				ssize_t r = read(h.fd, rbuf.data(), rbuf.size());
				if (r <= 0)
					break;
				got += r;
			}
			if (wrote < back) {
				ssize_t w = write(h.fd, chunk.data(),
						  size_t(std::min<long>(long(chunk.size()), back - wrote)));
				if (w > 0)
					wrote += w;
			}
			back_got += long(h.c->rx().size());
			h.c->rx().clear();
		}
		if (got != per_conn || back_got != back)
			die("datapath_transfer", "received " + std::to_string(got) + " of " +
							 std::to_string(per_conn) + ", sent back " +
							 std::to_string(back_got) + " of " +
							 std::to_string(back));
		received += got;
		sent_back += back_got;
	}
	uint64_t t1 = now_ns();
	auto after = toa_stats();
	StackStats ps1 = g.st->stats();
	long long moved = 0;
	std::string which;
	for (auto &kv : after) {
		long long d = kv.second - before[kv.first];
		if (d) {
			moved += d;
			which += " " + kv.first + "+" + std::to_string(d);
		}
	}
	long long pkts = (long long)(ps1.tx_packets - ps0.tx_packets + ps1.rx_packets - ps0.rx_packets);
	std::printf("BENCHINFO datapath bytes_in=%ld bytes_out=%ld packets=%lld conns=%d "
		    "ns=%llu moved:%s\n",
		    received, sent_back, pkts, nconns, (unsigned long long)(t1 - t0),
		    which.empty() ? " none" : which.c_str());
	bench_line("datapath_counter_delta", double(moved), "with", 0);
	bench_line("datapath_mbytes", double(received + sent_back) / 1e6, "with", 0);
	bench_line("datapath_packets", double(pkts), "with", 0);
	// Still TOA connections (after the snapshot: getsockopt counts).
	int still = 0;
	for (Held &h : conns)
		still += op_get_client(h.fd) > 0 || op_get_lookup(h.fd) > 0;
	result("datapath_conns_still_toa", still == nconns, std::to_string(still));
	for (Held &h : conns) {
		h.c->reset();
		close(h.fd);
	}
	result("datapath", g_fail == 0);
}

// ---------------------------------------------------------------------------------
// k8s: through kube-proxy's NodePort into pods (the node of tests/guest/k8s-node.sh)

const Endpoint kNodePort4 = ep("192.0.2.1:30088"); // its echo Service: DNAT to a pod's 8080
const std::string kSnat4 = "192.0.2.65:";          // cni0: MASQUERADE's source to the pods
constexpr uint16_t kPodPort = 8080;
constexpr size_t kDataSize = 1400; // one segment (the simulator's largest is 1420)

// f() in the network namespace at `path` (/run/netns/<pod>), then back in ours: a socket
// stays in the namespace it was made in.
template <class F> auto in_netns(const std::string &path, F &&f)
{
	int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	int ns = open(path.c_str(), O_RDONLY | O_CLOEXEC);
	if (self < 0 || ns < 0 || setns(ns, CLONE_NEWNET))
		die("k8s_netns", path + ": " + std::strerror(errno));
	auto r = f();
	if (setns(self, CLONE_NEWNET))
		die("k8s_netns", std::string("back to ours: ") + std::strerror(errno));
	close(ns);
	close(self);
	return r;
}

using toa::guest::tcpext;

long long pods_tcpext(const std::vector<std::string> &pods, const std::string &name)
{
	long long sum = 0;
	for (auto &p : pods)
		sum += in_netns(p, [&] { return tcpext(name); });
	return sum;
}

// Empties the conntrack table of our namespace, as `conntrack -F` does (a ctnetlink
// delete without a tuple): each phase meets the same empty table, and no garbage
// collection of the last phase's entries runs in its timed loops. The entries left.
long long conntrack_flush()
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
	if (fd < 0)
		die("k8s_conntrack_flush", std::string("netlink: ") + std::strerror(errno));
	struct {
		nlmsghdr nh;
		nfgenmsg nf;
	} req{};
	req.nh.nlmsg_len = sizeof(req);
	req.nh.nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_DELETE;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	req.nh.nlmsg_seq = 1;
	req.nf.nfgen_family = AF_INET;
	req.nf.version = NFNETLINK_V0;
	alignas(nlmsghdr) char buf[512];
	ssize_t n = -1;
	if (send(fd, &req, sizeof(req), 0) == ssize_t(sizeof(req)))
		n = recv(fd, buf, sizeof(buf), 0);
	close(fd);
	auto *nh = reinterpret_cast<nlmsghdr *>(buf);
	int err = n >= ssize_t(sizeof(*nh) + sizeof(nlmsgerr)) && nh->nlmsg_type == NLMSG_ERROR
			  ? reinterpret_cast<nlmsgerr *>(NLMSG_DATA(nh))->error
			  : -EIO;
	if (err)
		die("k8s_conntrack_flush", std::string("ctnetlink flush: ") + std::strerror(-err));
	std::ifstream f("/proc/sys/net/netfilter/nf_conntrack_count");
	long long left = -1;
	f >> left;
	return left;
}

// Data packets of an established connection: `size` bytes a segment from the simulator,
// read by the pod's socket as they come, the pod's ACKs taken in; per segment.
double k8s_data(Held &h, long n, size_t size)
{
	std::string chunk(size, 'd');
	std::vector<char> buf(size * 4);
	long errors = 0;
	uint64_t tx0 = g.st->stats().tx_packets, rx0 = g.st->stats().rx_packets;
	double v = per_op(n, [&](long) -> long {
		if (!h.c->send(chunk)) {
			errors++;
			return 0;
		}
		size_t got = 0;
		uint64_t end = now_ns() + 5000000000ull;
		while (got < size) {
			ssize_t r = read(h.fd, buf.data(), buf.size());
			if (r > 0) {
				got += size_t(r);
				continue;
			}
			if (now_ns() > end) {
				errors++;
				break;
			}
			g.st->poll(0);
		}
		g.st->poll(0);
		return long(got);
	});
	long ops = n + std::max(1L, n / 10);
	uint64_t tx = g.st->stats().tx_packets - tx0, rx = g.st->stats().rx_packets - rx0;
	std::printf("BENCHINFO k8s data_%s_%d segments=%ld bytes=%zu sent=%llu acks_back=%llu\n",
		    g_phase.c_str(), g_round, ops, size, (unsigned long long)tx,
		    (unsigned long long)rx);
	result("k8s_data_" + g_phase + "_" + std::to_string(g_round),
	       !errors && tx == uint64_t(ops),
	       std::to_string(errors) + " stalls, " + std::to_string(tx) + " packets sent for " +
		       std::to_string(ops) + " segments");
	return v;
}

// A SYN flood at the NodePort: SYNs from clients of 203.0.113.0/24 (untrusted: anyone
// can reach a NodePort) at random ports and sequence numbers, with a Linux SYN's options
// (and with `forged` a TOA 254/8 in front, which the guard strips); each answered by a pod
// with a SYN cookie, read from the TUN before the next SYN. Per SYN.
double k8s_flood(long n, bool forged, uint64_t seed, long *synacks, long *others)
{
	Rng rng(seed);
	OptionList list;
	if (forged)
		list.push_back(OptionSpec::toa(Format::F254_8, ep("203.0.113.66:1234")));
	StackOpts so;
	so.syn = so.mss = so.sack_perm = so.ts = true;
	so.mss_value = 1460;
	so.tsval = 1;
	so.wscale = 7;
	EncodedOptions enc;
	std::string err;
	if (!encode_options(list, so, true, enc, &err))
		die("k8s_flood", err);
	std::vector<uint8_t> pkt(kMaxPacket), rx(kMaxPacket);
	Segment s;
	s.src = kClient4.addr;
	s.dst = kNodePort4.addr;
	s.dport = kNodePort4.port;
	s.flags = tcpflag::SYN;
	s.window = 64240;
	s.opts = enc.bytes;
	s.optlen = enc.len;
	auto drain = [&] {
		ssize_t r;
		while ((r = g.tun.read(rx.data(), rx.size())) > 0) {
			Segment a;
			bool synack = parse_packet(rx.data(), size_t(r), a, false) == ParseResult::Ok &&
				      a.flags == (tcpflag::SYN | tcpflag::ACK) &&
				      a.sport == kNodePort4.port;
			(synack ? *synacks : *others) += 1;
		}
	};
	double v = per_op(n, [&](long) -> long {
		s.src.b[3] = uint8_t(1 + rng.below(254));
		s.sport = uint16_t(1024 + rng.below(64000));
		s.seq = uint32_t(rng.next());
		size_t len = build_packet(pkt.data(), pkt.size(), s);
		if (!len || g.tun.write(pkt.data(), len) != ssize_t(len))
			die("k8s_flood", std::string("TUN write: ") + std::strerror(errno));
		drain();
		return 1;
	});
	// Anything late (none is expected: the node answers a TUN write before it returns).
	uint64_t end = now_ns() + 100000000ull;
	while (now_ns() < end)
		drain();
	return v;
}

void mode_k8s(const std::vector<std::string> &pods, long conns, long packets, long syns)
{
	if (pods.empty())
		die("k8s_args", "--pods /run/netns/<pod>,...");
	bool with = g_phase == "with";
	std::string sfx = "_" + g_phase + "_" + std::to_string(g_round);
	long long left = conntrack_flush();
	result("k8s_conntrack_flushed" + sfx, left == 0, std::to_string(left) + " entries left");
	g.open_tun(true, false);
	std::vector<int> lfds;
	for (auto &p : pods)
		lfds.push_back(in_netns(p, [] { return listen_on(AF_INET, "0.0.0.0", kPodPort, true); }));
	const int *lf = lfds.data();
	int nl = int(lfds.size());

	ConnConfig plain;
	plain.lb = kLb4;
	plain.server = kNodePort4;
	ConnConfig toa = plain;
	toa.ack_opts = {OptionSpec::toa(Format::F200_8, kClient4)};

	// The path is the one meant: behind the MASQUERADE the pod's peer is the node, and
	// only the module (with the guard's word) gives it the client.
	Held h = open_held(toa, lf, nl, "k8s_toa");
	std::string p = peer_of(h.fd);
	result("check_k8s_peer_toa" + sfx, with ? p == kClient4.str() : p.rfind(kSnat4, 0) == 0,
	       "got " + p + " want " + (with ? kClient4.str() : kSnat4 + "*"));
	{
		Held pl = open_held(plain, lf, nl, "k8s_plain");
		p = peer_of(pl.fd);
		result("check_k8s_peer_plain" + sfx, p.rfind(kSnat4, 0) == 0, "got " + p);
		pl.c->reset();
		close(pl.fd);
	}

	fcntl(h.fd, F_SETFL, O_NONBLOCK);
	hits("", 0, -1);
	auto tag = [&](const char *name) { return std::string(name) + sfx; };
	bench_line("k8s_data",
		   hits(tag("k8s_data").c_str(), packets, k8s_data(h, packets, kDataSize), "packet"));
	h.c->reset();
	close(h.fd);
	g.st->poll(0);
	bench_line("k8s_setup_plain", hits(tag("k8s_setup_plain").c_str(), conns,
					   setup_lbsim(plain, lf, nl, conns, "k8s_plain")));
	bench_line("k8s_setup_toa", hits(tag("k8s_setup_toa").c_str(), conns,
					 setup_lbsim(toa, lf, nl, conns, "k8s_toa")));

	for (bool forged : {false, true}) {
		const char *name = forged ? "k8s_synflood_forged" : "k8s_synflood";
		long long c0 = pods_tcpext(pods, "SyncookiesSent");
		long synacks = 0, others = 0;
		uint64_t seed = uint64_t(g_round) * 16 + (forged ? 8 : 0) +
				(g_phase == "with" ? 1 : g_phase == "noguard" ? 2 : 3);
		double v = k8s_flood(syns, forged, seed, &synacks, &others);
		long long cookies = pods_tcpext(pods, "SyncookiesSent") - c0;
		long total = syns + std::max(1L, syns / 10);
		result(std::string("check_") + name + sfx, synacks == total && cookies >= total,
		       std::to_string(total) + " SYNs: " + std::to_string(synacks) +
			       " SYN-ACKs back, " + std::to_string(cookies) + " cookies sent, " +
			       std::to_string(others) + " other packets");
		bench_line(name, hits(tag(name).c_str(), syns, v, "SYN"));
	}
	for (int fd : lfds)
		close(fd);
	result("k8s" + sfx, g_fail == 0);
}

} // namespace

int main(int argc, char **argv)
{
	std::setvbuf(stdout, nullptr, _IOLBF, 0);
	if (argc < 2) {
		std::fprintf(stderr, "usage: toa-bench micro|scale|datapath|k8s [options]\n");
		return 2;
	}
	std::string mode = argv[1];
	long conns = 2000, calls = 100000, mbytes = 100, sample = 1000, plain = 1000;
	long packets = 5000, syns = 2000;
	std::string pods;
	int rounds = 5, nconns = 8;
	std::string sizes = "1000,10000,100000";
	for (int i = 2; i < argc; i++) {
		std::string a = argv[i];
		auto next = [&]() -> std::string {
			if (i + 1 >= argc)
				die("bench_args", "missing value after " + a);
			return argv[++i];
		};
		if (a == "--phase")
			g_phase = next();
		else if (a == "--round")
			g_round = std::atoi(next().c_str());
		else if (a == "--conns")
			conns = std::atol(next().c_str());
		else if (a == "--calls")
			calls = std::atol(next().c_str());
		else if (a == "--sizes")
			sizes = next();
		else if (a == "--rounds")
			rounds = std::atoi(next().c_str());
		else if (a == "--sample")
			sample = std::atol(next().c_str());
		else if (a == "--plain")
			plain = std::atol(next().c_str());
		else if (a == "--mbytes")
			mbytes = std::atol(next().c_str());
		else if (a == "--only")
			g_only = next();
		else if (a == "--skip")
			g_skip = next();
		else if (a == "--data-conns")
			nconns = std::atoi(next().c_str());
		else if (a == "--pods")
			pods = next();
		else if (a == "--packets")
			packets = std::atol(next().c_str());
		else if (a == "--syns")
			syns = std::atol(next().c_str());
		else
			die("bench_args", "unknown argument " + a);
	}
	if (g_phase != "with" && g_phase != "without" && !(mode == "k8s" && g_phase == "noguard"))
		die("bench_args", "--phase with|without (k8s: or noguard)");
	if (mode == "micro")
		mode_micro(conns, calls);
	else if (mode == "scale")
		mode_scale(parse_list(sizes), rounds, calls, sample, plain);
	else if (mode == "datapath")
		mode_datapath(mbytes, nconns);
	else if (mode == "k8s")
		mode_k8s(split(pods), conns, packets, syns);
	else
		die("bench_args", "unknown mode " + mode);
	return g_fail ? 1 : 0;
}
