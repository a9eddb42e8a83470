# SPDX-License-Identifier: MIT
# In the guest: a Kubernetes worker node as kube-proxy and a bridge CNI build it, with
# Debian's iptables (nft backend), ipvsadm, ip and nginx; the simulator is the load
# balancer (and the attacker) on the TUN device toa0. Run by tests/guest/run-suite.sh.
#
#   load balancer 198.51.100.2 / 2001:db8:ff::2 --> node 192.0.2.1 / 2001:db8::1 (toa0)
#   NodePort 30080 (nginx) and 30088 (toa-echo-server, libtoa) --> kube-proxy DNAT
#   (+ MASQUERADE with externalTrafficPolicy: Cluster) --> bridge cni0 192.0.2.65/26,
#   2001:db8:100::1/64 --> pods pod1 .66 / ::66 and pod2 .67 / ::67 (own netns, veth)
#
# Every case reads the servers' own logs (nginx's access log of $remote_addr, the echo
# server's "accepted client=... via=..." lines).
# Debian's ip (netns): busybox's shell would run its own applet for a bare "ip"
ip() { /bin/ip "$@"; }
ko="$TOA_MODULES/toa.ko"
. /result.sh

LB="toa-lbsim connect --no-config --timeout 3000"
REQ=474554202f20485454502f312e300d0a0d0a # GET / HTTP/1.0, CR LF CR LF
NODE4=192.0.2.1 NODE6=2001:db8::1
GW4=192.0.2.65 GW6=2001:db8:100::1
export XTABLES_LIBDIR=/usr/lib/xtables
mkdir -p /run /var/run /run/netns /tmp/k8s
# nginx looks its user up even as root
printf 'root:x:0:0::/root:/bin/sh\nnobody:x:65534:65534::/:/bin/false\n' >/etc/passwd
printf 'root:x:0:\nnogroup:x:65534:\n' >/etc/group
for t in iptables ip6tables iptables-save ip6tables-save; do ln -sf xtables-nft-multi /bin/$t; done

# --- the node ----------------------------------------------------------------------
insmod "$ko" trusted=198.51.100.0/24,2001:db8:ff::/48 guard=1 || { fail insmod; exit 1; }
toa-lbsim setup --persist >/tmp/k8s/setup.log 2>&1 || fail tun_setup "$(cat /tmp/k8s/setup.log)"
sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
ip link add cni0 type bridge
ip addr add $GW4/26 dev cni0
ip -6 addr add $GW6/64 dev cni0 nodad
ip link set cni0 up
for n in 1 2; do
  a4=192.0.2.6$((5 + n)) a6=2001:db8:100::6$((5 + n))
  ip netns add pod$n
  ip link add veth$n type veth peer name eth0 netns pod$n
  ip link set veth$n master cni0 up
  ip -n pod$n link set lo up
  ip -n pod$n addr add $a4/26 dev eth0
  ip -n pod$n -6 addr add $a6/64 dev eth0 nodad
  ip -n pod$n link set eth0 up
  ip -n pod$n route add default via $GW4
  ip -n pod$n -6 route add default via $GW6
  mkdir -p /tmp/k8s/nginx$n
  cat >/tmp/k8s/nginx$n/nginx.conf <<EOF
user root root;
master_process off;
daemon off;
pid /tmp/k8s/nginx$n/pid;
error_log /tmp/k8s/nginx$n/error.log;
events { worker_connections 256; }
http {
    log_format remote '\$remote_addr';
    access_log /tmp/k8s/nginx$n/access.log remote;
    client_body_temp_path /tmp/k8s/nginx$n/body; proxy_temp_path /tmp/k8s/nginx$n/proxy;
    fastcgi_temp_path /tmp/k8s/nginx$n/fcgi; uwsgi_temp_path /tmp/k8s/nginx$n/uwsgi;
    scgi_temp_path /tmp/k8s/nginx$n/scgi;
    server { listen 80; listen [::]:80; location / { return 200 "pod$n\n"; } }
}
EOF
  ip netns exec pod$n nginx -e /tmp/k8s/nginx$n/error.log -p /tmp/k8s/nginx$n \
    -c /tmp/k8s/nginx$n/nginx.conf &
  ip netns exec pod$n toa-echo-server "[::]:8080" >/tmp/k8s/echo$n.log 2>&1 &
done
# The node's own (hostNetwork) servers: nginx on 8090, the echo server on 8091.
mkdir -p /tmp/k8s/nginx0
sed 's/listen 80; listen \[::\]:80;/listen 8090; listen [::]:8090;/; s/nginx1/nginx0/g; s/pod1/node/' \
  /tmp/k8s/nginx1/nginx.conf >/tmp/k8s/nginx0/nginx.conf
nginx -e /tmp/k8s/nginx0/error.log -p /tmp/k8s/nginx0 -c /tmp/k8s/nginx0/nginx.conf &
toa-echo-server "[::]:8091" >/tmp/k8s/echo0.log 2>&1 &
sleep 1

# --- kube-proxy's rules ------------------------------------------------------------
# ipt <iptables|ip6tables> <policy: Cluster|Local>: the nat table kube-proxy's iptables
# mode writes for a NodePort Service of two endpoints (nginx 30080 -> 80, echo
# 30088 -> 8080); Local: no KUBE-MARK-MASQ on the way in, only the node's endpoints.
ipt_rules() {
  t=$1 policy=$2
  if [ "$t" = iptables ]; then p1=192.0.2.66 p2=192.0.2.67; else p1="[2001:db8:100::66]" p2="[2001:db8:100::67]"; fi
  $t -t nat -F; $t -t nat -X 2>/dev/null
  for c in KUBE-SERVICES KUBE-NODEPORTS KUBE-POSTROUTING KUBE-MARK-MASQ; do $t -t nat -N $c; done
  $t -t nat -A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
  $t -t nat -A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
  $t -t nat -A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING
  $t -t nat -A KUBE-MARK-MASQ -j MARK --or-mark 0x4000
  $t -t nat -A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN
  $t -t nat -A KUBE-POSTROUTING -j MARK --xor-mark 0x4000
  $t -t nat -A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully
  for svc in web:30080:80 echo:30088:8080; do
    name=${svc%%:*} rest=${svc#*:}; np=${rest%%:*} port=${rest#*:}
    N=$(echo $name | tr a-z A-Z)
    $t -t nat -N KUBE-EXT-$N; $t -t nat -N KUBE-SVC-$N
    $t -t nat -N KUBE-SEP-$N-1; $t -t nat -N KUBE-SEP-$N-2
    $t -t nat -A KUBE-NODEPORTS -p tcp -m comment --comment "default/$name" -m tcp --dport $np -j KUBE-EXT-$N
    [ "$policy" = Cluster ] &&
      $t -t nat -A KUBE-EXT-$N -m comment --comment "masquerade traffic for default/$name external destinations" -j KUBE-MARK-MASQ
    $t -t nat -A KUBE-EXT-$N -j KUBE-SVC-$N
    $t -t nat -A KUBE-SVC-$N -m comment --comment "default/$name -> pod1" -m statistic --mode random --probability 0.5 -j KUBE-SEP-$N-1
    $t -t nat -A KUBE-SVC-$N -m comment --comment "default/$name -> pod2" -j KUBE-SEP-$N-2
    i=1
    for p in $p1 $p2; do
      src=$(echo $p | tr -d '[]')
      $t -t nat -A KUBE-SEP-$N-$i -s $src -m comment --comment "default/$name" -j KUBE-MARK-MASQ
      $t -t nat -A KUBE-SEP-$N-$i -p tcp -m comment --comment "default/$name" -m tcp -j DNAT --to-destination $p:$port
      i=$((i + 1))
    done
  done
  $t -t nat -A KUBE-SERVICES -m comment --comment "kubernetes service nodeports" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS
}

# kube-proxy's IPVS mode: a virtual server per NodePort on the node's address,
# masquerading (NAT) forwarding to both pods, and its MASQUERADE of NodePort traffic.
ipvs_rules() {
  iptables -t nat -F; iptables -t nat -X 2>/dev/null
  ip6tables -t nat -F; ip6tables -t nat -X 2>/dev/null
  ipvsadm -C
  sysctl -qw net.ipv4.vs.conntrack=1
  for t in iptables ip6tables; do
    for c in KUBE-POSTROUTING KUBE-NODE-PORT KUBE-MARK-MASQ; do $t -t nat -N $c; done
    $t -t nat -A PREROUTING -j KUBE-NODE-PORT
    $t -t nat -A POSTROUTING -j KUBE-POSTROUTING
    $t -t nat -A KUBE-MARK-MASQ -j MARK --or-mark 0x4000
    $t -t nat -A KUBE-NODE-PORT -p tcp -m multiport --dports 30080,30088 -j KUBE-MARK-MASQ
    $t -t nat -A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN
    $t -t nat -A KUBE-POSTROUTING -j MARK --xor-mark 0x4000
    $t -t nat -A KUBE-POSTROUTING -j MASQUERADE --random-fully
  done
  for svc in 30080:80 30088:8080; do
    np=${svc%%:*} port=${svc#*:}
    ipvsadm -A -t $NODE4:$np -s rr
    ipvsadm -a -t $NODE4:$np -r 192.0.2.66:$port -m
    ipvsadm -a -t $NODE4:$np -r 192.0.2.67:$port -m
    ipvsadm -A -t $GW4:$np -s rr # kube-proxy: a virtual server on every node address
    ipvsadm -a -t $GW4:$np -r 192.0.2.66:$port -m
    ipvsadm -a -t $GW4:$np -r 192.0.2.67:$port -m
    ipvsadm -A -t "[$NODE6]:$np" -s rr
    ipvsadm -a -t "[$NODE6]:$np" -r "[2001:db8:100::66]:$port" -m
    ipvsadm -a -t "[$NODE6]:$np" -r "[2001:db8:100::67]:$port" -m
  done
}

no_rules() {
  ipvsadm -C 2>/dev/null
  for t in iptables ip6tables; do $t -t nat -F; $t -t nat -X 2>/dev/null; done
}

logs_reset() { for i in 0 1 2; do : >/tmp/k8s/nginx$i/access.log; : >/tmp/k8s/echo$i.log; done; }
# What the servers logged since logs_reset: nginx's $remote_addr lines, the echo
# server's client= fields, one a line.
seen_nginx() { cat /tmp/k8s/nginx[0-2]/access.log; }
seen_echo() { cat /tmp/k8s/echo[0-2].log | sed -n 's/^accepted client=\([^ ]*\) via=\(.*\) lb=.*/\1 \2/p'; }
# req <nginx|echo> <server> <lbsim args...>: one connection through the simulator
req() {
  what=$1 srv=$2; shift 2
  if [ $what = nginx ]; then
    $LB --server "$srv" --send-hex $REQ --close wait "$@" >>/tmp/k8s/lbsim.log 2>&1
  else
    $LB --server "$srv" --send ping --expect-echo "$@" >>/tmp/k8s/lbsim.log 2>&1
  fi
}
# expect <name> <pattern>: after one or more connections, every nginx/echo line
# matches <pattern> (a grep -E regex), and there was one.
expect_seen() {
  name=$1 pat=$2
  sleep 0.3
  got="$(seen_nginx; seen_echo)"
  if [ -n "$got" ] && ! echo "$got" | grep -qvE "$pat"; then
    pass "$name" "$(echo $got)"
  else
    fail "$name" "want /$pat/, servers logged: $(echo $got) | $(tail -n 2 /tmp/k8s/lbsim.log | tr '\n' ' ')"
  fi
}
# never_seen <name> <address>: servers logged connections, none with it
never_seen() {
  sleep 0.3
  got="$(seen_nginx; seen_echo)"
  if [ -z "$got" ] || echo "$got" | grep -qF "$2"; then fail "$1" "$(echo $got)"; else pass "$1" "$(echo $got)"; fi
}

C4=203.0.113.7 C6=2001:db8:c::7 FORGED4=203.0.113.66 FORGED6=2001:db8:c::66
# The genuine load balancer: IPv4, IPv6 and NAT64 clients, both servers, SYN cookies.
genuine() {
  topo=$1 port_web=$2 port_echo=$3
  for n in 1 2; do
    logs_reset
    req nginx $NODE4:$port_web --format 200/8 --client $C4:40000
    req echo $NODE4:$port_echo --format 200/8 --client $C4:40001
    expect_seen ${topo}_ipv4_client_$n "^$C4( |$)|^$C4:4000[01] TOA\(kind 200, ack\)$"
  done
  logs_reset
  for i in 1 2; do
    req nginx "[$NODE6]:$port_web" --lb 2001:db8:ff::2 --format 254/20 --client "[$C6]:40000"
    req echo "[$NODE6]:$port_echo" --lb 2001:db8:ff::2 --format 254/20 --client "[$C6]:40001"
  done
  expect_seen ${topo}_ipv6_client "^$C6$|^\[$C6\]:4000[01] TOA\(kind 254, ack\)$"
  # NAT64: an IPv6 client in an IPv4 connection; libtoa gives it (an IPv4 socket's
  # getpeername() cannot), nginx logs the load balancer or node then.
  logs_reset
  req echo $NODE4:$port_echo --format 253/20 --client "[$C6]:40002"
  got="$(seen_echo)"
  check ${topo}_nat64_client 'echo "$got" | grep -q "^\[$C6\]:40002 TOA(kind 253, ack)$"' "$(echo $got)"
  logs_reset
  for n in 1 2; do ip netns exec pod$n sysctl -qw net.ipv4.tcp_syncookies=2; done
  sysctl -qw net.ipv4.tcp_syncookies=2
  req nginx $NODE4:$port_web --format 254/8 --client $C4:40003
  req echo $NODE4:$port_echo --format 254/8 --client $C4:40004
  expect_seen ${topo}_syn_cookies "^$C4( |$)|^$C4:4000[34] TOA\(kind 254, ack\)$"
  for n in 1 2; do ip netns exec pod$n sysctl -qw net.ipv4.tcp_syncookies=1; done
  sysctl -qw net.ipv4.tcp_syncookies=1
}

# Attackers: a direct client at the NodePort, a second option, a client's own option
# on the SYN. None may make a server log its address.
attacks() {
  topo=$1 port_web=$2 port_echo=$3
  logs_reset
  for i in 1 2; do
    req nginx $NODE4:$port_web --lb $FORGED4 --format 200/8 --client 192.0.2.99:1
    req echo $NODE4:$port_echo --lb $FORGED4 --format 254/8 --client 192.0.2.99:2
    req nginx "[$NODE6]:$port_web" --lb $FORGED6 --format 254/20 --client "[2001:db8:bad::1]:1"
  done
  never_seen ${topo}_direct_client_forges 192.0.2.99
  never_seen ${topo}_direct_client_forges_ipv6 2001:db8:bad::1
  # the load balancer's option first, a forged one after it, in one packet
  logs_reset
  req echo $NODE4:$port_echo --raw "c8089c40cb007107 fe0800019999999a" --at ack
  got="$(seen_echo)"
  check ${topo}_forged_after_genuine 'echo "$got" | grep -q "^203.0.113.7:40000 " && ! echo "$got" | grep -q 153.153' "$(echo $got)"
  # the client's own option on the SYN, relayed, and the load balancer's on the ACK
  logs_reset
  req echo $NODE4:$port_echo --raw "c8089c40c0000263" --at syn
  req echo $NODE4:$port_echo --format 200/8 --client $C4:40005
  never_seen ${topo}_client_syn_option 192.0.2.99
}

# A pod that crafts packets (CAP_NET_RAW, or as here its own TUN device with an
# address it answers ARP for) sends a forged option straight to the other pod over
# the bridge, and to the NodePort (at the node's bridge address: its TUN device has the
# simulator's default addresses, 192.0.2.1 among them).
pod_attacks() {
  topo=$1
  ip netns exec pod1 sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.eth0.proxy_arp=1
  logs_reset
  ip netns exec pod1 toa-lbsim connect --dev evil0 --route 192.0.2.70/32 --lb 192.0.2.70 \
    --server 192.0.2.67:8080 --format 200/8 --client 192.0.2.99:3 --send ping --expect-echo \
    --timeout 3000 >>/tmp/k8s/lbsim.log 2>&1
  got="$(seen_echo)"
  check ${topo}_pod_to_pod_forges 'echo "$got" | grep -q "^192.0.2.70:" && ! echo "$got" | grep -q 192.0.2.99' \
    "$(echo $got)"
  logs_reset
  ip netns exec pod1 toa-lbsim connect --dev evil0 --route 192.0.2.70/32 --lb 192.0.2.70 \
    --server $GW4:30088 --format 200/8 --client 192.0.2.99:4 --send ping --expect-echo \
    --timeout 3000 --count 2 >>/tmp/k8s/lbsim.log 2>&1
  got="$(seen_echo)"
  check ${topo}_pod_to_nodeport_forges '[ -n "$got" ] && ! echo "$got" | grep -q 192.0.2.99' "$(echo $got)"
}

stat() { toa-inspect --json stats 2>/dev/null | tr ',{}' '\n\n\n' | sed -n "s/.*\"$1\": *\([0-9]*\).*/\1/p"; }

# --- topologies ---------------------------------------------------------------------
ipt_rules iptables Cluster; ipt_rules ip6tables Cluster
genuine ipt_cluster 30080 30088
stripped0=$(stat guard_stripped)
attacks ipt_cluster 30080 30088
stripped1=$(stat guard_stripped)
check ipt_cluster_guard_counted '[ "${stripped1:-0}" -gt "${stripped0:-0}" ]' "guard_stripped $stripped0 -> $stripped1"
pod_attacks ipt_cluster

ipt_rules iptables Local; ipt_rules ip6tables Local
genuine ipt_local 30080 30088
attacks ipt_local 30080 30088

ipvs_rules
genuine ipvs_cluster 30080 30088
attacks ipvs_cluster 30080 30088
pod_attacks ipvs_cluster

no_rules
genuine hostnet 8090 8091
attacks hostnet 8090 8091

# Without the guard, behind the SNAT the pod's peer is the node: the trusted list
# cannot tell the load balancer from anyone, so nothing is read (as the README says).
ipt_rules iptables Cluster; ipt_rules ip6tables Cluster
echo N >/sys/module/toa/parameters/guard
logs_reset
req echo $NODE4:30088 --format 200/8 --client $C4:40006
got="$(seen_echo)"
check no_guard_cluster_pod_sees_node 'echo "$got" | grep -q "^192.0.2.65:[0-9]* peer$"' "$(echo $got)"
echo Y >/sys/module/toa/parameters/guard

# Namespaces: the node lists the pods' connections with their namespace; a pod sees
# only its own; a pod (even with NET_ADMIN, as root here) cannot change the config.
req echo $NODE4:30088 --format 200/8 --client $C4:40007 --hold 3000 &
sleep 1.5
node_conns=$(toa-inspect conns --no-header 2>&1)
pod_conns="$(ip netns exec pod1 toa-inspect conns --no-header 2>&1; ip netns exec pod2 toa-inspect conns --no-header 2>&1)"
wait
check node_lists_pod_conns 'echo "$node_conns" | grep -q "203.0.113.7:40007"' "$node_conns"
netns_node=$(readlink /proc/self/ns/net | tr -dc 0-9)
check node_conns_have_pod_netns '! echo "$node_conns" | grep "203.0.113.7:40007" | grep -q " $netns_node\$"' "$node_conns (node $netns_node)"
check pod_sees_own_conn 'echo "$pod_conns" | grep -q "203.0.113.7:40007"' "$pod_conns"
out=$(ip netns exec pod1 toa-inspect config set guard off 2>&1); rc=$?
check pod_cannot_change_config '[ $rc -ne 0 ] && [ "$(cat /sys/module/toa/parameters/guard)" = Y ]' "rc=$rc $out"
out=$(ip netns exec pod1 sh -c 'echo N >/sys/module/toa/parameters/guard' 2>&1); rc=$?
check pod_cannot_write_param '[ $rc -ne 0 ] && [ "$(cat /sys/module/toa/parameters/guard)" = Y ]' "rc=$rc $out"

no_rules
kill $(pidof nginx) $(pidof toa-echo-server) 2>/dev/null
sleep 0.5
for n in 1 2; do ip netns del pod$n; done
toa-lbsim teardown >/dev/null 2>&1
sleep 1
rmmod toa && pass rmmod_after_k8s || fail rmmod_after_k8s
