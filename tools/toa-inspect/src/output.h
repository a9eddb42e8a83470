// SPDX-License-Identifier: MIT
// Everything toa-inspect prints: the human tables, JSON and the Prometheus
// text exposition format. Pure: writes to a std::ostream, nothing else.
#ifndef TOA_INSPECT_OUTPUT_H
#define TOA_INSPECT_OUTPUT_H

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "model.h"

namespace toa_inspect {

// ---- pieces ---------------------------------------------------------------

std::string address_str(const Address &a);    // "192.0.2.1", "2001:db8::1"
std::string endpoint_str(const Endpoint &e);   // "192.0.2.1:80", "[2001:db8::1]:80"
std::string cidr_str(const Cidr &c);           // "198.51.100.0/24"
std::string family_str(uint8_t family);        // "inet", "inet6"
std::string packet_str(uint8_t packet);        // "syn", "ack", "data", "unspec"
std::string kind_str(uint8_t kind, uint8_t len); // "254/8"
std::string age_str(uint64_t ms);              // "450ms", "12.3s", "4m05s", "2h03m", "3d04h"
std::vector<std::string> format_names(uint32_t mask); // in enum toa_format order

// The counters of TOA_STATS, in order: name and one-line description.
const char *stat_name(size_t i);
const char *stat_help(size_t i);

// A minimal JSON writer: keys and strings are escaped, invalid UTF-8 is
// replaced by U+FFFD, so the output is always valid JSON.
class Json {
public:
	Json &begin_object();
	Json &end_object();
	Json &begin_array();
	Json &end_array();
	Json &key(std::string_view k);
	Json &value(std::string_view s);
	Json &value(const char *s) { return value(std::string_view(s)); }
	Json &value(uint64_t v);
	Json &value(bool b);
	Json &null();
	const std::string &str() const { return out_; }

	static std::string quote(std::string_view s);

private:
	void comma();
	std::string out_;
	std::vector<bool> first_;
	bool after_key_ = false;
};

// ---- documents --------------------------------------------------------------

// One connection: the JSON object used by both `conns` and `lookup`.
void json_conn(Json &j, const Conn &c);
// An endpoint {"family", "addr", "port"}, or null.
void json_endpoint(Json &j, const std::optional<Endpoint> &e);
// Rows of cells in columns two spaces apart.
void print_columns(std::ostream &os, const std::vector<std::vector<std::string>> &rows);
// The config object: formats, formats_mask, transparent, trusted.
void json_config(Json &j, const Config &c);

// stats
void print_stats_human(std::ostream &os, const Stats &s);
void print_stats_json(std::ostream &os, const std::string &version, const Stats &s);
void print_stats_prometheus(std::ostream &os, const std::string &version, const Stats &s);

// config show / config set
void print_config_human(std::ostream &os, const Config &c);
void print_config_json(std::ostream &os, const Config &c);

// status
struct Status {
	bool loaded = false;
	std::string version;   // the module's
	FamilyInfo family;
	Config config;
	std::string last_load_error; // not loaded: the kernel log's reason, if it has one
};
void print_status_human(std::ostream &os, const Status &s);
void print_status_json(std::ostream &os, const Status &s);

// conns
void print_conns_human(std::ostream &os, const std::vector<Conn> &conns, bool header);
void print_conns_json(std::ostream &os, const std::vector<Conn> &conns);

// lookup
void print_conn_human(std::ostream &os, const Conn &c);
void print_conn_json(std::ostream &os, const Conn &c);

} // namespace toa_inspect

#endif
