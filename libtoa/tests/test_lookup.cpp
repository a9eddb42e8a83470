// SPDX-License-Identifier: MIT
// get_client() against the real kernel of this host, which has no toa module: every
// connected TCP socket answers with its peer; bad input gives its own clear error.
#include <toa/toa.hpp>

#include "test_util.hpp"

#include <gtest/gtest.h>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

using toatest::connect_pair;
using toatest::fd_guard;

namespace {

std::string fmt(const toa::endpoint &e) { return toa::format(e).str(); }

TEST(Lookup, NoModuleIPv4GivesPeer)
{
	auto p = connect_pair(AF_INET, AF_INET);
	ASSERT_GE(p.server.get(), 0);
	auto c = toa::get_client(p.server.get());
	ASSERT_TRUE(c.has_value()) << c.error().message();
	EXPECT_EQ(toa::origin::peer, c->origin);
	EXPECT_FALSE(c->from_toa());
	EXPECT_EQ(toa::kmod::none, c->kmod);
	EXPECT_TRUE(c->address.is_ipv4());
	EXPECT_EQ("127.0.0.1:" + std::to_string(p.client_port), fmt(c->address));
	EXPECT_TRUE(c->lb.empty());
	EXPECT_EQ(0, c->kind);
	EXPECT_EQ(0, c->length);
	EXPECT_EQ(toa::packet::unspec, c->packet);
	EXPECT_EQ(TOA_FORMAT_NONE, c->format);
	EXPECT_EQ(0u, c->age_ms);

	// The connecting side is a connected TCP socket too.
	auto s = toa::get_client(p.client.get());
	ASSERT_TRUE(s);
	EXPECT_EQ("127.0.0.1:" + std::to_string(p.server_port), fmt(s->address));

	auto local = toa::get_local(p.server.get());
	ASSERT_TRUE(local);
	EXPECT_EQ("127.0.0.1:" + std::to_string(p.server_port), fmt(*local));
}

TEST(Lookup, NoModuleIPv6GivesPeer)
{
	if (!toatest::ipv6_available())
		GTEST_SKIP() << "no IPv6 loopback";
	auto p = connect_pair(AF_INET6, AF_INET6);
	ASSERT_GE(p.server.get(), 0);
	auto c = toa::get_client(p.server.get());
	ASSERT_TRUE(c) << c.error().message();
	EXPECT_EQ(toa::origin::peer, c->origin);
	EXPECT_TRUE(c->address.is_ipv6());
	EXPECT_EQ("[::1]:" + std::to_string(p.client_port), fmt(c->address));
}

TEST(Lookup, DualStackIPv4PeerIsNormalized)
{
	if (!toatest::ipv6_available())
		GTEST_SKIP() << "no IPv6";
	auto p = connect_pair(AF_INET6, AF_INET, /*dual_stack=*/true);
	ASSERT_GE(p.server.get(), 0);
	// The kernel says ::ffff:127.0.0.1 ...
	sockaddr_in6 raw{};
	socklen_t len = sizeof(raw);
	ASSERT_EQ(0, getpeername(p.server.get(), reinterpret_cast<sockaddr *>(&raw), &len));
	ASSERT_EQ(AF_INET6, raw.sin6_family);
	// ... libtoa says 127.0.0.1.
	auto c = toa::get_client(p.server.get());
	ASSERT_TRUE(c);
	EXPECT_TRUE(c->address.is_ipv4());
	EXPECT_EQ("127.0.0.1:" + std::to_string(p.client_port), fmt(c->address));
	auto local = toa::get_local(p.server.get());
	ASSERT_TRUE(local);
	EXPECT_EQ("127.0.0.1:" + std::to_string(p.server_port), fmt(*local));
}

TEST(Lookup, ClosedFd)
{
	auto c = toa::get_client(toatest::closed_fd());
	ASSERT_FALSE(c);
	EXPECT_EQ(toa::errc::bad_fd, c.error());
	EXPECT_EQ(std::errc::bad_file_descriptor, c.error());
	EXPECT_EQ(toa::errc::bad_fd, toa::get_client(-1).error());
	EXPECT_EQ(toa::errc::bad_fd, toa::get_local(-1).error());
}

TEST(Lookup, PipeIsNotASocket)
{
	int fds[2];
	ASSERT_EQ(0, pipe(fds));
	fd_guard r(fds[0]), w(fds[1]);
	EXPECT_EQ(toa::errc::not_a_socket, toa::get_client(r.get()).error());
	EXPECT_EQ(toa::errc::not_a_socket, toa::get_client(w.get()).error());
}

TEST(Lookup, RegularFileIsNotASocket)
{
	char path[] = "/tmp/libtoa-test-XXXXXX";
	fd_guard f(mkstemp(path));
	ASSERT_GE(f.get(), 0);
	unlink(path);
	auto c = toa::get_client(f.get());
	EXPECT_EQ(toa::errc::not_a_socket, c.error());
	EXPECT_EQ("not a socket", c.error().message());
}

TEST(Lookup, UdpIsNotTcp)
{
	fd_guard u(socket(AF_INET, SOCK_DGRAM, 0));
	ASSERT_GE(u.get(), 0);
	EXPECT_EQ(toa::errc::not_tcp, toa::get_client(u.get()).error());
	// Connected UDP too (getpeername works there).
	sockaddr_in a{};
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons(9);
	ASSERT_EQ(0, connect(u.get(), reinterpret_cast<sockaddr *>(&a), sizeof(a)));
	EXPECT_EQ(toa::errc::not_tcp, toa::get_client(u.get()).error());
	if (toatest::ipv6_available()) {
		fd_guard u6(socket(AF_INET6, SOCK_DGRAM, 0));
		EXPECT_EQ(toa::errc::not_tcp, toa::get_client(u6.get()).error());
	}
}

TEST(Lookup, UnixStreamIsNotTcp)
{
	int sv[2];
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	fd_guard a(sv[0]), b(sv[1]);
	EXPECT_EQ(toa::errc::not_tcp, toa::get_client(a.get()).error());
	fd_guard lone(socket(AF_UNIX, SOCK_STREAM, 0));
	EXPECT_EQ(toa::errc::not_tcp, toa::get_client(lone.get()).error());
}

TEST(Lookup, ListeningSocket)
{
	fd_guard l = toatest::listener(AF_INET);
	ASSERT_GE(l.get(), 0);
	auto c = toa::get_client(l.get());
	EXPECT_EQ(toa::errc::listening, c.error());
	if (toatest::ipv6_available()) {
		fd_guard l6 = toatest::listener(AF_INET6, true);
		EXPECT_EQ(toa::errc::listening, toa::get_client(l6.get()).error());
	}
}

TEST(Lookup, UnconnectedTcp)
{
	fd_guard s(socket(AF_INET, SOCK_STREAM, 0));
	ASSERT_GE(s.get(), 0);
	EXPECT_EQ(toa::errc::not_connected, toa::get_client(s.get()).error());
	EXPECT_EQ(std::errc::not_connected, toa::get_client(s.get()).error());
}

TEST(Lookup, ResetConnectionIsNotConnected)
{
	auto p = connect_pair(AF_INET, AF_INET);
	ASSERT_GE(p.server.get(), 0);
	linger lg{1, 0};
	ASSERT_EQ(0, setsockopt(p.client.get(), SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	p.client.reset(); // RST
	char b;
	EXPECT_EQ(-1, read(p.server.get(), &b, 1));
	EXPECT_EQ(ECONNRESET, errno);
	EXPECT_EQ(toa::errc::not_connected, toa::get_client(p.server.get()).error());
}

TEST(Lookup, RawTcpSocketIsNotTcp)
{
	fd_guard r(socket(AF_INET, SOCK_RAW, IPPROTO_TCP));
	if (r.get() < 0)
		GTEST_SKIP() << "no CAP_NET_RAW";
	EXPECT_EQ(toa::errc::not_tcp, toa::get_client(r.get()).error());
}

TEST(Lookup, ThreadSafe)
{
	auto p = connect_pair(AF_INET, AF_INET);
	ASSERT_GE(p.server.get(), 0);
	std::string want = "127.0.0.1:" + std::to_string(p.client_port);
	std::atomic<int> bad{0};
	std::vector<std::thread> ts;
	for (int t = 0; t < 8; t++)
		ts.emplace_back([&] {
			for (int i = 0; i < 2000; i++) {
				auto c = toa::get_client(p.server.get());
				if (!c || toa::format(c->address).view() != want)
					bad++;
				if (toa::get_client(-1).error() != toa::errc::bad_fd)
					bad++;
			}
		});
	for (auto &t : ts)
		t.join();
	EXPECT_EQ(0, bad.load());
}

// ------------------------------------------------------------ the C API

TEST(CApi, LookupAndErrors)
{
	auto p = connect_pair(AF_INET, AF_INET);
	ASSERT_GE(p.server.get(), 0);
	toa_client c;
	std::memset(&c, 0xaa, sizeof(c));
	ASSERT_EQ(0, toa_get_client(p.server.get(), &c));
	EXPECT_EQ(TOA_ORIGIN_PEER, c.origin);
	EXPECT_EQ(TOA_KMOD_NONE, c.kmod);
	EXPECT_EQ(AF_INET, c.client.family);
	EXPECT_EQ(p.client_port, c.client.port);
	EXPECT_EQ(0, c.lb.family);
	EXPECT_EQ(TOA_FORMAT_NONE, c.format);
	EXPECT_EQ(0, c.reserved0);
	EXPECT_EQ(0u, c.reserved1);
	char buf[TOA_ENDPOINT_STRLEN];
	ASSERT_GT(toa_endpoint_format(&c.client, buf, sizeof(buf)), 0);
	EXPECT_EQ("127.0.0.1:" + std::to_string(p.client_port), std::string(buf));
	char ob[TOA_ORIGIN_STRLEN];
	ASSERT_EQ(4, toa_origin_format(&c, ob, sizeof(ob)));
	EXPECT_STREQ("peer", ob);

	toa_endpoint local;
	ASSERT_EQ(0, toa_get_local(p.server.get(), &local));
	EXPECT_EQ(p.server_port, local.port);

	EXPECT_EQ(TOA_E_INVALID, toa_get_client(p.server.get(), nullptr));
	EXPECT_EQ(TOA_E_BAD_FD, toa_get_client(toatest::closed_fd(), &c));
	EXPECT_EQ(0, c.client.family); // cleared on failure
	EXPECT_EQ(TOA_FORMAT_NONE, c.format);

	int fds[2];
	ASSERT_EQ(0, pipe(fds));
	EXPECT_EQ(TOA_E_NOT_SOCKET, toa_get_client(fds[0], &c));
	close(fds[0]);
	close(fds[1]);
	fd_guard u(socket(AF_INET, SOCK_DGRAM, 0));
	EXPECT_EQ(TOA_E_NOT_TCP, toa_get_client(u.get(), &c));
	fd_guard l = toatest::listener(AF_INET);
	EXPECT_EQ(TOA_E_LISTENING, toa_get_client(l.get(), &c));
	fd_guard s(socket(AF_INET, SOCK_STREAM, 0));
	EXPECT_EQ(TOA_E_NOT_CONNECTED, toa_get_client(s.get(), &c));
	// Every library code has its own message.
	EXPECT_STRNE(toa_strerror(TOA_E_LISTENING), toa_strerror(TOA_E_NOT_CONNECTED));
}

extern "C" {
int c99_format_endpoints(char *v4, char *v6, size_t n);
int c99_describe_client(int fd, char *line, size_t n);
int c99_error_codes(int closed_fd, int pipe_fd, int udp_fd, int listen_fd, int unconnected_fd);
}

// The same through a translation unit compiled as strict C99 (-std=c99 -pedantic).
TEST(CApi, FromStrictC99)
{
	char v4[TOA_ENDPOINT_STRLEN], v6[TOA_ENDPOINT_STRLEN];
	ASSERT_EQ(0, c99_format_endpoints(v4, v6, sizeof(v4)));
	EXPECT_STREQ("203.0.113.7:40000", v4);
	EXPECT_STREQ("[2001:db8::7]:40000", v6);

	auto p = connect_pair(AF_INET, AF_INET);
	ASSERT_GE(p.server.get(), 0);
	char line[256];
	ASSERT_EQ(0, c99_describe_client(p.server.get(), line, sizeof(line)));
	EXPECT_EQ("client=127.0.0.1:" + std::to_string(p.client_port) + " via=peer lb=-",
		  std::string(line));

	int fds[2];
	ASSERT_EQ(0, pipe(fds));
	fd_guard r(fds[0]), w(fds[1]);
	fd_guard u(socket(AF_INET, SOCK_DGRAM, 0));
	fd_guard l = toatest::listener(AF_INET);
	fd_guard s(socket(AF_INET, SOCK_STREAM, 0));
	EXPECT_EQ(0, c99_error_codes(toatest::closed_fd(), r.get(), u.get(), l.get(), s.get()));
}

} // namespace
