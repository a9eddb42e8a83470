/* SPDX-License-Identifier: MIT */
/* An installed-libtoa consumer in C: a loopback connection must come back as the peer. */
#define _POSIX_C_SOURCE 200809L
#include <toa/policy.h>
#include <toa/toa.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void)
{
	struct sockaddr_in a;
	socklen_t len = sizeof a;
	struct toa_client c;
	char want[64], got[TOA_ENDPOINT_STRLEN], via[TOA_ORIGIN_STRLEN];
	int l, cl, s, rc;

	if (strcmp(toa_version(), TOA_VERSION_STRING) != 0) {
		fprintf(stderr, "version %s != header %s\n", toa_version(), TOA_VERSION_STRING);
		return 1;
	}
	l = socket(AF_INET, SOCK_STREAM, 0);
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(l, (struct sockaddr *)&a, sizeof a) || listen(l, 1) ||
	    getsockname(l, (struct sockaddr *)&a, &len))
		return perror("listen"), 1;
	if (toa_get_client(l, &c) != TOA_E_LISTENING)
		return fprintf(stderr, "listening socket not detected\n"), 1;
	cl = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(cl, (struct sockaddr *)&a, sizeof a))
		return perror("connect"), 1;
	s = accept(l, NULL, NULL);
	len = sizeof a;
	getsockname(cl, (struct sockaddr *)&a, &len);
	snprintf(want, sizeof want, "127.0.0.1:%u", (unsigned)ntohs(a.sin_port));

	rc = toa_get_client(s, &c);
	if (rc)
		return fprintf(stderr, "toa_get_client: %s\n", toa_strerror(rc)), 1;
	toa_endpoint_format(&c.client, got, sizeof got);
	toa_origin_format(&c, via, sizeof via);
	printf("C consumer: libtoa %s client=%s via=%s\n", toa_version(), got, via);
	if (strcmp(got, want) != 0 || c.origin != TOA_ORIGIN_PEER)
		return fprintf(stderr, "want %s via=peer\n", want), 1;
	close(s);
	close(cl);
	close(l);
	return 0;
}
