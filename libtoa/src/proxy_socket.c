// SPDX-License-Identifier: MIT
/*
 * toa_proxy_read(): a PROXY header off a freshly accepted TCP socket. MSG_PEEK until the
 * header is whole, then one read of exactly its length, so that the application's first
 * byte stays in the socket. Waits with poll() and SO_RCVLOWAT (so that a header arriving
 * in pieces does not spin), for blocking and non-blocking sockets alike.
 */
#define _GNU_SOURCE
#include "toa/proxy.h"
#include "internal.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits until more than have bytes are readable (or EOF) until deadline (< 0: none).
 * 1: more may be there; 0: EOF seen; TOA_E_TIMEOUT; -errno. */
static int wait_more(int fd, size_t have, long long deadline)
{
	int old = 1, want = (int)have + 1, rc;
	socklen_t olen = sizeof(old);
	struct pollfd pfd;

	if (getsockopt(fd, SOL_SOCKET, SO_RCVLOWAT, &old, &olen) != 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVLOWAT, &want, sizeof(want)) != 0)
		return -errno;
	for (;;) {
		int wait = -1;

		if (deadline >= 0) {
			long long left = deadline - now_ms();
			if (left <= 0) {
				rc = TOA_E_TIMEOUT;
				break;
			}
			wait = left > 0x7fffffff ? 0x7fffffff : (int)left;
		}
		pfd.fd = fd;
		pfd.events = POLLIN | POLLRDHUP;
		pfd.revents = 0;
		rc = poll(&pfd, 1, wait);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0)
			rc = -errno;
		else if (rc == 0)
			rc = TOA_E_TIMEOUT;
		else if (pfd.revents & (POLLRDHUP | POLLHUP | POLLERR))
			rc = 0;
		else
			rc = 1;
		break;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVLOWAT, &old, sizeof(old));
	return rc;
}

/* Reads exactly n bytes (already queued: the peek saw them). */
static int consume(int fd, void *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = recv(fd, (char *)buf + got, n - got, MSG_DONTWAIT);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -errno : TOA_E_CLOSED;
		got += (size_t)r;
	}
	return 0;
}

int toa__proxy_read(int fd, int timeout_ms, void *buf, size_t len, struct toa_proxy_header *out,
		    int take)
{
	long long deadline = timeout_ms > 0 ? now_ms() + timeout_ms : -1;
	size_t want = TOA_PROXY_V1_MAX, prev = 0;
	int eof = 0;

	if (!out)
		return TOA_E_INVALID;
	memset(out, 0, sizeof(*out));
	if (!buf || len == 0)
		return TOA_E_INVALID;
	for (;;) {
		size_t asked = want < len ? want : len;
		ssize_t n = recv(fd, buf, asked, MSG_PEEK | MSG_DONTWAIT);
		int rc;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return -errno;
			n = 0;
		} else if (n == 0) {
			return TOA_E_CLOSED;
		}
		if (n > 0) {
			rc = toa_proxy_parse(buf, (size_t)n, out);
			if (rc > 0) {
				int c = take ? consume(fd, buf, (size_t)rc) : 0;
				if (c) {
					memset(out, 0, sizeof(*out));
					return c;
				}
				return toa_proxy_parse(buf, (size_t)rc, out);
			}
			if (rc != TOA_E_INCOMPLETE)
				return rc;
			/* how much the whole header needs */
			if (((const char *)buf)[0] == 'P') {
				want = TOA_PROXY_V1_MAX;
			} else if (n >= TOA_PROXY_V2_MIN) {
				const uint8_t *b = buf;
				want = TOA_PROXY_V2_MIN + (size_t)toa__be16(b + 14);
			}
			if (want > len && (size_t)n >= len)
				return TOA_E_TOO_LONG; /* buf cannot hold the header */
			if ((size_t)n == asked && want > asked)
				continue; /* more may be queued already: peek it first */
			if (eof && (size_t)n == prev)
				return TOA_E_CLOSED;
		}
		if (timeout_ms == 0)
			return TOA_E_INCOMPLETE;
		prev = (size_t)n;
		rc = wait_more(fd, prev, deadline);
		if (rc < 0)
			return rc;
		eof = rc == 0;
		if (eof && n == 0) {
			/* nothing queued and EOF: one more peek tells */
			continue;
		}
	}
}

int toa_proxy_read(int fd, int timeout_ms, void *buf, size_t len, struct toa_proxy_header *out)
{
	return toa__proxy_read(fd, timeout_ms, buf, len, out, 1);
}
