// SPDX-License-Identifier: MIT
/*
 * The client in HTTP/1.x request headers: X-Forwarded-For, X-Real-IP and RFC 7239
 * Forwarded, walked from the right past the trusted proxies. Pure, allocation-free: the
 * header lines are kept as spans into the caller's buffer.
 */
#include "toa/http.h"
#include "internal.h"

#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#define MAX_LINES 32 /* header lines of one kind; more is TOA_E_MALFORMED */

struct span {
	const char *p;
	size_t n;
};

struct lines {
	struct span v[MAX_LINES];
	int n;
};

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int ieq(const char *a, size_t n, const char *b)
{
	size_t i;

	if (strlen(b) != n)
		return 0;
	for (i = 0; i < n; i++)
		if (lower((unsigned char)a[i]) != lower((unsigned char)b[i]))
			return 0;
	return 1;
}

static int tchar(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

static struct span trim(const char *p, size_t n)
{
	struct span s;

	while (n && (*p == ' ' || *p == '\t'))
		p++, n--;
	while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	s.p = p;
	s.n = n;
	return s;
}

const char *toa_http_header_name(unsigned header)
{
	switch (header) {
	case TOA_HTTP_FORWARDED:
		return "Forwarded";
	case TOA_HTTP_X_FORWARDED_FOR:
		return "X-Forwarded-For";
	case TOA_HTTP_X_REAL_IP:
		return "X-Real-IP";
	default:
		return "";
	}
}

/* The head: its length, and the value spans of the three headers. */
static int scan_head(const char *buf, size_t len, struct lines found[3])
{
	size_t lim = len < TOA_HTTP_HEAD_MAX ? len : TOA_HTTP_HEAD_MAX, pos = 0, i;
	int first = 1;

	for (;;) {
		const char *nl = memchr(buf + pos, '\n', lim - pos);
		size_t n, k;

		if (!nl)
			return len >= TOA_HTTP_HEAD_MAX ? TOA_E_TOO_LONG : TOA_E_INCOMPLETE;
		n = (size_t)(nl - (buf + pos));
		if (n && buf[pos + n - 1] == '\r')
			n--;
		for (i = 0; i < n; i++) {
			unsigned char c = (unsigned char)buf[pos + i];
			if ((c < 0x20 && c != '\t') || c == 0x7f)
				return TOA_E_MALFORMED;
		}
		if (first) {
			/* method SP target SP HTTP/1.x */
			if (n < 14 || (memcmp(buf + pos + n - 9, " HTTP/1.0", 9) != 0 &&
				       memcmp(buf + pos + n - 9, " HTTP/1.1", 9) != 0) ||
			    !tchar((unsigned char)buf[pos]))
				return TOA_E_MALFORMED;
			first = 0;
		} else if (n == 0) {
			return (int)(nl - buf + 1);
		} else {
			const char *l = buf + pos, *colon = memchr(l, ':', n);
			struct span v;
			int kind;

			if (!colon || colon == l)
				return TOA_E_MALFORMED; /* also obs-fold: a line starting with a space */
			for (k = 0; k < (size_t)(colon - l); k++)
				if (!tchar((unsigned char)l[k]))
					return TOA_E_MALFORMED; /* no space before the colon */
			k = (size_t)(colon - l);
			kind = ieq(l, k, "Forwarded") ? 0 : ieq(l, k, "X-Forwarded-For") ? 1 :
			       ieq(l, k, "X-Real-IP") ? 2 : -1;
			if (kind >= 0) {
				v = trim(colon + 1, n - k - 1);
				if (found[kind].n == MAX_LINES)
					return TOA_E_MALFORMED;
				found[kind].v[found[kind].n++] = v;
			}
		}
		pos = (size_t)(nl - buf) + 1;
	}
}

/* Right-to-left over the comma-separated elements of several lines. */
struct walk {
	const struct lines *l;
	int line;
	size_t end; /* elements of l->v[line] before this offset remain */
};

/* The next element from the right: 1 and *e (trimmed, maybe empty), or 0 at the end. */
static int walk_next(struct walk *w, struct span *e)
{
	while (w->line >= 0) {
		const struct span *s = &w->l->v[w->line];
		size_t i = w->end;
		int quoted = 0;

		if (w->end == (size_t)-1) { /* this line is done */
			if (--w->line >= 0)
				w->end = w->l->v[w->line].n;
			continue;
		}
		while (i > 0) {
			char c = s->p[i - 1];
			if (c == '"')
				quoted = !quoted;
			else if (c == ',' && !quoted)
				break;
			i--;
		}
		*e = trim(s->p + i, w->end - i);
		w->end = i > 0 ? i - 1 : (size_t)-1;
		return 1;
	}
	return 0;
}

/* An X-Forwarded-For entry: an address, "a.b.c.d:port", "[v6]", "[v6]:port". */
static int xff_addr(struct span e, struct toa_endpoint *ep)
{
	if (e.n == 7 && ieq(e.p, 7, "unknown"))
		return TOA_E_NO_ADDRESS;
	if (toa_endpoint_parse_n(e.p, e.n, ep))
		return TOA_E_MALFORMED;
	toa_endpoint_unmap(ep);
	ep->scope_id = 0;
	return 0;
}

/* A Forwarded element: "for=192.0.2.60;proto=http", for="[2001:db8::1]:4711", ... */
static int fwd_addr(struct span e, struct toa_endpoint *ep)
{
	struct span v = { NULL, 0 };
	size_t pos = 0;

	if (memchr(e.p, '\\', e.n))
		return TOA_E_MALFORMED; /* quoted-pairs: never in a node name */
	while (pos <= e.n) {
		const char *semi = memchr(e.p + pos, ';', e.n - pos);
		size_t n = semi ? (size_t)(semi - (e.p + pos)) : e.n - pos;
		struct span pair = trim(e.p + pos, n);
		const char *eq = memchr(pair.p, '=', pair.n);

		if (!eq)
			return TOA_E_MALFORMED;
		if (ieq(pair.p, (size_t)(eq - pair.p), "for")) {
			if (v.p)
				return TOA_E_MALFORMED; /* "for" twice in one element */
			v.p = eq + 1;
			v.n = pair.n - (size_t)(eq - pair.p) - 1;
		}
		if (!semi)
			break;
		pos += n + 1;
	}
	if (!v.p)
		return TOA_E_NO_ADDRESS; /* an element without "for": this hop is unknown */
	if (v.n >= 2 && v.p[0] == '"') {
		size_t i, colons = 0;

		if (v.p[v.n - 1] != '"')
			return TOA_E_MALFORMED;
		v.p++;
		v.n -= 2;
		for (i = 0; i < v.n; i++)
			colons += v.p[i] == ':';
		if (colons > 1 && v.p[0] != '[')
			return TOA_E_MALFORMED; /* an IPv6 node is bracketed (RFC 7239 6) */
	} else {
		size_t i;

		for (i = 0; i < v.n; i++)
			if (!tchar((unsigned char)v.p[i]))
				return TOA_E_MALFORMED; /* IPv6 and ports must be quoted */
	}
	if (v.n && (v.p[0] == '_' || ieq(v.p, v.n, "unknown")))
		return TOA_E_NO_ADDRESS;
	return xff_addr(v, ep);
}

static void hop_add(struct toa_http_client *out, const struct toa_endpoint *ep)
{
	if (out->n_hops == TOA_MAX_HOPS)
		out->n_hops--; /* keep the nearest hops, and the last one seen */
	out->hops[out->n_hops++] = *ep;
}

static void hops_reverse(struct toa_http_client *out)
{
	int i, j;

	for (i = 0, j = out->n_hops - 1; i < j; i++, j--) {
		struct toa_endpoint t = out->hops[i];
		out->hops[i] = out->hops[j];
		out->hops[j] = t;
	}
}

int toa__http_parse(const char *buf, size_t len, const struct toa_endpoint *peer,
		    int (*trusted)(const void *ctx, const struct toa_endpoint *ep),
		    const void *ctx, unsigned headers, struct toa_http_client *out)
{
	static const unsigned bits[3] = { TOA_HTTP_FORWARDED, TOA_HTTP_X_FORWARDED_FOR,
					  TOA_HTTP_X_REAL_IP };
	struct lines found[3];
	struct toa_endpoint ep;
	struct walk w;
	struct span e;
	int head, kind, rc, any = 0;

	if (!out)
		return TOA_E_INVALID;
	memset(out, 0, sizeof(*out));
	if (!buf || !peer)
		return TOA_E_INVALID;
	if (!headers)
		headers = TOA_HTTP_ALL;
	found[0].n = found[1].n = found[2].n = 0;
	head = scan_head(buf, len, found);
	if (head < 0)
		return head;
	out->head_len = (uint32_t)head;
	out->client = *peer;
	for (kind = 0; kind < 3; kind++)
		if ((headers & bits[kind]) && found[kind].n)
			break;
	if (kind == 3)
		return TOA_E_NOT_PRESENT;
	for (rc = 0; rc < 3; rc++)
		any |= (headers & bits[rc]) && found[rc].n;
	if (!trusted(ctx, peer))
		return any ? TOA_E_UNTRUSTED : TOA_E_NOT_PRESENT;
	out->header = (uint8_t)bits[kind];
	hop_add(out, peer);

	if (kind == 2) { /* X-Real-IP: one address, set by the trusted proxy */
		if (found[2].n > 1)
			return TOA_E_MALFORMED;
		rc = xff_addr(found[2].v[0], &ep);
		if (rc)
			return rc;
		hop_add(out, &ep);
		out->client = ep;
		hops_reverse(out);
		return head;
	}
	w.l = &found[kind];
	w.line = found[kind].n - 1;
	w.end = found[kind].v[w.line].n;
	rc = 1;
	while (walk_next(&w, &e)) {
		if (e.n == 0)
			continue; /* empty list elements are allowed (RFC 9110 5.6.1) */
		rc = kind == 0 ? fwd_addr(e, &ep) : xff_addr(e, &ep);
		if (rc)
			return rc;
		hop_add(out, &ep);
		out->client = ep;
		if (!trusted(ctx, &ep))
			break;
	}
	if (rc == 1)
		return TOA_E_NO_ADDRESS; /* the header was empty */
	hops_reverse(out);
	return head;
}

struct cidr_list {
	const struct toa_cidr *v;
	size_t n;
};

static int in_list(const void *ctx, const struct toa_endpoint *ep)
{
	const struct cidr_list *l = ctx;
	size_t i;

	for (i = 0; i < l->n; i++)
		if (toa_cidr_contains(&l->v[i], ep))
			return 1;
	return 0;
}

int toa_http_parse(const char *buf, size_t len, const struct toa_endpoint *peer,
		   const struct toa_cidr *trusted, size_t n_trusted, unsigned headers,
		   struct toa_http_client *out)
{
	struct cidr_list l;

	l.v = trusted;
	l.n = trusted ? n_trusted : 0;
	return toa__http_parse(buf, len, peer, in_list, &l, headers, out);
}
