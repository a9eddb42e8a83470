// SPDX-License-Identifier: MIT
//
// The TUN device: open, bring up, addresses and routes over rtnetlink (libmnl), sysctls.
#include "lbsim.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <linux/if_tun.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace toa::lbsim {

std::vector<Prefix> default_server_addrs()
{
	return {*Prefix::parse("192.0.2.1/32"), *Prefix::parse("2001:db8::1/128")};
}

std::vector<Prefix> default_routes()
{
	return {*Prefix::parse("198.51.100.0/24"), *Prefix::parse("203.0.113.0/24"),
		*Prefix::parse("2001:db8:ff::/48"), *Prefix::parse("2001:db8:c::/48")};
}

TunConfig::TunConfig() : addrs(default_server_addrs()), routes(default_routes()) {}

Tun::~Tun() { close(); }

void Tun::close()
{
	if (fd_ >= 0)
		::close(fd_);
	fd_ = -1;
}

ssize_t Tun::read(uint8_t *buf, size_t n) { return ::read(fd_, buf, n); }
ssize_t Tun::write(const uint8_t *buf, size_t n) { return ::write(fd_, buf, n); }

bool Tun::sysctl(const std::string &path, const std::string &value)
{
	// "net/ipv4/tcp_syncookies", "/proc/sys/net/ipv4/tcp_syncookies" or
	// "net.ipv4.tcp_syncookies"
	std::string p = path;
	if (p.rfind("/proc/sys/", 0) != 0) {
		if (p.find('/') == std::string::npos)
			for (auto &c : p)
				if (c == '.')
					c = '/';
		p = "/proc/sys/" + p;
	}
	int fd = ::open(p.c_str(), O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t w = ::write(fd, value.data(), value.size());
	::close(fd);
	return w == static_cast<ssize_t>(value.size());
}

namespace {

std::string errstr(const char *what, int e = errno)
{
	return std::string(what) + ": " + strerror(e);
}

int open_tun_node()
{
	int fd = ::open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd >= 0 || errno != ENOENT)
		return fd;
	// A minimal guest may have no node: make it (char 10:200).
	mkdir("/dev/net", 0755);
	if (mknod("/dev/net/tun", S_IFCHR | 0666, makedev(10, 200)) != 0 && errno != EEXIST)
		return -1;
	return ::open("/dev/net/tun", O_RDWR | O_CLOEXEC);
}

bool set_flags_up(const char *name, std::string *err)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0) {
		*err = errstr("socket");
		return false;
	}
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	bool ok = ioctl(s, SIOCGIFFLAGS, &ifr) == 0;
	if (ok && !(ifr.ifr_flags & IFF_UP)) {
		ifr.ifr_flags |= IFF_UP;
		ok = ioctl(s, SIOCSIFFLAGS, &ifr) == 0;
	}
	if (!ok)
		*err = errstr((std::string("bring up ") + name).c_str());
	::close(s);
	return ok;
}

bool set_mtu(const char *name, int mtu, std::string *err)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0) {
		*err = errstr("socket");
		return false;
	}
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	ifr.ifr_mtu = mtu;
	bool ok = ioctl(s, SIOCSIFMTU, &ifr) == 0;
	if (!ok)
		*err = errstr("set mtu");
	::close(s);
	return ok;
}

// rtnetlink through libmnl: one request at a time, each acknowledged; EEXIST counts as
// success. Errors name the step, with strerror.
class Rtnl {
public:
	bool open(std::string *err)
	{
		nl_ = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
		if (!nl_ || mnl_socket_bind(nl_, 0, MNL_SOCKET_AUTOPID) < 0) {
			*err = errstr("rtnetlink socket");
			return false;
		}
		return true;
	}
	~Rtnl()
	{
		if (nl_)
			mnl_socket_close(nl_);
	}

	// A new request of `type` (create or replace) in the buffer, its fixed header zeroed.
	template <typename Msg> Msg *start(uint16_t type)
	{
		h_ = mnl_nlmsg_put_header(buf_);
		h_->nlmsg_type = type;
		h_->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE;
		h_->nlmsg_seq = ++seq_;
		return static_cast<Msg *>(mnl_nlmsg_put_extra_header(h_, sizeof(Msg)));
	}
	void put(uint16_t type, const void *data, size_t len) { mnl_attr_put(h_, type, len, data); }
	void put_u32(uint16_t type, uint32_t v) { mnl_attr_put_u32(h_, type, v); }

	bool request(std::string *err)
	{
		if (mnl_socket_sendto(nl_, h_, h_->nlmsg_len) < 0) {
			*err = errstr("rtnetlink send");
			return false;
		}
		uint32_t portid = mnl_socket_get_portid(nl_);
		for (;;) {
			ssize_t n = mnl_socket_recvfrom(nl_, buf_, sizeof(buf_));
			if (n < 0) {
				if (errno == EINTR)
					continue;
				*err = errstr("rtnetlink recv");
				return false;
			}
			int r = mnl_cb_run(buf_, static_cast<size_t>(n), seq_, portid, nullptr, nullptr);
			if (r == MNL_CB_STOP || (r < 0 && errno == EEXIST))
				return true;
			if (r < 0) {
				*err = errstr("rtnetlink");
				return false;
			}
		}
	}

private:
	struct mnl_socket *nl_ = nullptr;
	struct nlmsghdr *h_ = nullptr;
	uint32_t seq_ = 0;
	alignas(struct nlmsghdr) char buf_[8192];
};

bool add_addr(Rtnl &nl, int ifindex, const Prefix &p, std::string *err)
{
	auto *ifa = nl.start<struct ifaddrmsg>(RTM_NEWADDR);
	ifa->ifa_family = p.addr.family;
	ifa->ifa_prefixlen = p.len;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = static_cast<unsigned>(ifindex);
	if (p.addr.is_v6())
		ifa->ifa_flags = IFA_F_NODAD; // usable at once, no tentative period
	nl.put(IFA_LOCAL, p.addr.b, p.addr.size());
	nl.put(IFA_ADDRESS, p.addr.b, p.addr.size());
	if (!nl.request(err)) {
		*err = "address " + p.str() + ": " + *err;
		return false;
	}
	return true;
}

bool add_route(Rtnl &nl, int ifindex, const Prefix &p, std::string *err)
{
	auto *rt = nl.start<struct rtmsg>(RTM_NEWROUTE);
	rt->rtm_family = p.addr.family;
	rt->rtm_dst_len = p.len;
	rt->rtm_table = RT_TABLE_MAIN;
	rt->rtm_protocol = RTPROT_STATIC;
	rt->rtm_scope = p.addr.is_v4() ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE;
	rt->rtm_type = RTN_UNICAST;
	// the network part only
	Prefix net = p;
	unsigned bytes = static_cast<unsigned>(p.addr.size());
	for (unsigned i = 0; i < bytes; i++) {
		unsigned bit0 = i * 8;
		if (bit0 >= p.len)
			net.addr.b[i] = 0;
		else if (bit0 + 8 > p.len)
			net.addr.b[i] &= static_cast<uint8_t>(0xff00 >> (p.len - bit0));
	}
	nl.put(RTA_DST, net.addr.b, bytes);
	nl.put_u32(RTA_OIF, static_cast<uint32_t>(ifindex));
	if (!nl.request(err)) {
		*err = "route " + p.str() + ": " + *err;
		return false;
	}
	return true;
}

} // namespace

bool Tun::open(const TunConfig &cfg, std::string *err)
{
	std::string dummy;
	if (!err)
		err = &dummy;
	close();
	if (cfg.name.size() >= IFNAMSIZ) {
		*err = "device name too long: " + cfg.name;
		return false;
	}
	int fd = open_tun_node();
	if (fd < 0) {
		*err = errstr("open /dev/net/tun (is the tun module loaded?)");
		return false;
	}
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	strncpy(ifr.ifr_name, cfg.name.c_str(), IFNAMSIZ - 1);
	if (ioctl(fd, TUNSETIFF, &ifr) != 0) {
		*err = errstr(("TUNSETIFF " + cfg.name).c_str());
		::close(fd);
		return false;
	}
	if (cfg.persist && ioctl(fd, TUNSETPERSIST, 1) != 0) {
		*err = errstr("TUNSETPERSIST");
		::close(fd);
		return false;
	}
	int fl = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	fd_ = fd;
	name_ = ifr.ifr_name;
	ifindex_ = static_cast<int>(if_nametoindex(name_.c_str()));
	if (!ifindex_) {
		*err = errstr("if_nametoindex");
		close();
		return false;
	}
	if (!cfg.configure)
		return true;

	if (cfg.sysctls) {
		// Before the link goes up: no DAD, no router solicitations on the TUN.
		sysctl("net/ipv6/conf/" + name_ + "/disable_ipv6", "0");
		sysctl("net/ipv6/conf/" + name_ + "/accept_dad", "0");
		sysctl("net/ipv6/conf/" + name_ + "/router_solicitations", "0");
		sysctl("net/ipv6/conf/" + name_ + "/accept_ra", "0");
		// Sources on the TUN are load balancers reached through it: no reverse
		// path filtering, and accept sources that are local addresses too.
		sysctl("net/ipv4/conf/all/rp_filter", "0");
		sysctl("net/ipv4/conf/" + name_ + "/rp_filter", "0");
		sysctl("net/ipv4/conf/" + name_ + "/accept_local", "1");
	}
	if (cfg.mtu > 0 && !set_mtu(name_.c_str(), cfg.mtu, err)) {
		close();
		return false;
	}
	if (cfg.lo_up && !set_flags_up("lo", err)) {
		close();
		return false;
	}
	if (!set_flags_up(name_.c_str(), err)) {
		close();
		return false;
	}
	Rtnl nl;
	if (!nl.open(err)) {
		close();
		return false;
	}
	for (const auto &a : cfg.addrs)
		if (!add_addr(nl, ifindex_, a, err)) {
			close();
			return false;
		}
	for (const auto &r : cfg.routes)
		if (!add_route(nl, ifindex_, r, err)) {
			close();
			return false;
		}
	return true;
}

bool Tun::destroy(const std::string &name, std::string *err)
{
	std::string dummy;
	if (!err)
		err = &dummy;
	int fd = open_tun_node();
	if (fd < 0) {
		*err = errstr("open /dev/net/tun");
		return false;
	}
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	strncpy(ifr.ifr_name, name.c_str(), IFNAMSIZ - 1);
	bool ok = ioctl(fd, TUNSETIFF, &ifr) == 0 && ioctl(fd, TUNSETPERSIST, 0) == 0;
	if (!ok)
		*err = errstr(("remove " + name).c_str());
	::close(fd);
	return ok;
}

} // namespace toa::lbsim
