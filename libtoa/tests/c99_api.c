/* SPDX-License-Identifier: MIT */
/* The C API from a strict C99 translation unit (built with -std=c99 -pedantic -Werror). */
#include <toa/policy.h>
#include <toa/toa.h>

#include <string.h>

int c99_format_endpoints(char *v4, char *v6, size_t n);
int c99_describe_client(int fd, char *line, size_t n);
int c99_error_codes(int closed_fd, int pipe_fd, int udp_fd, int listen_fd, int unconnected_fd);

int c99_format_endpoints(char *v4, char *v6, size_t n)
{
	struct toa_endpoint a, b;

	if (toa_endpoint_parse("203.0.113.7:40000", &a) != 0)
		return -1;
	if (toa_endpoint_parse("[2001:db8::7]:40000", &b) != 0)
		return -2;
	if (toa_endpoint_format(&a, v4, n) != 17)
		return -3;
	if (toa_endpoint_format(&b, v6, n) != 19)
		return -4;
	return 0;
}

int c99_describe_client(int fd, char *line, size_t n)
{
	struct toa_client c;
	char client[TOA_ENDPOINT_STRLEN], lb[TOA_ENDPOINT_STRLEN], via[TOA_ORIGIN_STRLEN];
	int rc = toa_get_client(fd, &c);

	if (rc != 0)
		return rc;
	if (toa_endpoint_format(&c.client, client, sizeof client) < 0 ||
	    toa_endpoint_format(&c.lb, lb, sizeof lb) < 0 ||
	    toa_origin_format(&c, via, sizeof via) < 0)
		return -1;
	if (strlen(client) + strlen(lb) + strlen(via) + 20 > n)
		return -2;
	strcpy(line, "client=");
	strcat(line, client);
	strcat(line, " via=");
	strcat(line, via);
	strcat(line, " lb=");
	strcat(line, lb);
	return 0;
}

int c99_error_codes(int closed_fd, int pipe_fd, int udp_fd, int listen_fd, int unconnected_fd)
{
	struct toa_client c;

	if (toa_get_client(closed_fd, &c) != TOA_E_BAD_FD)
		return 1;
	if (toa_get_client(pipe_fd, &c) != TOA_E_NOT_SOCKET)
		return 2;
	if (toa_get_client(udp_fd, &c) != TOA_E_NOT_TCP)
		return 3;
	if (toa_get_client(listen_fd, &c) != TOA_E_LISTENING)
		return 4;
	if (toa_get_client(unconnected_fd, &c) != TOA_E_NOT_CONNECTED)
		return 5;
	if (strcmp(toa_version(), TOA_VERSION_STRING) != 0)
		return 6;
	return 0;
}
