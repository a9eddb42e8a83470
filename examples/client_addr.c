/* SPDX-License-Identifier: MIT */
/*
 * toa-client-addr: the libtoa C API in a few lines. Accepts connections on PORT
 * (dual-stack [::], or 0.0.0.0 without IPv6) and prints who each one really comes from:
 *
 *   $ toa-client-addr 8080 1
 *   listening on port 8080
 *   client=203.0.113.7:40000 via=TOA(kind 200, ack) lb=198.51.100.2:1024
 *
 * Usage: toa-client-addr PORT [COUNT]    (COUNT connections, default 1; PORT 0: any)
 */
#define _POSIX_C_SOURCE 200809L
#include <toa/toa.h>

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int listen_on(unsigned port)
{
	struct sockaddr_in6 a6;
	struct sockaddr_in a4;
	int off = 0, one = 1;
	int fd = socket(AF_INET6, SOCK_STREAM, 0);

	if (fd >= 0) {
		memset(&a6, 0, sizeof a6);
		a6.sin6_family = AF_INET6;
		a6.sin6_addr = in6addr_any;
		a6.sin6_port = htons((uint16_t)port);
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		if (bind(fd, (struct sockaddr *)&a6, sizeof a6) == 0 && listen(fd, 16) == 0)
			return fd;
		close(fd);
	}
	fd = socket(AF_INET, SOCK_STREAM, 0); /* no IPv6 */
	memset(&a4, 0, sizeof a4);
	a4.sin_family = AF_INET;
	a4.sin_port = htons((uint16_t)port);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a4, sizeof a4) || listen(fd, 16)) {
		perror("toa-client-addr: listen");
		exit(1);
	}
	return fd;
}

int main(int argc, char **argv)
{
	struct toa_client c;
	struct toa_endpoint local;
	char client[TOA_ENDPOINT_STRLEN], lb[TOA_ENDPOINT_STRLEN], via[TOA_ORIGIN_STRLEN];
	long count = argc > 2 ? strtol(argv[2], NULL, 10) : 1;
	int lfd, fd, rc;

	if (argc < 2 || argc > 3 || count < 1) {
		fprintf(stderr, "usage: toa-client-addr PORT [COUNT]\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	lfd = listen_on((unsigned)strtoul(argv[1], NULL, 10));
	toa_get_local(lfd, &local);
	printf("listening on port %u\n", (unsigned)local.port);

	while (count-- > 0) {
		fd = accept(lfd, NULL, NULL);
		if (fd < 0) {
			perror("toa-client-addr: accept");
			return 1;
		}
		rc = toa_get_client(fd, &c); /* the one call */
		if (rc == 0) {
			toa_endpoint_format(&c.client, client, sizeof client);
			toa_endpoint_format(&c.lb, lb, sizeof lb);
			toa_origin_format(&c, via, sizeof via);
			printf("client=%s via=%s lb=%s\n", client, via, lb);
		} else {
			printf("error: %s\n", toa_strerror(rc));
		}
		close(fd);
	}
	close(lfd);
	return 0;
}
