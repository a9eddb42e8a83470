// SPDX-License-Identifier: MIT
// The only file that talks to the kernel: a generic netlink socket (libmnl)
// behind the Transport interface. Building and parsing messages is in
// nlmsg.cpp, which never touches a socket.
#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <cerrno>
#include <ctime>

#include "transport.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

namespace toa_inspect {

namespace {

// How long to wait for each datagram of an answer.
constexpr int kTimeoutSeconds = 10;

class NetlinkTransport : public Transport {
public:
	explicit NetlinkTransport(mnl_socket *nl)
		: nl_(nl), seq_(static_cast<uint32_t>(time(nullptr)))
	{
	}
	~NetlinkTransport() override { mnl_socket_close(nl_); }

	uint32_t portid() const override { return mnl_socket_get_portid(nl_); }
	uint32_t next_seq() override
	{
		if (++seq_ == 0)
			++seq_;
		return seq_;
	}
	int send(const void *buf, size_t len) override
	{
		return mnl_socket_sendto(nl_, buf, len) < 0 ? errno : 0;
	}
	ssize_t recv(void *buf, size_t cap) override
	{
		ssize_t n = mnl_socket_recvfrom(nl_, buf, cap);
		if (n < 0)
			return errno == EWOULDBLOCK ? -EAGAIN : -errno;
		return n;
	}

private:
	mnl_socket *nl_;
	uint32_t seq_;
};

} // namespace

std::unique_ptr<Transport> open_netlink(int *err)
{
	mnl_socket *nl = mnl_socket_open(NETLINK_GENERIC);
	if (!nl) {
		*err = errno;
		return nullptr;
	}
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		*err = errno;
		mnl_socket_close(nl);
		return nullptr;
	}
	// Extended acks carry the module's explanation of an error; older
	// kernels refuse the option, which only loses that explanation.
	int one = 1;
	mnl_socket_setsockopt(nl, NETLINK_EXT_ACK, &one, sizeof(one));
	timeval tv{kTimeoutSeconds, 0};
	setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return std::make_unique<NetlinkTransport>(nl);
}

} // namespace toa_inspect
