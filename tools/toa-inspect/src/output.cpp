// SPDX-License-Identifier: MIT
#include "output.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "toa/toa.h"

#include "text.h"

namespace toa_inspect {

// ---- pieces ---------------------------------------------------------------

std::string address_str(const Address &a)
{
	char buf[INET6_ADDRSTRLEN];
	if (a.size() == 0 || !inet_ntop(a.family, a.bytes.data(), buf, sizeof(buf)))
		return "?";
	return buf;
}

std::string endpoint_str(const Endpoint &e)
{
	if (e.addr.size() == 0)
		return address_str(e.addr) + ":" + std::to_string(e.port);
	struct toa_endpoint te = {};
	te.family = e.addr.family;
	te.port = e.port;
	std::memcpy(te.addr, e.addr.bytes.data(), e.addr.size());
	char buf[TOA_ENDPOINT_STRLEN];
	if (toa_endpoint_format(&te, buf, sizeof(buf)) < 0)
		return "?";
	return buf;
}

std::string cidr_str(const Cidr &c)
{
	return address_str(c.addr) + "/" + std::to_string(c.prefix);
}

std::string family_str(uint8_t family)
{
	switch (family) {
	case AF_INET:
		return "inet";
	case AF_INET6:
		return "inet6";
	default:
		return std::to_string(family);
	}
}

std::string packet_str(uint8_t packet)
{
	switch (packet) {
	case TOA_PKT_UNSPEC:
		return "unspec";
	case TOA_PKT_SYN:
		return "syn";
	case TOA_PKT_ACK:
		return "ack";
	case TOA_PKT_DATA:
		return "data";
	default:
		return std::to_string(packet);
	}
}

std::string kind_str(uint8_t kind, uint8_t len)
{
	return std::to_string(kind) + "/" + std::to_string(len);
}

std::string age_str(uint64_t ms)
{
	char buf[64];
	uint64_t s = ms / 1000;
	if (ms < 1000)
		std::snprintf(buf, sizeof(buf), "%llums", static_cast<unsigned long long>(ms));
	else if (s < 60)
		std::snprintf(buf, sizeof(buf), "%llu.%llus", static_cast<unsigned long long>(s),
			      static_cast<unsigned long long>(ms % 1000 / 100));
	else if (s < 3600)
		std::snprintf(buf, sizeof(buf), "%llum%02llus", static_cast<unsigned long long>(s / 60),
			      static_cast<unsigned long long>(s % 60));
	else if (s < 86400)
		std::snprintf(buf, sizeof(buf), "%lluh%02llum",
			      static_cast<unsigned long long>(s / 3600),
			      static_cast<unsigned long long>(s % 3600 / 60));
	else
		std::snprintf(buf, sizeof(buf), "%llud%02lluh",
			      static_cast<unsigned long long>(s / 86400),
			      static_cast<unsigned long long>(s % 86400 / 3600));
	return buf;
}

std::vector<std::string> format_names(uint32_t mask)
{
	std::vector<std::string> out;
	for (int f = 0; f < __TOA_FMT_MAX; f++)
		if (mask & TOA_FMT_BIT(f))
			out.push_back(format_table()[f].name);
	return out;
}

namespace {

#define TOA_INSPECT_STAT_NAME_(id, name) #name,
const char *const kStatNames[__TOA_STAT_MAX] = {TOA_STATS(TOA_INSPECT_STAT_NAME_)};
#undef TOA_INSPECT_STAT_NAME_

struct StatHelp {
	const char *name;
	const char *help;
};
// Descriptions for the HELP lines and `stats --help`. A unit test checks that
// every counter of TOA_STATS has one, and the host test that the man page
// (toa-inspect.8, SUBCOMMANDS/stats) lists it: add both with a new counter.
const StatHelp kStatHelp[] = {
	{"syn_recv_sock_toa", "Connections set up with a TOA option."},
	{"syn_recv_sock_no_toa", "Connections set up without a TOA option."},
	{"getname_toa_ok", "getpeername()/accept() calls answered with the client address."},
	{"getname_toa_mismatch",
	 "getpeername() calls where the client does not fit the socket's address family."},
	{"getname_toa_bypass",
	 "getpeername() calls left alone: the local name was asked, or transparent mode is off."},
	{"getname_toa_empty",
	 "Always 0: transparent mode no longer gives sockets the module's proto_ops (kept by name for monitoring)."},
	{"ip6_address_alloc", "Per-connection states allocated with an IPv6 client."},
	{"ip6_address_free", "Per-connection states with an IPv6 client freed."},
	{"conn_alloc", "Per-connection states allocated."},
	{"conn_free", "Per-connection states freed."},
	{"toa_syn", "Client addresses taken from the SYN."},
	{"toa_ack", "Client addresses taken from the ACK that completed the handshake."},
	{"toa_data",
	 "Client addresses taken from a data segment that completed the handshake (its ACK was lost)."},
	{"untrusted", "Options ignored because their source is not in the trusted list."},
	{"malformed", "Malformed TCP option lists seen."},
	{"alloc_fail", "Per-connection states that could not be allocated."},
	{"probe_missed", "Options found on a handshake packet whose child socket was never created."},
	{"syn_stash_add", "Options of a SYN kept until its handshake completes."},
	{"syn_stash_hit", "Kept SYN options used when the handshake completed."},
	{"syn_stash_expired", "Kept SYN options dropped after 120 s: the handshake never completed."},
	{"syn_stash_full", "SYN options lost to a full stash: not kept, or dropped for a newer one before 120 s."},
	{"sockopt_ok", "getsockopt() calls answered with a client address."},
	{"sockopt_no_toa", "getsockopt() calls on a socket without TOA."},
	{"hook_syn", "Runs of the SYN hook (one per SYN received)."},
	{"hook_release_cb", "Runs of the accept-time hook (connections with TOA only)."},
	{"guard_stripped", "Packets from untrusted sources whose TOA options the guard overwrote with NOPs (node namespace)."},
	{"guard_vouched", "Packets with a TOA option the guard let out of the node namespace to a pod."},
	{"guard_unvouched", "Options in a pod namespace on packets the guard did not let through (not read)."},
	{"guard_vouch_full", "Records of let-through packets dropped for newer ones before a pod read them."},
	{"uoa_got", "UDP datagrams with a valid UOA option (either carrier)."},
	{"uoa_none", "UDP datagrams without UOA."},
	{"uoa_saved", "UDP mappings made or refreshed from a trusted source."},
	{"uoa_ack_fail", "DPVS's counter of failed UOA ACKs; no ACK is sent, so always 0."},
	{"uoa_miss", "UDP mappings that could not be allocated."},
	{"uoa_lookup_ok", "UOA getsockopt() lookups answered (DPVS's success)."},
	{"uoa_lookup_miss", "UOA getsockopt() lookups without a mapping (DPVS's miss)."},
	{"uoa_lookup_invalid", "UOA getsockopt() calls with a short buffer (DPVS's invalid)."},
	{"uoa_untrusted", "UOA options from untrusted sources: stripped, no mapping."},
	{"uoa_malformed", "Malformed or truncated UOA carriers, or kind-31 options of a wrong length."},
	{"uoa_dropped", "Datagrams whose carrier could not be stripped: dropped."},
	{"uoa_multi", "Datagrams with more than one UOA option (the first wins)."},
	{"uoa_empty", "Address-only UOA datagrams consumed (not handed to the socket)."},
	{"uoa_full", "UDP mappings not kept because the table held uoa_max."},
	{"uoa_expired", "UDP mappings removed after uoa_timeout seconds idle."},
	{"uoa_replaced", "UDP 4-tuples whose client changed (a reused tuple)."},
	{"uoa_unsupported", "Protocol-248 packets behind IPv6 extension headers: not read."},
	{"uoa_lookup_nat", "UOA lookups answered from a mapping the node's namespace kept, through its conntrack (a pod behind kube-proxy)."},
};

// Length of the valid UTF-8 sequence at s[i], or 0.
size_t utf8_len(std::string_view s, size_t i)
{
	auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
	unsigned char c = b(i);
	size_t n;
	uint32_t cp;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (i + n > s.size())
		return 0;
	for (size_t k = 1; k < n; k++) {
		if ((b(i + k) & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (b(i + k) & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

} // namespace

const char *stat_name(size_t i)
{
	return i < __TOA_STAT_MAX ? kStatNames[i] : "?";
}

const char *stat_help(size_t i)
{
	const char *name = stat_name(i);
	for (const auto &h : kStatHelp)
		if (std::string_view(h.name) == name)
			return h.help;
	return nullptr;
}

// ---- JSON -------------------------------------------------------------------

std::string Json::quote(std::string_view s)
{
	std::string o = "\"";
	for (size_t i = 0; i < s.size();) {
		unsigned char c = static_cast<unsigned char>(s[i]);
		if (c == '"' || c == '\\') {
			o += '\\';
			o += static_cast<char>(c);
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			char buf[8];
			std::snprintf(buf, sizeof(buf), "\\u%04x", c);
			o += buf;
			i++;
		} else if (size_t n = utf8_len(s, i)) {
			o.append(s.substr(i, n));
			i += n;
		} else {
			o += "\\ufffd";
			i++;
		}
	}
	return o + "\"";
}

void Json::comma()
{
	if (after_key_) {
		after_key_ = false;
		return;
	}
	if (!first_.empty()) {
		if (!first_.back())
			out_ += ',';
		first_.back() = false;
	}
}

Json &Json::begin_object()
{
	comma();
	out_ += '{';
	first_.push_back(true);
	return *this;
}

Json &Json::end_object()
{
	out_ += '}';
	first_.pop_back();
	return *this;
}

Json &Json::begin_array()
{
	comma();
	out_ += '[';
	first_.push_back(true);
	return *this;
}

Json &Json::end_array()
{
	out_ += ']';
	first_.pop_back();
	return *this;
}

Json &Json::key(std::string_view k)
{
	comma();
	out_ += quote(k);
	out_ += ':';
	after_key_ = true;
	return *this;
}

Json &Json::value(std::string_view s)
{
	comma();
	out_ += quote(s);
	return *this;
}

Json &Json::value(uint64_t v)
{
	comma();
	out_ += std::to_string(v);
	return *this;
}

Json &Json::value(bool b)
{
	comma();
	out_ += b ? "true" : "false";
	return *this;
}

Json &Json::null()
{
	comma();
	out_ += "null";
	return *this;
}

// ---- documents --------------------------------------------------------------

namespace {


template <typename T> void json_opt(Json &j, const std::optional<T> &v)
{
	if (v)
		j.value(static_cast<uint64_t>(*v));
	else
		j.null();
}

std::string opt_endpoint_str(const std::optional<Endpoint> &e)
{
	return e ? endpoint_str(*e) : "-";
}

std::string conn_kind_str(const Conn &c)
{
	if (c.kind && c.len)
		return kind_str(*c.kind, *c.len);
	if (c.kind)
		return std::to_string(*c.kind) + "/?";
	return "-";
}

std::string trusted_str(const std::vector<Cidr> &t)
{
	if (t.empty())
		return "any source (empty list)";
	std::string s;
	for (const auto &c : t) {
		if (!s.empty())
			s += ", ";
		s += cidr_str(c);
	}
	return s;
}

std::string formats_human(uint32_t mask)
{
	std::string on, off;
	for (int f = 0; f < __TOA_FMT_MAX; f++) {
		std::string &dst = (mask & TOA_FMT_BIT(f)) ? on : off;
		if (!dst.empty())
			dst += ' ';
		dst += format_table()[f].name;
	}
	if (on.empty())
		on = "none";
	if (mask & ~static_cast<uint32_t>(TOA_FMT_ALL)) {
		char buf[32];
		std::snprintf(buf, sizeof(buf), " +unknown 0x%x",
			      mask & ~static_cast<uint32_t>(TOA_FMT_ALL));
		on += buf;
	}
	return off.empty() ? on : on + " (off: " + off + ")";
}

std::string prom_escape(std::string_view s)
{
	std::string o;
	for (char c : s) {
		if (c == '\\')
			o += "\\\\";
		else if (c == '"')
			o += "\\\"";
		else if (c == '\n')
			o += "\\n";
		else
			o += c;
	}
	return o;
}


} // namespace

void json_endpoint(Json &j, const std::optional<Endpoint> &e)
{
	if (!e) {
		j.null();
		return;
	}
	j.begin_object();
	j.key("family").value(family_str(e->addr.family));
	j.key("addr").value(address_str(e->addr));
	j.key("port").value(static_cast<uint64_t>(e->port));
	j.end_object();
}

void print_columns(std::ostream &os, const std::vector<std::vector<std::string>> &rows)
{
	if (rows.empty())
		return;
	std::vector<size_t> width(rows[0].size(), 0);
	for (const auto &r : rows)
		for (size_t i = 0; i < r.size(); i++)
			width[i] = std::max(width[i], r[i].size());
	for (const auto &r : rows) {
		std::string line;
		for (size_t i = 0; i < r.size(); i++) {
			line += r[i];
			if (i + 1 < r.size())
				line += std::string(width[i] - r[i].size() + 2, ' ');
		}
		os << line << '\n';
	}
}

void json_conn(Json &j, const Conn &c)
{
	j.begin_object();
	j.key("local");
	json_endpoint(j, c.local);
	j.key("peer");
	json_endpoint(j, c.peer);
	j.key("client");
	json_endpoint(j, c.client);
	j.key("kind");
	json_opt(j, c.kind);
	j.key("len");
	json_opt(j, c.len);
	j.key("format");
	if (c.kind && c.len)
		j.value(kind_str(*c.kind, *c.len));
	else
		j.null();
	j.key("packet");
	if (c.packet)
		j.value(packet_str(*c.packet));
	else
		j.null();
	j.key("age_ms");
	json_opt(j, c.age_ms);
	j.key("netns");
	json_opt(j, c.netns);
	j.end_object();
}

void json_config(Json &j, const Config &c)
{
	j.begin_object();
	j.key("formats");
	if (c.formats) {
		j.begin_array();
		for (const auto &n : format_names(*c.formats))
			j.value(n);
		j.end_array();
	} else {
		j.null();
	}
	j.key("formats_mask");
	json_opt(j, c.formats);
	for (auto [name, v] : {std::pair{"transparent", c.transparent}, std::pair{"syn", c.syn},
			       std::pair{"guard", c.guard}}) {
		j.key(name);
		if (v)
			j.value(*v);
		else
			j.null();
	}
	j.key("trusted");
	if (c.trusted) {
		j.begin_array();
		for (const auto &cidr : *c.trusted)
			j.value(cidr_str(cidr));
		j.end_array();
	} else {
		j.null();
	}
	j.end_object();
}

void print_stats_human(std::ostream &os, const Stats &s)
{
	std::vector<std::vector<std::string>> rows;
	for (size_t i = 0; i < __TOA_STAT_MAX; i++)
		if (s.counters[i])
			rows.push_back({stat_name(i), std::to_string(*s.counters[i])});
	print_columns(os, rows);
}

void print_stats_json(std::ostream &os, const std::string &version, const Stats &s)
{
	Json j;
	j.begin_object();
	j.key("version").value(version);
	j.key("counters").begin_object();
	for (size_t i = 0; i < __TOA_STAT_MAX; i++)
		if (s.counters[i])
			j.key(stat_name(i)).value(*s.counters[i]);
	j.end_object();
	j.end_object();
	os << j.str() << '\n';
}

void print_stats_prometheus(std::ostream &os, const std::string &version, const Stats &s)
{
	os << "# HELP toa_module_info The loaded toa module; the value is always 1.\n"
	   << "# TYPE toa_module_info gauge\n"
	   << "toa_module_info{version=\"" << prom_escape(version) << "\"} 1\n";
	for (size_t i = 0; i < __TOA_STAT_MAX; i++) {
		if (!s.counters[i])
			continue;
		std::string metric = std::string("toa_") + stat_name(i) + "_total";
		const char *help = stat_help(i);
		os << "# HELP " << metric << ' ' << (help ? help : stat_name(i)) << '\n'
		   << "# TYPE " << metric << " counter\n"
		   << metric << ' ' << *s.counters[i] << '\n';
	}
}

void print_config_human(std::ostream &os, const Config &c)
{
	auto sw = [](const std::optional<bool> &v) {
		return v ? (*v ? "on" : "off") : "(not reported)";
	};
	os << "formats:     " << (c.formats ? formats_human(*c.formats) : "(not reported)") << '\n'
	   << "transparent: " << sw(c.transparent) << '\n'
	   << "syn:         " << sw(c.syn) << '\n'
	   << "guard:       " << sw(c.guard) << '\n'
	   << "trusted:     " << (c.trusted ? trusted_str(*c.trusted) : "(not reported)") << '\n';
}

void print_config_json(std::ostream &os, const Config &c)
{
	Json j;
	json_config(j, c);
	os << j.str() << '\n';
}

void print_status_human(std::ostream &os, const Status &s)
{
	if (!s.loaded) {
		os << "module:      not loaded\n";
		return;
	}
	os << "module:      loaded, version " << printable(s.version) << " (generic netlink family \""
	   << TOA_GENL_NAME << "\", id " << s.family.id << ", version " << s.family.version
	   << ")\n";
	print_config_human(os, s.config);
}

void print_status_json(std::ostream &os, const Status &s)
{
	Json j;
	j.begin_object();
	j.key("loaded").value(s.loaded);
	if (!s.loaded && !s.last_load_error.empty())
		j.key("last_load_error").value(s.last_load_error);
	if (s.loaded) {
		j.key("version").value(s.version);
		j.key("tool_version").value(TOA_VERSION_STRING);
		j.key("genl").begin_object();
		j.key("name").value(TOA_GENL_NAME);
		j.key("id").value(static_cast<uint64_t>(s.family.id));
		j.key("version").value(static_cast<uint64_t>(s.family.version));
		j.end_object();
		j.key("config");
		json_config(j, s.config);
	}
	j.end_object();
	os << j.str() << '\n';
}

void print_conns_human(std::ostream &os, const std::vector<Conn> &conns, bool header)
{
	std::vector<std::vector<std::string>> rows;
	if (header)
		rows.push_back({"LOCAL", "LB (PEER)", "CLIENT", "KIND", "PACKET", "AGE", "NETNS"});
	for (const auto &c : conns)
		rows.push_back({opt_endpoint_str(c.local), opt_endpoint_str(c.peer),
				opt_endpoint_str(c.client), conn_kind_str(c),
				c.packet ? packet_str(*c.packet) : "-",
				c.age_ms ? age_str(*c.age_ms) : "-",
				c.netns ? std::to_string(*c.netns) : "-"});
	print_columns(os, rows);
}

void print_conns_json(std::ostream &os, const std::vector<Conn> &conns)
{
	Json j;
	j.begin_object();
	j.key("connections").begin_array();
	for (const auto &c : conns)
		json_conn(j, c);
	j.end_array();
	j.end_object();
	os << j.str() << '\n';
}

void print_conn_human(std::ostream &os, const Conn &c)
{
	std::string kind = conn_kind_str(c);
	if (c.kind && c.len)
		if (const FormatInfo *f = find_format(*c.kind, *c.len))
			kind += std::string(" (") + f->users + ")";
	os << "local:   " << opt_endpoint_str(c.local) << '\n'
	   << "peer:    " << opt_endpoint_str(c.peer) << " (load balancer)\n"
	   << "client:  " << opt_endpoint_str(c.client) << '\n'
	   << "kind:    " << kind << '\n'
	   << "packet:  " << (c.packet ? packet_str(*c.packet) : "-") << '\n'
	   << "age:     " << (c.age_ms ? age_str(*c.age_ms) : "-") << '\n'
	   << "netns:   " << (c.netns ? std::to_string(*c.netns) : "-") << '\n';
}

void print_conn_json(std::ostream &os, const Conn &c)
{
	Json j;
	json_conn(j, c);
	os << j.str() << '\n';
}

} // namespace toa_inspect
