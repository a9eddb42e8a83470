// SPDX-License-Identifier: MIT
// Where requests go and replies come from: a generic netlink socket
// (netlink.cpp) in the tool, a scripted fake in the tests.
#ifndef TOA_INSPECT_TRANSPORT_H
#define TOA_INSPECT_TRANSPORT_H

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <memory>

namespace toa_inspect {

class Transport {
public:
	virtual ~Transport() = default;
	// The port id replies are addressed to (0: do not check).
	virtual uint32_t portid() const = 0;
	// A fresh sequence number for the next request (0: do not check).
	virtual uint32_t next_seq() = 0;
	// Sends one request; returns 0 or an errno.
	virtual int send(const void *buf, size_t len) = 0;
	// Receives one datagram; returns its length, or -errno (-EAGAIN on timeout).
	virtual ssize_t recv(void *buf, size_t cap) = 0;
};

// Opens the generic netlink socket (netlink.cpp). On failure returns nullptr
// and stores an errno in *err.
std::unique_ptr<Transport> open_netlink(int *err);

} // namespace toa_inspect

#endif
