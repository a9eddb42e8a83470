// SPDX-License-Identifier: MIT
//
// The TUN device: open, bring up, addresses and routes over rtnetlink, sysctls.
#include "lbsim.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <linux/if_tun.h>
#include <linux/netlink.h>
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

// One rtnetlink request with an ACK; EEXIST counts as success.
class Rtnl {
public:
	Rtnl() { fd_ = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE); }
	~Rtnl()
	{
		if (fd_ >= 0)
			::close(fd_);
	}
	bool ok() const { return fd_ >= 0; }

	bool request(struct nlmsghdr *h, std::string *err)
	{
		h->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
		h->nlmsg_seq = ++seq_;
		struct sockaddr_nl sa;
		memset(&sa, 0, sizeof(sa));
		sa.nl_family = AF_NETLINK;
		if (sendto(fd_, h, h->nlmsg_len, 0, reinterpret_cast<sockaddr *>(&sa),
			   sizeof(sa)) < 0) {
			*err = errstr("rtnetlink send");
			return false;
		}
		alignas(struct nlmsghdr) char buf[8192];
		for (;;) {
			ssize_t n = recv(fd_, buf, sizeof(buf), 0);
			if (n < 0) {
				if (errno == EINTR)
					continue;
				*err = errstr("rtnetlink recv");
				return false;
			}
			for (auto *r = reinterpret_cast<struct nlmsghdr *>(buf);
			     NLMSG_OK(r, static_cast<unsigned>(n)); r = NLMSG_NEXT(r, n)) {
				if (r->nlmsg_seq != seq_)
					continue;
				if (r->nlmsg_type == NLMSG_ERROR) {
					auto *e = static_cast<struct nlmsgerr *>(NLMSG_DATA(r));
					if (e->error == 0 || e->error == -EEXIST)
						return true;
					*err = errstr("rtnetlink", -e->error);
					return false;
				}
			}
		}
	}

private:
	int fd_ = -1;
	uint32_t seq_ = 0;
};

struct Req {
	struct nlmsghdr h;
	union {
		struct ifaddrmsg ifa;
		struct rtmsg rt;
	};
	char attrs[256];
};

void add_attr(struct nlmsghdr *h, unsigned short type, const void *data, size_t len)
{
	auto *rta = reinterpret_cast<struct rtattr *>(reinterpret_cast<char *>(h) +
						      NLMSG_ALIGN(h->nlmsg_len));
	rta->rta_type = type;
	rta->rta_len = static_cast<unsigned short>(RTA_LENGTH(len));
	memcpy(RTA_DATA(rta), data, len);
	h->nlmsg_len = NLMSG_ALIGN(h->nlmsg_len) + RTA_ALIGN(rta->rta_len);
}

bool add_addr(Rtnl &nl, int ifindex, const Prefix &p, std::string *err)
{
	Req r;
	memset(&r, 0, sizeof(r));
	r.h.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifaddrmsg));
	r.h.nlmsg_type = RTM_NEWADDR;
	r.h.nlmsg_flags = NLM_F_CREATE | NLM_F_REPLACE;
	r.ifa.ifa_family = p.addr.family;
	r.ifa.ifa_prefixlen = p.len;
	r.ifa.ifa_scope = RT_SCOPE_UNIVERSE;
	r.ifa.ifa_index = ifindex;
	if (p.addr.is_v6())
		r.ifa.ifa_flags = IFA_F_NODAD; // usable at once, no tentative period
	add_attr(&r.h, IFA_LOCAL, p.addr.b, p.addr.size());
	add_attr(&r.h, IFA_ADDRESS, p.addr.b, p.addr.size());
	if (!nl.request(&r.h, err)) {
		*err = "address " + p.str() + ": " + *err;
		return false;
	}
	return true;
}

bool add_route(Rtnl &nl, int ifindex, const Prefix &p, std::string *err)
{
	Req r;
	memset(&r, 0, sizeof(r));
	r.h.nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg));
	r.h.nlmsg_type = RTM_NEWROUTE;
	r.h.nlmsg_flags = NLM_F_CREATE | NLM_F_REPLACE;
	r.rt.rtm_family = p.addr.family;
	r.rt.rtm_dst_len = p.len;
	r.rt.rtm_table = RT_TABLE_MAIN;
	r.rt.rtm_protocol = RTPROT_STATIC;
	r.rt.rtm_scope = p.addr.is_v4() ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE;
	r.rt.rtm_type = RTN_UNICAST;
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
	add_attr(&r.h, RTA_DST, net.addr.b, bytes);
	uint32_t oif = static_cast<uint32_t>(ifindex);
	add_attr(&r.h, RTA_OIF, &oif, sizeof(oif));
	if (!nl.request(&r.h, err)) {
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
	if (!nl.ok()) {
		*err = errstr("rtnetlink socket");
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
