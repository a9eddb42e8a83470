# SPDX-License-Identifier: MIT
# In the guest: the module on a Kubernetes worker node (tests/guest/k8s-node.sh builds
# it: kube-proxy's iptables and IPVS paths into pods, hostNetwork), the ingress guard on;
# the simulator is the load balancer and the attacker. Run by tests/guest/run-suite.sh.
# Every case reads the servers' own logs: two servers nobody here wrote, Debian's nginx
# (its access log of $remote_addr) and Debian's haproxy in TCP mode (its log of %ci:%cp,
# forwarding to the pod's echo server), both unmodified and in transparent mode; and the
# echo server's "accepted client=... via=..." lines (libtoa).
ko="$TOA_MODULES/toa.ko"
. /result.sh
. /k8s-node.sh # node_up, pod_up, ipt_rules, ipvs_rules, no_rules, the addresses

insmod "$ko" trusted=198.51.100.0/24,2001:db8:ff::/48 guard=1 || { fail insmod; exit 1; }
node_up
for n in 0 1 2; do pod_up $n; done
sleep 1

logs_reset() {
  for i in 0 1 2; do : >/tmp/k8s/nginx$i/access.log; : >/tmp/k8s/echo$i.log; : >/tmp/k8s/haproxy$i.log; done
  hap_reqs=0 hap_fails=0
}
# What the servers logged since logs_reset: nginx's $remote_addr lines, the echo
# server's client= fields, haproxy's %ci:%cp, one a line.
seen_nginx() { cat /tmp/k8s/nginx[0-2]/access.log; }
seen_echo() { cat /tmp/k8s/echo[0-2].log | sed -n 's/^accepted client=\([^ ]*\) via=\(.*\) lb=.*/\1 \2/p'; }
seen_haproxy() { cat /tmp/k8s/haproxy[0-2].log; }
# req <nginx|echo|haproxy> <server> <lbsim args...>: one connection through the
# simulator (haproxy: to the echo server behind it)
req() {
  what=$1 srv=$2; shift 2
  if [ $what = nginx ]; then
    $LB --server "$srv" --send-hex $REQ --close wait "$@" >>/tmp/k8s/lbsim.log 2>&1
  else
    $LB --server "$srv" --send ping --expect-echo "$@" >>/tmp/k8s/lbsim.log 2>&1
  fi
}
# hreq <server> <lbsim args...>: one connection through haproxy, counted, and whether
# the echo came back through it
hreq() {
  hap_reqs=$((hap_reqs + 1))
  req haproxy "$@" || hap_fails=$((hap_fails + 1))
}
# expect_haproxy <name> <pattern> [<address>]: since logs_reset every hreq got its echo,
# haproxy logged one line for each, every line matches <pattern> (grep -E) and none
# holds <address>. With option logasap haproxy logs as it connects to the echo server,
# before the echo comes back: the lines are there when the simulator is done (waited
# for up to 2 s all the same).
expect_haproxy() {
  i=0
  while [ "$(seen_haproxy | grep -c .)" -lt $hap_reqs ] && [ $i -lt 20 ]; do sleep 0.1; i=$((i + 1)); done
  got="$(seen_haproxy)"
  lines=$(echo "$got" | grep -c .)
  if [ $hap_fails = 0 ] && [ "$lines" = $hap_reqs ] && ! echo "$got" | grep -qvE "$2" &&
    { [ -z "$3" ] || ! echo "$got" | grep -qF "$3"; }; then
    pass "$1" "$(echo $got)"
  else
    fail "$1" "want $hap_reqs lines /$2/${3:+ without $3}, echo failed $hap_fails, haproxy logged: $(echo $got) | $(tail -n 2 /tmp/k8s/lbsim.log | tr '\n' ' ')"
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
  topo=$1 port_web=$2 port_echo=$3 port_tcp=$4
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
  # haproxy in TCP mode logs the client it accepted (%ci:%cp)
  logs_reset
  hreq $NODE4:$port_tcp --format 200/8 --client $C4:40010
  hreq $NODE4:$port_tcp --format 254/8 --client $C4:40011
  expect_haproxy ${topo}_haproxy_ipv4_client "^$C4:4001[01]$"
  logs_reset
  hreq "[$NODE6]:$port_tcp" --lb 2001:db8:ff::2 --format 254/20 --client "[$C6]:40012"
  hreq "[$NODE6]:$port_tcp" --lb 2001:db8:ff::2 --format 253/20 --client "[$C6]:40013"
  expect_haproxy ${topo}_haproxy_ipv6_client "^$C6:4001[23]$"
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
  logs_reset
  hreq $NODE4:$port_tcp --format 254/8 --client $C4:40014
  expect_haproxy ${topo}_haproxy_syn_cookies "^$C4:40014$"
  for n in 1 2; do ip netns exec pod$n sysctl -qw net.ipv4.tcp_syncookies=1; done
  sysctl -qw net.ipv4.tcp_syncookies=1
}

# Attackers: a direct client at the NodePort, a second option, a client's own option
# on the SYN. None may make a server log its address.
attacks() {
  topo=$1 port_web=$2 port_echo=$3 port_tcp=$4
  logs_reset
  for i in 1 2; do
    req nginx $NODE4:$port_web --lb $FORGED4 --format 200/8 --client 192.0.2.99:1
    req echo $NODE4:$port_echo --lb $FORGED4 --format 254/8 --client 192.0.2.99:2
    req nginx "[$NODE6]:$port_web" --lb $FORGED6 --format 254/20 --client "[2001:db8:bad::1]:1"
  done
  never_seen ${topo}_direct_client_forges 192.0.2.99
  never_seen ${topo}_direct_client_forges_ipv6 2001:db8:bad::1
  logs_reset
  hreq $NODE4:$port_tcp --lb $FORGED4 --format 200/8 --client 192.0.2.99:5
  hreq $NODE4:$port_tcp --lb $FORGED4 --format 254/8 --client 192.0.2.99:6
  expect_haproxy ${topo}_haproxy_direct_client_forges . 192.0.2.99
  logs_reset
  hreq "[$NODE6]:$port_tcp" --lb $FORGED6 --format 254/20 --client "[2001:db8:bad::1]:5"
  hreq "[$NODE6]:$port_tcp" --lb $FORGED6 --format 253/20 --client "[2001:db8:bad::1]:6"
  expect_haproxy ${topo}_haproxy_direct_client_forges_ipv6 . 2001:db8:bad::1
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

# --- UDP: DPVS's UOA through the same node -------------------------------------------
# The load balancer's datagrams carry the client in an IPv4 option (ipo) or a
# protocol-248 header (opp); the module takes it off where they enter the node, before
# conntrack, so kube-proxy's UDP rules translate them; the pod's toa-udp-echo-server
# asks with its own 4-tuple and the module translates it back through conntrack.
udp_reset() { for i in 0 1 2; do : >/tmp/k8s/udp$i.log; done; }
# "client via" of every datagram the UDP servers logged since udp_reset
seen_udp() { cat /tmp/k8s/udp[0-2].log | sed -n 's/^datagram client=\([^ ]*\) via=\([^ ]*\) .*/\1 \2/p'; }
# udp <toa-lbsim-udp args...>: datagrams from the load balancer's side (the node's TUN)
udp() { toa-lbsim-udp --tun toa0 --no-config --wait-ms 20 --payload ping "$@" >>/tmp/k8s/lbsim-udp.log 2>&1; }
# udp_seen <name> <pattern> [<address>]: a datagram matching <pattern> (grep -E) was
# logged, and none with <address>
udp_seen() {
  sleep 0.3
  got="$(seen_udp)"
  if echo "$got" | grep -qE "$2" && { [ -z "$3" ] || ! echo "$got" | grep -qF "$3"; }; then
    pass "$1" "$(echo $got)"
  else
    fail "$1" "want /$2/${3:+ without $3}, UDP servers logged: $(echo $got) | $(tail -n 2 /tmp/k8s/lbsim-udp.log | tr '\n' ' ')"
  fi
}
# udp_genuine <topology> <port> <first source port>: both carriers, IPv4, IPv6 and NAT64
# clients, the address-only datagram. Source ports differ between topologies: conntrack
# keeps a flow's translation after the rules change.
udp_genuine() {
  topo=$1 port=$2 sp=$3
  udp_reset
  udp --lb 198.51.100.2:$sp --server $NODE4:$port --client $C4:50001 --carrier ipo
  udp_seen ${topo}_udp_ipo "^$C4:50001 UOA$"
  udp --lb 198.51.100.2:$((sp + 1)) --server $NODE4:$port --client $C4:50002 --carrier opp
  udp_seen ${topo}_udp_opp "^$C4:50002 UOA$"
  udp --lb 198.51.100.2:$((sp + 2)) --server $NODE4:$port --client "[$C6]:50003" --carrier opp
  udp_seen ${topo}_udp_nat64 "^\[$C6\]:50003 UOA$"
  udp --lb "[2001:db8:ff::2]:$((sp + 3))" --server "[$NODE6]:$port" --client "[$C6]:50004" --carrier opp
  udp_seen ${topo}_udp_ipv6 "^\[$C6\]:50004 UOA$"
  # DPVS's address-only datagram (no room in the first one), then the flow's plain ones
  udp_reset
  udp --lb 198.51.100.2:$((sp + 4)) --server $NODE4:$port --client $C4:50005 --carrier ipo --empty
  udp --lb 198.51.100.2:$((sp + 4)) --server $NODE4:$port --carrier none --count 2
  sleep 0.3
  got="$(seen_udp)"
  check ${topo}_udp_address_only '[ "$(echo "$got" | grep -c "^$C4:50005 UOA$")" = 2 ] && [ "$(echo "$got" | grep -c .)" = 2 ]' \
    "$(echo $got)"
}
# udp_attacks <topology> <port> <first source port>: a direct client's own carriers (IPv4,
# IPv6, address-only), and a forged option after the load balancer's.
udp_attacks() {
  topo=$1 port=$2 sp=$3
  udp_reset
  udp --lb $FORGED4:$sp --server $NODE4:$port --client 192.0.2.99:1 --carrier opp
  udp --lb $FORGED4:$((sp + 1)) --server $NODE4:$port --client 192.0.2.99:2 --carrier ipo
  udp --lb "[$FORGED6]:$((sp + 2))" --server "[$NODE6]:$port" --client "[2001:db8:bad::1]:3" --carrier opp
  udp --lb $FORGED4:$((sp + 3)) --server $NODE4:$port --client 192.0.2.99:4 --carrier opp --empty
  udp --lb $FORGED4:$((sp + 3)) --server $NODE4:$port --carrier none
  udp_seen ${topo}_udp_direct_client_forges " peer$" 192.0.2.99
  check ${topo}_udp_direct_client_forges_ipv6 '! echo "$got" | grep -q 2001:db8:bad::1' "$(echo $got)"
  udp_reset
  udp --lb 198.51.100.2:$((sp + 4)) --server $NODE4:$port --client $C4:50010 --second 192.0.2.99:5 --carrier ipo
  udp --lb 198.51.100.2:$((sp + 5)) --server $NODE4:$port --client $C4:50011 --second 192.0.2.99:6 --carrier opp
  udp_seen ${topo}_udp_forged_after_genuine "^$C4:5001[01] UOA$" 192.0.2.99
}
# A pod with its own TUN device (as pod_attacks) sends carriers to the other pod over the
# bridge, with its own source and with the load balancer's, and to the NodePort.
udp_pod_attacks() {
  topo=$1
  ip netns exec pod1 sysctl -qw net.ipv4.ip_forward=1
  udp_reset
  for a in "192.0.2.70:41900 192.0.2.67:8053 opp" "192.0.2.70:41901 192.0.2.67:8053 ipo" \
      "198.51.100.9:41902 192.0.2.67:8053 opp" "192.0.2.70:41903 $GW4:30053 opp"; do
    set -- $a
    ip netns exec pod1 toa-lbsim-udp --tun evil1 --wait-ms 50 --lb $1 --server $2 \
      --client 192.0.2.99:7 --carrier $3 --payload x >>/tmp/k8s/lbsim-udp.log 2>&1
  done
  udp_seen ${topo}_udp_pod_to_pod_forges "^192.0.2.70:4190[01] peer$" 192.0.2.99
  check ${topo}_udp_pod_as_lb_forges 'echo "$got" | grep -q "^198.51.100.9:41902 peer$"' "$(echo $got)"
  check ${topo}_udp_pod_to_nodeport_forges '[ "$(echo "$got" | grep -c " peer$")" = 4 ]' "$(echo $got)"
}

stat() { toa-inspect --json stats 2>/dev/null | tr ',{}' '\n\n\n' | sed -n "s/.*\"$1\": *\([0-9]*\).*/\1/p"; }

# --- topologies ---------------------------------------------------------------------
ipt_rules iptables Cluster; ipt_rules ip6tables Cluster
genuine ipt_cluster 30080 30088 30081
stripped0=$(stat guard_stripped)
attacks ipt_cluster 30080 30088 30081
stripped1=$(stat guard_stripped)
check ipt_cluster_guard_counted '[ "${stripped1:-0}" -gt "${stripped0:-0}" ]' "guard_stripped $stripped0 -> $stripped1"
pod_attacks ipt_cluster
nat0=$(stat uoa_lookup_nat)
udp_genuine ipt_cluster 30053 41000
nat1=$(stat uoa_lookup_nat)
check ipt_cluster_udp_through_conntrack '[ "${nat1:-0}" -gt "${nat0:-0}" ]' "uoa_lookup_nat $nat0 -> $nat1"
udp_attacks ipt_cluster 30053 41010
udp_pod_attacks ipt_cluster

ipt_rules iptables Local; ipt_rules ip6tables Local
genuine ipt_local 30080 30088 30081
attacks ipt_local 30080 30088 30081
udp_genuine ipt_local 30053 41100
udp_attacks ipt_local 30053 41110

ipvs_rules
genuine ipvs_cluster 30080 30088 30081
attacks ipvs_cluster 30080 30088 30081
pod_attacks ipvs_cluster
udp_genuine ipvs_cluster 30053 41200
udp_attacks ipvs_cluster 30053 41210
udp_pod_attacks ipvs_cluster

no_rules
genuine hostnet 8090 8091 8092
attacks hostnet 8090 8091 8092
udp_genuine hostnet 8093 41300
udp_attacks hostnet 8093 41310

# Without the guard, behind the SNAT the pod's peer is the node: the trusted list
# cannot tell the load balancer from anyone, so nothing is read (as the README says).
ipt_rules iptables Cluster; ipt_rules ip6tables Cluster
echo N >/sys/module/toa/parameters/guard
logs_reset
stripped2=$(stat guard_stripped)
req echo $NODE4:30088 --format 200/8 --client $C4:40006
req echo $NODE4:30088 --lb $FORGED4 --format 254/8 --client 192.0.2.99:5
got="$(seen_echo)"
check no_guard_cluster_pod_sees_node 'echo "$got" | grep -q "^192.0.2.65:[0-9]* peer$"' "$(echo $got)"
stripped3=$(stat guard_stripped)
check no_guard_strips_nothing '[ "${stripped3:-0}" = "${stripped2:-0}" ]' "guard_stripped $stripped2 -> $stripped3"
# On again at runtime: its hooks come back (they are registered only while it is on).
echo Y >/sys/module/toa/parameters/guard
logs_reset
req echo $NODE4:30088 --lb $FORGED4 --format 254/8 --client 192.0.2.99:6
req echo $NODE4:30088 --format 200/8 --client $C4:40008
got="$(seen_echo)"
stripped4=$(stat guard_stripped)
check guard_back_on_strips '[ "${stripped4:-0}" -gt "${stripped3:-0}" ] && ! echo "$got" | grep -q 192.0.2.99' \
  "guard_stripped $stripped3 -> $stripped4; $(echo $got)"
check guard_back_on_genuine 'echo "$got" | grep -q "^$C4:40008 "' "$(echo $got)"
# UDP needs no guard for the load balancer's datagrams: the node reads them where they
# arrive; the guard is what stops a pod's own carriers (udp_pod_attacks).
echo N >/sys/module/toa/parameters/guard
udp_reset
udp --lb 198.51.100.2:41400 --server $NODE4:30053 --client $C4:50020 --carrier opp
udp_seen no_guard_udp_cluster_client "^$C4:50020 UOA$"
echo Y >/sys/module/toa/parameters/guard

# Namespaces: the node lists the pods' connections with their namespace; a pod sees
# only its own; a pod (even with NET_ADMIN, as root here) cannot change the config.
req echo $NODE4:30088 --format 200/8 --client $C4:40007 --hold 10000 &
holder=$!
# until the node lists it (a second on most lines, several on the debug kernel)
for i in $(seq 1 60); do
  node_conns=$(toa-inspect conns --no-header 2>&1)
  echo "$node_conns" | grep -q "203.0.113.7:40007" && break
  sleep 0.25
done
pod1_conns=$(ip netns exec pod1 toa-inspect conns --no-header 2>&1)
pod2_conns=$(ip netns exec pod2 toa-inspect conns --no-header 2>&1)
# The lookup by 4-tuple: the node finds a pod's connection, the pod that has it too, the
# other pod does not.
set -- $(echo "$node_conns" | grep "203.0.113.7:40007" | head -n 1)
l=$1 p=$2
node_lookup=$(toa-inspect lookup "$l" "$p" 2>&1); node_rc=$?
pod1_lookup=$(ip netns exec pod1 toa-inspect lookup "$l" "$p" 2>&1); pod1_rc=$?
pod2_lookup=$(ip netns exec pod2 toa-inspect lookup "$l" "$p" 2>&1); pod2_rc=$?
wait $holder
check node_lookup_pod_conn '[ $node_rc -eq 0 ] && echo "$node_lookup" | grep -q "203.0.113.7:40007"' "lookup $l $p: rc=$node_rc $node_lookup"
check pod_lookup_own_only '[ $((pod1_rc + pod2_rc)) -eq 1 ] && { [ $pod1_rc -eq 1 ] || [ $pod2_rc -eq 1 ]; }' "pod1 rc=$pod1_rc $pod1_lookup | pod2 rc=$pod2_rc $pod2_lookup"
check node_lists_pod_conns 'echo "$node_conns" | grep -q "203.0.113.7:40007"' "$node_conns"
netns_node=$(readlink /proc/self/ns/net | tr -dc 0-9)
check node_conns_have_pod_netns '! echo "$node_conns" | grep "203.0.113.7:40007" | grep -q " $netns_node\$"' "$node_conns (node $netns_node)"
n1=$(echo "$pod1_conns" | grep -c "203.0.113.7:40007") n2=$(echo "$pod2_conns" | grep -c "203.0.113.7:40007")
check pod_sees_only_own_conns '[ $((n1 + n2)) -eq 1 ]' "pod1: $pod1_conns | pod2: $pod2_conns"
out=$(ip netns exec pod1 toa-inspect config set guard off 2>&1); rc=$?
check pod_cannot_change_config '[ $rc -ne 0 ] && [ "$(cat /sys/module/toa/parameters/guard)" = Y ]' "rc=$rc $out"
out=$(ip netns exec pod1 sh -c 'echo N >/sys/module/toa/parameters/guard' 2>&1); rc=$?
check pod_cannot_write_param '[ $rc -ne 0 ] && [ "$(cat /sys/module/toa/parameters/guard)" = Y ]' "rc=$rc $out"

no_rules
kill $(pidof nginx) $(pidof haproxy) $(pidof toa-echo-server-static) $(pidof toa-udp-echo-server-static) 2>/dev/null
sleep 0.5
for n in 1 2; do ip netns del pod$n; done
toa-lbsim teardown >/dev/null 2>&1
sleep 1
rmmod toa && pass rmmod_after_k8s || fail rmmod_after_k8s
