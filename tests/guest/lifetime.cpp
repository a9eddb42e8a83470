// SPDX-License-Identifier: MIT
// toa-lifetime: in a booted guest, what other kernel code does with a TOA socket and
// what rmmod leaves behind: kTLS and sockmap on TOA sockets then rmmod, TOA sockets
// disconnected and listened on or connected again, a listener (with an accept()
// already waiting) from before the module was loaded, and the vtoa getsockopt.
// The program loads and removes the module itself (toa-lifetime <toa.ko>).
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/tls.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "guest_util.hpp"
#include "lbsim.hpp"
#include "toa/uapi.h"

using namespace toa::lbsim;
using toa::guest::listen_on;
using toa::guest::sockaddr_str;

namespace {

#ifndef SOL_TLS
#define SOL_TLS 282
#endif
#ifndef TCP_ULP
#define TCP_ULP 31
#endif

int g_pass = 0, g_fail = 0;
std::string g_ko;

void result(const std::string &name, bool ok, const std::string &detail = "")
{
	toa::guest::print_result(name, ok, detail, g_pass, g_fail);
}

Endpoint ep(const char *s)
{
	return toa::guest::parse_or_exit<Endpoint>(s);
}

const Endpoint kLb4 = ep("198.51.100.2:0");
const Endpoint kLb6 = ep("[2001:db8:ff::2]:0");
const Endpoint kClient4 = ep("203.0.113.7:40000");
const Endpoint kClient6 = ep("[2001:db8:c::7]:40000");

bool insmod() { return std::system(("insmod " + g_ko).c_str()) == 0; }
bool rmmod() { return std::system("rmmod toa") == 0; }

std::string peer_of(int fd)
{
	sockaddr_storage ss{};
	socklen_t len = sizeof(ss);
	if (getpeername(fd, reinterpret_cast<sockaddr *>(&ss), &len))
		return std::string("error ") + std::strerror(errno);
	return sockaddr_str(ss);
}

struct Env {
	Tun tun;
	std::unique_ptr<Stack> st;
	bool init(std::string *err)
	{
		TunConfig tc;
		if (!tun.open(tc, err))
			return false;
		StackConfig sc;
		sc.seed = 7;
		st = std::make_unique<Stack>(tun, sc);
		return true;
	}
} g;

// One connection through the simulator, the option (if any) on its ACK, accepted on
// lfd; the Conn stays up (the caller resets it) so that the socket stays connected.
struct Open {
	std::unique_ptr<Conn> c;
	int fd = -1;
	std::string accepted, why;
};

Open open_conn(int lfd, const Endpoint &server, const Endpoint &lb, const OptionList &ack)
{
	Open o;
	ConnConfig cc;
	cc.lb = lb;
	cc.server = server;
	cc.ack_opts = ack;
	o.c = std::make_unique<Conn>(*g.st, cc);
	if (!o.c->start()) {
		o.why = "start: " + o.c->error();
		return o;
	}
	if (!g.st->run_until([&] { return o.c->established() || o.c->finished(); }, 3000) ||
	    !o.c->established()) {
		o.why = "no handshake";
		return o;
	}
	auto end = std::chrono::steady_clock::now() + std::chrono::seconds(3);
	while (o.fd < 0 && std::chrono::steady_clock::now() < end) {
		sockaddr_storage ss{};
		socklen_t len = sizeof(ss);
		o.fd = accept4(lfd, reinterpret_cast<sockaddr *>(&ss), &len, 0 | SOCK_NONBLOCK);
		if (o.fd >= 0)
			o.accepted = sockaddr_str(ss);
		else
			g.st->poll(5);
	}
	if (o.fd < 0)
		o.why = "accept timed out";
	else
		fcntl(o.fd, F_SETFL, 0);
	return o;
}

void close_conn(Open &o)
{
	if (o.c)
		o.c->reset();
	g.st->poll(0);
	if (o.fd >= 0)
		::close(o.fd);
	o.fd = -1;
}

bool ktls_tx(int fd, std::string *why)
{
	if (setsockopt(fd, SOL_TCP, TCP_ULP, "tls", sizeof("tls"))) {
		*why = std::string("TCP_ULP tls: ") + std::strerror(errno);
		return false;
	}
	tls12_crypto_info_aes_gcm_128 ci{};
	ci.info.version = TLS_1_2_VERSION;
	ci.info.cipher_type = TLS_CIPHER_AES_GCM_128;
	std::memset(ci.key, 0x42, sizeof(ci.key));
	if (setsockopt(fd, SOL_TLS, TLS_TX, &ci, sizeof(ci))) {
		*why = std::string("TLS_TX: ") + std::strerror(errno);
		return false;
	}
	return true;
}

// kTLS keeps copies of the socket's proto and proto_ops: after rmmod, nothing of them
// may lead into the module, on this socket or on a fresh one.
void suite_ktls(int l4)
{
	if (access("/proc/net/tls_stat", F_OK)) {
		std::printf("RESULT ktls SKIP this kernel has no kTLS (CONFIG_TLS)\n");
		return;
	}
	const Endpoint srv = ep("192.0.2.1:8104");
	Open o = open_conn(l4, srv, kLb4, {OptionSpec::toa(Format::F200_8, kClient4)});
	if (o.fd < 0) {
		result("ktls_toa_conn", false, o.why);
		return;
	}
	std::string why;
	bool on = ktls_tx(o.fd, &why);
	result("ktls_tx_on_toa_socket", on, why);
	result("ktls_keeps_transparent_client", peer_of(o.fd) == kClient4.str(), peer_of(o.fd));
	result("ktls_rmmod_with_ktls_toa_socket", rmmod());
	std::string p = peer_of(o.fd);
	result("ktls_after_rmmod_peer_is_lb", p.rfind("198.51.100.2:", 0) == 0, p);
	ssize_t n = write(o.fd, "hello", 5);
	result("ktls_after_rmmod_write", n == 5, std::to_string(n));
	close_conn(o);
	// A fresh socket that never had TOA, kTLS after the unload.
	Open f = open_conn(l4, srv, kLb4, {});
	bool fon = f.fd >= 0 && ktls_tx(f.fd, &why);
	result("ktls_fresh_socket_after_rmmod", fon && peer_of(f.fd).rfind("198.51.100.2:", 0) == 0,
	       f.fd < 0 ? f.why : why + " " + peer_of(f.fd));
	close_conn(f);
	result("ktls_insmod_again", insmod());
}

long bpf(int cmd, bpf_attr *a) { return syscall(__NR_bpf, cmd, a, sizeof(*a)); }

int sockmap_create()
{
	bpf_attr a{};
	a.map_type = BPF_MAP_TYPE_SOCKMAP;
	a.key_size = 4;
	a.value_size = 4;
	a.max_entries = 4;
	return int(bpf(BPF_MAP_CREATE, &a));
}

bool sockmap_put(int map, uint32_t key, int fd, std::string *why)
{
	uint32_t v = uint32_t(fd);
	bpf_attr a{};
	a.map_fd = uint32_t(map);
	a.key = reinterpret_cast<uint64_t>(&key);
	a.value = reinterpret_cast<uint64_t>(&v);
	a.flags = BPF_ANY;
	if (bpf(BPF_MAP_UPDATE_ELEM, &a)) {
		*why = std::string("map update: ") + std::strerror(errno);
		return false;
	}
	return true;
}

// sockmap rebuilds its per-family proto tables from the socket's proto: after rmmod,
// neither the TOA sockets in the map nor a fresh IPv6 socket may reach the module.
void suite_sockmap(int l4, int l6)
{
	int map = sockmap_create();
	if (map < 0) {
		result("sockmap_create", false, std::strerror(errno));
		return;
	}
	Open a = open_conn(l4, ep("192.0.2.1:8104"), kLb4, {OptionSpec::toa(Format::F254_8, kClient4)});
	Open b = open_conn(l6, ep("[2001:db8::1]:8106"), kLb6,
			   {OptionSpec::toa(Format::F254_20, kClient6)});
	std::string why;
	bool ok = a.fd >= 0 && b.fd >= 0 && sockmap_put(map, 0, a.fd, &why) &&
		  sockmap_put(map, 1, b.fd, &why);
	result("sockmap_toa_sockets_in", ok, a.fd < 0 ? a.why : b.fd < 0 ? b.why : why);
	result("sockmap_keeps_transparent_client",
	       peer_of(a.fd) == kClient4.str() && peer_of(b.fd) == kClient6.str(),
	       peer_of(a.fd) + " " + peer_of(b.fd));
	result("sockmap_rmmod", rmmod());
	char buf[8];
	ok = write(a.fd, "x", 1) == 1 && write(b.fd, "y", 1) == 1;
	g.st->poll(20);
	(void)recv(a.fd, buf, sizeof(buf), MSG_DONTWAIT);
	result("sockmap_toa_sockets_after_rmmod", ok && peer_of(b.fd).rfind("[2001:db8:ff::2]:", 0) == 0,
	       peer_of(a.fd) + " " + peer_of(b.fd));
	close_conn(a);
	close_conn(b);
	Open f = open_conn(l6, ep("[2001:db8::1]:8106"), kLb6, {});
	ok = f.fd >= 0 && sockmap_put(map, 2, f.fd, &why);
	result("sockmap_fresh_ipv6_socket_after_rmmod", ok && peer_of(f.fd).rfind("[2001:db8:ff::2]:", 0) == 0,
	       f.fd < 0 ? f.why : why + " " + peer_of(f.fd));
	close_conn(f);
	::close(map);
	result("sockmap_insmod_again", insmod());
}

// A TOA socket that gives up its peer is a plain socket again: listened on, its children
// report their own peers; connected again, it reports the new peer.
void suite_relisten()
{
	// Once the listener is closed, its former child holds the port alone.
	int l = listen_on(AF_INET, "192.0.2.1", 8110, false, false);
	if (l < 0) {
		result("relisten_listener", false, std::strerror(errno));
		return;
	}
	const Endpoint srv = ep("192.0.2.1:8110");
	Open o = open_conn(l, srv, kLb4, {OptionSpec::toa(Format::F200_8, kClient4)});
	if (o.fd < 0) {
		result("relisten_toa_conn", false, o.why);
		::close(l);
		return;
	}
	result("relisten_toa_socket_has_client", peer_of(o.fd) == kClient4.str(), peer_of(o.fd));
	::close(l);
	o.c->reset();
	g.st->poll(20);
	sockaddr un{};
	un.sa_family = AF_UNSPEC;
	bool ok = connect(o.fd, &un, sizeof(un)) == 0;
	result("relisten_disconnect", ok, ok ? "" : std::strerror(errno));
	ok = listen(o.fd, 16) == 0;
	result("relisten_listen_on_former_toa_socket", ok, ok ? "" : std::strerror(errno));
	if (ok) {
		sockaddr_storage ls{};
		socklen_t ll = sizeof(ls);
		getsockname(o.fd, reinterpret_cast<sockaddr *>(&ls), &ll);
		// Its port went with the disconnect: listen() bound a new one.
		const Endpoint again = ep(sockaddr_str(ls).c_str());
		Open c1 = open_conn(o.fd, again, kLb4, {});
		std::string p = c1.fd >= 0 ? peer_of(c1.fd) : c1.why + " (listening on " + sockaddr_str(ls) + ")";
		result("relisten_child_reports_own_peer", p.rfind("198.51.100.2:", 0) == 0, p);
		Open c2 = open_conn(o.fd, again, kLb4, {OptionSpec::toa(Format::F254_8, ep("203.0.113.9:9"))});
		p = c2.fd >= 0 ? peer_of(c2.fd) : c2.why;
		result("relisten_toa_child_reports_its_client", p == "203.0.113.9:9", p);
		close_conn(c1);
		close_conn(c2);
	}
	::close(o.fd);
	o.fd = -1;
	// Connected out again, to a listener on loopback.
	int lo = listen_on(AF_INET, "127.0.0.1", 8111, false, false);
	int l2 = listen_on(AF_INET, "192.0.2.1", 8112, false, false);
	Open t = open_conn(l2, ep("192.0.2.1:8112"), kLb4, {OptionSpec::toa(Format::F200_8, kClient4)});
	if (t.fd >= 0) {
		t.c->reset();
		g.st->poll(20);
		ok = connect(t.fd, &un, sizeof(un)) == 0;
		sockaddr_in to{};
		to.sin_family = AF_INET;
		to.sin_port = htons(8111);
		inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
		ok = ok && connect(t.fd, reinterpret_cast<sockaddr *>(&to), sizeof(to)) == 0;
		std::string p = ok ? peer_of(t.fd) : std::string(std::strerror(errno));
		result("reconnect_former_toa_socket_reports_new_peer", p == "127.0.0.1:8111", p);
		int a = accept(lo, nullptr, nullptr);
		if (a >= 0)
			::close(a);
		::close(t.fd);
	} else {
		result("reconnect_toa_conn", false, t.why);
	}
	::close(l2);
	::close(lo);
	result("relisten_rmmod", rmmod());
	result("relisten_insmod_again", insmod());
}

// A listener made (and an accept() waiting on it) before the module was loaded.
void suite_listener_before_load()
{
	result("before_load_rmmod", rmmod());
	int l4 = listen_on(AF_INET, "192.0.2.1", 8120, false, false);
	int l6 = listen_on(AF_INET6, "2001:db8::1", 8121, true, false);
	std::string got4, got6;
	std::thread t([&] {
		for (auto [l, out] : {std::pair{l4, &got4}, std::pair{l6, &got6}}) {
			sockaddr_storage ss{};
			socklen_t len = sizeof(ss);
			int fd = accept(l, reinterpret_cast<sockaddr *>(&ss), &len);
			*out = fd < 0 ? std::string("error ") + std::strerror(errno) : sockaddr_str(ss);
			if (fd >= 0)
				::close(fd);
		}
	});
	std::this_thread::sleep_for(std::chrono::milliseconds(200)); // accept() is waiting
	result("before_load_insmod", insmod());
	for (int i = 0; i < 2; i++) {
		ConnConfig cc;
		cc.lb = i ? kLb6 : kLb4;
		cc.server = ep(i ? "[2001:db8::1]:8121" : "192.0.2.1:8120");
		cc.ack_opts = {OptionSpec::toa(i ? Format::F254_20 : Format::F200_8, i ? kClient6 : kClient4)};
		Conn c(*g.st, cc);
		c.start();
		g.st->run_until([&] { return c.established() || c.finished(); }, 3000);
		g.st->run_until([&] { return !(i ? got6 : got4).empty(); }, 3000);
		c.reset();
		g.st->poll(0);
	}
	t.join();
	result("before_load_waiting_accept_gets_client_v4", got4 == kClient4.str(), got4);
	result("before_load_waiting_accept_gets_client_v6", got6 == kClient6.str(), got6);
	::close(l4);
	::close(l6);
}

// Alibaba's vtoa ABI: getsockopt(IPPROTO_IP, 1348) gives the client as a sockaddr.
void suite_vtoa(int l4)
{
	const Endpoint srv = ep("192.0.2.1:8104");
	Open a = open_conn(l4, srv, kLb4, {OptionSpec::toa(Format::F200_8, kClient4)});
	Open n = open_conn(l4, srv, kLb4, {OptionSpec::toa(Format::F254_20, kClient6)});
	Open p = open_conn(l4, srv, kLb4, {});
	sockaddr_storage ss{};
	socklen_t len = sizeof(ss);
	int r = a.fd >= 0 ? getsockopt(a.fd, IPPROTO_IP, VTOA_SO_GET_CLIENT, &ss, &len) : -1;
	result("vtoa_ipv4_client", r == 0 && len == sizeof(sockaddr_in) && sockaddr_str(ss) == kClient4.str(),
	       r ? std::strerror(errno) : sockaddr_str(ss) + " len " + std::to_string(len));
	len = sizeof(ss);
	r = n.fd >= 0 ? getsockopt(n.fd, IPPROTO_IP, VTOA_SO_GET_CLIENT, &ss, &len) : -1;
	result("vtoa_nat64_client", r == 0 && len == sizeof(sockaddr_in6) && sockaddr_str(ss) == kClient6.str(),
	       r ? std::strerror(errno) : sockaddr_str(ss) + " len " + std::to_string(len));
	len = sizeof(sockaddr_in);
	r = n.fd >= 0 ? getsockopt(n.fd, IPPROTO_IP, VTOA_SO_GET_CLIENT, &ss, &len) : 0;
	result("vtoa_short_buffer_einval", r == -1 && errno == EINVAL);
	len = sizeof(ss);
	r = p.fd >= 0 ? getsockopt(p.fd, IPPROTO_IP, VTOA_SO_GET_CLIENT, &ss, &len) : 0;
	result("vtoa_no_toa_enoent", r == -1 && errno == ENOENT);
	close_conn(a);
	close_conn(n);
	close_conn(p);
}

} // namespace

int main(int argc, char **argv)
{
	if (argc != 3) {
		std::fprintf(stderr, "usage: toa-lifetime <toa.ko> all|ktls|sockmap|relisten|before-load|vtoa\n");
		return 2;
	}
	g_ko = argv[1];
	std::string suite = argv[2];
	std::setvbuf(stdout, nullptr, _IOLBF, 0);
	std::string err;
	if (!g.init(&err)) {
		result("lifetime_setup", false, err);
		return 1;
	}
	int l4 = listen_on(AF_INET, "192.0.2.1", 8104, false, false);
	int l6 = listen_on(AF_INET6, "2001:db8::1", 8106, true, false);
	bool all = suite == "all", known = false;
	if (!insmod()) {
		result("lifetime_insmod", false);
		return 1;
	}
	if (all || suite == "vtoa")
		known = true, suite_vtoa(l4);
	if (all || suite == "ktls")
		known = true, suite_ktls(l4);
	if (all || suite == "sockmap")
		known = true, suite_sockmap(l4, l6);
	if (all || suite == "relisten")
		known = true, suite_relisten();
	if (all || suite == "before-load")
		known = true, suite_listener_before_load();
	if (!known) {
		std::fprintf(stderr, "unknown suite %s\n", suite.c_str());
		return 2;
	}
	::close(l4);
	::close(l6);
	result("lifetime_rmmod_final", rmmod());
	std::printf("lifetime: %d passed, %d failed\n", g_pass, g_fail);
	return g_fail ? 1 : 0;
}
