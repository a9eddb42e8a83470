// SPDX-License-Identifier: MIT
// The lookup logic against a simulated kernel module.
//
// This program links the static libtoa with -Wl,--wrap=getsockopt,--wrap=getpeername:
// libtoa's calls land in the wrappers below, which answer TOA_SO_GET_CLIENT and
// TOA_SO_GET_LOOKUP as a module would (or pass through to the kernel), and count the
// system calls. The sockets themselves are real loopback sockets. No module is loaded.
#include <toa/toa.hpp>

#include "test_util.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <new>
#include <sstream>

using toatest::connect_pair;
using toatest::fd_guard;

// ------------------------------------------------------------ the fake module

namespace {

struct fake_module {
	bool active = false;
	int client_errno = ENOPROTOOPT; // 0: answer with `info`
	toa_client_info info{};
	socklen_t info_len = sizeof(toa_client_info);
	int lookup_errno = ENOPROTOOPT; // 0: answer with `nat64`
	toa_nat64_peer nat64{};
	// counters
	int client_calls = 0;
	uint16_t client_in_flags = 0; // the flags the last TOA_SO_GET_CLIENT came with
	int lookup_calls = 0;
	int other_getsockopt = 0;
	int getpeername_calls = 0;
};
fake_module fake;

// operator new counter, for the no-allocation checks
std::atomic<long> news{0};

} // namespace

extern "C" int __real_getsockopt(int fd, int level, int name, void *val, socklen_t *len);
extern "C" int __real_getpeername(int fd, sockaddr *sa, socklen_t *len);

extern "C" int __wrap_getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
	if (level == IPPROTO_IP && name == TOA_SO_GET_CLIENT) {
		fake.client_calls++;
		if (*len >= sizeof(toa_client_info))
			fake.client_in_flags = static_cast<const toa_client_info *>(val)->flags;
		if (!fake.active)
			return __real_getsockopt(fd, level, name, val, len);
		if (fake.client_errno) {
			errno = fake.client_errno;
			return -1;
		}
		if (*len < sizeof(toa_client_info)) {
			errno = EINVAL;
			return -1;
		}
		std::memcpy(val, &fake.info, sizeof(fake.info));
		*len = fake.info_len;
		return 0;
	}
	if (level == IPPROTO_IP && name == TOA_SO_GET_LOOKUP) {
		fake.lookup_calls++;
		if (!fake.active)
			return __real_getsockopt(fd, level, name, val, len);
		if (fake.lookup_errno) {
			errno = fake.lookup_errno;
			return -1;
		}
		std::memcpy(val, &fake.nat64, sizeof(fake.nat64));
		*len = sizeof(fake.nat64);
		return 0;
	}
	fake.other_getsockopt++;
	return __real_getsockopt(fd, level, name, val, len);
}

extern "C" int __wrap_getpeername(int fd, sockaddr *sa, socklen_t *len)
{
	fake.getpeername_calls++;
	return __real_getpeername(fd, sa, len);
}

void *operator new(std::size_t n)
{
	news++;
	if (void *p = std::malloc(n ? n : 1))
		return p;
	throw std::bad_alloc();
}
void operator delete(void *p) noexcept { std::free(p); }
void operator delete(void *p, std::size_t) noexcept { std::free(p); }

namespace {

class FakeModule : public ::testing::Test {
protected:
	void SetUp() override
	{
		fake = fake_module{};
		fake.active = true;
		pair = connect_pair(AF_INET, AF_INET);
		ASSERT_GE(pair.server.get(), 0);
		peer = "127.0.0.1:" + std::to_string(pair.client_port);
	}
	void TearDown() override { fake.active = false; }

	void reset_counters()
	{
		fake.client_calls = fake.lookup_calls = fake.other_getsockopt = 0;
		fake.getpeername_calls = 0;
	}

	// A module answer: client 203.0.113.7:40000 by kind 200 on the ACK,
	// load balancer 198.51.100.2:1024.
	static void answer_v4()
	{
		fake.client_errno = 0;
		toa_client_info &i = fake.info;
		i = toa_client_info{};
		i.family = AF_INET;
		i.lb_family = AF_INET;
		i.kind = 200;
		i.len = 8;
		i.packet = TOA_PKT_ACK;
		i.format = TOA_FMT_200_8;
		i.port = htons(40000);
		i.lb_port = htons(1024);
		i.age_ms = 42;
		inet_pton(AF_INET, "203.0.113.7", i.addr);
		inet_pton(AF_INET, "198.51.100.2", i.lb_addr);
	}

	toatest::tcp_pair pair;
	std::string peer;
};

std::string fmt(const toa::endpoint &e) { return toa::format(e).str(); }

TEST_F(FakeModule, OptionIPv4OneSyscall)
{
	answer_v4();
	reset_counters();
	auto c = toa::get_client(pair.server.get());
	ASSERT_TRUE(c) << c.error().message();
	// The success path is one getsockopt and nothing else.
	EXPECT_EQ(1, fake.client_calls);
	EXPECT_EQ(0, fake.lookup_calls);
	EXPECT_EQ(0, fake.other_getsockopt);
	EXPECT_EQ(0, fake.getpeername_calls);

	EXPECT_EQ(toa::origin::option, c->origin);
	EXPECT_TRUE(c->from_toa());
	EXPECT_EQ(toa::kmod::toa, c->kmod);
	EXPECT_EQ("203.0.113.7:40000", fmt(c->address));
	EXPECT_EQ("198.51.100.2:1024", fmt(c->lb));
	EXPECT_EQ(200, c->kind);
	EXPECT_EQ(8, c->length);
	EXPECT_EQ(toa::packet::ack, c->packet);
	EXPECT_EQ(TOA_FMT_200_8, c->format);
	EXPECT_EQ(42u, c->age_ms);
	EXPECT_EQ("TOA(kind 200, ack)", toa::format_origin(*c).str());
	std::ostringstream os;
	os << *c;
	EXPECT_EQ("203.0.113.7:40000 via=TOA(kind 200, ack) lb=198.51.100.2:1024", os.str());
}

TEST_F(FakeModule, OptionIPv6)
{
	fake.client_errno = 0;
	toa_client_info &i = fake.info;
	i.family = AF_INET6;
	i.lb_family = AF_INET;
	i.kind = 254;
	i.len = 20;
	i.packet = TOA_PKT_SYN;
	i.format = TOA_FMT_254_20;
	i.port = htons(40000);
	i.lb_port = htons(1024);
	inet_pton(AF_INET6, "2001:db8::7", i.addr);
	inet_pton(AF_INET, "198.51.100.2", i.lb_addr);
	auto c = toa::get_client(pair.server.get());
	ASSERT_TRUE(c);
	EXPECT_EQ("[2001:db8::7]:40000", fmt(c->address));
	EXPECT_EQ("TOA(kind 254, syn)", toa::format_origin(*c).str());
	EXPECT_EQ(TOA_FMT_254_20, c->format);
}

TEST_F(FakeModule, OptionMappedAddressesAreNormalized)
{
	answer_v4();
	fake.info.family = AF_INET6;
	fake.info.lb_family = AF_INET6;
	inet_pton(AF_INET6, "::ffff:203.0.113.7", fake.info.addr);
	inet_pton(AF_INET6, "::ffff:198.51.100.2", fake.info.lb_addr);
	auto c = toa::get_client(pair.server.get());
	ASSERT_TRUE(c);
	EXPECT_EQ("203.0.113.7:40000", fmt(c->address));
	EXPECT_EQ("198.51.100.2:1024", fmt(c->lb));
}

TEST_F(FakeModule, OptionWithoutLoadBalancer)
{
	answer_v4();
	fake.info.lb_family = 0;
	auto c = toa::get_client(pair.server.get());
	ASSERT_TRUE(c);
	EXPECT_TRUE(c->lb.empty());
}

TEST_F(FakeModule, CdnFormatWithoutPort)
{
	answer_v4();
	fake.info.kind = 28;
	fake.info.len = 7;
	fake.info.format = TOA_FMT_28_7;
	fake.info.port = 0;
	fake.info.packet = TOA_PKT_SYN;
	auto c = toa::get_client(pair.server.get());
	ASSERT_TRUE(c);
	EXPECT_EQ("203.0.113.7:0", fmt(c->address));
	EXPECT_EQ("TOA(kind 28, syn)", toa::format_origin(*c).str());
}

TEST_F(FakeModule, NoToaOnThisConnectionSkipsLookup)
{
	fake.client_errno = ENOENT;
	fake.lookup_errno = 0; // would answer: must not be asked
	inet_pton(AF_INET6, "2001:db8::99", &fake.nat64.saddr);
	reset_counters();
	auto c = toa::get_client(pair.server.get());
	ASSERT_TRUE(c) << c.error().message();
	EXPECT_EQ(0, fake.lookup_calls);
	EXPECT_EQ(1, fake.other_getsockopt); // TCP_INFO: is it TCP, is it listening
	EXPECT_EQ(1, fake.getpeername_calls);
	EXPECT_EQ(toa::origin::peer, c->origin);
	EXPECT_EQ(toa::kmod::toa, c->kmod);
	EXPECT_EQ(peer, fmt(c->address));
	EXPECT_TRUE(c->lb.empty());
}

TEST_F(FakeModule, NoToaPeerAnsweredInOneCall)
{
	// A module that knows TOA_CI_WANT_PEER answers a connection without TOA with its
	// peer: the same answer as the three calls above, in one.
	fake.client_errno = 0;
	fake.lookup_errno = 0; // would answer: must not be asked
	toa_client_info &i = fake.info;
	i = toa_client_info{};
	i.flags = TOA_CI_PEER;
	i.family = AF_INET6;
	inet_pton(AF_INET6, "::ffff:198.51.100.2", i.addr);
	i.port = htons(1024);
	i.format = 0xff;
	reset_counters();
	auto c = toa::get_client(pair.server.get());
	ASSERT_TRUE(c) << c.error().message();
	EXPECT_EQ(TOA_CI_WANT_PEER, fake.client_in_flags);
	EXPECT_EQ(1, fake.client_calls);
	EXPECT_EQ(0, fake.lookup_calls);
	EXPECT_EQ(0, fake.other_getsockopt);
	EXPECT_EQ(0, fake.getpeername_calls);
	EXPECT_EQ(toa::origin::peer, c->origin);
	EXPECT_FALSE(c->from_toa());
	EXPECT_EQ(toa::kmod::toa, c->kmod);
	EXPECT_EQ("198.51.100.2:1024", fmt(c->address)); // IPv4-mapped, normalized
	EXPECT_TRUE(c->lb.empty());
	EXPECT_EQ(TOA_FORMAT_NONE, c->format);
	EXPECT_EQ(0, c->kind);
}

TEST_F(FakeModule, LegacyLookupNat64)
{
	fake.client_errno = ENOPROTOOPT; // a DPVS/Tencent module: only TOA_SO_GET_LOOKUP
	fake.lookup_errno = 0;
	inet_pton(AF_INET6, "2001:db8::7", &fake.nat64.saddr);
	fake.nat64.sport = htons(40000);
	auto c = toa::get_client(pair.server.get());
	ASSERT_TRUE(c) << c.error().message();
	EXPECT_EQ(1, fake.lookup_calls);
	EXPECT_EQ(toa::origin::legacy_lookup, c->origin);
	EXPECT_TRUE(c->from_toa());
	EXPECT_EQ(toa::kmod::legacy, c->kmod);
	EXPECT_EQ("[2001:db8::7]:40000", fmt(c->address));
	EXPECT_EQ(peer, fmt(c->lb)); // the socket's peer: the load balancer
	EXPECT_EQ(0, c->kind);
	EXPECT_EQ(0, c->length);
	EXPECT_EQ(TOA_FORMAT_NONE, c->format);
	EXPECT_EQ("TOA(legacy lookup)", toa::format_origin(*c).str());
}

TEST_F(FakeModule, LegacyLookupMappedIsIPv4)
{
	fake.lookup_errno = 0;
	inet_pton(AF_INET6, "::ffff:203.0.113.7", &fake.nat64.saddr);
	fake.nat64.sport = htons(40000);
	auto c = toa::get_client(pair.server.get());
	ASSERT_TRUE(c);
	EXPECT_EQ("203.0.113.7:40000", fmt(c->address));
}

TEST_F(FakeModule, LegacyTransparentPeerIsNotReportedAsLb)
{
	// A transparent legacy module already rewrote getpeername() to the client.
	fake.lookup_errno = 0;
	inet_pton(AF_INET6, "::ffff:127.0.0.1", &fake.nat64.saddr);
	fake.nat64.sport = htons(pair.client_port);
	auto c = toa::get_client(pair.server.get());
	ASSERT_TRUE(c);
	EXPECT_EQ(peer, fmt(c->address));
	EXPECT_TRUE(c->lb.empty());
}

TEST_F(FakeModule, LegacyModuleWithoutIPv6Client)
{
	fake.lookup_errno = EINVAL; // what DPVS answers
	auto c = toa::get_client(pair.server.get());
	ASSERT_TRUE(c);
	EXPECT_EQ(toa::origin::peer, c->origin);
	EXPECT_EQ(toa::kmod::legacy, c->kmod);
	EXPECT_EQ(peer, fmt(c->address));
}

TEST_F(FakeModule, NoModuleAtAll)
{
	reset_counters();
	auto c = toa::get_client(pair.server.get());
	ASSERT_TRUE(c);
	EXPECT_EQ(1, fake.client_calls);
	EXPECT_EQ(1, fake.other_getsockopt);
	EXPECT_EQ(1, fake.getpeername_calls);
	EXPECT_EQ(1, fake.lookup_calls);
	EXPECT_EQ(toa::origin::peer, c->origin);
	EXPECT_EQ(toa::kmod::none, c->kmod);
}

TEST_F(FakeModule, ForeignModuleEinvalFallsBackToLookup)
{
	fake.client_errno = EINVAL;
	fake.lookup_errno = 0;
	inet_pton(AF_INET6, "2001:db8::7", &fake.nat64.saddr);
	auto c = toa::get_client(pair.server.get());
	ASSERT_TRUE(c);
	EXPECT_EQ(toa::origin::legacy_lookup, c->origin);
}

TEST_F(FakeModule, BadReplies)
{
	answer_v4();
	fake.info.family = 99;
	EXPECT_EQ(toa::errc::bad_reply, toa::get_client(pair.server.get()).error());
	answer_v4();
	fake.info.lb_family = 99;
	EXPECT_EQ(toa::errc::bad_reply, toa::get_client(pair.server.get()).error());
	answer_v4();
	fake.info_len = sizeof(toa_client_info) - 4;
	EXPECT_EQ(toa::errc::bad_reply, toa::get_client(pair.server.get()).error());
	toa_client raw;
	EXPECT_EQ(TOA_E_BAD_REPLY, toa_get_client(pair.server.get(), &raw));
	EXPECT_EQ(0, raw.client.family);
}

TEST_F(FakeModule, SystemErrorsPassThrough)
{
	fake.client_errno = EFAULT;
	auto c = toa::get_client(pair.server.get());
	ASSERT_FALSE(c);
	EXPECT_EQ(std::error_code(EFAULT, std::system_category()), c.error());
	toa_client raw;
	EXPECT_EQ(-EFAULT, toa_get_client(pair.server.get(), &raw));
	fake.client_errno = ENOMEM;
	EXPECT_EQ(std::errc::not_enough_memory, toa::get_client(pair.server.get()).error());
}

TEST_F(FakeModule, ModuleErrorsStillValidateTheSocket)
{
	// Whatever the module says, a bad socket gets its own clear error.
	fake.client_errno = ENOENT;
	fd_guard l = toatest::listener(AF_INET);
	EXPECT_EQ(toa::errc::listening, toa::get_client(l.get()).error());
	fd_guard s(socket(AF_INET, SOCK_STREAM, 0));
	EXPECT_EQ(toa::errc::not_connected, toa::get_client(s.get()).error());
	fake.client_errno = EOPNOTSUPP;
	fd_guard u(socket(AF_INET, SOCK_DGRAM, 0));
	EXPECT_EQ(toa::errc::not_tcp, toa::get_client(u.get()).error());
	fake.client_errno = EBADF;
	reset_counters();
	EXPECT_EQ(toa::errc::bad_fd, toa::get_client(77777).error());
	EXPECT_EQ(0, fake.getpeername_calls + fake.other_getsockopt); // no further calls
}

TEST_F(FakeModule, NoHeapAllocationOnLookup)
{
	answer_v4();
	long before = news.load();
	for (int i = 0; i < 1000; i++) {
		auto c = toa::get_client(pair.server.get());
		ASSERT_TRUE(c);
		char buf[TOA_ENDPOINT_STRLEN];
		ASSERT_GT(toa::format(c->address, buf, sizeof(buf)), 0u);
		(void)toa::format(c->lb);
		(void)toa::format_origin(*c);
	}
	// fallbacks and errors too
	fake.client_errno = ENOENT;
	for (int i = 0; i < 100; i++)
		ASSERT_TRUE(toa::get_client(pair.server.get()));
	fake.active = false;
	for (int i = 0; i < 100; i++) {
		ASSERT_TRUE(toa::get_client(pair.server.get()));
		ASSERT_FALSE(toa::get_client(-1));
	}
	EXPECT_EQ(before, news.load());
	// (the counter itself works)
	std::string s(100, 'x');
	EXPECT_GT(news.load(), before);
}

} // namespace
