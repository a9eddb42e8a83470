# SPDX-License-Identifier: MIT
# In the guest: the toa.ko that DKMS built in the Debian build root (tests/deb/dkms.sh)
# reports the package's version, then passes the module suite (tests/guest/module.sh,
# copied to /module.sh).
. /result.sh
want="$(cat /etc/toa-deb-version)"
insmod "$TOA_MODULES/toa.ko" || { fail dkms_insmod; exit 1; }
check dkms_version '[ "$(cat /sys/module/toa/version)" = "$want" ]' \
  "version=$(cat /sys/module/toa/version) want=$want"
check dkms_rmmod 'rmmod toa'
. /module.sh
