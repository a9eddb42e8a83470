// SPDX-License-Identifier: MIT
// /dev/kmsg: one record per read(), "<prio>,<seq>,<usec>,<flags>[,...];<text>\n" then
// continuation lines " KEY=value" (printk's device API, Documentation/ABI/testing/dev-kmsg).
#include "kernel_log.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace toa_inspect {

bool read_kernel_log(std::vector<std::string> &messages, std::string &err)
{
	int fd = ::open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		err = std::string("/dev/kmsg: ") + std::strerror(errno);
		return false;
	}
	char buf[8192];
	for (;;) {
		ssize_t n = ::read(fd, buf, sizeof(buf) - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EPIPE) // overwritten while we read: go on with the next
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {
			if (n < 0)
				err = std::string("/dev/kmsg: ") + std::strerror(errno);
			::close(fd);
			return n == 0;
		}
		std::string rec(buf, size_t(n));
		size_t semi = rec.find(';');
		if (semi == std::string::npos)
			continue;
		size_t end = rec.find('\n', semi);
		messages.push_back(rec.substr(semi + 1, end == std::string::npos ? end : end - semi - 1));
	}
	::close(fd);
	return true;
}

std::string last_load_failure(const std::vector<std::string> &messages)
{
	std::string failure;
	for (const std::string &m : messages) {
		if (m.rfind("toa: ", 0) != 0)
			continue;
		if (m.find("toa load success") != std::string::npos)
			failure.clear();
		else if (m.find(": cannot load: ") != std::string::npos)
			failure = m;
	}
	return failure;
}

} // namespace toa_inspect
