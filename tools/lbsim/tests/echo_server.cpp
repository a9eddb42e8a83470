// SPDX-License-Identifier: MIT
//
// lbsim_echo_server: a small TCP echo server for the simulator's guest tests and the
// demo. Listens on IPv4 and IPv6, echoes every byte back, closes when the peer
// closes. With --log it prints one line per accepted connection: the peer as
// accept()/getpeername() give it and, when a toa module answers, TOA_SO_GET_CLIENT and
// TOA_SO_GET_LOOKUP.
//
//   lbsim_echo_server [--port N] [--v4 ADDR] [--v6 ADDR] [--no-v4] [--no-v6]
//                     [--log] [--close-after-echo] [--max N] [--ready-file PATH]
//                     [--backlog N] [--verbose]   (--verbose: every write() on stderr)
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "toa/uapi.h"

namespace {

struct Client {
	int fd;
	std::string pending; // not yet written back
	bool peer_closed;
};

std::string sockaddr_str(const sockaddr_storage &ss)
{
	char buf[INET6_ADDRSTRLEN];
	if (ss.ss_family == AF_INET) {
		auto *s = reinterpret_cast<const sockaddr_in *>(&ss);
		inet_ntop(AF_INET, &s->sin_addr, buf, sizeof(buf));
		return std::string(buf) + ":" + std::to_string(ntohs(s->sin_port));
	}
	if (ss.ss_family == AF_INET6) {
		auto *s = reinterpret_cast<const sockaddr_in6 *>(&ss);
		inet_ntop(AF_INET6, &s->sin6_addr, buf, sizeof(buf));
		return "[" + std::string(buf) + "]:" + std::to_string(ntohs(s->sin6_port));
	}
	return "?";
}

int listen_on(int family, const char *addr, int port, int backlog)
{
	int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		perror("socket");
		return -1;
	}
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	socklen_t len;
	if (family == AF_INET) {
		auto *s = reinterpret_cast<sockaddr_in *>(&ss);
		s->sin_family = AF_INET;
		s->sin_port = htons(port);
		if (inet_pton(AF_INET, addr, &s->sin_addr) != 1) {
			fprintf(stderr, "bad IPv4 address %s\n", addr);
			return -1;
		}
		len = sizeof(*s);
	} else {
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		auto *s = reinterpret_cast<sockaddr_in6 *>(&ss);
		s->sin6_family = AF_INET6;
		s->sin6_port = htons(port);
		if (inet_pton(AF_INET6, addr, &s->sin6_addr) != 1) {
			fprintf(stderr, "bad IPv6 address %s\n", addr);
			return -1;
		}
		len = sizeof(*s);
	}
	if (bind(fd, reinterpret_cast<sockaddr *>(&ss), len) != 0) {
		fprintf(stderr, "bind %s port %d: %s\n", addr, port, strerror(errno));
		return -1;
	}
	if (listen(fd, backlog) != 0) {
		perror("listen");
		return -1;
	}
	return fd;
}

void log_conn(int fd, const sockaddr_storage &peer)
{
	std::string line = "accept peer=" + sockaddr_str(peer);
	toa_client_info ci;
	memset(&ci, 0, sizeof(ci));
	socklen_t l = sizeof(ci);
	if (getsockopt(fd, IPPROTO_IP, TOA_SO_GET_CLIENT, &ci, &l) == 0) {
		char buf[INET6_ADDRSTRLEN];
		inet_ntop(ci.family, ci.addr, buf, sizeof(buf));
		line += " toa=" + std::string(ci.family == AF_INET6 ? "[" : "") + buf +
			(ci.family == AF_INET6 ? "]" : "") + ":" + std::to_string(ntohs(ci.port)) +
			" kind=" + std::to_string(ci.kind) + "/" + std::to_string(ci.len) +
			" packet=" + std::to_string(ci.packet);
	} else {
		line += " toa=- (" + std::string(strerror(errno)) + ")";
	}
	toa_nat64_peer np;
	l = sizeof(np);
	if (getsockopt(fd, IPPROTO_IP, TOA_SO_GET_LOOKUP, &np, &l) == 0) {
		char buf[INET6_ADDRSTRLEN];
		inet_ntop(AF_INET6, &np.saddr, buf, sizeof(buf));
		line += " lookup=[" + std::string(buf) + "]:" + std::to_string(ntohs(np.sport));
	}
	printf("%s\n", line.c_str());
	fflush(stdout);
}

} // namespace

int main(int argc, char **argv)
{
	int port = 8080, backlog = 1024;
	long max_conns = -1;
	const char *v4 = "0.0.0.0", *v6 = "::";
	bool use4 = true, use6 = true, log = false, close_after_echo = false, verbose = false;
	const char *ready_file = nullptr;
	for (int i = 1; i < argc; i++) {
		std::string a = argv[i];
		auto val = [&]() -> const char * {
			if (i + 1 >= argc) {
				fprintf(stderr, "%s needs a value\n", a.c_str());
				exit(2);
			}
			return argv[++i];
		};
		if (a == "--port")
			port = atoi(val());
		else if (a == "--v4")
			v4 = val();
		else if (a == "--v6")
			v6 = val();
		else if (a == "--no-v4")
			use4 = false;
		else if (a == "--no-v6")
			use6 = false;
		else if (a == "--log")
			log = true;
		else if (a == "--verbose")
			verbose = true;
		else if (a == "--close-after-echo")
			close_after_echo = true;
		else if (a == "--max")
			max_conns = atol(val());
		else if (a == "--backlog")
			backlog = atoi(val());
		else if (a == "--ready-file")
			ready_file = val();
		else {
			fprintf(stderr,
				"usage: lbsim_echo_server [--port N] [--v4 ADDR] [--v6 ADDR] "
				"[--no-v4] [--no-v6] [--log] [--close-after-echo] [--max N] "
				"[--backlog N] [--ready-file PATH] [--verbose]\n");
			return a == "--help" || a == "-h" ? 0 : 2;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	std::vector<int> listeners;
	if (use4) {
		int fd = listen_on(AF_INET, v4, port, backlog);
		if (fd < 0)
			return 1;
		listeners.push_back(fd);
	}
	if (use6) {
		int fd = listen_on(AF_INET6, v6, port, backlog);
		if (fd < 0)
			return 1;
		listeners.push_back(fd);
	}
	if (ready_file) {
		FILE *f = fopen(ready_file, "w");
		if (f)
			fclose(f);
	}
	std::vector<Client> clients;
	std::vector<pollfd> pfds;
	long accepted = 0;
	char buf[65536];
	for (;;) {
		pfds.clear();
		for (int l : listeners)
			pfds.push_back({l, POLLIN, 0});
		for (auto &c : clients)
			pfds.push_back({c.fd, static_cast<short>((c.peer_closed ? 0 : POLLIN) |
							 (c.pending.empty() ? 0 : POLLOUT)),
					0});
		if (poll(pfds.data(), pfds.size(), -1) < 0) {
			if (errno == EINTR)
				continue;
			perror("poll");
			return 1;
		}
		const size_t polled = pfds.size() - listeners.size(); // clients in pfds
		for (size_t i = 0; i < listeners.size(); i++) {
			if (!(pfds[i].revents & POLLIN))
				continue;
			for (;;) {
				sockaddr_storage peer;
				socklen_t pl = sizeof(peer);
				int fd = accept4(listeners[i], reinterpret_cast<sockaddr *>(&peer), &pl,
						 SOCK_NONBLOCK | SOCK_CLOEXEC);
				if (fd < 0)
					break;
				accepted++;
				if (log)
					log_conn(fd, peer);
				clients.push_back({fd, {}, false});
			}
		}
		for (size_t k = 0; k < clients.size(); k++) {
			Client &c = clients[k];
			// accepted just now: not polled yet, try a read
			short re = k < polled ? pfds[listeners.size() + k].revents : short(POLLIN);
			bool drop = false;
			if (re & (POLLIN | POLLHUP | POLLERR)) {
				ssize_t n = read(c.fd, buf, sizeof(buf));
				if (n > 0)
					c.pending.append(buf, static_cast<size_t>(n));
				else if (n == 0)
					c.peer_closed = true;
				else if (errno != EAGAIN && errno != EINTR)
					drop = true;
			}
			if (!drop && !c.pending.empty()) {
				ssize_t n = write(c.fd, c.pending.data(), c.pending.size());
				if (verbose)
					fprintf(stderr, "fd %d re %#x write %zu -> %zd (%s)\n", c.fd, re,
						c.pending.size(), n, n < 0 ? strerror(errno) : "ok");
				if (n > 0)
					c.pending.erase(0, static_cast<size_t>(n));
				else if (n < 0 && errno != EAGAIN && errno != EINTR)
					drop = true;
				if (!drop && c.pending.empty() && close_after_echo)
					drop = true;
			}
			if (c.peer_closed && c.pending.empty())
				drop = true;
			if (drop) {
				close(c.fd);
				c.fd = -1;
			}
		}
		// remove closed ones (pfds is rebuilt next round)
		size_t w = 0;
		for (size_t k = 0; k < clients.size(); k++)
			if (clients[k].fd >= 0) {
				if (w != k) // never self-move: it may empty the string
					clients[w] = std::move(clients[k]);
				w++;
			}
		clients.resize(w);
		if (max_conns > 0 && accepted >= max_conns && clients.empty())
			return 0;
	}
}
