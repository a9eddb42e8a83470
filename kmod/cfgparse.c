// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The configuration's text (cfgparse.h). The address parsers are the kernel's
 * in4_pton()/in6_pton() in the module and inet_pton() in userspace.
 */
#include "cfgparse.h"
#include "toa/uapi.h"

#ifdef __KERNEL__
#include <linux/errno.h>
#include <linux/inet.h>
#include <linux/kernel.h>
#include <linux/string.h>
#else
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#define scnprintf toa_scnprintf_
static int toa_scnprintf_(char *buf, size_t size, const char *fmt, const char *a,
			  const char *b)
{
	int n = snprintf(buf, size, fmt, a, b);

	return n < 0 ? 0 : (size_t)n >= size ? (size ? (int)size - 1 : 0) : n;
}
#endif

#define TOA_FMT_NAME_(id, kind, len, family, on) [TOA_FMT_##id] = #kind "/" #len,
static const char *const toa_format_names[__TOA_FMT_MAX] = { TOA_FORMATS(TOA_FMT_NAME_) };
#undef TOA_FMT_NAME_

static int toa_word_is(const char *s, size_t n, const char *w)
{
	return strlen(w) == n && !strncmp(s, w, n);
}

/* The length of @s without one trailing newline (sysfs writes end with one). */
static size_t toa_trimmed_len(const char *s)
{
	size_t n = strlen(s);

	return n && s[n - 1] == '\n' ? n - 1 : n;
}

int toa_formats_parse(const char *s, uint32_t *mask, size_t *bad, size_t *bad_len)
{
	size_t len = toa_trimmed_len(s), off = 0;
	uint32_t m = 0;

	while (off < len && s[off] == ' ')
		off++;
	if (toa_word_is(s + off, len - off, "default")) {
		*mask = TOA_FMT_DEFAULT;
		return 0;
	}
	if (toa_word_is(s + off, len - off, "all")) {
		*mask = TOA_FMT_ALL;
		return 0;
	}
	if (toa_word_is(s + off, len - off, "none")) {
		*mask = 0;
		return 0;
	}
	while (off < len) {
		size_t n = 0;
		int f;

		while (off + n < len && s[off + n] != ',')
			n++;
		for (f = 0; f < __TOA_FMT_MAX; f++)
			if (toa_word_is(s + off, n, toa_format_names[f]))
				break;
		if (f == __TOA_FMT_MAX) {
			*bad = off;
			*bad_len = n;
			return -EINVAL;
		}
		m |= TOA_FMT_BIT(f);
		off += n;
		if (off < len)
			off++; /* the comma */
	}
	*mask = m;
	return 0;
}

int toa_formats_print(char *buf, size_t size, uint32_t mask)
{
	int f, n = 0;

	for (f = 0; f < __TOA_FMT_MAX; f++)
		if (mask & TOA_FMT_BIT(f))
			n += scnprintf(buf + n, size - n, "%s%s", n ? "," : "", toa_format_names[f]);
	if (!n)
		n = scnprintf(buf, size, "%s%s", "none", "");
	return n;
}

static int toa_pton(int v6, const char *s, size_t len, uint8_t *out)
{
#ifdef __KERNEL__
	const char *end;

	return (v6 ? in6_pton(s, len, out, -1, &end) : in4_pton(s, len, out, -1, &end)) &&
	       end == s + len;
#else
	char buf[64];

	if (len >= sizeof(buf))
		return 0;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return inet_pton(v6 ? AF_INET6 : AF_INET, buf, out) == 1;
#endif
}

int toa_cidr_parse(const char *s, size_t len, struct toa_cidr *out)
{
	size_t alen = 0;
	unsigned int prefix, max;

	memset(out, 0, sizeof(*out));
	while (alen < len && s[alen] != '/')
		alen++;
	if (!alen || alen > 45)
		return -EINVAL;
	if (toa_pton(0, s, alen, out->addr)) {
		out->family = AF_INET;
		max = 32;
	} else if (toa_pton(1, s, alen, out->addr)) {
		out->family = AF_INET6;
		max = 128;
	} else {
		return -EINVAL;
	}
	prefix = max;
	if (alen < len) {
		size_t i = alen + 1;

		if (i == len || len - i > 3)
			return -EINVAL;
		prefix = 0;
		for (; i < len; i++) {
			if (s[i] < '0' || s[i] > '9')
				return -EINVAL;
			prefix = prefix * 10 + (unsigned int)(s[i] - '0');
		}
		if (prefix > max)
			return -EINVAL;
	}
	out->prefix = (uint8_t)prefix;
	return toa_cidr_check(out);
}

int toa_cidr_check(const struct toa_cidr *c)
{
	unsigned int max = c->family == AF_INET ? 32 : 128, i;

	if ((c->family != AF_INET && c->family != AF_INET6) || c->prefix > max)
		return -EINVAL;
	for (i = 0; i < max / 8; i++) {
		uint8_t keep = i < c->prefix / 8u ? 0xff :
			       i == c->prefix / 8u ? (uint8_t)(0xff00 >> (c->prefix % 8)) : 0;

		if (c->addr[i] & ~keep)
			return -EINVAL;
	}
	return 0;
}

int toa_cidr_contains(const struct toa_cidr *c, uint8_t family, const void *addr)
{
	const uint8_t *a = addr;
	unsigned int bytes = c->prefix / 8, bits = c->prefix % 8;

	if (c->family != family || memcmp(a, c->addr, bytes))
		return 0;
	return !bits || !((a[bytes] ^ c->addr[bytes]) & (0xff00 >> bits));
}

int toa_trusted_parse(const char *s, struct toa_cidr *out, unsigned int max, unsigned int *n,
		      size_t *bad, size_t *bad_len)
{
	size_t len = toa_trimmed_len(s), off = 0;
	unsigned int k = 0;

	while (off < len && s[off] == ' ')
		off++;
	if (toa_word_is(s + off, len - off, "any") || toa_word_is(s + off, len - off, "none")) {
		*n = 0;
		return 0;
	}
	while (off < len) {
		size_t w = 0;

		while (off + w < len && s[off + w] != ',' && s[off + w] != ' ')
			w++;
		if (w) {
			if (k == max)
				return -E2BIG;
			if (toa_cidr_parse(s + off, w, &out[k])) {
				*bad = off;
				*bad_len = w;
				return -EINVAL;
			}
			k++;
		}
		off += w;
		while (off < len && (s[off] == ',' || s[off] == ' '))
			off++;
	}
	*n = k;
	return 0;
}
